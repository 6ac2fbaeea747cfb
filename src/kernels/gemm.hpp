// Matrix products for the Dense kernels: C = op(A) op(B), with the layer's bias and ReLU (or
// ReLU's derivative) applied in the same pass over C. Row-major throughout, BLAS-like arguments.
//
//   op(A) is m x k:  A(i, p) = A[i * lda + p]   (Transpose::no)
//                             A[p * lda + i]   (Transpose::yes)
//   op(B) is k x n:  B(p, j) = B[p * ldb + j]   (Transpose::no)
//                             B[j * ldb + p]   (Transpose::yes)
//   C is m x n:      C(i, j) = C[i * ldc + j]
//
// Four implementations of the same product:
//   gemm_reference  the naive loops: each C(i, j) summed term by term in index order p = 0..k-1
//                   (no fused multiply-add), then the epilogue. The kernel every other one is
//                   tested against, and the one gemm() uses for tiny products, so that tiny
//                   networks get exactly the arithmetic of the chapter's loops.
//   generic         packed, cache-blocked product with a portable micro-kernel (any x86-64).
//   avx2            the same blocking with an AVX2 + FMA micro-kernel (6 x 16 floats,
//                   6 x 8 doubles), chosen at run time when the CPU has both.
//   avx512          the same with an AVX-512 micro-kernel (12 x 32 floats, 12 x 16 doubles),
//                   chosen at run time when the CPU has AVX-512 F, VL, BW and DQ. The same bits
//                   as avx2 (each sum's terms fused-multiply-added in the same order).
// The environment variable MLP_KERNELS=portable|avx2|avx512 forces a set (kernel_choice.hpp).
// Results are deterministic and do not depend on the thread count: threads split C into
// disjoint blocks and each C(i, j) is computed by one thread with the same operations.
#pragma once

#include <cstddef>
#include <string_view>

#include "mlp/core/matrix.hpp"

namespace mlp {

enum class Transpose { no, yes };

// What happens to C after the product, in this order:
//   C(i, j) = C(i, j) + bias[j]                        when bias is set
//   C(i, j) = gate(i, j) > 0 ? C(i, j) : 0             when gate is set (ReLU's derivative)
//   relu_out(i, j) = max(C(i, j), 0)                   when relu_out is set (ReLU's activation)
template <class Scalar>
struct GemmEpilogue {
  const Scalar* bias = nullptr;  // (n)
  const Scalar* gate = nullptr;  // (m, n), row stride ld_gate
  Index ld_gate = 0;
  Scalar* relu_out = nullptr;  // (m, n), row stride ld_relu_out
  Index ld_relu_out = 0;
};

enum class GemmKernel {
  reference,  // gemm_reference, whatever the shape
  generic,    // packed product, portable micro-kernel
  avx2,       // packed product, AVX2 + FMA micro-kernel
  avx512,     // packed product, AVX-512 micro-kernel
  best,       // the set in force (kernel_choice.hpp); gemm_reference for tiny products
};

// True when `kernel` can run on this CPU.
bool gemm_kernel_available(GemmKernel kernel);
// "avx512", "avx2" or "portable": the set GemmKernel::best uses (kernel_choice.hpp).
std::string_view gemm_best_kernel_name();

// C = op(A) op(B), then the epilogue. C must not overlap A, B or the gate.
template <class Scalar>
void gemm(Transpose ta, Transpose tb, Index m, Index n, Index k, const Scalar* A, Index lda,
          const Scalar* B, Index ldb, Scalar* C, Index ldc,
          const GemmEpilogue<Scalar>& epilogue = {}, GemmKernel kernel = GemmKernel::best);

// The naive loops (see above).
template <class Scalar>
void gemm_reference(Transpose ta, Transpose tb, Index m, Index n, Index k, const Scalar* A,
                    Index lda, const Scalar* B, Index ldb, Scalar* C, Index ldc,
                    const GemmEpilogue<Scalar>& epilogue = {});

}  // namespace mlp
