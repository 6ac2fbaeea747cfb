// Gradient checking: backpropagation's dE/dw against finite differences of E, parameter by
// parameter, in double precision. This is how a learner (or a test) sees that the chain rule of
// the chapter's "Backpropagation algorithm" section really is the derivative of the error.
//
//   mlp::Sequential<double> net(2);
//   net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
//   net.initialize(mlp::Initializer::uniform(0, 1), 0);
//   net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
//   mlp::GradientCheck check = mlp::check_gradients(net, X, Y);
//   check.max_relative_error;   // about 1e-10
//   check.layers[0].max_weight_error;
//
// The numeric derivative is the fourth-order central difference
//   dE/dw ~ (8 (E(w+h) - E(w-h)) - (E(w+2h) - E(w-2h))) / (12 h)
// whose truncation error (order h^4) and rounding error (order eps E / h) both stay near 1e-10
// relative for h = 1e-4. The relative error of a parameter is
//   |numeric - backprop| / max(|numeric|, |backprop|, floor)
// with a small floor so that two gradients that are both zero do not divide 0 by 0.
//
// ReLU's kink: at z = 0 the derivative does not exist (the library takes it as 0). When a nudge of
// a parameter moves any pre-activation z of a ReLU layer across 0, the finite difference measures
// a mix of two slopes, and the parameter is reported as skipped instead of compared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

struct GradientCheckOptions {
  double step = 1e-4;   // h, the nudge of each parameter
  double floor = 1e-6;  // smallest denominator of the relative error
  // Check at most this many weights and this many biases per layer, spread evenly over the layer
  // (for large networks); 0 checks every parameter.
  Index max_per_layer = 0;
  // Sample weights and the L2 penalty (loss.hpp): E is then the weighted loss plus the penalty.
  LossTerms terms;
};

// One parameter's comparison.
struct ParameterCheck {
  Index index = 0;         // position in Sequential::parameters()
  std::size_t layer = 0;   // 0-based layer
  bool is_bias = false;    // b(row = 0, col) or W(row, col)
  Index row = 0, col = 0;  // W is n_in x n_out: row = source unit, col = destination unit
  double backprop = 0.0;   // Sequential::gradients() after compute_gradients
  double numeric = 0.0;    // the central difference
  double relative_error = 0.0;
  bool skipped = false;  // a ReLU kink lies within 2h: no derivative to compare
};

// The worst parameter of one layer.
struct LayerGradientCheck {
  std::size_t layer = 0;
  double max_weight_error = 0.0, max_bias_error = 0.0;
  Index checked = 0, skipped = 0;
  Index worst = -1;  // index into GradientCheck::parameters of the largest error, -1 if none
};

struct GradientCheck {
  double loss = 0.0;  // E at the unperturbed parameters (the compiled loss, with options.terms)
  std::vector<ParameterCheck> parameters;
  std::vector<LayerGradientCheck> layers;
  double max_relative_error = 0.0;
  Index checked = 0, skipped = 0;
};

// Compares Sequential::compute_gradients with finite differences of loss_value for (X, Y), using
// the loss the network was compiled with. The parameters are restored bit for bit, and
// net.gradients() holds the backpropagated gradient at the end. Throws InvalidArgument on wrong
// shapes, no samples, a network without layers, or a non-positive step or floor.
GradientCheck check_gradients(Sequential<double>& net, ConstMatrixRef<double> X,
                              ConstMatrixRef<double> Y, const GradientCheckOptions& options = {});

// The same against a given gradient instead of backpropagation's (one entry per parameter):
// for checking another implementation, or for showing what a wrong gradient looks like.
GradientCheck check_gradients(Sequential<double>& net, ConstMatrixRef<double> X,
                              ConstMatrixRef<double> Y, const Vector<double>& analytic,
                              const GradientCheckOptions& options = {});

}  // namespace mlp
