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
  double l2_penalty = 0.0;  // the part of `loss` that is the L2 penalty (FitOptions::l2)
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double val_loss = std::numeric_limits<double>::quiet_NaN();
  double val_accuracy = std::numeric_limits<double>::quiet_NaN();
};

// How the learning rate changes over the epochs. Epoch e of E (1-based) uses eta times:
//   constant    1
//   cosine      (1 + cos(pi (e - 1) / E)) / 2      from 1 down towards 0 at the last epoch
//   linear      1 - (e - 1) / E
//   invscaling  1 / (t + 1)^power_t, t = samples trained on before this epoch (scikit-learn's)
//   adaptive    1, divided by 5 each time the convergence rule (FitOptions::tol) sees no
//               improvement, and training stops once eta would be at most 1e-6 (scikit-learn's)
// E is the epochs of the fit that started the training state (see FitOptions::keep_training_state).
enum class LearningRateSchedule { constant, cosine, linear, invscaling, adaptive };

// "constant", "cosine", "linear", "invscaling", "adaptive".
std::string_view to_string(LearningRateSchedule schedule);
// Inverse of to_string; throws InvalidArgument.
LearningRateSchedule schedule_from_string(std::string_view name);

struct History;
class Communicator;  // mlp/nn/communicator.hpp

