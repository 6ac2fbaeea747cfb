// The library's typed exceptions as Python exceptions carrying the C++ message:
//   mlp::InvalidArgument -> ValueError
//   mlp::DataError       -> mlp.DataError, a ValueError
//   mlp::ModelFileError  -> mlp.ModelFileError, a ValueError
//   mlp::DivergenceError -> mlp.DivergenceError, a ValueError with epoch, batch, layer, cause and
//                           learning_rate attributes
//   any other mlp::Error -> ValueError
#pragma once

#include <pybind11/pybind11.h>

namespace mlp::python {

// Registers the exception classes in module `m` and the translator from the C++ ones.
void bind_errors(pybind11::module_& m);

}  // namespace mlp::python
