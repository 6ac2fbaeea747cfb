#include "nn/tiny_fit.hpp"

#include <array>
#include <atomic>
#include <cmath>

#include "kernels/cpu_features.hpp"

namespace mlp {

namespace {

// Products whose summed size plus the result's two sizes stay below 20 are summed term by term
// in index order by the dense kernels, whether they run on Eigen (coefficient-based products
// below EIGEN_GEMM_TO_COEFFBASED_THRESHOLD, 20) or on gemm_reference (tiny products); column
// sums over at most 4 samples too. Beyond that the order may differ, so the general path is used.
constexpr Index kCoefficientProductLimit = 20;
constexpr Index kMaxSamples = 4;

bool coefficient_product(Index inner, Index rows, Index cols) {
  return inner + rows + cols < kCoefficientProductLimit;
}

// Room for any network tiny_fit_applies accepts: fewer than 20 inputs and hidden units.
constexpr Index kMaxUnits = kCoefficientProductLimit;
constexpr Index kMaxParameters = kMaxUnits * kMaxUnits + 2 * kMaxUnits + 1;

std::atomic<long long> tiny_fits{0};

}  // namespace

long long tiny_path_fits() {
  return tiny_fits.load(std::memory_order_relaxed);
}

void count_tiny_path_fit() {
  tiny_fits.fetch_add(1, std::memory_order_relaxed);
}

bool tiny_fit_applies(const TinyNetwork& s, Index n) {
  if (s.hidden_activation != Activation::sigmoid || s.output_activation != Activation::sigmoid ||
      s.loss != Loss::sse)
    return false;
  if (n < 1 || s.inputs < 1 || s.hidden < 1 || s.outputs != 1) return false;
  if (n > kMaxSamples) return false;
  const Index I = s.inputs, H = s.hidden, O = s.outputs;
  return coefficient_product(I, n, H) &&  // Z1 = X W1
         coefficient_product(H, n, O) &&  // Z2 = A1 W2
         coefficient_product(n, H, O) &&  // dW2 = A1^T dZ2
         coefficient_product(O, n, H) &&  // dA1 = dZ2 W2^T
         coefficient_product(n, I, H);    // dW1 = X^T dZ1
}

namespace {

// The portable loops: any CPU, any shape tiny_fit_applies accepts, on arrays sized for the
// largest, so that a training allocates nothing. Row-major: (n, H) for the hidden layer, (n, O)
// for the output.
class PortableTraining {
 public:
  PortableTraining(const TinyNetwork& s, ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
                   const TinyTraining& t)
      : X_(X),
        Y_(Y),
        t_(t),
        n_(X.rows()),
        I_(s.inputs),
        H_(s.hidden),
        O_(s.outputs),
        P_(I_ * H_ + H_ + H_ * O_ + O_) {}

  TinyResult run(double* parameters);

 private:
  Index forward(const double* w);
  double loss() const;
  void gradients(const double* w);
  bool descend(const double* w);

