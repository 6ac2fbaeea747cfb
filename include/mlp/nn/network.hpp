// Sequential: a multilayer perceptron as a stack of Dense layers, the chapter's "composition of
// functions" y = tau(sigma(L)(lambda(L)(... sigma(1)(lambda(1)(x)) ...))) for any depth.
//
//   mlp::Sequential<double> net(2);                       // 2 inputs
//   net.add(3, mlp::Activation::sigmoid)                  // hidden layer
//      .add(1, mlp::Activation::sigmoid);                 // output layer
//   net.initialize(mlp::Initializer::uniform(0, 1), 1);   // seed 1
//   net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
//   mlp::History history = net.fit(X, y, {.epochs = 5000});
//   mlp::Matrix<double> y_hat = net.predict(X);
//
// All parameters live in one contiguous buffer [W1 | b1 | W2 | b2 | ...] (each W row-major,
// n_in x n_out), all gradients in a second buffer of the same layout.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/fit.hpp"
#include "mlp/nn/init.hpp"
#include "mlp/nn/layer.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/optimizer.hpp"
#include "mlp/nn/training_state.hpp"
#include "mlp/nn/workspace.hpp"

namespace mlp {

class GradientProgress;  // src/nn/gradient_progress.hpp

template <class Scalar>
class Sequential {
 public:
  using scalar_type = Scalar;

  // A network taking n_inputs features; add layers before use.
  explicit Sequential(Index n_inputs);

  // Appends a Dense layer of `units` units. Parameters of earlier layers are kept; the new
  // layer's start at zero until initialize() or a load fills them. Each call copies the
  // parameter buffer once: to build a deep network, append its layers in one call below.
  Sequential& add(Index units, Activation activation);

  // Appends the layers in order, with one allocation of the parameter buffer for all of them
  // (loading a model of many layers stays linear in its size).
  Sequential& add(std::span<const LayerSpec> layers);

  Index n_inputs() const { return n_inputs_; }
  Index n_outputs() const { return layers_.empty() ? n_inputs_ : layers_.back().n_out; }
  const std::vector<DenseLayer>& layers() const { return layers_; }
  Activation output_activation() const;
  Index parameter_count() const { return parameters_.size(); }

  // The parameter buffer and per-layer views into it (std::out_of_range past the last layer).
  // The views are defined here so that the passes inline them.
  Vector<Scalar>& parameters() { return parameters_; }
  const Vector<Scalar>& parameters() const { return parameters_; }
  MatrixView<Scalar> weights(std::size_t layer) {
    const DenseLayer& l = layers_.at(layer);
    return {parameters_.data() + l.offset, l.n_in, l.n_out};
  }
  ConstMatrixView<Scalar> weights(std::size_t layer) const {
    const DenseLayer& l = layers_.at(layer);
    return {parameters_.data() + l.offset, l.n_in, l.n_out};
  }
  RowVectorView<Scalar> bias(std::size_t layer) {
    const DenseLayer& l = layers_.at(layer);
    return {parameters_.data() + l.bias_offset(), l.n_out};
  }
  ConstRowVectorView<Scalar> bias(std::size_t layer) const {
    const DenseLayer& l = layers_.at(layer);
    return {parameters_.data() + l.bias_offset(), l.n_out};
  }

  // The gradient buffer (dE/dparameter after compute_gradients) and its per-layer views.
  const Vector<Scalar>& gradients() const { return gradients_; }
  ConstMatrixView<Scalar> weight_gradients(std::size_t layer) const;
  ConstRowVectorView<Scalar> bias_gradients(std::size_t layer) const;

  // Draws every layer's W then b, first layer first, from one engine seeded with `seed`.
  void initialize(const Initializer& init, std::uint64_t seed);

  // Chooses the loss and the optimizer (Keras' compile). Throws InvalidArgument when the loss
  // does not fit the output activation or the optimizer's settings are invalid.
  void compile(Loss loss, const OptimizerSpec& optimizer);
  Loss loss() const { return loss_; }
  const OptimizerSpec& optimizer() const { return optimizer_spec_; }

  // Output activations A(L) for X (samples x n_inputs). Throws InvalidArgument on a wrong shape.
  Matrix<Scalar> predict_proba(ConstMatrixRef<Scalar> X) const;
  // The same, or nothing when X holds NaN or infinity: each block of rows is checked just before
  // it is computed, so the check costs no pass of its own over memory (for callers that must
  // reject such input, as scikit-learn's estimators do).
  std::optional<Matrix<Scalar>> predict_proba_if_finite(ConstMatrixRef<Scalar> X) const;
  // Predictions by the output rule (see output.hpp): 0/1, class index, or values.
  Matrix<Scalar> predict(ConstMatrixRef<Scalar> X) const;

  // Forward pass over a batch into the workspace: for each layer l, Z(l) = A(l-1) W(l) + b(l),
  // A(l) = f(Z(l)), with A(0) = X. When X is mostly zeros, the first layer visits only its
  // nonzero entries (src/nn/sparse_input.hpp). Throws InvalidArgument when X does not have
  // n_inputs() columns or the workspace is not planned for these layers and X.rows() rows
  // (ws.plan(layers(), X.rows()) plans it).
  void forward(ConstMatrixRef<Scalar> X, Workspace<Scalar>& ws) const;

