// The sparse first layer's kernels (SparseRowsKernel and SparsePanelKernel in gemm_kernels.hpp)
// written once over a register type K (avx2/lanes.hpp, avx512/zmm.hpp), as
// gemm_register_kernels.hpp holds the product's.
//
// sparse_rows: out[0..n) (+)= sum over t of value[t] * M[index[t] * ldm + 0..n). The columns are
// taken in blocks of up to sparse_row_registers (16 of AVX-512's 32: MNIST's 256 hidden units in
// one pass over each row of W, 5 - 10 % faster than 12 + 4 on Zen 5), whose accumulators stay in
// registers while the sparse entries stream by; each entry costs one broadcast and one fused
// multiply-add per register, each reading its operand straight from M's row.
//
// sparse_group: sparse_rows for up to 4 rows of weights at once over the union of their nonzero
// positions, each row of M loaded once into registers and used for every one of them (zero
// terms where a weight is zero, which leave its sums as they are).
//
// sparse_panel: inference's form of the same sum for one sample and one panel of W's columns
// (rows `width` long and contiguous): the whole sum over the inputs in one call, its blocks of
// positions cut inside, then the bias and the ReLU on the registers before the one store.
//
// Each output column gets the same operations in the same order whatever the register width (its
// sum's terms fused-multiply-added in order from +0 within each block, the blocks' sums added in
// order, then the bias and the ReLU), so every set gives the same bits.
//
// Included only by sparse_avx2.cpp and sparse_avx512.cpp, after their register header; everything
// here is in an anonymous namespace (see gemm_register_kernels.hpp).
#pragma once

#include "kernels/gemm_kernels.hpp"

namespace mlp::gemm_detail {

namespace {

// `V` whole registers of columns starting at `column`.
template <class K, int V>
void block(Size count, const std::int32_t* index, const typename K::Scalar* value,
           const typename K::Scalar* M, Size ldm, Size column, typename K::Scalar* out,
           int accumulate) {
  // The loops over v are unrolled before GCC would see the last one as a memcpy from acc, which
  // would keep acc in memory (12 stores per entry) instead of in registers.
  typename K::Reg acc[V];
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) acc[v] = K::zero();
  for (Size t = 0; t < count; ++t) {
    const typename K::Scalar* row = M + static_cast<Size>(index[t]) * ldm + column;
    const typename K::Reg x = K::broadcast(value + t);
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[v] = K::fmadd(x, K::loadu(row + v * K::lanes), acc[v]);
  }
  typename K::Scalar* o = out + column;
  if (accumulate) {
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[v] = K::add(K::loadu(o + v * K::lanes), acc[v]);
  }
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) K::storeu(o + v * K::lanes, acc[v]);
}

// The last `width` (< lanes) columns starting at `column`.
template <class K>
void tail(Size count, const std::int32_t* index, const typename K::Scalar* value,
          const typename K::Scalar* M, Size ldm, Size column, Size width, typename K::Scalar* out,
          int accumulate) {
  const auto m = K::mask(width);
  typename K::Reg acc = K::zero();
  for (Size t = 0; t < count; ++t) {
    const typename K::Scalar* row = M + static_cast<Size>(index[t]) * ldm + column;
    acc = K::fmadd(K::broadcast(value + t), K::maskload(row, m), acc);
  }
  if (accumulate) acc = K::add(K::maskload(out + column, m), acc);
  K::maskstore(out + column, m, acc);
}

template <class K>
void sparse_rows(Size count, const std::int32_t* index, const typename K::Scalar* value,
                 const typename K::Scalar* M, Size ldm, Size n, typename K::Scalar* out,
                 int accumulate) {
  constexpr int R = sparse_row_registers(K::registers);
  Size column = 0;
  for (; column + R * K::lanes <= n; column += R * K::lanes)
    block<K, R>(count, index, value, M, ldm, column, out, accumulate);
  for (; column + 12 * K::lanes <= n; column += 12 * K::lanes)
    block<K, 12>(count, index, value, M, ldm, column, out, accumulate);
  Size registers = (n - column) / K::lanes;
  if (registers >= 8) {
    block<K, 8>(count, index, value, M, ldm, column, out, accumulate);
    column += 8 * K::lanes;
    registers -= 8;
  }
  if (registers >= 4) {
    block<K, 4>(count, index, value, M, ldm, column, out, accumulate);
    column += 4 * K::lanes;
    registers -= 4;
  }
  if (registers >= 2) {
    block<K, 2>(count, index, value, M, ldm, column, out, accumulate);
    column += 2 * K::lanes;
    registers -= 2;
  }
  if (registers >= 1) {
    block<K, 1>(count, index, value, M, ldm, column, out, accumulate);
    column += K::lanes;
  }
  if (column < n) tail<K>(count, index, value, M, ldm, column, n - column, out, accumulate);
}

