// `mlp evaluate MODEL DATA`: metrics of a trained model on labelled data.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_evaluate_command(CLI::App& app);

}  // namespace mlp::cli
