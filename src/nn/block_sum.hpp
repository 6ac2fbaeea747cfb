// The gradient of a global batch as a sum over fixed blocks of its rows, added in a fixed order,
// so that data-parallel training gives the same bits on any number of ranks (docs/distributed.md).
// Internal to the library: fit uses it when FitOptions::communicator is set.
//
// A global batch of B rows is cut into G = ceil(B / block_rows) blocks, block g holding rows
// [B g / G, B (g + 1) / G). Its sum is defined by a fixed binary tree over the blocks:
//   sum(lo, hi) = value(lo)                           when hi - lo == 1
//               = sum(lo, mid) + sum(mid, hi)         mid = lo + (hi - lo) / 2
// and depends on B and block_rows only. Rank r of N computes blocks [G r / N, G (r + 1) / N) and
// sums them into the largest tree nodes that lie wholly in its range. The values are then cut
// into N slices, slice s = [length s / N, length (s + 1) / N): rank s adds every rank's nodes'
// slice s up the tree to the root's slice s, and every rank gets every root slice. Each addition
// is the one the tree defines, element by element, whichever rank makes it: the root is the same
// bits for any N (N <= G; ranks beyond G get no block and hold no node). A block's values are
// written (by the caller's leaf) straight into the node or the tree's scratch row where they are
// added.
//
// How the slices travel, by the communicator's means:
// - Shared memory (Communicator::share_memory: every rank on one machine): each rank computes its
//   nodes in its part of the shared memory; after one synchronisation rank s reads every node's
//   slice s where it lies and adds them up into its root slice, also in its part, which it may
//   change (slice_of_sum); a second makes every slice seen by all (publish_slice), and the caller
//   may then share values cut in the same slices (share_slice: fit updates each rank's slice of
//   the parameters and shares them, so the root is never copied whole). Nothing is sent.
// - Messages (ranks on several machines): sum_of_blocks, a reduce-scatter and an allgather. Rank
//   s receives every rank's nodes' slice s (one alltoall), and the ranks gather the root's slices
//   (one allgather, in place). Each rank so sends and receives about 2 (N - 1) / N of the values,
//   as a ring allreduce does, where gathering every node on every rank would move (N - 1) times
//   them. A rank's one node is sent from where it was computed, several are first put slice
//   after slice.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <memory>
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
    Index most_all = 0, most_blocks = 0, most_mine = 0;
    // The block counts that occur: full batches and the epoch's last one, or the stripes.
    const Index last = samples % batch == 0 ? batch : samples % batch;
    for (Index G : {stripes > 0 ? stripes : blocks(batch), stripes > 0 ? stripes : blocks(last)}) {
      most_blocks = std::max(most_blocks, G);
      Index all = 0;
      for (int r = 0; r < comm.size(); ++r) {
        const Index nodes = cover_count(0, G, first_block(G, r), first_block(G, r + 1));
        all += nodes;
        if (r == comm.rank()) most_mine = std::max(most_mine, nodes);
      }
      most_all = std::max(most_all, all);
    }
    int depth = 1;
    while ((Index(1) << (depth - 1)) < most_blocks) ++depth;
    const int N = comm.size(), me = comm.rank();
    const Index width = slice_start(me + 1) - slice_start(me);
    // Shared memory: a flag, this rank's root slice, a slice of values to share, its nodes.
    if (N > 1)
      shared_ = comm.share_memory(static_cast<std::size_t>(1 + 2 * width + most_mine * length) *
                                  sizeof(Scalar));
    if (shared_ == nullptr) {
      mine_.resize(static_cast<std::size_t>(most_mine * length));
      send_.resize(mine_.size());
      received_.resize(static_cast<std::size_t>(most_all * width));
      sum_.resize(static_cast<std::size_t>(length));
    }
    temp_.resize(static_cast<std::size_t>((depth + 1) * length));
    nodes_.reserve(static_cast<std::size_t>(most_all));
    const auto ranks = static_cast<std::size_t>(N);
    node_counts_.resize(ranks);
    send_counts_.resize(ranks);
    recv_counts_.resize(ranks);
    slice_counts_.resize(ranks);
    for (int s = 0; s < N; ++s)
      slice_counts_[static_cast<std::size_t>(s)] = slice_start(s + 1) - slice_start(s);
  }

  // G for a batch of `rows` rows.
  Index blocks(Index rows) const { return (rows + block_rows_ - 1) / block_rows_; }
  // The first row of block g of a batch of `rows` rows cut into G blocks.
  static Index block_start(Index rows, Index G, Index g) { return rows * g / G; }

  // The tree's sum of a batch of `rows` rows, on every rank (`length` values, valid until the
  // next call, which the caller may change), by messages or on one rank (not shares_memory()).
  // leaf(g, out) writes block g's `length` values into out; it is called for this rank's blocks
  // only, in order.
  template <class Leaf>
  Scalar* sum(Index rows, Leaf&& leaf) {
    return sum_of_blocks(blocks(rows), leaf);
  }

  // The same for G blocks, whatever rows they hold (FitOptions::stripe_rows: block g of a batch
  // from stripe g, possibly empty): G must be one of the counts the constructor planned for.
  template <class Leaf>
  Scalar* sum_of_blocks(Index G, Leaf&& leaf) {
    const int N = comm_.size(), me = comm_.rank();
    Scalar* const mine = evaluate_nodes(G, leaf);
    if (N == 1) return mine;  // one node: the root
    assert(!shared_ && "through shared memory, the sum stays in slices: slice_of_sum");
    const Index my_nodes = node_counts_[static_cast<std::size_t>(me)];
    // Reduce-scatter: rank s gets every node's slice s, and adds its slice up the tree.
    const Index width = slice_counts_[static_cast<std::size_t>(me)];
    for (int s = 0; s < N; ++s) {
      send_counts_[static_cast<std::size_t>(s)] =
          my_nodes * slice_counts_[static_cast<std::size_t>(s)];
      recv_counts_[static_cast<std::size_t>(s)] = node_counts_[static_cast<std::size_t>(s)] * width;
    }
    comm_.alltoall(
        by_slice(my_nodes), send_counts_,
        std::span<Scalar>(received_.data(),
                          static_cast<std::size_t>(static_cast<Index>(nodes_.size()) * width)),
        recv_counts_);
    std::size_t next = 0;
    auto received = [&](Index lo, Index hi, Scalar*) -> Scalar* {
      if (next < nodes_.size() && nodes_[next] == std::pair(lo, hi))
        return received_.data() + static_cast<Index>(next++) * width;
      return nullptr;
    };
    Scalar* my_slice = sum_.data() + slice_start(me);
    const Scalar* root = combine(0, G, my_slice, 0, width, received);
    if (root != my_slice) std::copy(root, root + width, my_slice);
    // Allgather: every root slice, in place.
    comm_.allgather(std::span<const Scalar>(my_slice, static_cast<std::size_t>(width)),
                    std::span<Scalar>(sum_.data(), static_cast<std::size_t>(length_)),
                    slice_counts_);
    return sum_.data();
  }

  // Through shared memory (shares_memory()), the sum can stay cut in slices, each rank using its
  // own: slice_of_sum, then publish_slice, then any of root_value, copy_root and share_slice.
  bool shares_memory() const { return shared_ != nullptr; }
  struct Slice {
    Index first, count;  // values [first, first + count) of the root
    Scalar* values;      // this rank's, which it may change until publish_slice
  };
  // sum_of_blocks up to this rank's slice of the root, which no other rank reads yet.
  template <class Leaf>
  Slice slice_of_sum(Index G, Leaf&& leaf) {
    const int me = comm_.rank();
    evaluate_nodes(G, leaf);
    combine_in_shared_memory(G);
    return {slice_start(me), slice_counts_[static_cast<std::size_t>(me)], root_slice_of(me)};
  }
  // Collective: every rank's slice, and its flag, seen by every rank; true when every flag is.
  bool publish_slice(bool flag) {
    *flag_of(comm_.rank()) = flag ? Scalar(1) : Scalar(0);
    shared_->synchronize();
    for (int r = 0; r < comm_.size(); ++r)
      if (*flag_of(r) != Scalar(1)) return false;
    return true;
  }
  // After publish_slice: the root's value i, or its first n values into out.
  Scalar root_value(Index i) {
    int s = comm_.size() - 1;
    while (slice_start(s) > i) --s;
    return root_slice_of(s)[i - slice_start(s)];
  }
  void copy_root(Scalar* out, Index n) {
    for (int s = 0; s < comm_.size(); ++s) {
      const Index first = std::min(slice_start(s), n), last = std::min(slice_start(s + 1), n);
      std::copy(root_slice_of(s), root_slice_of(s) + (last - first), out + first);
    }
  }
  // Collective, after publish_slice: `values` [slice_start(r), slice_start(r + 1)) (cut at n) of
  // each rank r, shared: every rank's `values` (n of them) then holds every rank's slice.
  void share_slice(Scalar* values, Index n) {
    const int me = comm_.rank();
    const Index first = std::min(slice_start(me), n), last = std::min(slice_start(me + 1), n);
    // The others may still be reading the last values shared, unless a step's synchronisation
    // came between.
    if (shared_values_read_) shared_->synchronize();
    std::copy(values + first, values + last, shared_values_of(me));
    shared_->synchronize();
    shared_values_read_ = true;
    for (int s = 0; s < comm_.size(); ++s) {
      if (s == me) continue;
      const Index from = std::min(slice_start(s), n), to = std::min(slice_start(s + 1), n);
      std::copy(shared_values_of(s), shared_values_of(s) + (to - from), values + from);
    }
  }

 private:
  // Every rank's nodes of G blocks (nodes_, node_counts_), and this rank's computed by `leaf`:
  // where they are.
  template <class Leaf>
  Scalar* evaluate_nodes(Index G, Leaf& leaf) {
    const int N = comm_.size(), me = comm_.rank();
    // Every rank's nodes, in rank order: left to right along the tree.
    nodes_.clear();
    Index my_first_node = 0;
    for (int r = 0; r < N; ++r) {
      const std::size_t before = nodes_.size();
      cover(0, G, first_block(G, r), first_block(G, r + 1));
      node_counts_[static_cast<std::size_t>(r)] = static_cast<Index>(nodes_.size() - before);
      if (r == me) my_first_node = static_cast<Index>(before);
    }
    const Index my_nodes = node_counts_[static_cast<std::size_t>(me)];
    Scalar* const mine = shared_ ? nodes_of(me) : mine_.data();
    for (Index k = 0; k < my_nodes; ++k) {
      const auto [lo, hi] = nodes_[static_cast<std::size_t>(my_first_node + k)];
      evaluate(lo, hi, mine + k * length_, 0, leaf);
    }
    return mine;
  }

  // The shared-memory exchange, after this rank's nodes are in its part: its root slice, summed
  // from every rank's nodes where they lie.
  void combine_in_shared_memory(Index G) {
    const int me = comm_.rank();
    const Index width = slice_counts_[static_cast<std::size_t>(me)];
    shared_->synchronize();  // every rank's nodes written (and every shared value read)
    shared_values_read_ = false;
    // Every rank's nodes in tree order: node k of rank r (its slice `me`) where r computed it.
    std::size_t next = 0;
    int owner = 0;
    Index k = 0;
    auto in_place = [&](Index lo, Index hi, Scalar*) -> Scalar* {
      if (next == nodes_.size() || nodes_[next] != std::pair(lo, hi)) return nullptr;
      ++next;
      while (k == node_counts_[static_cast<std::size_t>(owner)]) ++owner, k = 0;
      return nodes_of(owner) + k++ * length_ + slice_start(me);
    };
    Scalar* my_slice = root_slice_of(me);
    const Scalar* root = combine(0, G, my_slice, 0, width, in_place);
    if (root != my_slice) std::copy(root, root + width, my_slice);
  }
  // Rank r's part of the shared memory: a flag, its root slice, its slice of shared values, then
  // its nodes.
  Scalar* flag_of(int r) { return reinterpret_cast<Scalar*>(shared_->part(r)); }
  Scalar* root_slice_of(int r) { return flag_of(r) + 1; }
  Scalar* shared_values_of(int r) {
    return root_slice_of(r) + slice_counts_[static_cast<std::size_t>(r)];
  }
  Scalar* nodes_of(int r) {
    return shared_values_of(r) + slice_counts_[static_cast<std::size_t>(r)];
  }

  // Rank r's first block (r = N: G).
  Index first_block(Index G, int r) const { return G * r / comm_.size(); }
  // The first value of slice s (s = N: length).
  Index slice_start(int s) const { return length_ * s / comm_.size(); }

  // This rank's `nodes` nodes (in mine_, one after another) as the alltoall sends them: slice 0
  // of each node, then slice 1 of each, ... One node is that already; several are copied.
  std::span<const Scalar> by_slice(Index nodes) {
    const auto all = static_cast<std::size_t>(nodes * length_);
    if (nodes <= 1) return std::span<const Scalar>(mine_.data(), all);
    Scalar* out = send_.data();
    for (int s = 0; s < comm_.size(); ++s)
      for (Index k = 0; k < nodes; ++k)
        out = std::copy(mine_.data() + k * length_ + slice_start(s),
                        mine_.data() + k * length_ + slice_start(s + 1), out);
    return std::span<const Scalar>(send_.data(), all);
  }

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
    combine(lo, hi, out, depth, length_, own);
  }

  // sum(lo, hi) by the tree, `width` values per node: `known(lo, hi, out)` gives a node's values
  // when it has them (else null), and the rest is added up from the children, the right one in
  // temp_ at this depth.
  template <class Known>
  Scalar* combine(Index lo, Index hi, Scalar* out, int depth, Index width, Known& known) {
    if (Scalar* value = known(lo, hi, out)) return value;
    const Index mid = lo + (hi - lo) / 2;
    const Scalar* left = combine(lo, mid, out, depth + 1, width, known);
    const Scalar* right = combine(mid, hi, temp_.data() + static_cast<Index>(depth) * length_,
                                  depth + 1, width, known);
    add_nodes(left, right, out, width);
    return out;
  }

  // out = left + right, element by element, `width` values (out may be left).
  static void add_nodes(const Scalar* left, const Scalar* right, Scalar* out, Index width) {
    for (Index i = 0; i < width; ++i) out[i] = left[i] + right[i];
  }

  Communicator& comm_;
  Index length_, block_rows_;
  std::unique_ptr<SharedMemory> shared_;  // null: the exchange by messages
  bool shared_values_read_ = false;       // share_slice's values may be being read
  std::vector<Scalar> mine_;              // messages: (this rank's nodes, length)
  std::vector<Scalar> send_;              // messages: the same, slice after slice (several nodes)
  std::vector<Scalar> received_;  // messages: (every rank's nodes, this rank's slice), tree order
  std::vector<Scalar> temp_;      // (tree depth + 1, length) right children being added
  std::vector<Scalar> sum_;       // messages: (length) the root
  std::vector<std::pair<Index, Index>> nodes_;    // every rank's nodes (lo, hi), in order
  std::vector<Index> node_counts_;                // (ranks) nodes of each rank
  std::vector<Index> send_counts_, recv_counts_;  // (ranks) of the alltoall
  std::vector<Index> slice_counts_;               // (ranks) the values of each slice
};

}  // namespace mlp