// G rows' sums over the union of their positions for `V` whole registers of columns starting at
// `column`: see SparseGroupKernel. Each position's row of M is loaded once into V registers and
// multiplied by each row's weight there (zero where the row has none); G x V accumulators.
template <class K, int G, int V>
void group_block(Size count, const std::int32_t* index, const typename K::Scalar* X, Size lda,
                 Size ldp, const typename K::Scalar* M, Size ldm, Size column,
                 typename K::Scalar* out, Size ldo, int accumulate) {
  using Reg = typename K::Reg;
  Reg acc[G][V];
#pragma GCC unroll 4
  for (int a = 0; a < G; ++a) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[a][v] = K::zero();
  }
  for (Size t = 0; t < count; ++t) {
    const Size position = static_cast<Size>(index[t]);
    const typename K::Scalar* row = M + position * ldm + column;
    Reg w[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) w[v] = K::loadu(row + v * K::lanes);
#pragma GCC unroll 4
    for (int a = 0; a < G; ++a) {
      const Reg x = K::broadcast(X + a * lda + position * ldp);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[a][v] = K::fmadd(x, w[v], acc[a][v]);
    }
  }
#pragma GCC unroll 4
  for (int a = 0; a < G; ++a) {
    typename K::Scalar* o = out + a * ldo + column;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      if (accumulate) acc[a][v] = K::add(K::loadu(o + v * K::lanes), acc[a][v]);
      K::storeu(o + v * K::lanes, acc[a][v]);
    }
  }
}

// The same for the last `width` (< lanes) columns starting at `column`.
template <class K, int G>
void group_tail(Size count, const std::int32_t* index, const typename K::Scalar* X, Size lda,
                Size ldp, const typename K::Scalar* M, Size ldm, Size column, Size width,
                typename K::Scalar* out, Size ldo, int accumulate) {
  const auto m = K::mask(width);
  typename K::Reg acc[G];
#pragma GCC unroll 4
  for (int a = 0; a < G; ++a) acc[a] = K::zero();
  for (Size t = 0; t < count; ++t) {
    const Size position = static_cast<Size>(index[t]);
    const typename K::Reg w = K::maskload(M + position * ldm + column, m);
#pragma GCC unroll 4
    for (int a = 0; a < G; ++a)
      acc[a] = K::fmadd(K::broadcast(X + a * lda + position * ldp), w, acc[a]);
  }
#pragma GCC unroll 4
  for (int a = 0; a < G; ++a) {
    typename K::Scalar* o = out + a * ldo + column;
    if (accumulate) acc[a] = K::add(K::maskload(o, m), acc[a]);
    K::maskstore(o, m, acc[a]);
  }
}

// SparseGroupKernel for G rows: the columns in blocks of V registers (4 x 4 accumulators of
// AVX-512's 32 registers, 4 x 2 of AVX2's 16), then one register at a time, then the tail.
template <class K, int G>
void group_of(Size count, const std::int32_t* index, const typename K::Scalar* X, Size lda,
              Size ldp, const typename K::Scalar* M, Size ldm, Size n, typename K::Scalar* out,
              Size ldo, int accumulate) {
  constexpr int V = K::registers >= 32 ? 4 : 2;
  Size column = 0;
  for (; column + V * K::lanes <= n; column += V * K::lanes)
    group_block<K, G, V>(count, index, X, lda, ldp, M, ldm, column, out, ldo, accumulate);
  for (; column + K::lanes <= n; column += K::lanes)
    group_block<K, G, 1>(count, index, X, lda, ldp, M, ldm, column, out, ldo, accumulate);
  if (column < n)
    group_tail<K, G>(count, index, X, lda, ldp, M, ldm, column, n - column, out, ldo, accumulate);
}

template <class K>
void sparse_group(Size count, const std::int32_t* index, const typename K::Scalar* X, Size lda,
                  Size ldp, int rows, const typename K::Scalar* M, Size ldm, Size n,
                  typename K::Scalar* out, Size ldo, int accumulate) {
  static_assert(kSparseGroupRows == 4);
  switch (rows) {
    case 4:
      return group_of<K, 4>(count, index, X, lda, ldp, M, ldm, n, out, ldo, accumulate);
    case 3:
      return group_of<K, 3>(count, index, X, lda, ldp, M, ldm, n, out, ldo, accumulate);
    case 2:
      return group_of<K, 2>(count, index, X, lda, ldp, M, ldm, n, out, ldo, accumulate);
    default:
      return group_of<K, 1>(count, index, X, lda, ldp, M, ldm, n, out, ldo, accumulate);
  }
}

