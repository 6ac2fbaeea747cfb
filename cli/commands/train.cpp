#include "commands/train.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/distributed/world.hpp"
#include "mlp/model/checkpoint.hpp"
#include "mlp/model/idx_shard.hpp"
#include "mlp/model/training_recipe.hpp"
#include "mlp/nn/communicator.hpp"
#include "mlp/nn/threads.hpp"
#include "shared/column_report.hpp"
#include "shared/data_input.hpp"
#include "shared/history_csv.hpp"
#include "shared/interrupt.hpp"
#include "shared/metrics_text.hpp"
#include "shared/output_path.hpp"
#include "shared/progress.hpp"
#include "shared/report_flag.hpp"
#include "shared/thread_use_note.hpp"
#include "shared/usage_error.hpp"
#include "shared/validators.hpp"

namespace mlp::cli {

namespace {

// The engine's training flags (scikit-learn's names in comments).
struct EngineFlags {
  std::optional<double> l2;   // alpha (default: by the table's size)
  bool nesterov = false;      // nesterovs_momentum
  double power_t = 0.5;       // power_t
  double tol = 0.0;           // tol
  int n_iter_no_change = 0;   // n_iter_no_change (0: off; adaptive: 10 unless given)
  std::string class_weight;   // class_weight: "" or "balanced"
  std::string sample_weight;  // sample_weight: the CSV column of the weights
  std::string on_divergence = "stop";
  int max_rollbacks = 5;
};

// Checkpoints and resuming (model/checkpoint.hpp).
struct CheckpointFlags {
  std::string path;          // --checkpoint FILE
  int every_epochs = 0;      // --checkpoint-every N
  double every_seconds = 0;  // --checkpoint-seconds S
  std::string resume;        // --resume FILE
};

// Exit code of a training run that diverged (the model of the last good epoch was saved).
constexpr int kDivergedExitCode = 4;

struct TrainArguments {
  DataArguments data;
  std::string ignore;
  TableFlags table;
  std::string output;
  std::string layers = "64";
  std::string activation = "relu";
  std::string task = "auto";
  std::string loss;
  std::string optimizer = "adam";
  std::optional<double> learning_rate;
  std::string schedule = "cosine";
  int epochs = 200;
  std::optional<int> batch_size;
  std::optional<double> validation;  // default: by the table's size
  int early_stopping = 20;
  std::uint64_t seed = 0;
  std::string dtype = "f32";
  int threads = 0;
  int sync_every = 0;  // under mpirun: local SGD, the models averaged every this many steps
  std::string init_model;
  std::string history_file;
  std::string report_dir;
  bool quiet = false;
  EngineFlags engine;
  CheckpointFlags checkpoint;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) items.push_back(item);
  return items;
}

std::vector<Index> parse_layers(const std::string& text) {
  std::vector<Index> layers;
  for (const std::string& item : split_list(text)) {
    long long units = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), units);
    if (ec != std::errc() || end != item.data() + item.size() || units < 1 || units > 1000000)
      throw UsageError("--layers: expected hidden layer sizes like 64,32 (each >= 1), got '" +
                       text + "'");
    layers.push_back(static_cast<Index>(units));
  }
  if (layers.empty()) throw UsageError("--layers: expected hidden layer sizes like 64,32");
  return layers;
}

void apply_engine_flags(const EngineFlags& e, TrainSettings& s) {
  s.l2 = e.l2;
  s.nesterov = e.nesterov;
  if (e.nesterov && s.optimizer != OptimizerSpec::Kind::momentum)
    throw UsageError("--nesterov needs --optimizer momentum");
  s.power_t = e.power_t;
  s.tol = e.tol;
  s.n_iter_no_change = e.n_iter_no_change;
  if (s.schedule == LearningRateSchedule::adaptive && s.n_iter_no_change == 0)
    s.n_iter_no_change = 10;  // scikit-learn's default
  s.balanced_class_weight = e.class_weight == "balanced";
  s.max_rollbacks = e.on_divergence == "rollback" ? e.max_rollbacks : 0;
}

