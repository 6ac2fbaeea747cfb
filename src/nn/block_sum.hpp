// The gradient of a global batch as a sum over fixed blocks of its rows, added in a fixed order,
// so that data-parallel training gives the same bits on any number of ranks (docs/distributed.md).
// Internal to the library: fit uses it when FitOptions::communicator is set.
//
// A global batch of B rows is cut into G = ceil(B / block_rows) blocks, block g holding rows
// [B g / G, B (g + 1) / G). Its sum is defined by a fixed binary tree over the blocks:
//   sum(lo, hi) = value(lo)                           when hi - lo == 1
//               = sum(lo, mid) + sum(mid, hi)         mid = lo + (hi - lo) / 2
// and depends on B and block_rows only. Rank r of N computes blocks [G r / N, G (r + 1) / N),
// sums them into the largest tree nodes that lie wholly in its range, and the ranks exchange
// those nodes (one allgather); every rank then adds the nodes up the tree to the root. No value
// is copied on the way: each block's values are written (by the caller's leaf) straight into
// the node or the tree's scratch row where they are added, and this rank's nodes are computed
// in their place in the gathered buffer, which the allgather fills around them. Each
// addition is the one the tree defines, whichever rank makes it: the root is the same bits for
// any N (N <= G; ranks beyond G get no block and send nothing).
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/nn/communicator.hpp"

namespace mlp {

template <class Scalar>
class BlockSum {
 public:
  // Sums of `length` values per block, over global batches of at most `batch` rows taken from
  // `samples` rows (the last batch of an epoch may be shorter), or, with stripes > 0, over batches
  // of `stripes` blocks each (sum_of_blocks). Allocates every buffer here.
  BlockSum(Communicator& comm, Index length, Index batch, Index samples, Index block_rows,
           Index stripes = 0)
      : comm_(comm), length_(length), block_rows_(block_rows) {
    if (block_rows < 1) throw InvalidArgument("gradient blocks must have at least 1 row");
    Index most_all = 0, most_blocks = 0;
    // The block counts that occur: full batches and the epoch's last one, or the stripes.
    const Index last = samples % batch == 0 ? batch : samples % batch;
    for (Index G : {stripes > 0 ? stripes : blocks(batch), stripes > 0 ? stripes : blocks(last)}) {
      most_blocks = std::max(most_blocks, G);
      Index all = 0;
      for (int r = 0; r < comm.size(); ++r) {
        all += cover_count(0, G, first_block(G, r), first_block(G, r + 1));
      }
      most_all = std::max(most_all, all);
    }
    int depth = 1;
    while ((Index(1) << (depth - 1)) < most_blocks) ++depth;
    all_.resize(static_cast<std::size_t>(most_all * length));
    temp_.resize(static_cast<std::size_t>((depth + 1) * length));
    sum_.resize(static_cast<std::size_t>(length));
    nodes_.reserve(static_cast<std::size_t>(most_all));
    counts_.resize(static_cast<std::size_t>(comm.size()));
  }

  // G for a batch of `rows` rows.
  Index blocks(Index rows) const { return (rows + block_rows_ - 1) / block_rows_; }
  // The first row of block g of a batch of `rows` rows cut into G blocks.
  static Index block_start(Index rows, Index G, Index g) { return rows * g / G; }

  // The tree's sum of a batch of `rows` rows, on every rank (`length` values, valid until the
  // next call, which the caller may change). leaf(g, out) writes block g's `length` values into
  // out; it is called for this rank's blocks only, in order.
  template <class Leaf>
  Scalar* sum(Index rows, Leaf&& leaf) {
    return sum_of_blocks(blocks(rows), leaf);
  }

