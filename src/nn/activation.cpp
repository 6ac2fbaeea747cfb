#include "mlp/nn/activation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/cpu_features.hpp"
#include "kernels/sigmoid_f64.hpp"
#include "kernels/softmax_f32.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp {

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

// Each activation's f and f': forward(Z, A) computes A = f(Z), backward(Z, A, dA, dZ) computes
// dZ = dA * f'(z) from whichever of z and a its derivative is written in.

struct Sigmoid {
  // The chapter's a = sigma(z) = 1 / (1 + e^-z). Doubles go 4 at a time through the AVX2 sigmoid
  // when the CPU has it (the same bits as sigmoid<double>).
  template <class Scalar>
  static void forward(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A) {
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
  // The chapter's da/dz = a (1 - a).
  template <class Scalar>
  static void backward(const ConstMatrixRef<Scalar>&, const ConstMatrixRef<Scalar>& A,
                       const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ) {
    dZ = (dA.array() * A.array() * (Scalar(1) - A.array())).matrix();
  }
};

struct Tanh {
  // a = tanh(z) = (e^z - e^-z) / (e^z + e^-z)
  template <class Scalar>
  static void forward(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A) {
    A = Z.array().tanh().matrix();
  }
  // da/dz = 1 - a^2
  template <class Scalar>
  static void backward(const ConstMatrixRef<Scalar>&, const ConstMatrixRef<Scalar>& A,
                       const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ) {
    dZ = (dA.array() * (Scalar(1) - A.array().square())).matrix();
  }
};

struct Relu {
  // a = relu(z) = max(0, z)
  template <class Scalar>
  static void forward(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A) {
    A = Z.cwiseMax(Scalar(0));
  }
  // da/dz = [a > 0], taken as 0 at the kink z = 0
  template <class Scalar>
  static void backward(const ConstMatrixRef<Scalar>&, const ConstMatrixRef<Scalar>& A,
                       const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ) {
    dZ = (A.array() > Scalar(0)).select(dA, Scalar(0));
  }
};

struct Identity {
  // a = z (the regression output)
  template <class Scalar>
  static void forward(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A) {
    if (A.data() != Z.data()) A = Z;
  }
  // da/dz = 1
  template <class Scalar>
  static void backward(const ConstMatrixRef<Scalar>&, const ConstMatrixRef<Scalar>&,
                       const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ) {
    if (dZ.data() != dA.data()) dZ = dA;
  }
};

struct Softmax {
  // The chapter's a_i = e^(z_i) / sum_j e^(z_j) (beta = 1), row by row, computed as
  // e^(z_i - max z) / sum_j e^(z_j - max z) so that no exp overflows. Floats go through the
  // kernel of softmax_f32.hpp (the library's exponential, 4 at a time with AVX2, the same bits).
  template <class Scalar>
  static void forward(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A) {
    if constexpr (std::is_same_v<Scalar, float>) {
      if (Z.cols() == 0) return;
#if defined(__x86_64__)
      const auto softmax =
          detail::cpu_has_avx2() ? softmax_detail::softmax_f32_avx2 : softmax_detail::softmax_f32;
#else
      const auto softmax = softmax_detail::softmax_f32;
#endif
      softmax(Z.data(), Z.outerStride(), A.data(), A.outerStride(), Z.rows(), Z.cols());
      return;
    }
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
  // da_i/dz_k = a_i ([i = k] - a_k), applied to dA as the Jacobian-vector product
  // dE/dz_i = a_i (dE/da_i - sum_j dE/da_j a_j), per row.
  template <class Scalar>
  static void backward(const ConstMatrixRef<Scalar>&, const ConstMatrixRef<Scalar>& A,
                       const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ) {
    for (Index i = 0; i < A.rows(); ++i) {
      const Scalar dot = A.row(i).dot(dA.row(i));
      dZ.row(i) = (A.row(i).array() * (dA.row(i).array() - dot)).matrix();
    }
  }
};

struct Exponential {
  // a = e^z (the output of a count: a > 0, Poisson regression's log link; Keras' "exponential")
  template <class Scalar>
  static void forward(const ConstMatrixRef<Scalar>& Z, MatrixRef<Scalar>& A) {
    A = Z.array().exp().matrix();
  }
  // da/dz = e^z = a
  template <class Scalar>
  static void backward(const ConstMatrixRef<Scalar>&, const ConstMatrixRef<Scalar>& A,
                       const ConstMatrixRef<Scalar>& dA, MatrixRef<Scalar>& dZ) {
    dZ = (dA.array() * A.array()).matrix();
  }
};

template <class F, class Scalar>
constexpr ActivationKernels<Scalar> kernels_of() {
  return {&F::template forward<Scalar>, &F::template backward<Scalar>};
}

constexpr double kInf = std::numeric_limits<double>::infinity();
using InitKind = Initializer::Kind;

// name, label, formula, derivative, range of a, default initializer, hidden, output, nonlinear,
// kink, f and f' (float, double).
constexpr std::array<ActivationInfo, 6> kActivations{{
    {Activation::sigmoid, "sigmoid", "sigmoid", "1 / (1 + e^-z)", "a (1 - a)", 0.0, 1.0,
     InitKind::glorot_uniform, true, true, true, false, kernels_of<Sigmoid, float>(),
     kernels_of<Sigmoid, double>()},
    {Activation::tanh, "tanh", "tanh", "tanh(z)", "1 - a^2", -1.0, 1.0, InitKind::glorot_uniform,
     true, true, true, false, kernels_of<Tanh, float>(), kernels_of<Tanh, double>()},
    {Activation::relu, "relu", "ReLU", "max(0, z)", "1 if z > 0, else 0", 0.0, kInf,
     InitKind::he_uniform, true, true, true, true, kernels_of<Relu, float>(),
     kernels_of<Relu, double>()},
    {Activation::identity, "identity", "identity", "z", "1", -kInf, kInf, InitKind::glorot_uniform,
     true, true, false, false, kernels_of<Identity, float>(), kernels_of<Identity, double>()},
    {Activation::softmax, "softmax", "softmax", "e^(z_i) / sum_j e^(z_j)", "a_i ([i = k] - a_k)",
     0.0, 1.0, InitKind::glorot_uniform, false, true, true, false, kernels_of<Softmax, float>(),
     kernels_of<Softmax, double>()},
    {Activation::exponential, "exponential", "exponential", "e^z", "e^z = a", 0.0, kInf,
     InitKind::glorot_uniform, false, true, true, false, kernels_of<Exponential, float>(),
     kernels_of<Exponential, double>()},
}};

static_assert(in_enum_order(kActivations, &ActivationInfo::id),
              "kActivations must list the activations in the enum's order");

bool used_as(const ActivationInfo& a, ActivationUse use) {
  switch (use) {
    case ActivationUse::any:
      return true;
    case ActivationUse::hidden:
      return a.hidden;
    case ActivationUse::nonlinear_hidden:
      return a.hidden && a.nonlinear;
    case ActivationUse::output:
      return a.output;
  }
  return false;
}

}  // namespace

std::span<const ActivationInfo> activations() {
  return kActivations;
}

const ActivationInfo& activation_info(Activation activation) {
  return kActivations.at(static_cast<std::size_t>(activation));
}

std::vector<std::string> activation_names(ActivationUse use) {
  std::vector<std::string> names;
  for (const ActivationInfo& a : kActivations)
    if (used_as(a, use)) names.emplace_back(a.name);
  return names;
}

std::string_view to_string(Activation activation) {
  const auto i = static_cast<std::size_t>(activation);
  return i < kActivations.size() ? kActivations[i].name : "unknown";
}

Activation activation_from_string(std::string_view name) {
  for (const ActivationInfo& a : kActivations)
    if (name == a.name) return a.id;
  throw InvalidArgument("unknown activation '" + std::string(name) + "' (expected " +
                        join_names(activation_names()) + ")");
}

template <class Scalar>
void activate(Activation activation, ConstMatrixRef<Scalar> Z, MatrixRef<Scalar> A) {
  activation_info(activation).kernels<Scalar>().forward(Z, A);
}

template <class Scalar>
void activation_backward(Activation activation, ConstMatrixRef<Scalar> Z, ConstMatrixRef<Scalar> A,
                         ConstMatrixRef<Scalar> dA, MatrixRef<Scalar> dZ) {
  activation_info(activation).kernels<Scalar>().backward(Z, A, dA, dZ);
}

#define MLP_INSTANTIATE(Scalar)                                                             \
  template Scalar sigmoid<Scalar>(Scalar);                                                  \
  template void activate<Scalar>(Activation, ConstMatrixRef<Scalar>, MatrixRef<Scalar>);    \
  template void activation_backward<Scalar>(Activation, ConstMatrixRef<Scalar>,             \
                                            ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, \
                                            MatrixRef<Scalar>);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
