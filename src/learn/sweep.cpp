#include "mlp/learn/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <sstream>
#include <thread>

#include "learn/sweep_fast_path.hpp"
#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/output.hpp"
#include "mlp/svg/document.hpp"
#include "mlp/svg/heatmap.hpp"

namespace mlp {

namespace {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  // Shortest text that reads back to the same double.
  for (int digits = 1; digits <= 17; ++digits) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", digits, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return text;
}

bool parse_double(const std::string& text, double& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

OptimizerSpec optimizer_for(OptimizerSpec::Kind kind, double eta) {
  switch (kind) {
    case OptimizerSpec::Kind::momentum:
      return OptimizerSpec::with_momentum(eta);
    case OptimizerSpec::Kind::adam:
      return OptimizerSpec::adam(eta);
    case OptimizerSpec::Kind::gradient_descent:
      break;
  }
  return OptimizerSpec::gradient_descent(eta);
}

// The median of the values that are not NaN (a diverged run's loss); NaN when there are none.
double median(std::vector<double> values) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// The samples a run must get right to reach the target accuracy.
Index needed_correct(double target, Index samples) {
  return static_cast<Index>(std::ceil(target * static_cast<double>(samples) - 1e-9));
}

// One training of the grid with Sequential::fit (the reference path).
SweepRun train_with_fit(ConstMatrixRef<double> X, ConstMatrixRef<double> Y, const SweepSettings& s,
                        const SweepCell& cell, std::uint64_t seed) {
  Sequential<double> net(X.cols());
  net.add(cell.hidden, s.hidden_activation).add(Y.cols(), s.output_activation);
  net.initialize(cell.initializer, seed);
  net.compile(s.loss, optimizer_for(cell.optimizer, cell.learning_rate));
  FitOptions options;
  options.epochs = s.iterations;
  options.tiny_path = false;  // the reference: fit's general path
  const History history = net.fit(X, Y, options);

  const Index n = X.rows();
  const Index needed = needed_correct(s.target_accuracy, n);
  const Matrix<double> A = net.predict_proba(X);
  const Index correct = count_correct<double>(s.output_activation, A, Y);
  SweepRun run;
  run.seed = seed;
  run.final_accuracy = static_cast<double>(correct) / static_cast<double>(n);
  run.final_loss = loss_report<double>(s.loss, A, Y);
  run.solved = correct >= needed;
  if (run.solved) {
    // history.accuracy[e] is measured before update e + 1, i.e. after e updates.
    int last_below = -1;
    for (std::size_t e = 0; e < history.accuracy.size(); ++e) {
      const auto correct_then =
          static_cast<Index>(std::llround(history.accuracy[e] * static_cast<double>(n)));
      if (correct_then < needed) last_below = static_cast<int>(e);
    }
    run.iterations_to_target = last_below + 1;
  }
  return run;
}

FastPathNetwork fast_path_spec(ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
                               const SweepSettings& s, const SweepCell& cell) {
  FastPathNetwork spec;
  spec.inputs = X.cols();
  spec.hidden = cell.hidden;
  spec.outputs = Y.cols();
  spec.hidden_activation = s.hidden_activation;
  spec.output_activation = s.output_activation;
  spec.loss = s.loss;
  spec.learning_rate = cell.learning_rate;
  return spec;
}

// Whether the sweep's fast path may train this cell: it must apply, and -- checked here, at run
// time, with this build's compiler flags -- give the very parameters Sequential::fit's general
// path gives after a few dozen updates. Otherwise the cell goes through fit.
bool fast_path_verified(ConstMatrixRef<double> X, ConstMatrixRef<double> Y, const SweepSettings& s,
                        const SweepCell& cell) {
  if (!s.fast_path || cell.optimizer != OptimizerSpec::Kind::gradient_descent) return false;
  const FastPathNetwork spec = fast_path_spec(X, Y, s, cell);
  if (!fast_path_applies(spec, X.rows())) return false;
  const int probe_iterations = 40;
  Sequential<double> net(X.cols());
  net.add(cell.hidden, s.hidden_activation).add(Y.cols(), s.output_activation);
  net.initialize(cell.initializer, s.first_seed);
  net.compile(s.loss, OptimizerSpec::gradient_descent(cell.learning_rate));
  FitOptions options;
  options.epochs = probe_iterations;
  options.tiny_path = false;  // fit's general path, against which the fast path is checked
  net.fit(X, Y, options);
  const FastPathRun tiny =
      train_on_fast_path(spec, cell.initializer, s.first_seed, X, Y, probe_iterations, X.rows());
  return tiny.parameters == net.parameters();
}

SweepRun train_one(ConstMatrixRef<double> X, ConstMatrixRef<double> Y, const SweepSettings& s,
                   const SweepCell& cell, std::uint64_t seed, bool fast) {
  if (!fast) return train_with_fit(X, Y, s, cell, seed);
  const Index needed = needed_correct(s.target_accuracy, X.rows());
  const FastPathRun tiny = train_on_fast_path(fast_path_spec(X, Y, s, cell), cell.initializer, seed,
                                              X, Y, s.iterations, needed);
  SweepRun run;
  run.seed = seed;
  run.final_accuracy = static_cast<double>(tiny.final_correct) / static_cast<double>(X.rows());
  run.final_loss = tiny.final_loss;
  run.solved = tiny.final_correct >= needed;
  if (run.solved) run.iterations_to_target = tiny.iterations_to_target;
  return run;
}

}  // namespace

void SweepSettings::validate() const {
  if (seeds < 1)
    throw InvalidArgument("sweep: at least one seed is needed, got " + std::to_string(seeds));
  if (initializers.empty()) throw InvalidArgument("sweep: no initializer given");
  if (optimizers.empty()) throw InvalidArgument("sweep: no optimizer given");
  if (learning_rates.empty()) throw InvalidArgument("sweep: no learning rate given");
  if (hidden_sizes.empty()) throw InvalidArgument("sweep: no hidden size given");
  for (double eta : learning_rates)
    if (!(eta > 0.0) || !std::isfinite(eta))
      throw InvalidArgument("sweep: learning rates must be positive numbers, got " +
                            format_number(eta));
  for (Index h : hidden_sizes)
    if (h < 1) throw InvalidArgument("sweep: hidden sizes must be >= 1, got " + std::to_string(h));
  if (iterations < 0) throw InvalidArgument("sweep: iterations must be >= 0");
  if (!(target_accuracy > 0.0 && target_accuracy <= 1.0))
    throw InvalidArgument("sweep: the target accuracy must be in (0, 1], got " +
                          format_number(target_accuracy));
  if (threads < 0) throw InvalidArgument("sweep: threads must be >= 0");
  if (!output_is_classification(output_activation))
    throw InvalidArgument("sweep: the output must be sigmoid or softmax (classification), not " +
                          std::string(to_string(output_activation)));
  check_loss_matches_output(loss, output_activation);
}

std::size_t SweepSettings::trainings() const {
  return static_cast<std::size_t>(seeds) * initializers.size() * optimizers.size() *
         learning_rates.size() * hidden_sizes.size();
}

namespace {

void check_sweep_data(ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
                      const SweepSettings& settings) {
  if (X.rows() == 0) throw InvalidArgument("sweep: the data has no samples");
  if (X.cols() == 0) throw InvalidArgument("sweep: the data has no features");
  if (Y.rows() != X.rows() || Y.cols() == 0)
    throw InvalidArgument("sweep: " + std::to_string(X.rows()) + " samples but " +
                          std::to_string(Y.rows()) + " targets");
  if (settings.output_activation == Activation::softmax && Y.cols() < 2)
    throw InvalidArgument("sweep: a softmax output needs one-hot targets of at least 2 columns");
}

// The cells of the grid: initializers x optimizers x learning rates x hidden sizes, in this order.
std::vector<SweepCell> grid_cells(const SweepSettings& settings) {
  std::vector<SweepCell> cells;
  for (const Initializer& init : settings.initializers)
    for (OptimizerSpec::Kind kind : settings.optimizers)
      for (double eta : settings.learning_rates)
        for (Index hidden : settings.hidden_sizes) {
          SweepCell cell;
          cell.initializer = init;
          cell.optimizer = kind;
          cell.learning_rate = eta;
          cell.hidden = hidden;
          cells.push_back(cell);
        }
  return cells;
}

// Trains every (cell, seed) of result.cells on `threads` threads into result.runs (cell-major),
// calling `progress` about every 100 ms; fast_cells[c] says whether cell c uses the tiny
// trainer. Sets result.seconds and result.fast_path_runs; rethrows the first training's error.
void train_all(ConstMatrixRef<double> X, ConstMatrixRef<double> Y, const SweepSettings& settings,
               const std::vector<char>& fast_cells, int threads,
               const std::function<void(std::size_t, std::size_t)>& progress, SweepResult& result) {
  const std::size_t seeds = static_cast<std::size_t>(settings.seeds);
  const std::size_t total = result.runs.size();
  std::atomic<std::size_t> next{0}, done{0}, fast{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex mutex;
  std::condition_variable finished;
  auto worker = [&] {
    for (;;) {
      const std::size_t job = next.fetch_add(1);
      if (job >= total || failed.load()) break;
      const std::size_t c = job / seeds;
      const std::uint64_t seed = settings.first_seed + job % seeds;
      try {
        SweepRun run = train_one(X, Y, settings, result.cells[c], seed, fast_cells[c] != 0);
        run.cell = c;
        result.runs[job] = run;
        if (fast_cells[c]) fast.fetch_add(1);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
      if (done.fetch_add(1) + 1 == total) {
        std::lock_guard lock(mutex);
        finished.notify_all();
      }
    }
    std::lock_guard lock(mutex);
    finished.notify_all();
  };

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  if (progress) {
    std::unique_lock lock(mutex);
    for (;;) {
      finished.wait_for(lock, std::chrono::milliseconds(100));
      if (done.load() >= total || failed.load()) break;
      lock.unlock();
      progress(done.load(), total);
      lock.lock();
    }
  }
  for (auto& thread : pool) thread.join();
  if (progress && !error) progress(total, total);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (error) std::rethrow_exception(error);
  result.fast_path_runs = fast.load();
}

// Each cell's share of seeds solved with its Wilson interval, and its medians.
void summarise_cells(std::size_t seeds, SweepResult& result) {
  for (std::size_t c = 0; c < result.cells.size(); ++c) {
    SweepCell& cell = result.cells[c];
    std::vector<double> iterations, losses;
    for (std::size_t i = 0; i < seeds; ++i) {
      const SweepRun& run = result.runs[c * seeds + i];
      ++cell.runs;
      losses.push_back(run.final_loss);
      if (run.solved) {
        ++cell.solved;
        iterations.push_back(run.iterations_to_target);
      }
    }
    cell.share = static_cast<double>(cell.solved) / static_cast<double>(cell.runs);
    const Interval ci = wilson_interval(cell.solved, cell.runs);
    cell.wilson_low = ci.low;
    cell.wilson_high = ci.high;
    cell.median_iterations = median(iterations);
    cell.median_final_loss = median(losses);
  }
}

}  // namespace

SweepResult run_sweep(ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
                      const SweepSettings& settings,
                      const std::function<void(std::size_t, std::size_t)>& progress) {
  settings.validate();
  check_sweep_data(X, Y, settings);

  SweepResult result;
  result.settings = settings;
  result.samples = X.rows();
  result.inputs = X.cols();
  result.outputs = Y.cols();
  result.cells = grid_cells(settings);

  std::vector<char> fast_cells(result.cells.size(), 0);
  for (std::size_t c = 0; c < result.cells.size(); ++c)
    fast_cells[c] = fast_path_verified(X, Y, settings, result.cells[c]) ? 1 : 0;

  const std::size_t seeds = static_cast<std::size_t>(settings.seeds);
  const std::size_t total = result.cells.size() * seeds;
  result.runs.resize(total);
  int threads = settings.threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), total));
  result.threads = threads;

