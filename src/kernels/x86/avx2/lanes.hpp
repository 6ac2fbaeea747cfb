// The AVX2 registers of each precision, for the kernels of this folder: F32 (8 floats) and F64
// (4 doubles), with the same names for the same operations, so that each kernel is written once
// as a template over them.
//
// Included only by the files of src/kernels/x86/avx2/, which are compiled with -mavx2 -mfma.
// Everything here is in an anonymous namespace: each of those files gets its own copy, and no
// AVX2 instruction can reach code that runs on older CPUs (see gemm_kernels.hpp).
#pragma once

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include <cstddef>

namespace mlp::avx2 {

namespace {

struct F32 {
  using Scalar = float;
  using Reg = __m256;
  static constexpr int lanes = 8;
  static constexpr int registers = 16;  // ymm0 - ymm15
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg broadcast(const float* x) { return _mm256_broadcast_ss(x); }
  static Reg load(const float* p) { return _mm256_load_ps(p); }  // 32-byte aligned
  static Reg loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, Reg r) { _mm256_storeu_ps(p, r); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_ps(a, b); }
  static Reg sqrt(Reg a) { return _mm256_sqrt_ps(a); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }  // a b + c
  // b > a ? b : a, lane by lane (a NaN a is kept): max(0, c) is c < 0 ? 0 : c.
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(b, a); }
  // a > 0 ? c : +0, lane by lane (false for a NaN a).
  static Reg where_positive(Reg a, Reg c) {
    return _mm256_and_ps(_mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_GT_OQ), c);
  }
  static float sqrt(float a) { return __builtin_sqrtf(a); }
  static float fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
  // The first `count` lanes (count < lanes) set, for masked tails.
  static __m256i mask(std::ptrdiff_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Reg maskload(const float* p, __m256i m) { return _mm256_maskload_ps(p, m); }
  static void maskstore(float* p, __m256i m, Reg r) { _mm256_maskstore_ps(p, m, r); }
};

struct F64 {
  using Scalar = double;
  using Reg = __m256d;
  static constexpr int lanes = 4;
  static constexpr int registers = 16;
  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg set1(double x) { return _mm256_set1_pd(x); }
  static Reg broadcast(const double* x) { return _mm256_broadcast_sd(x); }
  static Reg load(const double* p) { return _mm256_load_pd(p); }  // 32-byte aligned
  static Reg loadu(const double* p) { return _mm256_loadu_pd(p); }
  static void storeu(double* p, Reg r) { _mm256_storeu_pd(p, r); }
  static Reg add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_pd(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_pd(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_pd(a, b); }
  static Reg sqrt(Reg a) { return _mm256_sqrt_pd(a); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }  // a b + c
  static Reg max(Reg a, Reg b) { return _mm256_max_pd(b, a); }
  static Reg where_positive(Reg a, Reg c) {
    return _mm256_and_pd(_mm256_cmp_pd(a, _mm256_setzero_pd(), _CMP_GT_OQ), c);
  }
  static double sqrt(double a) { return __builtin_sqrt(a); }
  static double fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
  static __m256i mask(std::ptrdiff_t count) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static Reg maskload(const double* p, __m256i m) { return _mm256_maskload_pd(p, m); }
  static void maskstore(double* p, __m256i m, Reg r) { _mm256_maskstore_pd(p, m, r); }
};

}  // namespace

}  // namespace mlp::avx2

#endif
