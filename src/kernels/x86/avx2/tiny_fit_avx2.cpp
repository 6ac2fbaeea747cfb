// The tiny path's AVX2 kernels (tiny_fit_kernels.hpp), compiled with -mavx2 and no FMA (see
// CMakeLists.txt) and called only on CPUs with AVX2: 4 samples, 2 inputs, 1 to 8 hidden units,
// one output, every value kept in registers for the whole training.
//
// Two arrangements of the 4 lanes, each where it makes the sums lane by lane:
//   samples in lanes  the forward pass: z1 = x W1 + b1 and z2 = a1 W2 + b2 sum over the inputs
//                     and the hidden units, one register per input or unit, each parameter
//                     broadcast to the 4 lanes
//   units in lanes    the backward pass: the gradients sum over the 4 samples, one register per
//                     sample holding 4 hidden units, the parameters stored the same way (a 4 x 4
//                     transpose turns the hidden activations around)
// so that every sum is taken term by term in index order, and every value is computed with the
// operations of the portable loops (src/nn/tiny_fit.cpp) in their order: the same bits.
#include "kernels/tiny_fit_kernels.hpp"

#include <cmath>

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/avx2/sigmoid_f64_avx2.hpp"

namespace mlp::tiny_fit_detail {

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

// True in every lane where v is finite (v - v is 0 there, NaN for infinities and NaN).
inline __m256d finite(__m256d v) {
  return _mm256_cmp_pd(sub(v, v), _mm256_setzero_pd(), _CMP_EQ_OQ);
}

// ((v[0] + v[1]) + v[2]) + v[3] of the 4 lanes of v, as a scalar.
inline double lanes_in_order(__m256d v) {
  double lanes[kLanes];
  _mm256_storeu_pd(lanes, v);
  return ((lanes[0] + lanes[1]) + lanes[2]) + lanes[3];
}

// The parameters of a 2-layer network with one output, units in lanes: w1[k][v] = W1(k,
// 4v..4v+3), c1[v] = b1(4v..), w2[v] = W2(4v..); c2 = b2 in every lane. Also the layout of the
// gradients and of the last good epoch's parameters.
template <int I, int H>
struct LaneParameters {
  static constexpr int V = (H + kLanes - 1) / kLanes;  // registers of hidden units
  __m256d w1[I][V], c1[V], w2[V], c2;

