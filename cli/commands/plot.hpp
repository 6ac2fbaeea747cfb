// `mlp plot history|activations|boundary`: the charts as SVG files.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_plot_command(CLI::App& app);

}  // namespace mlp::cli
