// The chapter's closing claim measured: Multilayer Perceptrons are "fragile" -- "a +0.001 in the
// learning rate, random uniform weights instead of random normal weights, or even a different
// random seed can turn a perfectly functional neural network into a useless one".
//
// A sweep trains one network per seed for every cell of a grid of initializers x optimizers x
// learning rates x hidden sizes (one hidden layer), full batch, on a classification data set
// (XOR by default), on all cores, and reports for each cell the share of seeds whose network
// classifies the training data with the target accuracy at the end, with a 95% Wilson interval,
// and the median number of iterations it took.
//
//   mlp::SweepSettings settings;                       // the default grid below, on XOR
//   mlp::SweepResult result = mlp::run_sweep(X, Y, settings);
//   std::fputs(mlp::sweep_table(result).c_str(), stdout);
//   mlp::write_file_atomically("sweep.csv", mlp::sweep_csv(result));
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/init.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/optimizer.hpp"

namespace mlp {

struct SweepSettings {
  int seeds = 100;  // seeds first_seed .. first_seed + seeds - 1 of the initial weights
  std::uint64_t first_seed = 0;
  std::vector<Initializer> initializers{XorSetup{}.weights};  // the chapter's
  std::vector<OptimizerSpec::Kind> optimizers{OptimizerSpec::Kind::gradient_descent};
  std::vector<double> learning_rates{0.01, 0.1, 0.5, 1.0, 5.0};
  std::vector<Index> hidden_sizes{2, 3, 4, 8};
  int iterations = XorSetup{}.iterations;  // full-batch updates per training
  double target_accuracy = 1.0;  // a run "solves" the data when its final accuracy is >= this
  Activation hidden_activation = Activation::sigmoid;
  Activation output_activation = Activation::sigmoid;  // softmax for one-hot targets
  Loss loss = Loss::sse;
  int threads = 0;        // 0: one per core (std::thread::hardware_concurrency)
  bool fast_path = true;  // use the tiny-network trainer (sweep_fast_path.hpp) where it applies

  // Throws InvalidArgument naming the bad setting (empty lists, a non-positive learning rate,
  // hidden size or seed count, iterations < 0, a target outside (0, 1], threads < 0, a loss that
  // does not fit the output).
  void validate() const;
  // Number of trainings: seeds x cells.
  std::size_t trainings() const;
};

// One training of the grid.
struct SweepRun {
  std::size_t cell = 0;  // index into SweepResult::cells
  std::uint64_t seed = 0;
  bool solved = false;
  double final_accuracy = 0.0;  // after the last update
  double final_loss = 0.0;      // loss_report after the last update
  // Updates after which the training accuracy stayed >= the target until the end; -1 when the
  // run is not solved.
  int iterations_to_target = -1;
};

struct SweepCell {
  Initializer initializer;
  OptimizerSpec::Kind optimizer = OptimizerSpec::Kind::gradient_descent;
  double learning_rate = 0.1;
  Index hidden = 3;
  int runs = 0, solved = 0;
  double share = 0.0;                                                   // solved / runs
  double wilson_low = 0.0, wilson_high = 0.0;                           // 95% interval of the share
  double median_iterations = std::numeric_limits<double>::quiet_NaN();  // of the solved runs
  double median_final_loss = std::numeric_limits<double>::quiet_NaN();
};

struct SweepResult {
  SweepSettings settings;
  Index samples = 0, inputs = 0, outputs = 0;
  std::vector<SweepCell> cells;    // initializer-major, then optimizer, learning rate, hidden size
  std::vector<SweepRun> runs;      // cell-major, seeds in order
  double seconds = 0.0;            // wall-clock time of the trainings
  int threads = 1;                 // threads used
  std::size_t fast_path_runs = 0;  // trainings done by the tiny-network trainer
};

// Trains the grid on (X, Y): X samples x features, Y samples x outputs (0/1 for one sigmoid
// output, one-hot for softmax). `progress`, when given, is called from the calling thread about
// ten times a second and at the end with (trainings done, trainings in all). Throws
// InvalidArgument for bad settings or shapes; the result does not depend on the thread count.
SweepResult run_sweep(ConstMatrixRef<double> X, ConstMatrixRef<double> Y,
                      const SweepSettings& settings,
                      const std::function<void(std::size_t, std::size_t)>& progress = {});

// Wilson score interval of a binomial proportion, successes of trials, for the normal quantile z
// (1.96 for 95%). trials must be > 0.
struct Interval {
  double low = 0.0, high = 0.0;
};
Interval wilson_interval(int successes, int trials, double z = 1.959963984540054);

// Initializers written as text: "uniform" (U[0, 1), the chapter's), "uniform:LOW:HIGH",
// "normal" (N(0, 0.05^2)), "normal:MEAN:STDDEV", "glorot_uniform", "glorot_normal",
// "he_uniform", "he_normal" (and the aliases of initializer_kind_from_string). Throws
// InvalidArgument with the accepted forms.
Initializer initializer_from_spec(const std::string& spec);
// The inverse: "uniform:0:1", "normal:0:0.01", "glorot_uniform", ...
std::string initializer_spec(const Initializer& init);

// The result as text tables: for each initializer and optimizer, hidden sizes down and learning
// rates across, each cell "solved/runs" and the median iterations to the target.
std::string sweep_table(const SweepResult& result);
// One CSV line per cell: initializer,optimizer,learning_rate,hidden,runs,solved,share,
// wilson_low,wilson_high,median_iterations,median_final_loss (empty when undefined).
std::string sweep_csv(const SweepResult& result);
// One CSV line per training: the cell's settings, seed,solved,final_accuracy,final_loss,
// iterations_to_target (empty when not solved).
std::string sweep_runs_csv(const SweepResult& result);
// The result as an SVG picture (svg_heatmap.hpp): one heatmap per initializer and optimizer,
// hidden sizes down and learning rates across, each cell coloured by the share of seeds solved
// (viridis, 0 to 1) and labelled "solved/runs" with the median iterations below.
std::string sweep_svg(const SweepResult& result);

}  // namespace mlp
