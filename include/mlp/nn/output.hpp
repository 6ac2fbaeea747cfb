// The chapter's output functions, which turn the last layer's activations into predictions:
// a threshold at 0.5 for sigmoid outputs (binary classification: 1 if a >= 0.5, else 0, as the
// listing's predict), argmax for softmax (multiclass), identity for regression.
#pragma once

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"

namespace mlp {

// Predictions from output activations A (samples x outputs):
//   sigmoid  -> same shape, 0 or 1 per output
//   softmax  -> samples x 1, the index of the largest probability
//   other    -> A itself (identity output, regression)
template <class Scalar>
Matrix<Scalar> apply_output_rule(Activation output, ConstMatrixRef<Scalar> A);

// True when predictions can be right or wrong (sigmoid or softmax output).
bool output_is_classification(Activation output);

// Number of samples predicted correctly from activations A against targets Y of the same shape
// (Y 0/1 for sigmoid outputs, one-hot for softmax); every output of a sample must be right.
template <class Scalar>
Index count_correct(Activation output, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y);

}  // namespace mlp