  train_all(X, Y, settings, fast_cells, threads, progress, result);
  summarise_cells(seeds, result);
  return result;
}

Interval wilson_interval(int successes, int trials, double z) {
  if (trials <= 0) throw InvalidArgument("wilson_interval: trials must be > 0");
  const double n = trials, p = successes / n, z2 = z * z;
  const double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const double half = z / (1 + z2 / n) * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  Interval interval{std::max(0.0, centre - half), std::min(1.0, centre + half)};
  if (successes <= 0) interval.low = 0.0;
  if (successes >= trials) interval.high = 1.0;
  return interval;
}

Initializer initializer_from_spec(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream stream(spec);
  std::string part;
  while (std::getline(stream, part, ':')) parts.push_back(part);
  if (!spec.empty() && spec.back() == ':') parts.push_back("");
  const auto bad = [&] {
    return InvalidArgument(
        "unknown initializer '" + spec +
        "' (expected uniform, uniform:LOW:HIGH, normal, normal:MEAN:STDDEV, glorot_uniform, "
        "glorot_normal, he_uniform or he_normal)");
  };
  if (parts.empty()) throw bad();
  Initializer::Kind kind;
  try {
    kind = initializer_kind_from_string(parts[0]);
  } catch (const InvalidArgument&) {
    throw bad();
  }
  if (parts.size() == 1) {
    if (kind == Initializer::Kind::uniform) return Initializer::uniform(0.0, 1.0);
    if (kind == Initializer::Kind::normal) return Initializer::normal();
    return Initializer{kind};
  }
  double a = 0, b = 0;
  if (parts.size() != 3 || !parse_double(parts[1], a) || !parse_double(parts[2], b)) throw bad();
  if (kind == Initializer::Kind::uniform) {
    if (!(a < b)) throw InvalidArgument("initializer '" + spec + "': LOW must be below HIGH");
    return Initializer::uniform(a, b);
  }
  if (kind == Initializer::Kind::normal) {
    if (!(b > 0)) throw InvalidArgument("initializer '" + spec + "': STDDEV must be positive");
    return Initializer::normal(a, b);
  }
  throw InvalidArgument("initializer '" + spec + "': only uniform and normal take parameters");
}

