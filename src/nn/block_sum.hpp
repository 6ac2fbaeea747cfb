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
// How the slices travel, by the communicator's means; either way, the caller then gets its slice
// of the root (slice_of_sum), which it may change, publishes a flag with it (publish_slice: fit's
// check that the slice is finite, with the root's last two values, fit's loss and correct count),
// and shares values cut in the same slices (share_slice: fit updates each rank's slice of the
// parameters and shares them, so the root is never gathered whole).
// - Shared memory (Communicator::share_memory: every rank on one machine): each rank computes its
//   nodes in its part of the shared memory; after one synchronisation rank s reads every node's
//   slice s where it lies and adds them up into its root slice, also in its part; a second makes
//   every slice and flag seen by all, and a third shares the values. Nothing is sent.
// - Messages (ranks on several machines): a reduce-scatter, rank s receiving every rank's nodes'
//   slice s (alltoall), then one small allgather of the flags and an allgather of the shared
//   values. Each rank so sends and receives about 2 (N - 1) / N of the values, as a ring
//   allreduce does. The reduce-scatter goes in buckets of consecutive values, the last first
//   (`bucket_starts`: fit's buckets of whole layers), each started, without blocking, as soon as
//   the rank's nodes are final there: during the backward pass of the rank's last block, which
//   the leaf tells through a GradientProgress, the tree's additions above that block being made
//   bucket by bucket. The exchange of the later layers so overlaps the backward pass of the
//   earlier ones; each bucket's slice is added up the tree once it has arrived.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/nn/communicator.hpp"
#include "nn/gradient_progress.hpp"

namespace mlp {

template <class Scalar>
class BlockSum {
 public:
  // Sums of `length` values per block, over global batches of at most `batch` rows taken from
  // `samples` rows (the last batch of an epoch may be shorter), or, with stripes > 0, over batches
  // of `stripes` blocks each. By messages, the reduce-scatter goes in buckets, bucket k holding
  // values [bucket_starts[k], bucket_starts[k - 1]) (the first up to `length`): decreasing starts,
  // the last 0. Allocates every buffer here.
  BlockSum(Communicator& comm, Index length, Index batch, Index samples, Index block_rows,
           Index stripes = 0, std::vector<Index> bucket_starts = {0})
      : comm_(comm),
        length_(length),
        block_rows_(block_rows),
        bucket_starts_(std::move(bucket_starts)) {
    if (bucket_starts_.empty() || bucket_starts_.back() != 0 ||
        !std::is_sorted(bucket_starts_.rbegin(), bucket_starts_.rend()) ||
        bucket_starts_.front() >= length)
      throw InvalidArgument(
          "the exchange's buckets must start at decreasing values, the last at 0");
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
      if (most_mine > 1) send_.resize(mine_.size());
      received_.resize(static_cast<std::size_t>(most_all * width));
      sum_.resize(static_cast<std::size_t>(length));
      slice_temp_.resize(static_cast<std::size_t>((depth + 1) * width));
      published_.resize(static_cast<std::size_t>(N * kPublished));
      if (N > 1)
        for (std::size_t k = 0; k < bucket_starts_.size(); ++k)
          requests_.push_back(comm.make_request());
    }
    temp_.resize(static_cast<std::size_t>((depth + 1) * length));
    spine_.reserve(static_cast<std::size_t>(depth));
    nodes_.reserve(static_cast<std::size_t>(most_all));
    const auto ranks = static_cast<std::size_t>(N);
    node_counts_.resize(ranks);
    send_counts_.resize(ranks);
    recv_counts_.resize(ranks);
    slice_counts_.resize(ranks);
    shared_counts_.resize(ranks);
    published_counts_.assign(ranks, kPublished);
    for (int s = 0; s < N; ++s)
      slice_counts_[static_cast<std::size_t>(s)] = slice_start(s + 1) - slice_start(s);
  }

