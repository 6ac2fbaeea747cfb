// Training runs that data-parallel fit (FitOptions::communicator) must reproduce: one small
// problem per kind of output, loss and option that changes how a batch's gradient is formed.
// Used by tests/nn/data_parallel_fit_test.cpp and striped_fit_test.cpp (one process) and
// tests/distributed/ (under mpiexec).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mlp/core/random.hpp"
#include "mlp/nn/communicator.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/stripes.hpp"

namespace mlp::test {

struct DataParallelCase {
  std::string name;
  bool classification = true;  // softmax + categorical cross-entropy, else identity output
  Loss regression_loss = Loss::mse;
  OptimizerSpec optimizer = OptimizerSpec::adam(0.01);
  Index samples = 203;  // odd: the last batch is shorter
  Index batch = 64;     // 0: full batch
  int epochs = 4;
  double l2 = 0.0;
  bool sample_weights = false;
  bool validation = false;
  int patience = 0;
  int max_rollbacks = 0;
  Index block_rows = 16;
  int sync_every = 0;  // FitOptions::sync_every: local SGD when >= 1
  // Sharded (FitOptions::stripe_rows), with a communicator: each rank is given only its stripes'
  // rows, training and validation each cut into G stripes of consecutive rows (nn/stripes.hpp).
  bool striped = false;
  bool uneven_stripes = false;  // stripe g holds about (g + 1) / (1 + ... + G) of the rows
  int hidden_layers = 2;        // 1 to 4: 12 tanh, 8 relu, 10 tanh, 6 relu units, in that order
  // FitOptions::exchange_bucket_bytes (by messages): 0, a bucket per layer; -1, the default.
  Index bucket_bytes = -1;
};

// The cases: every one has more blocks per batch than the 4 ranks the tests run, but for
// "few_blocks", whose 2 blocks leave ranks without one.
inline std::vector<DataParallelCase> data_parallel_cases() {
  std::vector<DataParallelCase> cases(9);
  cases[0].name = "adam_minibatches";
  cases[1].name = "momentum_full_batch";
  cases[1].optimizer = OptimizerSpec::with_momentum(0.05);
  cases[1].batch = 0;
  cases[1].block_rows = 40;
  cases[2].name = "sse_regression_sgd";
  cases[2].classification = false;
  cases[2].regression_loss = Loss::sse;
  cases[2].optimizer = OptimizerSpec::gradient_descent(0.001);
  cases[3].name = "mse_weights_and_l2";
  cases[3].classification = false;
  cases[3].sample_weights = true;
  cases[3].l2 = 0.3;
  cases[4].name = "classes_weights_and_l2";
  cases[4].sample_weights = true;
  cases[4].l2 = 0.1;
  cases[5].name = "early_stopping_on_validation";
  cases[5].validation = true;
  cases[5].patience = 2;
  cases[5].epochs = 30;
  cases[5].optimizer = OptimizerSpec::adam(0.2);  // too fast: validation loss stops improving
  cases[6].name = "few_blocks";
  cases[6].batch = 50;
  cases[6].block_rows = 25;
  cases[7].name = "uneven_blocks";
  cases[7].batch = 61;
  cases[7].block_rows = 7;
  cases[8].name = "divergence_rolled_back";  // sse's summed gradient with a far too high rate
  cases[8].classification = false;
  cases[8].regression_loss = Loss::sse;
  cases[8].optimizer = OptimizerSpec::gradient_descent(0.5);
  cases[8].max_rollbacks = 30;
  return cases;
}

template <class Scalar>
struct DataParallelRun {
  Vector<Scalar> parameters;
  History history;
};

// The same model and the same history, bit for bit.
template <class Scalar>
void expect_same_run(const DataParallelRun<Scalar>& got, const DataParallelRun<Scalar>& want) {
  EXPECT_TRUE(got.parameters == want.parameters)
      << "largest difference " << (got.parameters - want.parameters).cwiseAbs().maxCoeff();
  EXPECT_EQ(got.history.loss, want.history.loss);
  EXPECT_EQ(got.history.accuracy, want.history.accuracy);
  EXPECT_EQ(got.history.val_loss, want.history.val_loss);
  EXPECT_EQ(got.history.val_accuracy, want.history.val_accuracy);
  EXPECT_EQ(got.history.best_epoch, want.history.best_epoch);
  EXPECT_EQ(got.history.stopped_early, want.history.stopped_early);
  EXPECT_EQ(got.history.rollbacks, want.history.rollbacks);
}

// Trains the case's network (5 inputs, its hidden layers) on its data, with `comm` (null: plain
// fit). The data are the same on every call.
template <class Scalar>
DataParallelRun<Scalar> run_data_parallel_case(const DataParallelCase& c, Communicator* comm) {
  constexpr Index kFeatures = 5, kClasses = 3;
  Random random(7);
  const Index total = c.samples + (c.validation ? 60 : 0);
  Matrix<Scalar> X(total, kFeatures), Y(total, c.classification ? kClasses : 1);
  Y.setZero();
  for (Index i = 0; i < total; ++i) {
    double score = 0.0;
    for (Index j = 0; j < kFeatures; ++j) {
      X(i, j) = static_cast<Scalar>(random.normal());
      score += (j % 2 == 0 ? 1.0 : -0.5) * static_cast<double>(X(i, j));
    }
    if (c.classification)
      Y(i, score < -0.5 ? 0 : score < 0.5 ? 1 : 2) = Scalar(1);
    else
      Y(i, 0) = static_cast<Scalar>(score + 0.1 * random.normal());
  }
  Sequential<Scalar> net(kFeatures);
  constexpr Index kWidths[] = {12, 8, 10, 6};
  for (int l = 0; l < c.hidden_layers; ++l)
    net.add(kWidths[l], l % 2 == 0 ? Activation::tanh : Activation::relu);
  net.add(c.classification ? kClasses : 1,
          c.classification ? Activation::softmax : Activation::identity);
  net.initialize(Initializer::glorot_uniform(), 11);
  net.compile(c.classification ? Loss::categorical_crossentropy : c.regression_loss, c.optimizer);
  FitOptions options;
  options.epochs = c.epochs;
  options.batch_size = c.batch;
  options.seed = 5;
  options.l2 = c.l2;
  options.early_stopping_patience = c.patience;
  options.max_rollbacks = c.max_rollbacks;
  options.gradient_block_rows = c.block_rows;
  options.sync_every = c.sync_every;
  options.communicator = comm;
  if (c.bucket_bytes >= 0) options.exchange_bucket_bytes = c.bucket_bytes;
  if (c.sample_weights)
    for (Index i = 0; i < c.samples; ++i)
      options.sample_weight.push_back(static_cast<double>(i % 4) * 0.5);
  DataParallelRun<Scalar> run;
  Index first = 0, count = c.samples, val_first = c.samples, val_count = total - c.samples;
  // Sharded: this rank's rows only, its stripes' training and validation rows.
  if (c.striped && comm != nullptr) {
    const Index batch = c.batch == 0 || c.batch >= c.samples ? c.samples : c.batch;
    const Index G = stripe_count(batch, c.block_rows);
    const StripeRange mine = stripes_of_rank(G, comm->size(), comm->rank());
    // The first row of stripe g of n: equal stripes, or stripes growing with g (whose short
    // first stripes run out before the others: empty blocks in an epoch's last batches).
    auto cut = [&](Index n, Index g) {
      return c.uneven_stripes ? n * (g * (g + 1)) / (G * (G + 1)) : stripe_start(n, G, g);
    };
    for (Index g = 0; g < G; ++g) {
      options.stripe_rows.push_back(cut(c.samples, g + 1) - cut(c.samples, g));
      if (c.validation)
        options.validation_stripe_rows.push_back(cut(val_count, g + 1) - cut(val_count, g));
    }
    first = cut(c.samples, mine.first);
    count = cut(c.samples, mine.last) - first;
    val_first = c.samples + cut(val_count, mine.first);
    val_count = c.samples + cut(val_count, mine.last) - val_first;
    if (c.sample_weights)
      options.sample_weight = std::vector<double>(options.sample_weight.begin() + first,
                                                  options.sample_weight.begin() + first + count);
  }
  const Matrix<Scalar> train_X = X.middleRows(first, count), train_Y = Y.middleRows(first, count);
  if (c.validation)
    run.history = net.fit(train_X, train_Y, X.middleRows(val_first, val_count),
                          Y.middleRows(val_first, val_count), options);
  else
    run.history = net.fit(train_X, train_Y, options);
  run.parameters = net.parameters();
  return run;
}

}  // namespace mlp::test