// One sample's block sums over `V` whole registers of columns starting at `column` of a panel P
// (rows of `ldp` values), then the bias and the ReLU: see SparsePanelKernel. An entry's block is
// its input's position divided by block_length; a block without entries is skipped, which leaves
// the sum as it is (a block sum is never -0, so adding gemm's +0 for it changes no bit).
template <class K, int V>
void panel_block(Size count, const std::int32_t* index, const typename K::Scalar* value,
                 const typename K::Scalar* P, Size ldp, Size column, Size block_length,
                 const typename K::Scalar* bias, int relu, typename K::Scalar* out) {
  using Reg = typename K::Reg;
  typename K::Scalar* o = out + column;
  bool stored = false;  // whether o holds the sum of the blocks so far
  for (Size t = 0; t < count;) {
    const Size block_end = (index[t] / block_length + 1) * block_length;
    Reg acc[V];
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) acc[v] = K::zero();
    for (; t < count && index[t] < block_end; ++t) {
      const typename K::Scalar* row = P + static_cast<Size>(index[t]) * ldp + column;
      const Reg x = K::broadcast(value + t);
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) acc[v] = K::fmadd(x, K::loadu(row + v * K::lanes), acc[v]);
    }
    if (stored) {
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) acc[v] = K::add(K::loadu(o + v * K::lanes), acc[v]);
    }
#pragma GCC unroll 16
    for (int v = 0; v < V; ++v) K::storeu(o + v * K::lanes, acc[v]);
    stored = true;
  }
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v) {
    Reg z = stored ? K::loadu(o + v * K::lanes) : K::zero();
    z = K::add(z, K::loadu(bias + column + v * K::lanes));
    if (relu) z = K::max(z, K::zero());  // z < 0 ? 0 : z (max returns z for NaN and -0)
    K::storeu(o + v * K::lanes, z);
  }
}

// The same for the last `width` (< lanes) columns starting at `column`.
template <class K>
void panel_tail(Size count, const std::int32_t* index, const typename K::Scalar* value,
                const typename K::Scalar* P, Size ldp, Size column, Size width, Size block_length,
                const typename K::Scalar* bias, int relu, typename K::Scalar* out) {
  const auto m = K::mask(width);
  typename K::Reg sum = K::zero();
  for (Size t = 0; t < count;) {
    const Size block_end = (index[t] / block_length + 1) * block_length;
    typename K::Reg acc = K::zero();
    for (; t < count && index[t] < block_end; ++t) {
      const typename K::Scalar* row = P + static_cast<Size>(index[t]) * ldp + column;
      acc = K::fmadd(K::broadcast(value + t), K::maskload(row, m), acc);
    }
    sum = K::add(sum, acc);  // the first block's sum itself: +0 + s = s (s is never -0)
  }
  sum = K::add(sum, K::maskload(bias + column, m));
  if (relu) sum = K::max(sum, K::zero());
  K::maskstore(out + column, m, sum);
}

template <class K>
void sparse_panel(Size count, const std::int32_t* index, const typename K::Scalar* value,
                  const typename K::Scalar* P, Size width, Size block_length,
                  const typename K::Scalar* bias, int relu, typename K::Scalar* out) {
  constexpr int R = sparse_row_registers(K::registers);
  Size column = 0;
  for (; column + R * K::lanes <= width; column += R * K::lanes)
    panel_block<K, R>(count, index, value, P, width, column, block_length, bias, relu, out);
  for (; column + 12 * K::lanes <= width; column += 12 * K::lanes)
    panel_block<K, 12>(count, index, value, P, width, column, block_length, bias, relu, out);
  for (Size registers = (width - column) / K::lanes; registers > 0;) {
    const int step = registers >= 8 ? 8 : registers >= 4 ? 4 : registers >= 2 ? 2 : 1;
    if (step == 8)
      panel_block<K, 8>(count, index, value, P, width, column, block_length, bias, relu, out);
    else if (step == 4)
      panel_block<K, 4>(count, index, value, P, width, column, block_length, bias, relu, out);
    else if (step == 2)
      panel_block<K, 2>(count, index, value, P, width, column, block_length, bias, relu, out);
    else
      panel_block<K, 1>(count, index, value, P, width, column, block_length, bias, relu, out);
    column += step * K::lanes;
    registers -= step;
  }
  if (column < width)
    panel_tail<K>(count, index, value, P, width, column, width - column, block_length, bias, relu,
                  out);
}

}  // namespace

}  // namespace mlp::gemm_detail
