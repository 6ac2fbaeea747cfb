#include "app.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands/demo_xor.hpp"
#include "commands/evaluate.hpp"
#include "commands/explain.hpp"
#include "commands/export.hpp"
#include "commands/gradcheck.hpp"
#include "commands/import.hpp"
#include "commands/info.hpp"
#include "commands/plot.hpp"
#include "commands/predict.hpp"
#include "commands/sweep.hpp"
#include "commands/train.hpp"
#include "mlp/core/error.hpp"
#include "mlp/distributed/world.hpp"
#include "mlp/nn/threads.hpp"
#include "shared/output_path.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

void add_commands(CLI::App& app) {
  app.require_subcommand(1);
  // The version and the kernel set the products run on (MLP_KERNELS, docs/performance.md).
  app.set_version_flag("--version",
                       [] { return "mlp 0.1.0, kernels " + std::string(kernel_set()); });
  add_demo_command(app);
  add_train_command(app);
  add_evaluate_command(app);
  add_predict_command(app);
  add_info_command(app);
  add_plot_command(app);
  add_sweep_command(app);
  add_gradcheck_command(app);
  add_explain_command(app);
  add_export_command(app);
  add_import_command(app);
  // Runs once the command line is parsed, before the command's own callback.
  // A bad MLP_KERNELS (unknown, or a set this CPU lacks) stops every command here.
  app.parse_complete_callback([&app] {
    check_outputs_are_not_inputs(app);
    kernel_set();
  });
}

namespace {

// "mlp: error: ", or under mpirun with several processes "mlp: rank 1 of 4: error: ": which
// process failed.
std::string error_prefix() {
  int processes = 0;
  try {
    processes = distributed::launched_processes();
  } catch (const InvalidArgument&) {  // a malformed launcher variable: that is the error itself
  }
  const int rank = distributed::launched_rank();
  if (processes < 2 || rank < 0) return "mlp: error: ";
  return "mlp: rank " + std::to_string(rank) + " of " + std::to_string(processes) + ": error: ";
}

}  // namespace

int run(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    const std::string hint = did_you_mean(app, std::vector<std::string>(argv + 1, argv + argc));
    std::fprintf(stderr, "%s%s%s\nRun 'mlp --help' for usage.\n", error_prefix().c_str(), e.what(),
                 hint.c_str());
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s%s\n", error_prefix().c_str(), e.what());
    return 2;
  } catch (const InvalidArgument& e) {
    std::fprintf(stderr, "%s%s\n", error_prefix().c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s%s\n", error_prefix().c_str(), e.what());
    return 1;
  }
  return 0;
}

}  // namespace mlp::cli
