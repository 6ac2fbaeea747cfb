// Internal to the library: the interface between the tiny path of fit (src/nn/tiny_fit.cpp) and
// its AVX2 kernels (tiny_fit_avx2.cpp, built with -mavx2). Plain declarations and trivial
// aggregates only, for the reason gemm_kernels.hpp gives.
#pragma once

#include <cstddef>

namespace mlp::tiny_fit_detail {

using Size = std::ptrdiff_t;

// A training of a network with one hidden layer and one output on 4 samples: full-batch
// gradient descent for up to `epochs` epochs, each recorded as fit records it.
struct LaneProblem {
  Size inputs, hidden;
  const double* X;  // (4, inputs), row-major
  const double* Y;  // (4)
  double learning_rate;
  int epochs;
  Size needed;  // correct samples the caller counts as a success (LaneResult::last_below)
  // Optional records, each null or room for `epochs` values, as fit's History holds them: the
  // epoch's loss (the sum of its batch's loss_report times the batch's size, over the samples;
  // loss_report of the forward pass before the update) and its accuracy (correct / samples).
  double* losses;
  double* accuracy;
  // Optional (null or room for the parameters): the gradients of the last epoch trained.
  double* gradients;
  // Optional (null: not tracked): fit's last good epoch. good_loss is the bar (infinite: the
  // first epoch's loss sets it); an epoch whose recorded loss is at most the bar becomes the
  // good one, its loss the new bar, and its parameters after the update go to good_parameters.
  double good_loss;
  double* good_parameters;
  // Optional (null or room for 4): the network's outputs on the 4 samples after the last update.
  double* outputs;
};

// What a training returns besides the parameters it updates in place.
struct LaneResult {
  int epochs_done;   // `epochs`, or fewer: the epoch whose loss or new parameters were not
                     // finite, left undone (parameters as before it, nothing recorded)
  int last_below;    // the last epoch that started with fewer than `needed` correct, or -1
  double good_loss;  // the bar after the epochs done
  int good_epochs;   // epochs done when the last good epoch ended, or 0 when none was good
};

// Trains `parameters` ([W1 | b1 | W2 | b2], Sequential's layout) in place with the operations of
// the portable loops in src/nn/tiny_fit.cpp, in their order. Call only when the CPU has AVX2.
using LaneKernel = LaneResult (*)(const LaneProblem& problem, double* parameters);

// The AVX2 kernel for this many inputs and hidden units, or null when there is none.
LaneKernel avx2_lane_kernel(Size inputs, Size hidden);

}  // namespace mlp::tiny_fit_detail
