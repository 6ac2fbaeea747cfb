// Activation functions a = f(z) and their derivatives (the chapter's "Sigmoid function" section;
// tanh and ReLU are its alternatives, identity is the regression output, softmax the multiclass
// output). Every derivative is written in terms of the activation a, as the chapter writes
// da/dz = a (1 - a) for the sigmoid, so backprop needs only the stored activations.
#pragma once

#include <string>
#include <string_view>

#include "mlp/core/matrix.hpp"

namespace mlp {

enum class Activation { sigmoid, tanh, relu, identity, softmax };

// "sigmoid", "tanh", "relu", "identity", "softmax".
std::string_view to_string(Activation activation);
// Inverse of to_string; throws InvalidArgument naming the accepted names.
Activation activation_from_string(std::string_view name);

// sigma(z) = 1 / (1 + e^-z), evaluated so that no exp overflows: for z < 0 it uses
// e^z / (1 + e^z). Exact to the last bit at z = 0 (0.5) and saturates cleanly at |z| = 1e4.
template <class Scalar>
Scalar sigmoid(Scalar z);

// A = f(Z), element by element (softmax: row by row, a_i = e^(z_i - max z) / sum_j e^(z_j - max z),
// the log-sum-exp-stable form of the chapter's e^(a_i) / sum_j e^(z_j) with beta = 1).
// A may alias Z.
template <class Scalar>
void activate(Activation activation, ConstMatrixRef<Scalar> Z, MatrixRef<Scalar> A);

// dE/dZ = dE/dA * da/dz from the activations A (chain rule, one layer):
//   sigmoid  da/dz = a (1 - a)        tanh  da/dz = 1 - a^2
//   relu     da/dz = [a > 0] (0 at the kink z = 0)     identity  da/dz = 1
//   softmax  dE/dz_i = a_i (dE/da_i - sum_j dE/da_j a_j)  (the Jacobian-vector product, per row)
// dZ may alias dA.
template <class Scalar>
void activation_backward(Activation activation, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> dA,
                         MatrixRef<Scalar> dZ);

}  // namespace mlp
