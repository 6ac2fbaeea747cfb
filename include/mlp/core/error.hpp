// Typed exceptions of the library. The library never exits or aborts on bad input: it throws
// one of these with a message that says what was wrong and where. The CLI and the Python module
// decide how to report it.
#pragma once

#include <stdexcept>
#include <string>

namespace mlp {

// Base of every error the library throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A caller passed something of the wrong shape or an invalid setting (a programming or usage
// error: the message names the argument and the expected and actual values).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A data file could not be read or holds bad values (the message names file, line, column).
class DataError : public Error {
 public:
  using Error::Error;
};

// A model file is damaged, truncated, or not one of ours.
class ModelFileError : public Error {
 public:
  using Error::Error;
};

}  // namespace mlp
