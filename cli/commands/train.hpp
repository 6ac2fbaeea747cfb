// `mlp train DATA --target COLUMN -o MODEL`: train a model on a CSV file or IDX images.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_train_command(CLI::App& app);

}  // namespace mlp::cli
