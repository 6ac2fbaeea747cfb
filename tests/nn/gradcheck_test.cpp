// Backpropagation against central finite differences, in double precision, for every
// activation x loss pair that makes sense and 1, 2 and 3 hidden layers.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "mlp/core/random.hpp"
#include "mlp/nn/gradcheck.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Activation;
using mlp::Loss;
using mlp::Matrix;

struct GradientCase {
  Activation hidden;
  Activation output;
  Loss loss;
  int depth;  // hidden layers
};

std::string name_of(const GradientCase& c) {
  return std::string(mlp::to_string(c.hidden)) + "_" + std::string(mlp::to_string(c.output)) + "_" +
         std::string(mlp::to_string(c.loss)) + "_" + std::to_string(c.depth);
}

// Targets that fit the output: one-hot for softmax, 0/1 for sigmoid under cross-entropy,
// values in (0, 1) otherwise.
Matrix<double> make_targets(const GradientCase& c, mlp::Index rows, mlp::Index outputs,
                            mlp::Random& rng) {
  Matrix<double> Y = Matrix<double>::Zero(rows, outputs);
  for (mlp::Index i = 0; i < rows; ++i) {
    if (c.output == Activation::softmax) {
      Y(i, static_cast<mlp::Index>(rng.below(static_cast<std::uint64_t>(outputs)))) = 1.0;
    } else {
      for (mlp::Index j = 0; j < outputs; ++j)
        Y(i, j) = c.loss == Loss::binary_crossentropy ? double(rng.below(2)) : rng.uniform();
    }
  }
  return Y;
}

class GradientCheck : public ::testing::TestWithParam<GradientCase> {};

// The case's network and a batch of data for it.
struct Problem {
  mlp::Sequential<double> net{4};
  Matrix<double> X, Y;

  explicit Problem(const GradientCase& c) {
    const mlp::Index inputs = 4, rows = 5, outputs = 3;
    const mlp::Index widths[] = {5, 4, 3};
    for (int d = 0; d < c.depth; ++d) net.add(widths[d], c.hidden);
    net.add(outputs, c.output);
    net.initialize(mlp::Initializer::normal(0.0, 0.7), 42 + static_cast<unsigned>(c.depth));
    net.compile(c.loss, mlp::OptimizerSpec::gradient_descent(0.1));
    mlp::Random rng(7);
    X.resize(rows, inputs);
    for (mlp::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform(-1.0, 1.0);
    Y = make_targets(c, rows, outputs, rng);
  }
};

// mlp::check_gradients (src/nn/gradcheck.cpp) compares backpropagation with fourth-order central
// differences, (8 (E(+h) - E(-h)) - (E(+2h) - E(-2h))) / 12h, whose truncation error (h^4) and
// rounding error (eps E / h) both stay far below 1e-6 relative. Parameters whose nudges move a
// ReLU pre-activation across its kink have no derivative to compare with: they are skipped
// (rare with these random inputs, and counted below).
void expect_gradients_agree(Problem& p, const mlp::GradientCheckOptions& options) {
  const mlp::GradientCheck check = mlp::check_gradients(p.net, p.X, p.Y, options);
  ASSERT_GT(p.net.gradients().cwiseAbs().maxCoeff(), 1e-6)
      << "gradient vanished: the check would be empty";
  for (const mlp::ParameterCheck& c : check.parameters) {
    if (c.skipped) continue;
    EXPECT_LE(c.relative_error, 1e-6) << "parameter " << c.index << ": backprop " << c.backprop
                                      << ", finite difference " << c.numeric;
  }
  EXPECT_EQ(static_cast<mlp::Index>(check.parameters.size()), p.net.parameter_count());
  EXPECT_GT(check.checked, p.net.parameter_count() * 9 / 10);
}

TEST_P(GradientCheck, BackpropEqualsCentralDifferences) {
  Problem p(GetParam());
  expect_gradients_agree(p, {});
}

// The same with sample weights (one of them 0) and the L2 penalty (loss.hpp's LossTerms).
TEST_P(GradientCheck, WeightedAndPenalisedBackpropEqualsCentralDifferences) {
  Problem p(GetParam());
  const std::vector<double> weights{0.5, 2.0, 0.0, 1.25, 3.0};
  mlp::GradientCheckOptions options;
  options.terms.sample_weight = weights;
  options.terms.l2 = 0.7;
  expect_gradients_agree(p, options);
  // The terms changed the gradient: the check compared something new.
  const mlp::Vector<double> weighted = p.net.gradients();
  mlp::Workspace<double> ws;
  p.net.compute_gradients(p.X, p.Y, ws);
  EXPECT_GT((weighted - p.net.gradients()).cwiseAbs().maxCoeff(), 1e-3);
}

std::vector<GradientCase> all_cases() {
  std::vector<GradientCase> cases;
  for (int depth : {1, 2, 3}) {
    for (Activation hidden : {Activation::sigmoid, Activation::tanh, Activation::relu}) {
      for (Activation output :
           {Activation::sigmoid, Activation::tanh, Activation::identity, Activation::softmax}) {
        for (Loss loss : {Loss::sse, Loss::mse}) cases.push_back({hidden, output, loss, depth});
      }
      cases.push_back({hidden, Activation::sigmoid, Loss::binary_crossentropy, depth});
      cases.push_back({hidden, Activation::softmax, Loss::binary_crossentropy, depth});
      cases.push_back({hidden, Activation::softmax, Loss::categorical_crossentropy, depth});
    }
    cases.push_back({Activation::identity, Activation::identity, Loss::mse, depth});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllPairs, GradientCheck, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return name_of(info.param); });

}  // namespace
