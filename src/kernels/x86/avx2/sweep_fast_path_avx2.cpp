// the sweep's fast path's AVX2 kernels (sweep_fast_path_kernels.hpp), compiled with -mavx2 and no
// FMA (see CMakeLists.txt) and called only on CPUs with AVX2: 4 samples, 2 inputs, 1 to 8 hidden
// units, one output, every value kept in registers for the whole training.
//
// Two arrangements of the 4 lanes, each where it makes the sums lane by lane:
//   samples in lanes  the forward pass: z1 = x W1 + b1 and z2 = a1 W2 + b2 sum over the inputs
//                     and the hidden units, one register per input or unit, each parameter
//                     broadcast to the 4 lanes
//   units in lanes    the backward pass: the gradients sum over the 4 samples, one register per
//                     sample holding 4 hidden units, the parameters stored the same way (a 4 x 4
//                     transpose turns the hidden activations around)
// so that every sum is taken term by term in index order, and every value is computed with the
// operations of the portable loops (sweep_fast_path.cpp) in their order: the same bits.
#include "kernels/sweep_fast_path_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/avx2/sigmoid_f64_avx2.hpp"

namespace mlp::fast_path_detail {

namespace {

using sigmoid_detail::add;
using sigmoid_detail::broadcast;
using sigmoid_detail::mul;
using sigmoid_detail::sigmoid_avx2;
using sigmoid_detail::sub;

constexpr int kLanes = 4;

// Lane i of v in every lane.
inline __m256d lane(__m256d v, int i) {
  switch (i) {
    case 0:
      return _mm256_broadcastsd_pd(_mm256_castpd256_pd128(v));
    case 1:
      return _mm256_permute4x64_pd(v, 0x55);
    case 2:
      return _mm256_permute4x64_pd(v, 0xaa);
    default:
      return _mm256_permute4x64_pd(v, 0xff);
  }
}

// out[i] lane j = in[j] lane i.
inline void transpose(const __m256d in[kLanes], __m256d out[kLanes]) {
  const __m256d t0 = _mm256_unpacklo_pd(in[0], in[1]);  // in0[0] in1[0] in0[2] in1[2]
  const __m256d t1 = _mm256_unpackhi_pd(in[0], in[1]);  // in0[1] in1[1] in0[3] in1[3]
  const __m256d t2 = _mm256_unpacklo_pd(in[2], in[3]);
  const __m256d t3 = _mm256_unpackhi_pd(in[2], in[3]);
  out[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  out[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  out[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  out[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// ((v[0] + v[1]) + v[2]) + v[3]
inline __m256d sum_in_order(const __m256d v[kLanes]) {
  return add(add(add(v[0], v[1]), v[2]), v[3]);
}

// Values of n consecutive hidden units (n <= kLanes) packed into a register, the rest zero.
inline __m256d load_units(const double* p, int n) {
  double lanes[kLanes] = {};
  for (int i = 0; i < n; ++i) lanes[i] = p[i];
  return _mm256_loadu_pd(lanes);
}
inline void store_units(__m256d v, double* p, int n) {
  double lanes[kLanes];
  _mm256_storeu_pd(lanes, v);
  for (int i = 0; i < n; ++i) p[i] = lanes[i];
}

template <int I, int H>
LaneResult train(const LaneProblem& p, double* parameters) {
  constexpr int V = (H + kLanes - 1) / kLanes;  // registers of hidden units
  double* const W1 = parameters;                // (I, H)
  double* const b1 = W1 + I * H;                // (H)
  double* const W2 = b1 + H;                    // (H)
  double* const b2 = W2 + H;                    // (1)
  auto units_in = [](int v) { return v + 1 < V ? kLanes : H - (V - 1) * kLanes; };

  __m256d x[I];             // x[k]: input k of the 4 samples
  __m256d x_of[kLanes][I];  // x_of[i][k]: X(i, k) in every lane
  for (int k = 0; k < I; ++k) {
    x[k] = _mm256_set_pd(p.X[3 * I + k], p.X[2 * I + k], p.X[I + k], p.X[k]);
    for (int i = 0; i < kLanes; ++i) x_of[i][k] = broadcast(p.X[i * I + k]);
  }
  const __m256d y = _mm256_loadu_pd(p.Y);
  const __m256d half = broadcast(0.5), one = broadcast(1.0), eta = broadcast(p.learning_rate);
  const __m256d y_positive = _mm256_cmp_pd(y, half, _CMP_GE_OQ);

  // Units in lanes: w1[k][v] = W1(k, 4v..4v+3), c1[v] = b1(4v..), w2[v] = W2(4v..); c2 = b2 in
  // every lane.
  __m256d w1[I][V], c1[V], w2[V];
  for (int v = 0; v < V; ++v) {
    for (int k = 0; k < I; ++k) w1[k][v] = load_units(W1 + k * H + v * kLanes, units_in(v));
    c1[v] = load_units(b1 + v * kLanes, units_in(v));
    w2[v] = load_units(W2 + v * kLanes, units_in(v));
  }
  __m256d c2 = broadcast(b2[0]);

  // Forward pass, samples in lanes: z1[j] = sum_k x[k] W1(k, j) + b1(j), a1[j] = sigma(z1[j]),
  // a2 = sigma(sum_j a1[j] W2(j) + b2). The units past H are zero in a1 and in the parameters,
  // so their lanes in the backward pass stay zero too.
  __m256d a1[V * kLanes];
  for (int j = H; j < V * kLanes; ++j) a1[j] = _mm256_setzero_pd();
  auto forward = [&]() {
    __m256d z1[H];
    for (int j = 0; j < H; ++j) {
      __m256d z = mul(x[0], lane(w1[0][j / kLanes], j % kLanes));
      for (int k = 1; k < I; ++k) z = add(z, mul(x[k], lane(w1[k][j / kLanes], j % kLanes)));
      z1[j] = add(z, lane(c1[j / kLanes], j % kLanes));
    }
    sigmoid_avx2<H>(z1, a1);
    __m256d z2 = mul(a1[0], lane(w2[0], 0));
    for (int j = 1; j < H; ++j) z2 = add(z2, mul(a1[j], lane(w2[j / kLanes], j % kLanes)));
    z2 = add(z2, c2);
    __m256d a2;
    sigmoid_avx2<1>(&z2, &a2);
    return a2;
  };

  LaneResult result;
  result.last_below = -1;
  for (int iteration = 0; iteration < p.iterations; ++iteration) {
    const __m256d a2 = forward();
    // A sample is right when (a2 >= 0.5) == (y >= 0.5) (count_correct's rule).
    const int wrong =
        _mm256_movemask_pd(_mm256_xor_pd(_mm256_cmp_pd(a2, half, _CMP_GE_OQ), y_positive));
    if (kLanes - __builtin_popcount(static_cast<unsigned>(wrong)) < p.needed)
      result.last_below = iteration;

    // Output layer, samples in lanes: dE/dz2 = (a2 - y) a2 (1 - a2); d[i] is sample i's in
    // every lane. The gradients, units in lanes, summed over the samples i = 0..3 in order:
    //   dE/dz1 of sample i:  t[i] = d[i] W2 a1[i] (1 - a1[i])
    //   dE/dW1(k) = sum_i X(i, k) t[i]   dE/db1 = sum_i t[i]   dE/dW2 = sum_i a1[i] d[i]
    //   dE/db2 = sum_i d[i]
    // and w = w - eta dE/dw.
    const __m256d dz2 = mul(mul(sub(a2, y), a2), sub(one, a2));
    __m256d d[kLanes];
    for (int i = 0; i < kLanes; ++i) d[i] = lane(dz2, i);
    for (int v = 0; v < V; ++v) {
      __m256d a1_of[kLanes], t[kLanes], terms[kLanes];
      transpose(a1 + v * kLanes, a1_of);
      for (int i = 0; i < kLanes; ++i)
        t[i] = mul(mul(mul(d[i], w2[v]), a1_of[i]), sub(one, a1_of[i]));
      for (int k = 0; k < I; ++k) {
        for (int i = 0; i < kLanes; ++i) terms[i] = mul(x_of[i][k], t[i]);
        w1[k][v] = sub(w1[k][v], mul(eta, sum_in_order(terms)));
      }
      c1[v] = sub(c1[v], mul(eta, sum_in_order(t)));
      for (int i = 0; i < kLanes; ++i) terms[i] = mul(a1_of[i], d[i]);
      w2[v] = sub(w2[v], mul(eta, sum_in_order(terms)));
    }
    c2 = sub(c2, mul(eta, sum_in_order(d)));
  }
  _mm256_storeu_pd(result.outputs, forward());

  for (int v = 0; v < V; ++v) {
    for (int k = 0; k < I; ++k) store_units(w1[k][v], W1 + k * H + v * kLanes, units_in(v));
    store_units(c1[v], b1 + v * kLanes, units_in(v));
    store_units(w2[v], W2 + v * kLanes, units_in(v));
  }
  b2[0] = _mm256_cvtsd_f64(c2);
  return result;
}

}  // namespace

LaneKernel avx2_lane_kernel(Size inputs, Size hidden) {
  // Two inputs (XOR and the other logic gates, the sweep's data) and up to 8 hidden units (the
  // sweep's default sizes 2, 3, 4, 8 among them).
  constexpr LaneKernel kTwoInputs[] = {train<2, 1>, train<2, 2>, train<2, 3>, train<2, 4>,
                                       train<2, 5>, train<2, 6>, train<2, 7>, train<2, 8>};
  constexpr Size kMaxHidden = sizeof(kTwoInputs) / sizeof(kTwoInputs[0]);
  if (inputs != 2 || hidden < 1 || hidden > kMaxHidden) return nullptr;
  return kTwoInputs[hidden - 1];
}

}  // namespace mlp::fast_path_detail

#else

namespace mlp::fast_path_detail {

LaneKernel avx2_lane_kernel(Size, Size) {
  return nullptr;
}  // no AVX2 on this platform

}  // namespace mlp::fast_path_detail

#endif
