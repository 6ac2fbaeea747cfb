// NumPy arrays in and out of the library's matrices, with as few copies as the layouts allow.
//
// In: a C-ordered array of the network's own dtype (float32 for Sequential<float>, float64 for
// Sequential<double>) is read in place, whether writeable, read-only or memory-mapped: the library
// only reads it. Every other array (F-ordered, strided, another numeric dtype, a list) is copied
// once into a C-ordered array of that dtype. Strings, objects and other non-numeric dtypes are a
// TypeError, not a conversion.
// Out: results are moved from the library's Eigen matrices into NumPy arrays without a copy.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "mlp/core/matrix.hpp"

namespace mlp::python {

namespace py = pybind11;

// `obj` as a C-ordered array of Scalar with `ndim` dimensions (copied only when it is not one
// already). `name` names the argument in messages. Throws py::type_error for a non-numeric dtype
// and py::value_error for another number of dimensions.
template <class Scalar>
py::array_t<Scalar, py::array::c_style> c_array(py::handle obj, const char* name, int ndim) {
  py::array any = py::array::ensure(obj);
  if (!any) {
    PyErr_Clear();
    throw py::type_error(std::string(name) + " must be an array of numbers, got " +
                         std::string(py::str(py::type::handle_of(obj).attr("__name__"))));
  }
  const char kind = any.dtype().kind();
  if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f')
    throw py::type_error(std::string(name) + " must hold numbers, got dtype " +
                         std::string(py::str(any.dtype())) + ": encode text columns first");
  if (any.ndim() != ndim)
    throw py::value_error(std::string(name) + " must have " + std::to_string(ndim) +
                          " dimensions, got " + std::to_string(any.ndim()) +
                          (ndim == 2 ? " (reshape a single feature with X.reshape(-1, 1))" : ""));
  auto array = py::array_t<Scalar, py::array::c_style | py::array::forcecast>::ensure(any);
  if (!array) throw py::error_already_set();
  return array;
}

// A read-only view of a 2-D C-ordered array as the library's row-major matrix.
template <class Scalar>
ConstMatrixView<Scalar> matrix_view(const py::array_t<Scalar, py::array::c_style>& array) {
  return {array.data(), static_cast<Index>(array.shape(0)), static_cast<Index>(array.shape(1))};
}

// A matrix moved into a NumPy array (C-ordered, owned by the array; no copy).
template <class Scalar>
py::array_t<Scalar> to_numpy(Matrix<Scalar>&& matrix) {
  auto* owned = new Matrix<Scalar>(std::move(matrix));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<Matrix<Scalar>*>(p); });
  return py::array_t<Scalar>({owned->rows(), owned->cols()}, owned->data(), free_when_done);
}

}  // namespace mlp::python
