// The `mlp` command-line tool.
#include <CLI/CLI.hpp>

#include "app.hpp"

int main(int argc, char** argv) {
  CLI::App app{"mlp: multilayer perceptrons trained with backpropagation", "mlp"};
  mlp::cli::add_commands(app);
  return mlp::cli::run(app, argc, argv);
}
