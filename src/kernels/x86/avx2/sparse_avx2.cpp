// The AVX2 + FMA kernels of the first layer on sparse inputs (SparseRowsKernel and
// NonzerosKernel in gemm_kernels.hpp), compiled with -mavx2 -mfma and called only on CPUs that
// have both. Like gemm_avx2.cpp, this file includes nothing with inline code but lanes.hpp (the
// registers, in an anonymous namespace), and keeps its helpers in an anonymous namespace.
//
// sparse_rows: out[0..n) (+)= sum over t of value[t] * M[index[t] * ldm + 0..n). The columns are
// taken in blocks of up to 12 registers, whose accumulators stay in registers while the sparse
// entries stream by; each entry costs one broadcast and one fused multiply-add per register,
// each reading its operand straight from M's row.
//
// sparse_panel: inference's form of the same sum for one sample and one panel of W's columns
// (rows `width` long and contiguous): the whole sum over the inputs in one call, its blocks of
// positions cut inside, then the bias and the ReLU on the registers before the one store.
//
// nonzeros: x's nonzero entries, a register of x at a time: the lanes that are not zero are
// packed to the front by one permutation (looked up from the comparison's bit mask) and stored
// whole; the write position then advances by their count.
#include "kernels/gemm_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include "kernels/x86/avx2/lanes.hpp"

namespace mlp::gemm_detail {

namespace {

using avx2::F32;
using avx2::F64;

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
  const __m256i m = K::mask(width);
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
  Size column = 0;
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
  const __m256i m = K::mask(width);
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
  Size column = 0;
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

// kPack[mask]: the 32-bit lanes to gather, in order, so that the lanes whose bit is set in
// `mask` come first. For 8 floats, lane i is bit i; for 4 doubles each double is two lanes.
struct PackTable {
  alignas(32) std::int32_t f32[256][8];
  alignas(32) std::int32_t f64[16][8];
};
constexpr PackTable make_pack_table() {
  PackTable table{};
  for (int mask = 0; mask < 256; ++mask) {
    int out = 0;
    for (int lane = 0; lane < 8; ++lane)
      if ((mask >> lane) & 1) table.f32[mask][out++] = lane;
    for (; out < 8; ++out) table.f32[mask][out] = 0;
  }
  for (int mask = 0; mask < 16; ++mask) {
    int out = 0;
    for (int lane = 0; lane < 4; ++lane)
      if ((mask >> lane) & 1) {
        table.f64[mask][out++] = 2 * lane;
        table.f64[mask][out++] = 2 * lane + 1;
      }
    for (; out < 8; ++out) table.f64[mask][out] = 0;
  }
  return table;
}
constexpr PackTable kPack = make_pack_table();

}  // namespace

Size nonzeros_avx2_f32(Size n, const float* x, std::int32_t* index, float* value) {
  Size count = 0, j = 0;
  __m256i positions = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i step = _mm256_set1_epi32(8);
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_loadu_ps(x + j);
    const int mask = _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NEQ_UQ));
    const __m256i pack = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPack.f32[mask]));
    _mm256_storeu_ps(value + count, _mm256_permutevar8x32_ps(v, pack));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(index + count),
                        _mm256_permutevar8x32_epi32(positions, pack));
    count += __builtin_popcount(static_cast<unsigned>(mask));
    positions = _mm256_add_epi32(positions, step);
  }
  for (; j < n; ++j) {
    index[count] = static_cast<std::int32_t>(j);
    value[count] = x[j];
    count += x[j] != 0.0f;
  }
  return count;
}

Size nonzeros_avx2_f64(Size n, const double* x, std::int32_t* index, double* value) {
  Size count = 0, j = 0;
  // Each position twice, so that the doubles' lane pairs pick their position too.
  __m256i positions = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
  const __m256i step = _mm256_set1_epi32(4);
  const __m256i even_lanes_first = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  for (; j + 4 <= n; j += 4) {
    const __m256d v = _mm256_loadu_pd(x + j);
    const int mask = _mm256_movemask_pd(_mm256_cmp_pd(v, _mm256_setzero_pd(), _CMP_NEQ_UQ));
    const __m256i pack = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPack.f64[mask]));
    _mm256_storeu_pd(value + count,
                     _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(v), pack)));
    // The packed positions sit in lanes 0, 2, 4, 6: gather them into the low half.
    const __m256i packed =
        _mm256_permutevar8x32_epi32(_mm256_permutevar8x32_epi32(positions, pack), even_lanes_first);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(index + count), _mm256_castsi256_si128(packed));
    count += __builtin_popcount(static_cast<unsigned>(mask));
    positions = _mm256_add_epi32(positions, step);
  }
  for (; j < n; ++j) {
    index[count] = static_cast<std::int32_t>(j);
    value[count] = x[j];
    count += x[j] != 0.0;
  }
  return count;
}

void sparse_rows_avx2_f32(Size count, const std::int32_t* index, const float* value, const float* M,
                          Size ldm, Size n, float* out, int accumulate) {
  sparse_rows<F32>(count, index, value, M, ldm, n, out, accumulate);
}

void sparse_rows_avx2_f64(Size count, const std::int32_t* index, const double* value,
                          const double* M, Size ldm, Size n, double* out, int accumulate) {
  sparse_rows<F64>(count, index, value, M, ldm, n, out, accumulate);
}

void sparse_panel_avx2_f32(Size count, const std::int32_t* index, const float* value,
                           const float* P, Size width, Size block_length, const float* bias,
                           int relu, float* out) {
  sparse_panel<F32>(count, index, value, P, width, block_length, bias, relu, out);
}

void sparse_panel_avx2_f64(Size count, const std::int32_t* index, const double* value,
                           const double* P, Size width, Size block_length, const double* bias,
                           int relu, double* out) {
  sparse_panel<F64>(count, index, value, P, width, block_length, bias, relu, out);
}

}  // namespace mlp::gemm_detail

#endif  // x86-64 with -mavx2 -mfma
