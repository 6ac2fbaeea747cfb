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

// name, alias, the outputs it fits (cross-entropies need probabilities: BCE a sigmoid or softmax
// output, CCE a softmax one), the fused pairs (sigmoid + BCE, softmax + CCE).
constexpr std::array<LossInfo, 4> kLosses{{
    {Loss::sse, "sse", "", kAnyOutput, 0},
    {Loss::mse, "mse", "", kAnyOutput, 0},
    {Loss::binary_crossentropy, "binary_crossentropy", "bce", kSigmoid | kSoftmax, kSigmoid},
    {Loss::categorical_crossentropy, "categorical_crossentropy", "cce", kSoftmax, kSoftmax},
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
Scalar loss_value(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y) {
  const auto count = static_cast<Scalar>(A.size());
  switch (loss) {
    case Loss::sse:
      return Scalar(0.5) * (A - Y).squaredNorm();
    case Loss::mse:
      return (A - Y).squaredNorm() / count;
    case Loss::binary_crossentropy: {
      Scalar sum = 0;
      for (Index i = 0; i < A.rows(); ++i)
        for (Index j = 0; j < A.cols(); ++j) {
          const Scalar a = clipped(A(i, j)), y = Y(i, j);
          sum += y * std::log(a) + (Scalar(1) - y) * std::log(Scalar(1) - a);
        }
      return -sum / count;
    }
    case Loss::categorical_crossentropy: {
      Scalar sum = 0;
      for (Index i = 0; i < A.rows(); ++i)
        for (Index j = 0; j < A.cols(); ++j)
          if (Y(i, j) != Scalar(0)) sum += Y(i, j) * std::log(clipped(A(i, j)));
      return -sum / static_cast<Scalar>(A.rows());
    }
  }
  return 0;
}

template <class Scalar>
Scalar loss_report(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y) {
  if (loss == Loss::sse) return (A - Y).squaredNorm() / static_cast<Scalar>(A.size()) / Scalar(2);
  return loss_value<Scalar>(loss, A, Y);
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
  }
}

bool has_fused_output_gradient(Loss loss, Activation output) {
  return (loss_info(loss).fused_outputs & activation_bit(output)) != 0;
}

template <class Scalar>
void fused_output_gradient(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                           MatrixRef<Scalar> dZ) {
  const Scalar count = loss == Loss::binary_crossentropy ? static_cast<Scalar>(A.size())
                                                         : static_cast<Scalar>(A.rows());
  dZ = (A - Y) / count;
}

void check_loss_matches_output(Loss loss, Activation output) {
  if (loss_fits_output(loss, output)) return;
  std::vector<std::string> fitting;
  for (const ActivationInfo& a : activations())
    if (loss_fits_output(loss, a.id)) fitting.emplace_back(a.name);
  throw InvalidArgument(std::string(to_string(loss)) + " needs a " + join_names(fitting) +
                        " output layer, not " + std::string(to_string(output)));
}

#define MLP_INSTANTIATE(Scalar)                                                              \
  template Scalar loss_value<Scalar>(Loss, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>);  \
  template Scalar loss_report<Scalar>(Loss, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>); \
  template void loss_gradient<Scalar>(Loss, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,  \
                                      MatrixRef<Scalar>);                                    \
  template void fused_output_gradient<Scalar>(Loss, ConstMatrixRef<Scalar>,                  \
                                              ConstMatrixRef<Scalar>, MatrixRef<Scalar>);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
