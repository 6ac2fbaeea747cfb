// Typed exceptions of the library. The library never exits or aborts on bad input: it throws
// one of these with a message that says what was wrong and where. The CLI and the Python module
// decide how to report it.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

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

// Training met a NaN or infinite loss or gradient and stopped at that step (Sequential::fit). The
// message gives the epoch, batch and layer, the likely cause and what to try; the network holds
// the parameters of the last completed epoch, which are finite.
class DivergenceError : public Error {
 public:
  DivergenceError(const std::string& message, int epoch, long long batch, int layer,
                  std::string cause, double learning_rate)
      : Error(message),
        epoch_(epoch),
        batch_(batch),
        layer_(layer),
        cause_(std::move(cause)),
        learning_rate_(learning_rate) {}

  int epoch() const { return epoch_; }        // 1-based
  long long batch() const { return batch_; }  // 1-based, within the epoch
  int layer() const { return layer_; }        // 1-based layer where non-finite values began
  const std::string& cause() const { return cause_; }      // the likely cause, in a few words
  double learning_rate() const { return learning_rate_; }  // eta of the diverging step

 private:
  int epoch_;
  long long batch_;
  int layer_;
  std::string cause_;
  double learning_rate_;
};

}  // namespace mlp
