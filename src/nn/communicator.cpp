#include "mlp/nn/communicator.hpp"

#include <algorithm>

namespace mlp {

namespace {

// One rank's allgather: its values are all of `all` (already there when gathered in place).
template <class Scalar>
void copy_own(std::span<const Scalar> mine, std::span<Scalar> all) {
  if (mine.data() != all.data()) std::copy(mine.begin(), mine.end(), all.begin());
}

}  // namespace

void SingleProcessCommunicator::allgather(std::span<const float> mine, std::span<float> all,
                                          std::span<const Index>) {
  copy_own(mine, all);
}

void SingleProcessCommunicator::allgather(std::span<const double> mine, std::span<double> all,
                                          std::span<const Index>) {
  copy_own(mine, all);
}

}  // namespace mlp
