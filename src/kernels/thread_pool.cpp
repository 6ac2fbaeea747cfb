#include "kernels/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace mlp::detail {

namespace {

// About 50 microseconds of polling before a worker goes to sleep: longer than the gaps between
// the products of one training step, short enough not to hold a core when idle.
constexpr int kSpinRounds = 2000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

std::int64_t nanoseconds_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t thread_cpu_nanoseconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

int cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

constexpr std::uint32_t generation_of(std::uint64_t ticket) {
  return static_cast<std::uint32_t>(ticket >> 32);
}
constexpr std::uint32_t chunks_of(std::uint64_t ticket) {
  return static_cast<std::uint32_t>(ticket >> 16) & 0xffffu;
}
constexpr std::uint32_t next_of(std::uint64_t ticket) {
  return static_cast<std::uint32_t>(ticket) & 0xffffu;
}

// What add_thread_initializer registered, and the pool whose workers run it (null until the pool
// exists: registrations made before then need no restart).
struct ThreadInitializers {
  std::mutex mutex;
  std::vector<void (*)()> functions;
};
ThreadInitializers& thread_initializers() {
  static ThreadInitializers initializers;
  return initializers;
}
std::atomic<ThreadPool*> live_pool{nullptr};

void run_thread_initializers() {
  ThreadInitializers& initializers = thread_initializers();
  std::lock_guard lock(initializers.mutex);
  for (void (*init)() : initializers.functions) init();
}

}  // namespace

ThreadPool& ThreadPool::global() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::ThreadPool() : payoff_(thread_cpu_nanoseconds) {
  live_pool.store(this);
  resize(cores());
}

ThreadPool::~ThreadPool() {
  live_pool.store(nullptr);
  std::lock_guard lock(busy_);
  stop_workers();
}

bool ThreadPool::add_thread_initializer(void (*init)()) {
  {
    ThreadInitializers& initializers = thread_initializers();
    std::lock_guard lock(initializers.mutex);
    initializers.functions.push_back(init);
  }
  if (ThreadPool* pool = live_pool.load()) pool->restart_workers();
  return true;
}

void ThreadPool::stop_workers() {
  if (workers_.empty()) return;
  stopping_ = true;
  ++generation_;
  ticket_.store(std::uint64_t{generation_} << 32, std::memory_order_seq_cst);
  wake_workers();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stopping_ = false;
}

void ThreadPool::wake_workers() {
  { std::lock_guard lock(sleep_mutex_); }  // a worker between its check and its wait holds it
  wake_.notify_all();
}

void ThreadPool::resize(int threads) {
  threads = std::max(1, threads);
  std::lock_guard lock(busy_);
  if (threads == size_ && static_cast<int>(workers_.size()) == threads - 1) return;
  stop_workers();
  size_ = threads;
  start_workers();
}

void ThreadPool::restart_workers() {
  std::lock_guard lock(busy_);
  stop_workers();
  start_workers();
}

void ThreadPool::start_workers() {
  workers_.reserve(static_cast<std::size_t>(size_ - 1));
  // Each worker starts from the current generation: reading it in the new thread instead could
  // miss a job (or the stop) announced before that thread got to run.
  ready_.store(0);
  for (int i = 1; i < size_; ++i) workers_.emplace_back([this, g = generation_] { worker(g); });
  while (ready_.load() != size_ - 1) std::this_thread::yield();
}

int ThreadPool::work_on(std::uint32_t generation) {
  int ran = 0;
  std::uint64_t ticket = ticket_.load(std::memory_order_acquire);
  for (;;) {
    if (generation_of(ticket) != generation || next_of(ticket) >= chunks_of(ticket)) return ran;
    if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire))
      continue;
    job_fn_(job_context_, static_cast<int>(next_of(ticket)));
    done_.fetch_add(1, std::memory_order_acq_rel);
    ++ran;
    ticket = ticket_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker(std::uint32_t seen) {
  run_thread_initializers();
  ready_.fetch_add(1);
  for (;;) {
    std::uint32_t now = generation_of(ticket_.load(std::memory_order_acquire));
    for (int spin = 0; now == seen && spin < kSpinRounds; ++spin) {
      cpu_relax();
      now = generation_of(ticket_.load(std::memory_order_acquire));
    }
    if (now == seen) {
      // Announce the sleep, then look again: run_raw publishes the ticket before it reads
      // sleepers_, so either it sees this thread asleep and wakes it, or this thread sees the
      // new job here.
      std::unique_lock lock(sleep_mutex_);
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      while ((now = generation_of(ticket_.load(std::memory_order_seq_cst))) == seen)
        wake_.wait(lock);
      sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    }
    seen = now;
    if (stopping_) return;
    work_on(seen);
  }
}

int ThreadPool::threads_now() {
  if (size_ <= 1) return 1;
  if (nanoseconds_now() < alone_until_.load(std::memory_order_relaxed)) {
    alone_jobs_.fetch_add(1, std::memory_order_relaxed);
    return 1;
  }
  return size_;
}

void ThreadPool::run_raw(int chunks, void (*fn)(void*, int), void* context) {
  if (chunks <= 1 || size_ <= 1 || !busy_.try_lock()) {
    for (int c = 0; c < chunks; ++c) fn(context, c);
    return;
  }
  const std::int64_t start = nanoseconds_now();
  const JobKey key{reinterpret_cast<std::uintptr_t>(fn), reinterpret_cast<std::uintptr_t>(context),
                   chunks};
  const bool paused = payoff_.run_alone(start);
  if (paused || payoff_.probes(start, key)) {
    alone_jobs_.fetch_add(1, std::memory_order_relaxed);
    for (int c = 0; c < chunks; ++c) fn(context, c);
    if (!paused) {
      payoff_.probe_job_ends(nanoseconds_now());
      alone_until_.store(payoff_.alone_until(), std::memory_order_relaxed);
    }
    busy_.unlock();
    return;
  }
  shared_jobs_.fetch_add(1, std::memory_order_relaxed);
  payoff_.job_starts(start, key);
  job_fn_ = fn;
  job_context_ = context;
  done_.store(0, std::memory_order_relaxed);
  ++generation_;
  ticket_.store((std::uint64_t{generation_} << 32) | (static_cast<std::uint64_t>(chunks) << 16),
                std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) wake_workers();
  const std::int64_t own_start = nanoseconds_now();
  const int mine = work_on(generation_);
  const std::int64_t own_end = nanoseconds_now();
  // Every chunk is claimed; wait for those that workers still run.
  for (int spin = 0; done_.load(std::memory_order_acquire) != chunks; ++spin) {
    if (spin < kSpinRounds) {
      cpu_relax();
    } else {
      std::this_thread::yield();  // the worker was descheduled: let it finish its chunk
    }
  }
  payoff_.record(start, nanoseconds_now() - start, own_end - own_start, mine, chunks);
  alone_until_.store(payoff_.alone_until(), std::memory_order_relaxed);
  busy_.unlock();
}

}  // namespace mlp::detail
