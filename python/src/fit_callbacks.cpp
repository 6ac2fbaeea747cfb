#include "fit_callbacks.hpp"

namespace mlp::python {

namespace py = pybind11;

void FitCallbacks::install(FitOptions& options) {
  if (!on_epoch_end_.is_none())
    options.on_epoch_end = [this](const EpochLog& log) { return epoch_end(log); };
  options.on_batch_end = [this](Index, Index) { return batch_end(); };
}

bool FitCallbacks::epoch_end(const EpochLog& log) {
  py::gil_scoped_acquire gil;
  try {
    py::dict entry;
    entry["epoch"] = log.epoch;
    entry["loss"] = log.loss;
    entry["accuracy"] = log.accuracy;
    entry["val_loss"] = log.val_loss;
    entry["val_accuracy"] = log.val_accuracy;
    py::object result = on_epoch_end_(entry);
    return result.is_none() || result.cast<bool>();
  } catch (py::error_already_set& e) {
    error_.emplace(std::move(e));
  } catch (const py::cast_error&) {
    PyErr_SetString(PyExc_TypeError, "the epoch callback must return None, True or False");
    error_.emplace();
  }
  return false;
}

bool FitCallbacks::batch_end() {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_signal_check_ < std::chrono::milliseconds(50)) return true;
  last_signal_check_ = now;
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() == 0) return true;
  error_.emplace();  // takes the pending KeyboardInterrupt (or the signal handler's exception)
  return false;
}

void FitCallbacks::rethrow_if_failed() {
  if (!error_) return;
  py::error_already_set e = std::move(*error_);
  error_.reset();
  throw e;
}

}  // namespace mlp::python
