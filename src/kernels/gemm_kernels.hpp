// Internal to the library: the interface between the GEMM driver (gemm.cpp) and the micro-kernels
// compiled for a particular instruction set (x86/avx2/gemm_avx2.cpp, built with -mavx2 -mfma, and
// x86/avx512/gemm_avx512.cpp, built with -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma).
//
// Only plain declarations live here. A translation unit built with extra -m flags must share no
// inline function or template instantiation with the rest of the library (the linker could keep
// its AVX2 copy for every caller and break the binary on older CPUs), so those files include
// nothing but this header, their register header (x86/avx2/lanes.hpp, x86/avx512/zmm.hpp:
// <immintrin.h> and register types in an anonymous namespace) and the kernels written over them
// (x86/gemm_register_kernels.hpp, in an anonymous namespace too), and keep their code in an
// anonymous namespace.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlp {
enum class GemmKernel;  // gemm.hpp
enum class Transpose;   // gemm.hpp
template <class Scalar>
struct GemmEpilogue;  // gemm.hpp
}  // namespace mlp

namespace mlp::gemm_detail {

using Size = std::ptrdiff_t;

// Micro-kernel: the mr x nr tile C = (accumulate ? C : 0) + sum_p a_p b_p^T, where a is a packed
// panel of A (kc steps of mr values, column p of the panel at a + p * mr) and b a packed panel of
// B (kc steps of nr values). a and b are 64-byte aligned; C has row stride ldc.
template <class T>
using MicroKernel = void (*)(Size kc, const T* a, const T* b, T* c, Size ldc, int accumulate);

// The same tile with A read in place, unpacked: row i of the tile's A is a + i * lda (kc values),
// the FMAs in the same order, so the same bits. For op(A) = A, whose rows are already contiguous:
// packing them costs more than it saves when k is small (inference).
template <class T>
using MicroRowsKernel = void (*)(Size kc, const T* a, Size lda, const T* b, T* c, Size ldc,
                                 int accumulate);

// Products with few rows (batch-1 inference): C (m x n) = A (m x k, row stride lda) B (k x n, row
// stride ldb), all row-major and unpacked. The sum over p is taken in blocks of kc terms exactly
// as the packed product takes it (each block's terms fused-multiply-added in order starting from
// zero, the blocks' sums then added in order), so a sample's result does not depend on whether
// it went through this kernel or the packed one.
template <class T>
using SmallRowsKernel = void (*)(Size m, Size n, Size k, Size kc, const T* A, Size lda, const T* B,
                                 Size ldb, T* C, Size ldc);

// A combination of M's rows picked by a sparse vector (count entries, index[t] ascending):
//   out[j] = (accumulate ? out[j] : 0) + sum over t of value[t] * M[index[t] * ldm + j]
// for j in [0, n), the sum's terms taken in order t = 0, 1, ... starting from zero (fused
// multiply-adds in the AVX2 kernel) and then added to out, as the micro-kernel adds a block's sum
// to C. The first layer's products on sparse inputs are made of these (sparse_input.cpp): a
// sample's z = x W over its nonzero x, and a weight row's gradient.
template <class T>
using SparseRowsKernel = void (*)(Size count, const std::int32_t* index, const T* value, const T* M,
                                  Size ldm, Size n, T* out, int accumulate);
// The registers of accumulators sparse_rows holds in one pass over the entries, of the
// `registers` a set has: 12 of AVX2's 16, 16 of AVX-512's 32. Fewer columns per call leave its
// fused multiply-adds waiting on each other (a block of 6 zmm registers ran MNIST's weight
// gradient 1.25x slower than 16), so callers cut wide products into column blocks this wide.
constexpr int sparse_row_registers(int registers) {
  return registers >= 32 ? 16 : 12;
}

// A few combinations of M's rows at once, over the union of the positions where their weights
// are nonzero (count positions, index[t] ascending), combination a's weight at position p being
// X[a * lda + p * ldp]:
//   out[a * ldo + j] = (accumulate ? out[a * ldo + j] : 0)
//                      + sum over t of X[a * lda + index[t] * ldp] * M[index[t] * ldm + j]
// for a in [0, count_of_rows), at most kSparseGroupRows, and j in [0, n), each sum's terms in
// order from zero. A position where a's weight is zero adds a zero term, which leaves a sum as it
// is (M finite), so each row gets sparse_rows' values over its own nonzero weights; but each row
// of M is read once for the whole group, where sparse_rows reads it once per row. The first
// layer's products take it for groups of samples (z = x W: the union of their pixels, W's rows)
// and of inputs (dE/dw: the union of their samples, dE/dZ's rows) that share most of their
// nonzeros, as MNIST's images do (sparse_input.cpp).
constexpr int kSparseGroupRows = 4;
template <class T>
using SparseGroupKernel = void (*)(Size count, const std::int32_t* index, const T* X, Size lda,
                                   Size ldp, int rows, const T* M, Size ldm, Size n, T* out,
                                   Size ldo, int accumulate);

// The positions p in [0, n) where any of `rows` rows of X (row a at X + a * ldx) is not zero
// (NaN included, -0 not, as NonzerosKernel), ascending, into index; returns how many there are.
// What sparse_group's callers unite for a group of samples, from their rows themselves. Writes
// nothing past the count.
template <class T>
using NonzeroUnionKernel = Size (*)(int rows, const T* X, Size ldx, Size n, std::int32_t* index);

// Inference's first layer on sparse inputs: one sample's outputs over a panel of W's columns
// (P: W's rows cut to the panel's `width` columns, one after another), with the bias and ReLU:
//   out[j] = bias[j] + sum over t of value[t] * P[index[t] * width + j]    for j in [0, width)
//   out[j] = out[j] < 0 ? 0 : out[j]                                       when relu is set
// the sum taken as gemm takes its sums over p (sum_block_length): the entries whose index falls
// in the same block of block_length positions summed in order from zero, the blocks' sums added
// in order (index[t] ascending). The same values as sparse_rows over each block, then the
// epilogue, without their passes over `out`.
template <class T>
using SparsePanelKernel = void (*)(Size count, const std::int32_t* index, const T* value,
                                   const T* P, Size width, Size block_length, const T* bias,
                                   int relu, T* out);

// The nonzero entries of x[0..n), in order: their positions in index[] and their values in
// value[]; returns how many there are. May write up to kNonzerosSlack slots past that count (the
// caller leaves room). How a batch of inputs is indexed for the kernel above.
constexpr Size kNonzerosSlack = 8;
template <class T>
using NonzerosKernel = Size (*)(Size n, const T* x, std::int32_t* index, T* value);

// The epilogue of gemm.hpp on a block of C (rows x cols, row stride ldc), with the bias, the gate
// and relu_out already pointing at the block's first column (and row); a null pointer skips its
// step:  c = c + bias[j];  c = gate > 0 ? c : 0;  relu_out = c < 0 ? 0 : c.  Every kernel performs
// these same IEEE operations, so all give the same bits.
template <class T>
using EpilogueKernel = void (*)(Size rows, Size cols, T* c, Size ldc, const T* bias, const T* gate,
                                Size ld_gate, T* relu_out, Size ld_relu_out);

// A trivial aggregate on purpose (no member initializers, no constructors): nothing of it is
// compiled as a function in either translation unit.
template <class T>
struct KernelSet {
  int mr, nr;  // tile of the micro-kernel
  MicroKernel<T> micro;
  MicroRowsKernel<T> micro_rows;  // may be null: A is then always packed
  SmallRowsKernel<T> small_rows;  // may be null: the driver then uses other code
  SparseRowsKernel<T> sparse_rows;
  Size sparse_columns;  // columns sparse_rows keeps in registers (sparse_row_registers)
  SparseGroupKernel<T> sparse_group;    // may be null: the rows then go one by one
  NonzeroUnionKernel<T> nonzero_union;  // may be null: the union then comes from the index
  SparsePanelKernel<T> sparse_panel;
  NonzerosKernel<T> nonzeros;
  EpilogueKernel<T> epilogue;
};

// The AVX2 + FMA kernels (gemm_avx2.cpp). Call only when the CPU has AVX2 and FMA.
KernelSet<float> avx2_kernels_f32();
KernelSet<double> avx2_kernels_f64();
// The AVX-512 kernels (gemm_avx512.cpp). Call only when cpu_has_avx512() (cpu_features.hpp).
// They give the AVX2 set's bits.
KernelSet<float> avx512_kernels_f32();
KernelSet<double> avx512_kernels_f64();
// The portable epilogue (gemm.cpp), part of every set but the AVX2 one.
template <class T>
void epilogue_generic(Size rows, Size cols, T* c, Size ldc, const T* bias, const T* gate,
                      Size ld_gate, T* relu_out, Size ld_relu_out);
// The AVX2 + FMA sparse kernels (sparse_avx2.cpp), part of those sets.
void sparse_rows_avx2_f32(Size count, const std::int32_t* index, const float* value, const float* M,
                          Size ldm, Size n, float* out, int accumulate);
void sparse_rows_avx2_f64(Size count, const std::int32_t* index, const double* value,
                          const double* M, Size ldm, Size n, double* out, int accumulate);
void sparse_group_avx2_f32(Size count, const std::int32_t* index, const float* X, Size lda,
                           Size ldp, int rows, const float* M, Size ldm, Size n, float* out,
                           Size ldo, int accumulate);
void sparse_group_avx2_f64(Size count, const std::int32_t* index, const double* X, Size lda,
                           Size ldp, int rows, const double* M, Size ldm, Size n, double* out,
                           Size ldo, int accumulate);
void sparse_panel_avx2_f32(Size count, const std::int32_t* index, const float* value,
                           const float* P, Size width, Size block_length, const float* bias,
                           int relu, float* out);
void sparse_panel_avx2_f64(Size count, const std::int32_t* index, const double* value,
                           const double* P, Size width, Size block_length, const double* bias,
                           int relu, double* out);
Size nonzeros_avx2_f32(Size n, const float* x, std::int32_t* index, float* value);
Size nonzeros_avx2_f64(Size n, const double* x, std::int32_t* index, double* value);

// The kernels GemmKernel::best uses for T: the set in force (kernel_choice.hpp: the best the CPU
// has, or MLP_KERNELS's) (defined in gemm.cpp).
template <class T>
const KernelSet<T>& best_kernels();
// The kernels `kernel` names: GemmKernel::generic the portable set, avx2 and avx512 theirs (the
// best the CPU has when it lacks them: check gemm_kernel_available), the others best_kernels().
template <class T>
const KernelSet<T>& kernels_for(GemmKernel kernel);

// gemm() with the kernels of `set`, whatever the shape (no reference loops for tiny products):
// the packed product, or small_rows for up to 4 rows of A and B both untransposed. How gemm runs
// every set but the reference loops; the tests also run kernel sets the library does not
// dispatch to (the AVX-512 set on emulated registers, entry_points.hpp) through it.
template <class T>
void gemm_with_kernels(const KernelSet<T>& set, Transpose ta, Transpose tb, Size m, Size n, Size k,
                       const T* A, Size lda, const T* B, Size ldb, T* C, Size ldc,
                       const GemmEpilogue<T>& epilogue);

// How gemm takes a product C (m x n) = A (m x k) B (k x n), for kernels that must give the same
// values (sparse_input.cpp):
//   uses_reference_loops  whether GemmKernel::best takes the naive loops for this shape;
//   sum_block_length      otherwise, each sum over p runs in consecutive blocks of this many
//                         terms: a block's terms fused-multiply-added in order starting from
//                         zero, the first block's sum stored in C, each next one added to C.
bool uses_reference_loops(std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k);
template <class T>
std::ptrdiff_t sum_block_length(std::ptrdiff_t k);

}  // namespace mlp::gemm_detail
