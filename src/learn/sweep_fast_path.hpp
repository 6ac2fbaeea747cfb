// The sweep's fast path for its many tiny trainings: fit's tiny path (src/nn/tiny_fit.hpp) called
// directly, from the initial parameters to the final counts, without a History or callbacks.
//
// Its weights equal fit's bit for bit: tests/learn/sweep_test.cpp checks this with every kernel
// for every shape where fast_path_applies() is true, and run_sweep checks it again at run time
// before using it. Anything else goes through Sequential::fit.
#pragma once

#include <cstdint>

#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/init.hpp"
#include "mlp/nn/loss.hpp"

namespace mlp {

struct FastPathNetwork {
  Index inputs = 2, hidden = 3, outputs = 1;
  Activation hidden_activation = Activation::sigmoid;
  Activation output_activation = Activation::sigmoid;
  Loss loss = Loss::sse;
  double learning_rate = 0.1;
};

// True when the sweep's fast path handles this network and number of samples: tiny_fit_applies.
bool fast_path_applies(const FastPathNetwork& spec, Index samples);

// Which implementation train_on_fast_path runs (TinyKernel's); all give the same bits.
enum class FastPathKernel { portable, avx2, best };

// True when train_on_fast_path can run `kernel` for this network and number of samples on this CPU.
bool fast_path_kernel_available(FastPathKernel kernel, const FastPathNetwork& spec, Index samples);

struct FastPathRun {
  Vector<double> parameters;  // final [W1 | b1 | W2 | b2], Sequential's layout
  Index final_correct = 0;    // samples classified right after the last update
  double final_loss = 0.0;    // loss_report after the last update
  // Updates after which the number of correct samples stayed >= `needed` until the end (0 when
  // it always was); -1 when the final count is below `needed`.
  int iterations_to_target = -1;
};

// Trains the network that Sequential would build from `spec`, initialized by
// Sequential::initialize(init, seed), for `iterations` full-batch gradient-descent updates on
// (X, Y). Throws InvalidArgument when fast_path_kernel_available() is false or shapes do not match,
// and fit's DivergenceError when a loss or parameter stops being finite.
FastPathRun train_on_fast_path(const FastPathNetwork& spec, const Initializer& init,
                               std::uint64_t seed, ConstMatrixRef<double> X,
                               ConstMatrixRef<double> Y, int iterations, Index needed,
                               FastPathKernel kernel = FastPathKernel::best);

}  // namespace mlp
