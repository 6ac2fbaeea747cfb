// An error in how the command was called (a bad flag value, conflicting options): the CLI exits
// with code 2 for these and 1 for data errors.
#pragma once

#include <stdexcept>

namespace mlp::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mlp::cli
