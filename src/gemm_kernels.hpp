// Internal to the library: the interface between the GEMM driver (gemm.cpp) and the micro-kernels
// compiled for a particular instruction set (gemm_avx2.cpp, built with -mavx2 -mfma).
//
// Only plain declarations live here. A translation unit built with extra -m flags must share no
// inline function or template instantiation with the rest of the library (the linker could keep
// its AVX2 copy for every caller and break the binary on older CPUs), so gemm_avx2.cpp includes
// nothing but this header and <immintrin.h>, and keeps its code in an anonymous namespace.
#pragma once

#include <cstddef>

namespace mlp::gemm_detail {

using Size = std::ptrdiff_t;

// Micro-kernel: the mr x nr tile C = (accumulate ? C : 0) + sum_p a_p b_p^T, where a is a packed
// panel of A (kc steps of mr values, column p of the panel at a + p * mr) and b a packed panel of
// B (kc steps of nr values). a and b are 64-byte aligned; C has row stride ldc.
template <class T>
using MicroKernel = void (*)(Size kc, const T* a, const T* b, T* c, Size ldc, int accumulate);

// Products with few rows (batch-1 inference): C (m x n) = A (m x k, row stride lda) B (k x n, row
// stride ldb), all row-major and unpacked. The sum over p is taken in blocks of kc terms exactly
// as the packed product takes it (each block's terms fused-multiply-added in order starting from
// zero, the blocks' sums then added in order), so a sample's result does not depend on whether
// it went through this kernel or the packed one.
template <class T>
using SmallRowsKernel = void (*)(Size m, Size n, Size k, Size kc, const T* A, Size lda, const T* B,
                                 Size ldb, T* C, Size ldc);

// Elementwise Adam update over n parameters (see optimizer.hpp for the formula):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w = w - eta (m / c1) / (sqrt(v / c2) + eps)
template <class T>
using AdamKernel = void (*)(Size n, T* w, const T* g, T* m, T* v, T b1, T b2, T eta, T c1, T c2,
                            T eps);

// A trivial aggregate on purpose (no member initializers, no constructors): nothing of it is
// compiled as a function in either translation unit.
template <class T>
struct KernelSet {
  int mr, nr;  // tile of the micro-kernel
  MicroKernel<T> micro;
  SmallRowsKernel<T> small_rows;  // may be null: the driver then uses other code
  AdamKernel<T> adam;             // may be null
};

// The AVX2 + FMA kernels (gemm_avx2.cpp). Call only when the CPU has AVX2 and FMA.
KernelSet<float> avx2_kernels_f32();
KernelSet<double> avx2_kernels_f64();

// The kernels GemmKernel::best uses for T on this CPU: the AVX2 set when the CPU has it, else
// the portable one (defined in gemm.cpp).
template <class T>
const KernelSet<T>& best_kernels();

}  // namespace mlp::gemm_detail
