// Data-parallel fit on the ranks mpiexec started (tests/CMakeLists.txt runs this binary on 1, 2, 3
// and 4 of them): every rank ends with the model a one-process fit with the same seed gives, bit
// for bit, whatever the number of ranks.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/distributed/world.hpp"
#include "mlp/model/training_recipe.hpp"
#include "mlp/nn/stripes.hpp"
#include "mlp/nn/threads.hpp"
#include "nn/block_sum.hpp"
#include "support/data_parallel_cases.hpp"

namespace {

std::unique_ptr<mlp::Communicator> world;  // set by main

using mlp::test::data_parallel_cases;
using mlp::test::DataParallelCase;
using mlp::test::expect_same_run;
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
    expect_same_run(ranks, alone);
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

// The cases on sharded data (FitOptions::stripe_rows): every case, each rank given only the rows
// of its stripes (training and validation), and the uneven stripes whose short first stripes run
// out before the others (empty blocks in an epoch's last batches).
std::vector<DataParallelCase> striped_cases() {
  std::vector<DataParallelCase> cases = data_parallel_cases();
  for (int i : {0, 4, 5, 7}) {
    DataParallelCase uneven = cases[static_cast<std::size_t>(i)];
    uneven.name += "_uneven_stripes";
    uneven.uneven_stripes = true;
    cases.push_back(uneven);
  }
  for (DataParallelCase& c : cases) c.striped = true;
  return cases;
}

// On sharded data, the model and history are the same bits on 1, 2, 3 or 4 ranks as in one process
// given every stripe: with shuffling, sample weights, short last batches, empty blocks, validation
// and early stopping, and a divergence rolled back.
template <class Scalar>
void expect_striped_same_model_as_one_process() {
  ASSERT_NE(world, nullptr) << "run this test under mpiexec";
  for (const DataParallelCase& c : striped_cases()) {
    SCOPED_TRACE(c.name + " striped on " + std::to_string(world->size()) + " ranks, rank " +
                 std::to_string(world->rank()));
    const auto ranks = run_data_parallel_case<Scalar>(c, world.get());
    mlp::SingleProcessCommunicator one;
    const auto alone = run_data_parallel_case<Scalar>(c, &one);
    expect_same_run(ranks, alone);
    std::vector<double> mine{digest(ranks.parameters)}, first = mine;
    world->broadcast(first, 0);
    EXPECT_EQ(mine[0], first[0]);
  }
}

TEST(DataParallelRanks, StripedSameModelAsOneProcessFloat) {
  expect_striped_same_model_as_one_process<float>();
}
TEST(DataParallelRanks, StripedSameModelAsOneProcessDouble) {
  expect_striped_same_model_as_one_process<double>();
}

// Another communicator's operations, for the wrappers below to change one of them.
class ForwardingCommunicator : public mlp::Communicator {
 public:
  explicit ForwardingCommunicator(mlp::Communicator& inner) : inner_(inner) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void allgather(std::span<const float> mine, std::span<float> all,
                 std::span<const mlp::Index> counts) override {
    inner_.allgather(mine, all, counts);
  }
  void allgather(std::span<const double> mine, std::span<double> all,
                 std::span<const mlp::Index> counts) override {
    inner_.allgather(mine, all, counts);
  }
  std::unique_ptr<mlp::Request> make_request() override { return inner_.make_request(); }
  void start_alltoall(std::span<const float> send, std::span<const mlp::Index> send_counts,
                      std::span<float> recv, std::span<const mlp::Index> recv_counts,
                      mlp::Request& request) override {
    inner_.start_alltoall(send, send_counts, recv, recv_counts, request);
  }
  void start_alltoall(std::span<const double> send, std::span<const mlp::Index> send_counts,
                      std::span<double> recv, std::span<const mlp::Index> recv_counts,
                      mlp::Request& request) override {
    inner_.start_alltoall(send, send_counts, recv, recv_counts, request);
  }
  void allreduce_sum(std::span<double> values) override { inner_.allreduce_sum(values); }
  void broadcast(std::span<double> values, int root) override { inner_.broadcast(values, root); }
  bool any(bool flag) override { return inner_.any(flag); }
  std::unique_ptr<mlp::SharedMemory> share_memory(std::size_t bytes) override {
    return inner_.share_memory(bytes);
  }

