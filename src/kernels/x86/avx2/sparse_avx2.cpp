// The AVX2 + FMA kernels of the first layer on sparse inputs (SparseRowsKernel,
// SparseGroupKernel, SparsePanelKernel and NonzerosKernel in gemm_kernels.hpp), compiled with
// -mavx2 -mfma and called only on CPUs that have both. Like gemm_avx2.cpp, this file includes
// nothing with inline code but lanes.hpp (the registers) and the kernels written over them
// (x86/sparse_register_kernels.hpp: sparse_rows, sparse_group and sparse_panel), all in anonymous
// namespaces, and keeps its helpers in an anonymous namespace.
//
// nonzeros: x's nonzero entries, a register of x at a time: the lanes that are not zero are
// packed to the front by one permutation (looked up from the comparison's bit mask) and stored
// whole; the write position then advances by their count.
#include "kernels/gemm_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include "kernels/x86/avx2/lanes.hpp"
#include "kernels/x86/sparse_register_kernels.hpp"

namespace mlp::gemm_detail {

namespace {

using avx2::F32;
using avx2::F64;

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

void sparse_group_avx2_f32(Size count, const std::int32_t* index, const float* X, Size lda,
                           Size ldp, int rows, const float* M, Size ldm, Size n, float* out,
                           Size ldo, int accumulate) {
  sparse_group<F32>(count, index, X, lda, ldp, rows, M, ldm, n, out, ldo, accumulate);
}

void sparse_group_avx2_f64(Size count, const std::int32_t* index, const double* X, Size lda,
                           Size ldp, int rows, const double* M, Size ldm, Size n, double* out,
                           Size ldo, int accumulate) {
  sparse_group<F64>(count, index, X, lda, ldp, rows, M, ldm, n, out, ldo, accumulate);
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