  BlockSum(const BlockSum&) = delete;  // bucket_starter_ points here
  BlockSum& operator=(const BlockSum&) = delete;

  // G for a batch of `rows` rows.
  Index blocks(Index rows) const { return (rows + block_rows_ - 1) / block_rows_; }
  // The first row of block g of a batch of `rows` rows cut into G blocks.
  static Index block_start(Index rows, Index G, Index g) { return rows * g / G; }

  // Whether the exchange goes through shared memory (else by messages).
  bool shares_memory() const { return shared_ != nullptr; }
  struct Slice {
    Index first, count;  // values [first, first + count) of the root
    Scalar* values;      // this rank's, which it may change until publish_slice
  };
  // The tree's sum of G blocks (whatever rows they hold: G must be one of the counts the
  // constructor planned for), up to this rank's slice of the root, which no other rank reads yet.
  // leaf(g, out, progress) writes block g's `length` values into out; it is called for this
  // rank's blocks only, in order, and tells `progress`, when not null (the rank's last block, by
  // messages), as its values become final, the last ones first (GradientProgress). Then
  // publish_slice, then any of root_value, copy_root and share_slice.
  template <class Leaf>
  Slice slice_of_sum(Index G, Leaf&& leaf) {
    const int me = comm_.rank();
    evaluate_nodes(G, leaf);
    if (shared_)
      combine_in_shared_memory(G);
    else
      combine_by_messages(G);
    return {slice_start(me), slice_counts_[static_cast<std::size_t>(me)], my_slice_};
  }
  // Collective: every rank's flag, and the root's last kPublished - 1 values (in the last
  // slices), seen by every rank; true when every flag is. Through shared memory, every slice too.
  bool publish_slice(bool flag) {
    const int N = comm_.size();
    if (N == 1) return flag;
    if (shared_) {
      *flag_of(comm_.rank()) = flag ? Scalar(1) : Scalar(0);
      shared_->synchronize();
      for (int r = 0; r < N; ++r)
        if (*flag_of(r) != Scalar(1)) return false;
      return true;
    }
    Scalar* mine = published_.data() + comm_.rank() * kPublished;
    mine[0] = flag ? Scalar(1) : Scalar(0);
    for (Index i = length_ - (kPublished - 1); i < length_; ++i)
      mine[i - length_ + kPublished] = owner_of(i) == comm_.rank() ? sum_[i] : Scalar(0);
    comm_.allgather(std::span<const Scalar>(mine, kPublished),
                    std::span<Scalar>(published_.data(), published_.size()), published_counts_);
    for (int r = 0; r < N; ++r)
      if (published_[static_cast<std::size_t>(r * kPublished)] != Scalar(1)) return false;
    return true;
  }
  // After publish_slice: the root's value i (by messages, one of its last kPublished - 1).
  Scalar root_value(Index i) {
    if (comm_.size() == 1) return my_slice_[i];
    const int s = owner_of(i);
    if (shared_) return root_slice_of(s)[i - slice_start(s)];
    assert(i >= length_ - (kPublished - 1) && "by messages, only the root's last values travel");
    return published_[static_cast<std::size_t>(s * kPublished + kPublished - (length_ - i))];
  }
  // Collective, after publish_slice: the root's first n values into out (by messages, every
  // slice gathered: for a divergence's diagnosis).
  void copy_root(Scalar* out, Index n) {
    if (shared_) {
      for (int s = 0; s < comm_.size(); ++s) {
        const Index first = std::min(slice_start(s), n), last = std::min(slice_start(s + 1), n);
        std::copy(root_slice_of(s), root_slice_of(s) + (last - first), out + first);
      }
      return;
    }
    if (comm_.size() > 1) {
      const int me = comm_.rank();
      comm_.allgather(std::span<const Scalar>(
                          sum_.data() + slice_start(me),
                          static_cast<std::size_t>(slice_counts_[static_cast<std::size_t>(me)])),
                      std::span<Scalar>(sum_.data(), sum_.size()), slice_counts_);
    }
    const Scalar* root = comm_.size() > 1 ? sum_.data() : my_slice_;
    std::copy(root, root + n, out);
  }
  // Collective, after publish_slice: `values` [slice_start(r), slice_start(r + 1)) (cut at n) of
  // each rank r, shared: every rank's `values` (n of them) then holds every rank's slice.
  void share_slice(Scalar* values, Index n) {
    const int me = comm_.rank(), N = comm_.size();
    const Index first = std::min(slice_start(me), n), last = std::min(slice_start(me + 1), n);
    if (N == 1) return;
    if (!shared_) {
      for (int s = 0; s < N; ++s)
        shared_counts_[static_cast<std::size_t>(s)] =
            std::min(slice_start(s + 1), n) - std::min(slice_start(s), n);
      comm_.allgather(
          std::span<const Scalar>(values + first, static_cast<std::size_t>(last - first)),
          std::span<Scalar>(values, static_cast<std::size_t>(n)), shared_counts_);
      return;
    }
    // The others may still be reading the last values shared, unless a step's synchronisation
    // came between.
    if (shared_values_read_) shared_->synchronize();
    std::copy(values + first, values + last, shared_values_of(me));
    shared_->synchronize();
    shared_values_read_ = true;
    for (int s = 0; s < N; ++s) {
      if (s == me) continue;
      const Index from = std::min(slice_start(s), n), to = std::min(slice_start(s + 1), n);
      std::copy(shared_values_of(s), shared_values_of(s) + (to - from), values + from);
    }
  }

