// `mlp sweep`: the chapter's "fragile" claim measured. Trains a grid of networks (seeds x
// learning rates x hidden sizes x initializers x optimizers) on XOR or a CSV file, on all cores,
// and reports per cell the share of seeds that reach the target accuracy and the median
// iterations it took, as a table and optionally CSV.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_sweep_command(CLI::App& app);

}  // namespace mlp::cli
