// One fully connected layer of a Sequential network: its shape, its activation and where its
// parameters sit in the network's single parameter buffer. The layer owns no memory.
#pragma once

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"

namespace mlp {

// What a caller asks for when adding a layer: its units and its activation.
struct LayerSpec {
  Index units = 0;
  Activation activation = Activation::sigmoid;
};

struct DenseLayer {
  Index n_in = 0;   // units feeding the layer (features for the first layer)
  Index n_out = 0;  // units of the layer
  Activation activation = Activation::sigmoid;
  Index offset = 0;  // first parameter in the buffer: W (n_in x n_out, row-major), then b (n_out)

  Index weight_count() const { return n_in * n_out; }
  Index parameter_count() const { return n_in * n_out + n_out; }
  Index bias_offset() const { return offset + weight_count(); }
};

}  // namespace mlp
