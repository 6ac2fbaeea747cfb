// Internal to the library: the threads behind mlp::set_threads (threads.hpp).
//
// A fixed set of worker threads that run one job at a time, fork-join: run(chunks, f) calls
// f(c) once for every chunk c in [0, chunks) and returns when all are done. The calling thread
// and the workers claim chunks one at a time from a shared counter, so a worker that the OS has
// descheduled (the machine is shared) delays the job by at most the chunk it holds: the others
// take the rest. Callers give each chunk a disjoint part of the output and compute it the same
// way whoever runs it, so results never depend on timing or on the number of threads.
//
// A worker whose core another process holds, or that shares one core's pipes with the calling
// thread, costs more than it gives: the pool then runs its jobs on the calling thread alone for a
// while (thread_payoff.hpp).
//
// Workers spin briefly between jobs (a training step runs several products back to back) and
// then sleep, so idle threads do not keep the cores from other processes. run() allocates
// nothing.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/thread_payoff.hpp"

namespace mlp::detail {

class ThreadPool {
 public:
  // The library's pool; starts with one thread per core.
  static ThreadPool& global();

  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Total threads including the caller's (>= 1).
  void resize(int threads);

  // Per-thread set-up for the pool's users: `init` runs on every worker thread as it starts,
  // before resize() returns (gemm.cpp registers one that allocates the thread's packing buffers,
  // so that no job ever allocates). Meant for initializing a namespace-scope variable (it
  // returns true); workers already running when it is called are restarted to run it too.
  static bool add_thread_initializer(void (*init)());
  int size() const { return size_; }

  // The threads to cut work for now: size(), or 1 while the fall-back runs jobs on the calling
  // thread alone (thread_payoff.hpp). Work cut for two threads and run on one costs more than
  // work cut for one (each chunk of a product packs its own copy of a matrix, the sparse kernels'
  // groups break at chunk edges): with a core taken, an MNIST epoch ran 5 - 7 % longer on 2
  // threads alone than on 1. Saying 1 because of a pause counts as a job run alone.
  int threads_now();

  // Of the jobs that could have been shared (more than one chunk, more than one thread), how many
  // were, and how many the calling thread ran alone: because the workers did not pay, or to
  // check whether they do (a probe).
  struct JobCounts {
    std::uint64_t shared = 0;
    std::uint64_t alone = 0;
  };
  JobCounts job_counts() const {
    return {shared_jobs_.load(std::memory_order_relaxed),
            alone_jobs_.load(std::memory_order_relaxed)};
  }

  // Runs f(c) for c in [0, chunks) (chunks < 65536) and waits. When another thread is already
  // running a job on this pool (or run is called from inside a chunk), the chunks run one after
  // the other on the calling thread instead.
  template <class F>
  void run(int chunks, F& f) {
    run_raw(
        chunks, [](void* context, int c) { (*static_cast<F*>(context))(c); }, &f);
  }

 private:
  ThreadPool();
  void run_raw(int chunks, void (*fn)(void*, int), void* context);
  // Starts size_ - 1 workers and waits until each has run the thread initializers.
  void start_workers();
  void restart_workers();
  void worker(std::uint32_t seen);
  // Claims and runs chunks of job `generation` until none is left; returns how many it ran.
  int work_on(std::uint32_t generation);
  void stop_workers();
  void wake_workers();

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex busy_;  // held while a job runs

  // The current job: written before ticket_ announces it, read by a thread only after it has
  // claimed one of the job's chunks (the job cannot end before that chunk is done).
  void (*job_fn_)(void*, int) = nullptr;
  void* job_context_ = nullptr;
  std::uint32_t generation_ = 0;  // of the last job (only the thread holding busy_ writes it)
  bool stopping_ = false;
  ThreadPayoff payoff_;                       // only the thread holding busy_ uses it
  std::atomic<std::int64_t> alone_until_{0};  // payoff_.alone_until() after its last verdict
  std::atomic<std::uint64_t> shared_jobs_{0};
  std::atomic<std::uint64_t> alone_jobs_{0};

  // generation (32 bits) | number of chunks (16 bits) | next unclaimed chunk (16 bits)
  std::atomic<std::uint64_t> ticket_{0};
  std::atomic<int> done_{0};  // chunks of the current job finished
  std::atomic<int> sleepers_{0};
  std::atomic<int> ready_{0};  // workers past the thread initializers
  std::mutex sleep_mutex_;     // with wake_: where workers sleep between jobs
  std::condition_variable wake_;
};

}  // namespace mlp::detail
