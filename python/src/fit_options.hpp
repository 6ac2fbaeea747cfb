// Sequential.fit's keyword arguments as the library's FitOptions.
#pragma once

#include <pybind11/pybind11.h>

#include "mlp/nn/fit.hpp"

namespace mlp::python {

// FitOptions from fit's keywords, one per field of FitOptions with the field's name (batch_size
// 0: the whole data set; schedule by name: "constant", "cosine", "linear", "invscaling",
// "adaptive"; sample_weight a 1-D array). Unknown keywords are a TypeError naming the known ones.
FitOptions fit_options(const pybind11::kwargs& kwargs);

}  // namespace mlp::python
