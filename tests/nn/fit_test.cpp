// Training end to end through Sequential::fit.
#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Activation;
using mlp::Loss;
using mlp::Matrix;
using mlp::OptimizerSpec;

// The chapter's table, from learn/xor.
template <class Scalar>
void xor_data(Matrix<Scalar>& X, Matrix<Scalar>& y) {
  X = mlp::xor_inputs<Scalar>();
  y = mlp::xor_targets<Scalar>();
}

template <class Scalar>
mlp::Sequential<Scalar> chapter_xor(std::uint64_t seed) {
  mlp::Sequential<Scalar> net(2);
  net.add(3, Activation::sigmoid).add(1, Activation::sigmoid);
  net.initialize(mlp::Initializer::uniform(0.0, 1.0), seed);
  net.compile(Loss::sse, OptimizerSpec::gradient_descent(0.1));
  return net;
}

TEST(Fit, ChapterXorReachesFullAccuracyOnTheDefaultSeed) {
  Matrix<double> X, y;
  xor_data(X, y);
  auto net = chapter_xor<double>(0);
  mlp::FitOptions options;
  options.epochs = 5000;
  const auto history = net.fit(X, y, options);
  EXPECT_EQ(net.predict(X), y);
  ASSERT_EQ(history.loss.size(), 5000u);
  EXPECT_LT(history.loss.back(), history.loss.front() / 2);
  EXPECT_EQ(history.accuracy.back(), 1.0);
}

// EpochLog::l2_penalty is the part of the epoch's loss that is the L2 penalty: on one full-batch
// epoch, the penalty of the initial weights, and the loss without it is the loss of a run without
// the penalty (both measured before the update).
TEST(Fit, EpochLogSeparatesTheL2Penalty) {
  Matrix<double> X, y;
  xor_data(X, y);
  auto penalised = chapter_xor<double>(0);
  auto plain = chapter_xor<double>(0);
  const double expected = penalised.l2_penalty(0.5, 4);
  ASSERT_GT(expected, 0.0);
  mlp::EpochLog with, without;
  mlp::FitOptions options;
  options.l2 = 0.5;
  options.on_epoch_end = [&with](const mlp::EpochLog& log) { return with = log, true; };
  penalised.fit(X, y, options);
  options.l2 = 0.0;
  options.on_epoch_end = [&without](const mlp::EpochLog& log) { return without = log, true; };
  plain.fit(X, y, options);
  EXPECT_NEAR(with.l2_penalty, expected, 1e-12);
  EXPECT_NEAR(with.loss - with.l2_penalty, without.loss, 1e-12);
  EXPECT_EQ(without.l2_penalty, 0.0);
}

