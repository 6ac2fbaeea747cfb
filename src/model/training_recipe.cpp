#include "mlp/model/training_recipe.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <span>

#include "mlp/core/error.hpp"
#include "mlp/data/metrics.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/nn/class_weight.hpp"
#include "model/sharded_data.hpp"

namespace mlp {

bool is_small_table(Index rows) {
  return rows < 500;
}

// The small-table rule (is_small_table): no validation part, L2 1, Adam at 0.003.
TrainSettings TrainSettings::resolved_for(Index rows) const {
  const bool small = is_small_table(rows);
  TrainSettings s = *this;
  if (!s.validation_fraction) s.validation_fraction = small ? 0.0 : 0.1;
  if (!s.l2) s.l2 = small ? 1.0 : 0.0;
  if (!s.learning_rate && small && optimizer == OptimizerSpec::Kind::adam) s.learning_rate = 0.003;
  return s;
}

double TrainSettings::resolved_learning_rate() const {
  if (learning_rate) return *learning_rate;
  return default_learning_rate(optimizer, full_batch);
}

std::string TrainSettings::to_json() const {
  nlohmann::json j;
  j["hidden_layers"] = hidden_layers;
  j["activation"] = std::string(to_string(activation));
  if (loss) j["loss"] = std::string(to_string(*loss));
  // Gradient descent is "gd" on the full batch (the chapter's) and "sgd" on minibatches.
  j["optimizer"] = optimizer_name(optimizer, full_batch);
  j["learning_rate"] = resolved_learning_rate();
  j["epochs"] = epochs;
  j["lr_schedule"] = std::string(mlp::to_string(schedule));
  j["batch_size"] = full_batch ? Index(0) : batch_size;
  if (validation_fraction) j["validation_fraction"] = *validation_fraction;
  j["early_stopping_patience"] = early_stopping_patience;
  j["seed"] = seed;
  j["standardize"] = standardize;
  if (l2.value_or(0.0) != 0.0) j["l2"] = *l2;
  if (nesterov) j["nesterov"] = true;
  if (schedule == LearningRateSchedule::invscaling) j["power_t"] = power_t;
  if (n_iter_no_change > 0) {
    j["tol"] = tol;
    j["n_iter_no_change"] = n_iter_no_change;
  }
  if (!sample_weight.empty()) j["sample_weight"] = true;
  if (balanced_class_weight) j["class_weight"] = "balanced";
  if (max_rollbacks > 0) j["max_rollbacks"] = max_rollbacks;
  return j.dump();
}

void TrainSettings::validate() const {
  for (Index units : hidden_layers)
    if (units <= 0) throw InvalidArgument("every hidden layer needs at least one unit");
  if (epochs < 0) throw InvalidArgument("epochs must be >= 0");
  if (!full_batch && batch_size <= 0) throw InvalidArgument("batch size must be >= 1");
  if (validation_fraction && !(*validation_fraction >= 0.0 && *validation_fraction < 1.0))
    throw InvalidArgument("the validation fraction must be in [0, 1)");
  if (early_stopping_patience < 0) throw InvalidArgument("early stopping patience must be >= 0");
  OptimizerSpec spec;
  spec.kind = optimizer;
  spec.learning_rate = resolved_learning_rate();
  mlp::validate(spec);
  if (nesterov && optimizer != OptimizerSpec::Kind::momentum)
    throw InvalidArgument("Nesterov's momentum needs the momentum optimizer");
  FitOptions options;
  options.schedule = schedule;
  options.power_t = power_t;
  options.tol = tol;
  options.n_iter_no_change = n_iter_no_change;
  options.l2 = l2.value_or(0.0);
  options.max_rollbacks = max_rollbacks;
  check_fit_options(options, 0);
  if (!activation_info(activation).hidden)
    throw InvalidArgument(std::string(to_string(activation)) +
                          " is an output activation, not a hidden one");
}

namespace {

// The rows of X (and the labels or targets) reordered in place so that `first` rows come first.
template <class Scalar>
void move_rows_first(Dataset<Scalar>& data, const Split& split) {
  Eigen::VectorXi order(data.size());
  Index position = 0;
  for (Index row : split.train) order(position++) = static_cast<int>(row);
  for (Index row : split.test) order(position++) = static_cast<int>(row);
  // order[new] = old; Eigen's permutation maps old -> new.
  Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> permutation(data.size());
  for (Index i = 0; i < data.size(); ++i) permutation.indices()(order(i)) = static_cast<int>(i);
  data.features = permutation * data.features;  // Eigen permutes in place
  if (data.task == Task::classification) {
    std::vector<int> labels(data.labels.size());
    for (Index i = 0; i < data.size(); ++i)
      labels[static_cast<std::size_t>(i)] = data.labels[static_cast<std::size_t>(order(i))];
    data.labels = std::move(labels);
  } else {
    data.targets = permutation * data.targets;
  }
}

// Calls predicted(start, outputs) for consecutive blocks of `count` rows of X_scaled from
// `first` (start: the block's first row, counted from `first`), so that the network's outputs
// are held for one block at a time, not for every row of a large table.
template <class Scalar, class Use>
void predict_in_blocks(const TrainedModel<Scalar>& model, ConstMatrixRef<Scalar> X_scaled,
                       Index first, Index count, Use predicted) {
  constexpr Index block = 65536;
  for (Index start = 0; start < count; start += block) {
    const Index rows = std::min(block, count - start);
    predicted(start, model.network.predict_proba(X_scaled.middleRows(first + start, rows)));
  }
}

template <class Scalar>
nlohmann::json split_metrics(const TrainedModel<Scalar>& model, ConstMatrixRef<Scalar> X_scaled,
                             const Dataset<Scalar>& data, Index first, Index count) {
  nlohmann::json j;
  j["samples"] = count;
  if (count == 0) return j;
  if (data.task == Task::classification) {
    std::vector<int> truth(data.labels.begin() + first, data.labels.begin() + first + count);
    std::vector<int> classes(static_cast<std::size_t>(count));
    predict_in_blocks<Scalar>(
        model, X_scaled, first, count, [&](Index start, const Matrix<Scalar>& out) {
          const std::vector<int> c = TrainedModel<Scalar>::classes_from_proba(out);
          std::copy(c.begin(), c.end(), classes.begin() + start);
        });
    j["accuracy"] = accuracy(truth, classes);
  } else {
    Vector<Scalar> values(count);
    predict_in_blocks<Scalar>(model, X_scaled, first, count,
                              [&](Index start, const Matrix<Scalar>& out) {
                                values.segment(start, out.rows()) = model.values_from_output(out);
                              });
    const RegressionMetrics m =
        regression_metrics<Scalar>(data.targets.segment(first, count), values);
    j["mse"] = m.mse;
    j["mae"] = m.mae;
    j["r2"] = m.r2;
  }
  return j;
}

void check_same_names(const std::vector<std::string>& model, const std::vector<std::string>& data,
                      const char* what) {
  if (model != data)
    throw DataError(std::string("the data's ") + what + " differ from the warm-start model's (" +
                    quoted_column_list(data) + " vs " + quoted_column_list(model) + ")");
}

template <class Scalar>
void check_warm_start(const TrainedModel<Scalar>& warm_start, const Dataset<Scalar>& data) {
  if (warm_start.metadata.task != data.task)
    throw DataError("the warm-start model is a " +
                    std::string(to_string(warm_start.metadata.task)) +
                    " model but the data is for " + std::string(to_string(data.task)));
  check_same_names(warm_start.metadata.feature_names, data.feature_names, "feature columns");
  if (data.task == Task::classification)
    check_same_names(warm_start.metadata.class_names, data.class_names, "classes");
}

// The validation split, with the training rows moved first and the validation rows last, in
// place.
template <class Scalar>
Split split_rows(Dataset<Scalar>& data, const TrainSettings& settings) {
  Random rng(settings.seed);
  Split split;
  const double fraction = settings.validation_fraction.value_or(0.0);
  if (fraction > 0.0) {
    split = data.task == Task::classification ? stratified_split(data.labels, fraction, rng)
                                              : random_split(data.size(), fraction, rng);
  } else {
    split.train.resize(static_cast<std::size_t>(data.size()));
    std::iota(split.train.begin(), split.train.end(), Index(0));
  }
  move_rows_first(data, split);
  return split;
}

// A new model's metadata: the data's columns and classes, and the feature scaler and target
// scaling fitted on the first n_train rows.
// The index of the first negative value (or NaN) of v, or -1.
template <class Scalar>
Index find_negative(const Vector<Scalar>& v) {
  for (Index i = 0; i < v.size(); ++i)
    if (!(v(i) >= Scalar(0))) return i;
  return -1;
}

template <class Scalar>
void describe_data(const Dataset<Scalar>& data, const TrainSettings& settings, Index n_train,
                   ModelMetadata& meta, const StripeSplit* split = nullptr,
                   const ShardLayout* layout = nullptr) {
  meta.task = data.task;
  meta.input_format = to_string(data.format);
  meta.feature_names = data.feature_names;
  meta.columns = data.encoder;
  meta.csv_dialect = data.csv_dialect;
  meta.class_names = data.class_names;
  if (settings.standardize) {
    // Fitted one column at a time: a double copy of the whole matrix would double the memory.
    // Sharded: over every stripe's training rows (model/sharded_data.hpp).
    StandardScaler<double> scaler;
    scaler.mean.resize(data.features.cols());
    scaler.scale.resize(data.features.cols());
    if (layout != nullptr)
      scaler = sharded_scaler<Scalar>(data.features.topRows(n_train), *split, *layout);
    for (Index j = 0; j < data.features.cols() && layout == nullptr; ++j) {
      StandardScaler<double> column;
      column.fit(data.features.col(j).head(n_train).template cast<double>());
      scaler.mean(j) = column.mean(0);
      scaler.scale(j) = column.scale(0);
    }
    // The 0/1 features an encoder makes (one-hot, yes/no, missing indicators) stay 0/1.
    if (data.encoder) {
      const std::vector<bool> standardized = data.encoder->standardized_features();
      for (std::size_t j = 0; j < standardized.size(); ++j) {
        if (standardized[j]) continue;
        scaler.mean(static_cast<Index>(j)) = 0.0;
        scaler.scale(static_cast<Index>(j)) = 1.0;
      }
    }
    meta.feature_scaler = scaler;
  }
  if (data.task != Task::classification && settings.loss == Loss::poisson) {
    // Counts are fitted as they are (the exponential output's rate): no scaling, none negative.
    const Index negative = find_negative(data.targets);
    if (negative >= 0)
      throw DataError("--loss poisson needs targets >= 0 (counts or rates), but a target is " +
                      std::to_string(data.targets(negative)) +
                      "; use --loss mse for targets of any sign");
  } else if (data.task != Task::classification && layout != nullptr) {  // over every stripe
    const Eigen::Map<const Matrix<Scalar>> y(data.targets.data(), n_train, 1);
    const StandardScaler<double> target = sharded_scaler<Scalar>(y, *split, *layout);
    meta.target_mean = target.mean(0);
    meta.target_scale = target.scale(0);
  } else if (data.task != Task::classification) {
    const auto y = data.targets.head(n_train).template cast<double>();
    meta.target_mean = y.mean();
    const double sd = std::sqrt((y.array() - meta.target_mean).square().mean());
    meta.target_scale = sd > 0 ? sd : 1.0;
  }
}

// A new network for the data: the hidden layers of the settings, then softmax outputs (one per
// class) or one identity output (exponential with --loss poisson); the hidden activation's default
// initializer (He for ReLU, Glorot otherwise).
template <class Scalar>
Sequential<Scalar> new_network(const Dataset<Scalar>& data, const TrainSettings& settings) {
  const bool classification = data.task == Task::classification;
  Sequential<Scalar> net(data.features.cols());
  for (Index units : settings.hidden_layers) net.add(units, settings.activation);
  net.add(classification ? static_cast<Index>(data.class_names.size()) : 1,
          classification                   ? Activation::softmax
          : settings.loss == Loss::poisson ? Activation::exponential
                                           : Activation::identity);
  net.initialize(Initializer{activation_info(settings.activation).initializer}, settings.seed);
  return net;
}

FitOptions fit_options(const FitOptions& callbacks, const TrainSettings& settings) {
  FitOptions options = callbacks;
  options.epochs = settings.epochs;
  options.batch_size = settings.full_batch ? 0 : settings.batch_size;
  options.shuffle = true;
  options.seed = settings.seed;
  options.schedule = settings.schedule;
  options.early_stopping_patience = settings.early_stopping_patience;
  options.l2 = settings.l2.value_or(0.0);
  options.power_t = settings.power_t;
  options.tol = settings.tol;
  options.n_iter_no_change = settings.n_iter_no_change;
  options.max_rollbacks = settings.max_rollbacks;
  return options;
}

// Makes `options.on_epoch_end` record each epoch's log in `h` (room for `epochs` reserved, so that
// the training loop allocates nothing) before it calls the caller's callback.
void record_epochs(History& h, FitOptions& options, int epochs) {
  const auto n = static_cast<std::size_t>(epochs);
  for (auto* v : {&h.loss, &h.accuracy, &h.val_loss, &h.val_accuracy}) v->reserve(n);
  options.on_epoch_end = [&h, caller = options.on_epoch_end](const EpochLog& log) {
    h.loss.push_back(log.loss);
    if (!std::isnan(log.accuracy)) h.accuracy.push_back(log.accuracy);
    if (!std::isnan(log.val_loss)) h.val_loss.push_back(log.val_loss);
    if (!std::isnan(log.val_accuracy)) h.val_accuracy.push_back(log.val_accuracy);
    return caller ? caller(log) : true;
  };
}

// The training rows' sample weights: settings.sample_weight of the rows `split.train` names (or 1),
// times the balanced class weight of their labels (classification, balanced_class_weight).
template <class Scalar>
std::vector<double> training_weights(const TrainSettings& settings, const Dataset<Scalar>& data,
                                     const Split& split) {
  const auto n_train = split.train.size();
  if (settings.sample_weight.empty() && !settings.balanced_class_weight) return {};
  if (!settings.sample_weight.empty() &&
      settings.sample_weight.size() != static_cast<std::size_t>(data.size()))
    throw InvalidArgument(std::to_string(settings.sample_weight.size()) + " sample weights for " +
                          std::to_string(data.size()) + " samples");
  std::vector<double> weights(n_train, 1.0);
  if (!settings.sample_weight.empty())
    for (std::size_t i = 0; i < n_train; ++i)
      weights[i] = settings.sample_weight[static_cast<std::size_t>(split.train[i])];
  if (settings.balanced_class_weight) {
    if (data.task != Task::classification)
      throw InvalidArgument("balanced class weights need classes; the data is for regression");
    const std::span<const int> labels(data.labels.data(), n_train);  // training rows come first
    const auto per_class =
        balanced_class_weights(labels, static_cast<int>(data.class_names.size()));
    const auto by_class = class_sample_weights(labels, per_class);
    for (std::size_t i = 0; i < n_train; ++i) weights[i] *= by_class[i];
  }
  return weights;
}

// The metrics stored in the model: on the training rows, the validation rows, and the run.
template <class Scalar>
std::string metrics_json(const TrainedModel<Scalar>& model, const Dataset<Scalar>& data,
                         Index n_train, Index n_val, const History& history) {
  nlohmann::json metrics;
  metrics["train"] = split_metrics<Scalar>(model, data.features, data, 0, n_train);
  if (n_val > 0)
    metrics["validation"] = split_metrics<Scalar>(model, data.features, data, n_train, n_val);
  metrics["epochs_run"] = history.loss.size();
  metrics["best_epoch"] = history.best_epoch;
  metrics["stopped_early"] = history.stopped_early;
  return metrics.dump();
}

Index stripe_rows_sum(const std::vector<Index>& v) {
  return std::accumulate(v.begin(), v.end(), Index(0));
}

// Sharded, a regression: the metrics of one part (0: training, 1: validation) over every stripe
// (sharded_regression_metrics).
template <class Scalar>
nlohmann::json sharded_regression_part(const TrainedModel<Scalar>& model,
                                       const Dataset<Scalar>& data, const StripeSplit& split,
                                       const ShardLayout& layout, int part) {
  const Index first = part == 0 ? 0 : split.my_train;
  const Index count = part == 0 ? split.my_train : split.my_validation;
  std::vector<double> truth(static_cast<std::size_t>(count)), predicted(truth.size());
  for (Index i = 0; i < count; ++i)
    truth[static_cast<std::size_t>(i)] = static_cast<double>(data.targets(first + i));
  predict_in_blocks<Scalar>(model, data.features, first, count,
                            [&](Index start, const Matrix<Scalar>& out) {
                              const Vector<Scalar> values = model.values_from_output(out);
                              for (Index i = 0; i < values.size(); ++i)
                                predicted[static_cast<std::size_t>(start + i)] = values(i);
                            });
  const RegressionMetrics m = sharded_regression_metrics(
      truth, predicted, part == 0 ? split.train : split.validation, layout);
  return {{"mse", m.mse}, {"mae", m.mae}, {"r2", m.r2}};
}

// Sharded: the metrics over every rank's training and validation rows: correct predictions
// summed over the ranks (exact integers, in any order), or the regression metrics by stripes.
template <class Scalar>
std::string sharded_metrics_json(const TrainedModel<Scalar>& model, const Dataset<Scalar>& data,
                                 const StripeSplit& split, const ShardLayout& layout,
                                 const History& history) {
  const bool classification = data.task == Task::classification;
  std::vector<double> correct{0.0, 0.0};
  for (int part = 0; part < 2 && classification; ++part) {
    const Index first = part == 0 ? 0 : split.my_train;
    const Index count = part == 0 ? split.my_train : split.my_validation;
    predict_in_blocks<Scalar>(
        model, data.features, first, count, [&](Index start, const Matrix<Scalar>& out) {
          const std::vector<int> c = TrainedModel<Scalar>::classes_from_proba(out);
          for (std::size_t i = 0; i < c.size(); ++i)
            correct[static_cast<std::size_t>(part)] +=
                c[i] ==
                data.labels[static_cast<std::size_t>(first + start + static_cast<Index>(i))];
        });
  }
  if (classification) layout.comm->allreduce_sum(correct);
  nlohmann::json metrics;
  const Index rows[2] = {
      std::accumulate(split.train.begin(), split.train.end(), Index(0)),
      std::accumulate(split.validation.begin(), split.validation.end(), Index(0))};
  for (int part = 0; part < 2; ++part) {
    if (part == 1 && rows[1] == 0) break;
    nlohmann::json j;
    if (!classification && rows[part] > 0)
      j = sharded_regression_part(model, data, split, layout, part);
    j["samples"] = rows[part];
    if (classification && rows[part] > 0)
      j["accuracy"] = correct[static_cast<std::size_t>(part)] / static_cast<double>(rows[part]);
    metrics[part == 0 ? "train" : "validation"] = j;
  }
  metrics["epochs_run"] = history.loss.size();
  metrics["best_epoch"] = history.best_epoch;
  metrics["stopped_early"] = history.stopped_early;
  return metrics.dump();
}

// Sharded training (`options.stripe_rows`, the table's rows per stripe): where this rank's `held`
// rows are; none without stripe_rows.
std::optional<ShardLayout> shard_layout_of(const FitOptions& options, Index held) {
  if (options.stripe_rows.empty()) return std::nullopt;
  if (options.communicator == nullptr)
    throw InvalidArgument("sharded data (stripe_rows) needs a communicator");
  return shard_layout(*options.communicator, options.stripe_rows, held);
}

// Sharded: this rank's training rows' sample weights: settings.sample_weight (one per row of the
// data given to train_model, in its order before split_stripes reordered it), times the balanced
// class weights, their class counts summed over every rank (balanced_class_weight); empty when
// neither is asked for.
template <class Scalar>
std::vector<double> sharded_training_weights(const TrainSettings& settings,
                                             const Dataset<Scalar>& data, const StripeSplit& split,
                                             Communicator& comm) {
  std::vector<double> weights;
  if (!settings.sample_weight.empty()) {
    if (settings.sample_weight.size() != split.order.size())
      throw InvalidArgument(std::to_string(settings.sample_weight.size()) + " sample weights for " +
                            std::to_string(split.order.size()) + " samples");
    for (Index i = 0; i < split.my_train; ++i)
      weights.push_back(
          settings
              .sample_weight[static_cast<std::size_t>(split.order[static_cast<std::size_t>(i)])]);
  }
  if (!settings.balanced_class_weight) return weights;
  if (data.task != Task::classification)
    throw InvalidArgument("balanced class weights need classes; the data is for regression");
  const std::vector<double> by_class = sharded_balanced_weights(
      comm, std::span<const int>(data.labels.data(), static_cast<std::size_t>(split.my_train)),
      static_cast<int>(data.class_names.size()));
  if (weights.empty()) return by_class;
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] *= by_class[i];
  return weights;
}

// The settings as the model file and checkpoints describe them. Sharded, a rank whose stripes
// hold no row has no sample weights: whether the run has them is agreed on over the ranks (one
// collective call), so that every rank describes it alike.
TrainSettings described_settings(const TrainSettings& settings,
                                 const std::optional<ShardLayout>& layout) {
  if (!layout) return settings;
  TrainSettings described = settings;
  if (layout->comm->any(!settings.sample_weight.empty()) && described.sample_weight.empty())
    described.sample_weight.assign(1, 1.0);  // to_json says only whether there are any
  return described;
}

// The data's fingerprint when the run writes or resumes a checkpoint (none otherwise): sharded,
// by stripes on every rank when any rank checkpoints (only rank 0 writes).
template <class Scalar>
DataFingerprint run_fingerprint(const Dataset<Scalar>& data, const TrainSettings& settings,
                                const Checkpointing<Scalar>& checkpointing,
                                const std::optional<ShardLayout>& layout) {
  const bool wanted = checkpointing.resume != nullptr || !checkpointing.path.empty();
  if (layout)
    return layout->comm->any(wanted)
               ? sharded_fingerprint<Scalar>(data, settings.sample_weight, *layout)
               : DataFingerprint{};
  return wanted ? data_fingerprint(data, settings.sample_weight) : DataFingerprint{};
}

// With a checkpoint to resume from: checks that it is this run's, and gives the network its
// training state so that fit goes on from it for the epochs left.
template <class Scalar>
void resume_from(const Checkpoint<Scalar>& checkpoint, const std::string& path,
                 const TrainSettings& settings, const DataFingerprint& data,
                 Sequential<Scalar>& net, FitOptions& options) {
  check_resume(checkpoint, settings.to_json(), data, path);
  if (checkpoint.state.epochs_done > settings.epochs)
    throw InvalidArgument("--resume " + path + ": the checkpoint has done " +
                          std::to_string(checkpoint.state.epochs_done) + " epochs, more than " +
                          std::to_string(settings.epochs));
  net.training_state() = checkpoint.state;
  options.keep_training_state = true;
  options.epochs =
      checkpoint.history.stopped_early ? 0 : settings.epochs - checkpoint.state.epochs_done;
}

// What every checkpoint of this run holds besides its last epoch: the model's metadata, the
// history before this fit and the data's fingerprint; when resuming, the checkpoint resumed
// (written again if no epoch completes).
template <class Scalar>
Checkpoint<Scalar> checkpoint_start(const TrainedModel<Scalar>& model,
                                    const Checkpoint<Scalar>* resume, const DataFingerprint& data) {
  Checkpoint<Scalar> start;
  start.model = model;
  if (resume) {
    start.state = resume->state;
    start.history = resume->history;
  }
  start.data = data;
  return start;
}

}  // namespace