std::string initializer_spec(const Initializer& init) {
  switch (init.kind) {
    case Initializer::Kind::uniform:
      return "uniform:" + format_number(init.low) + ":" + format_number(init.high);
    case Initializer::Kind::normal:
      return "normal:" + format_number(init.mean) + ":" + format_number(init.stddev);
    default:
      return to_string(init.kind);
  }
}

std::string sweep_table(const SweepResult& result) {
  const SweepSettings& s = result.settings;
  std::string out;
  char line[256];
  const std::size_t per_block = s.learning_rates.size() * s.hidden_sizes.size();
  for (std::size_t block = 0; block * per_block < result.cells.size(); ++block) {
    const SweepCell& first = result.cells[block * per_block];
    std::snprintf(line, sizeof line,
                  "%sinitializer %s, optimizer %s: seeds solved of %d (median iterations to "
                  "target)\n",
                  block == 0 ? "" : "\n", initializer_spec(first.initializer).c_str(),
                  to_string(first.optimizer).c_str(), s.seeds);
    out += line;
    out += "hidden \\ eta";
    for (double eta : s.learning_rates) {
      std::snprintf(line, sizeof line, "  %16s", format_number(eta).c_str());
      out += line;
    }
    out += "\n";
    for (std::size_t h = 0; h < s.hidden_sizes.size(); ++h) {
      std::snprintf(line, sizeof line, "%12lld", static_cast<long long>(s.hidden_sizes[h]));
      out += line;
      for (std::size_t e = 0; e < s.learning_rates.size(); ++e) {
        const SweepCell& cell = result.cells[block * per_block + e * s.hidden_sizes.size() + h];
        std::string text = std::to_string(cell.solved) + "/" + std::to_string(cell.runs);
        if (cell.solved > 0) {
          char it[32];
          std::snprintf(it, sizeof it, " (%.0f)", cell.median_iterations);
          text += it;
        } else {
          text += " (-)";
        }
        std::snprintf(line, sizeof line, "  %16s", text.c_str());
        out += line;
      }
      out += "\n";
    }
  }
  return out;
}

