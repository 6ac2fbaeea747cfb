#include "fit_options.hpp"

#include <string>

namespace mlp::python {

namespace py = pybind11;

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
    else if (name == "early_stopping_patience")
      options.early_stopping_patience = value.cast<int>();
    else
      throw py::type_error("fit() got an unexpected keyword argument '" + name +
                           "' (known: epochs, batch_size, shuffle, seed, schedule, "
                           "early_stopping_patience)");
  }
  return options;
}

}  // namespace mlp::python