template <class Scalar>
TrainingResult<Scalar> train_model(Dataset<Scalar> data, const TrainSettings& requested,
                                   const TrainedModel<Scalar>* warm_start,
                                   const FitOptions& callbacks,
                                   const Checkpointing<Scalar>& checkpointing,
                                   const std::function<void(const ModelMetadata&)>& on_start) {
  requested.validate();
  // Sharded: `data` is this rank's stripes of the table (model/sharded_data.hpp).
  const std::optional<ShardLayout> layout = shard_layout_of(callbacks, data.size());
  const Index table_rows = layout ? stripe_rows_sum(layout->table_rows) : data.size();
  if (table_rows < 2) throw DataError("training needs at least 2 samples");
  const TrainSettings settings = requested.resolved_for(table_rows);
  const bool classification = data.task == Task::classification;
  if (warm_start) check_warm_start(*warm_start, data);
  const Checkpoint<Scalar>* resume = checkpointing.resume;
  if (resume && warm_start) throw InvalidArgument("a resumed run cannot also warm-start");
  const DataFingerprint fingerprint = run_fingerprint(data, settings, checkpointing, layout);

  // Sharded: the split within each stripe, this rank's rows of each part.
  const std::optional<StripeSplit> stripes =
      layout ? std::optional(split_stripes(
                   data, *layout, settings.validation_fraction.value_or(0.0), settings.seed))
             : std::nullopt;
  const Split split = layout ? Split{} : split_rows(data, settings);
  const auto n_train = stripes ? stripes->my_train : static_cast<Index>(split.train.size());
  const auto n_val = stripes ? stripes->my_validation : static_cast<Index>(split.test.size());

  TrainingResult<Scalar> result;
  result.train_samples = stripes ? stripe_rows_sum(stripes->train) : n_train;
  result.validation_samples = stripes ? stripe_rows_sum(stripes->validation) : n_val;
  TrainedModel<Scalar>& model = result.model;
  ModelMetadata& meta = model.metadata;
  if (warm_start || resume) {
    model = warm_start ? *warm_start : resume->model;
  } else {
    describe_data(data, settings, n_train, meta, stripes ? &*stripes : nullptr,
                  layout ? &*layout : nullptr);
  }
  meta.training_json = described_settings(settings, layout).to_json();

  const int n_classes = static_cast<int>(data.class_names.size());
  Matrix<Scalar> Y =
      classification
          ? one_hot<Scalar>(data.labels, n_classes)
          : Matrix<Scalar>((data.targets.array() - static_cast<Scalar>(meta.target_mean)) /
                           static_cast<Scalar>(meta.target_scale));

  Sequential<Scalar>& net = model.network;
  const Loss loss =
      settings.loss.value_or(classification ? Loss::categorical_crossentropy : Loss::mse);
  if (!warm_start && !resume) net = new_network(data, settings);
  data.features = model.prepare(std::move(data.features));

  OptimizerSpec spec;
  spec.kind = settings.optimizer;
  spec.learning_rate = settings.resolved_learning_rate();
  spec.nesterov = settings.nesterov;
  net.compile(loss, spec);

  if (on_start) on_start(meta);
  FitOptions options = fit_options(callbacks, settings);
  const bool validation = result.validation_samples > 0;
  if (stripes) {  // fit's stripes: each stripe's training and validation rows
    options.stripe_rows = stripes->train;
    options.validation_stripe_rows = validation ? stripes->validation : std::vector<Index>();
    options.sample_weight =
        sharded_training_weights(settings, data, *stripes, *callbacks.communicator);
  } else {
    options.sample_weight = training_weights(settings, data, split);
  }
  if (resume)
    resume_from(*resume, checkpointing.resume_path, described_settings(settings, layout),
                fingerprint, net, options);
  History completed;  // the epochs that ran, kept if fit diverges
  record_epochs(completed, options, settings.epochs);
  std::optional<CheckpointWriter<Scalar>> checkpoints;
  if (!checkpointing.path.empty()) {
    checkpoints.emplace(checkpointing, checkpoint_start(model, resume, fingerprint));
    options.on_epoch_state = [&](const History& so_far, bool finished) {
      checkpoints->after_epoch(net, so_far, finished);
    };
  }
  const auto X_train = data.features.topRows(n_train);
  const auto Y_train = Y.topRows(n_train);
  try {
    if (validation) {
      result.history =
          net.fit(X_train, Y_train, data.features.bottomRows(n_val), Y.bottomRows(n_val), options);
    } else {
      result.history = net.fit(X_train, Y_train, options);
    }
  } catch (const DivergenceError& e) {  // the network holds the last good epoch's parameters
    result.divergence = e.what();
    result.history = std::move(completed);
    result.history.best_epoch = e.last_good_epoch();
    result.history.stopped_early = true;
  }
  if (checkpoints) result.checkpoint_epochs = checkpoints->finish();
  if (resume) result.history = resumed_history(resume->history, result.history);

  meta.metrics_json = stripes ? sharded_metrics_json(model, data, *stripes, *layout, result.history)
                              : metrics_json(model, data, n_train, n_val, result.history);
  return result;
}

template TrainingResult<float> train_model<float>(Dataset<float>, const TrainSettings&,
                                                  const TrainedModel<float>*, const FitOptions&,
                                                  const Checkpointing<float>&,
                                                  const std::function<void(const ModelMetadata&)>&);
template TrainingResult<double> train_model<double>(
    Dataset<double>, const TrainSettings&, const TrainedModel<double>*, const FitOptions&,
    const Checkpointing<double>&, const std::function<void(const ModelMetadata&)>&);

}  // namespace mlp
