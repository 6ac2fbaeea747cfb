#include "mlp/nn/communicator.hpp"

#include <algorithm>

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

}  // namespace

void SingleProcessCommunicator::alltoall(std::span<const float> send, std::span<const Index>,
                                         std::span<float> recv, std::span<const Index>) {
  copy_to_self(send, recv);
}

void SingleProcessCommunicator::alltoall(std::span<const double> send, std::span<const Index>,
                                         std::span<double> recv, std::span<const Index>) {
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
