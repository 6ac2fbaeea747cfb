// The chapter's XOR experiment written once: its data (Table 1) and the settings of its network
// (2-3-1 sigmoid, weights and biases ~ U[0, 1), sse loss, full-batch gradient descent at
// eta = 0.1 for 5,000 iterations, seed 0), and those of its Keras comparison. `mlp demo xor`,
// `mlp sweep`, `mlp gradcheck --xor`, `mlp explain` and the XOR report use these.
//
//   mlp::Sequential<double> net = mlp::xor_network<double>(mlp::XorSetup{});
//   mlp::FitOptions options;
//   options.epochs = mlp::XorSetup{}.iterations;
//   net.fit(mlp::xor_inputs<double>(), mlp::xor_targets<double>(), options);
#pragma once

#include <cstdint>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/init.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/optimizer.hpp"

namespace mlp {

// Table 1's inputs, one sample per row: (0, 0), (0, 1), (1, 0), (1, 1); 4 x 2.
template <class Scalar>
Matrix<Scalar> xor_inputs();

// Their XOR: 0, 1, 1, 0; 4 x 1.
template <class Scalar>
Matrix<Scalar> xor_targets();

// The chapter's XOR network and how it is trained; the defaults are the chapter's.
struct XorSetup {
  Index hidden = 3;                                      // units of the one hidden layer
  Activation activation = Activation::sigmoid;           // of the hidden and the output layer
  Initializer weights = Initializer::uniform(0.0, 1.0);  // weights and biases
  Loss loss = Loss::sse;
  OptimizerSpec::Kind optimizer = OptimizerSpec::Kind::gradient_descent;  // full batch
  double learning_rate = 0.1;
  int iterations = 5000;
  std::uint64_t seed = 0;  // of the initial weights

  // The optimizer at learning_rate (gradient descent or Adam with its default betas).
  OptimizerSpec optimizer_spec() const;
};

// The chapter's Keras comparison: 2-16-1 sigmoid, Glorot uniform weights (zero biases), mse,
// Adam at 0.001, 5,000 epochs.
XorSetup keras_xor_setup();

// The network of `setup`: 2-hidden-1, initialised with setup.weights at setup.seed, compiled
// with setup.loss and setup.optimizer_spec().
template <class Scalar>
Sequential<Scalar> xor_network(const XorSetup& setup = {});

}  // namespace mlp
