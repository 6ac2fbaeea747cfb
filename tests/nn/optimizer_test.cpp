#include "mlp/nn/optimizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

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

// step_part over parts that cover every parameter (of uneven, unaligned sizes), each part by an
// optimizer of its own as each rank of data-parallel training steps its slice, gives step()'s
// bits, for every kind, over several steps; each part's state is the whole's there.
template <class Scalar>
void expect_parts_give_the_whole_steps_bits() {
  constexpr mlp::Index n = 1000;
  const std::vector<std::pair<mlp::Index, mlp::Index>> ranges{{0, 333}, {333, 334}, {334, n}};
  for (const OptimizerSpec& spec :
       {OptimizerSpec::gradient_descent(0.1), OptimizerSpec::with_momentum(0.1),
        OptimizerSpec::with_momentum(0.1, 0.9, true), OptimizerSpec::adam(0.01)}) {
    SCOPED_TRACE(mlp::to_string(spec.kind));
    mlp::Optimizer<Scalar> whole(spec);
    whole.reset(n);
    std::vector<mlp::Optimizer<Scalar>> parts(ranges.size(), mlp::Optimizer<Scalar>(spec));
    for (auto& part : parts) part.reset(n);
    Vector<Scalar> w = Vector<Scalar>::Random(n), w_parts = w;
    for (int step = 0; step < 3; ++step) {
      const Vector<Scalar> g = Vector<Scalar>::Random(n);
      whole.step(w, g);
      for (std::size_t p = 0; p < ranges.size(); ++p) {
        const auto [first, last] = ranges[p];
        parts[p].step_part(w_parts.segment(first, last - first), g.segment(first, last - first),
                           first);
      }
    }
    EXPECT_TRUE(w_parts == w);
    EXPECT_NE(w, Vector<Scalar>::Zero(n));
    for (std::size_t p = 0; p < ranges.size(); ++p) {
      const auto [first, last] = ranges[p];
      EXPECT_EQ(parts[p].steps(), whole.steps());
      if (spec.kind == OptimizerSpec::Kind::gradient_descent) continue;
      EXPECT_TRUE(parts[p].first_moment().segment(first, last - first) ==
                  whole.first_moment().segment(first, last - first));
      if (spec.kind == OptimizerSpec::Kind::adam) {
        EXPECT_TRUE(parts[p].second_moment().segment(first, last - first) ==
                    whole.second_moment().segment(first, last - first));
      }
    }
  }
}

TEST(Optimizer, StepsInPartsGiveTheWholeStepsBitsFloat) {
  expect_parts_give_the_whole_steps_bits<float>();
}
TEST(Optimizer, StepsInPartsGiveTheWholeStepsBitsDouble) {
  expect_parts_give_the_whole_steps_bits<double>();
}

// A part beyond the state (not reset() for all parameters) is refused.
TEST(Optimizer, StepPartBeyondTheStateIsRefused) {
  mlp::Optimizer<double> adam(OptimizerSpec::adam(0.01));
  adam.reset(10);
  Vector<double> w = Vector<double>::Zero(4), g = Vector<double>::Ones(4);
  EXPECT_THROW(adam.step_part(w, g, 8), mlp::InvalidArgument);
  EXPECT_NO_THROW(adam.step_part(w, g, 6));
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
