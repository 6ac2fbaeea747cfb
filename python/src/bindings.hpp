// The parts of the extension module mlp._core, each registered by one function (module.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace mlp::python {

// load(path) -> (Sequential_f32 | Sequential_f64, extra_json)   (model_files.cpp)
void bind_model_files(pybind11::module_& m);
// read_dataset(path, ...) -> dict of NumPy arrays and names     (datasets.cpp)
void bind_datasets(pybind11::module_& m);

}  // namespace mlp::python