 protected:
  mlp::Communicator& inner_;
};

// The world's communicator without its shared memory: the exchange by messages (alltoall and
// allgather), which ranks on several machines use.
class MessagesOnly final : public ForwardingCommunicator {
 public:
  using ForwardingCommunicator::ForwardingCommunicator;
  std::unique_ptr<mlp::SharedMemory> share_memory(std::size_t) override { return nullptr; }
};

// The ranks of this test all run on this machine: share_memory gives every rank every rank's
// part, of the size that rank asked for, each rank's writes seen by all after synchronize(), and
// again after writing once more.
TEST(DataParallelRanks, SharedMemoryShowsEveryRanksPart) {
  const int N = world->size(), me = world->rank();
  const auto values = [](int rank) { return static_cast<std::size_t>(rank + 1) * 1000; };
  const auto memory = world->share_memory(values(me) * sizeof(double));
  ASSERT_NE(memory, nullptr);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<double> mine(values(me));
    for (std::size_t i = 0; i < mine.size(); ++i) mine[i] = 1e6 * round + 1e4 * me + i;
    std::memcpy(memory->part(me), mine.data(), mine.size() * sizeof(double));
    memory->synchronize();
    for (int r = 0; r < N; ++r) {
      std::vector<double> theirs(values(r));
      std::memcpy(theirs.data(), memory->part(r), theirs.size() * sizeof(double));
      EXPECT_EQ(theirs.front(), 1e6 * round + 1e4 * r) << "rank " << r;
      EXPECT_EQ(theirs.back(), 1e6 * round + 1e4 * r + theirs.size() - 1) << "rank " << r;
    }
    memory->synchronize();  // every rank done reading before the next round writes
  }
}

// Shared memory is refused on every rank, for messages, when the window would not fit where it is
// kept (here a directory with no room: /proc).
TEST(DataParallelRanks, SharedMemoryWithoutRoomIsRefused) {
  const char* before = std::getenv("OMPI_MCA_osc_sm_backing_directory");
  const std::string kept = before != nullptr ? before : "";
  setenv("OMPI_MCA_osc_sm_backing_directory", "/proc", 1);
  EXPECT_EQ(world->share_memory(1 << 20), nullptr);
  if (before != nullptr)
    setenv("OMPI_MCA_osc_sm_backing_directory", kept.c_str(), 1);
  else
    unsetenv("OMPI_MCA_osc_sm_backing_directory");
  EXPECT_NE(world->share_memory(1 << 20), nullptr);
}

// The world's communicator whose shared memory lets the last rank read late: its synchronize()
// returns 20 ms after the others', as when that rank's process is descheduled.
class LateLastRank final : public ForwardingCommunicator {
 public:
  using ForwardingCommunicator::ForwardingCommunicator;
  std::unique_ptr<mlp::SharedMemory> share_memory(std::size_t bytes) override {
    return std::make_unique<LateMemory>(inner_.share_memory(bytes), rank() == size() - 1);
  }

