// AVX2 + FMA kernels, compiled with -mavx2 -mfma (see CMakeLists.txt) and called only when the
// CPU has both (gemm.cpp checks with __builtin_cpu_supports).
//
// This file includes no library or standard header with inline code: everything here is in an
// anonymous namespace or is one of the two exported functions, so no AVX2 instruction can leak
// into code that runs on other CPUs (see gemm_kernels.hpp).
#include "kernels/gemm_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace mlp::gemm_detail {

namespace {

// ---- float: 6 x 16 tile, 12 accumulators (two 8-float registers per row) ----------------------

constexpr int kRowsF32 = 6;
constexpr int kColsF32 = 16;

void micro_f32(Size kc, const float* a, const float* b, float* c, Size ldc, int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (Size p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    __m256 x = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(x, b0, c10);
    c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(x, b0, c30);
    c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(x, b0, c50);
    c51 = _mm256_fmadd_ps(x, b1, c51);
    a += kRowsF32;
    b += kColsF32;
  }
  float* r0 = c;
  float* r1 = c + ldc;
  float* r2 = c + 2 * ldc;
  float* r3 = c + 3 * ldc;
  float* r4 = c + 4 * ldc;
  float* r5 = c + 5 * ldc;
  if (accumulate) {
    c00 = _mm256_add_ps(_mm256_loadu_ps(r0), c00);
    c01 = _mm256_add_ps(_mm256_loadu_ps(r0 + 8), c01);
    c10 = _mm256_add_ps(_mm256_loadu_ps(r1), c10);
    c11 = _mm256_add_ps(_mm256_loadu_ps(r1 + 8), c11);
    c20 = _mm256_add_ps(_mm256_loadu_ps(r2), c20);
    c21 = _mm256_add_ps(_mm256_loadu_ps(r2 + 8), c21);
    c30 = _mm256_add_ps(_mm256_loadu_ps(r3), c30);
    c31 = _mm256_add_ps(_mm256_loadu_ps(r3 + 8), c31);
    c40 = _mm256_add_ps(_mm256_loadu_ps(r4), c40);
    c41 = _mm256_add_ps(_mm256_loadu_ps(r4 + 8), c41);
    c50 = _mm256_add_ps(_mm256_loadu_ps(r5), c50);
    c51 = _mm256_add_ps(_mm256_loadu_ps(r5 + 8), c51);
  }
  _mm256_storeu_ps(r0, c00);
  _mm256_storeu_ps(r0 + 8, c01);
  _mm256_storeu_ps(r1, c10);
  _mm256_storeu_ps(r1 + 8, c11);
  _mm256_storeu_ps(r2, c20);
  _mm256_storeu_ps(r2 + 8, c21);
  _mm256_storeu_ps(r3, c30);
  _mm256_storeu_ps(r3 + 8, c31);
  _mm256_storeu_ps(r4, c40);
  _mm256_storeu_ps(r4 + 8, c41);
  _mm256_storeu_ps(r5, c50);
  _mm256_storeu_ps(r5 + 8, c51);
}

// ---- double: 6 x 8 tile, 12 accumulators (two 4-double registers per row) ---------------------

constexpr int kRowsF64 = 6;
constexpr int kColsF64 = 8;

void micro_f64(Size kc, const double* a, const double* b, double* c, Size ldc, int accumulate) {
  __m256d c00 = _mm256_setzero_pd(), c01 = _mm256_setzero_pd();
  __m256d c10 = _mm256_setzero_pd(), c11 = _mm256_setzero_pd();
  __m256d c20 = _mm256_setzero_pd(), c21 = _mm256_setzero_pd();
  __m256d c30 = _mm256_setzero_pd(), c31 = _mm256_setzero_pd();
  __m256d c40 = _mm256_setzero_pd(), c41 = _mm256_setzero_pd();
  __m256d c50 = _mm256_setzero_pd(), c51 = _mm256_setzero_pd();
  for (Size p = 0; p < kc; ++p) {
    const __m256d b0 = _mm256_load_pd(b);
    const __m256d b1 = _mm256_load_pd(b + 4);
    __m256d x = _mm256_broadcast_sd(a + 0);
    c00 = _mm256_fmadd_pd(x, b0, c00);
    c01 = _mm256_fmadd_pd(x, b1, c01);
    x = _mm256_broadcast_sd(a + 1);
    c10 = _mm256_fmadd_pd(x, b0, c10);
    c11 = _mm256_fmadd_pd(x, b1, c11);
    x = _mm256_broadcast_sd(a + 2);
    c20 = _mm256_fmadd_pd(x, b0, c20);
    c21 = _mm256_fmadd_pd(x, b1, c21);
    x = _mm256_broadcast_sd(a + 3);
    c30 = _mm256_fmadd_pd(x, b0, c30);
    c31 = _mm256_fmadd_pd(x, b1, c31);
    x = _mm256_broadcast_sd(a + 4);
    c40 = _mm256_fmadd_pd(x, b0, c40);
    c41 = _mm256_fmadd_pd(x, b1, c41);
    x = _mm256_broadcast_sd(a + 5);
    c50 = _mm256_fmadd_pd(x, b0, c50);
    c51 = _mm256_fmadd_pd(x, b1, c51);
    a += kRowsF64;
    b += kColsF64;
  }
  double* r0 = c;
  double* r1 = c + ldc;
  double* r2 = c + 2 * ldc;
  double* r3 = c + 3 * ldc;
  double* r4 = c + 4 * ldc;
  double* r5 = c + 5 * ldc;
  if (accumulate) {
    c00 = _mm256_add_pd(_mm256_loadu_pd(r0), c00);
    c01 = _mm256_add_pd(_mm256_loadu_pd(r0 + 4), c01);
    c10 = _mm256_add_pd(_mm256_loadu_pd(r1), c10);
    c11 = _mm256_add_pd(_mm256_loadu_pd(r1 + 4), c11);
    c20 = _mm256_add_pd(_mm256_loadu_pd(r2), c20);
    c21 = _mm256_add_pd(_mm256_loadu_pd(r2 + 4), c21);
    c30 = _mm256_add_pd(_mm256_loadu_pd(r3), c30);
    c31 = _mm256_add_pd(_mm256_loadu_pd(r3 + 4), c31);
    c40 = _mm256_add_pd(_mm256_loadu_pd(r4), c40);
    c41 = _mm256_add_pd(_mm256_loadu_pd(r4 + 4), c41);
    c50 = _mm256_add_pd(_mm256_loadu_pd(r5), c50);
    c51 = _mm256_add_pd(_mm256_loadu_pd(r5 + 4), c51);
  }
  _mm256_storeu_pd(r0, c00);
  _mm256_storeu_pd(r0 + 4, c01);
  _mm256_storeu_pd(r1, c10);
  _mm256_storeu_pd(r1 + 4, c11);
  _mm256_storeu_pd(r2, c20);
  _mm256_storeu_pd(r2 + 4, c21);
  _mm256_storeu_pd(r3, c30);
  _mm256_storeu_pd(r3 + 4, c31);
  _mm256_storeu_pd(r4, c40);
  _mm256_storeu_pd(r4 + 4, c41);
  _mm256_storeu_pd(r5, c50);
  _mm256_storeu_pd(r5 + 4, c51);
}

// ---- few rows (batch-1 inference): one row of C at a time, 64 columns in 8 registers, only the
// rows of B whose factor is not zero ------------------------------------------------------------

// The positions p in [p0, p1) where a[p] != 0, into `nonzero`; returns how many. A zero term
// adds nothing to an FMA chain (fma(0, b, s) = s for finite b), so skipping it gives the very
// same sums while reading only the rows of B that matter: MNIST's pixels and ReLU activations
// are mostly zeros.
template <class T>
int nonzero_positions(const T* a, Size p0, Size p1, int* nonzero) {
  int count = 0;
  for (Size p = p0; p < p1; ++p) {
    nonzero[count] = static_cast<int>(p);
    count += a[p] != T(0);
  }
  return count;
}

constexpr Size kMaxBlock = 1024;  // the longest k block small_rows takes (gemm.cpp uses 256)

void small_rows_f32(Size m, Size n, Size k, Size kc, const float* A, Size lda, const float* B,
                    Size ldb, float* C, Size ldc) {
  int nonzero[kMaxBlock];
  for (Size i = 0; i < m; ++i) {
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    for (Size p0 = 0; p0 < k; p0 += kc) {
      const Size p1 = p0 + kc < k ? p0 + kc : k;
      const bool first = p0 == 0;
      const int count = nonzero_positions(a, p0, p1, nonzero);
      Size j = 0;
      for (; j + 64 <= n; j += 64) {
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(),
               s3 = _mm256_setzero_ps(), s4 = _mm256_setzero_ps(), s5 = _mm256_setzero_ps(),
               s6 = _mm256_setzero_ps(), s7 = _mm256_setzero_ps();
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          const float* b = B + p * ldb + j;
          const __m256 x = _mm256_broadcast_ss(a + p);
          s0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b), s0);
          s1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 8), s1);
          s2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 16), s2);
          s3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 24), s3);
          s4 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 32), s4);
          s5 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 40), s5);
          s6 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 48), s6);
          s7 = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 56), s7);
        }
        float* d = c + j;
        if (!first) {
          s0 = _mm256_add_ps(_mm256_loadu_ps(d), s0);
          s1 = _mm256_add_ps(_mm256_loadu_ps(d + 8), s1);
          s2 = _mm256_add_ps(_mm256_loadu_ps(d + 16), s2);
          s3 = _mm256_add_ps(_mm256_loadu_ps(d + 24), s3);
          s4 = _mm256_add_ps(_mm256_loadu_ps(d + 32), s4);
          s5 = _mm256_add_ps(_mm256_loadu_ps(d + 40), s5);
          s6 = _mm256_add_ps(_mm256_loadu_ps(d + 48), s6);
          s7 = _mm256_add_ps(_mm256_loadu_ps(d + 56), s7);
        }
        _mm256_storeu_ps(d, s0);
        _mm256_storeu_ps(d + 8, s1);
        _mm256_storeu_ps(d + 16, s2);
        _mm256_storeu_ps(d + 24, s3);
        _mm256_storeu_ps(d + 32, s4);
        _mm256_storeu_ps(d + 40, s5);
        _mm256_storeu_ps(d + 48, s6);
        _mm256_storeu_ps(d + 56, s7);
      }
      for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_setzero_ps();
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          s = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p), _mm256_loadu_ps(B + p * ldb + j), s);
        }
        if (!first) s = _mm256_add_ps(_mm256_loadu_ps(c + j), s);
        _mm256_storeu_ps(c + j, s);
      }
      for (; j < n; ++j) {
        float s = 0.0f;
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          s = __builtin_fmaf(a[p], B[p * ldb + j], s);
        }
        c[j] = first ? s : c[j] + s;
      }
    }
  }
}

