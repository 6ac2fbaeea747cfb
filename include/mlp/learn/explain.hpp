// One training step, written out in the chapter's notation: for one example, the forward pass
// (z and a of every unit), the error E, each factor of the chain rule (dE/da(L), da(L)/dz(L),
// dz(L)/dw(L), and for a hidden layer the sum over the next layer's units), the gradient of every
// weight and bias, and the weights after the update w = w - eta dE/dw.
//
// Every number comes from the library itself: z, a and dE/dz from Sequential::compute_gradients'
// workspace, dE/da(L) from loss_gradient, da/dz from activation_backward, the hidden layers'
// dE/da from dense_backward_input, the gradients from Sequential::gradients(), and the new
// weights from Sequential::fit (one epoch of full-batch gradient descent on the example). The
// products shown between them are only for reading.
//
//   mlp::Explanation e = mlp::explain_step(net, x, y, 0.1);
//   std::fputs(mlp::explanation_text(e).c_str(), stdout);
#pragma once

#include <string>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

// One layer of the step. Shapes: n_in inputs, n_out units; W is n_in x n_out, so the chapter's
// w_jk (to unit j from unit k of the previous layer) is W(k, j).
struct ExplainedLayer {
  std::string label;  // the chapter's superscript: "L", "L-1", "L-2", ...
  char unit = 'j';    // index letter of this layer's units (j for the output layer, then k...)
  char source = 'k';  // index letter of the previous layer's units ('i' for the inputs)
  Activation activation = Activation::sigmoid;
  Matrix<double> W;         // (n_in, n_out) before the step
  RowVector<double> b;      // (n_out) before the step
  RowVector<double> input;  // (n_in) a(l-1), or x for the first layer: dz_j/dw_jk = input_k
  RowVector<double> z, a;   // (n_out)
  RowVector<double> dE_da;  // (n_out) dE/da: loss_gradient, or the sum over the next layer
  // Hidden layers: (n_out, n_next) the terms of that sum, dE/dz_m(next) * w_mj(next).
  Matrix<double> dE_da_terms;
  // (n_out) da/dz of each unit (empty for softmax, whose derivative is not one number per unit).
  RowVector<double> da_dz;
  RowVector<double> dE_dz;  // (n_out) dE/dz, often called delta
  Matrix<double> dE_dW;     // (n_in, n_out)
  RowVector<double> dE_db;  // (n_out)
  Matrix<double> W_new;     // (n_in, n_out) after the step
  RowVector<double> b_new;  // (n_out) after the step
};

struct Explanation {
  RowVector<double> x, y;
  Loss loss = Loss::sse;
  bool fused_output = false;  // sigmoid + binary or softmax + categorical cross-entropy
  double error = 0.0;         // E, loss_value for the example
  double learning_rate = 0.1;
  std::vector<ExplainedLayer> layers;  // first layer first; layers.back() is (L)
};

// The step for example (x, y) with learning rate eta, using the network's loss and parameters;
// `net` is not changed. Throws InvalidArgument on wrong shapes, a network without layers or a
// non-positive eta.
Explanation explain_step(const Sequential<double>& net, const RowVector<double>& x,
                         const RowVector<double>& y, double eta);

// The step as plain text (ASCII) under a first line `heading`, numbers with `digits` significant
// digits.
std::string explanation_text(const Explanation& e, int digits = 6,
                             const std::string& heading =
                                 "One training step in the chapter's "
                                 "notation");
// The step as Markdown tables under a "## heading" title, for notes.
std::string explanation_markdown(const Explanation& e, int digits = 6,
                                 const std::string& heading = "One training step");

}  // namespace mlp