 private:
  class LateMemory final : public mlp::SharedMemory {
   public:
    LateMemory(std::unique_ptr<mlp::SharedMemory> inner, bool late)
        : inner_(std::move(inner)), late_(late) {}
    std::byte* part(int rank) override { return inner_->part(rank); }
    void synchronize() override {
      inner_->synchronize();
      if (late_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }

   private:
    std::unique_ptr<mlp::SharedMemory> inner_;
    bool late_;
  };
};

// Values shared twice in a row through the block sum's shared memory (the optimizer's moments at
// an epoch's end): the second waits until every rank has read the first, even the late one.
TEST(DataParallelRanks, SharedSlicesInARowWaitForEveryReader) {
  if (world->size() == 1) GTEST_SKIP() << "one rank shares nothing";
  LateLastRank late(*world);
  constexpr mlp::Index n = 1000;
  mlp::BlockSum<double> blocks(late, n, 8, 8, 1);  // 8 blocks of 1 row: up to 8 ranks
  ASSERT_TRUE(blocks.shares_memory());
  std::vector<double> first(n, -1.0), second(n, -1.0);
  for (mlp::Index i = 0; i < n; ++i) first[i] = static_cast<double>(i), second[i] = -1e6 - i;
  std::vector<double> first_seen(n, -1.0), second_seen(n, -1.0);
  const mlp::Index mine = n * world->rank() / world->size(),
                   end = n * (world->rank() + 1) / world->size();
  std::copy(first.begin() + mine, first.begin() + end, first_seen.begin() + mine);
  std::copy(second.begin() + mine, second.begin() + end, second_seen.begin() + mine);
  blocks.share_slice(first_seen.data(), n);
  blocks.share_slice(second_seen.data(), n);
  EXPECT_EQ(first_seen, first);
  EXPECT_EQ(second_seen, second);
}

// The exchange through shared memory (what these ranks use) and by messages give the same bits:
// every case, plain and striped, in float and double.
template <class Scalar>
void expect_shared_memory_gives_the_bits_of_messages() {
  MessagesOnly messages(*world);
  std::vector<DataParallelCase> cases = data_parallel_cases();
  for (const DataParallelCase& c : striped_cases()) cases.push_back(c);
  for (const DataParallelCase& c : cases) {
    SCOPED_TRACE(c.name + (c.striped ? " striped" : "") + " on " + std::to_string(world->size()) +
                 " ranks, rank " + std::to_string(world->rank()));
    const auto shared = run_data_parallel_case<Scalar>(c, world.get());
    const auto sent = run_data_parallel_case<Scalar>(c, &messages);
    expect_same_run(shared, sent);
  }
}

TEST(DataParallelRanks, SharedMemoryGivesTheBitsOfMessagesFloat) {
  expect_shared_memory_gives_the_bits_of_messages<float>();
}
TEST(DataParallelRanks, SharedMemoryGivesTheBitsOfMessagesDouble) {
  expect_shared_memory_gives_the_bits_of_messages<double>();
}

// The exchange by messages overlapped with the backward pass (a bucket per layer, each started as
// the rank's last block makes it final) gives the bits of one exchange after the backward pass
// and of one process: every case, plain and striped, on a shallow (1 hidden layer), the usual (2)
// and a deep network (4), in float and double.
template <class Scalar>
void expect_overlapped_exchange_gives_the_same_bits() {
  MessagesOnly messages(*world);
  std::vector<DataParallelCase> cases;
  for (int hidden : {1, 2, 4}) {
    std::vector<DataParallelCase> some = data_parallel_cases();
    for (const DataParallelCase& c : striped_cases()) some.push_back(c);
    for (DataParallelCase& c : some) {
      c.hidden_layers = hidden;
      cases.push_back(c);
    }
  }
  for (DataParallelCase c : cases) {
    SCOPED_TRACE(c.name + (c.striped ? " striped" : "") + " with " +
                 std::to_string(c.hidden_layers) + " hidden layers on " +
                 std::to_string(world->size()) + " ranks, rank " + std::to_string(world->rank()));
    c.bucket_bytes = 0;
    const auto overlapped = run_data_parallel_case<Scalar>(c, &messages);
    c.bucket_bytes = mlp::Index(1) << 40;
    const auto after_backward = run_data_parallel_case<Scalar>(c, &messages);
    mlp::SingleProcessCommunicator one;
    const auto alone = run_data_parallel_case<Scalar>(c, &one);
    expect_same_run(overlapped, after_backward);
    expect_same_run(overlapped, alone);
  }
}

TEST(DataParallelRanks, OverlappedExchangeGivesTheSameBitsFloat) {
  expect_overlapped_exchange_gives_the_same_bits<float>();
}
TEST(DataParallelRanks, OverlappedExchangeGivesTheSameBitsDouble) {
  expect_overlapped_exchange_gives_the_same_bits<double>();
}

// start_alltoall: what rank r sends rank s (1 to 3 values, 1000 r + s + i) arrives at s in rank
// order once the request says so; two operations in flight at once each complete with their own
// values, and the requests serve again.
TEST(DataParallelRanks, StartedAlltoallDeliversEveryRanksParts) {
  const int N = world->size(), me = world->rank();
  auto values_for = [](int from, int to) { return static_cast<mlp::Index>(1 + (to + from) % 3); };
  std::vector<mlp::Index> send_counts(N), recv_counts(N);
  std::vector<double> send, expected;
  for (int s = 0; s < N; ++s) {
    send_counts[s] = values_for(me, s);
    recv_counts[s] = values_for(s, me);
    for (mlp::Index i = 0; i < send_counts[s]; ++i) send.push_back(1000.0 * me + s + i);
    for (mlp::Index i = 0; i < recv_counts[s]; ++i) expected.push_back(1000.0 * s + me + i);
  }
  const auto first = world->make_request(), second = world->make_request();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<double> received(expected.size(), -1.0), doubled(expected.size(), -1.0);
    std::vector<double> send_doubled(send);
    for (double& v : send_doubled) v *= 2;
    world->start_alltoall(std::span<const double>(send), send_counts, std::span<double>(received),
                          recv_counts, *first);
    world->start_alltoall(std::span<const double>(send_doubled), send_counts,
                          std::span<double>(doubled), recv_counts, *second);
    while (!second->test()) {
    }
    first->wait();
    EXPECT_TRUE(first->test());  // complete: stays so
    EXPECT_EQ(received, expected);
    for (double& v : expected) v *= 2;
    EXPECT_EQ(doubled, expected);
    for (double& v : expected) v /= 2;
  }
}

