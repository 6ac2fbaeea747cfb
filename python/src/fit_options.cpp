#include "fit_options.hpp"

#include <string>

#include "arrays.hpp"

namespace mlp::python {

namespace py = pybind11;

namespace {

// One weight per training sample, from any 1-D array of numbers.
std::vector<double> sample_weights(py::handle value) {
  const auto w = c_array<double>(value, "sample_weight", 1);
  return {w.data(), w.data() + w.shape(0)};
}

}  // namespace

FitOptions fit_options(const py::kwargs& kwargs) {
  FitOptions options;
  for (auto [key, value] : kwargs) {
    const std::string name = py::str(key);
    if (name == "epochs")
      options.epochs = value.cast<int>();
    else if (name == "batch_size")
      options.batch_size = value.cast<Index>();
    else if (name == "shuffle")
      options.shuffle = value.cast<bool>();
    else if (name == "seed")
      options.seed = value.cast<std::uint64_t>();
    else if (name == "schedule")
      options.schedule = schedule_from_string(value.cast<std::string>());
    else if (name == "power_t")
      options.power_t = value.cast<double>();
    else if (name == "early_stopping_patience")
      options.early_stopping_patience = value.cast<int>();
    else if (name == "tol")
      options.tol = value.cast<double>();
    else if (name == "n_iter_no_change")
      options.n_iter_no_change = value.cast<int>();
    else if (name == "l2")
      options.l2 = value.cast<double>();
    else if (name == "sample_weight")
      options.sample_weight = sample_weights(value);
    else if (name == "keep_training_state")
      options.keep_training_state = value.cast<bool>();
    else if (name == "max_rollbacks")
      options.max_rollbacks = value.cast<int>();
    else
      throw py::type_error("fit() got an unexpected keyword argument '" + name +
                           "' (known: epochs, batch_size, shuffle, seed, schedule, power_t, "
                           "early_stopping_patience, tol, n_iter_no_change, l2, sample_weight, "
                           "keep_training_state, max_rollbacks)");
  }
  return options;
}

}  // namespace mlp::python
