// Every activation of the table (mlp::activations()) against finite differences: backpropagation
// through it as a hidden activation and, where the table allows, as the output activation with
// every loss that fits it. The cases are read from the table, so an activation added there
// without a correct f' fails here without any change to this file.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mlp/core/random.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/gradcheck.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Activation;
using mlp::Loss;
using mlp::Matrix;

struct ActivationCase {
  Activation hidden;  // both hidden layers
  Activation output;
  Loss loss;
  std::string name;
};

// Hidden: the activation in two hidden layers under a smooth output (identity, mse). Output: the
// activation after a sigmoid hidden layer, with every loss that fits it.
std::vector<ActivationCase> table_cases() {
  std::vector<ActivationCase> cases;
  for (const mlp::ActivationInfo& a : mlp::activations()) {
    const std::string name(a.name);
    if (a.hidden) cases.push_back({a.id, Activation::identity, Loss::mse, "hidden_" + name});
    if (!a.output) continue;
    for (const mlp::LossInfo& l : mlp::losses()) {
      if (mlp::loss_fits_output(l.id, a.id))
        cases.push_back(
            {Activation::sigmoid, a.id, l.id, "output_" + name + "_" + std::string(l.name)});
    }
  }
  return cases;
}

// Targets in the output's range (clipped to [-1, 1]), one-hot rows for categorical cross-entropy.
Matrix<double> targets(const ActivationCase& c, mlp::Index rows, mlp::Index outputs,
                       mlp::Random& rng) {
  Matrix<double> Y = Matrix<double>::Zero(rows, outputs);
  const mlp::ActivationInfo& out = mlp::activation_info(c.output);
  const double low = std::max(out.low, -1.0), high = std::min(out.high, 1.0);
  for (mlp::Index i = 0; i < rows; ++i) {
    if (c.loss == Loss::categorical_crossentropy) {
      Y(i, static_cast<mlp::Index>(rng.below(static_cast<std::uint64_t>(outputs)))) = 1.0;
      continue;
    }
    for (mlp::Index j = 0; j < outputs; ++j) Y(i, j) = rng.uniform(low, high);
  }
  return Y;
}

class ActivationTable : public ::testing::TestWithParam<ActivationCase> {};

TEST_P(ActivationTable, BackpropEqualsFiniteDifferences) {
  const ActivationCase c = GetParam();
  const mlp::Index inputs = 3, rows = 6, outputs = 3;
  mlp::Sequential<double> net(inputs);
  net.add(5, c.hidden).add(4, c.hidden).add(outputs, c.output);
  net.initialize(mlp::Initializer::normal(0.0, 0.7), 11);
  net.compile(c.loss, mlp::OptimizerSpec::gradient_descent(0.1));
  mlp::Random rng(3);
  Matrix<double> X(rows, inputs);
  for (mlp::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform(-1.0, 1.0);
  const Matrix<double> Y = targets(c, rows, outputs, rng);

  const mlp::GradientCheck check = mlp::check_gradients(net, X, Y);
  ASSERT_GT(net.gradients().cwiseAbs().maxCoeff(), 1e-6) << "gradient vanished";
  for (const mlp::ParameterCheck& p : check.parameters) {
    if (p.skipped) continue;  // a kink (ReLU) between the nudges
    EXPECT_LE(p.relative_error, 1e-6)
        << "parameter " << p.index << " (layer " << p.layer << "): backprop " << p.backprop
        << ", finite difference " << p.numeric;
  }
  EXPECT_GT(check.checked, net.parameter_count() * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(EveryActivation, ActivationTable, ::testing::ValuesIn(table_cases()),
                         [](const auto& info) { return info.param.name; });

// Every activation is usable somewhere, so that the cases above cover it; and the table's names
// round-trip.
TEST(ActivationTable, EveryEntryIsCheckedAndNamed) {
  std::size_t i = 0;
  for (const mlp::ActivationInfo& a : mlp::activations()) {
    EXPECT_EQ(static_cast<std::size_t>(a.id), i++) << a.name;
    EXPECT_TRUE(a.hidden || a.output) << a.name << " is neither hidden nor output";
    EXPECT_EQ(mlp::activation_from_string(a.name), a.id);
    EXPECT_LT(a.low, a.high) << a.name;
  }
}

}  // namespace
