// AVX-512 kernels of the first layer on sparse inputs (SparseRowsKernel, SparseGroupKernel,
// SparsePanelKernel, NonzerosKernel and NonzeroUnionKernel in gemm_kernels.hpp), compiled as
// gemm_avx512.cpp is (the library's copy on zmm registers, the test binary's on emulated ones:
// entry_points.hpp) and part of its kernel set. Like it, this file includes nothing with inline
// code but its register header and the kernels written over registers
// (x86/sparse_register_kernels.hpp: sparse_rows, sparse_group and sparse_panel, the AVX2 set's, so
// the same bits), all in anonymous namespaces.
//
// nonzeros: x's nonzero entries, a register of x at a time: AVX-512's compress store writes the
// nonzero lanes and their positions one after another (no permutation table as in AVX2), and the
// last lanes go under a mask. It writes nothing past the count.
#include "kernels/x86/avx512/entry_points.hpp"

#include "kernels/x86/avx512/zmm.hpp"

#if defined(MLP_HAVE_ZMM)
#include "kernels/x86/sparse_register_kernels.hpp"

namespace mlp::gemm_detail {

namespace {

using avx512::F32;
using avx512::F64;

template <class K, class T = typename K::Scalar>
Size nonzeros(Size n, const T* x, std::int32_t* index, T* value) {
  Size count = 0, j = 0;
  typename K::Positions positions = K::first_positions();
  for (; j < n; j += K::lanes) {
    // The whole register, or the last n - j lanes (the others read as zero, so never stored).
    const typename K::Reg v =
        j + K::lanes <= n ? K::loadu(x + j) : K::maskload(x + j, K::mask(n - j));
    const typename K::Mask mask = K::nonzero(v);
    K::compress_store(value + count, mask, v);
    K::compress_store(index + count, mask, positions);
    count += __builtin_popcount(static_cast<unsigned>(mask));
    positions = K::advance(positions);
  }
  return count;
}

// nonzero_union: the rows' nonzero masks of each register of positions OR-ed, then one compress
// store of the positions.
template <class K, class T = typename K::Scalar>
Size nonzero_union(int rows, const T* X, Size ldx, Size n, std::int32_t* index) {
  Size count = 0;
  typename K::Positions positions = K::first_positions();
  for (Size j = 0; j < n; j += K::lanes) {
    typename K::Mask any = 0;
    if (j + K::lanes <= n) {
      for (int a = 0; a < rows; ++a) any |= K::nonzero(K::loadu(X + a * ldx + j));
    } else {
      const typename K::Mask last = K::mask(n - j);
      for (int a = 0; a < rows; ++a) any |= K::nonzero(K::maskload(X + a * ldx + j, last));
    }
    K::compress_store(index + count, any, positions);
    count += __builtin_popcount(static_cast<unsigned>(any));
    positions = K::advance(positions);
  }
  return count;
}

}  // namespace

Size MLP_AVX512_ENTRY(nonzero_union_avx512_f32)(int rows, const float* X, Size ldx, Size n,
                                                std::int32_t* index) {
  return nonzero_union<F32>(rows, X, ldx, n, index);
}

Size MLP_AVX512_ENTRY(nonzero_union_avx512_f64)(int rows, const double* X, Size ldx, Size n,
                                                std::int32_t* index) {
  return nonzero_union<F64>(rows, X, ldx, n, index);
}

Size MLP_AVX512_ENTRY(nonzeros_avx512_f32)(Size n, const float* x, std::int32_t* index,
                                           float* value) {
  return nonzeros<F32>(n, x, index, value);
}

Size MLP_AVX512_ENTRY(nonzeros_avx512_f64)(Size n, const double* x, std::int32_t* index,
                                           double* value) {
  return nonzeros<F64>(n, x, index, value);
}

void MLP_AVX512_ENTRY(sparse_rows_avx512_f32)(Size count, const std::int32_t* index,
                                              const float* value, const float* M, Size ldm, Size n,
                                              float* out, int accumulate) {
  sparse_rows<F32>(count, index, value, M, ldm, n, out, accumulate);
}

void MLP_AVX512_ENTRY(sparse_rows_avx512_f64)(Size count, const std::int32_t* index,
                                              const double* value, const double* M, Size ldm,
                                              Size n, double* out, int accumulate) {
  sparse_rows<F64>(count, index, value, M, ldm, n, out, accumulate);
}

void MLP_AVX512_ENTRY(sparse_group_avx512_f32)(Size count, const std::int32_t* index,
                                               const float* X, Size lda, Size ldp, int rows,
                                               const float* M, Size ldm, Size n, float* out,
                                               Size ldo, int accumulate) {
  sparse_group<F32>(count, index, X, lda, ldp, rows, M, ldm, n, out, ldo, accumulate);
}

void MLP_AVX512_ENTRY(sparse_group_avx512_f64)(Size count, const std::int32_t* index,
                                               const double* X, Size lda, Size ldp, int rows,
                                               const double* M, Size ldm, Size n, double* out,
                                               Size ldo, int accumulate) {
  sparse_group<F64>(count, index, X, lda, ldp, rows, M, ldm, n, out, ldo, accumulate);
}

void MLP_AVX512_ENTRY(sparse_panel_avx512_f32)(Size count, const std::int32_t* index,
                                               const float* value, const float* P, Size width,
                                               Size block_length, const float* bias, int relu,
                                               float* out) {
  sparse_panel<F32>(count, index, value, P, width, block_length, bias, relu, out);
}

void MLP_AVX512_ENTRY(sparse_panel_avx512_f64)(Size count, const std::int32_t* index,
                                               const double* value, const double* P, Size width,
                                               Size block_length, const double* bias, int relu,
                                               double* out) {
  sparse_panel<F64>(count, index, value, P, width, block_length, bias, relu, out);
}

}  // namespace mlp::gemm_detail

#endif  // MLP_HAVE_ZMM
