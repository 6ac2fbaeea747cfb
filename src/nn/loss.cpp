#include "mlp/nn/loss.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp {

namespace {

constexpr unsigned kAnyOutput = ~0u;
constexpr unsigned kSigmoid = activation_bit(Activation::sigmoid);
constexpr unsigned kSoftmax = activation_bit(Activation::softmax);
constexpr unsigned kExponential = activation_bit(Activation::exponential);

// name, alias, the outputs it fits (cross-entropies need probabilities: BCE a sigmoid or softmax
// output, CCE a softmax one; Poisson a positive rate, an exponential output), the fused pairs
// (sigmoid + BCE, softmax + CCE, exponential + Poisson).
constexpr std::array<LossInfo, 5> kLosses{{
    {Loss::sse, "sse", "", kAnyOutput, 0},
    {Loss::mse, "mse", "", kAnyOutput, 0},
    {Loss::binary_crossentropy, "binary_crossentropy", "bce", kSigmoid | kSoftmax, kSigmoid},
    {Loss::categorical_crossentropy, "categorical_crossentropy", "cce", kSoftmax, kSoftmax},
    {Loss::poisson, "poisson", "", kExponential, kExponential},
}};

static_assert(in_enum_order(kLosses, &LossInfo::id),
              "kLosses must list the losses in the enum's order");

}  // namespace

std::span<const LossInfo> losses() {
  return kLosses;
}

const LossInfo& loss_info(Loss loss) {
  return kLosses.at(static_cast<std::size_t>(loss));
}

std::vector<std::string> loss_names(bool with_aliases) {
  std::vector<std::string> names;
  for (const LossInfo& l : kLosses) names.emplace_back(l.name);
  if (with_aliases)
    for (const LossInfo& l : kLosses)
      if (!l.alias.empty()) names.emplace_back(l.alias);
  return names;
}

std::string_view to_string(Loss loss) {
  const auto i = static_cast<std::size_t>(loss);
  return i < kLosses.size() ? kLosses[i].name : "unknown";
}

Loss loss_from_string(std::string_view name) {
  for (const LossInfo& l : kLosses)
    if (name == l.name || (!l.alias.empty() && name == l.alias)) return l.id;
  throw InvalidArgument("unknown loss '" + std::string(name) + "' (expected " +
                        join_names(loss_names()) + ")");
}

bool loss_fits_output(Loss loss, Activation output) {
  return (loss_info(loss).outputs & activation_bit(output)) != 0;
}

namespace {

template <class Scalar>
constexpr Scalar clip_epsilon() {
  return std::is_same_v<Scalar, float> ? Scalar(1e-7) : Scalar(1e-12);
}

template <class Scalar>
Scalar clipped(Scalar a) {
  return std::clamp(a, clip_epsilon<Scalar>(), Scalar(1) - clip_epsilon<Scalar>());
}

}  // namespace

template <class Scalar>
double row_weights(std::span<const double> w, Scalar* r) {
  double S = 0.0;
  for (double x : w) S += x;
  const double n = static_cast<double>(w.size());
  for (std::size_t i = 0; i < w.size(); ++i)
    r[i] = S > 0.0 ? static_cast<Scalar>(n * w[i] / S) : Scalar(0);
  return S;
}

void check_loss_terms(const LossTerms& terms, Index samples, const char* what) {
  if (!(terms.l2 >= 0.0) || !std::isfinite(terms.l2))
    throw InvalidArgument("the L2 penalty must be a finite number >= 0, got " +
                          std::to_string(terms.l2));
  if (terms.sample_weight.empty()) return;
  if (static_cast<Index>(terms.sample_weight.size()) != samples)
    throw InvalidArgument(std::string(what) + ": " + std::to_string(terms.sample_weight.size()) +
                          " sample weights for " + std::to_string(samples) + " samples");
  bool any_positive = false;
  for (std::size_t i = 0; i < terms.sample_weight.size(); ++i) {
    const double w = terms.sample_weight[i];
    if (!(w >= 0.0) || !std::isfinite(w))
      throw InvalidArgument(std::string(what) + ": sample weight " + std::to_string(i + 1) +
                            " is " + std::to_string(w) + "; weights must be finite and >= 0");
    any_positive = any_positive || w > 0.0;
  }
  if (!any_positive)
    throw InvalidArgument(std::string(what) +
                          ": every sample weight is 0; give some sample a "
                          "positive weight");
}

namespace {

// Sum over samples n of r_n times sample n's term (r_n = 1 when r is null).
template <class Scalar, class Term>
Scalar weighted_sum(Index rows, const Scalar* r, Term term) {
  Scalar sum = 0;
  for (Index i = 0; i < rows; ++i) sum += (r == nullptr ? Scalar(1) : r[i]) * term(i);
  return sum;
}

}  // namespace