  static int units_in(int v) { return v + 1 < V ? kLanes : H - (V - 1) * kLanes; }
  // From and to Sequential's layout [W1 (I, H) | b1 (H) | W2 (H) | b2].
  void load(const double* p) {
    for (int v = 0; v < V; ++v) {
      for (int k = 0; k < I; ++k) w1[k][v] = load_units(p + k * H + v * kLanes, units_in(v));
      c1[v] = load_units(p + I * H + v * kLanes, units_in(v));
      w2[v] = load_units(p + I * H + H + v * kLanes, units_in(v));
    }
    c2 = broadcast(p[I * H + 2 * H]);
  }
  void store(double* p) const {
    for (int v = 0; v < V; ++v) {
      for (int k = 0; k < I; ++k) store_units(w1[k][v], p + k * H + v * kLanes, units_in(v));
      store_units(c1[v], p + I * H + v * kLanes, units_in(v));
      store_units(w2[v], p + I * H + H + v * kLanes, units_in(v));
    }
    p[I * H + 2 * H] = _mm256_cvtsd_f64(c2);
  }
};

// The data of a training, samples in lanes: x[k] input k of the 4 samples, x_of[i][k] X(i, k)
// in every lane, y the targets.
template <int I>
struct LaneData {
  __m256d x[I], x_of[kLanes][I], y, y_positive;
  explicit LaneData(const LaneProblem& p) {
    for (int k = 0; k < I; ++k) {
      x[k] = _mm256_set_pd(p.X[3 * I + k], p.X[2 * I + k], p.X[I + k], p.X[k]);
      for (int i = 0; i < kLanes; ++i) x_of[i][k] = broadcast(p.X[i * I + k]);
    }
    y = _mm256_loadu_pd(p.Y);
    y_positive = _mm256_cmp_pd(y, broadcast(0.5), _CMP_GE_OQ);
  }
};

// Forward pass, samples in lanes: z1[j] = sum_k x[k] W1(k, j) + b1(j), a1[j] = sigma(z1[j]),
// returns a2 = sigma(sum_j a1[j] W2(j) + b2). The units past H are left zero in a1.
template <int I, int H>
[[gnu::always_inline]] inline __m256d forward(const LaneData<I>& d, const LaneParameters<I, H>& w,
                                              __m256d* a1) {
  __m256d z1[H];
  for (int j = 0; j < H; ++j) {
    __m256d z = mul(d.x[0], lane(w.w1[0][j / kLanes], j % kLanes));
    for (int k = 1; k < I; ++k) z = add(z, mul(d.x[k], lane(w.w1[k][j / kLanes], j % kLanes)));
    z1[j] = add(z, lane(w.c1[j / kLanes], j % kLanes));
  }
  sigmoid_avx2<H>(z1, a1);
  __m256d z2 = mul(a1[0], lane(w.w2[0], 0));
  for (int j = 1; j < H; ++j) z2 = add(z2, mul(a1[j], lane(w.w2[j / kLanes], j % kLanes)));
  z2 = add(z2, w.c2);
  __m256d a2;
  sigmoid_avx2<1>(&z2, &a2);
  return a2;
}

// The gradients of one epoch, units in lanes, summed over the samples i = 0..3 in order, from
// dz2 = dE/dz2 = (a2 - y) a2 (1 - a2) (samples in lanes; d[i] sample i's in every lane):
//   dE/dz1 of sample i:  t[i] = d[i] W2 a1[i] (1 - a1[i])
//   dE/dW1(k) = sum_i X(i, k) t[i]   dE/db1 = sum_i t[i]   dE/dW2 = sum_i a1[i] d[i]
//   dE/db2 = sum_i d[i]
template <int I, int H>
[[gnu::always_inline]] inline void gradients(const LaneData<I>& data, const LaneParameters<I, H>& w,
                                             __m256d* a1, __m256d dz2, LaneParameters<I, H>& g) {
  constexpr int V = LaneParameters<I, H>::V;
  const __m256d one = broadcast(1.0);
  __m256d d[kLanes];
  for (int i = 0; i < kLanes; ++i) d[i] = lane(dz2, i);
  for (int v = 0; v < V; ++v) {
    __m256d a1_of[kLanes], t[kLanes], terms[kLanes];
    transpose(a1 + v * kLanes, a1_of);
    for (int i = 0; i < kLanes; ++i)
      t[i] = mul(mul(mul(d[i], w.w2[v]), a1_of[i]), sub(one, a1_of[i]));
    for (int k = 0; k < I; ++k) {
      for (int i = 0; i < kLanes; ++i) terms[i] = mul(data.x_of[i][k], t[i]);
      g.w1[k][v] = sum_in_order(terms);
    }
    g.c1[v] = sum_in_order(t);
    for (int i = 0; i < kLanes; ++i) terms[i] = mul(a1_of[i], d[i]);
    g.w2[v] = sum_in_order(terms);
  }
  g.c2 = sum_in_order(d);
}

// next = w - eta g for every parameter; returns true when every value of next is finite, tested
// on their sum: an infinity or a NaN among them makes the sum infinite or NaN. (Finite values
// whose sum overflows, a false alarm, only hand the epoch to fit's general path, which gives the
// same bits; testing each value instead costs 3 % of an epoch on a Zen 1.)
template <int I, int H>
[[gnu::always_inline]] inline bool descend(const LaneParameters<I, H>& w,
                                           const LaneParameters<I, H>& g, __m256d eta,
                                           LaneParameters<I, H>& next) {
  constexpr int V = LaneParameters<I, H>::V;
  next.c2 = sub(w.c2, mul(eta, g.c2));
  __m256d sum = next.c2;
  for (int v = 0; v < V; ++v) {
    for (int k = 0; k < I; ++k) {
      next.w1[k][v] = sub(w.w1[k][v], mul(eta, g.w1[k][v]));
      sum = add(sum, next.w1[k][v]);
    }
    next.c1[v] = sub(w.c1[v], mul(eta, g.c1[v]));
    next.w2[v] = sub(w.w2[v], mul(eta, g.w2[v]));
    sum = add(sum, add(next.c1[v], next.w2[v]));
  }
  return _mm256_movemask_pd(finite(sum)) == 0xf;
}

template <int I, int H>
LaneResult train(const LaneProblem& p, double* parameters) {
  constexpr int V = LaneParameters<I, H>::V;
  const LaneData<I> data(p);
  const __m256d half = broadcast(0.5), one = broadcast(1.0), eta = broadcast(p.learning_rate);
  LaneParameters<I, H> w;
  w.load(parameters);
  LaneParameters<I, H> g = w, next = w, good = w;  // each written before it is read

  __m256d a1[V * kLanes];
  for (int j = H; j < V * kLanes; ++j) a1[j] = _mm256_setzero_pd();

  LaneResult result;
  result.last_below = -1;
  result.good_loss = p.good_loss;
  result.good_epochs = 0;
  int epoch = 0;
  for (; epoch < p.epochs; ++epoch) {
    const __m256d a2 = forward<I, H>(data, w, a1);
    // A sample is right when (a2 >= 0.5) == (y >= 0.5) (count_correct's rule).
    const int wrong =
        _mm256_movemask_pd(_mm256_xor_pd(_mm256_cmp_pd(a2, half, _CMP_GE_OQ), data.y_positive));
    const Size correct = kLanes - __builtin_popcount(static_cast<unsigned>(wrong));
    // loss_report (sse): 0.5 sum_i (a2_i - y_i)^2 / 4, the squares summed in sample order.
    const __m256d e = sub(a2, data.y);
    const double loss = 0.5 * lanes_in_order(mul(e, e)) / 4.0;
    if (!std::isfinite(loss)) break;
    // Output layer, samples in lanes: dE/dz2 = (a2 - y) a2 (1 - a2); then every gradient, and
    // w = w - eta dE/dw unless that leaves a value that is not finite.
    gradients<I, H>(data, w, a1, mul(mul(e, a2), sub(one, a2)), g);
    if (!descend<I, H>(w, g, eta, next)) break;
    w = next;
    if (correct < p.needed) result.last_below = epoch;
    // The epoch as fit records it: the sum of its batch's loss times its size, over the samples.
    const double recorded = (0.0 + loss * kLanes) / kLanes;
    if (p.losses != nullptr) p.losses[epoch] = recorded;
    if (p.accuracy != nullptr) p.accuracy[epoch] = static_cast<double>(correct) / kLanes;
    if (p.good_parameters != nullptr) {
      // fit's rule: the bar starts at the first loss, and a recorded loss at most the bar is good.
      if (!std::isfinite(result.good_loss)) result.good_loss = loss;
      if (recorded <= result.good_loss) {
        result.good_loss = recorded;
        result.good_epochs = epoch + 1;
        good = w;
      }
    }
  }
  result.epochs_done = epoch;
  if (p.outputs != nullptr) _mm256_storeu_pd(p.outputs, forward<I, H>(data, w, a1));
  w.store(parameters);
  if (p.gradients != nullptr && epoch > 0) g.store(p.gradients);
  if (result.good_epochs > 0) good.store(p.good_parameters);
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

}  // namespace mlp::tiny_fit_detail

#else

namespace mlp::tiny_fit_detail {

LaneKernel avx2_lane_kernel(Size, Size) {
  return nullptr;
}  // no AVX2 on this platform

}  // namespace mlp::tiny_fit_detail

#endif
