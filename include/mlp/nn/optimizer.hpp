// Parameter updates from gradients (the chapter's "Backpropagation weight update" section and the
// Adam optimizer of its Keras example). An optimizer sees all parameters as one flat vector, so
// each update is one loop over contiguous memory.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"

namespace mlp {

// The optimizer's settings: configuration only, no state.
struct OptimizerSpec {
  enum class Kind {
    gradient_descent,  // w = w - eta dE/dw (the chapter's rule; full batch or minibatch SGD)
    momentum,          // v = mu v - eta dE/dw;  w = w + v  (Nesterov: w = w + mu v - eta dE/dw)
    adam,              // Kingma & Ba (2015), with bias correction
  };
  Kind kind = Kind::gradient_descent;
  double learning_rate = 0.1;
  double momentum = 0.9;                              // momentum only
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  // adam only
  bool nesterov = false;  // momentum only: Nesterov's momentum, as scikit-learn's SGD does it

  static OptimizerSpec gradient_descent(double eta) { return {Kind::gradient_descent, eta}; }
  static OptimizerSpec with_momentum(double eta, double mu = 0.9, bool nesterov = false) {
    OptimizerSpec spec{Kind::momentum, eta, mu};
    spec.nesterov = nesterov;
    return spec;
  }
  static OptimizerSpec adam(double eta = 0.001, double beta1 = 0.9, double beta2 = 0.999,
                            double epsilon = 1e-8) {
    return {Kind::adam, eta, 0.9, beta1, beta2, epsilon};
  }
};

// One optimizer: its names and default learning rates. The CLI's choices and help, the model
// file's names and TrainSettings' defaults all read the table of these (optimizers(), in
// src/nn/optimizer.cpp).
struct OptimizerInfo {
  OptimizerSpec::Kind kind;
  std::string_view name;            // on the command line and in model files ("gd": full batch)
  std::string_view minibatch_name;  // the name of its minibatch form when another ("sgd"), or ""
  double learning_rate;             // default eta on minibatches
  double full_batch_learning_rate;  // default eta on the full batch
};

// The table, one entry per Kind in the enum's order.
std::span<const OptimizerInfo> optimizers();
const OptimizerInfo& optimizer_info(OptimizerSpec::Kind kind);
// The names in the table's order, each followed (with_minibatch_names) by its minibatch name:
// "gd", "sgd", "momentum", "adam".
std::vector<std::string> optimizer_names(bool with_minibatch_names = true);
// The name of the optimizer on the full batch or on minibatches: "gd" or "sgd", "adam".
std::string optimizer_name(OptimizerSpec::Kind kind, bool full_batch);
// The default learning rate on the full batch or on minibatches.
double default_learning_rate(OptimizerSpec::Kind kind, bool full_batch);
// The default learning rates for a help text: "0.001 adam, 0.01 sgd/momentum, 0.1 gd".
std::string default_learning_rates_text();

// "gd", "momentum", "adam".
std::string to_string(OptimizerSpec::Kind kind);
// Inverse of to_string, also the minibatch names ("sgd" = gradient descent); throws
// InvalidArgument.
OptimizerSpec::Kind optimizer_kind_from_string(const std::string& name);
// Throws InvalidArgument on a non-positive or non-finite learning rate, momentum outside [0, 1),
// betas outside [0, 1) or a non-positive epsilon.
void validate(const OptimizerSpec& spec);

// An optimizer with its state (momentum velocity, Adam's moments and step count).
template <class Scalar>
class Optimizer {
 public:
  explicit Optimizer(const OptimizerSpec& spec = {});

  const OptimizerSpec& spec() const { return spec_; }

  // Changes the step size eta for the following steps (learning-rate schedules); the state is
  // kept.
  void set_learning_rate(double eta) { spec_.learning_rate = eta; }

  // Sizes and zeroes the state for n parameters. Called once before training: step() then never
  // allocates.
  void reset(Index n_parameters);

  // One update of every parameter from its gradient:
  //   gradient descent  w = w - eta g
  //   momentum          v = mu v - eta g;  w = w + v
  //   Nesterov          v = mu v - eta g;  w = w + mu v - eta g   (scikit-learn's SGD: the step
  //                     looks ahead along the new velocity)
  //   adam              m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t = t + 1
  //                     w = w - eta (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
  //                     computed as w - s m / (sqrt(v) r + eps), s = eta / (1 - b1^t) and
  //                     r = 1 / sqrt(1 - b2^t) once per step (as PyTorch does): the same value
  //                     up to rounding, with one division per parameter instead of three
  void step(Eigen::Ref<Vector<Scalar>> parameters, Eigen::Ref<const Vector<Scalar>> gradients);
  // The same step for parameters [first, first + n) only, given as `parameters` and `gradients`
  // (n each), the state (reset() first) of the others left as it is; the step counts once. Each
  // parameter's arithmetic is step()'s: parts that cover every parameter give step()'s bits.
  // Data-parallel training shards the update so: each rank steps its slice (docs/distributed.md).
  void step_part(Eigen::Ref<Vector<Scalar>> parameters, Eigen::Ref<const Vector<Scalar>> gradients,
                 Index first);

  // The state, for checkpoints: the velocity or Adam's m, Adam's v, and the number of steps.
  const Vector<Scalar>& first_moment() const { return first_moment_; }
  const Vector<Scalar>& second_moment() const { return second_moment_; }
  std::int64_t steps() const { return steps_; }
  // Restores a state saved from these accessors; throws InvalidArgument when its sizes do not fit
  // this optimizer and n_parameters.
  void restore(Index n_parameters, const Vector<Scalar>& first, const Vector<Scalar>& second,
               std::int64_t steps);

 private:
  // step() and step_part(): parameters [first, first + n), n = parameters.size().
  void update(Eigen::Ref<Vector<Scalar>> w, Eigen::Ref<const Vector<Scalar>> g, Index first);

  OptimizerSpec spec_;
  Vector<Scalar> first_moment_;   // (n_parameters) momentum velocity, or Adam's m
  Vector<Scalar> second_moment_;  // (n_parameters) Adam's v
  std::int64_t steps_ = 0;
};

}  // namespace mlp
