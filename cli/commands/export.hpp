// `mlp export MODEL --format onnx -o model.onnx`: a trained model for other runtimes
// (docs/export.md).
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_export_command(CLI::App& app);

}  // namespace mlp::cli
