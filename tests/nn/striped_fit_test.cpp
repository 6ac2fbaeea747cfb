// fit on sharded data (FitOptions::stripe_rows) in one process: the stripes' arithmetic, what the
// stripes must describe, and training. The same runs on many processes, each given only its
// stripes' rows, are tests/distributed/.
#include <gtest/gtest.h>

#include <numeric>

#include "mlp/core/error.hpp"
#include "mlp/nn/stripes.hpp"
#include "support/data_parallel_cases.hpp"

namespace {

using mlp::Index;
using mlp::test::data_parallel_cases;
using mlp::test::DataParallelCase;
using mlp::test::expect_same_run;
using mlp::test::run_data_parallel_case;

// G = ceil(B / block rows); each rank's stripes are its blocks; the blocks of a batch add up to it.
TEST(Stripes, CountRanksAndBlocks) {
  EXPECT_EQ(mlp::stripe_count(64, 16), 4);
  EXPECT_EQ(mlp::stripe_count(61, 7), 9);
  EXPECT_EQ(mlp::stripe_count(1, 32), 1);
  for (int ranks = 1; ranks <= 12; ++ranks) {
    Index next = 0;
    for (int r = 0; r < ranks; ++r) {
      const mlp::StripeRange mine = mlp::stripes_of_rank(9, ranks, r);
      EXPECT_EQ(mine.first, next);
      EXPECT_GE(mine.last, mine.first);
      next = mine.last;
    }
    EXPECT_EQ(next, 9);
  }
  Index rows = 0;
  for (Index g = 0; g < 9; ++g) {
    const Index m = mlp::stripe_block_rows(61, 9, g);
    EXPECT_TRUE(m == 6 || m == 7) << m;
    rows += m;
  }
  EXPECT_EQ(rows, 61);
  EXPECT_EQ(mlp::stripe_start(203, 4, 0), 0);
  EXPECT_EQ(mlp::stripe_start(203, 4, 2), 101);
  EXPECT_EQ(mlp::stripe_start(203, 4, 4), 203);
}

// On the full batch with one stripe (one block), the stripe is the data in its order: the same bits
// as fit without a communicator, with sample weights, L2, validation and early stopping.
template <class Scalar>
void expect_one_stripe_on_the_full_batch_equals_plain_fit() {
  for (int i : {1, 3, 5}) {
    DataParallelCase c = data_parallel_cases()[static_cast<std::size_t>(i)];
    SCOPED_TRACE(c.name);
    c.batch = 0;
    c.block_rows = c.samples;
    c.striped = true;
    mlp::SingleProcessCommunicator one;
    const auto striped = run_data_parallel_case<Scalar>(c, &one);
    const auto plain = run_data_parallel_case<Scalar>(c, nullptr);
    expect_same_run(striped, plain);
  }
}

TEST(StripedFit, OneStripeOnTheFullBatchIsPlainFitFloat) {
  expect_one_stripe_on_the_full_batch_equals_plain_fit<float>();
}
TEST(StripedFit, OneStripeOnTheFullBatchIsPlainFitDouble) {
  expect_one_stripe_on_the_full_batch_equals_plain_fit<double>();
}

// Minibatches drawn from the stripes train as well as the global shuffle: every epoch covers every
// row once, so the loss falls as plain fit's does (to within 25 % after 20 epochs; uneven stripes
// leave the last batches of an epoch to a few stripes).
TEST(StripedFit, MinibatchesFromStripesTrainLikePlainFit) {
  for (bool uneven : {false, true}) {
    DataParallelCase c = data_parallel_cases()[0];
    c.epochs = 20;
    c.striped = true;
    c.uneven_stripes = uneven;
    SCOPED_TRACE(uneven ? "uneven stripes" : "equal stripes");
    mlp::SingleProcessCommunicator one;
    const auto striped = run_data_parallel_case<double>(c, &one);
    const auto plain = run_data_parallel_case<double>(c, nullptr);
    ASSERT_EQ(striped.history.loss.size(), 20u);
    EXPECT_FALSE(striped.parameters == plain.parameters);  // another order
    EXPECT_LT(striped.history.loss.back(), 0.5 * striped.history.loss.front());
    EXPECT_NEAR(striped.history.loss.back(), plain.history.loss.back(),
                0.25 * plain.history.loss.back());
  }
}

// The stripes must describe the data: as many stripes as blocks of a full batch, adding up to the
// rows given, with a communicator and synchronous training; validation stripes with validation
// data only.
TEST(StripedFit, StripesThatDoNotDescribeTheDataAreRefused) {
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::tanh).add(1, mlp::Activation::identity);
  net.initialize(mlp::Initializer::glorot_uniform(), 1);
  net.compile(mlp::Loss::mse, mlp::OptimizerSpec::adam(0.01));
  const mlp::Matrix<double> X = mlp::Matrix<double>::Random(20, 2),
                            Y = mlp::Matrix<double>::Random(20, 1);
  mlp::SingleProcessCommunicator one;
  mlp::FitOptions good;
  good.batch_size = 8;
  good.gradient_block_rows = 2;  // 4 stripes
  good.stripe_rows = {5, 5, 5, 5};
  good.communicator = &one;
  EXPECT_NO_THROW(net.fit(X, Y, good));
  mlp::FitOptions more = good;  // more stripes than blocks: smaller blocks
  more.stripe_rows = {4, 4, 4, 4, 4};
  EXPECT_NO_THROW(net.fit(X, Y, more));
  auto refused = [&](auto change, const std::string& words) {
    mlp::FitOptions options = good;
    change(options);
    try {
      net.fit(X, Y, options);
      ADD_FAILURE() << "accepted: " << words;
    } catch (const mlp::InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  refused(
      [](mlp::FitOptions& o) {
        o.stripe_rows = {10, 10};
      },
      "has 2 stripes; a global batch of 8 rows in blocks of at most 2 rows needs 4 to 8");
  refused(
      [](mlp::FitOptions& o) {
        o.stripe_rows = {5, 5, 5, 6};
      },
      "hold 21 rows, but it was given 20");
  refused([](mlp::FitOptions& o) { o.stripe_rows = {5, 5, 11, -1}; }, "a stripe of -1 rows");
  refused([](mlp::FitOptions& o) { o.communicator = nullptr; }, "need a communicator");
  refused([](mlp::FitOptions& o) { o.sync_every = 2; }, "synchronous training");
  refused(
      [](mlp::FitOptions& o) {
        o.validation_stripe_rows = {1, 1, 1, 1};
      },
      "validation_stripe_rows without validation data");
}

}  // namespace
