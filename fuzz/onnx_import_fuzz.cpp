// The ONNX reader (mlp import) on arbitrary files: the protobuf decoder, then the mapping of the
// graph to an MLP, then one prediction of a model that maps.
#include "fuzz_input.hpp"
#include "mlp/export/onnx_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mlp_fuzz::MemoryFile file(data, size);
  mlp_fuzz::expect_only_mlp_errors([&] {
    const mlp::TrainedModel<float> model = mlp::import_onnx(file.path());
    if (model.network.n_inputs() > 4096) return;
    model.predict_proba(mlp::Matrix<float>::Zero(1, model.network.n_inputs()));
  });
  return 0;
}
