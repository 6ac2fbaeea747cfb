#include "commands/sweep.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/learn/sweep.hpp"
#include "mlp/learn/xor.hpp"
#include "shared/data_input.hpp"
#include "shared/output_path.hpp"
#include "shared/usage_error.hpp"
#include "shared/validators.hpp"

namespace mlp::cli {

namespace {

struct SweepArguments {
  DataArguments data;
  std::string ignore;
  std::string delimiter = ",";
  int seeds = 100;
  std::uint64_t first_seed = 0;
  std::string learning_rates = "0.01,0.1,0.5,1,5";
  std::string hidden = "2,3,4,8";
  std::string initializers = "uniform";
  std::string optimizers = "gd";
  int iterations = 5000;
  double accuracy = 1.0;
  std::string activation = "sigmoid";
  std::string loss;
  int threads = 0;
  std::string csv_file;
  std::string runs_file;
  std::string svg_file;
  bool reference = false;
  bool quiet = false;
};

std::vector<std::string> split_list(const std::string& text, const std::string& flag) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (item.empty()) throw UsageError(flag + ": empty item in '" + text + "'");
    items.push_back(item);
  }
  if (items.empty() || text.back() == ',')
    throw UsageError(flag + ": expected a comma-separated list, got '" + text + "'");
  return items;
}

std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  for (const std::string& item : split_list(text, "--eta")) {
    double value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || end != item.data() + item.size() || !std::isfinite(value) ||
        !(value > 0))
      throw UsageError("--eta: expected positive learning rates like 0.1,0.5, got '" + text + "'");
    rates.push_back(value);
  }
  return rates;
}

std::vector<Index> parse_sizes(const std::string& text) {
  std::vector<Index> sizes;
  for (const std::string& item : split_list(text, "--hidden")) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec != std::errc() || end != item.data() + item.size() || value < 1 || value > 100000)
      throw UsageError("--hidden: expected hidden layer sizes like 2,3,8 (each >= 1), got '" +
                       text + "'");
    sizes.push_back(static_cast<Index>(value));
  }
  return sizes;
}

std::vector<Initializer> parse_initializers(const std::string& text) {
  std::vector<Initializer> inits;
  for (const std::string& item : split_list(text, "--weights")) {
    try {
      inits.push_back(initializer_from_spec(item));
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--weights: ") + e.what());
    }
  }
  return inits;
}

std::vector<OptimizerSpec::Kind> parse_optimizers(const std::string& text) {
  std::vector<OptimizerSpec::Kind> kinds;
  for (const std::string& item : split_list(text, "--optimizer")) {
    const std::vector<std::string> full_batch = optimizer_names(false);
    if (std::find(full_batch.begin(), full_batch.end(), item) == full_batch.end())
      throw UsageError("--optimizer: expected " + join_names(full_batch) + " (full batch), got '" +
                       item + "'");
    kinds.push_back(optimizer_kind_from_string(item));
  }
  return kinds;
}

// The data to sweep on: X, Y and a description. CSV features are standardised (mean 0,
// variance 1 per column); two classes give one 0/1 output, more give one-hot outputs.
struct SweepData {
  Matrix<double> X, Y;
  std::string description;
  bool is_xor = false;
};

