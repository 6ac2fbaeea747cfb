// fit with a communicator (FitOptions::communicator) in one process: the sum over a batch's
// blocks is the batch's gradient. The same runs on many processes are tests/distributed/.
#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "support/data_parallel_cases.hpp"

namespace {

using mlp::test::data_parallel_cases;
using mlp::test::DataParallelCase;
using mlp::test::expect_same_run;
using mlp::test::run_data_parallel_case;

// The largest difference between a and b, relative to b's largest magnitude.
template <class Scalar>
double relative_difference(const mlp::Vector<Scalar>& a, const mlp::Vector<Scalar>& b) {
  return static_cast<double>((a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff());
}

// With one block per batch, the block sum is the batch's gradient itself: the same bits as fit
// without a communicator, through every option (weights, L2, validation, early stopping).
template <class Scalar>
void expect_one_block_equals_plain_fit() {
  for (DataParallelCase c : data_parallel_cases()) {
    SCOPED_TRACE(c.name);
    c.block_rows = c.samples;
    mlp::SingleProcessCommunicator one;
    const auto blocked = run_data_parallel_case<Scalar>(c, &one);
    const auto plain = run_data_parallel_case<Scalar>(c, nullptr);
    expect_same_run(blocked, plain);
  }
}

TEST(DataParallelFit, OneBlockPerBatchGivesPlainFitsBitsFloat) {
  expect_one_block_equals_plain_fit<float>();
}
TEST(DataParallelFit, OneBlockPerBatchGivesPlainFitsBitsDouble) {
  expect_one_block_equals_plain_fit<double>();
}

// With many blocks, each block's gradient weighted by its share of the batch (or not, for sse's
// sums) and the sample weights normalised over the whole batch: the same training as plain fit
// up to rounding. A wrong weight would be off by far more than double's rounding.
TEST(DataParallelFit, BlocksAddUpToTheBatchGradient) {
  for (const DataParallelCase& c : data_parallel_cases()) {
    // Learning rates made to overshoot or diverge amplify rounding.
    if (c.patience > 0 || c.max_rollbacks > 0) continue;
    SCOPED_TRACE(c.name);
    mlp::SingleProcessCommunicator one;
    const auto blocked = run_data_parallel_case<double>(c, &one);
    const auto plain = run_data_parallel_case<double>(c, nullptr);
    EXPECT_LT(relative_difference(blocked.parameters, plain.parameters), 1e-10);
    ASSERT_EQ(blocked.history.loss.size(), plain.history.loss.size());
    for (std::size_t e = 0; e < plain.history.loss.size(); ++e)
      EXPECT_NEAR(blocked.history.loss[e], plain.history.loss[e], 1e-10 * plain.history.loss[e]);
  }
}

// Local SGD (FitOptions::sync_every) on one rank: every step is plain fit's on the whole batch
// and the averaging of one model changes nothing, so it gives plain fit's bits, through every
// option (weights, L2, validation, early stopping, rollbacks after a divergence).
template <class Scalar>
void expect_local_sgd_on_one_rank_equals_plain_fit() {
  for (DataParallelCase c : data_parallel_cases()) {
    for (int K : {1, 3}) {
      SCOPED_TRACE(c.name + ", sync every " + std::to_string(K));
      c.sync_every = K;
      mlp::SingleProcessCommunicator one;
      const auto local = run_data_parallel_case<Scalar>(c, &one);
      const auto plain = run_data_parallel_case<Scalar>(c, nullptr);
      expect_same_run(local, plain);
    }
  }
}

TEST(DataParallelFit, LocalSgdOnOneRankIsPlainFitFloat) {
  expect_local_sgd_on_one_rank_equals_plain_fit<float>();
}
TEST(DataParallelFit, LocalSgdOnOneRankIsPlainFitDouble) {
  expect_local_sgd_on_one_rank_equals_plain_fit<double>();
}

TEST(DataParallelFit, RejectsNegativeSyncEvery) {
  DataParallelCase c = data_parallel_cases()[0];
  c.sync_every = -1;
  mlp::SingleProcessCommunicator one;
  EXPECT_THROW(run_data_parallel_case<float>(c, &one), mlp::InvalidArgument);
}

TEST(DataParallelFit, RejectsBlocksWithoutRows) {
  DataParallelCase c = data_parallel_cases()[0];
  c.block_rows = 0;
  mlp::SingleProcessCommunicator one;
  EXPECT_THROW(run_data_parallel_case<float>(c, &one), mlp::InvalidArgument);
}

}  // namespace
