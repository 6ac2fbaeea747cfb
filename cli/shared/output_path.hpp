// Checks made before a long run that its output files can be written, so that training does not
// end in a lost result, and that no output would destroy an input.
//
// "-" and /dev/stdout name standard output for every output flag: the output then owns standard
// output, and what the command prints for a person goes to standard error instead.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace mlp::cli {

// Throws mlp::Error naming the path when `path` is a folder, its folder is missing or not
// writable, or it is a special file that cannot be written (a block device). An empty path is
// accepted (no output). "-" or /dev/stdout claims standard output for this output (a second
// claim is a UsageError) and sends the command's own printing to standard error.
void check_writable(const std::string& path, const std::string& flag);

// Throws UsageError when an output flag of the command being run (-o/--output, --history,
// --csv, --runs, --svg, --save) names the same file as one of its other arguments (an input):
// writing it would destroy that input. Run once the command line is parsed, before the command.
void check_outputs_are_not_inputs(const CLI::App& app);

}  // namespace mlp::cli