  // What publish_slice gathers from each rank by messages: its flag and its part of the root's
  // last 2 values.
  static constexpr Index kPublished = 3;

 private:
  // Every rank's nodes of G blocks (nodes_, node_counts_), and this rank's computed by `leaf`,
  // in its part of the shared memory or in mine_ (by messages, every bucket then started).
  template <class Leaf>
  void evaluate_nodes(Index G, Leaf& leaf) {
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
    // By messages, the buckets start as the rank's last block makes them final.
    const bool overlap = !shared_ && N > 1;
    spine_.clear();
    next_bucket_ = 0;
    for (Index k = 0; k < my_nodes; ++k) {
      const auto [lo, hi] = nodes_[static_cast<std::size_t>(my_first_node + k)];
      if (overlap && k == my_nodes - 1)
        leaf(hi - 1, evaluate_but_spine(lo, hi, mine + k * length_, leaf), &bucket_starter_);
      else
        evaluate(lo, hi, mine + k * length_, 0, leaf);
    }
    if (overlap) start_buckets(0);  // what the leaf did not tell, or every bucket (no node)
  }

  // Node (lo, hi) into `out` but for its last block and the additions above that block (the
  // node's right spine): the left children evaluated, the additions left listed in spine_ (the top
  // one first); returns where the last block's values go. combine's order and rows, unrolled.
  template <class Leaf>
  Scalar* evaluate_but_spine(Index lo, Index hi, Scalar* out, Leaf& leaf) {
    for (int depth = 0; hi - lo > 1; ++depth) {
      const Index mid = lo + (hi - lo) / 2;
      evaluate(lo, mid, out, depth + 1, leaf);
      Scalar* right = temp_.data() + static_cast<Index>(depth) * length_;
      spine_.push_back({out, right});
      out = right;
      lo = mid;
    }
    return out;
  }

  // Every bucket starting at `first` or after, not started yet: the spine's additions over its
  // values, from the bottom up, then its part of the reduce-scatter started. Then the buckets in
  // flight are let progress.
  void start_buckets(Index first) {
    while (next_bucket_ < bucket_starts_.size() && bucket_starts_[next_bucket_] >= first) {
      const std::size_t k = next_bucket_++;
      const Index a = bucket_starts_[k], b = bucket_end(k);
      for (auto add = spine_.rbegin(); add != spine_.rend(); ++add)
        add_nodes(add->out + a, add->right + a, add->out + a, b - a);
      start_bucket(k, a, b);
    }
    for (std::size_t k = 0; k < next_bucket_; ++k) requests_[k]->test();
  }

