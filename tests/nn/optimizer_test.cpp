#include "mlp/nn/optimizer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"

namespace {

using mlp::OptimizerSpec;
using mlp::Vector;

TEST(Optimizer, GradientDescentIsTheChaptersRule) {
  mlp::Optimizer<double> gd(OptimizerSpec::gradient_descent(0.1));
  Vector<double> w(2), g(2);
  w << 1.0, -2.0;
  g << 0.5, -1.0;
  gd.reset(2);
  gd.step(w, g);  // w = w - eta g
  EXPECT_DOUBLE_EQ(w(0), 0.95);
  EXPECT_DOUBLE_EQ(w(1), -1.9);
}

TEST(Optimizer, MomentumAccumulatesVelocity) {
  mlp::Optimizer<double> opt(OptimizerSpec::with_momentum(0.1, 0.9));
  Vector<double> w(1), g(1);
  w << 0.0;
  g << 1.0;
  opt.reset(1);
  opt.step(w, g);  // v = -0.1, w = -0.1
  opt.step(w, g);  // v = 0.9 (-0.1) - 0.1 = -0.19, w = -0.29
  EXPECT_NEAR(w(0), -0.29, 1e-15);
}

TEST(Optimizer, AdamMatchesItsEquationsWrittenOut) {
  const double eta = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  mlp::Optimizer<double> adam(OptimizerSpec::adam(eta, b1, b2, eps));
  Vector<double> w(1), g(1);
  w << 0.5;
  adam.reset(1);
  double m = 0, v = 0, expected = 0.5;
  const double grads[] = {0.3, -0.1, 0.25};
  for (int t = 1; t <= 3; ++t) {
    g << grads[t - 1];
    adam.step(w, g);
    m = b1 * m + (1 - b1) * grads[t - 1];
    v = b2 * v + (1 - b2) * grads[t - 1] * grads[t - 1];
    expected -= eta * (m / (1 - std::pow(b1, t))) / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
    EXPECT_NEAR(w(0), expected, 1e-15) << "step " << t;
  }
  // The first step of Adam moves every parameter by about eta, whatever the gradient's size.
  mlp::Optimizer<double> fresh(OptimizerSpec::adam(eta));
  Vector<double> u(2), h(2);
  u << 0.0, 0.0;
  h << 1e-3, 1e3;
  fresh.reset(2);
  fresh.step(u, h);
  EXPECT_NEAR(u(0), -eta, 1e-7);
  EXPECT_NEAR(u(1), -eta, 1e-7);
}

TEST(Optimizer, InvalidSettingsAreRejected) {
  EXPECT_THROW(mlp::Optimizer<double>(OptimizerSpec::gradient_descent(0.0)), mlp::InvalidArgument);
  EXPECT_THROW(mlp::Optimizer<double>(OptimizerSpec::gradient_descent(-1.0)), mlp::InvalidArgument);
  EXPECT_THROW(mlp::Optimizer<double>(OptimizerSpec::with_momentum(0.1, 1.0)),
               mlp::InvalidArgument);
  EXPECT_THROW(mlp::Optimizer<double>(OptimizerSpec::gradient_descent(NAN)), mlp::InvalidArgument);
  EXPECT_THROW(mlp::optimizer_kind_from_string("rmsprop"), mlp::InvalidArgument);
}

}  // namespace
