// The IDX reader on arbitrary files, raw or gzip (the seeds hold both), as images and as labels.
#include "fuzz_input.hpp"
#include "mlp/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mlp_fuzz::MemoryFile file(data, size);
  mlp_fuzz::expect_only_mlp_errors([&] { mlp::read_idx_images<float>(file.path()); });
  mlp_fuzz::expect_only_mlp_errors([&] { mlp::read_idx_labels(file.path()); });
  return 0;
}
