#include "nn/divergence.hpp"

#include <cmath>
#include <cstdio>
#include <string>

namespace mlp {

namespace {

// 1-based layer where non-finite values begin (see divergence_error), 0 if none is found.
template <class Scalar>
int first_non_finite_layer(const Sequential<Scalar>& net, Workspace<Scalar>& ws, Index rows) {
  const std::size_t layers = net.layers().size();
  for (std::size_t l = 0; l < layers; ++l)
    if (!ws.Z(l, rows).allFinite()) return static_cast<int>(l) + 1;
  for (std::size_t l = layers; l-- > 0;)
    if (!net.weight_gradients(l).allFinite() || !net.bias_gradients(l).allFinite())
      return static_cast<int>(l) + 1;
  for (std::size_t l = 0; l < layers; ++l)
    if (!net.weights(l).allFinite() || !net.bias(l).allFinite()) return static_cast<int>(l) + 1;
  return 0;
}

// Whether a sigmoid or tanh layer's pre-activations are beyond +-50: saturated units.
template <class Scalar>
bool saturated(const Sequential<Scalar>& net, Workspace<Scalar>& ws, Index rows) {
  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    const Activation f = net.layers()[l].activation;
    if (f != Activation::sigmoid && f != Activation::tanh) continue;
    const auto Z = ws.Z(l, rows);
    for (Index i = 0; i < Z.size(); ++i)
      if (std::isfinite(Z.data()[i]) && std::abs(Z.data()[i]) > Scalar(50)) return true;
  }
  return false;
}

template <class Scalar>
double max_finite_magnitude(ConstMatrixRef<Scalar> M) {
  double largest = 0.0;
  for (Index i = 0; i < M.rows(); ++i)
    for (Index j = 0; j < M.cols(); ++j)
      if (std::isfinite(M(i, j))) largest = std::max(largest, std::abs(double(M(i, j))));
  return largest;
}

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

}  // namespace

template <class Scalar>
DivergenceError divergence_error(const Sequential<Scalar>& net, Workspace<Scalar>& ws,
                                 ConstMatrixRef<Scalar> Xb, ConstMatrixRef<Scalar> Yb,
                                 const DivergencePoint& point) {
  const Index rows = Xb.rows();
  const int layer = first_non_finite_layer(net, ws, rows);
  std::string cause, advice;
  const double suggested = point.learning_rate / 10.0;
  if (net.output_activation() == Activation::identity && max_finite_magnitude<Scalar>(Yb) > 1e3) {
    cause = "unscaled targets";
    advice = "targets reach " + number(max_finite_magnitude<Scalar>(Yb)) +
             ": standardise them (or lower the learning rate)";
  } else if (max_finite_magnitude<Scalar>(Xb) > 1e3) {
    cause = "unscaled inputs";
    advice = "inputs reach " + number(max_finite_magnitude<Scalar>(Xb)) +
             ": standardise the features (or lower the learning rate)";
  } else if (saturated(net, ws, rows)) {
    cause = "saturated units";
    advice =
        "sigmoid or tanh pre-activations beyond +-50, so the weights have grown: lower the "
        "learning rate to " +
        number(suggested);
  } else {
    cause = "learning rate too high for this loss scale";
    advice = "try a learning rate of " + number(suggested);
  }
  const std::string what = point.update_overflowed     ? "an update made the parameters non-finite"
                           : std::isfinite(point.loss) ? "a gradient became non-finite"
                           : std::isnan(point.loss)    ? "the loss became NaN"
                                                       : "the loss became infinite";
  std::string message = "training diverged at epoch " + std::to_string(point.epoch) + ", batch " +
                        std::to_string(point.batch) + ": " + what;
  if (layer > 0) message += " (from layer " + std::to_string(layer) + ")";
  message += " at learning rate " + number(point.learning_rate) + ". Likely cause: " + cause +
             "; " + advice + ". The network holds the parameters of " +
             (point.last_good_epoch > 0 ? "epoch " + std::to_string(point.last_good_epoch)
                                        : std::string("the start")) +
             ", the last finite ones.";
  return DivergenceError(message, point.epoch, point.batch, layer, cause, point.learning_rate);
}

#define MLP_INSTANTIATE(Scalar)                                              \
  template DivergenceError divergence_error<Scalar>(                         \
      const Sequential<Scalar>&, Workspace<Scalar>&, ConstMatrixRef<Scalar>, \
      ConstMatrixRef<Scalar>, const DivergencePoint&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
