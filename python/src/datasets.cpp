// mlp._core.read_dataset: the library's read_dataset (CSV with a target column, or IDX images
// with their labels file) into NumPy arrays, for mlp.datasets.read_csv / read_idx.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bindings.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/read_dataset.hpp"

namespace mlp::python {

namespace {

namespace py = pybind11;

// The data set as a dict: X (samples x features), y (class indices into class_names, or target
// values), feature_names, class_names and task.
template <class Scalar>
py::dict read(const std::string& path, const ReadOptions& options) {
  std::optional<Dataset<Scalar>> data;
  {
    py::gil_scoped_release no_gil;
    data.emplace(read_dataset<Scalar>(path, options));
  }
  py::dict result;
  result["feature_names"] = data->feature_names;
  result["class_names"] = data->class_names;
  result["task"] = std::string(to_string(data->task));
  if (data->task == Task::classification)
    result["y"] =
        py::array_t<int>(static_cast<py::ssize_t>(data->labels.size()), data->labels.data());
  else
    result["y"] = py::array_t<Scalar>(data->targets.size(), data->targets.data());
  result["X"] = to_numpy(std::move(data->features));
  return result;
}

}  // namespace

void bind_datasets(py::module_& m) {
  m.def(
      "read_dataset",
      [](const std::string& path, const std::string& target, const std::string& labels_path,
         const std::vector<std::string>& ignore, std::optional<char> delimiter,
         std::optional<std::string> task, const std::string& dtype) {
        ReadOptions options;
        options.target = target;
        options.labels_path = labels_path;
        options.columns.ignore = ignore;
        options.delimiter = delimiter;
        if (task) options.task = task_from_string(*task);
        if (dtype == "float32") return read<float>(path, options);
        if (dtype == "float64") return read<double>(path, options);
        throw InvalidArgument("dtype must be 'float32' or 'float64', got '" + dtype + "'");
      },
      py::arg("path"), py::arg("target") = "", py::arg("labels_path") = "",
      py::arg("ignore") = std::vector<std::string>{}, py::arg("delimiter") = py::none(),
      py::arg("task") = py::none(), py::arg("dtype") = "float64");
}

}  // namespace mlp::python
