// Opening the model named on the command line in its own floating-point type.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "mlp/model/model_io.hpp"
#include "mlp/model/trained_model.hpp"

namespace mlp::cli {

// Loads the model at `path` once and calls run(TrainedModel<float>&) or
// run(TrainedModel<double>&) according to the type its weights were saved in.
template <class Run>
int with_trained_model(const std::string& path, Run&& run) {
  LoadedModel loaded = load_model(path);
  return std::visit(
      [&](auto& network) {
        using Scalar = typename std::decay_t<decltype(network)>::scalar_type;
        auto model = TrainedModel<Scalar>::from_parts(std::move(network), loaded.extra_json, path);
        return run(model);
      },
      loaded.network);
}

}  // namespace mlp::cli
