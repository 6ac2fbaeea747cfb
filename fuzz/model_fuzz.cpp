// The model loader on arbitrary files, then, for a file that loads, the metadata `mlp train`
// writes (TrainedModel reads it) and one prediction.
#include "fuzz_input.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/model/trained_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mlp_fuzz::MemoryFile file(data, size);
  mlp_fuzz::expect_only_mlp_errors([&] {
    mlp::LoadedModel loaded = mlp::load_model(file.path());
    std::visit(
        [&](auto& network) {
          using Scalar = typename std::decay_t<decltype(network)>::scalar_type;
          const mlp::Index inputs = network.n_inputs();
          if (inputs > 4096) return;
          const mlp::Matrix<Scalar> x = mlp::Matrix<Scalar>::Zero(1, inputs);
          network.predict(x);
          mlp::TrainedModel<Scalar>::from_parts(std::move(network), loaded.extra_json, file.path());
        },
        loaded.network);
  });
  return 0;
}
