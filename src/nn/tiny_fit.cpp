#include "nn/tiny_fit.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <type_traits>

#include "kernels/cpu_features.hpp"
#include "kernels/optimizer_kernels.hpp"

namespace mlp {

namespace {

// Every product of a training step of a network of at most 16 inputs, hidden units and samples
// (and one output) has at most 16 x 16 x 16 = 4096 multiply-adds: gemm's tiny products, which the
// reference loops sum term by term in index order (src/kernels/gemm.cpp), as the loops below
// do; the bias gradients are column sums in row order (dense_backward_bias). Beyond that the
// order may differ, so the general path is used.
constexpr Index kMaxSamples = 16;
constexpr Index kMaxUnits = 16;
constexpr Index kMaxParameters = kMaxUnits * kMaxUnits + 2 * kMaxUnits + 1;
// The AVX2 kernel's samples, one per lane.
constexpr Index kLaneSamples = 4;

std::atomic<long long> tiny_fits{0};

}  // namespace

long long tiny_path_fits() {
  return tiny_fits.load(std::memory_order_relaxed);
}

void count_tiny_path_fit() {
  tiny_fits.fetch_add(1, std::memory_order_relaxed);
}

bool tiny_fit_applies(const TinyNetwork& s, Index n, bool floats) {
  // tanh in double is std::tanh on both paths; in float the general path takes Eigen's vectorised
  // approximation, which the loops below do not reproduce.
  const bool hidden = s.hidden_activation == Activation::sigmoid ||
                      s.hidden_activation == Activation::relu ||
                      (s.hidden_activation == Activation::tanh && !floats);
  const bool loss =
      s.loss == Loss::sse || s.loss == Loss::mse || s.loss == Loss::binary_crossentropy;
  return hidden && loss && s.output_activation == Activation::sigmoid && s.outputs == 1 && n >= 1 &&
         n <= kMaxSamples && s.inputs >= 1 && s.inputs <= kMaxUnits && s.hidden >= 1 &&
         s.hidden <= kMaxUnits;
}

namespace {

// The portable loops: any CPU, any shape tiny_fit_applies accepts, on arrays sized for the
// largest, so that a training allocates nothing. Row-major: (n, H) for the hidden layer, (n, O)
// for the output.
template <class Scalar>
class PortableTraining {
 public:
  PortableTraining(const TinyNetwork& s, ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                   const TinyTraining<Scalar>& t)
      : s_(s),
        X_(X),
        Y_(Y),
        t_(t),
        n_(X.rows()),
        I_(s.inputs),
        H_(s.hidden),
        O_(s.outputs),
        P_(I_ * H_ + H_ + H_ * O_ + O_) {}

  TinyResult run(Scalar* parameters);

 private:
  Scalar hidden(Scalar z) const;
  Scalar hidden_backward(Scalar a, Scalar d) const;
  Index forward(const Scalar* w);
  double loss() const;
  void gradients(const Scalar* w);
  bool descend(const Scalar* w);

