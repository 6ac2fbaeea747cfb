// `mlp explain`: one training step of the chapter's 2-3-1 network (or --layers, or --init MODEL)
// on one example, written out in the chapter's notation: z and a of every unit, the error E,
// each factor of the chain rule, every gradient and the updated weights. --format markdown gives
// tables to paste into notes.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_explain_command(CLI::App& app);

}  // namespace mlp::cli
