#include "mlp/threads.hpp"

#include <Eigen/Core>
#include <thread>

namespace mlp {

void set_threads(int count) {
  if (count <= 0) count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Eigen::setNbThreads(count);
}

int threads() {
  return Eigen::nbThreads();
}

}  // namespace mlp
