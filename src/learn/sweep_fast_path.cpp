#include "learn/sweep_fast_path.hpp"

#include <string>
#include <utility>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "kernels/sweep_fast_path_kernels.hpp"
#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/output.hpp"

namespace mlp {

namespace {

// Products whose summed size plus the result's two sizes stay below 20 are summed term by term
// in index order by the dense kernels, whether they run on Eigen (coefficient-based products
// below EIGEN_GEMM_TO_COEFFBASED_THRESHOLD, 20) or on gemm_reference (tiny products); column
// sums over at most 4 samples too. Beyond that the order may differ, so fit is used.
constexpr Index kCoefficientProductLimit = 20;

bool coefficient_product(Index inner, Index rows, Index cols) {
  return inner + rows + cols < kCoefficientProductLimit;
}

// Buffers of one training, all row-major: (n, H) for the hidden layer, (n, O) for the output.
struct Buffers {
  std::vector<double> A1, A2, dZ1, dZ2, grad;
};

}  // namespace

bool fast_path_applies(const FastPathNetwork& s, Index n) {
  if (s.hidden_activation != Activation::sigmoid || s.output_activation != Activation::sigmoid ||
      s.loss != Loss::sse)
    return false;
  if (n < 1 || s.inputs < 1 || s.hidden < 1 || s.outputs != 1) return false;
  if (n > 4) return false;
  const Index I = s.inputs, H = s.hidden, O = s.outputs;
  return coefficient_product(I, n, H) &&  // Z1 = X W1
         coefficient_product(H, n, O) &&  // Z2 = A1 W2
         coefficient_product(n, H, O) &&  // dW2 = A1^T dZ2
         coefficient_product(O, n, H) &&  // dA1 = dZ2 W2^T
         coefficient_product(n, I, H);    // dW1 = X^T dZ1
}

namespace {

// The portable loops: any CPU, any shape fast_path_applies accepts. Trains `parameters` in
// place; A2 receives the outputs after the last update. Returns the last iteration that started
// with fewer than `needed` samples right, or -1.
int train_portable(const FastPathNetwork& s, ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
                   int iterations, Index needed, Vector<double>& parameters,
                   std::vector<double>& A2_out) {
  const Index n = X.rows(), I = s.inputs, H = s.hidden, O = s.outputs;
  double* const W1 = parameters.data();  // (I, H)
  double* const b1 = W1 + I * H;         // (H)
  double* const W2 = b1 + H;             // (H, O)
  double* const b2 = W2 + H * O;         // (O)
  const Index P = parameters.size();

  Buffers buf;
  buf.A1.resize(static_cast<std::size_t>(n * H));
  buf.A2.resize(static_cast<std::size_t>(n * O));
  buf.dZ1.resize(static_cast<std::size_t>(n * H));
  buf.dZ2.resize(static_cast<std::size_t>(n * O));
  buf.grad.resize(static_cast<std::size_t>(P));
  double* const A1 = buf.A1.data();
  double* const A2 = buf.A2.data();
  double* const dZ1 = buf.dZ1.data();
  double* const dZ2 = buf.dZ2.data();
  double* const gW1 = buf.grad.data();
  double* const gb1 = gW1 + I * H;
  double* const gW2 = gb1 + H;
  double* const gb2 = gW2 + H * O;
  const double eta = s.learning_rate;

  // Forward pass: Z = A_prev W (sum over the previous layer's units in order), then + b, then
  // the sigmoid. Returns the number of samples classified right (count_correct's rule).
  auto forward = [&]() {
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < H; ++j) {
        double z = X(i, 0) * W1[j];
        for (Index k = 1; k < I; ++k) z = z + X(i, k) * W1[k * H + j];
        A1[i * H + j] = sigmoid<double>(z + b1[j]);
      }
    }
    Index correct = 0;
    for (Index i = 0; i < n; ++i) {
      bool right = true;
      for (Index j = 0; j < O; ++j) {
        double z = A1[i * H] * W2[j];
        for (Index k = 1; k < H; ++k) z = z + A1[i * H + k] * W2[k * O + j];
        const double a = sigmoid<double>(z + b2[j]);
        A2[i * O + j] = a;
        right = right && ((a >= 0.5) == (Y(i, j) >= 0.5));
      }
      correct += right;
    }
    return correct;
  };

