#include "mlp/nn/activation.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/cpu_features.hpp"
#include "kernels/sigmoid_f64.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

std::string_view to_string(Activation activation) {
  switch (activation) {
    case Activation::sigmoid:
      return "sigmoid";
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
    case Activation::identity:
      return "identity";
    case Activation::softmax:
      return "softmax";
  }
  return "unknown";
}

Activation activation_from_string(std::string_view name) {
  for (auto a : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::identity,
                 Activation::softmax}) {
    if (name == to_string(a)) return a;
  }
  throw InvalidArgument("unknown activation '" + std::string(name) +
                        "' (expected sigmoid, tanh, relu, identity or softmax)");
}

template <class Scalar>
Scalar sigmoid(Scalar z) {
  if constexpr (std::is_same_v<Scalar, double>) {
    return sigmoid_detail::sigmoid_f64(z);  // the library's own exponential, see sigmoid_f64.hpp
  } else {
    if (z >= Scalar(0)) return Scalar(1) / (Scalar(1) + std::exp(-z));
    const Scalar e = std::exp(z);  // z < 0: e^z cannot overflow
    return e / (Scalar(1) + e);
  }
}

namespace {

template <class Scalar>
void softmax_rows(ConstMatrixRef<Scalar> Z, MatrixRef<Scalar> A) {
  for (Index i = 0; i < Z.rows(); ++i) {
    const Scalar max_z = Z.row(i).maxCoeff();
    Scalar sum = 0;
    for (Index j = 0; j < Z.cols(); ++j) {
      const Scalar e = std::exp(Z(i, j) - max_z);
      A(i, j) = e;
      sum += e;
    }
    A.row(i) /= sum;
  }
}

// A = sigma(Z). Doubles go 4 at a time through the AVX2 sigmoid when the CPU has it (the same
// bits as sigmoid<double>).
template <class Scalar>
void sigmoid_elementwise(ConstMatrixRef<Scalar> Z, MatrixRef<Scalar> A) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<Scalar, double>) {
    if (detail::cpu_has_avx2()) {
      if (Z.outerStride() == Z.cols() && A.outerStride() == A.cols()) {
        sigmoid_detail::sigmoid_f64_avx2(Z.data(), A.data(), Z.size());
      } else {
        for (Index i = 0; i < Z.rows(); ++i)
          sigmoid_detail::sigmoid_f64_avx2(Z.row(i).data(), A.row(i).data(), Z.cols());
      }
      return;
    }
  }
#endif
  A = Z.unaryExpr([](Scalar z) { return sigmoid(z); });
}

}  // namespace

template <class Scalar>
void activate(Activation activation, ConstMatrixRef<Scalar> Z, MatrixRef<Scalar> A) {
  switch (activation) {
    case Activation::sigmoid:
      sigmoid_elementwise<Scalar>(Z, A);
      return;
    case Activation::tanh:
      A = Z.array().tanh().matrix();
      return;
    case Activation::relu:
      A = Z.cwiseMax(Scalar(0));
      return;
    case Activation::identity:
      if (A.data() != Z.data()) A = Z;
      return;
    case Activation::softmax:
      softmax_rows<Scalar>(Z, A);
      return;
  }
}

template <class Scalar>
void activation_backward(Activation activation, ConstMatrixRef<Scalar> A, ConstMatrixRef<Scalar> dA,
                         MatrixRef<Scalar> dZ) {
  switch (activation) {
    case Activation::sigmoid:
      dZ = (dA.array() * A.array() * (Scalar(1) - A.array())).matrix();
      return;
    case Activation::tanh:
      dZ = (dA.array() * (Scalar(1) - A.array().square())).matrix();
      return;
    case Activation::relu:
      dZ = (A.array() > Scalar(0)).select(dA, Scalar(0));
      return;
    case Activation::identity:
      if (dZ.data() != dA.data()) dZ = dA;
      return;
    case Activation::softmax:
      for (Index i = 0; i < A.rows(); ++i) {
        const Scalar dot = A.row(i).dot(dA.row(i));
        dZ.row(i) = (A.row(i).array() * (dA.row(i).array() - dot)).matrix();
      }
      return;
  }
}

#define MLP_INSTANTIATE(Scalar)                                                          \
  template Scalar sigmoid<Scalar>(Scalar);                                               \
  template void activate<Scalar>(Activation, ConstMatrixRef<Scalar>, MatrixRef<Scalar>); \
  template void activation_backward<Scalar>(Activation, ConstMatrixRef<Scalar>,          \
                                            ConstMatrixRef<Scalar>, MatrixRef<Scalar>);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
