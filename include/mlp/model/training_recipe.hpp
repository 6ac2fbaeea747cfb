// Training a model on a dataset with good defaults: the whole recipe behind `mlp train`
// (validation split, standardisation fitted on the training part only, network construction,
// fit with early stopping, final metrics), for the CLI and any other front end.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/model/checkpoint.hpp"
#include "mlp/model/trained_model.hpp"

namespace mlp {

struct TrainSettings {
  std::vector<Index> hidden_layers{64};  // units per hidden layer
  Activation activation = Activation::relu;
  std::optional<Loss> loss;  // default: categorical cross-entropy / mse
  OptimizerSpec::Kind optimizer = OptimizerSpec::Kind::adam;
  // Full-batch gradient descent when set (the chapter's); else minibatches.
  bool full_batch = false;
  // default: 0.001 (adam; 0.003 on a small table), 0.01 (sgd, momentum), 0.1 (gd)
  std::optional<double> learning_rate;
  int epochs = 200;
  LearningRateSchedule schedule = LearningRateSchedule::cosine;
  Index batch_size = 32;
  // Held out from the data, stratified for classification. Default: 0.1, none on a small table.
  std::optional<double> validation_fraction;
  int early_stopping_patience = 20;  // 0: off
  std::uint64_t seed = 0;
  // Standardise the features with the training part's mean and standard deviation. Off for data
  // already on a common scale, such as images with pixels in [0, 1].
  bool standardize = true;

  // The engine's options (nn/fit.hpp, scikit-learn's names in comments).
  std::optional<double> l2;  // L2 penalty (alpha); default: 0, 1 on a small table
  bool nesterov = false;  // Nesterov's momentum (nesterovs_momentum), with the momentum optimizer
  double power_t = 0.5;   // the invscaling schedule's exponent
  double tol = 0.0;       // the convergence rule: stop (adaptive: eta / 5) after more than
  int n_iter_no_change = 0;  // this many epochs without improving by tol; 0: off
  // One weight per sample of the data given to train_model, in its order (sample_weight); empty:
  // all 1.
  std::vector<double> sample_weight;
  // Weigh each class by n / (k * its count) in the training rows (class_weight='balanced'),
  // times sample_weight when both are given.
  bool balanced_class_weight = false;
  // On a NaN or infinite loss: 0 stops with DivergenceError (train_model then returns the model of
  // the last good epoch, see TrainingResult::divergence); N > 0 rolls back to the last good epoch
  // and halves the learning rate, up to N times.
  int max_rollbacks = 0;

  // These settings with every default that depends on the table's size filled in for a table of
  // `rows` rows (see is_small_table); what the user set is kept.
  TrainSettings resolved_for(Index rows) const;
  double resolved_learning_rate() const;
  // The settings as the text of a JSON object (stored in the model file).
  std::string to_json() const;
  // Throws InvalidArgument naming the bad setting.
  void validate() const;
};

// A table of fewer than 500 rows: its 10% validation part would have fewer than 50 rows, where one
// row moves the measured accuracy by 2 points or more, so early stopping would follow noise and
// the held-out rows would be missed by training. On such a table every row trains (early stopping,
// when on, watches the training loss), an L2 penalty of 1 takes the place of early stopping
// against overfitting, and Adam's learning rate is 0.003: a few batches per epoch make few updates.
bool is_small_table(Index rows);

template <class Scalar>
struct TrainingResult {
  TrainedModel<Scalar> model;
  History history;
  Index train_samples = 0, validation_samples = 0;
  // Set when training diverged: the diagnosis (DivergenceError's message). The model then holds
  // the parameters of the last epoch that lowered the training loss.
  std::optional<std::string> divergence;
  // With Checkpointing::path: the epochs the last checkpoint written holds (none: no epoch
  // completed, no checkpoint written).
  std::optional<int> checkpoint_epochs;
};

// Trains on `data` (taken by value: move it in to avoid a copy; its rows are reordered in place
// for the validation split). With `warm_start`, training continues from that model's weights and
// keeps its scaler and classes (the data must have the same features, and classes for a
// classifier). `options` supplies callbacks (epoch and batch); its other fields are taken from
// `settings`. `checkpointing` writes checkpoints as it says (and always one of the last completed
// epoch at the end, also when training was interrupted or diverged), and with `resume` continues
// that checkpoint's run (check_resume: the same data and settings, no warm start), so that the
// result is the one the run would have given without stopping. `settings` are resolved for the
// data's row count (TrainSettings::resolved_for). `on_start`, when given, is told the new model's
// metadata (task, target scaling) before the first epoch, so that a front end can show the losses
// in the target's units.
// Sharded (docs/distributed.md): with `options.communicator` and `options.stripe_rows` (the table's
// rows per stripe, nn/stripes.hpp, as read_idx_shard gives them), `data` is this rank's stripes of
// the table and every rank calls train_model: the validation split is made within each stripe, the
// scaler and the metrics are computed over every stripe, and fit is given each stripe's training
// and validation rows (balanced class weights from the class counts of every stripe); the result is
// the same bits on any number of ranks, and checkpoints hold a fingerprint of the data made by
// stripes (a run resumes on another number of ranks). A regression's target scaling and metrics
// are made over every stripe too; sample weights are this rank's rows', in their order.
template <class Scalar>
TrainingResult<Scalar> train_model(Dataset<Scalar> data, const TrainSettings& settings,
                                   const TrainedModel<Scalar>* warm_start = nullptr,
                                   const FitOptions& callbacks = {},
                                   const Checkpointing<Scalar>& checkpointing = {},
                                   const std::function<void(const ModelMetadata&)>& on_start = {});

}  // namespace mlp
