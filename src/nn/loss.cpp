#include "mlp/nn/loss.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "mlp/core/error.hpp"

namespace mlp {

std::string_view to_string(Loss loss) {
  switch (loss) {
    case Loss::sse:
      return "sse";
    case Loss::mse:
      return "mse";
    case Loss::binary_crossentropy:
      return "binary_crossentropy";
    case Loss::categorical_crossentropy:
      return "categorical_crossentropy";
  }
  return "unknown";
}

Loss loss_from_string(std::string_view name) {
  if (name == "bce") return Loss::binary_crossentropy;
  if (name == "cce") return Loss::categorical_crossentropy;
  for (auto l : {Loss::sse, Loss::mse, Loss::binary_crossentropy, Loss::categorical_crossentropy}) {
    if (name == to_string(l)) return l;
  }
  throw InvalidArgument("unknown loss '" + std::string(name) +
                        "' (expected sse, mse, binary_crossentropy or categorical_crossentropy)");
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
  return (loss == Loss::binary_crossentropy && output == Activation::sigmoid) ||
         (loss == Loss::categorical_crossentropy && output == Activation::softmax);
}

template <class Scalar>
void fused_output_gradient(Loss loss, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> Y,
                           MatrixRef<Scalar> dZ) {
  const Scalar count = loss == Loss::binary_crossentropy ? static_cast<Scalar>(A.size())
                                                         : static_cast<Scalar>(A.rows());
  dZ = (A - Y) / count;
}

void check_loss_matches_output(Loss loss, Activation output) {
  if (loss == Loss::binary_crossentropy && output != Activation::sigmoid &&
      output != Activation::softmax) {
    throw InvalidArgument("binary_crossentropy needs a sigmoid or softmax output layer, not " +
                          std::string(to_string(output)));
  }
  if (loss == Loss::categorical_crossentropy && output != Activation::softmax) {
    throw InvalidArgument("categorical_crossentropy needs a softmax output layer, not " +
                          std::string(to_string(output)));
  }
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
