#include "errors.hpp"

#include "mlp/core/error.hpp"

namespace mlp::python {

namespace py = pybind11;

namespace {

// Stored once per interpreter, as pybind11 recommends for exception types (no static py::object
// whose destructor would run after the interpreter is gone).
PYBIND11_CONSTINIT py::gil_safe_call_once_and_store<py::object> data_error;
PYBIND11_CONSTINIT py::gil_safe_call_once_and_store<py::object> model_file_error;
PYBIND11_CONSTINIT py::gil_safe_call_once_and_store<py::object> divergence_error;

// Raises mlp.DivergenceError with the message and, as attributes, where training diverged.
void raise_divergence(const DivergenceError& e) {
  py::object error = divergence_error.get_stored()(e.what());
  error.attr("epoch") = e.epoch();
  error.attr("batch") = e.batch();
  error.attr("layer") = e.layer();
  error.attr("cause") = e.cause();
  error.attr("learning_rate") = e.learning_rate();
  PyErr_SetObject(divergence_error.get_stored().ptr(), error.ptr());
}

}  // namespace

void bind_errors(py::module_& m) {
  data_error.call_once_and_store_result(
      [&] { return py::exception<DataError>(m, "DataError", PyExc_ValueError); });
  model_file_error.call_once_and_store_result(
      [&] { return py::exception<ModelFileError>(m, "ModelFileError", PyExc_ValueError); });
  divergence_error.call_once_and_store_result(
      [&] { return py::exception<DivergenceError>(m, "DivergenceError", PyExc_ValueError); });
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const DataError& e) {
      py::set_error(data_error.get_stored(), e.what());
    } catch (const ModelFileError& e) {
      py::set_error(model_file_error.get_stored(), e.what());
    } catch (const DivergenceError& e) {
      raise_divergence(e);
    } catch (const Error& e) {
      py::set_error(PyExc_ValueError, e.what());
    }
  });
}

}  // namespace mlp::python
