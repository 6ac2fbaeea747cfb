#include "sequential.hpp"

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arrays.hpp"
#include "fit_callbacks.hpp"
#include "fit_options.hpp"
#include "mlp/core/error.hpp"
#include "mlp/model/checkpoint.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/nn/output.hpp"
#include "mlp/nn/workspace.hpp"

namespace mlp::python {

namespace {

namespace py = pybind11;

// The optimizer's settings from its name and values; the learning rate defaults to the
// optimizer's own default on minibatches ("gd": on the full batch).
OptimizerSpec optimizer_spec(const std::string& name, std::optional<double> learning_rate,
                             double momentum, bool nesterov, double beta1, double beta2,
                             double epsilon) {
  OptimizerSpec spec;
  spec.kind = optimizer_kind_from_string(name);
  spec.learning_rate =
      learning_rate ? *learning_rate : default_learning_rate(spec.kind, name == "gd");
  spec.momentum = momentum;
  spec.nesterov = nesterov;
  spec.beta1 = beta1;
  spec.beta2 = beta2;
  spec.epsilon = epsilon;
  return spec;
}

py::dict optimizer_dict(const OptimizerSpec& spec) {
  py::dict d;
  d["kind"] = to_string(spec.kind);
  d["learning_rate"] = spec.learning_rate;
  d["momentum"] = spec.momentum;
  d["nesterov"] = spec.nesterov;
  d["beta1"] = spec.beta1;
  d["beta2"] = spec.beta2;
  d["epsilon"] = spec.epsilon;
  return d;
}

py::dict history_dict(const History& h) {
  py::dict d;
  d["loss"] = h.loss;
  d["accuracy"] = h.accuracy;
  d["val_loss"] = h.val_loss;
  d["val_accuracy"] = h.val_accuracy;
  d["learning_rate"] = h.learning_rate;
  d["best_epoch"] = h.best_epoch;
  d["stopped_early"] = h.stopped_early;
  d["rollbacks"] = h.rollbacks;
  return d;
}

// A writable NumPy view of `count` parameters at `data`, shaped `shape`, that keeps the Python
// network `owner` alive.
template <class Scalar>
py::array_t<Scalar> parameter_view(py::object owner, Scalar* data, std::vector<py::ssize_t> shape) {
  owner.cast<PySequential<Scalar>&>().shared = true;
  return py::array_t<Scalar>(shape, data, owner);
}

template <class Scalar>
py::dict fit(PySequential<Scalar>& self, py::handle X_in, py::handle Y_in, py::handle X_val_in,
             py::handle Y_val_in, FitOptions options, py::object callback) {
  const auto X = c_array<Scalar>(X_in, "X", 2);
  const auto Y = c_array<Scalar>(Y_in, "Y", 2);
  const bool validation = !X_val_in.is_none();
  py::array_t<Scalar, py::array::c_style> X_val, Y_val;
  if (validation) {
    X_val = c_array<Scalar>(X_val_in, "X_val", 2);
    Y_val = c_array<Scalar>(Y_val_in, "Y_val", 2);
  }
  FitCallbacks callbacks(std::move(callback));
  callbacks.install(options);
  History history;
  {
    py::gil_scoped_release no_gil;
    std::lock_guard lock(self.busy);
    if (self.training) throw InvalidArgument("cannot fit from fit's own callback");
    self.training = true;
    struct Done {
      bool& training;
      ~Done() { training = false; }
    } done{self.training};
    if (validation)
      history = self.net.fit(matrix_view(X), matrix_view(Y), matrix_view(X_val), matrix_view(Y_val),
                             options);
    else
      history = self.net.fit(matrix_view(X), matrix_view(Y), options);
  }
  callbacks.rethrow_if_failed();
  return history_dict(history);
}

// (E, dE/dparameters) on (X, Y) at the current parameters, E the compiled loss with the sample
// weights (None: all 1) and the L2 penalty l2 (LossTerms), for optimizers outside the library
// (L-BFGS through scipy).
template <class Scalar>
std::pair<double, py::array_t<Scalar>> loss_and_gradient(PySequential<Scalar>& self,
                                                         py::handle X_in, py::handle Y_in,
                                                         py::handle sample_weight, double l2) {
  const auto X = c_array<Scalar>(X_in, "X", 2);
  const auto Y = c_array<Scalar>(Y_in, "Y", 2);
  py::array_t<double, py::array::c_style> weights;
  if (!sample_weight.is_none()) weights = c_array<double>(sample_weight, "sample_weight", 1);
  LossTerms terms;
  terms.l2 = l2;
  if (weights) terms.sample_weight = {weights.data(), static_cast<std::size_t>(weights.shape(0))};
  Matrix<Scalar> gradient;
  double loss = 0.0;
  {
    py::gil_scoped_release no_gil;
    std::lock_guard lock(self.busy);
    if (self.training) throw InvalidArgument("cannot compute gradients while the network trains");
    self.net.check_shapes(matrix_view(X), matrix_view(Y), "X, Y");
    Workspace<Scalar> ws;
    ws.plan(self.net.layers(), std::max<Index>(1, X.shape(0)));
    loss =
        static_cast<double>(self.net.compute_gradients(matrix_view(X), matrix_view(Y), ws, terms));
    gradient = self.net.gradients().transpose();
  }
  return {loss, to_numpy(std::move(gradient)).reshape({self.net.parameter_count()})};
}

// The network's outputs for X (Proba: the output layer's activations, else the output rule's
// predictions). With finite_only, None instead when X holds NaN or infinity (checked without the
// GIL, block by block as the library predicts: predict_proba_if_finite): the estimators' fast
// path, which then lets scikit-learn's validation raise its own error.
template <class Scalar, bool Proba>
py::object predict(PySequential<Scalar>& self, py::handle X_in, bool finite_only) {
  const auto X = c_array<Scalar>(X_in, "X", 2);
  Matrix<Scalar> result;
  bool finite = true;
  {
    py::gil_scoped_release no_gil;
    std::lock_guard lock(self.busy);
    const auto view = matrix_view(X);
    if (finite_only) {
      std::optional<Matrix<Scalar>> proba = self.net.predict_proba_if_finite(view);
      finite = proba.has_value();
      if (finite)
        result = Proba ? std::move(*proba)
                       : apply_output_rule<Scalar>(self.net.output_activation(), *proba);
    } else {
      result = Proba ? self.net.predict_proba(view) : self.net.predict(view);
    }
  }
  if (!finite) return py::none();
  return to_numpy(std::move(result));
}

// The parameters as writable NumPy views: all of them, and each layer's W and b.
template <class Scalar>
void bind_parameter_views(py::class_<PySequential<Scalar>>& cls) {
  using Net = PySequential<Scalar>;
  cls.def_property_readonly("parameters",
                            [](py::object self) {
                              auto& s = self.cast<Net&>();
                              return parameter_view<Scalar>(self, s.net.parameters().data(),
                                                            {s.net.parameter_count()});
                            })
      .def(
          "weights",
          [](py::object self, std::size_t layer) {
            auto& s = self.cast<Net&>();
            auto W = s.net.weights(layer);
            return parameter_view<Scalar>(self, W.data(), {W.rows(), W.cols()});
          },
          py::arg("layer"))
      .def(
          "bias",
          [](py::object self, std::size_t layer) {
            auto& s = self.cast<Net&>();
            auto b = s.net.bias(layer);
            return parameter_view<Scalar>(self, b.data(), {b.cols()});
          },
          py::arg("layer"));
}

template <class Scalar>
void bind_one(py::module_& m, const char* name, const char* dtype) {
  using Net = PySequential<Scalar>;
  py::class_<Net> cls(m, name);
  bind_parameter_views(cls);
  cls.def(py::init([](Index n_inputs) {
            if (n_inputs < 1)
              throw InvalidArgument("n_inputs must be >= 1, got " + std::to_string(n_inputs));
            return std::make_unique<Net>(Sequential<Scalar>(n_inputs));
          }),
          py::arg("n_inputs"))
      .def_property_readonly("dtype", [dtype](const Net&) { return dtype; })
      .def_property_readonly("n_inputs", [](const Net& s) { return s.net.n_inputs(); })
      .def_property_readonly("n_outputs", [](const Net& s) { return s.net.n_outputs(); })
      .def_property_readonly("parameter_count",
                             [](const Net& s) { return s.net.parameter_count(); })
      .def_property_readonly("layers",
                             [](const Net& s) {
                               py::list layers;
                               for (const DenseLayer& l : s.net.layers())
                                 layers.append(py::make_tuple(l.n_out, to_string(l.activation)));
                               return layers;
                             })
      .def_property_readonly("loss", [](const Net& s) { return to_string(s.net.loss()); })
      .def_property_readonly("optimizer",
                             [](const Net& s) { return optimizer_dict(s.net.optimizer()); })
      .def(
          "add",
          [](Net& s, Index units, const std::string& activation) {
            auto lock = lock_for_change(s, "add a layer");
            if (s.shared)
              throw InvalidArgument(
                  "cannot add a layer: NumPy views of this network's parameters exist (build the "
                  "whole network before reading its parameters)");
            if (units < 1)
              throw InvalidArgument("units must be >= 1, got " + std::to_string(units));
            s.net.add(units, activation_from_string(activation));
          },
          py::arg("units"), py::arg("activation"))
      .def(
          "initialize",
          [](Net& s, const std::string& kind, std::uint64_t seed, double low, double high,
             double mean, double stddev) {
            auto lock = lock_for_change(s, "initialize");
            Initializer init{initializer_kind_from_string(kind), low, high, mean, stddev};
            s.net.initialize(init, seed);
          },
          py::arg("init") = "glorot_uniform", py::arg("seed") = 0, py::arg("low") = 0.0,
          py::arg("high") = 1.0, py::arg("mean") = 0.0, py::arg("stddev") = 0.05)
      .def(
          "compile",
          [](Net& s, const std::string& loss, const std::string& optimizer,
             std::optional<double> learning_rate, double momentum, bool nesterov, double beta1,
             double beta2, double epsilon) {
            auto lock = lock_for_change(s, "compile");
            s.net.compile(loss_from_string(loss), optimizer_spec(optimizer, learning_rate, momentum,
                                                                 nesterov, beta1, beta2, epsilon));
          },
          py::arg("loss"), py::arg("optimizer") = "adam", py::arg("learning_rate") = py::none(),
          py::arg("momentum") = 0.9, py::arg("nesterov") = false, py::arg("beta1") = 0.9,
          py::arg("beta2") = 0.999, py::arg("epsilon") = 1e-8)
      .def(
          "fit",
          [](Net& s, py::handle X, py::handle Y, py::handle X_val, py::handle Y_val,
             py::object callback, const py::kwargs& options) {
            return fit(s, X, Y, X_val, Y_val, fit_options(options), std::move(callback));
          },
          py::arg("X"), py::arg("Y"), py::arg("X_val") = py::none(), py::arg("Y_val") = py::none(),
          py::arg("callback") = py::none())
      .def("training_state_json",
           [](Net& s) {
             auto lock = lock_for_change(s, "read the training state");
             return training_state_json(s.net.training_state());
           })
      .def(
          "set_training_state_json",
          [](Net& s, const std::string& text) {
            auto lock = lock_for_change(s, "set the training state");
            TrainingState<Scalar> state = training_state_from_json<Scalar>(
                text, s.net.parameter_count(), "the pickled training state");
            if (state.optimizer.spec().kind != s.net.optimizer().kind)
              throw InvalidArgument(
                  "the pickled training state is of the " + to_string(state.optimizer.spec().kind) +
                  " optimizer, the network's is " + to_string(s.net.optimizer().kind) +
                  " (compile the network as it was first)");
            s.net.training_state() = std::move(state);
          },
          py::arg("text"))
      .def("predict_proba", &predict<Scalar, true>, py::arg("X"), py::arg("finite_only") = false)
      .def("predict", &predict<Scalar, false>, py::arg("X"), py::arg("finite_only") = false)
      .def("loss_and_gradient", &loss_and_gradient<Scalar>, py::arg("X"), py::arg("Y"),
           py::arg("sample_weight") = py::none(), py::arg("l2") = 0.0)
      .def(
          "save",
          [](Net& s, const std::string& path, const std::string& extra_json) {
            py::gil_scoped_release no_gil;
            std::lock_guard lock(s.busy);
            save_model(path, s.net, extra_json);
          },
          py::arg("path"), py::arg("extra_json") = "{}");
}

}  // namespace

void bind_sequential(py::module_& m) {
  bind_one<float>(m, "Sequential_f32", "float32");
  bind_one<double>(m, "Sequential_f64", "float64");
}

}  // namespace mlp::python
