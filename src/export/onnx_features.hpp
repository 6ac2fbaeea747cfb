// The first part of an exported ONNX graph: from the raw inputs (table columns or IDX pixels) to
// the feature matrix the network's scaler takes, as mlp's ColumnEncoder and IDX reader compute
// it (see include/mlp/export/onnx_export.hpp for the inputs this declares).
#pragma once

#include <string>

#include "export/onnx_graph_builder.hpp"
#include "mlp/model/model_metadata.hpp"

namespace mlp::onnx {

// Declares the graph's inputs and adds the nodes that encode them; returns the name of the
// float32 [N, n_features] tensor of features (before standardisation).
std::string encoded_features(GraphBuilder& b, const ModelMetadata& meta, std::int64_t n_features);

}  // namespace mlp::onnx