  int last_below = -1;
  for (int epoch = 0; epoch < iterations; ++epoch) {
    if (forward() < needed) last_below = epoch;
    // Output layer: dE/da = a - y (sse), dE/dz = dE/da * a * (1 - a).
    for (Index e = 0; e < n * O; ++e) {
      const double a = A2[e];
      dZ2[e] = (a - Y.data()[e]) * a * (1.0 - a);
    }
    // dW2 = A1^T dZ2 and db2 = column sums of dZ2, sums over the samples in order.
    for (Index k = 0; k < H; ++k)
      for (Index j = 0; j < O; ++j) {
        double g = A1[k] * dZ2[j];
        for (Index i = 1; i < n; ++i) g = g + A1[i * H + k] * dZ2[i * O + j];
        gW2[k * O + j] = g;
      }
    for (Index j = 0; j < O; ++j) {
      double g = dZ2[j];
      for (Index i = 1; i < n; ++i) g = g + dZ2[i * O + j];
      gb2[j] = g;
    }
    // Hidden layer: dE/da1 = dZ2 W2^T (the chapter's sum over output units), then * a (1 - a).
    for (Index i = 0; i < n; ++i)
      for (Index k = 0; k < H; ++k) {
        double d = dZ2[i * O] * W2[k * O];
        for (Index j = 1; j < O; ++j) d = d + dZ2[i * O + j] * W2[k * O + j];
        const double a = A1[i * H + k];
        dZ1[i * H + k] = d * a * (1.0 - a);
      }
    for (Index k = 0; k < I; ++k)
      for (Index j = 0; j < H; ++j) {
        double g = X(0, k) * dZ1[j];
        for (Index i = 1; i < n; ++i) g = g + X(i, k) * dZ1[i * H + j];
        gW1[k * H + j] = g;
      }
    for (Index j = 0; j < H; ++j) {
      double g = dZ1[j];
      for (Index i = 1; i < n; ++i) g = g + dZ1[i * H + j];
      gb1[j] = g;
    }
    // w = w - eta dE/dw, every parameter.
    for (Index p = 0; p < P; ++p) parameters[p] = parameters[p] - eta * buf.grad[p];
  }

  forward();
  A2_out = std::move(buf.A2);
  return last_below;
}

}  // namespace

bool fast_path_kernel_available(FastPathKernel kernel, const FastPathNetwork& spec, Index samples) {
  if (!fast_path_applies(spec, samples)) return false;
  if (kernel == FastPathKernel::portable || kernel == FastPathKernel::best) return true;
  return samples == 4 && detail::cpu_has_avx2() &&
         fast_path_detail::avx2_lane_kernel(spec.inputs, spec.hidden) != nullptr;
}

FastPathRun train_on_fast_path(const FastPathNetwork& s, const Initializer& init,
                               std::uint64_t seed, ConstMatrixRef<double> X,
                               ConstMatrixRef<double> Y, int iterations, Index needed,
                               FastPathKernel kernel) {
  const Index n = X.rows(), I = s.inputs, H = s.hidden, O = s.outputs;
  if (!fast_path_kernel_available(kernel, s, n))
    throw InvalidArgument(
        "train_on_fast_path: this network is not one the sweep's fast path handles" +
        std::string(kernel == FastPathKernel::avx2 ? " with AVX2 on this CPU" : ""));
  if (X.cols() != I || Y.rows() != n || Y.cols() != O)
    throw InvalidArgument("train_on_fast_path: data of shape " + std::to_string(X.rows()) + "x" +
                          std::to_string(X.cols()) + " / " + std::to_string(Y.rows()) + "x" +
                          std::to_string(Y.cols()) + " does not fit the network");

  // The very initial parameters Sequential would start from.
  Sequential<double> net(I);
  net.add(H, s.hidden_activation).add(O, s.output_activation);
  net.initialize(init, seed);
  FastPathRun run;
  run.parameters = net.parameters();

  std::vector<double> A2;
  int last_below;
  if (kernel != FastPathKernel::portable &&
      fast_path_kernel_available(FastPathKernel::avx2, s, n)) {
    // The lane kernel reads X and Y as contiguous row-major arrays.
    const Matrix<double> Xc = X, Yc = Y;
    const fast_path_detail::LaneProblem problem{.inputs = I,
                                                .hidden = H,
                                                .X = Xc.data(),
                                                .Y = Yc.data(),
                                                .learning_rate = s.learning_rate,
                                                .iterations = iterations,
                                                .needed = needed};
    const fast_path_detail::LaneResult lanes =
        fast_path_detail::avx2_lane_kernel(I, H)(problem, run.parameters.data());
    A2.assign(lanes.outputs, lanes.outputs + n);
    last_below = lanes.last_below;
  } else {
    last_below = train_portable(s, X, Y, iterations, needed, run.parameters, A2);
  }

  const ConstMatrixView<double> A(A2.data(), n, O);
  run.final_correct = count_correct<double>(s.output_activation, A, Y);
  run.final_loss = loss_report<double>(s.loss, A, Y);
  if (run.final_correct >= needed) run.iterations_to_target = last_below + 1;
  return run;
}

}  // namespace mlp
