// `mlp import model.onnx -o model.safetensors`: an MLP trained elsewhere (PyTorch, scikit-learn)
// as an mlp model (docs/export.md).
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

void add_import_command(CLI::App& app);

}  // namespace mlp::cli
