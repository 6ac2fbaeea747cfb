// Internal to the library, for translation units compiled with -mavx2 and -ffp-contract=off (see
// CMakeLists.txt): the sigmoid of doubles 4 to a register, the same operations in the same order
// as sigmoid_f64 (sigmoid_f64.hpp has the equations). Everything here is in an anonymous
// namespace, so no AVX2 code is shared with the rest of the library (see gemm_kernels.hpp).
#pragma once

#if !defined(__AVX2__)
#error "sigmoid_f64_avx2.hpp is for translation units compiled with -mavx2"
#endif

#include <immintrin.h>

#include "kernels/sigmoid_f64.hpp"

namespace mlp::sigmoid_detail {

namespace {

inline __m256d add(__m256d x, __m256d y) {
  return _mm256_add_pd(x, y);
}
inline __m256d sub(__m256d x, __m256d y) {
  return _mm256_sub_pd(x, y);
}
inline __m256d mul(__m256d x, __m256d y) {
  return _mm256_mul_pd(x, y);
}
inline __m256d broadcast(double x) {
  return _mm256_set1_pd(x);
}

// True when a lane of a = |z| goes to sigmoid_f64's far path: a > kMainLimit or NaN.
inline bool any_far(__m256d a) {
  return _mm256_movemask_pd(_mm256_cmp_pd(a, broadcast(kMainLimit), _CMP_NLE_UQ)) != 0;
}

[[gnu::noinline, gnu::cold]] inline __m256d sigmoid_f64_lanes(__m256d z) {
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, z);
  for (double& x : lanes) x = sigmoid_f64(x);
  return _mm256_load_pd(lanes);
}

// e^-a = 2^-n (1 + q) for N registers of 4 values 0 <= a <= kMainLimit: n and q, the same
// operations in the same order as exp_parts in sigmoid_f64.cpp (the equations in sigmoid_f64.hpp).
template <int N>
inline void exp_parts_avx2(const __m256d* a, __m256d* n, __m256d* q) {
  __m256d r[N], r2[N], r4[N], r8[N], A[N], B1[N], B2[N];
  auto c = [](int i) { return broadcast(kC[i]); };
  for (int v = 0; v < N; ++v)
    n[v] = _mm256_round_pd(mul(a[v], broadcast(kLog2e)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  for (int v = 0; v < N; ++v)
    r[v] = sub(sub(a[v], mul(n[v], broadcast(kC1))), mul(n[v], broadcast(kC2)));
  for (int v = 0; v < N; ++v) r2[v] = mul(r[v], r[v]);
  for (int v = 0; v < N; ++v) r4[v] = mul(r2[v], r2[v]);
  for (int v = 0; v < N; ++v) r8[v] = mul(r4[v], r4[v]);
  for (int v = 0; v < N; ++v) A[v] = sub(mul(r2[v], add(c(2), mul(c(3), r[v]))), r[v]);
  for (int v = 0; v < N; ++v)
    B1[v] = add(add(c(4), mul(c(5), r[v])), mul(r2[v], add(c(6), mul(c(7), r[v]))));
  for (int v = 0; v < N; ++v)
    B2[v] = add(add(add(c(8), mul(c(9), r[v])), mul(r2[v], add(c(10), mul(c(11), r[v])))),
                mul(r4[v], c(12)));
  for (int v = 0; v < N; ++v) q[v] = add(add(A[v], mul(r4[v], B1[v])), mul(r8[v], B2[v]));
}

// a[v] = sigma(z[v]) for N registers of 4 values. The N evaluations are independent and written
// step by step across all of them, so that the processor sees the first steps of each before the
// later ones of any and runs them side by side. When a value needs the far path, all go through
// sigmoid_f64.
template <int N>
inline void sigmoid_avx2(const __m256d* z, __m256d* a) {
  __m256d abs_z[N];
  bool far = false;
  for (int v = 0; v < N; ++v) {
    abs_z[v] = _mm256_andnot_pd(broadcast(-0.0), z[v]);
    far = far || any_far(abs_z[v]);
  }
  if (far) {
    for (int v = 0; v < N; ++v) a[v] = sigmoid_f64_lanes(z[v]);
    return;
  }
  // e^-|z| = 2^-n (1 + q)
  __m256d n[N], q[N];
  exp_parts_avx2<N>(abs_z, n, q);
  // s = 2^n; sigma = (sign bit of z ? 1 + q : s) / ((s + 1) + q)
  for (int v = 0; v < N; ++v) {
    const __m256i bits = _mm256_castpd_si256(add(n[v], broadcast(kRoundBias)));
    const __m256d s = _mm256_castsi256_pd(_mm256_slli_epi64(bits, kExponentShift));
    const __m256d d = add(add(s, broadcast(1.0)), q[v]);
    const __m256d numerator = _mm256_blendv_pd(s, add(broadcast(1.0), q[v]), z[v]);
    a[v] = _mm256_div_pd(numerator, d);
  }
}

}  // namespace

}  // namespace mlp::sigmoid_detail