  // Backpropagation after forward(X, ws): fills gradients() with dE/dW and dE/db of every layer,
  // all from that one forward pass (the chapter's equations; no weight changes here).
  //   output layer  dE/dZ(L) = dE/dA(L) * da/dz   (or the fused A - Y, see loss.hpp)
  //   each layer    dE/dW(l) = A(l-1)^T dE/dZ(l),  dE/db(l) = sum over samples of dE/dZ(l)
  //   hidden layer  dE/dA(l-1) = dE/dZ(l) W(l)^T,  dE/dZ(l-1) = dE/dA(l-1) * da/dz
  // Throws InvalidArgument on shapes that do not fit, as forward does.
  void backward(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, Workspace<Scalar>& ws);

  // forward + backward; returns E (loss_value) for the batch. With `terms` (loss.hpp), E is the
  // sample-weighted loss plus the L2 penalty, and the gradients are theirs. Throws
  // InvalidArgument on shapes or terms that do not fit.
  Scalar compute_gradients(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                           Workspace<Scalar>& ws, const LossTerms& terms = {});

  // LossTerms' penalty l2 / (2 S) * (sum of the squared weights of every layer; no biases).
  double l2_penalty(double l2, double S) const;

  // Trains with the compiled loss and optimizer (fit.hpp). Y is samples x n_outputs: 0/1 for
  // sigmoid outputs, one-hot for softmax, values for regression. Starts afresh (new optimizer
  // state, the shuffling seeded by options.seed) unless options.keep_training_state. Throws
  // InvalidArgument on bad data or options, DivergenceError when the loss or a gradient becomes
  // NaN or infinite (the network then holds the parameters of the last epoch that lowered the
  // training loss).
  History fit(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, const FitOptions& options);
  // The same, evaluating loss and accuracy on (X_val, Y_val) after each epoch.
  History fit(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, ConstMatrixRef<Scalar> X_val,
              ConstMatrixRef<Scalar> Y_val, const FitOptions& options);
  // One epoch over (X, Y) that continues the training state (scikit-learn's partial_fit): the
  // optimizer's moments and step count, the samples seen, the schedule and the shuffling go on
  // from the previous call, so that k calls on the same data equal fit with k epochs. The first
  // call after compile() or initialize() starts afresh. options.epochs and keep_training_state
  // are ignored.
  History partial_fit(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                      const FitOptions& options);

  // The training state that fit continues with keep_training_state (for checkpoints).
  const TrainingState<Scalar>& training_state() const { return training_state_; }
  TrainingState<Scalar>& training_state() { return training_state_; }

  // Throws InvalidArgument unless X has n_inputs columns (and Y, when given, n_outputs columns
  // and as many rows); `what` names the data in the message.
  void check_shapes(ConstMatrixRef<Scalar> X, const char* what) const;
  void check_shapes(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, const char* what) const;

 private:
  // Indexes X's nonzero entries into `sparse` when the first layer is better computed from them
  // (large enough, and at most kSparseInputDensity nonzero); returns whether it did.
  bool index_if_sparse(ConstMatrixRef<Scalar> X, SparseBatch<Scalar>& sparse) const;
  // Layer l's Z and A (they may be one buffer) from its input: Z = input W + b, A = f(Z), from
  // the input's indexed nonzero entries when sparse_input is set.
  void forward_layer(std::size_t l, ConstMatrixRef<Scalar> input,
                     const SparseBatch<Scalar>* sparse_input, MatrixRef<Scalar> Z,
                     MatrixRef<Scalar> A) const;

  // predict_proba into `out` (X.rows() x n_outputs); with check_finite, stops and returns false
  // as soon as a block of X holds NaN or infinity.
  bool predict_blocks(ConstMatrixRef<Scalar> X, bool check_finite, Matrix<Scalar>& out) const;

  // forward and backward without the checks: the shapes were checked once at the boundary
  // (forward, backward, compute_gradients, fit), and the training loop calls these per batch.
  void forward_impl(ConstMatrixRef<Scalar> X, Workspace<Scalar>& ws) const;
  // With r, row n of the output's dE/dZ is multiplied by r[n] (sample weights, LossTerms' r_n);
  // with l2_over_S > 0, every dE/dW gains l2_over_S * W (the L2 penalty's gradient). The
  // gradient goes into `into` (parameter_count values, gradients()' layout), or gradients()
  // when null: data-parallel fit writes each block's straight into its place in the block sum.
  // `progress`, when not null, is told each layer's gradient as soon as it is final.
  void backward_impl(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, Workspace<Scalar>& ws,
                     const Scalar* r = nullptr, Scalar l2_over_S = 0, Scalar* into = nullptr,
                     GradientProgress* progress = nullptr);
  // Throws InvalidArgument unless ws is planned for these layers and `rows` samples.
  void check_workspace(const Workspace<Scalar>& ws, Index rows, const char* what) const;

  History fit_impl(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                   const ConstMatrixRef<Scalar>* X_val, const ConstMatrixRef<Scalar>* Y_val,
                   const FitOptions& options);

  Index n_inputs_;
  std::vector<DenseLayer> layers_;
  Vector<Scalar> parameters_;  // (parameter_count) [W1 | b1 | W2 | b2 | ...]
  Vector<Scalar> gradients_;   // (parameter_count) same layout
  Loss loss_ = Loss::sse;
  OptimizerSpec optimizer_spec_;
  TrainingState<Scalar> training_state_;
};

}  // namespace mlp