TEST(Fit, ChapterXorInFloatAgreesWithDouble) {
  Matrix<float> Xf, yf;
  xor_data(Xf, yf);
  Matrix<double> Xd, yd;
  xor_data(Xd, yd);
  auto f = chapter_xor<float>(0);
  auto d = chapter_xor<double>(0);
  mlp::FitOptions options;
  options.epochs = 5000;
  f.fit(Xf, yf, options);
  d.fit(Xd, yd, options);
  EXPECT_EQ(f.predict(Xf), yf);
  EXPECT_LT((f.parameters().cast<double>() - d.parameters()).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Fit, ZeroEpochsLeavesTheWeights) {
  Matrix<double> X, y;
  xor_data(X, y);
  auto net = chapter_xor<double>(5);
  const auto before = net.parameters();
  mlp::FitOptions options;
  options.epochs = 0;
  const auto history = net.fit(X, y, options);
  EXPECT_TRUE(history.loss.empty());
  EXPECT_EQ(net.parameters(), before);
}

TEST(Fit, KerasStyleXorWithAdamLearns) {
  Matrix<double> X, y;
  xor_data(X, y);
  mlp::Sequential<double> net(2);
  net.add(16, Activation::sigmoid).add(1, Activation::sigmoid);
  net.initialize(mlp::Initializer::glorot_uniform(), 0);
  net.compile(Loss::mse, OptimizerSpec::adam(0.001));
  mlp::FitOptions options;
  options.epochs = 3000;
  const auto history = net.fit(X, y, options);
  EXPECT_EQ(net.predict(X), y);
  EXPECT_LT(history.loss.back(), 0.01);
}

// Three Gaussian blobs in 2-D: softmax + cross-entropy with minibatches must separate them.
void blobs(Matrix<double>& X, Matrix<double>& Y, std::uint64_t seed, mlp::Index per_class) {
  mlp::Random rng(seed);
  const double centres[3][2] = {{-2, 0}, {2, 0}, {0, 2.5}};
  X.resize(3 * per_class, 2);
  Y = Matrix<double>::Zero(3 * per_class, 3);
  for (int c = 0; c < 3; ++c)
    for (mlp::Index i = 0; i < per_class; ++i) {
      const mlp::Index r = c * per_class + i;
      X(r, 0) = centres[c][0] + 0.5 * rng.normal();
      X(r, 1) = centres[c][1] + 0.5 * rng.normal();
      Y(r, c) = 1.0;
    }
}

TEST(Fit, SoftmaxMinibatchClassifierWithValidation) {
  Matrix<double> X, Y, Xv, Yv;
  blobs(X, Y, 1, 100);
  blobs(Xv, Yv, 2, 50);
  mlp::Sequential<double> net(2);
  net.add(16, Activation::relu).add(3, Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 1);
  net.compile(Loss::categorical_crossentropy, OptimizerSpec::with_momentum(0.05, 0.9));
  mlp::FitOptions options;
  options.epochs = 30;
  options.batch_size = 16;
  options.seed = 3;
  const auto history = net.fit(X, Y, Xv, Yv, options);
  ASSERT_EQ(history.val_loss.size(), 30u);
  ASSERT_EQ(history.val_accuracy.size(), 30u);
  EXPECT_GE(history.val_accuracy.back(), 0.97);
  EXPECT_LT(history.val_loss.back(), history.val_loss.front());
  const Matrix<double> classes = net.predict(Xv);
  ASSERT_EQ(classes.cols(), 1);
  EXPECT_EQ(classes(0, 0), 0.0);
  EXPECT_EQ(classes(149, 0), 2.0);
}

TEST(Fit, SameSeedReproducesBitForBitOtherSeedDiffers) {
  Matrix<double> X, Y;
  blobs(X, Y, 1, 40);
  auto train = [&](std::uint64_t shuffle_seed) {
    mlp::Sequential<double> net(2);
    net.add(8, Activation::tanh).add(3, Activation::softmax);
    net.initialize(mlp::Initializer::glorot_uniform(), 4);
    net.compile(Loss::categorical_crossentropy, OptimizerSpec::adam(0.01));
    mlp::FitOptions options;
    options.epochs = 5;
    options.batch_size = 7;
    options.seed = shuffle_seed;
    net.fit(X, Y, options);
    return net.parameters();
  };
  EXPECT_EQ(train(1), train(1));
  EXPECT_NE(train(1), train(2));
}

TEST(Fit, RegressionWithIdentityOutputFitsALinearFunction) {
  mlp::Random rng(5);
  Matrix<double> X(200, 3), y(200, 1);
  for (mlp::Index i = 0; i < 200; ++i) {
    for (mlp::Index j = 0; j < 3; ++j) X(i, j) = rng.uniform(-1, 1);
    y(i, 0) = 2 * X(i, 0) - X(i, 1) + 0.5 * X(i, 2) + 1;
  }
  mlp::Sequential<double> net(3);
  net.add(1, Activation::identity);
  net.initialize(mlp::Initializer::glorot_uniform(), 0);
  net.compile(Loss::mse, OptimizerSpec::gradient_descent(0.3));
  mlp::FitOptions options;
  options.epochs = 500;
  const auto history = net.fit(X, y, options);
  EXPECT_TRUE(history.accuracy.empty());
  EXPECT_LT(history.loss.back(), 1e-10);
  EXPECT_NEAR(net.weights(0)(0, 0), 2.0, 1e-5);
  EXPECT_NEAR(net.bias(0)(0), 1.0, 1e-5);
}

TEST(Fit, EarlyStoppingRestoresTheBestEpoch) {
  Matrix<double> X, Y, Xv, Yv;
  blobs(X, Y, 1, 10);
  blobs(Xv, Yv, 9, 30);
  mlp::Sequential<double> net(2);
  net.add(64, Activation::relu).add(3, Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 1);
  net.compile(Loss::categorical_crossentropy, OptimizerSpec::adam(0.05));
  mlp::FitOptions options;
  options.epochs = 400;
  options.early_stopping_patience = 10;
  const auto history = net.fit(X, Y, Xv, Yv, options);
  ASSERT_TRUE(history.stopped_early);
  ASSERT_LT(history.val_loss.size(), 400u);
  const auto best = static_cast<std::size_t>(history.best_epoch - 1);
  for (double v : history.val_loss) EXPECT_GE(v, history.val_loss[best]);
  // The network holds the best epoch's parameters: its validation loss is the best one.
  const Matrix<double> P = net.predict_proba(Xv);
  EXPECT_NEAR(mlp::loss_value<double>(Loss::categorical_crossentropy, P, Yv),
              history.val_loss[best], 1e-12);
}

TEST(Fit, CallbackCanStopTraining) {
  Matrix<double> X, y;
  xor_data(X, y);
  auto net = chapter_xor<double>(0);
  mlp::FitOptions options;
  options.epochs = 100;
  options.on_epoch_end = [](const mlp::EpochLog& log) { return log.epoch < 7; };
  const auto history = net.fit(X, y, options);
  EXPECT_EQ(history.loss.size(), 7u);
  EXPECT_TRUE(history.stopped_early);
}

TEST(Fit, WrongShapesAndSettingsAreRejectedWithAMessage) {
  auto net = chapter_xor<double>(0);
  Matrix<double> X3 = Matrix<double>::Zero(4, 3), y = Matrix<double>::Zero(4, 1);
  try {
    net.fit(X3, y, {});
    FAIL() << "no exception";
  } catch (const mlp::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("3 columns"), std::string::npos) << e.what();
  }
  Matrix<double> X(4, 2), y5 = Matrix<double>::Zero(5, 1);
  X.setZero();
  EXPECT_THROW(net.fit(X, y5, {}), mlp::InvalidArgument);
  mlp::FitOptions bad;
  bad.epochs = -3;
  EXPECT_THROW(net.fit(X, y, bad), mlp::InvalidArgument);
  EXPECT_THROW(net.predict(X3), mlp::InvalidArgument);
  EXPECT_THROW(net.compile(Loss::categorical_crossentropy, OptimizerSpec::adam()),
               mlp::InvalidArgument);
  EXPECT_THROW(mlp::Sequential<double>(2).add(0, Activation::relu), mlp::InvalidArgument);
}

}  // namespace

