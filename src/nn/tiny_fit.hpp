// Internal to the library: the tiny path of Sequential::fit. Full-batch gradient descent (or
// momentum, or Adam) of a network with one hidden layer on a few samples, written as plain loops
// over small arrays (and, for 4 samples, as AVX2 code with the samples in the lanes of registers)
// instead of fit's general machinery (Eigen expressions on dynamic views, the workspace, the
// Optimizer object).
//
// It performs the same floating-point operations in the same order as the general path does for
// these shapes (each sum of products taken term by term in index order, the bias added last, as
// the dense kernels evaluate products this small, and the same sigmoid), and records each epoch
// as the general path does (the loss, the correct samples, the last good epoch), so its weights
// and its History equal the general path's bit for bit: tests/nn/tiny_fit_test.cpp checks this
// with every kernel on every shape where tiny_fit_applies() is true. fit takes it by itself
// (src/nn/fit.cpp); `mlp sweep` calls it through src/learn/sweep_fast_path.hpp.
#pragma once

#include <cstdint>
#include <limits>

#include "kernels/tiny_fit_kernels.hpp"
#include "mlp/core/matrix.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/loss.hpp"

namespace mlp {

struct TinyNetwork {
  Index inputs = 2, hidden = 3, outputs = 1;
  Activation hidden_activation = Activation::sigmoid;
  Activation output_activation = Activation::sigmoid;
  Loss loss = Loss::sse;
};

// True when the tiny path handles this network and number of samples (of floats when `floats`,
// else doubles): a sigmoid, ReLU or (doubles) tanh hidden
// layer, one sigmoid output, the sse, mse or binary cross-entropy loss, and at most 16 samples,
// inputs and hidden units, so that every matrix product of a training step is one that the dense
// kernels sum term by term in index order (gemm's tiny products).
bool tiny_fit_applies(const TinyNetwork& network, Index samples, bool floats = false);

// Which implementation train_tiny runs; all give the same bits:
//   portable  plain loops over the samples, on any CPU, for every network tiny_fit_applies
//             accepts
//   avx2      the 4 samples in the 4 lanes of AVX2 registers, the parameters held in registers:
//             4 samples, a sigmoid hidden layer, the sse loss and the shapes it is compiled for
//             (see tiny_fit_avx2.cpp), on CPUs with AVX2
//   best      avx2 where it is available, else portable
enum class TinyKernel { portable, avx2, best };

// True when train_tiny can run `kernel` for this network and number of samples on this CPU.
bool tiny_kernel_available(TinyKernel kernel, const TinyNetwork& network, Index samples);

// What to train and what to record: tiny_fit_detail::LaneProblem's fields (learning rate, epochs,
// needed, the optional records and the last good epoch's tracking) without the data. The losses,
// accuracies and the bar of the last good epoch are doubles, as in fit's History.
template <class Scalar>
struct TinyTraining {
  double learning_rate = 0.1;
  int epochs = 0;
  Index needed = 0;
  double* losses = nullptr;     // (epochs) or null
  double* accuracy = nullptr;   // (epochs) or null
  Scalar* gradients = nullptr;  // (parameters) or null
  double good_loss = std::numeric_limits<double>::infinity();
  Scalar* good_parameters = nullptr;  // (parameters) or null
  Scalar* outputs = nullptr;          // (samples) or null
  // Momentum (Optimizer::step's rule), when velocity is not null: v, updated in place, and its
  // value at the last good epoch (with good_parameters). The AVX2 kernel has no momentum.
  double momentum = 0.0;
  bool nesterov = false;
  Scalar* velocity = nullptr;       // (parameters) or null: plain gradient descent
  Scalar* good_velocity = nullptr;  // (parameters), with velocity and good_parameters
  // Adam (Optimizer::step's rule, by the same kernel), when first_moment is not null: m, v and
  // the step count, updated in place, and their values at the last good epoch (with
  // good_parameters). The AVX2 kernel has no Adam.
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  Scalar* first_moment = nullptr;        // (parameters) or null: not Adam
  Scalar* second_moment = nullptr;       // (parameters), with first_moment
  std::int64_t* steps = nullptr;         // with first_moment
  Scalar* good_first_moment = nullptr;   // (parameters), with first_moment and good_parameters
  Scalar* good_second_moment = nullptr;  // (parameters), likewise
  std::int64_t* good_steps = nullptr;    // likewise
};

using TinyResult = tiny_fit_detail::LaneResult;

// Trains `parameters` ([W1 | b1 | W2 | b2], Sequential's layout) in place on (X, Y) as described
// by `training`, with `kernel`, which must be available (tiny_kernel_available) for the network
// and X's rows; X and Y must fit the network. The AVX2 kernel is for doubles: floats always run
// the portable loops.
template <class Scalar>
TinyResult train_tiny(const TinyNetwork& network, TinyKernel kernel, ConstMatrixRef<Scalar> X,
                      ConstMatrixRef<Scalar> Y, const TinyTraining<Scalar>& training,
                      Scalar* parameters);

// How many fits took the tiny path in this process (fit counts them), for the tests that check
// which path a fit took.
long long tiny_path_fits();
void count_tiny_path_fit();

}  // namespace mlp
