// The functions this folder exports, declared under their names in the copy being compiled.
//
// The library compiles this folder once, with the AVX-512 intrinsics (zmm.hpp); the test binary
// compiles the same sources a second time with MLP_AVX512_EMULATED, on two AVX2 registers per zmm
// register (tests/CMakeLists.txt), so that the AVX-512 kernels' logic is tested on CPUs without
// AVX-512. MLP_AVX512_ENTRY gives the second copy's functions names of their own (ending in
// _emulated), so both copies link into the test binary. Only plain declarations live here.
#pragma once

#include "kernels/gemm_kernels.hpp"
#include "kernels/optimizer_kernels.hpp"

#if defined(MLP_AVX512_EMULATED)
#define MLP_AVX512_ENTRY(name) name##_emulated
#else
#define MLP_AVX512_ENTRY(name) name
#endif

namespace mlp::gemm_detail {

// gemm_avx512.cpp: the AVX-512 kernel set of each precision.
KernelSet<float> MLP_AVX512_ENTRY(avx512_kernels_f32)();
KernelSet<double> MLP_AVX512_ENTRY(avx512_kernels_f64)();

// sparse_avx512.cpp: the sparse first layer's kernels, part of those sets.
void MLP_AVX512_ENTRY(sparse_rows_avx512_f32)(Size count, const std::int32_t* index,
                                              const float* value, const float* M, Size ldm, Size n,
                                              float* out, int accumulate);
void MLP_AVX512_ENTRY(sparse_rows_avx512_f64)(Size count, const std::int32_t* index,
                                              const double* value, const double* M, Size ldm,
                                              Size n, double* out, int accumulate);
void MLP_AVX512_ENTRY(sparse_group_avx512_f32)(Size count, const std::int32_t* index,
                                               const float* X, Size lda, Size ldp, int rows,
                                               const float* M, Size ldm, Size n, float* out,
                                               Size ldo, int accumulate);
void MLP_AVX512_ENTRY(sparse_group_avx512_f64)(Size count, const std::int32_t* index,
                                               const double* X, Size lda, Size ldp, int rows,
                                               const double* M, Size ldm, Size n, double* out,
                                               Size ldo, int accumulate);
void MLP_AVX512_ENTRY(sparse_panel_avx512_f32)(Size count, const std::int32_t* index,
                                               const float* value, const float* P, Size width,
                                               Size block_length, const float* bias, int relu,
                                               float* out);
void MLP_AVX512_ENTRY(sparse_panel_avx512_f64)(Size count, const std::int32_t* index,
                                               const double* value, const double* P, Size width,
                                               Size block_length, const double* bias, int relu,
                                               double* out);
Size MLP_AVX512_ENTRY(nonzero_union_avx512_f32)(int rows, const float* X, Size ldx, Size n,
                                                std::int32_t* index);
Size MLP_AVX512_ENTRY(nonzero_union_avx512_f64)(int rows, const double* X, Size ldx, Size n,
                                                std::int32_t* index);
Size MLP_AVX512_ENTRY(nonzeros_avx512_f32)(Size n, const float* x, std::int32_t* index,
                                           float* value);
Size MLP_AVX512_ENTRY(nonzeros_avx512_f64)(Size n, const double* x, std::int32_t* index,
                                           double* value);

}  // namespace mlp::gemm_detail

namespace mlp::optimizer_detail {

// optimizer_avx512.cpp: Adam (AdamKernel in optimizer_kernels.hpp).
void MLP_AVX512_ENTRY(adam_avx512_f32)(Size n, float* w, const float* g, float* m, float* v,
                                       float b1, float b2, float s, float r, float eps);
void MLP_AVX512_ENTRY(adam_avx512_f64)(Size n, double* w, const double* g, double* m, double* v,
                                       double b1, double b2, double s, double r, double eps);

}  // namespace mlp::optimizer_detail
