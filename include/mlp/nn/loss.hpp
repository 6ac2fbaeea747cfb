// Cost functions E(A, Y) and their gradients dE/dA (the chapter's "Cost function" section).
// A is the network's output (samples x outputs), Y the expected values of the same shape.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"

namespace mlp {

enum class Loss {
  sse,  // the chapter's sum of squared errors: E = 1/2 sum_n sum_k (a_nk - y_nk)^2
  mse,  // mean squared error: E = 1/(N K) sum_n sum_k (a_nk - y_nk)^2 (Keras' "mse")
  binary_crossentropy,       // E = -1/(N K) sum [y log a + (1 - y) log(1 - a)]
  categorical_crossentropy,  // E = -1/N sum_n sum_k y_nk log a_nk (Y one-hot)
  poisson,  // half the Poisson deviance of counts: E = 1/(N K) sum [a - y + y log(y / a)] (y >= 0,
            // a > 0; y log(y / a) = 0 at y = 0), scikit-learn's MLPRegressor(loss='poisson')
};

// One loss: its names and the output activations it fits. The CLI's choices, the model file's
// names and check_loss_matches_output all read the table of these (losses(), in src/nn/loss.cpp).
struct LossInfo {
  Loss id;
  std::string_view name;   // on the command line and in model files
  std::string_view alias;  // a short name the command line also accepts ("bce"), or ""
  unsigned outputs;        // the output activations it fits, one bit each (activation_bit)
  unsigned fused_outputs;  // those whose dE/dZ simplifies to (A - Y) / N(K)
};

constexpr unsigned activation_bit(Activation activation) {
  return 1u << static_cast<unsigned>(activation);
}

// The table, one entry per Loss in the enum's order.
std::span<const LossInfo> losses();
const LossInfo& loss_info(Loss loss);
// The names in the table's order, then (with_aliases) the aliases.
std::vector<std::string> loss_names(bool with_aliases = false);

// "sse", "mse", "binary_crossentropy", "categorical_crossentropy", "poisson".
std::string_view to_string(Loss loss);
// Inverse of to_string (also accepts the aliases "bce" and "cce"); throws InvalidArgument
// otherwise.
Loss loss_from_string(std::string_view name);
// True when the loss can be used with this output activation (see check_loss_matches_output).
bool loss_fits_output(Loss loss, Activation output);

// Per-sample weights and the L2 penalty (scikit-learn's sample_weight and alpha): what a batch's
// objective adds to the compiled loss,
//   E = E_loss with sample n's term multiplied by r_n = N w_n / S
//       + l2 / (2 S) * (sum of the squared weights of every layer; biases are not penalised)
// where S = sum of the batch's sample weights (N without weights). With no weights r_n = 1, so
// that every mean loss becomes the weighted mean sum w_n e_n / S, as scikit-learn's MLP (>= 1.7)
// computes it, and the penalty is scikit-learn's alpha / (2 n) ||W||^2.
struct LossTerms {
  std::span<const double> sample_weight;  // one per sample, finite and >= 0; empty: all 1
  double l2 = 0.0;                        // >= 0
};

// r_n = N w_n / S for the N = w.size() weights into r, and returns S (the rule above). When S is 0
// (every weight 0), r is all 0.
template <class Scalar>
double row_weights(std::span<const double> w, Scalar* r);

// Throws InvalidArgument unless `terms` fits `samples` samples: as many weights, each finite and
// >= 0, not all 0, and a finite l2 >= 0. `what` names the data in the message.
void check_loss_terms(const LossTerms& terms, Index samples, const char* what);

// E, the quantity whose gradient training follows (formulas above), with sample n's term
// multiplied by r[n] when r is given (LossTerms' r_n). Cross-entropies clip a to [eps, 1 - eps]
// (eps = 1e-12 for double, 1e-7 for float) so that log never sees 0; Poisson does not (its a is
// e^z > 0: an a that underflowed to 0 under a y > 0 is an infinite loss, a divergence).
template <class Scalar>
Scalar loss_value(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                  const Scalar* r = nullptr);

// The error as training reports it. Equal to loss_value except for sse, where it is the
// chapter's listing's cost_function: mean((A - Y)^2) / 2, i.e. E / (N K).
template <class Scalar>
Scalar loss_report(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                   const Scalar* r = nullptr);

// dE/dA (the chapter's dE/da(L) = a(L) - y for sse), without sample weights: with them, row n
// of dE/dA (and so of dE/dZ, every activation being row by row) is multiplied by r_n.
template <class Scalar>
void loss_gradient(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                   MatrixRef<Scalar> dA);

// True for the pairs whose dE/dZ simplifies to (A - Y) / N(K): sigmoid + binary cross-entropy,
// softmax + categorical cross-entropy and exponential + Poisson. Using the fused form avoids
// dividing by a(1 - a) (or by a).
bool has_fused_output_gradient(Loss loss, Activation output);

// dE/dZ of the output layer for a fused pair: (A - Y) / (N K) for sigmoid + BCE and exponential
// + Poisson (dE/da = (1 - y / a) / (N K), da/dz = a), (A - Y) / N for softmax + CCE.
template <class Scalar>
void fused_output_gradient(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                           MatrixRef<Scalar> dZ);

// Throws InvalidArgument when the loss cannot be used with this output activation
// (cross-entropies need probabilities: BCE a sigmoid or softmax output, CCE a softmax one;
// Poisson a positive rate: an exponential output).
void check_loss_matches_output(Loss loss, Activation output);

}  // namespace mlp