struct FitOptions {
  int epochs = 1;          // passes over the data (the chapter's "iterations" when full batch)
  Index batch_size = 0;    // samples per update; 0 = the whole data set (full-batch descent)
  bool shuffle = true;     // reshuffle minibatches each epoch (no effect when full batch)
  std::uint64_t seed = 0;  // seeds the shuffling
  LearningRateSchedule schedule = LearningRateSchedule::constant;
  double power_t = 0.5;  // invscaling's exponent, >= 0
  // Stop after this many epochs without improvement of the monitored loss (val_loss when there
  // is validation data, else loss) and restore the best epoch's parameters. 0 = off.
  int early_stopping_patience = 0;
  // scikit-learn's convergence rule: an epoch whose monitored loss (as above) is not below the
  // best so far minus tol counts as no improvement, an improving one resets the count; when the
  // count exceeds n_iter_no_change, training stops (adaptive: eta /= 5 and the count restarts).
  // n_iter_no_change 0: off (adaptive needs >= 1). tol >= 0.
  double tol = 0.0;
  int n_iter_no_change = 0;
  // The L2 penalty and per-sample weights (loss.hpp's LossTerms): scikit-learn's alpha and
  // sample_weight. Each batch's loss becomes the weighted mean plus l2 / (2 S) ||W||^2, S the
  // batch's sum of weights. A batch whose weights are all 0 is skipped.
  double l2 = 0.0;
  std::vector<double> sample_weight;  // one per training sample, or empty (all 1)
  // Continue from the network's training state (the optimizer's moments and step count, the
  // samples and epochs seen, the schedule's position, the shuffling's random stream, the
  // convergence and early-stopping counts) instead of starting afresh: warm start, partial_fit,
  // resuming from a checkpoint. Ignored when the state does not fit the network (after compile).
  bool keep_training_state = false;
  // When a loss or gradient becomes NaN or infinite: restore the parameters and optimizer state of
  // the last good epoch (the last that lowered the training loss, or the start of this fit), halve
  // the learning rate and run the epoch again, up to this many times; after that (or with 0), fit
  // gives the network the last good epoch's parameters and throws DivergenceError.
  int max_rollbacks = 0;
  // Let fit train small networks on its tiny path (src/nn/tiny_fit.hpp: one sigmoid, ReLU or tanh
  // hidden layer and one sigmoid output on at most 16 samples, inputs and hidden units, full-batch
  // gradient descent or momentum), which gives the general path's results bit for bit, many times
  // faster.
  // false: always the general path (`mlp sweep --reference`, and the tests that compare them).
  bool tiny_path = true;
  // Data-parallel training (docs/distributed.md): the processes that train this network together,
  // each calling fit with the same network, data, options and seed, or null for this process
  // alone. Each global batch (the one-process batch) is cut into blocks of gradient_block_rows
  // rows; each rank computes the gradients of its share of the blocks, and the ranks add them in
  // a fixed order (src/nn/block_sum.hpp), so every rank applies the same update and the model is
  // the same bits for any number of ranks (with one communicator of any size; fit without one adds
  // the batch's rows in another order, and differs from it in rounding). The loss, accuracy,
  // early stopping, divergence and the callbacks' requests to stop are the same on every rank.
  // The tiny path is not taken.
  Communicator* communicator = nullptr;
  Index gradient_block_rows = 32;
  // Ranks exchanging by messages (on several machines): the gradient's exchange goes in buckets
  // of whole layers, the last layer's first, each started while the backward pass of the rank's
  // last block computes the layers before it (docs/distributed.md). A bucket takes layers until
  // each of its messages (1 / ranks of it to each rank) holds at least this many bytes (each
  // message costs a latency, and a bucket hides at most its transfer): 0 gives a bucket per
  // layer; more than the gradient, one exchange after the backward pass. The model is the same
  // bits whatever the buckets.
  Index exchange_bucket_bytes = Index(64) << 10;
  // Local SGD (with a communicator; docs/distributed.md): 0 = synchronous training as above; K >= 1
  // = each rank takes its own steps on its share of each global batch (rows [B r / N, B (r + 1) /
  // N) of batch B on rank r of N), and after every K of them, and at the end of every epoch, the
  // ranks' parameters and optimizer moments are replaced by their mean. Each rank's step is plain
  // fit's on its rows: the ranks exchange P (parameters) or 3 P (with Adam's moments) values
  // every K steps instead of a gradient every step. With one rank, it is plain fit. Requests to
  // stop and divergences are agreed on at the averaging steps.
  int sync_every = 0;
  // Sharded data (synchronous data-parallel training; docs/distributed.md, nn/stripes.hpp): when
  // not empty, the training data is cut into G stripes, stripe_rows[g] the training rows of stripe
  // g, the same G values on every rank, with stripe_count(B, gradient_block_rows) <= G <= B for the
  // global batch B (batch_size, or every row); X holds only the rows of this rank's stripes
  // (stripes_of_rank), one stripe after the other (sample_weight: one per row of X). Each epoch,
  // each stripe is shuffled on its own (by seed, epoch and stripe), and block g of every batch
  // takes the next stripe_block_rows(B, G, g) rows of stripe g (fewer, or none, once the stripe
  // runs out: an epoch has as many batches as the longest stripe needs). The order, the blocks
  // and their sum do not depend on the number of ranks: the model is the same bits on any number
  // (another order than without stripes, so another model, as another shuffle gives).
  std::vector<Index> stripe_rows;
  // With validation data and stripe_rows: its rows per stripe (G values), X_val holding this
  // rank's stripes' rows; its loss and accuracy are summed by stripe, in stripe order.
  std::vector<Index> validation_stripe_rows;
  // Called after every epoch; return false to stop training (e.g. on Ctrl-C). May be empty.
  std::function<bool(const EpochLog&)> on_epoch_end;
  // Called after every update with the samples seen so far in this epoch and the epoch's size;
  // return false to stop at once (the unfinished epoch is not recorded). May be empty.
  std::function<bool(Index samples_done, Index samples_total)> on_batch_end;
  // Called after every completed epoch, after on_epoch_end, once the network's parameters and
  // training state hold that epoch (what a checkpoint saves): `so_far` is this fit's history up
  // to it, and `finished` says whether early stopping or the convergence rule ends training after
  // it (an on_epoch_end that returned false does not count). May be empty.
  std::function<void(const History& so_far, bool finished)> on_epoch_state;
};

// Throws InvalidArgument unless the options' numbers are usable (with `samples` training samples
// for the sample weights): what fit checks before training.
void check_fit_options(const FitOptions& options, Index samples);

// Loss and accuracy per epoch. `loss` is loss_report: for the chapter's sse, the listing's
// mean((A - y)^2) / 2 from each epoch's forward pass, before that epoch's update; for minibatches,
// the mean over the epoch's batches.
// With FitOptions::l2, `loss` includes the penalty (as scikit-learn's loss_curve_); val_loss is the
// loss alone. Epochs count from the start of the training state: 1 is the first epoch of a fresh
// fit, and a fit that keeps the state numbers its epochs on from the last one.
struct History {
  std::vector<double> loss, accuracy, val_loss, val_accuracy;
  std::vector<double> learning_rate;  // eta of each epoch
  int best_epoch = 0;                 // epoch whose parameters the network holds at the end
  bool stopped_early =
      false;          // early stopping, the convergence rule or on_epoch_end ended training
  int rollbacks = 0;  // divergences undone (FitOptions::max_rollbacks)
};

}  // namespace mlp
