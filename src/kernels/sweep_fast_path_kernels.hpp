// Internal to the library: the interface between train_on_fast_path (sweep_fast_path.cpp) and its
// AVX2 kernels (sweep_fast_path_avx2.cpp, built with -mavx2). Plain declarations and trivial
// aggregates only, for the reason gemm_kernels.hpp gives.
#pragma once

#include <cstddef>

namespace mlp::fast_path_detail {

using Size = std::ptrdiff_t;

// A training of a network with one hidden layer and one output on 4 samples.
struct LaneProblem {
  Size inputs, hidden;
  const double* X;  // (4, inputs), row-major
  const double* Y;  // (4)
  double learning_rate;
  int iterations;
  Size needed;  // correct samples the caller counts as a success
};

// What a training returns besides the parameters it updates in place.
struct LaneResult {
  double outputs[4];  // the network's outputs on the 4 samples after the last update
  int last_below;     // the last iteration that started with fewer than `needed` correct, or -1
};

// Trains `parameters` ([W1 | b1 | W2 | b2], Sequential's layout) in place for
// problem.iterations full-batch gradient-descent updates, with the operations of the portable
// loops in sweep_fast_path.cpp. Call only when the CPU has AVX2.
using LaneKernel = LaneResult (*)(const LaneProblem& problem, double* parameters);

// The AVX2 kernel for this many inputs and hidden units, or null when there is none.
LaneKernel avx2_lane_kernel(Size inputs, Size hidden);

}  // namespace mlp::fast_path_detail
