// The Python side of a fit that runs without the GIL: the per-epoch callback, and Ctrl-C.
//
// Sequential.fit releases the GIL while the library trains. After every epoch it takes the GIL
// back to call the Python callback (return False to stop), and at most every 50 ms after a batch
// to let Python handle its signals (PyErr_CheckSignals): Ctrl-C then stops training after that
// batch, and fit raises KeyboardInterrupt once the library has returned. The network then holds
// the parameters of the last finished update: every update is whole, none is half-applied.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <optional>

#include "mlp/nn/fit.hpp"

namespace mlp::python {

class FitCallbacks {
 public:
  // on_epoch_end: None, or a callable taking the epoch's log as a dict (epoch, loss, accuracy,
  // val_loss, val_accuracy; NaN when absent) and returning False to stop training.
  explicit FitCallbacks(pybind11::object on_epoch_end) : on_epoch_end_(std::move(on_epoch_end)) {}

  // Installs both callbacks in `options`; this object must outlive the fit.
  void install(FitOptions& options);

  // Raises (with the GIL held) the Python exception a callback raised, or KeyboardInterrupt.
  void rethrow_if_failed();

 private:
  bool epoch_end(const EpochLog& log);
  bool batch_end();

  pybind11::object on_epoch_end_;
  std::optional<pybind11::error_already_set> error_;  // first exception raised under the fit
  std::chrono::steady_clock::time_point last_signal_check_ = std::chrono::steady_clock::now();
};

}  // namespace mlp::python
