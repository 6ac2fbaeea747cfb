// `mlp demo xor`: the chapter's XOR experiment, and with --keras its Keras comparison.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_demo_command(CLI::App& app);

}  // namespace mlp::cli
