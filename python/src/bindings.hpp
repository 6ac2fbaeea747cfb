// The parts of the extension module mlp._core, each registered by one function (module.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace mlp::python {

// load(path) -> (Sequential_f32 | Sequential_f64, extra_json)   (model_files.cpp)
void bind_model_files(pybind11::module_& m);
// read_dataset(path, ...) -> dict of NumPy arrays and names     (datasets.cpp)
void bind_datasets(pybind11::module_& m);
// TrainedModel_f32/_f64 (predict on raw features, save, export_onnx, export_c), import_onnx
// (trained_model.cpp)
void bind_trained_model(pybind11::module_& m);

}  // namespace mlp::python