  ConstMatrixRef<double> X_, Y_;
  const TinyTraining& t_;
  const Index n_, I_, H_, O_, P_;
  // Written before they are read: left uninitialized, as a training may be one epoch.
  std::array<double, kMaxSamples * kMaxUnits> A1_, dZ1_;  // (n, H)
  std::array<double, kMaxSamples> A2_, dZ2_;              // (n, O)
  std::array<double, kMaxParameters> grad_, next_;        // [W1 | b1 | W2 | b2]
};

// Forward pass: Z = A_prev W (sum over the previous layer's units in order), then + b, then
// the sigmoid. Returns the number of samples classified right (count_correct's rule).
Index PortableTraining::forward(const double* w) {
  const double* const W1 = w;             // (I, H)
  const double* const b1 = W1 + I_ * H_;  // (H)
  const double* const W2 = b1 + H_;       // (H, O)
  const double* const b2 = W2 + H_ * O_;  // (O)
  for (Index i = 0; i < n_; ++i) {
    for (Index j = 0; j < H_; ++j) {
      double z = X_(i, 0) * W1[j];
      for (Index k = 1; k < I_; ++k) z = z + X_(i, k) * W1[k * H_ + j];
      A1_[i * H_ + j] = sigmoid<double>(z + b1[j]);
    }
  }
  Index correct = 0;
  for (Index i = 0; i < n_; ++i) {
    bool right = true;
    for (Index j = 0; j < O_; ++j) {
      double z = A1_[i * H_] * W2[j];
      for (Index k = 1; k < H_; ++k) z = z + A1_[i * H_ + k] * W2[k * O_ + j];
      const double a = sigmoid<double>(z + b2[j]);
      A2_[i * O_ + j] = a;
      right = right && ((a >= 0.5) == (Y_(i, j) >= 0.5));
    }
    correct += right;
  }
  return correct;
}

// loss_report for sse: 0.5 sum (a - y)^2 / (n O), the squares summed in order.
double PortableTraining::loss() const {
  double squares = 0.0;
  for (Index i = 0; i < n_; ++i)
    for (Index j = 0; j < O_; ++j) {
      const double e = A2_[i * O_ + j] - Y_(i, j);
      squares += e * e;
    }
  return 0.5 * squares / static_cast<double>(n_ * O_);
}

// Every gradient of the sse loss, each sum over the samples in order.
void PortableTraining::gradients(const double* w) {
  const double* const W2 = w + I_ * H_ + H_;  // (H, O)
  double* const gW1 = grad_.data();
  double* const gb1 = gW1 + I_ * H_;
  double* const gW2 = gb1 + H_;
  double* const gb2 = gW2 + H_ * O_;
  // Output layer: dE/da = a - y (sse), dE/dz = dE/da * a * (1 - a).
  for (Index i = 0; i < n_; ++i)
    for (Index j = 0; j < O_; ++j) {
      const double a = A2_[i * O_ + j];
      dZ2_[i * O_ + j] = (a - Y_(i, j)) * a * (1.0 - a);
    }
  // dW2 = A1^T dZ2 and db2 = column sums of dZ2.
  for (Index k = 0; k < H_; ++k)
    for (Index j = 0; j < O_; ++j) {
      double g = A1_[k] * dZ2_[j];
      for (Index i = 1; i < n_; ++i) g = g + A1_[i * H_ + k] * dZ2_[i * O_ + j];
      gW2[k * O_ + j] = g;
    }
  for (Index j = 0; j < O_; ++j) {
    double g = dZ2_[j];
    for (Index i = 1; i < n_; ++i) g = g + dZ2_[i * O_ + j];
    gb2[j] = g;
  }
  // Hidden layer: dE/da1 = dZ2 W2^T (the chapter's sum over output units), then * a (1 - a).
  for (Index i = 0; i < n_; ++i)
    for (Index k = 0; k < H_; ++k) {
      double d = dZ2_[i * O_] * W2[k * O_];
      for (Index j = 1; j < O_; ++j) d = d + dZ2_[i * O_ + j] * W2[k * O_ + j];
      const double a = A1_[i * H_ + k];
      dZ1_[i * H_ + k] = d * a * (1.0 - a);
    }
  for (Index k = 0; k < I_; ++k)
    for (Index j = 0; j < H_; ++j) {
      double g = X_(0, k) * dZ1_[j];
      for (Index i = 1; i < n_; ++i) g = g + X_(i, k) * dZ1_[i * H_ + j];
      gW1[k * H_ + j] = g;
    }
  for (Index j = 0; j < H_; ++j) {
    double g = dZ1_[j];
    for (Index i = 1; i < n_; ++i) g = g + dZ1_[i * H_ + j];
    gb1[j] = g;
  }
}

// next = w - eta dE/dw, every parameter; false when a value of next is not finite.
bool PortableTraining::descend(const double* w) {
  bool finite = true;
  for (Index p = 0; p < P_; ++p) {
    next_[p] = w[p] - t_.learning_rate * grad_[p];
    finite = finite && std::isfinite(next_[p]);
  }
  return finite;
}

TinyResult PortableTraining::run(double* w) {
  TinyResult result;
  result.last_below = -1;
  result.good_loss = t_.good_loss;
  result.good_epochs = 0;
  int epoch = 0;
  for (; epoch < t_.epochs; ++epoch) {
    const Index correct = forward(w);
    const double L = loss();
    if (!std::isfinite(L)) break;
    gradients(w);
    if (!descend(w)) break;
    for (Index p = 0; p < P_; ++p) w[p] = next_[p];
    if (correct < t_.needed) result.last_below = epoch;
    // The epoch as fit records it: the sum of its batch's loss times its size, over the samples.
    const auto samples = static_cast<double>(n_);
    const double recorded = (0.0 + L * samples) / samples;
    if (t_.losses != nullptr) t_.losses[epoch] = recorded;
    if (t_.accuracy != nullptr) t_.accuracy[epoch] = static_cast<double>(correct) / samples;
    if (t_.good_parameters != nullptr) {
      // fit's rule: the bar starts at the first loss, and a recorded loss at most the bar is good.
      if (!std::isfinite(result.good_loss)) result.good_loss = L;
      if (recorded <= result.good_loss) {
        result.good_loss = recorded;
        result.good_epochs = epoch + 1;
        for (Index p = 0; p < P_; ++p) t_.good_parameters[p] = w[p];
      }
    }
  }
  result.epochs_done = epoch;
  if (t_.gradients != nullptr && epoch > 0)
    for (Index p = 0; p < P_; ++p) t_.gradients[p] = grad_[p];
  if (t_.outputs != nullptr) {
    forward(w);
    for (Index i = 0; i < n_ * O_; ++i) t_.outputs[i] = A2_[i];
  }
  return result;
}

}  // namespace

bool tiny_kernel_available(TinyKernel kernel, const TinyNetwork& network, Index samples) {
  if (!tiny_fit_applies(network, samples)) return false;
  if (kernel == TinyKernel::portable || kernel == TinyKernel::best) return true;
  return samples == kMaxSamples && detail::cpu_has_avx2() &&
         tiny_fit_detail::avx2_lane_kernel(network.inputs, network.hidden) != nullptr;
}

TinyResult train_tiny(const TinyNetwork& network, TinyKernel kernel, ConstMatrixRef<double> X,
                      ConstMatrixRef<double> Y, const TinyTraining& t, double* parameters) {
  const Index n = X.rows();
  if (kernel != TinyKernel::portable && tiny_kernel_available(TinyKernel::avx2, network, n)) {
    // The lane kernel reads X and Y as contiguous row-major arrays: copied to the stack.
    std::array<double, kMaxSamples * kMaxUnits> Xc;
    std::array<double, kMaxSamples> Yc;
    for (Index i = 0; i < n; ++i) {
      for (Index k = 0; k < network.inputs; ++k) Xc[i * network.inputs + k] = X(i, k);
      Yc[i] = Y(i, 0);
    }
    const tiny_fit_detail::LaneProblem problem{.inputs = network.inputs,
                                               .hidden = network.hidden,
                                               .X = Xc.data(),
                                               .Y = Yc.data(),
                                               .learning_rate = t.learning_rate,
                                               .epochs = t.epochs,
                                               .needed = t.needed,
                                               .losses = t.losses,
                                               .accuracy = t.accuracy,
                                               .gradients = t.gradients,
                                               .good_loss = t.good_loss,
                                               .good_parameters = t.good_parameters,
                                               .outputs = t.outputs};
    return tiny_fit_detail::avx2_lane_kernel(network.inputs, network.hidden)(problem, parameters);
  }
  return PortableTraining(network, X, Y, t).run(parameters);
}

}  // namespace mlp
