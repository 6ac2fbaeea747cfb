// Training settings and the record of a training run.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"

namespace mlp {

// What training reports at the end of each epoch. Absent values are NaN: accuracy for a
// regression output, val_* without validation data.
struct EpochLog {
  int epoch = 0;  // 1-based
  double loss = std::numeric_limits<double>::quiet_NaN();
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
};

// How the learning rate changes over the epochs. Epoch e of E (1-based) uses eta times:
//   constant  1
//   cosine    (1 + cos(pi (e - 1) / E)) / 2      from 1 down towards 0 at the last epoch
//   linear    1 - (e - 1) / E
enum class LearningRateSchedule { constant, cosine, linear };

// "constant", "cosine", "linear".
std::string_view to_string(LearningRateSchedule schedule);
// Inverse of to_string; throws InvalidArgument.
LearningRateSchedule schedule_from_string(std::string_view name);

struct FitOptions {
  int epochs = 1;          // passes over the data (the chapter's "iterations" when full batch)
  Index batch_size = 0;    // samples per update; 0 = the whole data set (full-batch descent)
  bool shuffle = true;     // reshuffle minibatches each epoch (no effect when full batch)
  std::uint64_t seed = 0;  // seeds the shuffling
  LearningRateSchedule schedule = LearningRateSchedule::constant;
  // Stop after this many epochs without improvement of the monitored loss (val_loss when there
  // is validation data, else loss) and restore the best epoch's parameters. 0 = off.
  int early_stopping_patience = 0;
  // Called after every epoch; return false to stop training (e.g. on Ctrl-C). May be empty.
  std::function<bool(const EpochLog&)> on_epoch_end;
  // Called after every update with the samples seen so far in this epoch and the epoch's size;
  // return false to stop at once (the unfinished epoch is not recorded). May be empty.
  std::function<bool(Index samples_done, Index samples_total)> on_batch_end;
};

// Loss and accuracy per epoch. `loss` is loss_report: for the chapter's sse, the listing's
// mean((A - y)^2) / 2 from each epoch's forward pass, before that epoch's update; for minibatches,
// the mean over the epoch's batches.
struct History {
  std::vector<double> loss, accuracy, val_loss, val_accuracy;
  int best_epoch = 0;          // 1-based epoch whose parameters the network holds at the end
  bool stopped_early = false;  // early stopping or on_epoch_end ended training
};

}  // namespace mlp
