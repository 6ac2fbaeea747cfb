// Sequential's public forward and backward check what they are given once, at the boundary, and
// then run the same unchecked passes as compute_gradients and fit.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"
#include "support/exception_message.hpp"

namespace {

using mlp::Matrix;
using mlp::test::message_of;

mlp::Sequential<double> xor_network() {
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer::uniform(0.0, 1.0), 0);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  return net;
}

TEST(SequentialAdd, LayersAddedTogetherEqualLayersAddedOneByOne) {
  mlp::Sequential<float> one_by_one(5);
  one_by_one.add(4, mlp::Activation::tanh).add(3, mlp::Activation::relu);
  one_by_one.add(2, mlp::Activation::softmax);
  mlp::Sequential<float> together(5);
  together.add(4, mlp::Activation::tanh);
  const std::vector<mlp::LayerSpec> rest = {{3, mlp::Activation::relu},
                                            {2, mlp::Activation::softmax}};
  together.add(rest);
  ASSERT_EQ(together.layers().size(), one_by_one.layers().size());
  for (std::size_t l = 0; l < together.layers().size(); ++l) {
    EXPECT_EQ(together.layers()[l].n_in, one_by_one.layers()[l].n_in);
    EXPECT_EQ(together.layers()[l].n_out, one_by_one.layers()[l].n_out);
    EXPECT_EQ(together.layers()[l].offset, one_by_one.layers()[l].offset);
    EXPECT_EQ(together.layers()[l].activation, one_by_one.layers()[l].activation);
  }
  EXPECT_EQ(together.parameter_count(), 5 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2);
  EXPECT_EQ(together.parameters(), one_by_one.parameters());
  EXPECT_EQ(together.gradients().size(), together.parameter_count());
}

TEST(SequentialAdd, ABadLayerLeavesTheNetworkAsItWas) {
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid);
  net.parameters().setConstant(0.5);
  const std::vector<mlp::LayerSpec> layers = {{2, mlp::Activation::tanh},
                                              {0, mlp::Activation::sigmoid}};
  EXPECT_EQ(message_of<mlp::InvalidArgument>([&] { net.add(layers); }),
            "layer 3: a layer needs at least one unit, got 0");
  EXPECT_EQ(net.layers().size(), 1u);
  EXPECT_EQ(net.parameters(), mlp::Vector<double>::Constant(9, 0.5));
}

TEST(SequentialChecks, ForwardAndBackwardEqualComputeGradients) {
  auto net = xor_network();
  Matrix<double> X(4, 2), Y(4, 1);
  X << 0, 0, 0, 1, 1, 0, 1, 1;
  Y << 0, 1, 1, 0;
  mlp::Workspace<double> ws;
  ws.plan(net.layers(), 4);
  net.forward(X, ws);
  net.backward(X, Y, ws);
  const mlp::Vector<double> checked = net.gradients();
  mlp::Workspace<double> other;
  net.compute_gradients(X, Y, other);
  EXPECT_EQ(checked, net.gradients());
  EXPECT_EQ(Matrix<double>(ws.A(1, 4)), Matrix<double>(other.A(1, 4)));
}

TEST(SequentialChecks, ForwardRefusesWrongColumns) {
  auto net = xor_network();
  mlp::Workspace<double> ws;
  ws.plan(net.layers(), 4);
  const Matrix<double> X = Matrix<double>::Zero(4, 3);
  const std::string message = message_of<mlp::InvalidArgument>([&] { net.forward(X, ws); });
  EXPECT_NE(message.find("forward input has 3 columns but the network takes 2"), std::string::npos)
      << message;
}

TEST(SequentialChecks, ForwardRefusesAnUnplannedOrTooSmallWorkspace) {
  auto net = xor_network();
  const Matrix<double> X = Matrix<double>::Zero(4, 2);
  mlp::Workspace<double> unplanned;
  std::string message = message_of<mlp::InvalidArgument>([&] { net.forward(X, unplanned); });
  EXPECT_NE(message.find("call ws.plan(net.layers(), 4) first"), std::string::npos) << message;

  mlp::Workspace<double> small;
  small.plan(net.layers(), 2);
  message = message_of<mlp::InvalidArgument>([&] { net.forward(X, small); });
  EXPECT_NE(message.find("not planned for this network and 4 samples"), std::string::npos)
      << message;

  mlp::Workspace<double> other_shape;  // planned for another network
  other_shape.plan(mlp::Sequential<double>(2).add(5, mlp::Activation::relu).layers(), 4);
  message = message_of<mlp::InvalidArgument>([&] { net.forward(X, other_shape); });
  EXPECT_NE(message.find("not planned for this network"), std::string::npos) << message;
}

TEST(SequentialChecks, BackwardRefusesTargetsThatDoNotFit) {
  auto net = xor_network();
  mlp::Workspace<double> ws;
  ws.plan(net.layers(), 4);
  const Matrix<double> X = Matrix<double>::Zero(4, 2);
  net.forward(X, ws);
  const Matrix<double> wide = Matrix<double>::Zero(4, 2), short_ = Matrix<double>::Zero(3, 1);
  std::string message = message_of<mlp::InvalidArgument>([&] { net.backward(X, wide, ws); });
  EXPECT_NE(message.find("targets have 2 columns but the network has 1 outputs"), std::string::npos)
      << message;
  message = message_of<mlp::InvalidArgument>([&] { net.backward(X, short_, ws); });
  EXPECT_NE(message.find("4 samples but 3 targets"), std::string::npos) << message;
}

}  // namespace
