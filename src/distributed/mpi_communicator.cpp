// MpiCommunicator: the only file of the library that includes <mpi.h> (compiled when MLP_WITH_MPI).
#include "mlp/distributed/mpi_communicator.hpp"

// MPI's C API only: without these, Open MPI's and MPICH's <mpi.h> bring their deprecated C++
// bindings, which need a library of their own (libmpi_cxx).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"

namespace mlp::distributed {

struct MpiCommunicator::State {
  MPI_Comm comm = MPI_COMM_NULL;
  bool initialised_here = false;
  std::vector<int> counts, displacements;  // (ranks) of one allgather piece
};

namespace {

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}

// MPI counts and displacements are ints.
int as_mpi_int(Index n) {
  if (n < 0 || n > INT_MAX)
    throw InvalidArgument("a message of " + std::to_string(n) +
                          " values is beyond MPI's int counts");
  return static_cast<int>(n);
}

// MPI_Allgatherv of `counts` values per rank, in pieces of at most `bucket` values per rank:
// piece k carries values [k bucket, (k + 1) bucket) of each rank's part. When `mine` is already
// in its place in `all`, MPI_IN_PLACE leaves it there.
template <class T>
void allgather_in_pieces(MPI_Comm comm, int rank, std::span<const T> mine, std::span<T> all,
                         std::span<const Index> counts, std::vector<int>& piece_counts,
                         std::vector<int>& displacements) {
  const Index bucket = static_cast<Index>(MpiCommunicator::kBucketBytes / sizeof(T));
  const Index longest = counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  Index own_offset = 0;
  for (int r = 0; r < rank; ++r) own_offset += counts[static_cast<std::size_t>(r)];
  const bool in_place = mine.data() == all.data() + own_offset;
  for (Index k0 = 0; k0 < longest; k0 += bucket) {
    Index offset = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      piece_counts[r] = as_mpi_int(std::clamp<Index>(counts[r] - k0, 0, bucket));
      displacements[r] = as_mpi_int(offset + k0);
      offset += counts[r];
    }
    const int own = piece_counts[static_cast<std::size_t>(rank)];
    const void* send = in_place ? MPI_IN_PLACE : own > 0 ? mine.data() + k0 : mine.data();
    MPI_Allgatherv(send, own, mpi_type<T>(), all.data(), piece_counts.data(), displacements.data(),
                   mpi_type<T>(), comm);
  }
}

// MPI's int counts of `counts` into `ints`, and their running sums into `displacements`.
void counts_and_displacements(std::span<const Index> counts, std::vector<int>& ints,
                              std::vector<int>& displacements) {
  Index offset = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    ints[r] = as_mpi_int(counts[r]);
    displacements[r] = as_mpi_int(offset);
    offset += counts[r];
  }
}

// One MPI_Ialltoallv in flight, with the counts and displacements MPI reads until it completes.
// One still in flight when this rank leaves by an exception is not waited for (the others may
// never take part): MPI ends with the process.
class MpiRequest final : public Request {
 public:
  explicit MpiRequest(int ranks)
      : send_counts(static_cast<std::size_t>(ranks)),
        send_displacements(send_counts.size()),
        recv_counts(send_counts.size()),
        recv_displacements(send_counts.size()) {}
  bool test() override {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    return done != 0;
  }
  void wait() override { MPI_Wait(&request, MPI_STATUS_IGNORE); }

  MPI_Request request = MPI_REQUEST_NULL;  // MPI_REQUEST_NULL: complete
  std::vector<int> send_counts, send_displacements, recv_counts, recv_displacements;  // (ranks)
};

template <class T>
void start_alltoall_of(MPI_Comm comm, std::span<const T> send, std::span<const Index> send_counts,
                       std::span<T> recv, std::span<const Index> recv_counts, MpiRequest& r) {
  if (r.request != MPI_REQUEST_NULL)
    throw InvalidArgument("a request was reused while its operation was in flight");
  counts_and_displacements(send_counts, r.send_counts, r.send_displacements);
  counts_and_displacements(recv_counts, r.recv_counts, r.recv_displacements);
  MPI_Ialltoallv(send.data(), r.send_counts.data(), r.send_displacements.data(), mpi_type<T>(),
                 recv.data(), r.recv_counts.data(), r.recv_displacements.data(), mpi_type<T>(),
                 comm, &r.request);
}

// One machine's ranks' shared window, locked for every rank's passive access for its lifetime.
class MpiSharedMemory final : public SharedMemory {
 public:
  // Collective over `node` (every rank of the communicator, on this machine): `bytes` for this
  // rank. Takes `node` over.
  MpiSharedMemory(MPI_Comm node, std::size_t bytes) : node_(node) {
    MPI_Info info;
    MPI_Info_create(&info);
    MPI_Info_set(info, "alloc_shared_noncontig", "true");  // each rank's part near its core
    void* mine = nullptr;
    MPI_Win_allocate_shared(static_cast<MPI_Aint>(bytes), 1, info, node_, &mine, &window_);
    MPI_Info_free(&info);
    int ranks = 0;
    MPI_Comm_size(node_, &ranks);
    parts_.resize(static_cast<std::size_t>(ranks));
    for (int r = 0; r < ranks; ++r) {
      MPI_Aint size = 0;
      int unit = 0;
      void* base = nullptr;
      MPI_Win_shared_query(window_, r, &size, &unit, &base);
      parts_[static_cast<std::size_t>(r)] = static_cast<std::byte*>(base);
    }
    MPI_Win_lock_all(MPI_MODE_NOCHECK, window_);
  }
  // As MpiCommunicator's: an exception leaving this rank alone must not wait for the others.
  ~MpiSharedMemory() override {
    if (std::uncaught_exceptions() > 0 && parts_.size() > 1) return;
    MPI_Win_unlock_all(window_);
    MPI_Win_free(&window_);
    MPI_Comm_free(&node_);
  }
  MpiSharedMemory(const MpiSharedMemory&) = delete;
  MpiSharedMemory& operator=(const MpiSharedMemory&) = delete;

