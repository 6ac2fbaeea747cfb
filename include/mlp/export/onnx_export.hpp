// A trained model as an ONNX model (https://onnx.ai), for ONNX Runtime and the other runtimes:
// opset 17 of the default domain and opset 2 of ai.onnx.ml, IR version 8, float32 throughout.
//
//   auto model = mlp::TrainedModel<float>::load("iris.safetensors");
//   mlp::export_onnx(model, "iris.onnx");
//
// Raw features go in, as `mlp predict` reads them; the graph holds the model's preprocessing:
//   - a model whose features are all numeric columns (and an IDX or older model) has one input
//     "X", float32 [N, columns]; a missing value is NaN and gets the training fill (and its
//     0/1 "(missing)" indicator when the model has one); IDX images are pixel values 0..255;
//   - a model with text columns (categorical, yes/no, ordinal) has one input per column, named
//     as the column, shape [N, 1]: float32 for numeric columns, string for the others. A
//     category becomes its one-hot features (LabelEncoder + OneHot), an unseen one the "(other)"
//     feature, a missing-value marker (matched ignoring ASCII case, not trimmed) the "(missing)"
//     feature or the training fill; a value mlp would refuse (not a yes/no, outside an ordinal's
//     levels) becomes NaN, so its prediction is NaN;
//   - then the standardisation x' = (x - mean) / scale (Sub, Div), one Gemm per layer and its
//     activation (Sigmoid, Tanh, Relu, Softmax; none for identity).
// Outputs, as in ONNX-ML's classifiers: "label" (string [N], the class name; or int64, see
// OnnxLabel) and
// "probabilities" (float32 [N, classes], what `mlp predict --proba` prints); a regression model
// has "variable" (float32 [N, 1], in the target's units).
#pragma once

#include <string>

#include "mlp/export/onnx_model.hpp"
#include "mlp/model/trained_model.hpp"

namespace mlp {

// How a classifier's "label" output gives the class: its name (string), or its name read as an
// integer (int64: for classes that are integers, as scikit-learn's integer classes_, which
// skl2onnx also exports as int64 labels).
enum class OnnxLabel { string, int64 };

// The ONNX graph of `model` described above. Throws InvalidArgument when a column name would be
// used twice as an input name, or with OnnxLabel::int64 when a class name is not an integer.
template <class Scalar>
onnx::Model onnx_model(const TrainedModel<Scalar>& model, OnnxLabel label = OnnxLabel::string);

// Writes onnx_model(model, label) to `path` atomically (core/atomic_file.hpp); Error naming the
// path when it cannot be written.
template <class Scalar>
void export_onnx(const TrainedModel<Scalar>& model, const std::string& path,
                 OnnxLabel label = OnnxLabel::string);

}  // namespace mlp