SweepData load_data(const SweepArguments& a) {
  SweepData d;
  if (a.data.path.empty()) {
    d.X = xor_inputs<double>();
    d.Y = xor_targets<double>();
    d.description = "XOR (the chapter's Table 1: 4 samples, 2 features)";
    d.is_xor = true;
    return d;
  }
  if (is_idx_file(a.data.path))
    throw UsageError(a.data.path +
                     ": sweep reads CSV files; IDX images are too large to train "
                     "thousands of times");
  DataArguments args = a.data;
  args.ignore = a.ignore.empty() ? std::vector<std::string>{} : split_list(a.ignore, "--ignore");
  args.delimiter = parse_delimiter(a.delimiter);
  Dataset<double> data = load_training_data<double>(args, std::nullopt);
  if (data.task != Task::classification)
    throw DataError(a.data.path + ": column '" + a.data.target +
                    "' holds numbers that look like a regression target; sweep measures "
                    "accuracy and needs class labels");
  StandardScaler<double> scaler;
  scaler.fit(data.features);
  scaler.transform(data.features);
  d.X = std::move(data.features);
  const int classes = static_cast<int>(data.class_names.size());
  if (classes == 2) {
    d.Y.resize(d.X.rows(), 1);
    for (Index i = 0; i < d.X.rows(); ++i) d.Y(i, 0) = data.labels[static_cast<std::size_t>(i)];
  } else {
    d.Y = one_hot<double>(data.labels, classes);
  }
  d.description = a.data.path + " (" + std::to_string(d.X.rows()) + " samples, " +
                  std::to_string(d.X.cols()) + " standardised features, " +
                  std::to_string(classes) + " classes)";
  return d;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
  return text;
}