  std::byte* part(int rank) override { return parts_[static_cast<std::size_t>(rank)]; }
  void synchronize() override {
    MPI_Win_sync(window_);  // this rank's writes, to the window
    MPI_Barrier(node_);
    MPI_Win_sync(window_);  // the others', to this rank
  }

 private:
  MPI_Comm node_;
  MPI_Win window_ = MPI_WIN_NULL;
  std::vector<std::byte*> parts_;  // (ranks)
};

// Whether the window of every rank's `bytes` (summed over `node`) takes at most half of the room
// left where shared memory is kept (Open MPI's osc_sm_backing_directory, /dev/shm by default): a
// container's /dev/shm is often 64 MB, and touching a window beyond it would kill the ranks
// (SIGBUS) where messages work. When the room cannot be read, the window is tried.
bool shared_memory_fits(MPI_Comm node, std::size_t bytes) {
  unsigned long long mine = bytes, total = 0;
  MPI_Allreduce(&mine, &total, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, node);
  const char* directory = std::getenv("OMPI_MCA_osc_sm_backing_directory");
  struct statvfs room {};
  if (statvfs(directory != nullptr ? directory : "/dev/shm", &room) != 0) return true;
  const unsigned long long available = static_cast<unsigned long long>(room.f_bavail) *
                                       static_cast<unsigned long long>(room.f_frsize);
  return total <= available / 2;
}

}  // namespace

MpiCommunicator::MpiCommunicator() : state_(std::make_unique<State>()) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (!initialised) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    state_->initialised_here = true;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &state_->comm);
  MPI_Comm_rank(state_->comm, &rank_);
  MPI_Comm_size(state_->comm, &size_);
  state_->counts.resize(static_cast<std::size_t>(size_));
  state_->displacements.resize(static_cast<std::size_t>(size_));
}

MpiCommunicator::~MpiCommunicator() {
  // Left by an exception (this rank failed: a file it cannot read, ...): the other ranks may be
  // waiting in a collective operation, so freeing the communicator or finalising (both
  // collective) would wait for them forever. The process exits without finalising instead, after
  // the program has printed the error, and the launcher then ends the others.
  if (std::uncaught_exceptions() > 0 && size_ > 1) return;
  MPI_Comm_free(&state_->comm);
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (state_->initialised_here && !finalised) MPI_Finalize();
}

void MpiCommunicator::allgather(std::span<const float> mine, std::span<float> all,
                                std::span<const Index> counts) {
  allgather_in_pieces(state_->comm, rank_, mine, all, counts, state_->counts,
                      state_->displacements);
}

void MpiCommunicator::allgather(std::span<const double> mine, std::span<double> all,
                                std::span<const Index> counts) {
  allgather_in_pieces(state_->comm, rank_, mine, all, counts, state_->counts,
                      state_->displacements);
}

std::unique_ptr<Request> MpiCommunicator::make_request() {
  return std::make_unique<MpiRequest>(size_);
}

void MpiCommunicator::start_alltoall(std::span<const float> send,
                                     std::span<const Index> send_counts, std::span<float> recv,
                                     std::span<const Index> recv_counts, Request& request) {
  start_alltoall_of(state_->comm, send, send_counts, recv, recv_counts,
                    dynamic_cast<MpiRequest&>(request));
}

void MpiCommunicator::start_alltoall(std::span<const double> send,
                                     std::span<const Index> send_counts, std::span<double> recv,
                                     std::span<const Index> recv_counts, Request& request) {
  start_alltoall_of(state_->comm, send, send_counts, recv, recv_counts,
                    dynamic_cast<MpiRequest&>(request));
}

void MpiCommunicator::allreduce_sum(std::span<double> values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), as_mpi_int(static_cast<Index>(values.size())),
                MPI_DOUBLE, MPI_SUM, state_->comm);
}

void MpiCommunicator::broadcast(std::span<double> values, int root) {
  MPI_Bcast(values.data(), as_mpi_int(static_cast<Index>(values.size())), MPI_DOUBLE, root,
            state_->comm);
}

std::unique_ptr<SharedMemory> MpiCommunicator::share_memory(std::size_t bytes) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(state_->comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  int ranks = 0;
  MPI_Comm_size(node, &ranks);
  // Every rank sees the same: the ranks are all on one machine, or each finds fewer than all.
  // And every rank agrees whether the window fits its backing directory.
  int fits = ranks == size_ && shared_memory_fits(node, bytes) ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &fits, 1, MPI_INT, MPI_LAND, state_->comm);
  if (!fits) {
    MPI_Comm_free(&node);
    return nullptr;
  }
  return std::make_unique<MpiSharedMemory>(node, bytes);
}

bool MpiCommunicator::any(bool flag) {
  int value = flag ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_LOR, state_->comm);
  return value != 0;
}

}  // namespace mlp::distributed
