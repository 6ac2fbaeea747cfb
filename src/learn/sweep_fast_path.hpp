// A fast path for the sweep's many tiny trainings: full-batch gradient descent of a network with
// one hidden layer, written as plain loops over small arrays (and, for 4 samples, as AVX2 code
// with the samples in the lanes of registers) instead of Sequential::fit's general machinery
// (Eigen expressions on dynamic views, per-epoch History, the Optimizer object).
//
// It performs the same floating-point operations in the same order as Sequential::fit does for
// these shapes (each sum of products taken term by term in index order, the bias added last, as
// the dense kernels evaluate products this small, and the same sigmoid), so its weights equal
// fit's bit for bit: tests/learn/sweep_test.cpp checks this with every kernel for every shape where
// fast_path_applies() is true, and run_sweep checks it again at run time before using it.
// Anything else goes through Sequential::fit.
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

// True when the sweep's fast path handles this network and number of samples: sigmoid hidden and
// output layers, the sse loss, one output, at most 4 samples, and shapes small enough that every
// matrix product of a training step is summed term by term by the dense kernels (the two
// sizes of the result plus the summed size below 20: Eigen's coefficient-based products).
bool fast_path_applies(const FastPathNetwork& spec, Index samples);

// Which implementation train_on_fast_path runs; all give the same bits:
//   portable  plain loops over the samples, on any CPU, for every network fast_path_applies
//             accepts
//   avx2      the 4 samples in the 4 lanes of AVX2 registers, the parameters held in registers:
//             4 samples and the shapes it is compiled for (see sweep_fast_path_avx2.cpp), on CPUs
//             with AVX2
//   best      avx2 where it is available, else portable
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
// (X, Y). Throws InvalidArgument when fast_path_kernel_available() is false or shapes do not match.
FastPathRun train_on_fast_path(const FastPathNetwork& spec, const Initializer& init,
                               std::uint64_t seed, ConstMatrixRef<double> X,
                               ConstMatrixRef<double> Y, int iterations, Index needed,
                               FastPathKernel kernel = FastPathKernel::best);

}  // namespace mlp