TrainSettings settings_from(const TrainArguments& a) {
  TrainSettings s;
  s.hidden_layers = parse_layers(a.layers);
  s.activation = activation_from_string(a.activation);
  if (!a.loss.empty()) s.loss = loss_from_string(a.loss);
  s.optimizer = optimizer_kind_from_string(a.optimizer);
  // Minibatches, except for a name that is not the optimizer's minibatch name ("gd", not "sgd")
  // without --batch-size.
  s.full_batch = a.optimizer != optimizer_name(s.optimizer, false) && !a.batch_size;
  s.learning_rate = a.learning_rate;
  s.schedule = schedule_from_string(a.schedule);
  s.epochs = a.epochs;
  if (a.batch_size) s.batch_size = *a.batch_size;
  s.validation_fraction = a.validation;
  s.early_stopping_patience = a.early_stopping;
  s.seed = a.seed;
  apply_engine_flags(a.engine, s);
  s.validate();
  return s;
}

template <class Scalar>
void print_metrics(const ModelMetadata& meta) {
  const auto metrics = nlohmann::json::parse(meta.metrics_json);
  for (const char* part : {"train", "validation"}) {
    if (!metrics.contains(part)) continue;
    const auto& m = metrics[part];
    const std::string text =
        meta.task == Task::classification
            ? "accuracy " + percent_text(m.value("accuracy", 0.0))
            : regression_metrics_text(m.value("mse", 0.0), m.value("mae", 0.0), m.value("r2", 0.0));
    std::printf("%-10s %s  (%lld samples)\n", part, text.c_str(), m.value("samples", 0LL));
  }
}

// What a training run ends with: the network, its epochs, its metrics, the threads when they did
// not pay (`during`: the pool's jobs while it trained), and the file saved.
template <class Scalar>
void print_summary(const TrainArguments& a, const TrainingResult<Scalar>& result,
                   const ThreadUse& during) {
  const History& h = result.history;
  std::string network = std::to_string(result.model.network.n_inputs());
  for (const auto& layer : result.model.network.layers())
    network += "-" + std::to_string(layer.n_out);
  std::printf("network %s (%s), %zu epochs%s, best epoch %d\n", network.c_str(),
              a.activation.c_str(), h.loss.size(),
              interrupt_requested() ? " (interrupted)"
              : h.stopped_early     ? " (early stopping)"
                                    : "",
              h.best_epoch);
  print_metrics<Scalar>(result.model.metadata);
  const std::string threads_note = thread_use_note(threads(), during);
  if (!threads_note.empty()) std::printf("%s\n", threads_note.c_str());
  std::printf("saved %s\n", a.output.c_str());
}

// What the table's columns became, and the rows left out: printed before training.
template <class Scalar>
void print_columns(const Dataset<Scalar>& data) {
  if (!data.encoder) return;
  std::printf("columns:\n%s", column_roles_table(*data.encoder, false).c_str());
  if (data.rows_without_target > 0)
    std::printf("skipped %zu row%s without a target value\n", data.rows_without_target,
                data.rows_without_target == 1 ? "" : "s");
}

// The checkpoint to resume from (--resume), read before the data so that a bad file fails at once.
template <class Scalar>
std::optional<Checkpoint<Scalar>> checkpoint_to_resume(const TrainArguments& a) {
  const CheckpointFlags& c = a.checkpoint;
  if (c.resume.empty()) {
    if (c.path.empty() && (c.every_epochs > 0 || c.every_seconds > 0))
      throw UsageError("--checkpoint-every and --checkpoint-seconds need --checkpoint FILE");
    return std::nullopt;
  }
  if (!a.init_model.empty())
    throw UsageError("--resume continues a run; it cannot also warm-start with --init");
  return load_checkpoint<Scalar>(c.resume);
}

// Where and when checkpoints are written: --checkpoint FILE (when resuming, the --resume file
// unless --checkpoint names another), after every --checkpoint-every epochs and/or
// --checkpoint-seconds seconds (neither: after every epoch).
template <class Scalar>
Checkpointing<Scalar> checkpointing_from(const TrainArguments& a,
                                         const std::optional<Checkpoint<Scalar>>& resume) {
  const CheckpointFlags& c = a.checkpoint;
  Checkpointing<Scalar> plan;
  plan.path = c.path.empty() ? c.resume : c.path;
  std::error_code ec;
  if (!plan.path.empty() &&
      (plan.path == a.output || std::filesystem::equivalent(plan.path, a.output, ec)))
    throw UsageError("--checkpoint " + plan.path + ": is also -o; name another file");
  // Rewritten at every checkpoint: standard output, a FIFO or a device cannot hold it.
  const auto type = std::filesystem::status(plan.path, ec).type();
  if (!plan.path.empty() && (plan.path == "-" || (type != std::filesystem::file_type::regular &&
                                                  type != std::filesystem::file_type::not_found)))
    throw UsageError("--checkpoint " + plan.path +
                     ": is not a regular file; a checkpoint is replaced at every write, name a "
                     "file");
  check_writable(plan.path, c.path.empty() ? "--resume" : "--checkpoint");
  plan.every_epochs = c.every_epochs == 0 && c.every_seconds == 0 ? 1 : c.every_epochs;
  plan.every_seconds = c.every_seconds;
  if (resume) {
    plan.resume = &*resume;
    plan.resume_path = c.resume;
  }
  return plan;
}