void small_rows_f64(Size m, Size n, Size k, Size kc, const double* A, Size lda, const double* B,
                    Size ldb, double* C, Size ldc) {
  int nonzero[kMaxBlock];
  for (Size i = 0; i < m; ++i) {
    const double* a = A + i * lda;
    double* c = C + i * ldc;
    for (Size p0 = 0; p0 < k; p0 += kc) {
      const Size p1 = p0 + kc < k ? p0 + kc : k;
      const bool first = p0 == 0;
      const int count = nonzero_positions(a, p0, p1, nonzero);
      Size j = 0;
      for (; j + 32 <= n; j += 32) {
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd(), s2 = _mm256_setzero_pd(),
                s3 = _mm256_setzero_pd(), s4 = _mm256_setzero_pd(), s5 = _mm256_setzero_pd(),
                s6 = _mm256_setzero_pd(), s7 = _mm256_setzero_pd();
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          const double* b = B + p * ldb + j;
          const __m256d x = _mm256_broadcast_sd(a + p);
          s0 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b), s0);
          s1 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 4), s1);
          s2 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 8), s2);
          s3 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 12), s3);
          s4 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 16), s4);
          s5 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 20), s5);
          s6 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 24), s6);
          s7 = _mm256_fmadd_pd(x, _mm256_loadu_pd(b + 28), s7);
        }
        double* d = c + j;
        if (!first) {
          s0 = _mm256_add_pd(_mm256_loadu_pd(d), s0);
          s1 = _mm256_add_pd(_mm256_loadu_pd(d + 4), s1);
          s2 = _mm256_add_pd(_mm256_loadu_pd(d + 8), s2);
          s3 = _mm256_add_pd(_mm256_loadu_pd(d + 12), s3);
          s4 = _mm256_add_pd(_mm256_loadu_pd(d + 16), s4);
          s5 = _mm256_add_pd(_mm256_loadu_pd(d + 20), s5);
          s6 = _mm256_add_pd(_mm256_loadu_pd(d + 24), s6);
          s7 = _mm256_add_pd(_mm256_loadu_pd(d + 28), s7);
        }
        _mm256_storeu_pd(d, s0);
        _mm256_storeu_pd(d + 4, s1);
        _mm256_storeu_pd(d + 8, s2);
        _mm256_storeu_pd(d + 12, s3);
        _mm256_storeu_pd(d + 16, s4);
        _mm256_storeu_pd(d + 20, s5);
        _mm256_storeu_pd(d + 24, s6);
        _mm256_storeu_pd(d + 28, s7);
      }
      for (; j + 4 <= n; j += 4) {
        __m256d s = _mm256_setzero_pd();
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          s = _mm256_fmadd_pd(_mm256_broadcast_sd(a + p), _mm256_loadu_pd(B + p * ldb + j), s);
        }
        if (!first) s = _mm256_add_pd(_mm256_loadu_pd(c + j), s);
        _mm256_storeu_pd(c + j, s);
      }
      for (; j < n; ++j) {
        double s = 0.0;
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          s = __builtin_fma(a[p], B[p * ldb + j], s);
        }
        c[j] = first ? s : c[j] + s;
      }
    }
  }
}

}  // namespace

KernelSet<float> avx2_kernels_f32() {
  return {kRowsF32, kColsF32, micro_f32, small_rows_f32, sparse_rows_avx2_f32, nonzeros_avx2_f32};
}

KernelSet<double> avx2_kernels_f64() {
  return {kRowsF64, kColsF64, micro_f64, small_rows_f64, sparse_rows_avx2_f64, nonzeros_avx2_f64};
}

}  // namespace mlp::gemm_detail

#endif  // x86-64 with -mavx2 -mfma
