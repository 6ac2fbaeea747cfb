#include "errors.hpp"

#include "mlp/core/error.hpp"

namespace mlp::python {

namespace py = pybind11;

void bind_errors(py::module_& m) {
  // Stored once per interpreter, as pybind11 recommends for exception types (no static
  // py::object whose destructor would run after the interpreter is gone).
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> data_error;
  PYBIND11_CONSTINIT static py::gil_safe_call_once_and_store<py::object> model_file_error;
  data_error.call_once_and_store_result(
      [&] { return py::exception<DataError>(m, "DataError", PyExc_ValueError); });
  model_file_error.call_once_and_store_result(
      [&] { return py::exception<ModelFileError>(m, "ModelFileError", PyExc_ValueError); });
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const DataError& e) {
      py::set_error(data_error.get_stored(), e.what());
    } catch (const ModelFileError& e) {
      py::set_error(model_file_error.get_stored(), e.what());
    } catch (const Error& e) {
      py::set_error(PyExc_ValueError, e.what());
    }
  });
}

}  // namespace mlp::python