int run_sweep_command(const SweepArguments& a) {
  SweepSettings s;
  s.seeds = a.seeds;
  s.first_seed = a.first_seed;
  s.learning_rates = parse_rates(a.learning_rates);
  s.hidden_sizes = parse_sizes(a.hidden);
  s.initializers = parse_initializers(a.initializers);
  s.optimizers = parse_optimizers(a.optimizers);
  s.iterations = a.iterations;
  s.target_accuracy = a.accuracy;
  s.hidden_activation = activation_from_string(a.activation);
  s.threads = a.threads;
  s.fast_path = !a.reference;
  check_writable(a.csv_file, "--csv");
  check_writable(a.runs_file, "--runs");
  check_writable(a.svg_file, "--svg");

  const SweepData data = load_data(a);
  s.output_activation = data.Y.cols() == 1 ? Activation::sigmoid : Activation::softmax;
  s.loss = !a.loss.empty()                              ? loss_from_string(a.loss)
           : s.output_activation == Activation::softmax ? Loss::categorical_crossentropy
                                                        : Loss::sse;
  s.validate();

  if (!a.quiet) {
    std::printf("mlp sweep: %s\n", data.description.c_str());
    std::printf(
        "networks %lld-H-%lld (%s hidden, %s output), %s loss, full batch, %d iterations, "
        "target accuracy %s\n",
        static_cast<long long>(data.X.cols()), static_cast<long long>(data.Y.cols()),
        a.activation.c_str(), std::string(to_string(s.output_activation)).c_str(),
        std::string(to_string(s.loss)).c_str(), s.iterations, percent(s.target_accuracy).c_str());
    std::printf(
        "%d seeds x %zu learning rates x %zu hidden sizes x %zu initializers x %zu "
        "optimizers = %zu trainings\n\n",
        s.seeds, s.learning_rates.size(), s.hidden_sizes.size(), s.initializers.size(),
        s.optimizers.size(), s.trainings());
    std::fflush(stdout);
  }

  const bool show_progress = !a.quiet && ::isatty(STDERR_FILENO);
  const SweepResult result = run_sweep(data.X, data.Y, s, [&](std::size_t done, std::size_t total) {
    if (!show_progress) return;
    std::fprintf(stderr, "\r%zu/%zu trainings", done, total);
    if (done == total) std::fprintf(stderr, "\r%*s\r", 40, "");
    std::fflush(stderr);
  });

  if (!a.quiet) {
    std::fputs(sweep_table(result).c_str(), stdout);
    std::printf("\n%zu trainings in %.2f s on %d threads (%zu by the tiny-network fast path)\n",
                result.runs.size(), result.seconds, result.threads, result.fast_path_runs);
    // The chapter's exact setting, when it is in the grid.
    for (const SweepCell& cell : result.cells) {
      if (!data.is_xor || cell.initializer.kind != Initializer::Kind::uniform ||
          cell.initializer.low != 0.0 || cell.initializer.high != 1.0 ||
          cell.optimizer != OptimizerSpec::Kind::gradient_descent || cell.learning_rate != 0.1 ||
          cell.hidden != 3 || s.iterations != 5000 || s.loss != Loss::sse ||
          s.hidden_activation != Activation::sigmoid || s.target_accuracy != 1.0)
        continue;
      std::printf(
          "the chapter's setting (U[0, 1) weights, eta 0.1, 3 hidden, 5000 iterations): "
          "%d/%d seeds solve XOR (%s, 95%% CI %s..%s); the chapter's NumPy code: 81/100\n",
          cell.solved, cell.runs, percent(cell.share).c_str(), percent(cell.wilson_low).c_str(),
          percent(cell.wilson_high).c_str());
    }
  }
  if (!a.csv_file.empty()) write_file_atomically(a.csv_file, sweep_csv(result));
  if (!a.runs_file.empty()) write_file_atomically(a.runs_file, sweep_runs_csv(result));
  if (!a.svg_file.empty()) write_file_atomically(a.svg_file, sweep_svg(result));
  return 0;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto a = std::make_shared<SweepArguments>();
  auto* cmd = app.add_subcommand(
      "sweep",
      "The chapter's fragility measured: train a grid of seeds x learning rates x hidden sizes "
      "(x initializers x optimizers) on XOR or a CSV file and report the share of seeds that "
      "reach the target accuracy");
  cmd->add_option("DATA", a->data.path, "CSV file with class labels (default: the XOR table)");
  cmd->add_option("--target", a->data.target, "CSV column holding the class labels");
  cmd->add_option("--ignore", a->ignore, "Comma-separated CSV columns that are not features");
  cmd->add_option("--delimiter", a->delimiter, "CSV field separator (one character, or \\t)")
      ->capture_default_str();
  cmd->add_option("--seeds", a->seeds, "Seeds of the initial weights per cell")
      ->check(integer_at_least(1))
      ->capture_default_str();
  cmd->add_option("--first-seed", a->first_seed, "First seed (seeds S..S+N-1)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--eta", a->learning_rates, "Learning rates, comma-separated")
      ->capture_default_str();
  cmd->add_option("--hidden", a->hidden, "Hidden layer sizes (one hidden layer), comma-separated")
      ->capture_default_str();
  cmd->add_option("--weights", a->initializers,
                  "Initializers, comma-separated: uniform (U[0, 1), the chapter's), "
                  "uniform:LOW:HIGH, normal:MEAN:STDDEV, glorot_uniform, glorot_normal, "
                  "he_uniform, he_normal")
      ->capture_default_str();
  cmd->add_option("--optimizer", a->optimizers,
                  "Optimizers, comma-separated: gd (the chapter's), momentum, adam")
      ->capture_default_str();
  cmd->add_option("--iterations", a->iterations, "Full-batch updates per training")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--accuracy", a->accuracy,
                  "Target training accuracy, a fraction in (0, 1] (1: every sample right)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double value = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (ec != std::errc() || end != text.data() + text.size() || !(value > 0) || value > 1)
              return "expected a fraction in (0, 1], got '" + text + "'";
            return {};
          },
          "0<X<=1"))
      ->capture_default_str();
  cmd->add_option("--activation", a->activation, "Hidden activation")
      ->check(CLI::IsMember(activation_names(ActivationUse::nonlinear_hidden)))
      ->capture_default_str();
  cmd->add_option("--loss", a->loss,
                  "Loss (default sse for one sigmoid output, categorical_crossentropy for "
                  "several classes)")
      ->check(CLI::IsMember(loss_names(true)));
  cmd->add_option("--threads", a->threads, "Threads (0: one per core)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--csv", a->csv_file, "Write one line per cell to this CSV file");
  cmd->add_option("--runs", a->runs_file, "Write one line per training to this CSV file");
  cmd->add_option("--svg", a->svg_file,
                  "Write the table as a heatmap (share of seeds solved) to this SVG file");
  cmd->add_flag("--reference", a->reference,
                "Train every network with Sequential::fit's general path, not the tiny path");
  cmd->add_flag("-q,--quiet", a->quiet, "Print nothing but errors");
  cmd->callback([a] { run_sweep_command(*a); });
}

}  // namespace mlp::cli
