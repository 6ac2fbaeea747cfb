#include "mlp/nn/communicator.hpp"

#include <algorithm>
#include <vector>

namespace mlp {

namespace {

// One rank's allgather: its values are all of `all` (already there when gathered in place).
template <class Scalar>
void copy_own(std::span<const Scalar> mine, std::span<Scalar> all) {
  if (mine.data() != all.data()) std::copy(mine.begin(), mine.end(), all.begin());
}

// One rank's alltoall: what it sends itself is all it receives.
template <class Scalar>
void copy_to_self(std::span<const Scalar> send, std::span<Scalar> recv) {
  std::copy(send.begin(), send.end(), recv.begin());
}

// One rank's operations are complete when started.
class CompleteRequest final : public Request {
 public:
  bool test() override { return true; }
  void wait() override {}
};

// One rank's shared memory: its own, in doubles so that any scalar is aligned.
class SingleProcessMemory final : public SharedMemory {
 public:
  explicit SingleProcessMemory(std::size_t bytes)
      : values_((bytes + sizeof(double) - 1) / sizeof(double)) {}
  std::byte* part(int) override { return reinterpret_cast<std::byte*>(values_.data()); }
  void synchronize() override {}

 private:
  std::vector<double> values_;
};

}  // namespace

std::unique_ptr<SharedMemory> SingleProcessCommunicator::share_memory(std::size_t bytes) {
  return std::make_unique<SingleProcessMemory>(bytes);
}

std::unique_ptr<Request> SingleProcessCommunicator::make_request() {
  return std::make_unique<CompleteRequest>();
}

void SingleProcessCommunicator::start_alltoall(std::span<const float> send, std::span<const Index>,
                                               std::span<float> recv, std::span<const Index>,
                                               Request&) {
  copy_to_self(send, recv);
}

void SingleProcessCommunicator::start_alltoall(std::span<const double> send, std::span<const Index>,
                                               std::span<double> recv, std::span<const Index>,
                                               Request&) {
  copy_to_self(send, recv);
}

void SingleProcessCommunicator::allgather(std::span<const float> mine, std::span<float> all,
                                          std::span<const Index>) {
  copy_own(mine, all);
}

void SingleProcessCommunicator::allgather(std::span<const double> mine, std::span<double> all,
                                          std::span<const Index>) {
  copy_own(mine, all);
}

}  // namespace mlp
