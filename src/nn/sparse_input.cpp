#include "nn/sparse_input.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>

#include "kernels/gemm.hpp"
#include "kernels/gemm_kernels.hpp"
#include "kernels/thread_pool.hpp"
#include "mlp/nn/dense.hpp"

namespace mlp {

namespace {

// Work of at least this many multiply-adds is split over the threads, in chunks of about
// kChunkWork (at least one, at most two per thread), as the dense products are.
constexpr double kParallelWork = 1 << 18;
constexpr double kChunkWork = 1 << 20;

// Calls body(first, last) on consecutive ranges of [0, items) that together cover it, in
// parallel when the work is large. start(i) is the number of sparse entries before item i
// (start(items) is the total); each entry costs `width` multiply-adds. The ranges hold about
// equal numbers of entries. Each item is computed by one call, the same way whoever runs it, so
// results do not depend on the thread count.
template <class Start, class Body>
void for_balanced_ranges(Index items, Index width, const Start& start, const Body& body) {
  const Index entries = start(items);
  const double work = static_cast<double>(entries) * static_cast<double>(width);
  detail::ThreadPool& pool = detail::ThreadPool::global();
  Index chunks = 1;
  const auto threads = static_cast<Index>(pool.threads_now());
  if (threads > 1 && work >= kParallelWork) {
    chunks =
        std::min(std::clamp(static_cast<Index>(work / kChunkWork), threads, 2 * threads), items);
  }
  if (chunks <= 1) {
    body(Index(0), items);
    return;
  }
  // Chunk c starts at the first item with at least c / chunks of the entries before it.
  auto boundary = [&](Index c) {
    const Index target = entries * c / chunks;
    Index low = 0, high = items;
    while (low < high) {
      const Index mid = low + (high - low) / 2;
      if (start(mid) < target)
        low = mid + 1;
      else
        high = mid;
    }
    return c == chunks ? items : low;
  };
  auto chunk = [&](int c) {
    const Index first = boundary(c), last = boundary(c + 1);
    if (first < last) body(first, last);
  };
  pool.run(static_cast<int>(chunks), chunk);
}

// out[0..width) = sum over the entries [begin, end) of value * M's row `index`, summed the way
// gemm sums over p (see sum_block_length): in blocks of `block_length` positions, each block's
// terms in order from zero, each block's sum then added to out. `index` ascends, so a block's
// entries are consecutive. The zero terms that gemm adds leave each sum as it is, so the values
// are gemm's.
template <class Scalar>
void combine_rows(gemm_detail::SparseRowsKernel<Scalar> sparse_rows, Index begin, Index end,
                  const std::int32_t* index, const Scalar* value, Index block_length,
                  Index positions, const Scalar* M, Index ldm, Index width, Scalar* out) {
  Index t = begin;
  for (Index p0 = 0; p0 == 0 || p0 < positions; p0 += block_length) {  // an empty sum too
    const Index t_end = p0 + block_length >= positions
                            ? end
                            : std::lower_bound(index + t, index + end, p0 + block_length) - index;
    sparse_rows(t_end - t, index + t, value + t, M, ldm, width, out, p0 > 0);
    t = t_end;
  }
}

// combine_rows for the items [first, last) (samples, or inputs), a block of columns at a time
// over all of them: item k's entries are [begin(k), end(k)) and its output row starts at out(k).
// A block holds the columns the kernel keeps in registers (KernelSet::sparse_columns: 96 floats
// with AVX2, 256 with AVX-512), and a chunk's rows go through one block before the next: with
// AVX2, a block of W for 784 inputs is 300 KB, which stays in L2 where the whole W (800 KB) would
// compete with everything else (measured on MNIST: as fast as taking each row's blocks in turn,
// and no slower on random inputs).
template <class Scalar, class Begin, class End, class Out>
void combine_rows_by_column_blocks(const gemm_detail::KernelSet<Scalar>& kernels, Index first,
                                   Index last, const Begin& begin, const End& end,
                                   const std::int32_t* index, const Scalar* value,
                                   Index block_length, Index positions, const Scalar* M, Index ldm,
                                   Index n, const Out& out) {
  const Index block = kernels.sparse_columns;
  for (Index column = 0; column < n; column += block) {
    const Index width = std::min(block, n - column);
    for (Index k = first; k < last; ++k)
      combine_rows<Scalar>(kernels.sparse_rows, begin(k), end(k), index, value, block_length,
                           positions, M + column, ldm, width, out(k) + column);
  }
}

// Items (samples, or inputs) go through the sparse_group kernels kSparseGroupRows at a time when
// the positions they index (inputs, or samples) are at most kSparseGroupMaxPositions (and more
// than none), and when the union of their positions holds at most kGroupMaxFill times their own
// entries divided by the group's size: each position of the union costs the group one row of M
// from L2 and a multiply-add per item, zero or not. Measured on the Zen 5 (AVX-512), forward:
// groups of 4 MNIST images (a union of 1.9 - 2.2 images' worth of pixels) 86 us a batch against 102
// one by one; 4 random rows of 19 % density (3.0 rows' worth) 183 us against 132, and of 30 % (2.5)
// 250 against 222.
constexpr double kGroupMaxFill = 2.4;

// The union of `group` consecutive rows of bits (row k at bits + k * words, bit p % 64 of word
// p / 64 for position p), ascending, into `out`; returns its size.
inline Index union_of_bits(const std::uint64_t* bits, Index words, int group, std::int32_t* out) {
  Index count = 0;
  for (Index w = 0; w < words; ++w) {
    std::uint64_t any = 0;
    for (int k = 0; k < group; ++k) any |= bits[k * words + w];
    for (; any != 0; any &= any - 1)
      out[count++] = static_cast<std::int32_t>(64 * w + std::countr_zero(any));
  }
  return count;
}

// The union of the positions of items [first, first + group), ascending, into `out`; returns its
// size. Item k's positions are index[begin(k) .. end(k)), each below `positions`.
template <class Begin, class End>
Index union_of_positions(Index first, int group, const Begin& begin, const End& end,
                         const std::int32_t* index, Index positions, std::int32_t* out) {
  std::uint64_t bits[kSparseGroupMaxPositions / 64];
  const Index words = (positions + 63) / 64;
  std::fill_n(bits, words, std::uint64_t(0));
  // An item's positions ascend: each word's bits gather in a register and go to memory once
  // (setting them in memory one by one made every bit wait for the last one's store).
  for (Index k = first; k < first + group; ++k) {
    Index w = -1;
    std::uint64_t word = 0;
    for (Index t = begin(k); t < end(k); ++t) {
      if (index[t] >> 6 != w) {
        if (w >= 0) bits[w] |= word;
        w = index[t] >> 6;
        word = 0;
      }
      word |= std::uint64_t(1) << (index[t] & 63);
    }
    if (w >= 0) bits[w] |= word;
  }
  return union_of_bits(bits, words, 1, out);
}

// combine_rows_by_column_blocks for items [first, last), their weights also readable densely:
// item k's weight at position p is X[k * lda + p * ldp] (0 where it has no entry), and its output
// row is out(k) = out(first) + (k - first) * ldo. unite(k, united) writes the union of items
// [k, k + kSparseGroupRows)' positions, ascending, and returns its size. Groups of consecutive
// items that share enough positions (kGroupMaxFill) go through sparse_group over that union, in
// gemm's blocks of block_length positions (see combine_rows); the others one by one. The same
// values either way.
template <class Scalar, class Begin, class End, class Out, class Unite>
void combine_rows_in_groups(const gemm_detail::KernelSet<Scalar>& kernels, Index first, Index last,
                            const Begin& begin, const End& end, const std::int32_t* index,
                            const Scalar* value, Index block_length, Index positions,
                            const Scalar* X, Index lda, Index ldp, const Scalar* M, Index ldm,
                            Index n, const Out& out, Index ldo, const Unite& unite) {
  auto one_by_one = [&](Index from, Index to) {
    combine_rows_by_column_blocks<Scalar>(kernels, from, to, begin, end, index, value, block_length,
                                          positions, M, ldm, n, out);
  };
  constexpr int G = gemm_detail::kSparseGroupRows;
  Index k = first;
  if (kernels.sparse_group != nullptr && positions > 0 && positions <= kSparseGroupMaxPositions) {
    std::int32_t united[kSparseGroupMaxPositions];
    for (; k + G <= last; k += G) {
      const Index count = unite(k, united);
      Index entries = 0;
      for (Index j = k; j < k + G; ++j) entries += end(j) - begin(j);
      if (static_cast<double>(count * G) > kGroupMaxFill * static_cast<double>(entries)) {
        one_by_one(k, k + G);
        continue;
      }
      Index t = 0;
      for (Index p0 = 0; p0 == 0 || p0 < positions; p0 += block_length) {  // an empty sum too
        const Index t_end =
            p0 + block_length >= positions
                ? count
                : std::lower_bound(united + t, united + count, p0 + block_length) - united;
        kernels.sparse_group(t_end - t, united + t, X + k * lda, lda, ldp, G, M, ldm, n, out(k),
                             ldo, p0 > 0);
        t = t_end;
      }
    }
  }
  one_by_one(k, last);
}

// Z = X W + b (and A = max(Z, 0) when relu_out is set) for every sample; `dense` is the batch X
// indexes, whose rows the group kernels read.
template <class Scalar>
void forward(const SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense, ConstMatrixRef<Scalar> W,
             const Scalar* b, MatrixRef<Scalar> Z, Scalar* relu_out, Index ld_relu_out,
             GemmKernel kernel) {
  assert(X.cols() == W.rows() && Z.rows() == X.rows() && Z.cols() == W.cols());
  assert(dense.rows() == X.rows() && dense.cols() == X.cols());
  const auto& kernels = gemm_detail::kernels_for<Scalar>(kernel);
  const Index n_in = W.rows(), n_out = W.cols();
  const Index block_length = gemm_detail::sum_block_length<Scalar>(n_in);
  auto begin = [&](Index i) { return X.sample_begin(i); };
  auto end = [&](Index i) { return X.sample_end(i); };
  auto unite = [&](Index i, std::int32_t* united) {
    constexpr int G = gemm_detail::kSparseGroupRows;
    if (kernels.nonzero_union != nullptr)  // from the rows themselves
      return kernels.nonzero_union(G, dense.data() + i * dense.outerStride(), dense.outerStride(),
                                   n_in, united);
    return union_of_positions(i, G, begin, end, X.by_sample_index(), n_in, united);
  };
  auto samples = [&](Index first, Index last) {
    combine_rows_in_groups<Scalar>(
        kernels, first, last, begin, end, X.by_sample_index(), X.by_sample_value(), block_length,
        n_in, dense.data(), dense.outerStride(), 1, W.data(), W.outerStride(), n_out,
        [&](Index i) { return Z.data() + i * Z.outerStride(); }, Z.outerStride(), unite);
    for (Index i = first; i < last; ++i) {
      Scalar* z = Z.data() + i * Z.outerStride();
      for (Index j = 0; j < n_out; ++j) z[j] = z[j] + b[j];
      if (relu_out != nullptr) {
        Scalar* a = relu_out + i * ld_relu_out;
        for (Index j = 0; j < n_out; ++j) a[j] = z[j] < Scalar(0) ? Scalar(0) : z[j];
      }
    }
  };
  for_balanced_ranges(
      X.rows(), n_out, [&](Index i) { return i == 0 ? Index(0) : X.sample_end(i - 1); }, samples);
}

}  // namespace

// Indexing splits the batch into ranges of rows, one per chunk of the pool's threads when the
// batch is large: each range counts, compacts and scatters its own rows.
constexpr Index kParallelIndexEntries = 1 << 16;

template <class Scalar>
void SparseBatch<Scalar>::reserve(Index rows, Index cols, double max_density) {
  const auto threads = static_cast<Index>(detail::ThreadPool::global().size());
  const auto nonzeros =
      static_cast<Index>(max_density * static_cast<double>(rows) * static_cast<double>(cols));
  const auto entries = static_cast<std::size_t>(nonzeros + rows * gemm_detail::kNonzerosSlack);
  sample_start_.reserve(static_cast<std::size_t>(rows));
  sample_count_.reserve(static_cast<std::size_t>(rows));
  input_start_.reserve(static_cast<std::size_t>(cols + 1));
  range_input_count_.reserve(static_cast<std::size_t>(2 * threads * cols));
  range_position_.reserve(static_cast<std::size_t>(cols));
  for (auto* v : {&sample_input_, &input_sample_}) v->reserve(entries);
  for (auto* v : {&sample_value_, &input_value_}) v->reserve(entries);
  if (rows <= kSparseGroupMaxPositions)
    input_bits_.reserve(static_cast<std::size_t>(cols * ((rows + 63) / 64)));
}

template <class Scalar>
bool SparseBatch<Scalar>::index(ConstMatrixRef<Scalar> X, double max_density, GemmKernel kernel) {
  indexed_ = false;
  const Index rows = X.rows(), cols = X.cols();
  detail::ThreadPool& pool = detail::ThreadPool::global();
  const int threads = pool.threads_now();
  ranges_ =
      threads > 1 && rows * cols >= kParallelIndexEntries ? std::min<Index>(2 * threads, rows) : 1;
  auto first_row = [&](Index r) { return rows * r / ranges_; };

  // Each sample's count of nonzero entries, and each range's count per input, in vectorisable
  // loops without a branch.
  sample_count_.resize(static_cast<std::size_t>(rows));
  range_input_count_.assign(static_cast<std::size_t>(ranges_ * cols), 0);
  auto count = [&](int r) {
    std::int32_t* const per_input = range_input_count_.data() + r * cols;
    for (Index i = first_row(r); i < first_row(r + 1); ++i) {
      const Scalar* x = X.data() + i * X.outerStride();
      std::int32_t in_row = 0;
      for (Index n = 0; n < cols; ++n) {
        const std::int32_t nonzero = x[n] != Scalar(0);
        per_input[n] += nonzero;
        in_row += nonzero;
      }
      sample_count_[static_cast<std::size_t>(i)] = in_row;
    }
  };
  pool.run(static_cast<int>(ranges_), count);
  Index nonzeros = 0;
  for (Index i = 0; i < rows; ++i) nonzeros += sample_count_[static_cast<std::size_t>(i)];
  if (static_cast<double>(nonzeros) > max_density * static_cast<double>(rows * cols)) return false;

  rows_ = rows;
  cols_ = cols;
  nonzeros_ = nonzeros;
  // By sample: each sample's entries start kNonzerosSlack slots after the previous sample's end,
  // so that the compaction of one sample never writes over the next one's, whichever thread
  // writes it first.
  sample_start_.resize(static_cast<std::size_t>(rows));
  Index slots = 0;
  for (Index i = 0; i < rows; ++i) {
    sample_start_[static_cast<std::size_t>(i)] = slots;
    slots += sample_count_[static_cast<std::size_t>(i)] + gemm_detail::kNonzerosSlack;
  }
  sample_input_.resize(static_cast<std::size_t>(slots));
  sample_value_.resize(static_cast<std::size_t>(slots));
  const auto nonzeros_of = gemm_detail::kernels_for<Scalar>(kernel).nonzeros;
  auto compact = [&](int r) {
    for (Index i = first_row(r); i < first_row(r + 1); ++i) {
      const Index t = sample_begin(i);
      nonzeros_of(cols, X.data() + i * X.outerStride(), sample_input_.data() + t,
                  sample_value_.data() + t);
    }
  };
  pool.run(static_cast<int>(ranges_), compact);
  indexed_ = true;
  inputs_indexed_ = false;
  return true;
}

template <class Scalar>
void SparseBatch<Scalar>::index_inputs() {
  assert(indexed_);
  if (inputs_indexed_) return;
  const Index rows = rows_, cols = cols_;
  // Input n's entries start after those of inputs 0..n-1.
  input_start_.resize(static_cast<std::size_t>(cols + 1));
  Index* const start = input_start_.data();
  start[0] = 0;
  for (Index n = 0; n < cols; ++n) {
    Index count = 0;
    for (Index r = 0; r < ranges_; ++r)
      count += range_input_count_[static_cast<std::size_t>(r * cols + n)];
    start[n + 1] = start[n] + count;
  }
  input_sample_.resize(static_cast<std::size_t>(nonzeros_));
  input_value_.resize(static_cast<std::size_t>(nonzeros_));
  // The threads take ranges of inputs (each writes its own part of the arrays), and go through
  // the samples in order, so that each input's samples ascend. A sample's entries for inputs in
  // [first, last) are consecutive: its inputs ascend.
  range_position_.resize(static_cast<std::size_t>(cols));
  // The samples as bits too, for the weight gradient's groups (input_sample_bits).
  const Index words = sample_words();
  if (rows <= kSparseGroupMaxPositions)
    input_bits_.assign(static_cast<std::size_t>(cols * words), 0);
  else
    input_bits_.clear();
  std::uint64_t* const bits = input_bits_.empty() ? nullptr : input_bits_.data();
  auto inputs = [&](Index first, Index last) {
    Index* const position = range_position_.data();
    for (Index n = first; n < last; ++n) position[n] = start[n];
    const std::int32_t* const input = sample_input_.data();
    for (Index i = 0; i < rows; ++i) {
      const std::int32_t* const begin = input + sample_begin(i);
      const std::int32_t* const end = input + sample_end(i);
      const std::int32_t* t = first == 0 ? begin : std::lower_bound(begin, end, first);
      const std::uint64_t bit = std::uint64_t(1) << (i & 63);
      for (; t != end && *t < last; ++t) {
        const Index at = position[*t]++;
        input_sample_[static_cast<std::size_t>(at)] = static_cast<std::int32_t>(i);
        input_value_[static_cast<std::size_t>(at)] =
            sample_value_[static_cast<std::size_t>(t - input)];
        if (bits != nullptr) bits[*t * words + (i >> 6)] |= bit;
      }
    }
  };
  // Weighing an entry's copy as 32 multiply-adds splits batches of more than 8192 entries.
  constexpr Index kEntryWeight = 32;
  for_balanced_ranges(
      cols, kEntryWeight, [&](Index n) { return start[n]; }, inputs);
  inputs_indexed_ = true;
}

bool sparse_input_worthwhile(Index rows, Index inputs, Index outputs) {
  // Never where gemm takes its naive loops: the values would then differ from gemm's.
  return static_cast<double>(rows) * static_cast<double>(inputs) * static_cast<double>(outputs) >=
             kSparseInputMinProduct &&
         !gemm_detail::uses_reference_loops(rows, outputs, inputs) &&
         !gemm_detail::uses_reference_loops(inputs, outputs, rows);
}

template <class Scalar>
void sparse_dense_forward(const SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense,
                          ConstMatrixRef<Scalar> W, Eigen::Ref<const RowVector<Scalar>> b,
                          MatrixRef<Scalar> Z, GemmKernel kernel) {
  forward<Scalar>(X, dense, W, b.data(), Z, nullptr, 0, kernel);
}

template <class Scalar>
void sparse_dense_forward_relu(const SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense,
                               ConstMatrixRef<Scalar> W, Eigen::Ref<const RowVector<Scalar>> b,
                               MatrixRef<Scalar> Z, MatrixRef<Scalar> A, GemmKernel kernel) {
  assert(A.rows() == Z.rows() && A.cols() == Z.cols());
  forward<Scalar>(X, dense, W, b.data(), Z, A.data(), A.outerStride(), kernel);
}

template <class Scalar>
void WeightPanels<Scalar>::pack(ConstMatrixRef<Scalar> W, GemmKernel kernel) {
  rows_ = W.rows();
  cols_ = W.cols();
  panel_columns_ = gemm_detail::kernels_for<Scalar>(kernel).sparse_columns;
  values_.resize(rows_ * cols_);
  for (Index first = 0; first < cols_; first += panel_columns()) {
    const Index width = std::min(panel_columns(), cols_ - first);
    Scalar* out = values_.data() + first * rows_;
    for (Index r = 0; r < rows_; ++r, out += width)
      std::copy_n(W.data() + r * W.outerStride() + first, width, out);
  }
}

template <class Scalar>
void sparse_dense_forward_panels(const SparseBatch<Scalar>& X, const WeightPanels<Scalar>& W,
                                 Eigen::Ref<const RowVector<Scalar>> b, bool relu,
                                 MatrixRef<Scalar> Z, GemmKernel kernel) {
  assert(X.cols() == W.rows() && Z.rows() == X.rows() && Z.cols() == W.cols());
  const auto sparse_panel = gemm_detail::kernels_for<Scalar>(kernel).sparse_panel;
  const Index n_out = W.cols();
  const Index block_length = gemm_detail::sum_block_length<Scalar>(W.rows());
  // A panel at a time over the range's samples, so that the panel stays in L2.
  auto samples = [&](Index first, Index last) {
    for (Index column = 0; column < n_out; column += W.panel_columns()) {
      const Index width = std::min(W.panel_columns(), n_out - column);
      for (Index i = first; i < last; ++i) {
        const Index begin = X.sample_begin(i);
        sparse_panel(X.sample_end(i) - begin, X.by_sample_index() + begin,
                     X.by_sample_value() + begin, W.panel(column), width, block_length,
                     b.data() + column, relu ? 1 : 0, Z.data() + i * Z.outerStride() + column);
      }
    }
  };
  for_balanced_ranges(
      X.rows(), n_out, [&](Index i) { return i == 0 ? Index(0) : X.sample_end(i - 1); }, samples);
}

template <class Scalar>
void sparse_dense_backward_weights(SparseBatch<Scalar>& X, ConstMatrixRef<Scalar> dense,
                                   ConstMatrixRef<Scalar> dZ, MatrixRef<Scalar> dW,
                                   Eigen::Ref<RowVector<Scalar>> db, GemmKernel kernel) {
  assert(X.rows() == dZ.rows() && dW.rows() == X.cols() && dW.cols() == dZ.cols());
  assert(dense.rows() == X.rows() && dense.cols() == X.cols());
  X.index_inputs();
  const auto& kernels = gemm_detail::kernels_for<Scalar>(kernel);
  const Index rows = dZ.rows(), n_out = dZ.cols();
  const Index block_length = gemm_detail::sum_block_length<Scalar>(rows);
  // dE/dw_n. = sum over the samples where x_n != 0 of x_n dE/dz(sample); input n's weight at
  // sample i is dense(i, n).
  auto inputs = [&](Index first, Index last) {
    combine_rows_in_groups<Scalar>(
        kernels, first, last, [&](Index n) { return X.input_start(n); },
        [&](Index n) { return X.input_start(n + 1); }, X.by_input_index(), X.by_input_value(),
        block_length, rows, dense.data(), 1, dense.outerStride(), dZ.data(), dZ.outerStride(),
        n_out, [&](Index n) { return dW.data() + n * dW.outerStride(); }, dW.outerStride(),
        [&](Index n, std::int32_t* united) {
          return union_of_bits(X.input_sample_bits(n), X.sample_words(),
                               gemm_detail::kSparseGroupRows, united);
        });
  };
  for_balanced_ranges(
      X.cols(), n_out, [&](Index n) { return X.input_start(n); }, inputs);
  dense_backward_bias<Scalar>(dZ, db);
}

template class SparseBatch<float>;
template class SparseBatch<double>;
template class WeightPanels<float>;
template class WeightPanels<double>;

#define MLP_INSTANTIATE(Scalar)                                                                \
  template void sparse_dense_forward<Scalar>(                                                  \
      const SparseBatch<Scalar>&, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,              \
      Eigen::Ref<const RowVector<Scalar>>, MatrixRef<Scalar>, GemmKernel);                     \
  template void sparse_dense_forward_relu<Scalar>(                                             \
      const SparseBatch<Scalar>&, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>,              \
      Eigen::Ref<const RowVector<Scalar>>, MatrixRef<Scalar>, MatrixRef<Scalar>, GemmKernel);  \
  template void sparse_dense_forward_panels<Scalar>(                                           \
      const SparseBatch<Scalar>&, const WeightPanels<Scalar>&,                                 \
      Eigen::Ref<const RowVector<Scalar>>, bool, MatrixRef<Scalar>, GemmKernel);               \
  template void sparse_dense_backward_weights<Scalar>(                                         \
      SparseBatch<Scalar>&, ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, MatrixRef<Scalar>, \
      Eigen::Ref<RowVector<Scalar>>, GemmKernel);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