template <class Scalar>
Scalar loss_value(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y, const Scalar* r) {
  const auto count = static_cast<Scalar>(A.size());
  if (r == nullptr && (loss == Loss::sse || loss == Loss::mse)) {  // one vectorised pass
    const Scalar squares = (A - Y).squaredNorm();
    return loss == Loss::sse ? Scalar(0.5) * squares : squares / count;
  }
  switch (loss) {
    case Loss::sse:
      return Scalar(0.5) * weighted_sum<Scalar>(A.rows(), r, [&](Index i) {
               return (A.row(i) - Y.row(i)).squaredNorm();
             });
    case Loss::mse:
      return weighted_sum<Scalar>(A.rows(), r,
                                  [&](Index i) { return (A.row(i) - Y.row(i)).squaredNorm(); }) /
             count;
    case Loss::binary_crossentropy: {
      auto term = [&](Index i) {
        Scalar sum = 0;
        for (Index j = 0; j < A.cols(); ++j) {
          const Scalar a = clipped(A(i, j)), y = Y(i, j);
          sum += y * std::log(a) + (Scalar(1) - y) * std::log(Scalar(1) - a);
        }
        return sum;
      };
      return -weighted_sum<Scalar>(A.rows(), r, term) / count;
    }
    case Loss::categorical_crossentropy: {
      auto term = [&](Index i) {
        Scalar sum = 0;
        for (Index j = 0; j < A.cols(); ++j)
          if (Y(i, j) != Scalar(0)) sum += Y(i, j) * std::log(clipped(A(i, j)));
        return sum;
      };
      return -weighted_sum<Scalar>(A.rows(), r, term) / static_cast<Scalar>(A.rows());
    }
    case Loss::poisson: {
      // a - y + y log(y / a), the y log y - y that makes the best a's term 0 included, as
      // scikit-learn's poisson_loss has it.
      auto term = [&](Index i) {
        Scalar sum = 0;
        for (Index j = 0; j < A.cols(); ++j) {
          const Scalar a = A(i, j), y = Y(i, j);
          sum += a - y + (y != Scalar(0) ? y * (std::log(y) - std::log(a)) : Scalar(0));
        }
        return sum;
      };
      return weighted_sum<Scalar>(A.rows(), r, term) / count;
    }
  }
  return 0;
}

template <class Scalar>
Scalar loss_report(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y, const Scalar* r) {
  if (loss == Loss::sse) return loss_value<Scalar>(loss, A, Y, r) / static_cast<Scalar>(A.size());
  return loss_value<Scalar>(loss, A, Y, r);
}

template <class Scalar>
void loss_gradient(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                   MatrixRef<Scalar> dA) {
  const auto count = static_cast<Scalar>(A.size());
  switch (loss) {
    case Loss::sse:
      dA = A - Y;
      return;
    case Loss::mse:
      dA = (Scalar(2) / count) * (A - Y);
      return;
    case Loss::binary_crossentropy:
      for (Index i = 0; i < A.rows(); ++i)
        for (Index j = 0; j < A.cols(); ++j) {
          const Scalar a = clipped(A(i, j));
          dA(i, j) = (a - Y(i, j)) / (a * (Scalar(1) - a)) / count;
        }
      return;
    case Loss::categorical_crossentropy:
      for (Index i = 0; i < A.rows(); ++i)
        for (Index j = 0; j < A.cols(); ++j)
          dA(i, j) = -Y(i, j) / clipped(A(i, j)) / static_cast<Scalar>(A.rows());
      return;
    case Loss::poisson:
      dA = ((Scalar(1) - Y.array() / A.array()) / count).matrix();
      return;
  }
}

bool has_fused_output_gradient(Loss loss, Activation output) {
  return (loss_info(loss).fused_outputs & activation_bit(output)) != 0;
}

template <class Scalar>
void fused_output_gradient(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                           MatrixRef<Scalar> dZ) {
  const Scalar count = loss == Loss::categorical_crossentropy ? static_cast<Scalar>(A.rows())
                                                              : static_cast<Scalar>(A.size());
  dZ = (A - Y) / count;
}

void check_loss_matches_output(Loss loss, Activation output) {
  if (loss_fits_output(loss, output)) return;
  std::vector<std::string> fitting;
  for (const ActivationInfo& a : activations())
    if (loss_fits_output(loss, a.id)) fitting.emplace_back(a.name);
  const std::string names = join_names(fitting);
  const bool vowel = std::string_view("aeiou").find(names.front()) != std::string_view::npos;
  throw InvalidArgument(std::string(to_string(loss)) + (vowel ? " needs an " : " needs a ") +
                        names + " output layer, not " + std::string(to_string(output)));
}

#define MLP_INSTANTIATE(Scalar)                                                             \
  template double row_weights<Scalar>(std::span<const double>, Scalar*);                    \
  template Scalar loss_value<Scalar>(Loss, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,  \
                                     const Scalar*);                                        \
  template Scalar loss_report<Scalar>(Loss, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, \
                                      const Scalar*);                                       \
  template void loss_gradient<Scalar>(Loss, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, \
                                      MatrixRef<Scalar>);                                   \
  template void fused_output_gradient<Scalar>(Loss, ConstMatrixRef<Scalar>,                 \
                                              ConstMatrixRef<Scalar>, MatrixRef<Scalar>);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