// What the checkpoint holds once training ended (interrupted: how to go on).
void report_checkpoint(const std::string& path, std::optional<int> epochs, bool quiet) {
  if (path.empty()) return;
  if (!epochs) {
    std::fprintf(stderr, "mlp: no epoch completed: no checkpoint written to %s\n", path.c_str());
    return;
  }
  if (interrupt_requested())
    std::fprintf(stderr, "mlp: checkpoint %s holds epoch %d: continue with --resume %s\n",
                 path.c_str(), *epochs, path.c_str());
  else if (!quiet)
    std::printf("checkpoint %s holds epoch %d\n", path.c_str(), *epochs);
}

// The data and the settings, printed before training: what was read (`rows` in all; sharded: by
// every process), how it will be trained.
template <class Scalar>
void print_plan(const TrainArguments& a, const Dataset<Scalar>& data, Index rows,
                const TrainSettings& settings, int processes, bool sharded) {
  std::printf("training on %s: %lld samples, %lld features, %s", a.data.path.c_str(),
              static_cast<long long>(rows), static_cast<long long>(data.features.cols()),
              data.task == Task::classification
                  ? (std::to_string(data.class_names.size()) + " classes").c_str()
                  : "regression");
  std::printf(
      "; %s, %s, lr %g", a.optimizer.c_str(),
      settings.full_batch ? "full batch" : ("batch " + std::to_string(settings.batch_size)).c_str(),
      settings.resolved_learning_rate());
  if (settings.l2.value_or(0.0) > 0.0) std::printf(", L2 %g", *settings.l2);
  std::printf(", up to %d epochs", settings.epochs);
  if (processes > 1)
    std::printf(", on %d processes (each batch shared between them%s)", processes,
                sharded ? ", each reading its shard" : "");
  std::printf("\n");
  const double validation = settings.validation_fraction.value_or(0.0);
  if (validation > 0.0)
    std::printf("validation: %g%% of the rows held out for early stopping\n", 100 * validation);
  else
    std::printf("validation: none, every row trains%s\n",
                is_small_table(rows) && !a.validation
                    ? " (a small table: under 500 rows, see docs/tables.md)"
                    : "");
  print_columns(data);
  std::fflush(stdout);
}

// Under mpirun, each batch is cut into blocks of FitOptions::gradient_block_rows rows shared
// between the processes (docs/distributed.md): with fewer blocks than processes, some only wait.
void warn_of_idle_processes(const TrainSettings& settings, Index rows, const Communicator& world,
                            const FitOptions& fit) {
  const Index batch = settings.full_batch ? rows : std::min(settings.batch_size, rows);
  const Index blocks = (batch + fit.gradient_block_rows - 1) / fit.gradient_block_rows;
  if (blocks >= world.size()) return;
  std::fprintf(stderr,
               "warning: a batch of %lld rows is %lld block%s of %lld rows, fewer than the %d "
               "processes: %lld of them will only wait; use --batch-size %lld or more\n",
               static_cast<long long>(batch), static_cast<long long>(blocks),
               blocks == 1 ? "" : "s", static_cast<long long>(fit.gradient_block_rows),
               world.size(), static_cast<long long>(world.size() - blocks),
               static_cast<long long>(fit.gradient_block_rows * world.size()));
}

// Under mpirun (synchronous training), IDX images are read in shards: each process reads the
// records of its stripes only (docs/distributed.md), and `fit.stripe_rows` tells train_model
// which.
bool reads_idx_shard(const TrainArguments& a, const Communicator* world) {
  return world != nullptr && a.sync_every == 0 && is_idx_file(a.data.path);
}

