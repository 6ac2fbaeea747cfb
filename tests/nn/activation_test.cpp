#include "mlp/nn/activation.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"

namespace {

using mlp::Activation;
using mlp::Matrix;

TEST(Activation, SigmoidIsStableAtLargeMagnitudes) {
  EXPECT_EQ(mlp::sigmoid(0.0), 0.5);
  EXPECT_EQ(mlp::sigmoid(1e4), 1.0);
  EXPECT_EQ(mlp::sigmoid(-1e4), 0.0);
  EXPECT_EQ(mlp::sigmoid(1e4f), 1.0f);
  EXPECT_EQ(mlp::sigmoid(-1e4f), 0.0f);
  EXPECT_FALSE(std::isnan(mlp::sigmoid(-800.0)));
  EXPECT_NEAR(mlp::sigmoid(-30.0), std::exp(-30.0) / (1 + std::exp(-30.0)), 1e-28);
  EXPECT_NEAR(mlp::sigmoid(2.0), 1.0 / (1.0 + std::exp(-2.0)), 4.5e-16);  // 4 ulp
  // Symmetry sigma(-z) = 1 - sigma(z).
  for (double z : {0.1, 1.0, 5.0, 20.0}) EXPECT_NEAR(mlp::sigmoid(-z), 1 - mlp::sigmoid(z), 1e-15);
}

TEST(Activation, ElementwiseValues) {
  Matrix<double> Z(1, 4);
  Z << -2.0, -0.0, 0.5, 3.0;
  Matrix<double> A(1, 4);
  mlp::activate<double>(Activation::tanh, Z, A);
  EXPECT_NEAR(A(0, 0), std::tanh(-2.0), 1e-15);
  EXPECT_NEAR(A(0, 3), std::tanh(3.0), 1e-15);
  mlp::activate<double>(Activation::relu, Z, A);
  EXPECT_EQ(A, (Matrix<double>(1, 4) << 0.0, 0.0, 0.5, 3.0).finished());
  mlp::activate<double>(Activation::identity, Z, A);
  EXPECT_EQ(A, Z);
}

TEST(Activation, SoftmaxRowsSumToOneWithoutOverflow) {
  Matrix<double> Z(2, 3);
  Z << 1000.0, 1001.0, 1002.0, -1e4, 0.0, 1e4;
  Matrix<double> A(2, 3);
  mlp::activate<double>(Activation::softmax, Z, A);
  EXPECT_TRUE(A.allFinite());
  EXPECT_NEAR(A.row(0).sum(), 1.0, 1e-15);
  const double e1 = std::exp(-1.0), e2 = std::exp(-2.0);
  EXPECT_NEAR(A(0, 2), 1.0 / (1.0 + e1 + e2), 1e-15);
  EXPECT_NEAR(A(1, 2), 1.0, 1e-15);
  EXPECT_EQ(A(1, 0), 0.0);
}

TEST(Activation, DerivativesFromActivations) {
  Matrix<double> Z(1, 3), A(1, 3), dA(1, 3), dZ(1, 3);
  A << 0.2, 0.5, 0.9;
  Z = A;  // unused by these derivatives, which are written in a
  dA << 1.0, 2.0, -1.0;
  mlp::activation_backward<double>(Activation::sigmoid, Z, A, dA, dZ);  // a (1 - a)
  EXPECT_NEAR(dZ(0, 0), 0.16, 1e-15);
  EXPECT_NEAR(dZ(0, 1), 0.5, 1e-15);
  EXPECT_NEAR(dZ(0, 2), -0.09, 1e-15);
  mlp::activation_backward<double>(Activation::tanh, Z, A, dA, dZ);  // 1 - a^2
  EXPECT_NEAR(dZ(0, 0), 0.96, 1e-15);
  A << 0.0, 0.5, 2.0;
  Z = A;
  mlp::activation_backward<double>(Activation::relu, Z, A, dA, dZ);  // 0 at the kink
  EXPECT_EQ(dZ, (Matrix<double>(1, 3) << 0.0, 2.0, -1.0).finished());
}

TEST(Activation, NamesRoundTripAndUnknownNameIsRejected) {
  for (auto a : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::identity,
                 Activation::softmax})
    EXPECT_EQ(mlp::activation_from_string(mlp::to_string(a)), a);
  EXPECT_THROW(mlp::activation_from_string("sigmoidal"), mlp::InvalidArgument);
}

}  // namespace