// A rank given other rows than its stripes hold is refused on that rank, before any exchange.
TEST(DataParallelRanks, StripedRowsThatDoNotFitTheStripesAreRefused) {
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::tanh).add(1, mlp::Activation::identity);
  net.initialize(mlp::Initializer::glorot_uniform(), 1);
  net.compile(mlp::Loss::mse, mlp::OptimizerSpec::adam(0.01));
  mlp::FitOptions options;
  options.batch_size = 8;
  options.gradient_block_rows = 2;     // 4 stripes
  options.stripe_rows = {5, 5, 5, 5};  // 20 rows
  options.communicator = world.get();
  const mlp::StripeRange mine = mlp::stripes_of_rank(4, world->size(), world->rank());
  const mlp::Index held = 5 * (mine.last - mine.first) + 1;  // one row too many
  const mlp::Matrix<double> X = mlp::Matrix<double>::Zero(held, 2),
                            Y = mlp::Matrix<double>::Zero(held, 1);
  EXPECT_THROW(net.fit(X, Y, options), mlp::InvalidArgument);
}

// train_model on sharded data (FitOptions::stripe_rows: the table's rows per stripe): 4 stripes
// of a 300-row table with features on different scales; rank r given only its stripes' rows. The
// validation split within each stripe, the standardisation merged over the stripes, the metrics
// summed over the ranks: the same model, scaler and metrics on any number of ranks as in one
// process given every stripe.
mlp::TrainingResult<double> train_sharded_table(mlp::Communicator& comm, bool balanced) {
  constexpr mlp::Index kRows = 300, kStripes = 4;
  mlp::Random random(21);
  mlp::Dataset<double> table;
  table.task = mlp::Task::classification;
  table.class_names = {"a", "b", "c"};
  table.feature_names = {"x0", "x1", "x2"};
  table.features.resize(kRows, 3);
  for (mlp::Index i = 0; i < kRows; ++i) {
    const int label = static_cast<int>(random.below(3));
    table.labels.push_back(label);
    table.features(i, 0) = 100.0 * label + 30.0 * random.normal();
    table.features(i, 1) = 0.01 * random.normal() - 0.02 * label;
    table.features(i, 2) = 5.0;  // constant: scale 1
  }
  std::vector<mlp::Index> stripes;
  for (mlp::Index g = 0; g < kStripes; ++g)
    stripes.push_back(mlp::stripe_start(kRows, kStripes, g + 1) -
                      mlp::stripe_start(kRows, kStripes, g));
  const mlp::StripeRange mine = mlp::stripes_of_rank(kStripes, comm.size(), comm.rank());
  const mlp::Index first = mlp::stripe_start(kRows, kStripes, mine.first);
  const mlp::Index count = mlp::stripe_start(kRows, kStripes, mine.last) - first;
  mlp::Dataset<double> shard = table;
  shard.features = table.features.middleRows(first, count);
  shard.labels.assign(table.labels.begin() + first, table.labels.begin() + first + count);
  mlp::TrainSettings settings;
  settings.hidden_layers = {8};
  settings.epochs = 15;
  settings.batch_size = 64;  // 4 blocks of 16
  settings.validation_fraction = 0.2;
  settings.early_stopping_patience = 4;
  settings.learning_rate = 0.02;
  settings.seed = 8;
  settings.balanced_class_weight = balanced;
  mlp::FitOptions options;
  options.communicator = &comm;
  options.gradient_block_rows = 16;
  options.stripe_rows = stripes;
  return mlp::train_model<double>(std::move(shard), settings, nullptr, options);
}