namespace {

std::string cell_fields(const SweepCell& cell) {
  return initializer_spec(cell.initializer) + "," + to_string(cell.optimizer) + "," +
         format_number(cell.learning_rate) + "," + std::to_string(cell.hidden);
}

std::string optional_number(double value) {
  return std::isnan(value) ? "" : format_number(value);
}

}  // namespace

std::string sweep_csv(const SweepResult& result) {
  std::string out =
      "initializer,optimizer,learning_rate,hidden,runs,solved,share,wilson_low,wilson_high,"
      "median_iterations,median_final_loss\n";
  for (const SweepCell& cell : result.cells) {
    out += cell_fields(cell) + "," + std::to_string(cell.runs) + "," + std::to_string(cell.solved) +
           "," + format_number(cell.share) + "," + format_number(cell.wilson_low) + "," +
           format_number(cell.wilson_high) + "," + optional_number(cell.median_iterations) + "," +
           optional_number(cell.median_final_loss) + "\n";
  }
  return out;
}

std::string sweep_runs_csv(const SweepResult& result) {
  std::string out =
      "initializer,optimizer,learning_rate,hidden,seed,solved,final_accuracy,final_loss,"
      "iterations_to_target\n";
  for (const SweepRun& run : result.runs) {
    out += cell_fields(result.cells[run.cell]) + "," + std::to_string(run.seed) + "," +
           (run.solved ? "1" : "0") + "," + format_number(run.final_accuracy) + "," +
           format_number(run.final_loss) + "," +
           (run.solved ? std::to_string(run.iterations_to_target) : "") + "\n";
  }
  return out;
}

