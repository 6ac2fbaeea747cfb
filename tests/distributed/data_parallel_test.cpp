// Data-parallel fit on the ranks mpiexec started (tests/CMakeLists.txt runs this binary on 1, 2, 3
// and 4 of them): every rank ends with the model a one-process fit with the same seed gives, bit
// for bit, whatever the number of ranks.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "mlp/core/error.hpp"
#include "mlp/distributed/world.hpp"
#include "mlp/nn/threads.hpp"
#include "support/data_parallel_cases.hpp"

namespace {

std::unique_ptr<mlp::Communicator> world;  // set by main

using mlp::test::data_parallel_cases;
using mlp::test::DataParallelCase;
using mlp::test::run_data_parallel_case;

// A digest of the parameters' bits, as a double that every rank can compare with the others'.
template <class Scalar>
double digest(const mlp::Vector<Scalar>& v) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the bytes
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(v.size()) * sizeof(Scalar); ++i)
    h = (h ^ bytes[i]) * 1099511628211ull;
  return static_cast<double>(h >> 11);  // 53 bits: exact in a double
}

template <class Scalar>
void expect_same_model_as_one_process() {
  ASSERT_NE(world, nullptr) << "run this test under mpiexec";
  for (const DataParallelCase& c : data_parallel_cases()) {
    SCOPED_TRACE(c.name + " on " + std::to_string(world->size()) + " ranks, rank " +
                 std::to_string(world->rank()));
    const auto ranks = run_data_parallel_case<Scalar>(c, world.get());
    mlp::SingleProcessCommunicator one;
    const auto alone = run_data_parallel_case<Scalar>(c, &one);
    EXPECT_TRUE(ranks.parameters == alone.parameters)
        << "largest difference " << (ranks.parameters - alone.parameters).cwiseAbs().maxCoeff();
    EXPECT_EQ(ranks.history.loss, alone.history.loss);
    EXPECT_EQ(ranks.history.accuracy, alone.history.accuracy);
    EXPECT_EQ(ranks.history.val_loss, alone.history.val_loss);
    EXPECT_EQ(ranks.history.best_epoch, alone.history.best_epoch);
    EXPECT_EQ(ranks.history.stopped_early, alone.history.stopped_early);
    // And every rank holds the same model (rank 0's digest, broadcast).
    std::vector<double> mine{digest(ranks.parameters)}, first = mine;
    world->broadcast(first, 0);
    EXPECT_EQ(mine[0], first[0]);
  }
}

TEST(DataParallelRanks, SameModelAsOneProcessFloat) {
  expect_same_model_as_one_process<float>();
}
TEST(DataParallelRanks, SameModelAsOneProcessDouble) {
  expect_same_model_as_one_process<double>();
}

// The early-stopping case stops before its last epoch, on every rank at the same one.
TEST(DataParallelRanks, EarlyStoppingStopsEveryRankTogether) {
  const DataParallelCase c = data_parallel_cases()[5];
  ASSERT_GT(c.patience, 0);
  const auto run = run_data_parallel_case<float>(c, world.get());
  EXPECT_TRUE(run.history.stopped_early);
  std::vector<double> epochs{static_cast<double>(run.history.loss.size())};
  world->allreduce_sum(epochs);
  EXPECT_EQ(epochs[0], static_cast<double>(run.history.loss.size() * world->size()));
  EXPECT_LT(run.history.loss.size(), static_cast<std::size_t>(c.epochs));
}

// The diverging case diverges (and rolls back) on every rank at the same steps: the ranks see the
// same loss and gradients.
TEST(DataParallelRanks, DivergenceRollsBackEveryRankTogether) {
  const DataParallelCase c = data_parallel_cases()[8];
  ASSERT_GT(c.max_rollbacks, 0);
  const auto run = run_data_parallel_case<double>(c, world.get());
  EXPECT_GT(run.history.rollbacks, 0);
  std::vector<double> mine{static_cast<double>(run.history.rollbacks)}, first = mine;
  world->broadcast(first, 0);
  EXPECT_EQ(mine[0], first[0]);
  // Without rollbacks, every rank throws the divergence.
  DataParallelCase stop = c;
  stop.max_rollbacks = 0;
  EXPECT_THROW(run_data_parallel_case<double>(stop, world.get()), mlp::DivergenceError);
}

