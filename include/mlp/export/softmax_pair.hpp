// A binary classifier's single logistic output unit as two softmax units, the form an mlp
// classifier takes (one output per class, class_names[i] for output i). Used where such networks
// come in from elsewhere: `mlp import` of scikit-learn's binary MLPClassifier, and the Python
// package's exports of its binary MLPClassifier.
#pragma once

#include "mlp/nn/network.hpp"

namespace mlp {

// `network` (last layer: one sigmoid unit, z = a w + b) with that layer replaced by two softmax
// units of weights [0, w] and biases [0, b]: softmax(0, z) = (e^0, e^z) / (e^0 + e^z)
// = (1 - sigma(z), sigma(z)) exactly, as sigma(z) = e^z / (1 + e^z). The other layers are copied
// as they are; the result is compiled with categorical cross-entropy and the network's optimizer.
// Throws InvalidArgument when the last layer is not one sigmoid unit.
template <class Scalar>
Sequential<Scalar> with_softmax_pair(const Sequential<Scalar>& network);

}  // namespace mlp