std::string sweep_svg(const SweepResult& result) {
  const SweepSettings& s = result.settings;
  const std::size_t per_block = s.learning_rates.size() * s.hidden_sizes.size();
  const std::size_t blocks = result.cells.size() / per_block;
  const double width = std::max(680.0, 230 + 124 * static_cast<double>(s.learning_rates.size()));
  const double block_height = 150 + 56 * static_cast<double>(s.hidden_sizes.size());
  const std::string what =
      result.outputs == 1 && result.inputs == 2 && result.samples == 4 ? "XOR" : "the data";
  svg::Document doc(width, block_height * static_cast<double>(blocks),
                    "Share of seeds that solve " + what);
  for (std::size_t block = 0; block < blocks; ++block) {
    const SweepCell& first = result.cells[block * per_block];
    svg::Heatmap map;
    char target[32];
    std::snprintf(target, sizeof target, "%g%%", 100.0 * s.target_accuracy);
    map.title = "Seeds reaching " + std::string(target) + " accuracy on " + what + " (" +
                std::to_string(s.seeds) + " seeds, " + std::to_string(s.iterations) +
                " iterations)";
    map.subtitle = "weights " + initializer_spec(first.initializer) + ", optimizer " +
                   to_string(first.optimizer) +
                   "; in each cell: solved/seeds and the median "
                   "iterations to the target";
    map.x_label = "learning rate eta";
    map.y_label = "hidden units";
    map.value_label = "share solved";
    map.range = {{0.0, 1.0}};
    map.max_cell = 124;
    map.values.resize(static_cast<Index>(s.hidden_sizes.size()),
                      static_cast<Index>(s.learning_rates.size()));
    for (double eta : s.learning_rates) map.column_labels.push_back(format_number(eta));
    for (Index h : s.hidden_sizes) map.row_labels.push_back(std::to_string(h));
    for (std::size_t h = 0; h < s.hidden_sizes.size(); ++h)
      for (std::size_t e = 0; e < s.learning_rates.size(); ++e) {
        const SweepCell& cell = result.cells[block * per_block + e * s.hidden_sizes.size() + h];
        map.values(static_cast<Index>(h), static_cast<Index>(e)) = cell.share;
      }
    // cell_text is row-major over (hidden, eta).
    for (std::size_t h = 0; h < s.hidden_sizes.size(); ++h)
      for (std::size_t e = 0; e < s.learning_rates.size(); ++e) {
        const SweepCell& cell = result.cells[block * per_block + e * s.hidden_sizes.size() + h];
        std::string text = std::to_string(cell.solved) + "/" + std::to_string(cell.runs);
        if (cell.solved > 0) {
          char it[32];
          std::snprintf(it, sizeof it, " (%.0f)", cell.median_iterations);
          text += it;
        }
        map.cell_text.push_back(text);
      }
    map.draw(doc, {0, block_height * static_cast<double>(block), width, block_height});
  }
  return doc.str();
}

}  // namespace mlp