// This process's shard of the IDX images and labels (reads_idx_shard), and in `table_rows` the
// images of the whole file.
template <class Scalar>
Dataset<Scalar> load_idx_shard(const DataArguments& data_args, const TrainSettings& settings,
                               std::optional<Task> task, Communicator& world, FitOptions& fit,
                               Index& table_rows) {
  if (data_args.labels_path.empty())
    throw UsageError(data_args.path +
                     " holds IDX images: their labels file is needed too "
                     "(--labels FILE)");
  if (task && *task != Task::classification)
    throw UsageError("IDX images with labels are a classification task, not regression");
  if (!data_args.columns.sample_weight.empty())
    throw UsageError("--sample-weight names a CSV column; IDX images have no columns");
  const Index n = read_idx_image_count(data_args.path);
  const TrainSettings resolved = settings.resolved_for(n);
  const Index batch = resolved.full_batch ? n : std::min(resolved.batch_size, n);
  IdxShard<Scalar> shard = read_idx_shard<Scalar>(data_args.path, data_args.labels_path, world,
                                                  batch, fit.gradient_block_rows);
  fit.stripe_rows = std::move(shard.stripe_rows);
  table_rows = shard.records;
  return std::move(shard.data);
}

// --task, or none (guessed from the target's values); always a regression with --loss poisson,
// whatever the counts look like.
std::optional<Task> task_of(const TrainArguments& a, const TrainSettings& settings) {
  std::optional<Task> task;
  if (a.task != "auto") task = task_from_string(a.task);
  if (settings.loss != Loss::poisson) return task;
  if (task == Task::classification)
    throw UsageError(
        "--loss poisson fits counts (a regression with an exponential output); it "
        "cannot be used with --task classification");
  return Task::regression;
}

// Under mpirun (synchronous training), a CSV file is read in shards too, when it is a regular
// file (docs/distributed.md): a pipe or standard input is read whole by every process.
bool reads_csv_shard(const TrainArguments& a, const Communicator* world) {
  std::error_code ec;
  return world != nullptr && a.sync_every == 0 && a.data.path != "-" &&
         std::filesystem::is_regular_file(a.data.path, ec) && !is_idx_file(a.data.path);
}

// This process's shard of the CSV table (reads_csv_shard), and in `table_rows` the rows of the
// whole table that have a target.
template <class Scalar>
Dataset<Scalar> load_csv_shard(const DataArguments& data_args, const TrainSettings& settings,
                               std::optional<Task> task, Communicator& world, FitOptions& fit,
                               Index& table_rows) {
  const Index batch = settings.full_batch ? 0 : settings.batch_size;
  CsvShard<Scalar> shard =
      load_training_shard<Scalar>(data_args, task, world, batch, fit.gradient_block_rows);
  fit.stripe_rows = std::move(shard.stripe_rows);
  table_rows = shard.rows;
  return std::move(shard.data);
}

