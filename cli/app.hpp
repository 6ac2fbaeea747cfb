// The `mlp` program's command line: every subcommand with its flags, and running one. main()
// is these two calls; the CLI's fuzz target (fuzz/cli_args_fuzz.cpp) builds the same app.
#pragma once

namespace CLI {
class App;
}

namespace mlp::cli {

// Adds every subcommand of `mlp` to `app`, the --version flag, and the check, once the command
// line is parsed, that no output path names an input.
void add_commands(CLI::App& app);

// Parses the command line and runs the command it names. Returns the process's exit code: 0, 1
// for an error in the data or a file, 2 for an error in how the command was called (printed as
// one line on stderr, with a did-you-mean hint for a misspelled word).
int run(CLI::App& app, int argc, char** argv);

}  // namespace mlp::cli
