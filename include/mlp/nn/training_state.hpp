// What training carries from one epoch to the next besides the network's parameters: the state
// that partial_fit keeps between calls, that FitOptions::keep_training_state continues from, and
// that a checkpoint saves so that a resumed run ends with the same bytes as an uninterrupted one.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/optimizer.hpp"

namespace mlp {

template <class Scalar>
struct TrainingState {
  Optimizer<Scalar> optimizer;    // its moments and step count
  bool started = false;           // false: the next fit starts afresh whatever its options say
  int epochs_done = 0;            // completed epochs since the state started
  int schedule_epochs = 0;        // cosine and linear: the epochs of the fit that started the state
  std::int64_t samples_seen = 0;  // samples trained on (invscaling's t)
  double learning_rate_scale = 1.0;  // adaptive's divisions by 5 and rollbacks' halvings
  Random rng;                        // the shuffling's stream
  std::vector<Index> order;          // the last epoch's sample order: each shuffle permutes it

  // scikit-learn's convergence rule (FitOptions::tol): best monitored loss, epochs without
  // improvement.
  double best_loss = std::numeric_limits<double>::infinity();
  int no_improvement = 0;

  // Early stopping: the best monitored loss, its epoch and parameters, epochs since.
  double best_monitored = std::numeric_limits<double>::infinity();
  int best_epoch = 0;
  int epochs_since_best = 0;
  Vector<Scalar> best_parameters;
};

}  // namespace mlp
