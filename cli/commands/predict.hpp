// `mlp predict MODEL DATA [-o FILE] [--proba]`: predictions of a trained model as CSV.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_predict_command(CLI::App& app);

}  // namespace mlp::cli
