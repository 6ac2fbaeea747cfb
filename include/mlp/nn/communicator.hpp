// The processes that train one model together (data-parallel training, docs/distributed.md), as
// fit sees them: their count, this one's rank, and the few collective operations training needs.
// nn knows only this interface; the MPI implementation is mlp::distributed::MpiCommunicator
// (include/mlp/distributed/), and SingleProcessCommunicator is the one-process case.
//
// Every operation is collective: every rank calls it, in the same order, with the same sizes.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "mlp/core/matrix.hpp"

namespace mlp {

// Memory that the ranks of one machine share (Communicator::share_memory): each rank writes only
// its own part, and reads every rank's after synchronize(). The exchange of data-parallel fit uses
// it to read the other ranks' gradients where they were computed, instead of copying them through
// messages (docs/distributed.md).
class SharedMemory {
 public:
  virtual ~SharedMemory() = default;
  // Rank r's part, of the bytes r asked for, aligned for any scalar.
  virtual std::byte* part(int rank) = 0;
  // Collective: returns once every rank has called it; every rank's writes to its part before its
  // call are then seen by every rank. A rank must not write its part again before every rank is
  // done reading it (a later synchronize() tells it so).
  virtual void synchronize() = 0;
};

// A non-blocking collective operation (Communicator::start_alltoall), made once by
// Communicator::make_request and reused: one operation in flight at a time. The operation's
// buffers must stay valid, and untouched, until it is complete.
class Request {
 public:
  virtual ~Request() = default;
  // Lets the operation progress (MPI without a progress thread moves bytes only inside its
  // calls); true once it is complete, or when none is in flight.
  virtual bool test() = 0;
  // Returns once the operation is complete.
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;  // 0 .. size() - 1
  virtual int size() const = 0;  // >= 1

  // Gathers every rank's `mine` into `all`, in rank order: rank r sends counts[r] values, which
  // land at all[counts[0] + ... + counts[r - 1]]. mine.size() == counts[rank()],
  // all.size() == the sum of counts. `mine` may be this rank's own place in `all` (in place: it
  // is not copied), but must not overlap `all` otherwise.
  virtual void allgather(std::span<const float> mine, std::span<float> all,
                         std::span<const Index> counts) = 0;
  virtual void allgather(std::span<const double> mine, std::span<double> all,
                         std::span<const Index> counts) = 0;
  // A request for start_alltoall: each operation in flight needs its own.
  virtual std::unique_ptr<Request> make_request() = 0;
  // Every rank sends each rank a part of `send` and receives a part from each: `send` holds the
  // parts for ranks 0, 1, ... one after another (send_counts[s] values for rank s), and `recv`
  // receives the parts from ranks 0, 1, ... one after another (recv_counts[s] values from rank
  // s). What rank r sends rank s, s expects: r's send_counts[s] == s's recv_counts[r]. Started
  // here, complete once `request` says so (test or wait); the counts may change once this
  // returns, `send` and `recv` not before completion. A rank may compute while it is in flight
  // (data-parallel fit sends a layer's gradient while it computes the layer before it).
  virtual void start_alltoall(std::span<const float> send, std::span<const Index> send_counts,
                              std::span<float> recv, std::span<const Index> recv_counts,
                              Request& request) = 0;
  virtual void start_alltoall(std::span<const double> send, std::span<const Index> send_counts,
                              std::span<double> recv, std::span<const Index> recv_counts,
                              Request& request) = 0;
  // values = the sum over the ranks of their `values`, on every rank. The order of the additions
  // is the implementation's: use allgather and add in a fixed order where bits must not depend on
  // the number of ranks.
  virtual void allreduce_sum(std::span<double> values) = 0;
  // The root's `values` on every rank.
  virtual void broadcast(std::span<double> values, int root) = 0;
  // True on every rank when `flag` is true on at least one: the ranks' agreement to stop.
  virtual bool any(bool flag) = 0;
  // `bytes` bytes for this rank (each rank may ask for another size) in memory every rank can
  // read, when every rank runs on this machine and that memory has room; null, on every rank,
  // when not (then exchange by messages).
  virtual std::unique_ptr<SharedMemory> share_memory(std::size_t bytes) = 0;
};

// One process: rank 0 of 1; the collective operations copy or return their input.
class SingleProcessCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void allgather(std::span<const float> mine, std::span<float> all,
                 std::span<const Index> counts) override;
  void allgather(std::span<const double> mine, std::span<double> all,
                 std::span<const Index> counts) override;
  // A request that is always complete: start_alltoall copies at once.
  std::unique_ptr<Request> make_request() override;
  void start_alltoall(std::span<const float> send, std::span<const Index> send_counts,
                      std::span<float> recv, std::span<const Index> recv_counts,
                      Request& request) override;
  void start_alltoall(std::span<const double> send, std::span<const Index> send_counts,
                      std::span<double> recv, std::span<const Index> recv_counts,
                      Request& request) override;
  void allreduce_sum(std::span<double>) override {}
  void broadcast(std::span<double>, int) override {}
  bool any(bool flag) override { return flag; }
  // This process's own memory (synchronize() does nothing).
  std::unique_ptr<SharedMemory> share_memory(std::size_t bytes) override;
};

}  // namespace mlp
