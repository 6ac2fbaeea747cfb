// The Communicator over MPI: all the processes of MPI_COMM_WORLD (a duplicate of it, so that the
// library's messages never meet the program's). Only in a library built with MPI (MLP_WITH_MPI);
// include/mlp/distributed/world.hpp is the way in that works in every build.
#pragma once

#include <memory>
#include <span>

#include "mlp/nn/communicator.hpp"

namespace mlp::distributed {

class MpiCommunicator final : public Communicator {
 public:
  // Initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED: only the thread that made this object
  // calls MPI) unless the program already has, and duplicates MPI_COMM_WORLD.
  MpiCommunicator();
  // Frees the duplicate, and finalises MPI when this object initialised it; but not when an
  // exception is leaving this rank (other ranks may wait in a collective call): the process then
  // ends without finalising, and the launcher ends the others.
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  // MPI_Allgatherv, in pieces of at most kBucketBytes per rank.
  void allgather(std::span<const float> mine, std::span<float> all,
                 std::span<const Index> counts) override;
  void allgather(std::span<const double> mine, std::span<double> all,
                 std::span<const Index> counts) override;
  // MPI_Ialltoallv; the request is MPI_Test's and MPI_Wait's (requests of this communicator's
  // make_request only). Throws InvalidArgument when the request's last operation is in flight.
  std::unique_ptr<Request> make_request() override;
  void start_alltoall(std::span<const float> send, std::span<const Index> send_counts,
                      std::span<float> recv, std::span<const Index> recv_counts,
                      Request& request) override;
  void start_alltoall(std::span<const double> send, std::span<const Index> send_counts,
                      std::span<double> recv, std::span<const Index> recv_counts,
                      Request& request) override;
  void allreduce_sum(std::span<double> values) override;        // MPI_Allreduce
  void broadcast(std::span<double> values, int root) override;  // MPI_Bcast
  bool any(bool flag) override;                                 // MPI_Allreduce with MPI_LOR
  // An MPI-3 shared-memory window (MPI_Win_allocate_shared) over the ranks, when
  // MPI_Comm_split_type finds them all on this machine; synchronize() is MPI_Win_sync around an
  // MPI_Barrier. Freed collectively (MPI_Win_free) unless an exception is leaving this rank.
  std::unique_ptr<SharedMemory> share_memory(std::size_t bytes) override;

  // The largest message one collective call sends from each rank: large gradients go in pieces.
  static constexpr std::size_t kBucketBytes = std::size_t(4) << 20;

 private:
  struct State;  // the MPI handles: <mpi.h> stays in src/distributed/
  std::unique_ptr<State> state_;
  int rank_ = 0, size_ = 1;
};

}  // namespace mlp::distributed