  // Bucket k, values [a, b): every rank's nodes' part of slice s to rank s (alltoall), started.
  void start_bucket(std::size_t k, Index a, Index b) {
    const int N = comm_.size(), me = comm_.rank();
    const Index my_nodes = node_counts_[static_cast<std::size_t>(me)];
    const auto nodes = static_cast<Index>(nodes_.size());
    const Index w = piece(a, b, me);
    for (int s = 0; s < N; ++s) {
      send_counts_[static_cast<std::size_t>(s)] = my_nodes * piece(a, b, s);
      recv_counts_[static_cast<std::size_t>(s)] = node_counts_[static_cast<std::size_t>(s)] * w;
    }
    // One node: its pieces one after another already (none: nothing to send).
    const Scalar* send = my_nodes == 0 ? mine_.data() : mine_.data() + a;
    if (my_nodes > 1) {
      Scalar* out = send_.data() + my_nodes * a;
      send = out;
      for (int s = 0; s < N; ++s) {
        const Index from = std::max(a, slice_start(s)), to = std::min(b, slice_start(s + 1));
        for (Index j = 0; from < to && j < my_nodes; ++j)
          out = std::copy(mine_.data() + j * length_ + from, mine_.data() + j * length_ + to, out);
      }
    }
    comm_.start_alltoall(
        std::span<const Scalar>(send, static_cast<std::size_t>(my_nodes * (b - a))), send_counts_,
        std::span<Scalar>(received_.data() + nodes * received_before(k),
                          static_cast<std::size_t>(nodes * w)),
        recv_counts_, *requests_[k]);
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
    my_slice_ = root_slice_of(me);
    const Scalar* root = combine(0, G, my_slice_, 0, width, in_place, temp_.data());
    if (root != my_slice_) std::copy(root, root + width, my_slice_);
  }

  // The exchange by messages (reduce-scatter), after every bucket was started: this rank's root
  // slice, in sum_, each bucket's part added up the tree from every rank's nodes' values received
  // as soon as they are there. One rank: its node is the root.
  void combine_by_messages(Index G) {
    const int N = comm_.size(), me = comm_.rank();
    if (N == 1) {
      my_slice_ = mine_.data();
      return;
    }
    const auto nodes = static_cast<Index>(nodes_.size());
    for (std::size_t k = 0; k < bucket_starts_.size(); ++k) {
      requests_[k]->wait();
      const Index a = std::max(bucket_starts_[k], slice_start(me));
      const Index w = piece(bucket_starts_[k], bucket_end(k), me);
      if (w == 0) continue;
      Scalar* received = received_.data() + nodes * received_before(k);
      std::size_t next = 0;
      auto known = [&](Index lo, Index hi, Scalar*) -> Scalar* {
        if (next < nodes_.size() && nodes_[next] == std::pair(lo, hi))
          return received + static_cast<Index>(next++) * w;
        return nullptr;
      };
      Scalar* out = sum_.data() + a;
      const Scalar* root = combine(0, G, out, 0, w, known, slice_temp_.data());
      if (root != out) std::copy(root, root + w, out);
    }
    my_slice_ = sum_.data() + slice_start(me);
  }

  // Bucket k's end (k = 0: length).
  Index bucket_end(std::size_t k) const { return k == 0 ? length_ : bucket_starts_[k - 1]; }
  // How many of values [a, b) lie in slice s.
  Index piece(Index a, Index b, int s) const {
    return std::max<Index>(0, std::min(b, slice_start(s + 1)) - std::max(a, slice_start(s)));
  }
  // How many of this rank's slice's values the buckets before k hold (received_ keeps each
  // bucket's values of every node together).
  Index received_before(std::size_t k) const { return piece(bucket_end(k), length_, comm_.rank()); }

