#include "mlp/nn/loss.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"

namespace {

using mlp::Loss;
using mlp::Matrix;

TEST(Loss, ChapterSumOfSquaredErrorsAndItsReport) {
  Matrix<double> A(4, 1), Y(4, 1);
  A << 0.1, 0.8, 0.7, 0.4;
  Y << 0, 1, 1, 0;
  // E = 1/2 (0.01 + 0.04 + 0.09 + 0.16) = 0.15; the listing reports mean(...)/2 = 0.0375.
  EXPECT_NEAR(mlp::loss_value<double>(Loss::sse, A, Y), 0.15, 1e-15);
  EXPECT_NEAR(mlp::loss_report<double>(Loss::sse, A, Y), 0.0375, 1e-15);
  EXPECT_NEAR(mlp::loss_value<double>(Loss::mse, A, Y), 0.075, 1e-15);
  Matrix<double> dA(4, 1);
  mlp::loss_gradient<double>(Loss::sse, A, Y, dA);  // dE/da = a - y
  EXPECT_NEAR(dA(1, 0), -0.2, 1e-15);
  mlp::loss_gradient<double>(Loss::mse, A, Y, dA);  // 2 (a - y) / N
  EXPECT_NEAR(dA(1, 0), -0.1, 1e-15);
}

TEST(Loss, CrossEntropiesByHand) {
  Matrix<double> A(2, 1), Y(2, 1);
  A << 0.9, 0.2;
  Y << 1, 0;
  EXPECT_NEAR(mlp::loss_value<double>(Loss::binary_crossentropy, A, Y),
              -(std::log(0.9) + std::log(0.8)) / 2, 1e-15);
  Matrix<double> P(2, 3), T(2, 3);
  P << 0.7, 0.2, 0.1, 0.1, 0.1, 0.8;
  T << 1, 0, 0, 0, 1, 0;
  EXPECT_NEAR(mlp::loss_value<double>(Loss::categorical_crossentropy, P, T),
              -(std::log(0.7) + std::log(0.1)) / 2, 1e-15);
}

TEST(Loss, PoissonIsHalfTheDevianceOfCountsAsScikitLearnComputesIt) {
  // scikit-learn's poisson_loss: mean over samples of y log(y / a) - y + a, summed over the
  // outputs; the library's is the mean over both (E / K), with y log(y / a) = 0 at y = 0.
  Matrix<double> A(3, 2), Y(3, 2);
  A << 0.5, 2.0, 1.0, 0.1, 3.0, 1.5;
  Y << 0, 3, 1, 0, 5, 2;
  double expected = 0;
  for (mlp::Index i = 0; i < 3; ++i)
    for (mlp::Index j = 0; j < 2; ++j) {
      const double a = A(i, j), y = Y(i, j);
      expected += (y > 0 ? y * std::log(y / a) : 0.0) - y + a;
    }
  EXPECT_NEAR(mlp::loss_value<double>(Loss::poisson, A, Y), expected / 6, 1e-15);
  Matrix<double> dA(3, 2), dZ(3, 2);
  mlp::loss_gradient<double>(Loss::poisson, A, Y, dA);  // (1 - y / a) / (N K)
  EXPECT_NEAR(dA(0, 1), (1 - 3.0 / 2.0) / 6, 1e-15);
  EXPECT_NEAR(dA(0, 0), 1.0 / 6, 1e-15);
  ASSERT_TRUE(mlp::has_fused_output_gradient(Loss::poisson, mlp::Activation::exponential));
  mlp::fused_output_gradient<double>(Loss::poisson, A, Y, dZ);  // dE/da * a = (a - y) / (N K)
  EXPECT_NEAR(dZ(2, 0), (3.0 - 5.0) / 6, 1e-15);
  // Only a positive output fits it, and the message says which.
  EXPECT_FALSE(mlp::loss_fits_output(Loss::poisson, mlp::Activation::identity));
  try {
    mlp::check_loss_matches_output(Loss::poisson, mlp::Activation::identity);
    FAIL() << "poisson with an identity output was accepted";
  } catch (const mlp::InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "poisson needs an exponential output layer, not identity");
  }
}

TEST(Loss, CrossEntropyOfCertainWrongAnswerIsFinite) {
  Matrix<double> A(1, 1), Y(1, 1);
  A << 0.0;
  Y << 1.0;
  const double E = mlp::loss_value<double>(Loss::binary_crossentropy, A, Y);
  EXPECT_TRUE(std::isfinite(E));
  EXPECT_GT(E, 20.0);
}

TEST(Loss, FusedGradientIsAMinusYOverN) {
  Matrix<double> A(2, 2), Y(2, 2), dZ(2, 2);
  A << 0.6, 0.4, 0.3, 0.7;
  Y << 1, 0, 0, 1;
  ASSERT_TRUE(
      mlp::has_fused_output_gradient(Loss::categorical_crossentropy, mlp::Activation::softmax));
  mlp::fused_output_gradient<double>(Loss::categorical_crossentropy, A, Y, dZ);
  EXPECT_NEAR(dZ(0, 0), -0.2, 1e-15);
  EXPECT_NEAR(dZ(1, 0), 0.15, 1e-15);
  EXPECT_FALSE(mlp::has_fused_output_gradient(Loss::sse, mlp::Activation::sigmoid));
}

TEST(Loss, MismatchedOutputIsRejected) {
  EXPECT_THROW(
      mlp::check_loss_matches_output(Loss::categorical_crossentropy, mlp::Activation::sigmoid),
      mlp::InvalidArgument);
  EXPECT_THROW(mlp::check_loss_matches_output(Loss::binary_crossentropy, mlp::Activation::relu),
               mlp::InvalidArgument);
  EXPECT_NO_THROW(mlp::check_loss_matches_output(Loss::sse, mlp::Activation::identity));
  EXPECT_EQ(mlp::loss_from_string("bce"), Loss::binary_crossentropy);
  EXPECT_THROW(mlp::loss_from_string("hinge"), mlp::InvalidArgument);
}

}  // namespace