template <class Scalar>
int run_train(TrainArguments a) {
  // Under mpirun, every process trains the same model on its share of each batch
  // (docs/distributed.md); rank 0 alone prints and writes the model, history, report and
  // checkpoints.
  const std::unique_ptr<Communicator> world = distributed::world_communicator();
  const bool writer = world == nullptr || world->rank() == 0;
  if (!writer) a.quiet = true;
  TrainSettings settings = settings_from(a);
  const std::optional<Task> task = task_of(a, settings);
  check_writable(a.output, "-o");
  check_writable(a.history_file, "--history");
  if (writer) prepare_report_dir(a.report_dir);

  const std::optional<Checkpoint<Scalar>> resume = checkpoint_to_resume<Scalar>(a);
  Checkpointing<Scalar> checkpointing = checkpointing_from(a, resume);
  if (!writer) checkpointing.path.clear();
  std::optional<TrainedModel<Scalar>> warm_start;
  if (!a.init_model.empty()) warm_start = TrainedModel<Scalar>::load(a.init_model);

  DataArguments data_args = a.data;
  data_args.ignore = split_list(a.ignore);
  apply_table_flags(a.table, data_args);
  data_args.columns.sample_weight = a.engine.sample_weight;
  FitOptions callbacks;
  Index table_rows = 0;  // the rows of the whole table (sharded: of every process)
  Dataset<Scalar> data =
      reads_idx_shard(a, world.get())
          ? load_idx_shard<Scalar>(data_args, settings, task, *world, callbacks, table_rows)
      : reads_csv_shard(a, world.get())
          ? load_csv_shard<Scalar>(data_args, settings, task, *world, callbacks, table_rows)
          : load_training_data<Scalar>(data_args, task);
  if (callbacks.stripe_rows.empty()) table_rows = data.size();
  settings.sample_weight = std::move(data.sample_weight);
  // IDX pixels are already scaled to [0, 1]; per-pixel standardisation would blow up the
  // near-constant border pixels.
  settings.standardize = data.format != DataFormat::idx;
  if (data.task == Task::classification && settings.loss == Loss::binary_crossentropy &&
      data.class_names.size() != 2)
    throw UsageError("--loss binary_crossentropy needs two classes; the data has " +
                     std::to_string(data.class_names.size()));

  set_threads(a.threads);
  TrainingProgress progress(settings.epochs, a.quiet);
  callbacks.on_batch_end = [&](Index done, Index total) { return progress.on_batch(done, total); };
  callbacks.on_epoch_end = [&](const EpochLog& log) { return progress.on_epoch(log); };
  callbacks.communicator = world.get();
  callbacks.sync_every = a.sync_every;
  settings = settings.resolved_for(table_rows);
  if (!a.quiet)
    print_plan(a, data, table_rows, settings, world == nullptr ? 1 : world->size(),
               !callbacks.stripe_rows.empty());
  if (world != nullptr && writer && a.sync_every == 0)
    warn_of_idle_processes(settings, table_rows, *world, callbacks);
  install_interrupt_handler();
  const Loss loss = settings.loss.value_or(
      data.task == Task::classification ? Loss::categorical_crossentropy : Loss::mse);
  auto on_start = [&progress, loss](const ModelMetadata& meta) {
    if (meta.task != Task::classification && loss == Loss::mse)
      progress.show_rmse(meta.target_scale);
  };
  const ThreadUse threads_before = thread_use();
  TrainingResult<Scalar> result =
      train_model<Scalar>(std::move(data), settings, warm_start ? &*warm_start : nullptr, callbacks,
                          checkpointing, on_start);
  progress.finish();
  report_checkpoint(checkpointing.path, result.checkpoint_epochs, a.quiet);

  if (!writer) return result.divergence ? kDivergedExitCode : interrupt_requested() ? 130 : 0;
  ModelMetadata& meta = result.model.metadata;
  meta.target = a.data.target;
  result.model.save(a.output);
  if (!a.history_file.empty()) write_history_csv(a.history_file, result.history);
  if (!a.report_dir.empty())
    write_train_report<Scalar>(a.report_dir, result, data_args, a.output, a.quiet);

  if (result.divergence) {
    std::fprintf(stderr,
                 "mlp: error: %s\nTry a lower --lr, or --on-divergence rollback to halve it and go "
                 "on. Saved %s (exit code %d).\n",
                 result.divergence->c_str(), a.output.c_str(), kDivergedExitCode);
    return kDivergedExitCode;
  }
  if (!a.quiet) print_summary<Scalar>(a, result, thread_use() - threads_before);
  return interrupt_requested() ? 130 : 0;
}

// The flags about the table: its dialect and its columns' roles.
void add_table_options(CLI::App& cmd, TrainArguments& a) {
  cmd.add_option("--ignore", a.ignore, "Comma-separated CSV columns that are not features");
  add_dialect_flags(cmd, a.table);
  add_column_flags(cmd, a.table);
}

// The engine's flags: penalty, weights, momentum, schedules, convergence, divergence.
void add_engine_options(CLI::App& cmd, EngineFlags& e) {
  cmd.add_option("--l2", e.l2,
                 "L2 penalty on the weights (scikit-learn's alpha). Default: 0, 1 under 500 rows")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--sample-weight", e.sample_weight,
                 "CSV column of per-sample weights (>= 0); the column is not a feature");
  cmd.add_option("--class-weight", e.class_weight,
                 "balanced: weigh each class by n / (classes x its count)")
      ->check(CLI::IsMember({"balanced"}));
  cmd.add_flag("--nesterov", e.nesterov, "Nesterov's momentum (with --optimizer momentum)");
  cmd.add_option("--power-t", e.power_t, "Exponent of --lr-schedule invscaling")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--tol", e.tol,
                 "Stop (adaptive: divide the learning rate by 5) when the loss has not improved "
                 "by this much for more than --n-iter-no-change epochs")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--n-iter-no-change", e.n_iter_no_change,
                 "Epochs without improvement for --tol; 0: off (adaptive: 10)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd.add_option("--on-divergence", e.on_divergence,
                 "On a NaN or infinite loss: stop and save the last good epoch's model (exit "
                 "code 4), or rollback to it, halve the learning rate and go on")
      ->check(CLI::IsMember({"stop", "rollback"}))
      ->capture_default_str();
  cmd.add_option("--max-rollbacks", e.max_rollbacks, "Rollbacks before stopping")
      ->check(integer_at_least(1))
      ->capture_default_str();
}

