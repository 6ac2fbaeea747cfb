// mlp._core.load(path): a model file written by `mlp train`, save_model or Sequential.save, as a
// Sequential_f32 or Sequential_f64 in the precision the file holds, with its extra JSON text.
#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "bindings.hpp"
#include "mlp/model/model_io.hpp"
#include "sequential.hpp"

namespace mlp::python {

namespace py = pybind11;

void bind_model_files(py::module_& m) {
  m.def(
      "load",
      [](const std::string& path) {
        std::optional<LoadedModel> loaded;
        {
          py::gil_scoped_release no_gil;
          loaded.emplace(load_model(path));
        }
        py::object net;
        if (auto* f32 = std::get_if<Sequential<float>>(&loaded->network))
          net = py::cast(std::make_unique<PySequential<float>>(std::move(*f32)));
        else
          net = py::cast(std::make_unique<PySequential<double>>(
              std::move(std::get<Sequential<double>>(loaded->network))));
        return py::make_tuple(net, loaded->extra_json);
      },
      py::arg("path"));
}

}  // namespace mlp::python
