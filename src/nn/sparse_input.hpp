// The first layer's products when most inputs are zero: the background pixels of an image, the
// one-hot columns of a categorical feature. In the chapter's linear function
//   z_m = b_m + sum_n x_n w_nm
// and in the weight gradient
//   dE/dw_nm = sum over samples of x_n dE/dz_m
// a term with x_n = 0 is zero, so only the nonzero inputs need to be visited. On MNIST about 19%
// of the pixels are nonzero, and the first layer holds 85% of a 784-256-128-10 network's
// multiply-adds, so training and inference skip most of their work.
//
// SparseBatch indexes a batch's nonzero entries by sample (for z = x W) and, when the gradient
// is needed, by input too; the kernels then combine rows of W, or of dE/dZ, picked by those
// entries. Each sum is taken the way gemm takes it (in the same blocks of terms, each block's
// terms in order), minus the zero terms, which leave a sum unchanged: the results equal the
// dense kernels' bit for bit, so whether a batch went this way never shows in a result. (Only a
// weight that is infinite or NaN times a zero input differs: skipped here, NaN there.)
// tests/nn/sparse_input_test.cpp checks the kernels against gemm and mlp::reference.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/gemm.hpp"
#include "mlp/core/matrix.hpp"

namespace mlp {

// The sparse kernels take rows in groups (sparse_input.cpp: combine_rows_in_groups) only where the
// positions they unite (a layer's inputs, or a batch's samples) are at most this many, so that a
// group's scratch lives on the stack: MNIST's 784 inputs, a minibatch's samples.
inline constexpr Index kSparseGroupMaxPositions = 4096;

// Batches with at most this fraction of nonzero entries take the sparse kernels: measured with
// bench/kernel_bench (BM_SparseForward against BM_Gemm) on AVX2, the sparse kernels are faster
// below about half nonzero, and this leaves a margin for their indexing pass.
inline constexpr double kSparseInputDensity = 0.3;
// ... and products smaller than this (batch x inputs x outputs) stay with the dense kernels,
// whose tiny products follow the chapter's arithmetic exactly.
inline constexpr double kSparseInputMinProduct = 1 << 16;

template <class Scalar>
class SparseBatch {
 public:
  // Makes room for batches of up to rows x cols entries of which at most max_density are
  // nonzero, so that index(X, max_density) and index_inputs() allocate nothing for them.
  void reserve(Index rows, Index cols, double max_density = kSparseInputDensity);

  // Indexes X's nonzero entries by sample when at most max_density of them are nonzero and
  // returns true; otherwise indexes nothing and returns false (the batch is better served dense).
  // `kernel` chooses the instructions as for gemm (generic: the portable ones).
  bool index(ConstMatrixRef<Scalar> X, double max_density, GemmKernel kernel = GemmKernel::best);
  // Whether the last index() call indexed its batch (and clear() was not called since).
  bool indexed() const { return indexed_; }
  void clear() { indexed_ = false; }
  // Indexes the same entries by input as well (once per batch; needs indexed()).
  void index_inputs();

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  Index nonzeros() const { return nonzeros_; }

  // Sample i's nonzero entries: inputs by_sample_index()[t] with values by_sample_value()[t] for
  // t in [sample_begin(i), sample_end(i)), inputs ascending.
  Index sample_begin(Index i) const { return sample_start_[static_cast<std::size_t>(i)]; }
  Index sample_end(Index i) const {
    return sample_begin(i) + sample_count_[static_cast<std::size_t>(i)];
  }
  const std::int32_t* by_sample_index() const { return sample_input_.data(); }
  const Scalar* by_sample_value() const { return sample_value_.data(); }
  // After index_inputs(), input n's nonzero entries: samples by_input_index()[t] with values
  // by_input_value()[t] for t in [input_start(n), input_start(n + 1)), samples ascending.
  Index input_start(Index n) const { return input_start_[static_cast<std::size_t>(n)]; }
  const std::int32_t* by_input_index() const { return input_sample_.data(); }
  const Scalar* by_input_value() const { return input_value_.data(); }
  // After index_inputs() of a batch of at most kSparseGroupMaxPositions rows, input n's samples
  // as bits too: bit i % 64 of word input_sample_bits(n)[i / 64] is set when sample i's input n
  // is nonzero, sample_words() words per input (the weight gradient's groups unite inputs' samples
  // with them); null for larger batches.
  const std::uint64_t* input_sample_bits(Index n) const {
    return input_bits_.empty() ? nullptr : input_bits_.data() + n * sample_words();
  }
  Index sample_words() const { return (rows_ + 63) / 64; }