  const TinyNetwork& s_;
  ConstMatrixRef<Scalar> X_, Y_;
  const TinyTraining<Scalar>& t_;
  const Index n_, I_, H_, O_, P_;
  // Written before they are read: left uninitialized, as a training may be one epoch.
  std::array<Scalar, kMaxSamples * kMaxUnits> A1_, dZ1_;     // (n, H)
  std::array<Scalar, kMaxSamples> A2_, dZ2_;                 // (n, O)
  std::array<Scalar, kMaxParameters> grad_, next_, next_v_;  // [W1 | b1 | W2 | b2]
  std::array<Scalar, kMaxParameters> next_v2_;               // Adam's next v (next_v_: its m)
  const optimizer_detail::AdamKernel<Scalar> adam_ = optimizer_detail::best_adam_kernel<Scalar>();
};

// The hidden layer's a = f(z), as the general path takes it: the sigmoid, the ReLU as gemm's
// epilogue writes it, tanh as Eigen's tanh of doubles (std::tanh).
template <class Scalar>
Scalar PortableTraining<Scalar>::hidden(Scalar z) const {
  switch (s_.hidden_activation) {
    case Activation::relu:
      return z < Scalar(0) ? Scalar(0) : z;
    case Activation::tanh:
      return std::tanh(z);
    default:
      return sigmoid<Scalar>(z);
  }
}

// The hidden layer's dE/dz from its a and dE/da = d, as the activations' backward take it:
// sigmoid d a (1 - a), tanh d (1 - a^2), ReLU d where a > 0 (gemm's gate).
template <class Scalar>
Scalar PortableTraining<Scalar>::hidden_backward(Scalar a, Scalar d) const {
  switch (s_.hidden_activation) {
    case Activation::relu:
      return a > Scalar(0) ? d : Scalar(0);
    case Activation::tanh:
      return d * (Scalar(1) - a * a);
    default:
      return d * a * (Scalar(1) - a);
  }
}

// Forward pass: Z = A_prev W (sum over the previous layer's units in order), then + b, then
// the activation (the hidden layer's, the output's sigmoid). Returns the number of samples
// classified right (count_correct's rule).
template <class Scalar>
Index PortableTraining<Scalar>::forward(const Scalar* w) {
  const Scalar* const W1 = w;             // (I, H)
  const Scalar* const b1 = W1 + I_ * H_;  // (H)
  const Scalar* const W2 = b1 + H_;       // (H, O)
  const Scalar* const b2 = W2 + H_ * O_;  // (O)
  for (Index i = 0; i < n_; ++i) {
    for (Index j = 0; j < H_; ++j) {
      Scalar z = X_(i, 0) * W1[j];
      for (Index k = 1; k < I_; ++k) z = z + X_(i, k) * W1[k * H_ + j];
      z = z + b1[j];
      A1_[i * H_ + j] = hidden(z);
    }
  }
  Index correct = 0;
  for (Index i = 0; i < n_; ++i) {
    bool right = true;
    for (Index j = 0; j < O_; ++j) {
      Scalar z = A1_[i * H_] * W2[j];
      for (Index k = 1; k < H_; ++k) z = z + A1_[i * H_ + k] * W2[k * O_ + j];
      const Scalar a = sigmoid<Scalar>(z + b2[j]);
      A2_[i * O_ + j] = a;
      right = right && ((a >= Scalar(0.5)) == (Y_(i, j) >= Scalar(0.5)));
    }
    correct += right;
  }
  return correct;
}

// loss_report itself, on the outputs.
template <class Scalar>
double PortableTraining<Scalar>::loss() const {
  return static_cast<double>(
      loss_report<Scalar>(s_.loss, ConstMatrixView<Scalar>(A2_.data(), n_, O_), Y_));
}

// Every gradient of the sse loss, each sum over the samples in order.
template <class Scalar>
void PortableTraining<Scalar>::gradients(const Scalar* w) {
  const Scalar* const W2 = w + I_ * H_ + H_;  // (H, O)
  Scalar* const gW1 = grad_.data();
  Scalar* const gb1 = gW1 + I_ * H_;
  Scalar* const gW2 = gb1 + H_;
  Scalar* const gb2 = gW2 + H_ * O_;
  // Output layer, the sigmoid's dE/dz as loss_gradient and the activation's backward, or
  // fused_output_gradient, take it:
  //   sse  dE/da = a - y             mse  dE/da = (2 / count) (a - y)
  //        dE/dz = dE/da * a * (1 - a)
  //   binary cross-entropy (fused)   dE/dz = (a - y) / count        count = n O
  const auto count = static_cast<Scalar>(n_ * O_);
  const Scalar mse_factor = Scalar(2) / count;
  for (Index i = 0; i < n_; ++i)
    for (Index j = 0; j < O_; ++j) {
      const Scalar a = A2_[i * O_ + j];
      Scalar& dz = dZ2_[i * O_ + j];
      if (s_.loss == Loss::binary_crossentropy) {
        dz = (a - Y_(i, j)) / count;
      } else {
        const Scalar da = s_.loss == Loss::mse ? mse_factor * (a - Y_(i, j)) : a - Y_(i, j);
        dz = da * a * (Scalar(1) - a);
      }
    }
  // dW2 = A1^T dZ2 and db2 = column sums of dZ2.
  for (Index k = 0; k < H_; ++k)
    for (Index j = 0; j < O_; ++j) {
      Scalar g = A1_[k] * dZ2_[j];
      for (Index i = 1; i < n_; ++i) g = g + A1_[i * H_ + k] * dZ2_[i * O_ + j];
      gW2[k * O_ + j] = g;
    }
  for (Index j = 0; j < O_; ++j) {
    Scalar g = dZ2_[j];
    for (Index i = 1; i < n_; ++i) g = g + dZ2_[i * O_ + j];
    gb2[j] = g;
  }
  // Hidden layer: dE/da1 = dZ2 W2^T (the chapter's sum over output units), then dE/dz1.
  for (Index i = 0; i < n_; ++i)
    for (Index k = 0; k < H_; ++k) {
      Scalar d = dZ2_[i * O_] * W2[k * O_];
      for (Index j = 1; j < O_; ++j) d = d + dZ2_[i * O_ + j] * W2[k * O_ + j];
      const Scalar a = A1_[i * H_ + k];
      dZ1_[i * H_ + k] = hidden_backward(a, d);
    }
  for (Index k = 0; k < I_; ++k)
    for (Index j = 0; j < H_; ++j) {
      Scalar g = X_(0, k) * dZ1_[j];
      for (Index i = 1; i < n_; ++i) g = g + X_(i, k) * dZ1_[i * H_ + j];
      gW1[k * H_ + j] = g;
    }
  for (Index j = 0; j < H_; ++j) {
    Scalar g = dZ1_[j];
    for (Index i = 1; i < n_; ++i) g = g + dZ1_[i * H_ + j];
    gb1[j] = g;
  }
}

// Optimizer::step's update into next (and next_v, next_v2), every parameter, eta and mu in the
// parameters' type as step takes them:
//   gradient descent  next = w - eta g
//   momentum          next_v = mu v - eta g;  next = w + next_v   (Nesterov: w + (mu next_v - eta
//   g))
//   Adam              next_v = b1 m + (1 - b1) g;  next_v2 = b2 v + (1 - b2) g^2;
//                     next = w - (s next_v) / (sqrt(next_v2) r + eps),  s = eta / (1 - b1^t),
//                     r = 1 / sqrt(1 - b2^t) at step t: step's kernel, on copies
// False when a value of next is not finite.
template <class Scalar>
bool PortableTraining<Scalar>::descend(const Scalar* w) {
  const auto eta = static_cast<Scalar>(t_.learning_rate);
  const auto mu = static_cast<Scalar>(t_.momentum);
  bool finite = true;
  if (t_.first_moment != nullptr) {
    std::copy_n(w, P_, next_.data());
    std::copy_n(t_.first_moment, P_, next_v_.data());
    std::copy_n(t_.second_moment, P_, next_v2_.data());
    const optimizer_detail::AdamScales scales =
        optimizer_detail::adam_scales(t_.learning_rate, t_.beta1, t_.beta2, *t_.steps + 1);
    adam_(P_, next_.data(), grad_.data(), next_v_.data(), next_v2_.data(),
          static_cast<Scalar>(t_.beta1), static_cast<Scalar>(t_.beta2),
          static_cast<Scalar>(scales.s), static_cast<Scalar>(scales.r),
          static_cast<Scalar>(t_.epsilon));
    for (Index p = 0; p < P_; ++p) finite = finite && std::isfinite(next_[p]);
    return finite;
  }
  for (Index p = 0; p < P_; ++p) {
    if (t_.velocity == nullptr) {
      next_[p] = w[p] - eta * grad_[p];
    } else {
      next_v_[p] = mu * t_.velocity[p] - eta * grad_[p];
      next_[p] = t_.nesterov ? w[p] + (mu * next_v_[p] - eta * grad_[p]) : w[p] + next_v_[p];
    }
    finite = finite && std::isfinite(next_[p]);
  }
  return finite;
}

template <class Scalar>
TinyResult PortableTraining<Scalar>::run(Scalar* w) {
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
    if (t_.velocity != nullptr)
      for (Index p = 0; p < P_; ++p) t_.velocity[p] = next_v_[p];
    if (t_.first_moment != nullptr) {
      std::copy_n(next_v_.data(), P_, t_.first_moment);
      std::copy_n(next_v2_.data(), P_, t_.second_moment);
      ++*t_.steps;
    }
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
        if (t_.velocity != nullptr)
          for (Index p = 0; p < P_; ++p) t_.good_velocity[p] = t_.velocity[p];
        if (t_.first_moment != nullptr) {
          std::copy_n(t_.first_moment, P_, t_.good_first_moment);
          std::copy_n(t_.second_moment, P_, t_.good_second_moment);
          *t_.good_steps = *t_.steps;
        }
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
  return samples == kLaneSamples && network.hidden_activation == Activation::sigmoid &&
         network.loss == Loss::sse && detail::cpu_has_avx2() &&
         tiny_fit_detail::avx2_lane_kernel(network.inputs, network.hidden) != nullptr;
}

template <class Scalar>
TinyResult train_tiny(const TinyNetwork& network, TinyKernel kernel, ConstMatrixRef<Scalar> X,
                      ConstMatrixRef<Scalar> Y, const TinyTraining<Scalar>& t, Scalar* parameters) {
  const Index n = X.rows();
  if constexpr (std::is_same_v<Scalar, double>) {
    if (kernel != TinyKernel::portable && t.velocity == nullptr && t.first_moment == nullptr &&
        tiny_kernel_available(TinyKernel::avx2, network, n)) {
      // The lane kernel reads X and Y as contiguous row-major arrays: copied to the stack.
      std::array<double, kLaneSamples * kMaxUnits> Xc;
      std::array<double, kLaneSamples> Yc;
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
  }
  return PortableTraining<Scalar>(network, X, Y, t).run(parameters);
}

#define MLP_INSTANTIATE(Scalar)                                                                  \
  template TinyResult train_tiny<Scalar>(const TinyNetwork&, TinyKernel, ConstMatrixRef<Scalar>, \
                                         ConstMatrixRef<Scalar>, const TinyTraining<Scalar>&,    \
                                         Scalar*);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
