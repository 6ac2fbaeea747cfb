// How the library's kernels run: how many threads the large matrix products may use, and on which
// of the CPU's instruction sets. Results are the same bit for bit whatever the thread count; tiny
// networks stay on one thread whatever is set here.
#pragma once

#include <cstdint>
#include <string_view>

namespace mlp {

// Sets the thread count for the library's parallel kernels; 0 means one per core.
void set_threads(int count);
// The thread count in force.
int threads();

// How the parallel kernels' jobs have run since the process started: shared among the threads,
// or run on the calling thread alone because the other threads did not pay for themselves there
// (another process held their cores, or they shared one core's pipes with the caller; the pool
// checks now and then, docs/performance.md). Subtract two readings for what ran between them.
struct ThreadUse {
  std::uint64_t shared_jobs = 0;
  std::uint64_t alone_jobs = 0;
  friend ThreadUse operator-(const ThreadUse& a, const ThreadUse& b) {
    return {a.shared_jobs - b.shared_jobs, a.alone_jobs - b.alone_jobs};
  }
};
ThreadUse thread_use();

// The kernel set the products, the sparse first layer and the optimizer run on: "avx512", "avx2"
// or "portable", the best this CPU has unless the environment variable MLP_KERNELS names one
// (docs/performance.md). Throws InvalidArgument when MLP_KERNELS names an unknown set or one this
// CPU lacks (the kernels then run on the best set).
std::string_view kernel_set();

}  // namespace mlp
