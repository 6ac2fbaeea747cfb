// Sequential.fit's keyword arguments as the library's FitOptions.
#pragma once

#include <pybind11/pybind11.h>

#include "mlp/nn/fit.hpp"

namespace mlp::python {

// FitOptions from fit's keywords: epochs, batch_size (0: the whole data set), shuffle, seed,
// schedule ("constant", "cosine", "linear"), early_stopping_patience; unknown keywords are a
// TypeError naming the known ones.
FitOptions fit_options(const pybind11::kwargs& kwargs);

}  // namespace mlp::python
