// mlp._core.TrainedModel_f32 / TrainedModel_f64: the library's TrainedModel (a network with what
// its data taught it: feature and class names, the scaler) for the package's mlp.TrainedModel,
// and the exports and import of include/mlp/export/ (docs/export.md). Everything that reads or
// writes files or predicts runs without the GIL; the library's errors become the package's
// exceptions (errors.hpp).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "bindings.hpp"
#include "mlp/core/error.hpp"
#include "mlp/export/c_export.hpp"
#include "mlp/export/onnx_export.hpp"
#include "mlp/export/onnx_import.hpp"
#include "mlp/export/softmax_pair.hpp"
#include "mlp/model/trained_model.hpp"
#include "sequential.hpp"

namespace mlp::python {

namespace {

namespace py = pybind11;

// A copy of the Python network's Sequential, taken under its lock (never while it trains).
template <class Scalar>
Sequential<Scalar> copy_of(PySequential<Scalar>& s) {
  py::gil_scoped_release no_gil;
  std::lock_guard lock(s.busy);
  if (s.training) throw InvalidArgument("cannot export a network while it trains");
  return s.net;
}

// The model of a network saved with mlp's metadata (a file of `mlp train` or `mlp import`, whose
// text mlp.load keeps): TrainedModel::from_parts, which checks that both fit together.
template <class Scalar>
TrainedModel<Scalar> from_file_metadata(PySequential<Scalar>& s, const std::string& extra_json,
                                        const std::string& source) {
  Sequential<Scalar> net = copy_of(s);
  py::gil_scoped_release no_gil;
  return TrainedModel<Scalar>::from_parts(std::move(net), extra_json, source);
}

// The model of a network without mlp's metadata (a Sequential built in Python, an estimator):
// raw features are the network's inputs, named `feature_names` (default x0, x1, ...). With
// `class_names` it is a classifier whose output i is class_names[i] (a single sigmoid output is
// a binary classifier: with_softmax_pair); without, a regression model with one output.
template <class Scalar>
TrainedModel<Scalar> from_names(PySequential<Scalar>& s, std::vector<std::string> feature_names,
                                std::vector<std::string> class_names) {
  TrainedModel<Scalar> model;
  model.network = copy_of(s);
  const Sequential<Scalar>& net = model.network;
  if (net.layers().empty()) throw InvalidArgument("the network has no layers to export");
  ModelMetadata& meta = model.metadata;
  if (feature_names.empty())
    for (Index i = 0; i < net.n_inputs(); ++i) feature_names.push_back("x" + std::to_string(i));
  if (static_cast<Index>(feature_names.size()) != net.n_inputs())
    throw InvalidArgument(std::to_string(feature_names.size()) +
                          " feature names for a network of " + std::to_string(net.n_inputs()) +
                          " inputs");
  meta.feature_names = std::move(feature_names);
  meta.task = class_names.empty() ? Task::regression : Task::classification;
  if (meta.task == Task::classification) {
    if (class_names.size() == 2 && net.n_outputs() == 1 &&
        net.output_activation() == Activation::sigmoid)
      model.network = with_softmax_pair(net);
    if (static_cast<Index>(class_names.size()) != model.network.n_outputs())
      throw InvalidArgument(std::to_string(class_names.size()) + " class names for a network of " +
                            std::to_string(model.network.n_outputs()) + " outputs");
    meta.class_names = std::move(class_names);
  } else if (net.n_outputs() != 1) {
    throw InvalidArgument(
        "a network with " + std::to_string(net.n_outputs()) + " " +
        std::string(to_string(net.output_activation())) +
        " outputs is neither a classifier (softmax outputs) nor a regression model with one "
        "output: the ONNX and C exports write class probabilities or one value");
  }
  return model;
}

template <class Scalar>
py::array_t<Scalar, py::array::c_style> features(py::handle X) {
  return c_array<Scalar>(X, "X", 2);
}

// What TrainedModel computes from raw features X, without the GIL.
template <class Scalar, class Compute>
auto predicted(const TrainedModel<Scalar>& model, py::handle X_in, Compute compute) {
  const auto X = features<Scalar>(X_in);
  py::gil_scoped_release no_gil;
  return compute(model, Matrix<Scalar>(matrix_view(X)));
}

CExportOptions c_options(const std::string& name, const std::string& scratch,
                         const std::optional<std::string>& quantize) {
  CExportOptions options;
  options.name = name;
  if (scratch != "static" && scratch != "caller")
    throw InvalidArgument("scratch must be 'static' or 'caller', got '" + scratch + "'");
  options.scratch = scratch == "caller" ? CScratch::caller : CScratch::static_buffer;
  if (quantize && *quantize != "int8")
    throw InvalidArgument("quantize must be None or 'int8', got '" + *quantize + "'");
  if (quantize) options.weights = CWeights::int8;
  return options;
}

template <class Scalar>
void bind_predictions(py::class_<TrainedModel<Scalar>>& cls) {
  using Model = TrainedModel<Scalar>;
  cls.def(
         "predict_proba",
         [](const Model& m, py::handle X) {
           return to_numpy(predicted(m, X, [](const Model& model, const Matrix<Scalar>& x) {
             return model.predict_proba(x);
           }));
         },
         py::arg("X"))
      .def(
          "predict_classes",
          [](const Model& m, py::handle X) {
            const std::vector<int> classes =
                predicted(m, X, [](const Model& model, const Matrix<Scalar>& x) {
                  return model.predict_classes(x);
                });
            return py::array_t<int>(static_cast<py::ssize_t>(classes.size()), classes.data());
          },
          py::arg("X"))
      .def(
          "predict_values",
          [](const Model& m, py::handle X) {
            const Vector<Scalar> values =
                predicted(m, X, [](const Model& model, const Matrix<Scalar>& x) {
                  return model.predict_values(x);
                });
            return py::array_t<Scalar>(values.size(), values.data());
          },
          py::arg("X"));
}

template <class Scalar>
void bind_files(py::class_<TrainedModel<Scalar>>& cls) {
  using Model = TrainedModel<Scalar>;
  cls.def(
         "save",
         [](const Model& m, const std::string& path) {
           py::gil_scoped_release no_gil;
           m.save(path);
         },
         py::arg("path"))
      .def(
          "export_onnx",
          [](const Model& m, const std::string& path, bool integer_labels) {
            py::gil_scoped_release no_gil;
            export_onnx(m, path, integer_labels ? OnnxLabel::int64 : OnnxLabel::string);
          },
          py::arg("path"), py::arg("integer_labels") = false)
      .def(
          "export_c",
          [](const Model& m, const std::string& dir, const std::string& name,
             const std::string& scratch, const std::optional<std::string>& quantize) {
            CExportOptions options = c_options(name, scratch, quantize);
            CSource c;
            {
              py::gil_scoped_release no_gil;
              c = export_c(m, options, dir);
            }
            py::dict sizes;
            sizes["flash_bytes"] = c.flash_bytes;
            sizes["ram_bytes"] = c.ram_bytes;
            return sizes;
          },
          py::arg("dir"), py::arg("name") = "model", py::arg("scratch") = "static",
          py::arg("quantize") = py::none());
}

template <class Scalar>
void bind_one(py::module_& m, const char* name) {
  using Model = TrainedModel<Scalar>;
  py::class_<Model> cls(m, name);
  cls.def_static("from_file_metadata", &from_file_metadata<Scalar>, py::arg("network"),
                 py::arg("extra_json"), py::arg("source"))
      .def_static("from_names", &from_names<Scalar>, py::arg("network"),
                  py::arg("feature_names") = std::vector<std::string>{},
                  py::arg("class_names") = std::vector<std::string>{})
      .def_property_readonly("task",
                             [](const Model& m) { return std::string(to_string(m.metadata.task)); })
      .def_property_readonly("feature_names",
                             [](const Model& m) { return m.metadata.feature_names; })
      .def_property_readonly("class_names", [](const Model& m) { return m.metadata.class_names; })
      .def_property_readonly("target", [](const Model& m) { return m.metadata.target; })
      .def_property_readonly("metadata_json", [](const Model& m) { return m.metadata.to_json(); })
      .def_property_readonly("network", [](const Model& m) {
        return std::make_unique<PySequential<Scalar>>(m.network);
      });
  bind_predictions(cls);
  bind_files(cls);
}

}  // namespace

void bind_trained_model(py::module_& m) {
  bind_one<float>(m, "TrainedModel_f32");
  bind_one<double>(m, "TrainedModel_f64");
  m.def(
      "import_onnx",
      [](const std::string& path, const std::vector<std::string>& feature_names,
         const std::string& target) {
        OnnxImportOptions options;
        options.feature_names = feature_names;
        options.target = target;
        py::gil_scoped_release no_gil;
        return import_onnx(path, options);
      },
      py::arg("path"), py::arg("feature_names") = std::vector<std::string>{},
      py::arg("target") = "target");
}

}  // namespace mlp::python