  // The same for G blocks, whatever rows they hold (FitOptions::stripe_rows: block g of a batch
  // from stripe g, possibly empty): G must be one of the counts the constructor planned for.
  template <class Leaf>
  Scalar* sum_of_blocks(Index G, Leaf&& leaf) {
    const int N = comm_.size(), me = comm_.rank();
    // Every rank's nodes, in rank order: left to right along the tree.
    nodes_.clear();
    Index my_first_node = 0, my_nodes = 0;
    for (int r = 0; r < N; ++r) {
      const std::size_t before = nodes_.size();
      cover(0, G, first_block(G, r), first_block(G, r + 1));
      const auto count = static_cast<Index>(nodes_.size() - before);
      counts_[static_cast<std::size_t>(r)] = count * length_;
      if (r == me) {
        my_first_node = static_cast<Index>(before);
        my_nodes = count;
      }
    }
    Scalar* mine = all_.data() + my_first_node * length_;  // (my_nodes, length), in place
    for (Index k = 0; k < my_nodes; ++k) {
      const auto [lo, hi] = nodes_[static_cast<std::size_t>(my_first_node + k)];
      evaluate(lo, hi, mine + k * length_, 0, leaf);
    }
    comm_.allgather(
        std::span<const Scalar>(mine, static_cast<std::size_t>(my_nodes * length_)),
        std::span<Scalar>(all_.data(),
                          static_cast<std::size_t>(static_cast<Index>(nodes_.size()) * length_)),
        counts_);
    std::size_t next = 0;
    auto gathered = [&](Index lo, Index hi, Scalar*) -> Scalar* {
      if (next < nodes_.size() && nodes_[next] == std::pair(lo, hi))
        return all_.data() + static_cast<Index>(next++) * length_;
      return nullptr;
    };
    return combine(0, G, sum_.data(), 0, gathered);
  }

 private:
  // Rank r's first block (r = N: G).
  Index first_block(Index G, int r) const { return G * r / comm_.size(); }

  // The number of largest tree nodes below (lo, hi) that lie wholly in [a, b).
  static Index cover_count(Index lo, Index hi, Index a, Index b) {
    if (hi <= a || b <= lo || lo >= hi) return 0;
    if (a <= lo && hi <= b) return 1;
    const Index mid = lo + (hi - lo) / 2;
    return cover_count(lo, mid, a, b) + cover_count(mid, hi, a, b);
  }
  // Appends those nodes to nodes_, left to right (its capacity suffices: no allocation).
  void cover(Index lo, Index hi, Index a, Index b) {
    if (hi <= a || b <= lo || lo >= hi) return;
    if (a <= lo && hi <= b) {
      nodes_.emplace_back(lo, hi);
      return;
    }
    const Index mid = lo + (hi - lo) / 2;
    cover(lo, mid, a, b);
    cover(mid, hi, a, b);
  }

  // Node (lo, hi) computed from this rank's blocks into `out`: a leaf writes there directly.
  template <class Leaf>
  void evaluate(Index lo, Index hi, Scalar* out, int depth, Leaf& leaf) {
    auto own = [&](Index l, Index h, Scalar* o) -> Scalar* {
      if (h - l != 1) return nullptr;
      leaf(l, o);
      return o;
    };
    combine(lo, hi, out, depth, own);
  }

  // sum(lo, hi) by the tree: `known(lo, hi, out)` gives a node's values when it has them (else
  // null), and the rest is added up from the children, the right one in temp_ at this depth.
  template <class Known>
  Scalar* combine(Index lo, Index hi, Scalar* out, int depth, Known& known) {
    if (Scalar* value = known(lo, hi, out)) return value;
    const Index mid = lo + (hi - lo) / 2;
    const Scalar* left = combine(lo, mid, out, depth + 1, known);
    const Scalar* right =
        combine(mid, hi, temp_.data() + static_cast<Index>(depth) * length_, depth + 1, known);
    add_nodes(left, right, out);
    return out;
  }

  // out = left + right, element by element (out may be left).
  void add_nodes(const Scalar* left, const Scalar* right, Scalar* out) const {
    for (Index i = 0; i < length_; ++i) out[i] = left[i] + right[i];
  }

  Communicator& comm_;
  Index length_, block_rows_;
  std::vector<Scalar> all_;   // (every rank's nodes, length), this rank's computed in place
  std::vector<Scalar> temp_;  // (tree depth + 1, length) right children being added
  std::vector<Scalar> sum_;   // (length) the root
  std::vector<std::pair<Index, Index>> nodes_;  // every rank's nodes (lo, hi), in order
  std::vector<Index> counts_;                   // (ranks) values each rank sends
};

}  // namespace mlp