namespace {

TEST(Fit, LearningRateSchedulesScaleEachEpochsStep) {
  // One weight, no bias effect on the check: y = w x + b with x = 1, target 0, sse loss.
  // dE/dw = dE/db = a = w + b, so each gradient-descent step maps s = w + b to s (1 - 2 eta f).
  auto final_sum = [](mlp::LearningRateSchedule schedule, int epochs) {
    mlp::Sequential<double> net(1);
    net.add(1, Activation::identity);
    net.weights(0)(0, 0) = 1.0;
    net.bias(0)(0) = 0.0;
    net.compile(Loss::sse, OptimizerSpec::gradient_descent(0.1));
    Matrix<double> X(1, 1), y(1, 1);
    X << 1.0;
    y << 0.0;
    mlp::FitOptions options;
    options.epochs = epochs;
    options.schedule = schedule;
    net.fit(X, y, options);
    return net.weights(0)(0, 0) + net.bias(0)(0);
  };
  // cosine over 2 epochs: factors 1 and (1 + cos(pi / 2)) / 2 = 0.5.
  EXPECT_NEAR(final_sum(mlp::LearningRateSchedule::cosine, 2), (1 - 0.2) * (1 - 0.1), 1e-15);
  // linear over 4 epochs: factors 1, 0.75, 0.5, 0.25.
  EXPECT_NEAR(final_sum(mlp::LearningRateSchedule::linear, 4),
              (1 - 0.2) * (1 - 0.15) * (1 - 0.1) * (1 - 0.05), 1e-15);
  EXPECT_NEAR(final_sum(mlp::LearningRateSchedule::constant, 2), 0.8 * 0.8, 1e-15);
}

TEST(Fit, BatchCallbackStopsMidEpochWithoutRecordingIt) {
  Matrix<double> X, y;
  xor_data(X, y);
  auto net = chapter_xor<double>(0);
  mlp::FitOptions options;
  options.epochs = 10;
  options.batch_size = 1;
  int calls = 0;
  options.on_batch_end = [&](mlp::Index done, mlp::Index total) {
    EXPECT_EQ(total, 4);
    EXPECT_EQ(done, calls % 4 + 1);
    return ++calls < 6;  // stop in the middle of the second epoch
  };
  const auto history = net.fit(X, y, options);
  EXPECT_EQ(calls, 6);
  EXPECT_EQ(history.loss.size(), 1u);
  EXPECT_TRUE(history.stopped_early);
}

}  // namespace
