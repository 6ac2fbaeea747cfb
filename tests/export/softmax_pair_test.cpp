// with_softmax_pair: a binary classifier's one sigmoid output as two softmax units gives
// [1 - sigma(z), sigma(z)] for every row, the other layers untouched; anything else is refused.
#include "mlp/export/softmax_pair.hpp"

#include <gtest/gtest.h>

#include <random>

#include "mlp/core/error.hpp"

namespace {

using mlp::Activation;

template <class Scalar>
void check_pair(Scalar tolerance) {
  mlp::Sequential<Scalar> net(3);
  net.add(5, Activation::tanh).add(4, Activation::relu).add(1, Activation::sigmoid);
  net.initialize(mlp::Initializer{mlp::Initializer::Kind::glorot_uniform}, 7);
  net.bias(2)(0) = Scalar(0.3);  // a bias that the pair must carry
  const mlp::Sequential<Scalar> pair = mlp::with_softmax_pair(net);
  ASSERT_EQ(pair.layers().size(), 3U);
  EXPECT_EQ(pair.n_outputs(), 2);
  EXPECT_EQ(pair.output_activation(), Activation::softmax);
  EXPECT_EQ(pair.layers()[0].activation, Activation::tanh);
  EXPECT_EQ(pair.layers()[1].activation, Activation::relu);
  std::mt19937 gen(1);
  std::normal_distribution<double> normal(0.0, 2.0);
  mlp::Matrix<Scalar> X(40, 3);
  for (mlp::Index i = 0; i < X.size(); ++i) X.data()[i] = static_cast<Scalar>(normal(gen));
  const mlp::Matrix<Scalar> p = net.predict_proba(X);
  const mlp::Matrix<Scalar> q = pair.predict_proba(X);
  ASSERT_EQ(q.cols(), 2);
  for (mlp::Index i = 0; i < X.rows(); ++i) {
    EXPECT_NEAR(q(i, 1), p(i, 0), tolerance) << "row " << i;
    EXPECT_NEAR(q(i, 0), 1 - p(i, 0), tolerance) << "row " << i;
  }
}

TEST(SoftmaxPair, GivesOneMinusSigmaAndSigma) {
  check_pair<double>(1e-12);
  check_pair<float>(1e-6F);
}

TEST(SoftmaxPair, RefusesALastLayerThatIsNotOneSigmoidUnit) {
  mlp::Sequential<float> softmax(2);
  softmax.add(3, Activation::relu).add(2, Activation::softmax);
  EXPECT_THROW(mlp::with_softmax_pair(softmax), mlp::InvalidArgument);
  mlp::Sequential<float> labels(2);
  labels.add(2, Activation::sigmoid);
  EXPECT_THROW(mlp::with_softmax_pair(labels), mlp::InvalidArgument);
  EXPECT_THROW(mlp::with_softmax_pair(mlp::Sequential<float>(2)), mlp::InvalidArgument);
}

}  // namespace
