// Checks of numeric flag values with messages a person can act on ("--lr: expected a positive
// number, got 'abc'"); CLI11 prints them and the tool exits with code 2.
#pragma once

#include <CLI/CLI.hpp>

namespace mlp::cli {

// An integer >= minimum.
CLI::Validator integer_at_least(long long minimum);
// A finite real number > 0.
CLI::Validator positive_real();
// A real number in [0, 1).
CLI::Validator fraction();

}  // namespace mlp::cli
