// An error in how the command was called (a bad flag value, conflicting options): the CLI exits
// with code 2 for these and 1 for data errors. And the hint for a misspelled subcommand or flag.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace mlp::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// For a command line that did not parse: " (did you mean 'train'?)" when one of its words is not
// a subcommand or flag of `app` but is close to one (about one edit in three letters), else "".
std::string did_you_mean(const CLI::App& app, const std::vector<std::string>& words);

}  // namespace mlp::cli
