// `mlp info MODEL`: what a model file holds.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_info_command(CLI::App& app);

}  // namespace mlp::cli
