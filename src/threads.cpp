#include "mlp/threads.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <thread>

#include "thread_pool.hpp"

namespace mlp {

void set_threads(int count) {
  if (count <= 0) count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  detail::ThreadPool::global().resize(count);
  // The library's products run on its own threads (gemm.cpp); Eigen's OpenMP threads would only
  // compete with them for the cores.
  Eigen::setNbThreads(1);
}

int threads() {
  return detail::ThreadPool::global().size();
}

}  // namespace mlp
