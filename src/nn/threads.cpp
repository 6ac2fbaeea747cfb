#include "mlp/nn/threads.hpp"

#include <algorithm>
#include <thread>

#include "kernels/kernel_choice.hpp"
#include "kernels/thread_pool.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

void set_threads(int count) {
  if (count <= 0) count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The library's products run on its own thread pool (gemm.cpp).
  detail::ThreadPool::global().resize(count);
}

int threads() {
  return detail::ThreadPool::global().size();
}

ThreadUse thread_use() {
  const detail::ThreadPool::JobCounts jobs = detail::ThreadPool::global().job_counts();
  return {jobs.shared, jobs.alone};
}

std::string_view kernel_set() {
  if (!detail::kernel_choice_error().empty()) throw InvalidArgument(detail::kernel_choice_error());
  return detail::kernel_isa_name(detail::kernel_isa());
}

}  // namespace mlp
