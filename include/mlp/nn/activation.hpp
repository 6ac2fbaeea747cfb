// Activation functions a = f(z) and their derivatives (the chapter's "Sigmoid function" section;
// tanh and ReLU are its alternatives, identity is the regression output, softmax the multiclass
// output, exponential the output of counts: Poisson regression's log link).
//
// Every activation is one entry of one table (activations(), in src/nn/activation.cpp): its name
// on the command line and in model files, f and f' with the chapter's equations beside them, the
// range of a, the default initial weights, and where it may be used. The CLI's choices, the model
// file's names, the charts and the tests all read that table, so adding an activation is one enum
// value here and one entry there.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/init.hpp"

namespace mlp {

// In the order of the table.
enum class Activation { sigmoid, tanh, relu, identity, softmax, exponential };

// f and f' of one activation for one scalar type.
template <class Scalar>
struct ActivationKernels {
  // A = f(Z), element by element (softmax: row by row). A may alias Z.
  void (*forward)(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A);
  // dE/dZ = dE/dA * da/dz, from Z and A = f(Z) (each activation uses whichever its derivative is
  // written in). dZ may alias dA.
  void (*backward)(const ConstMatrixRef<Scalar>& Z, const ConstMatrixRef<Scalar>& A,
                   const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ);
};

// One activation: everything the library knows about it.
struct ActivationInfo {
  Activation id;
  std::string_view name;          // on the command line and in model files: "relu"
  std::string_view label;         // in charts and prose: "ReLU"
  std::string_view formula;       // a = f(z): "max(0, z)"
  std::string_view derivative;    // da/dz: "1 if z > 0, else 0"
  double low, high;               // the range of a (+-infinity when unbounded)
  Initializer::Kind initializer;  // the default initial weights of a network using it
  bool hidden;     // may be a hidden layer's activation (softmax only normalises an output)
  bool output;     // may be the output layer's activation
  bool nonlinear;  // `mlp train` and `mlp sweep` offer only these for hidden layers
  bool kink;       // f' jumps at z = 0 (ReLU): no derivative to compare across it
  ActivationKernels<float> f32;
  ActivationKernels<double> f64;

  template <class Scalar>
  const ActivationKernels<Scalar>& kernels() const {
    if constexpr (std::is_same_v<Scalar, float>)
      return f32;
    else
      return f64;
  }
};

// The table, one entry per Activation in the enum's order.
std::span<const ActivationInfo> activations();
const ActivationInfo& activation_info(Activation activation);

// Where an activation is used: the names the CLI offers, in the table's order.
enum class ActivationUse {
  any,
  hidden,            // ActivationInfo::hidden
  nonlinear_hidden,  // hidden and nonlinear
  output,            // ActivationInfo::output
};
std::vector<std::string> activation_names(ActivationUse use = ActivationUse::any);

// "sigmoid", "tanh", "relu", "identity", "softmax", "exponential".
std::string_view to_string(Activation activation);
// Inverse of to_string; throws InvalidArgument naming the accepted names.
Activation activation_from_string(std::string_view name);

// sigma(z) = 1 / (1 + e^-z), evaluated so that no exp overflows: for z < 0 it uses
// e^z / (1 + e^z). Exact to the last bit at z = 0 (0.5) and saturates cleanly at |z| = 1e4.
template <class Scalar>
Scalar sigmoid(Scalar z);

// A = f(Z) by the table's entry (softmax: row by row, a_i = e^(z_i - max z) / sum_j e^(z_j - max
// z), the log-sum-exp-stable form of the chapter's e^(a_i) / sum_j e^(z_j) with beta = 1).
// A may alias Z.
template <class Scalar>
void activate(Activation activation, ConstMatrixRef<Scalar> Z, MatrixRef<Scalar> A);

// dE/dZ = dE/dA * da/dz by the table's entry, from Z and A = f(Z) (chain rule, one layer):
//   sigmoid  da/dz = a (1 - a)        tanh  da/dz = 1 - a^2
//   relu     da/dz = [a > 0] (0 at the kink z = 0)     identity  da/dz = 1
//   softmax  dE/dz_i = a_i (dE/da_i - sum_j dE/da_j a_j)  (the Jacobian-vector product, per row)
// dZ may alias dA.
template <class Scalar>
void activation_backward(Activation activation, ConstMatrixRef<Scalar> Z, ConstMatrixRef<Scalar> A,
                         ConstMatrixRef<Scalar> dA, MatrixRef<Scalar> dZ);

}  // namespace mlp
