// An MLP-shaped ONNX model as an mlp model, so that `predict`, `evaluate`, `info`, the report,
// `gradcheck` and `explain` work on a network trained elsewhere.
//
//   auto model = mlp::import_onnx("sklearn_mlp.onnx");   // TrainedModel<float>
//   model.save("sklearn_mlp.safetensors");
//
// The graph must be one float input [N, features] flowing through a chain of
//   - optional preprocessing before the first layer: ai.onnx.ml Scaler (skl2onnx's
//     StandardScaler), or Sub then Div (or Mul) by constants: the model's standardisation;
//   - dense layers: Gemm (alpha = beta = 1, transB 0 or 1: what torch.onnx.export writes for
//     nn.Linear), or MatMul by a constant followed by Add of a constant bias (skl2onnx);
//   - each layer's activation: Relu, Tanh, Sigmoid, Softmax (last axis) or none;
//   - Identity, Cast to float and Flatten of the input pass through;
// and, after the last layer, whatever computes labels from the probabilities (ArgMax,
// ArrayFeatureExtractor, ZipMap, Cast, Reshape, LabelEncoder...) is read only for the class
// names (ZipMap's classlabels, or the class tensor ArrayFeatureExtractor picks from). A
// single-sigmoid binary classifier (scikit-learn's) becomes two softmax outputs [0, z], which
// give exactly [1 - sigma(z), sigma(z)]. Anything else is refused naming the node.
// A network ending in Softmax or Sigmoid is a classifier (classes "0", "1", ... unless the graph
// names them), otherwise a regression model with one output.
#pragma once

#include <string>
#include <vector>

#include "mlp/model/trained_model.hpp"

namespace mlp {

struct OnnxImportOptions {
  // The CSV columns the model reads (default: x0, x1, ...); as many as the network's inputs.
  std::vector<std::string> feature_names;
  std::string target = "target";  // the CSV column evaluate reads the truth from
};

// The model in the ONNX file at `path`, described above. Throws ModelFileError naming the file
// and what cannot be read or mapped (the node's name and operator), InvalidArgument when
// options.feature_names does not match the network's inputs.
TrainedModel<float> import_onnx(const std::string& path, const OnnxImportOptions& options = {});

}  // namespace mlp
