// The thread pool's fall-back to the calling thread when its workers cost more than they give
// (src/kernels/thread_payoff.hpp): the verdicts on synthetic times, and the pool itself with a
// worker that stalls as a descheduled one does.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "kernels/thread_payoff.hpp"
#include "kernels/thread_pool.hpp"

namespace {

using mlp::detail::ThreadPayoff;
using mlp::detail::ThreadPool;
constexpr std::int64_t kMs = 1'000'000;

// The calling thread's CPU time, as the tests set it.
std::int64_t fake_cpu_time = 0;
std::int64_t read_fake_cpu_time() {
  return fake_cpu_time;
}

// Records shared jobs of 1 ms each until a window is full: the caller alone would have taken
// `alone` ms by its pace, and it was on a core for `on_core` of each. Returns the time after the
// last one.
std::int64_t record_window(ThreadPayoff& payoff, std::int64_t now, double alone,
                           double on_core = 1.0) {
  for (std::int64_t took = 0; took < ThreadPayoff::kWindow; took += kMs) {
    EXPECT_FALSE(payoff.run_alone(now));
    payoff.job_starts(now);
    fake_cpu_time += static_cast<std::int64_t>(on_core * kMs);
    // The caller ran 1 of the job's 4 chunks in a quarter of `alone`.
    payoff.record(now, kMs, static_cast<std::int64_t>(alone * kMs / 4), 1, 4);
    now += kMs;
  }
  return now;
}

TEST(ThreadPayoff, KeepsSharingWhileTheWorkersPay) {
  ThreadPayoff payoff(read_fake_cpu_time);
  std::int64_t now = 0;
  for (int window = 0; window < 10; ++window) now = record_window(payoff, now, 1.6);
  EXPECT_FALSE(payoff.run_alone(now));
}

TEST(ThreadPayoff, JudgesOnlyAFullWindow) {
  ThreadPayoff payoff(read_fake_cpu_time);
  // Shared jobs slower than alone (the caller ran its one chunk in 0.9 of their time, and there
  // was only that one), but less than a window of them: no verdict yet.
  const std::int64_t half = ThreadPayoff::kWindow / 2;
  payoff.job_starts(0);
  fake_cpu_time += half;
  payoff.record(0, half, half * 9 / 10, 1, 1);
  EXPECT_FALSE(payoff.run_alone(half));
  payoff.job_starts(half);
  fake_cpu_time += half;
  payoff.record(half, half, half * 9 / 10, 1, 1);
  EXPECT_TRUE(payoff.run_alone(2 * half));
}

TEST(ThreadPayoff, PausesLongerWhileTheWorkersKeepCostingAndShorterOnceTheyPay) {
  ThreadPayoff payoff(read_fake_cpu_time);
  std::int64_t now = 0;
  std::int64_t pause = ThreadPayoff::kFirstPause;
  for (int verdict = 0; verdict < 8; ++verdict) {
    now = record_window(payoff, now, 0.7);
    EXPECT_TRUE(payoff.run_alone(now + pause - 1)) << "verdict " << verdict;
    EXPECT_FALSE(payoff.run_alone(now + pause)) << "verdict " << verdict;
    now += pause;
    pause = std::min(2 * pause, ThreadPayoff::kLongestPause);
  }
  EXPECT_EQ(pause, ThreadPayoff::kLongestPause);
  now = record_window(payoff, now, 1.2);  // the other core is free again
  EXPECT_FALSE(payoff.run_alone(now));
  now = record_window(payoff, now, 0.7);
  EXPECT_TRUE(payoff.run_alone(now + ThreadPayoff::kLongestPause / 2 - 1));
  EXPECT_FALSE(payoff.run_alone(now + ThreadPayoff::kLongestPause / 2));
}

TEST(ThreadPayoff, JudgesAStalledWorkerAtOnce) {
  ThreadPayoff payoff(read_fake_cpu_time);
  // The caller worked 0.5 ms and then waited 2.5 ms for its worker: alone at once.
  payoff.job_starts(0);
  payoff.record(0, 3 * kMs, kMs / 2, 1, 2);
  EXPECT_TRUE(payoff.run_alone(3 * kMs));
  // A balanced large job: 4 ms of the caller's chunks, then 3 ms for the worker's last one.
  ThreadPayoff balanced(read_fake_cpu_time);
  balanced.job_starts(0);
  fake_cpu_time += 7 * kMs;
  balanced.record(0, 7 * kMs, 4 * kMs, 2, 4);
  EXPECT_FALSE(balanced.run_alone(7 * kMs));
}

TEST(ThreadPayoff, JudgesTheCallersPaceByItsTimeOnACore) {
  // By the caller's pace in wall time, alone would take 1.6 x the shared jobs; but the caller was
  // on a core half of the time, and alone it would not share one: 0.8 x.
  ThreadPayoff payoff(read_fake_cpu_time);
  const std::int64_t now = record_window(payoff, 0, 1.6, 0.5);
  EXPECT_TRUE(payoff.run_alone(now));
}

void busy_wait(std::chrono::microseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end) {
  }
}

// Runs `jobs` jobs of 8 chunks on `pool`; the caller's chunks take 20 us, a worker's 20 us or,
// while `stall` is set, 2 ms (as when the OS runs another process on the worker's core). Every
// chunk writes its own slot once; returns how many chunks the workers ran.
int run_jobs(ThreadPool& pool, int jobs, bool stall) {
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> on_workers{0};
  std::vector<int> runs(8);
  auto chunk = [&](int c) {
    ++runs[static_cast<std::size_t>(c)];
    if (std::this_thread::get_id() == caller) return busy_wait(std::chrono::microseconds(20));
    ++on_workers;
    if (stall) return std::this_thread::sleep_for(std::chrono::milliseconds(2));
    busy_wait(std::chrono::microseconds(20));
  };
  for (int job = 0; job < jobs; ++job) pool.run(8, chunk);
  for (int r : runs) EXPECT_EQ(r, jobs);
  return on_workers.load();
}

TEST(ThreadPool, RunsJobsAloneWhileAWorkerStallsAndSharesThemAgainLater) {
  ThreadPool& pool = ThreadPool::global();
  const int threads = pool.size();
  pool.resize(2);
  // Shared, each job waits 2 ms for the stalled worker's chunk, against 160 us alone: after a
  // window of them, the pool runs the jobs on the caller alone, for at least the first pause
  // (100 ms).
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::steady_clock::now() - start; };
  const std::uint64_t alone_before = pool.job_counts().alone;
  while (pool.job_counts().alone == alone_before && elapsed() < std::chrono::seconds(5))
    run_jobs(pool, 1, true);
  ASSERT_GT(pool.job_counts().alone, alone_before);
  const ThreadPool::JobCounts paused = pool.job_counts();
  EXPECT_EQ(run_jobs(pool, 20, true), 0);
  EXPECT_EQ(pool.job_counts().alone, paused.alone + 20);
  EXPECT_EQ(pool.job_counts().shared, paused.shared);
  // Meanwhile work is cut for one thread, and each such answer counts as a job run alone.
  EXPECT_EQ(pool.threads_now(), 1);
  EXPECT_EQ(pool.job_counts().alone, paused.alone + 21);
  // The worker is fast again: after the pause (at most the longest), the pool shares again.
  while (pool.job_counts().shared == paused.shared && elapsed() < std::chrono::seconds(5))
    run_jobs(pool, 1, false);
  EXPECT_GT(pool.job_counts().shared, paused.shared);
  EXPECT_EQ(pool.threads_now(), 2);
  pool.resize(threads);
}

}  // namespace
