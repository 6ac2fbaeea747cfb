// The training state that fit carries across calls: partial_fit and keep_training_state continue
// a run exactly, and divergence stops it at the step where it happens.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/class_weight.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Activation;
using mlp::Loss;
using mlp::Matrix;

struct Regression {
  Matrix<double> X{40, 3}, Y{40, 1};
  explicit Regression(double target_scale = 1.0) {
    mlp::Random rng(5);
    for (mlp::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform(-1.0, 1.0);
    for (mlp::Index i = 0; i < X.rows(); ++i)
      Y(i, 0) = target_scale * (std::sin(2 * X(i, 0)) + X(i, 1) * X(i, 2));
  }
};

mlp::Sequential<double> network(const mlp::OptimizerSpec& optimizer,
                                Activation hidden = Activation::tanh) {
  mlp::Sequential<double> net(3);
  net.add(8, hidden).add(1, Activation::identity);
  net.initialize(mlp::Initializer::normal(0.0, 0.5), 4);
  net.compile(Loss::mse, optimizer);
  return net;
}

mlp::FitOptions minibatches(int epochs) {
  mlp::FitOptions options;
  options.epochs = epochs;
  options.batch_size = 7;  // a last batch of 5
  options.seed = 12;
  options.l2 = 0.01;
  return options;
}

TEST(TrainingState, PartialFitCallsEqualOneFitBitForBit) {
  const Regression d;
  for (const auto& spec :
       {mlp::OptimizerSpec::adam(0.01), mlp::OptimizerSpec::with_momentum(0.05, 0.9, true)}) {
    auto once = network(spec), in_steps = network(spec);
    mlp::FitOptions options = minibatches(5);
    options.schedule = mlp::LearningRateSchedule::invscaling;
    const mlp::History whole = once.fit(d.X, d.Y, options);
    std::vector<double> losses;
    for (int call = 0; call < 5; ++call) {
      const mlp::History h = in_steps.partial_fit(d.X, d.Y, options);
      ASSERT_EQ(h.loss.size(), 1u);
      losses.push_back(h.loss[0]);
      EXPECT_EQ(h.best_epoch, call + 1);  // epochs count on across calls
    }
    EXPECT_EQ(once.parameters(), in_steps.parameters());
    EXPECT_EQ(whole.loss, losses);
    EXPECT_EQ(in_steps.training_state().samples_seen, 5 * 40);
    EXPECT_EQ(in_steps.training_state().optimizer.steps(),
              spec.kind == mlp::OptimizerSpec::Kind::adam ? 30 : 0);
  }
}

TEST(TrainingState, KeepTrainingStateContinuesAndFitStartsAfresh) {
  const Regression d;
  const auto spec = mlp::OptimizerSpec::adam(0.01);
  auto five = network(spec), three_then_two = network(spec);
  five.fit(d.X, d.Y, minibatches(5));
  three_then_two.fit(d.X, d.Y, minibatches(3));
  mlp::FitOptions more = minibatches(2);
  more.keep_training_state = true;
  three_then_two.fit(d.X, d.Y, more);
  EXPECT_EQ(five.parameters(), three_then_two.parameters());

  // Without keep_training_state the second fit restarts Adam's moments and the shuffling: the
  // weights differ.
  auto restarted = network(spec);
  restarted.fit(d.X, d.Y, minibatches(3));
  restarted.fit(d.X, d.Y, minibatches(2));
  EXPECT_GT((restarted.parameters() - five.parameters()).cwiseAbs().maxCoeff(), 1e-6);
  // compile() starts afresh too, even with keep_training_state.
  auto recompiled = network(spec);
  recompiled.fit(d.X, d.Y, minibatches(3));
  recompiled.compile(Loss::mse, spec);
  recompiled.fit(d.X, d.Y, more);
  EXPECT_EQ(recompiled.parameters(), restarted.parameters());
}

TEST(Divergence, IsCaughtAtItsStepAndLeavesTheLastEpochsWeights) {
  const Regression d;
  // A linear network: its loss grows without bound when the learning rate is too high.
  const auto spec = mlp::OptimizerSpec::gradient_descent(2.0);
  auto net = network(spec, Activation::identity);
  mlp::FitOptions options = minibatches(50);
  options.shuffle = false;
  int epoch = 0;
  long long batch = 0;
  std::string message;
  try {
    net.fit(d.X, d.Y, options);
    FAIL() << "no DivergenceError";
  } catch (const mlp::DivergenceError& e) {
    epoch = e.epoch();
    batch = e.batch();
    message = e.what();
    EXPECT_GE(e.layer(), 1);
    EXPECT_LE(e.layer(), 2);
    EXPECT_EQ(e.cause(), "learning rate too high for this loss scale");
    EXPECT_EQ(e.learning_rate(), 2.0);
  }
  ASSERT_GE(epoch, 1);
  EXPECT_GE(batch, 1);
  EXPECT_LE(batch, 6);
  EXPECT_NE(message.find("epoch " + std::to_string(epoch) + ", batch " + std::to_string(batch)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("try a learning rate of 0.2"), std::string::npos) << message;
  EXPECT_TRUE(net.parameters().allFinite());
  // The weights are those of the last epoch that lowered the loss: none did here (the first
  // epoch's loss already exploded), so the network is back at its start.
  EXPECT_NE(message.find("from the start of this fit"), std::string::npos) << message;
  const auto reference = network(spec, Activation::identity);
  EXPECT_EQ(net.parameters(), reference.parameters());
}

TEST(Divergence, NamesUnscaledTargets) {
  const Regression d(1e7);
  auto net = network(mlp::OptimizerSpec::gradient_descent(0.1), Activation::identity);
  try {
    net.fit(d.X, d.Y, minibatches(20));
    FAIL() << "no DivergenceError";
  } catch (const mlp::DivergenceError& e) {
    EXPECT_EQ(e.cause(), "unscaled targets");
    EXPECT_NE(std::string(e.what()).find("standardise them"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(net.parameters().allFinite());
}

TEST(Divergence, RollbackHalvesTheLearningRateAndGoesOn) {
  const Regression d;
  auto net = network(mlp::OptimizerSpec::gradient_descent(100.0), Activation::identity);
  mlp::FitOptions options = minibatches(30);
  options.max_rollbacks = 20;
  const mlp::History h = net.fit(d.X, d.Y, options);
  EXPECT_EQ(h.loss.size(), 30u);
  EXPECT_GE(h.rollbacks, 1);
  EXPECT_TRUE(net.parameters().allFinite());
  for (double loss : h.loss) EXPECT_TRUE(std::isfinite(loss));
  // Every rollback halved eta: the last epochs ran at 40 / 2^rollbacks.
  EXPECT_DOUBLE_EQ(h.learning_rate.back(), 100.0 / std::pow(2.0, h.rollbacks));
  EXPECT_LT(h.loss.back(), h.loss.front());

  // With too few rollbacks allowed, the error comes after them.
  auto stubborn = network(mlp::OptimizerSpec::gradient_descent(1e6), Activation::identity);
  options.max_rollbacks = 2;
  EXPECT_THROW(stubborn.fit(d.X, d.Y, options), mlp::DivergenceError);
}

TEST(ClassWeight, BalancedIsNOverKCount) {
  const std::vector<int> labels{0, 0, 0, 1, 2, 2, 0, 0};
  const auto w = mlp::balanced_class_weights(labels, 4);  // class 3 never occurs
  ASSERT_EQ(w.size(), 4u);
  EXPECT_DOUBLE_EQ(w[0], 8.0 / (3 * 5));
  EXPECT_DOUBLE_EQ(w[1], 8.0 / (3 * 1));
  EXPECT_DOUBLE_EQ(w[2], 8.0 / (3 * 2));
  EXPECT_EQ(w[3], 0.0);
  const auto sw = mlp::class_sample_weights(labels, w);
  double total[3] = {0, 0, 0};
  for (std::size_t i = 0; i < labels.size(); ++i) total[labels[i]] += sw[i];
  EXPECT_DOUBLE_EQ(total[0], total[1]);  // every class weighs the same in total
  EXPECT_DOUBLE_EQ(total[1], total[2]);
  EXPECT_THROW(mlp::balanced_class_weights(std::vector<int>{0, 5}, 3), mlp::InvalidArgument);
}

}  // namespace