// Local SGD with an average after every step, on gradient descent and momentum (whose updates
// are linear in the gradient) with equal shares of every batch (24 rows on 1 to 4 ranks): the
// synchronous training of the same batches, up to rounding. Adam's is not linear: not compared.
TEST(DataParallelRanks, LocalSgdSyncingEveryStepIsSynchronousTraining) {
  for (const auto& optimizer :
       {mlp::OptimizerSpec::gradient_descent(0.05), mlp::OptimizerSpec::with_momentum(0.05)}) {
    DataParallelCase c;
    c.name = "linear_updates";
    c.optimizer = optimizer;
    c.samples = 240;
    c.batch = 24;
    c.l2 = 0.1;
    c.block_rows = 6;
    SCOPED_TRACE(mlp::to_string(optimizer.kind) + " on " + std::to_string(world->size()) +
                 " ranks");
    const auto synchronous = run_data_parallel_case<double>(c, world.get());
    c.sync_every = 1;
    const auto local = run_data_parallel_case<double>(c, world.get());
    const double scale = synchronous.parameters.cwiseAbs().maxCoeff();
    EXPECT_LT((local.parameters - synchronous.parameters).cwiseAbs().maxCoeff(), 1e-10 * scale);
    ASSERT_EQ(local.history.loss.size(), synchronous.history.loss.size());
    for (std::size_t e = 0; e < local.history.loss.size(); ++e)
      EXPECT_NEAR(local.history.loss[e], synchronous.history.loss[e],
                  1e-10 * synchronous.history.loss[e]);
  }
}

// Local SGD averaging every 4 steps (Adam, its moments averaged too): it trains (the loss falls),
// and every rank ends with the same model and history.
TEST(DataParallelRanks, LocalSgdTrainsAndEveryRankEndsTheSame) {
  DataParallelCase c = data_parallel_cases()[0];
  c.batch = 16;
  c.epochs = 6;
  c.sync_every = 4;
  const auto run = run_data_parallel_case<float>(c, world.get());
  ASSERT_EQ(run.history.loss.size(), 6u);
  EXPECT_LT(run.history.loss.back(), 0.7 * run.history.loss.front());
  std::vector<double> mine{digest(run.parameters), run.history.loss.back(),
                           run.history.accuracy.back()};
  std::vector<double> first = mine;
  world->broadcast(first, 0);
  EXPECT_EQ(mine, first);
}

// A callback that stops one rank stops all of them, at the same batch.
TEST(DataParallelRanks, OneRanksStopRequestStopsAll) {
  mlp::Sequential<float> net(2);
  net.add(4, mlp::Activation::tanh).add(1, mlp::Activation::identity);
  net.initialize(mlp::Initializer::glorot_uniform(), 1);
  net.compile(mlp::Loss::mse, mlp::OptimizerSpec::adam(0.01));
  mlp::Matrix<float> X = mlp::Matrix<float>::Random(100, 2), Y = mlp::Matrix<float>::Random(100, 1);
  mlp::FitOptions options;
  options.epochs = 3;
  options.batch_size = 10;
  options.gradient_block_rows = 2;
  options.communicator = world.get();
  int batches = 0;
  const bool last = world->rank() == world->size() - 1;
  options.on_batch_end = [&](mlp::Index, mlp::Index) { return !(last && ++batches == 14); };
  const mlp::History history = net.fit(X, Y, options);
  EXPECT_TRUE(history.stopped_early);
  EXPECT_EQ(history.loss.size(), 1u);  // the second epoch, interrupted, is not recorded
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  mlp::set_threads(1);  // the ranks share the machine's cores
  world = mlp::distributed::world_communicator();
  if (world != nullptr && world->rank() == 0)
    std::printf("data-parallel fit on %d ranks\n", world->size());
  const int failed = RUN_ALL_TESTS();
  world.reset();  // finalises MPI
  return failed;
}
