// AVX2 + FMA kernels of the matrix product, compiled with -mavx2 -mfma (see CMakeLists.txt) and
// called only when the CPU has both (gemm.cpp checks with __builtin_cpu_supports).
//
// This file includes no library or standard header with inline code: everything here is in an
// anonymous namespace or is one of the two exported functions, so no AVX2 instruction can leak
// into code that runs on other CPUs (see gemm_kernels.hpp). Each kernel is written once, over the
// registers of its precision (F32, F64 in lanes.hpp); loops over registers are unrolled so that the
// accumulators stay in registers, as in sparse_avx2.cpp.
#include "kernels/gemm_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include "kernels/x86/avx2/lanes.hpp"

namespace mlp::gemm_detail {

namespace {

using avx2::F32;
using avx2::F64;

// ---- micro-kernel: 6 rows x 2 registers (6 x 16 floats, 6 x 8 doubles), 12 accumulators -------

constexpr int kRows = 6;
constexpr int kRegs = 2;  // registers per row of the tile

template <class K>
void micro(Size kc, const typename K::Scalar* a, const typename K::Scalar* b, typename K::Scalar* c,
           Size ldc, int accumulate) {
  constexpr int cols = kRegs * K::lanes;
  typename K::Reg acc[kRows][kRegs];
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 16
    for (int v = 0; v < kRegs; ++v) acc[i][v] = K::zero();
  for (Size p = 0; p < kc; ++p) {
    typename K::Reg bv[kRegs];
#pragma GCC unroll 16
    for (int v = 0; v < kRegs; ++v) bv[v] = K::load(b + v * K::lanes);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      const typename K::Reg x = K::broadcast(a + i);
#pragma GCC unroll 16
      for (int v = 0; v < kRegs; ++v) acc[i][v] = K::fmadd(x, bv[v], acc[i][v]);
    }
    a += kRows;
    b += cols;
  }
  // The tile's rows into C's, each added to what C holds when accumulating.
  typename K::Scalar* row = c;
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i, row += ldc) {
    if (accumulate) {
#pragma GCC unroll 16
      for (int v = 0; v < kRegs; ++v) acc[i][v] = K::add(K::loadu(row + v * K::lanes), acc[i][v]);
    }
#pragma GCC unroll 16
    for (int v = 0; v < kRegs; ++v) K::storeu(row + v * K::lanes, acc[i][v]);
  }
}

// The same tile with A's rows read in place (MicroRowsKernel): the same FMAs in the same order.
template <class K>
void micro_rows(Size kc, const typename K::Scalar* a, Size lda, const typename K::Scalar* b,
                typename K::Scalar* c, Size ldc, int accumulate) {
  constexpr int cols = kRegs * K::lanes;
  typename K::Reg acc[kRows][kRegs];
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i)
#pragma GCC unroll 16
    for (int v = 0; v < kRegs; ++v) acc[i][v] = K::zero();
  for (Size p = 0; p < kc; ++p) {
    typename K::Reg bv[kRegs];
#pragma GCC unroll 16
    for (int v = 0; v < kRegs; ++v) bv[v] = K::load(b + v * K::lanes);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      const typename K::Reg x = K::broadcast(a + i * lda + p);
#pragma GCC unroll 16
      for (int v = 0; v < kRegs; ++v) acc[i][v] = K::fmadd(x, bv[v], acc[i][v]);
    }
    b += cols;
  }
  typename K::Scalar* row = c;
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i, row += ldc) {
    if (accumulate) {
#pragma GCC unroll 16
      for (int v = 0; v < kRegs; ++v) acc[i][v] = K::add(K::loadu(row + v * K::lanes), acc[i][v]);
    }
#pragma GCC unroll 16
    for (int v = 0; v < kRegs; ++v) K::storeu(row + v * K::lanes, acc[i][v]);
  }
}

// ---- few rows (batch-1 inference): one row of C at a time, 8 registers of columns (64 floats,
// 32 doubles), only the rows of B whose factor is not zero --------------------------------------

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

// c[j, j + V lanes) (+)= sum over the nonzero positions p of a[p] B[p, j + ...): V registers of
// sums, each fused-multiply-added in order from zero, then added to c unless `first`.
template <class K, int V>
void row_block(const typename K::Scalar* a, const typename K::Scalar* B, Size ldb,
               const int* nonzero, int count, Size j, bool first, typename K::Scalar* c) {
  typename K::Reg s[V];
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) s[v] = K::zero();
  for (int q = 0; q < count; ++q) {
    const Size p = nonzero[q];
    const typename K::Scalar* b = B + p * ldb + j;
    const typename K::Reg x = K::broadcast(a + p);
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) s[v] = K::fmadd(x, K::loadu(b + v * K::lanes), s[v]);
  }
  typename K::Scalar* d = c + j;
  if (!first) {
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) s[v] = K::add(K::loadu(d + v * K::lanes), s[v]);
  }
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) K::storeu(d + v * K::lanes, s[v]);
}

