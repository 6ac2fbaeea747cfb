// The IDX reader behind gzip: the fuzzer's bytes are compressed first, so that it explores the
// IDX structure of the decompressed data (idx_fuzz explores damaged gzip streams).
#include <zlib.h>

#include <vector>

#include "fuzz_input.hpp"
#include "mlp/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A gzip stream: deflateInit2 with windowBits 15 + 16.
  z_stream stream{};
  if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  std::vector<std::uint8_t> compressed(deflateBound(&stream, size) + 32);
  stream.next_in = const_cast<std::uint8_t*>(data);
  stream.avail_in = static_cast<uInt>(size);
  stream.next_out = compressed.data();
  stream.avail_out = static_cast<uInt>(compressed.size());
  const int status = deflate(&stream, Z_FINISH);
  const std::size_t length = compressed.size() - stream.avail_out;
  deflateEnd(&stream);
  if (status != Z_STREAM_END) return 0;
  const mlp_fuzz::MemoryFile file(compressed.data(), length);
  mlp_fuzz::expect_only_mlp_errors([&] { mlp::read_idx_images<double>(file.path()); });
  mlp_fuzz::expect_only_mlp_errors([&] { mlp::read_idx_labels(file.path()); });
  return 0;
}