 private:
  Index rows_ = 0, cols_ = 0, nonzeros_ = 0;
  bool indexed_ = false, inputs_indexed_ = false;
  Index ranges_ = 1;                             // ranges of rows indexed side by side
  std::vector<Index> sample_start_;              // (rows)
  std::vector<std::int32_t> sample_count_;       // (rows)
  std::vector<Index> input_start_;               // (cols + 1)
  std::vector<std::int32_t> range_input_count_;  // (ranges, cols): entries of input n in range r
  std::vector<Index> range_position_;            // (cols): where input n's next entry goes
  std::vector<std::int32_t> sample_input_, input_sample_;
  std::vector<Scalar> sample_value_, input_value_;
  std::vector<std::uint64_t> input_bits_;  // (cols, sample_words()) or empty
};

// True when a product of this size (rows x inputs x outputs) may take the sparse kernels.
bool sparse_input_worthwhile(Index rows, Index inputs, Index outputs);

// Z = X W + b over X's nonzero entries (X indexed, X.rows() x W.rows()); `dense` is the batch X
// indexes, whose rows the kernels read for samples taken in groups (combine_rows_in_groups).
// `kernel`, as for gemm, chooses the instructions; the reference loops are mlp::reference's dense
// ones.
template <class Scalar>
void sparse_dense_forward(const SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense,
                          ConstMatrixRef<Scalar> W, Eigen::Ref<const RowVector<Scalar>> b,
                          MatrixRef<Scalar> Z, GemmKernel kernel = GemmKernel::best);

// The same with ReLU: Z = X W + b, A = max(Z, 0) (A may be Z).
template <class Scalar>
void sparse_dense_forward_relu(const SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense,
                               ConstMatrixRef<Scalar> W, Eigen::Ref<const RowVector<Scalar>> b,
                               MatrixRef<Scalar> Z, MatrixRef<Scalar> A,
                               GemmKernel kernel = GemmKernel::best);

// W (inputs x outputs) for inference's first layer on sparse inputs: its columns cut into panels
// as wide as the kernel's registers of accumulators (KernelSet::sparse_columns: 96 floats with
// AVX2, 256 with AVX-512), each panel's rows one after another. A sample's nonzero inputs pick
// rows of W at random; in W itself a 96-float panel's 6 cache lines per row repeat every row of W
// (1 KB for 256 float outputs), which uses 6 of every 16 of the cache's sets, so the 784 rows'
// panel (300 KB) does not stay in a 512 KB L2. Packed, it does: MNIST's first layer (784-256,
// 10,000 images, one thread) 56 ms -> 43 ms.
template <class Scalar>
class WeightPanels {
 public:
  // Packs W for the kernels `kernel` names.
  void pack(ConstMatrixRef<Scalar> W, GemmKernel kernel = GemmKernel::best);
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  // Columns per panel (the last panel may have fewer).
  Index panel_columns() const { return panel_columns_; }
  // The panel of columns [first, first + panel_columns()): its row r at panel(first) + r * width.
  const Scalar* panel(Index first) const { return values_.data() + first * rows_; }

 private:
  Index rows_ = 0, cols_ = 0, panel_columns_ = 0;
  Vector<Scalar> values_;  // on a cache line, as Eigen allocates (EIGEN_MAX_ALIGN_BYTES)
};

// Inference: Z = X W + b, and Z = max(Z, 0) with relu, over X's nonzero entries, W packed. The
// same values as sparse_dense_forward (and _relu with A = Z), in one pass per panel of columns.
template <class Scalar>
void sparse_dense_forward_panels(const SparseBatch<Scalar>& X, const WeightPanels<Scalar>& W,
                                 Eigen::Ref<const RowVector<Scalar>> b, bool relu,
                                 MatrixRef<Scalar> Z, GemmKernel kernel = GemmKernel::best);

// dW = X^T dZ over X's nonzero entries (rows of W whose input is zero in every sample get
// zeros), and db = column sums of dZ, as dense_backward_weights; `dense` is the batch X indexes.
// Indexes X by input first.
template <class Scalar>
void sparse_dense_backward_weights(SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense,
                                   ConstMatrixRef<Scalar> dZ, MatrixRef<Scalar> dW,
                                   Eigen::Ref<RowVector<Scalar>> db,
                                   GemmKernel kernel = GemmKernel::best);

}  // namespace mlp