// --checkpoint, --checkpoint-every, --checkpoint-seconds, --resume.
void add_checkpoint_options(CLI::App& cmd, CheckpointFlags& c) {
  cmd.add_option("--checkpoint", c.path,
                 "Write the model and the whole training state to this file (atomically) as "
                 "training goes, so that --resume can continue it");
  cmd.add_option("--checkpoint-every", c.every_epochs,
                 "Write the checkpoint after every this many epochs (default: every epoch unless "
                 "--checkpoint-seconds is given)")
      ->check(integer_at_least(1));
  cmd.add_option("--checkpoint-seconds", c.every_seconds,
                 "Write the checkpoint after the first epoch that ends this many seconds after "
                 "the last write")
      ->check(positive_real());
  cmd.add_option("--resume", c.resume,
                 "Continue the run that wrote this checkpoint (same data and flags); the final "
                 "model is the one the run would have written without stopping. Checkpoints go "
                 "on to this file unless --checkpoint names another");
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArguments>();
  auto* cmd = app.add_subcommand(
      "train", "Train a model on a CSV file (--target COLUMN) or IDX images (--labels FILE)");
  cmd->add_option("DATA", a->data.path, "CSV file, or IDX images (raw or .gz)")->required();
  cmd->add_option("-o,--output", a->output, "Model file to write (safetensors)")->required();
  cmd->add_option("--target", a->data.target, "CSV column to predict");
  cmd->add_option("--labels", a->data.labels_path, "IDX labels file for IDX images");
  add_table_options(*cmd, *a);
  cmd->add_option("--layers", a->layers, "Hidden layer sizes, e.g. 64,32")->capture_default_str();
  cmd->add_option("--activation", a->activation, "Hidden activation")
      ->check(CLI::IsMember(activation_names(ActivationUse::nonlinear_hidden)))
      ->capture_default_str();
  cmd->add_option("--task", a->task, "What the target is (auto: guessed from its values)")
      ->check(CLI::IsMember({"auto", "classification", "regression"}))
      ->capture_default_str();
  cmd->add_option("--loss", a->loss,
                  "Loss (default: categorical_crossentropy for classes, mse for values; poisson: "
                  "counts, with an exponential output)")
      ->check(CLI::IsMember(loss_names(true)));
  cmd->add_option("--optimizer", a->optimizer,
                  "gd: full-batch gradient descent (the chapter's); sgd: minibatch; momentum; adam")
      ->check(CLI::IsMember(optimizer_names()))
      ->capture_default_str();
  cmd->add_option(
         "--lr", a->learning_rate,
         "Learning rate (default " + default_learning_rates_text() + "; adam 0.003 under 500 rows)")
      ->check(positive_real());
  cmd->add_option("--lr-schedule", a->schedule,
                  "Learning rate over the epochs: constant, decaying towards 0 at the last epoch "
                  "(cosine, linear), lr / (samples seen + 1)^power_t (invscaling), or divided by 5 "
                  "on each plateau (adaptive)")
      ->check(CLI::IsMember({"constant", "cosine", "linear", "invscaling", "adaptive"}))
      ->capture_default_str();
  cmd->add_option("--epochs", a->epochs, "Passes over the training data")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--batch-size", a->batch_size, "Samples per update (default 32; gd: all)")
      ->check(integer_at_least(1));
  cmd->add_option(
         "--validation", a->validation,
         "Fraction held out for validation (stratified for classes); 0: none. Default: 0.1, "
         "none under 500 rows")
      ->check(fraction());
  cmd->add_option("--early-stopping", a->early_stopping,
                  "Stop after this many epochs without a better validation loss and keep the "
                  "best epoch; 0: off")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of the weights, the split and the shuffling")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Floating-point type")
      ->check(CLI::IsMember({"f32", "f64"}))
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "Threads for large matrix products (0: all cores)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--sync-every", a->sync_every,
                  "Under mpirun: local SGD, each process steps on its share of every batch and "
                  "the models are averaged every this many steps; 0: synchronous")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--init", a->init_model, "Warm start from this model (same features)");
  cmd->add_option("--history", a->history_file,
                  "Write epoch, loss, val_loss, accuracy, val_accuracy to this CSV file");
  cmd->add_option("--report", a->report_dir,
                  "Write a report (index.html and one SVG per chart) to this folder");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors");
  add_engine_options(*cmd, a->engine);
  add_checkpoint_options(*cmd, a->checkpoint);
  cmd->callback([a] {
    const int code = a->dtype == "f64" ? run_train<double>(*a) : run_train<float>(*a);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace mlp::cli
