// mlp::check_gradients itself: it must catch a wrong gradient, leave the network as it was,
// skip parameters at a ReLU kink, and check a subset when asked.
#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/nn/gradcheck.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Matrix;

struct Xor {
  Matrix<double> X{4, 2}, Y{4, 1};
  Xor() {
    X << 0, 0, 0, 1, 1, 0, 1, 1;
    Y << 0, 1, 1, 0;
  }
};

mlp::Sequential<double> chapter_network(std::uint64_t seed = 0) {
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer::uniform(0.0, 1.0), seed);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  return net;
}

TEST(GradientCheckLibrary, ChapterNetworkAgreesAndIsLeftUnchanged) {
  const Xor data;
  auto net = chapter_network();
  const mlp::Vector<double> before = net.parameters();
  const auto check = mlp::check_gradients(net, data.X, data.Y);
  EXPECT_EQ(net.parameters(), before);  // bit for bit
  mlp::Workspace<double> ws;
  auto reference = chapter_network();
  const double E = reference.compute_gradients(data.X, data.Y, ws);
  EXPECT_EQ(net.gradients(), reference.gradients());
  EXPECT_EQ(check.loss, E);
  ASSERT_EQ(check.layers.size(), 2u);
  EXPECT_EQ(check.checked, 13);  // 2x3 + 3 + 3x1 + 1
  EXPECT_EQ(check.skipped, 0);
  EXPECT_LT(check.max_relative_error, 1e-8);
  for (const auto& layer : check.layers) {
    EXPECT_LE(layer.max_weight_error, check.max_relative_error);
    EXPECT_LE(layer.max_bias_error, check.max_relative_error);
    ASSERT_GE(layer.worst, 0);
  }
  // Positions: parameter 4 is W(1)[1][1] (row-major 2 x 3), parameter 7 is b(1)[1].
  EXPECT_FALSE(check.parameters[4].is_bias);
  EXPECT_EQ(check.parameters[4].row, 1);
  EXPECT_EQ(check.parameters[4].col, 1);
  EXPECT_TRUE(check.parameters[7].is_bias);
  EXPECT_EQ(check.parameters[7].col, 1);
}

TEST(GradientCheckLibrary, AWrongGradientIsCaughtWhereItIs) {
  const Xor data;
  auto net = chapter_network();
  mlp::check_gradients(net, data.X, data.Y);
  mlp::Vector<double> wrong = net.gradients();
  // The chapter's listing computes delta1 with the already updated W2; a gradient off by a few
  // percent in one hidden weight, like that, must stand out.
  wrong(2) *= 1.03;
  const auto check = mlp::check_gradients(net, data.X, data.Y, wrong);
  EXPECT_GT(check.parameters[2].relative_error, 0.02);
  EXPECT_GT(check.layers[0].max_weight_error, 0.02);
  EXPECT_EQ(check.layers[0].worst, 2);
  EXPECT_LT(check.layers[1].max_weight_error, 1e-8);
  EXPECT_GT(check.max_relative_error, 0.02);
}

TEST(GradientCheckLibrary, ReluKinkIsSkippedNotFailed) {
  // All hidden pre-activations are exactly 0 on every sample: every nudge of the first layer
  // crosses the kink, so its parameters are skipped; the output layer is still checked.
  Matrix<double> X(3, 2), Y(3, 1);
  X << 1, 2, -1, 0.5, 0.25, -3;
  Y << 0.3, 0.9, 0.1;
  mlp::Sequential<double> net(2);
  net.add(2, mlp::Activation::relu).add(1, mlp::Activation::identity);
  net.parameters().setZero();
  net.weights(1) << 0.5, -0.25;
  net.compile(mlp::Loss::mse, mlp::OptimizerSpec::gradient_descent(0.1));
  const auto check = mlp::check_gradients(net, X, Y);
  EXPECT_EQ(check.layers[0].skipped, 6);
  EXPECT_EQ(check.layers[0].checked, 0);
  EXPECT_EQ(check.layers[1].checked, 3);
  EXPECT_LT(check.max_relative_error, 1e-8);
}

TEST(GradientCheckLibrary, MaxPerLayerChecksASpreadSubset) {
  mlp::Sequential<double> net(20);
  net.add(30, mlp::Activation::tanh).add(4, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::glorot_uniform(), 3);
  net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam());
  Matrix<double> X = Matrix<double>::Random(6, 20);
  Matrix<double> Y = Matrix<double>::Zero(6, 4);
  for (int i = 0; i < 6; ++i) Y(i, i % 4) = 1;
  mlp::GradientCheckOptions options;
  options.max_per_layer = 10;
  const auto check = mlp::check_gradients(net, X, Y, options);
  // Layer 0: 10 of 600 weights and 10 of 30 biases; layer 1: 10 of 120 weights, all 4 biases.
  EXPECT_EQ(check.parameters.size(), 34u);
  EXPECT_EQ(check.parameters.front().index, 0);
  EXPECT_EQ(check.parameters[1].index, 60);
  EXPECT_LT(check.max_relative_error, 1e-6);
}

TEST(GradientCheckLibrary, BadArgumentsThrow) {
  const Xor data;
  auto net = chapter_network();
  EXPECT_THROW(mlp::check_gradients(net, data.X.leftCols(1), data.Y), mlp::InvalidArgument);
  EXPECT_THROW(mlp::check_gradients(net, data.X, data.Y, mlp::Vector<double>::Zero(3)),
               mlp::InvalidArgument);
  mlp::GradientCheckOptions options;
  options.step = 0;
  EXPECT_THROW(mlp::check_gradients(net, data.X, data.Y, options), mlp::InvalidArgument);
  mlp::Sequential<double> empty(2);
  EXPECT_THROW(mlp::check_gradients(empty, data.X, data.Y), mlp::InvalidArgument);
}

}  // namespace