void expect_sharded_table_same_on_any_ranks(bool balanced) {
  const auto ranks = train_sharded_table(*world, balanced);
  mlp::SingleProcessCommunicator one;
  const auto alone = train_sharded_table(one, balanced);
  EXPECT_TRUE(ranks.model.network.parameters() == alone.model.network.parameters());
  ASSERT_TRUE(ranks.model.metadata.feature_scaler.has_value());
  const auto& scaler = *ranks.model.metadata.feature_scaler;
  EXPECT_TRUE(scaler.mean == alone.model.metadata.feature_scaler->mean);
  EXPECT_TRUE(scaler.scale == alone.model.metadata.feature_scaler->scale);
  EXPECT_EQ(ranks.model.metadata.metrics_json, alone.model.metadata.metrics_json);
  EXPECT_EQ(ranks.history.loss, alone.history.loss);
  EXPECT_EQ(ranks.train_samples + ranks.validation_samples, 300);
  EXPECT_EQ(ranks.validation_samples, alone.validation_samples);
  // The merged statistics are the table's (up to rounding); the constant column keeps scale 1.
  EXPECT_NEAR(scaler.scale(2), 1.0, 0.0);
  EXPECT_NEAR(scaler.mean(2), 5.0, 0.0);
  EXPECT_GT(scaler.scale(0), 50.0);
  EXPECT_LT(scaler.scale(1), 0.1);
  // It learnt the classes (feature 0 separates them): the training accuracy.
  const std::string& metrics = ranks.model.metadata.metrics_json;
  const std::size_t at = metrics.find("\"accuracy\":");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GT(std::stod(metrics.substr(at + 11)), 0.85) << metrics;
}

// With balanced class weights (the class counts summed over the ranks), too.
TEST(DataParallelRanks, ShardedTrainModelIsTheSameOnAnyNumberOfRanks) {
  for (bool balanced : {false, true}) {
    SCOPED_TRACE(balanced ? "balanced class weights" : "no weights");
    expect_sharded_table_same_on_any_ranks(balanced);
  }
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
