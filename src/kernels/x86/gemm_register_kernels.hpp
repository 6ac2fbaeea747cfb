// The matrix product's kernels (gemm_kernels.hpp) written once over a register type K: the
// micro-kernel and its in-place form, the few-rows kernel and the epilogue. K is one of
// avx2/lanes.hpp's (F32, F64: 8 floats, 4 doubles) or avx512/zmm.hpp's (16 floats, 8 doubles),
// which name the same operations the same way; each set picks its tile (Rows x Regs registers).
//
// Every set performs the same IEEE operations on each element of C in the same order (each block's
// terms fused-multiply-added in order from +0, the block's sum then added to C; the epilogue's
// steps as epilogue_generic takes them), so every set gives the same bits whatever its tile.
//
// Included only by gemm_avx2.cpp and gemm_avx512.cpp, after their register header, each compiled
// with its own -m flags: everything here is in an anonymous namespace, so each of them gets its own
// copy and no instruction of one set can reach code that runs on CPUs without it (see
// gemm_kernels.hpp). Loops over registers are unrolled so that the accumulators stay in registers.
#pragma once

#include "kernels/gemm_kernels.hpp"

namespace mlp::gemm_detail {

namespace {

// ---- micro-kernel: Rows rows x Regs registers of C, Rows x Regs accumulators ------------------

// The tile's rows into C's, each added to what C holds when accumulating.
template <class K, int Rows, int Regs>
void store_tile(typename K::Reg (&acc)[Rows][Regs], typename K::Scalar* c, Size ldc,
                int accumulate) {
  typename K::Scalar* row = c;
#pragma GCC unroll 16
  for (int i = 0; i < Rows; ++i, row += ldc) {
    if (accumulate) {
#pragma GCC unroll 16
      for (int v = 0; v < Regs; ++v) acc[i][v] = K::add(K::loadu(row + v * K::lanes), acc[i][v]);
    }
#pragma GCC unroll 16
    for (int v = 0; v < Regs; ++v) K::storeu(row + v * K::lanes, acc[i][v]);
  }
}

template <class K, int Rows, int Regs>
void micro(Size kc, const typename K::Scalar* a, const typename K::Scalar* b, typename K::Scalar* c,
           Size ldc, int accumulate) {
  constexpr int cols = Regs * K::lanes;
  typename K::Reg acc[Rows][Regs];
#pragma GCC unroll 16
  for (int i = 0; i < Rows; ++i)
#pragma GCC unroll 16
    for (int v = 0; v < Regs; ++v) acc[i][v] = K::zero();
  for (Size p = 0; p < kc; ++p) {
    typename K::Reg bv[Regs];
#pragma GCC unroll 16
    for (int v = 0; v < Regs; ++v) bv[v] = K::load(b + v * K::lanes);
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
      const typename K::Reg x = K::broadcast(a + i);
#pragma GCC unroll 16
      for (int v = 0; v < Regs; ++v) acc[i][v] = K::fmadd(x, bv[v], acc[i][v]);
    }
    a += Rows;
    b += cols;
  }
  store_tile<K, Rows, Regs>(acc, c, ldc, accumulate);
}

// The same tile with A's rows read in place (MicroRowsKernel): the same FMAs in the same order.
template <class K, int Rows, int Regs>
void micro_rows(Size kc, const typename K::Scalar* a, Size lda, const typename K::Scalar* b,
                typename K::Scalar* c, Size ldc, int accumulate) {
  constexpr int cols = Regs * K::lanes;
  typename K::Reg acc[Rows][Regs];
#pragma GCC unroll 16
  for (int i = 0; i < Rows; ++i)
#pragma GCC unroll 16
    for (int v = 0; v < Regs; ++v) acc[i][v] = K::zero();
  for (Size p = 0; p < kc; ++p) {
    typename K::Reg bv[Regs];
#pragma GCC unroll 16
    for (int v = 0; v < Regs; ++v) bv[v] = K::load(b + v * K::lanes);
#pragma GCC unroll 16
    for (int i = 0; i < Rows; ++i) {
      const typename K::Reg x = K::broadcast(a + i * lda + p);
#pragma GCC unroll 16
      for (int v = 0; v < Regs; ++v) acc[i][v] = K::fmadd(x, bv[v], acc[i][v]);
    }
    b += cols;
  }
  store_tile<K, Rows, Regs>(acc, c, ldc, accumulate);
}

// ---- few rows (batch-1 inference): one row of C at a time, a block of registers of columns at
// a time, only the rows of B whose factor is not zero ------------------------------------------

// The positions p in [0, length) where a[p] != 0, into `nonzero`; returns how many. A zero term
// adds nothing to an FMA chain (fma(0, b, s) = s for finite b), so skipping it gives the very
// same sums while reading only the rows of B that matter: MNIST's pixels and ReLU activations
// are mostly zeros. With AVX-512, a register of positions is stored compressed to the lanes that
// are not zero (a scalar loop took 0.4 us of a 784-pixel image, mostly in mispredicted
// branches; this, 0.07 us on Zen 5).
template <class K>
int nonzero_positions(const typename K::Scalar* a, Size length, int* nonzero) {
  using T = typename K::Scalar;
  int count = 0;
  Size p = 0;
  if constexpr (requires { K::first_positions(); }) {
    auto positions = K::first_positions();
    for (; p + K::lanes <= length; p += K::lanes, positions = K::advance(positions)) {
      const auto mask = K::nonzero(K::loadu(a + p));
      K::compress_store(nonzero + count, mask, positions);
      count += __builtin_popcount(mask);
    }
  }
  for (; p < length; ++p) {
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
  // Registers of sums per block of columns: as many as leave room for B's and a's (half of
  // AVX-512's 32, 8 of AVX2's 16), so that a row of B is read in as few passes as possible.
  constexpr int wide = K::registers / 2;
  int nonzero[kMaxBlock];
  for (Size i = 0; i < m; ++i) {
    const T* a = A + i * lda;
    T* c = C + i * ldc;
    for (Size p0 = 0; p0 < k; p0 += kc) {
      const Size length = p0 + kc < k ? kc : k - p0;
      const bool first = p0 == 0;
      const int count = nonzero_positions<K>(a + p0, length, nonzero);
      const T* ab = a + p0;
      const T* b = B + p0 * ldb;
      Size j = 0;
      for (; j + wide * K::lanes <= n; j += wide * K::lanes)
        row_block<K, wide>(ab, b, ldb, nonzero, count, j, first, c);
      if constexpr (wide > 8)
        for (; j + 8 * K::lanes <= n; j += 8 * K::lanes)
          row_block<K, 8>(ab, b, ldb, nonzero, count, j, first, c);
      for (; j + 4 * K::lanes <= n; j += 4 * K::lanes)
        row_block<K, 4>(ab, b, ldb, nonzero, count, j, first, c);
      for (; j + K::lanes <= n; j += K::lanes)
        row_block<K, 1>(ab, b, ldb, nonzero, count, j, first, c);
      for (; j < n; ++j) {
        T s = T(0);
        for (int q = 0; q < count; ++q) s = K::fma(ab[nonzero[q]], b[nonzero[q] * ldb + j], s);
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
  const auto m = K::mask(tail);
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

}  // namespace mlp::gemm_detail