  // This rank's right spines' additions left to make, bucket by bucket (start_buckets).
  class BucketStarter final : public GradientProgress {
   public:
    explicit BucketStarter(BlockSum& blocks) : blocks_(blocks) {}
    void final_from(Index first) override { blocks_.start_buckets(first); }

   private:
    BlockSum& blocks_;
  };

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
  // The slice that holds value i.
  int owner_of(Index i) const {
    int s = comm_.size() - 1;
    while (slice_start(s) > i) --s;
    return s;
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
      leaf(l, o, static_cast<GradientProgress*>(nullptr));
      return o;
    };
    combine(lo, hi, out, depth, length_, own, temp_.data());
  }

  // sum(lo, hi) by the tree, `width` values per node: `known(lo, hi, out)` gives a node's values
  // when it has them (else null), and the rest is added up from the children, the right one in
  // row `depth` of `temp` ((tree depth + 1, width) values).
  template <class Known>
  static Scalar* combine(Index lo, Index hi, Scalar* out, int depth, Index width, Known& known,
                         Scalar* temp) {
    if (Scalar* value = known(lo, hi, out)) return value;
    const Index mid = lo + (hi - lo) / 2;
    const Scalar* left = combine(lo, mid, out, depth + 1, width, known, temp);
    const Scalar* right =
        combine(mid, hi, temp + static_cast<Index>(depth) * width, depth + 1, width, known, temp);
    add_nodes(left, right, out, width);
    return out;
  }

  // out = left + right, element by element, `width` values (out may be left).
  static void add_nodes(const Scalar* left, const Scalar* right, Scalar* out, Index width) {
    for (Index i = 0; i < width; ++i) out[i] = left[i] + right[i];
  }

  Communicator& comm_;
  Index length_, block_rows_;
  std::vector<Index> bucket_starts_;      // messages: the reduce-scatter's buckets, the last first
  std::size_t next_bucket_ = 0;           // messages: the next bucket to start
  BucketStarter bucket_starter_{*this};   // messages: what the rank's last block tells
  std::unique_ptr<SharedMemory> shared_;  // null: the exchange by messages
  bool shared_values_read_ = false;       // share_slice's values may be being read
  Scalar* my_slice_ = nullptr;            // this rank's root slice, after slice_of_sum
  std::vector<Scalar> mine_;              // messages: (this rank's nodes, length)
  std::vector<Scalar> send_;              // messages: the same, slice after slice (several nodes)
  std::vector<Scalar> received_;    // messages: (every rank's nodes, this rank's slice), tree order
  std::vector<Scalar> temp_;        // (tree depth + 1, length) right children being added
  std::vector<Scalar> slice_temp_;  // messages: (tree depth + 1, this rank's slice) the same
  std::vector<Scalar> sum_;         // messages: (length) the root, this rank's slice at least
  std::vector<Scalar> published_;   // messages: (ranks, kPublished) publish_slice's values
  struct Addition {
    Scalar *out, *right;  // out += right, over each bucket's values
  };
  std::vector<Addition> spine_;                     // messages: the last node's, the top first
  std::vector<std::unique_ptr<Request>> requests_;  // messages: (buckets) the reduce-scatter's
  std::vector<std::pair<Index, Index>> nodes_;      // every rank's nodes (lo, hi), in order
  std::vector<Index> node_counts_;                  // (ranks) nodes of each rank
  std::vector<Index> send_counts_, recv_counts_;    // (ranks) of the alltoall
  std::vector<Index> slice_counts_;                 // (ranks) the values of each slice
  std::vector<Index> shared_counts_;                // (ranks) of share_slice's allgather
  std::vector<Index> published_counts_;             // (ranks) kPublished each
};

}  // namespace mlp