template <class K>
void small_rows(Size m, Size n, Size k, Size kc, const typename K::Scalar* A, Size lda,
                const typename K::Scalar* B, Size ldb, typename K::Scalar* C, Size ldc) {
  using T = typename K::Scalar;
  constexpr int wide = 8;  // registers per block of columns
  int nonzero[kMaxBlock];
  for (Size i = 0; i < m; ++i) {
    const T* a = A + i * lda;
    T* c = C + i * ldc;
    for (Size p0 = 0; p0 < k; p0 += kc) {
      const Size p1 = p0 + kc < k ? p0 + kc : k;
      const bool first = p0 == 0;
      const int count = nonzero_positions(a, p0, p1, nonzero);
      Size j = 0;
      for (; j + wide * K::lanes <= n; j += wide * K::lanes)
        row_block<K, wide>(a, B, ldb, nonzero, count, j, first, c);
      for (; j + K::lanes <= n; j += K::lanes)
        row_block<K, 1>(a, B, ldb, nonzero, count, j, first, c);
      for (; j < n; ++j) {
        T s = T(0);
        for (int q = 0; q < count; ++q) {
          const Size p = nonzero[q];
          s = K::fma(a[p], B[p * ldb + j], s);
        }
        c[j] = first ? s : c[j] + s;
      }
    }
  }
}

// ---- epilogue (gemm_kernels.hpp): bias, gate and ReLU on a block of C, a register at a time ----

// The epilogue's steps on one register of a row: c = c + bias; c = gate > 0 ? c : 0; stored;
// relu = max(0, c) stored where asked. Load and Store read and write a register (the full one,
// or the masked tail).
template <class K, class Load, class Store>
void epilogue_lanes(Size j, typename K::Scalar* c, const typename K::Scalar* bias,
                    const typename K::Scalar* gate, typename K::Scalar* relu, Load load,
                    Store store) {
  typename K::Reg v = load(c + j);
  if (bias != nullptr) v = K::add(v, load(bias + j));
  if (gate != nullptr) v = K::where_positive(load(gate + j), v);
  store(c + j, v);
  if (relu != nullptr) store(relu + j, K::max(v, K::zero()));
}

template <class K>
void epilogue(Size rows, Size cols, typename K::Scalar* c, Size ldc, const typename K::Scalar* bias,
              const typename K::Scalar* gate, Size ld_gate, typename K::Scalar* relu_out,
              Size ld_relu_out) {
  using T = typename K::Scalar;
  const auto load = [](const T* p) { return K::loadu(p); };
  const auto store = [](T* p, typename K::Reg r) { K::storeu(p, r); };
  const Size tail = cols % K::lanes;
  const __m256i m = K::mask(tail);
  const auto load_tail = [m](const T* p) { return K::maskload(p, m); };
  const auto store_tail = [m](T* p, typename K::Reg r) { K::maskstore(p, m, r); };
  for (Size i = 0; i < rows; ++i, c += ldc) {
    const T* g = gate == nullptr ? nullptr : gate + i * ld_gate;
    T* r = relu_out == nullptr ? nullptr : relu_out + i * ld_relu_out;
    Size j = 0;
    for (; j + K::lanes <= cols; j += K::lanes) epilogue_lanes<K>(j, c, bias, g, r, load, store);
    if (tail != 0) epilogue_lanes<K>(j, c, bias, g, r, load_tail, store_tail);
  }
}

}  // namespace

KernelSet<float> avx2_kernels_f32() {
  return {kRows,
          kRegs * F32::lanes,
          micro<F32>,
          micro_rows<F32>,
          small_rows<F32>,
          sparse_rows_avx2_f32,
          sparse_panel_avx2_f32,
          nonzeros_avx2_f32,
          epilogue<F32>};
}

KernelSet<double> avx2_kernels_f64() {
  return {kRows,
          kRegs * F64::lanes,
          micro<F64>,
          micro_rows<F64>,
          small_rows<F64>,
          sparse_rows_avx2_f64,
          sparse_panel_avx2_f64,
          nonzeros_avx2_f64,
          epilogue<F64>};
}

}  // namespace mlp::gemm_detail

#endif  // x86-64 with -mavx2 -mfma
