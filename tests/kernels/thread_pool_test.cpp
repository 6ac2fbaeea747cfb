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
constexpr mlp::detail::JobKey kJob{1, 2, 4};

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
    payoff.job_starts(now, kJob);
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
  payoff.job_starts(0, kJob);
  fake_cpu_time += half;
  payoff.record(0, half, half * 9 / 10, 1, 1);
  EXPECT_FALSE(payoff.run_alone(half));
  payoff.job_starts(half, kJob);
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

TEST(ThreadPayoff, JudgesAWorkerThatStallsTwiceInAWindowAtOnce) {
  ThreadPayoff payoff(read_fake_cpu_time);
  // The caller worked 0.5 ms and then waited 2.5 ms for its worker: a stall, left out of the
  // window (a VM's worker does that now and then with its core free).
  payoff.job_starts(0, kJob);
  payoff.record(0, 3 * kMs, kMs / 2, 1, 2);
  EXPECT_FALSE(payoff.run_alone(3 * kMs));
  // The second in the window: alone at once.
  payoff.job_starts(3 * kMs, kJob);
  payoff.record(3 * kMs, 3 * kMs, kMs / 2, 1, 2);
  EXPECT_TRUE(payoff.run_alone(6 * kMs));
  // A balanced large job: 4 ms of the caller's chunks, then 3 ms for the worker's last one.
  ThreadPayoff balanced(read_fake_cpu_time);
  for (std::int64_t now = 0; now < 14 * kMs; now += 7 * kMs) {
    balanced.job_starts(now, kJob);
    fake_cpu_time += 7 * kMs;
    balanced.record(now, 7 * kMs, 4 * kMs, 2, 4);
  }
  EXPECT_FALSE(balanced.run_alone(14 * kMs));
}

TEST(ThreadPayoff, JudgesTheCallersPaceByItsTimeOnACore) {
  // By the caller's pace in wall time, alone would take 1.6 x the shared jobs; but the caller was
  // on a core half of the time, and alone it would not share one: 0.8 x.
  ThreadPayoff payoff(read_fake_cpu_time);
  const std::int64_t now = record_window(payoff, 0, 1.6, 0.5);
  EXPECT_TRUE(payoff.run_alone(now));
}

// The jobs of a training step as the probes see them: 4 call sites, run in turn.
mlp::detail::JobKey step_job(int i) {
  return {100, static_cast<std::uintptr_t>(i % 4), 2};
}
constexpr std::int64_t kUs = 1'000;

// Records `jobs` shared jobs of `took` us each, `gap` us apart, the job after `first` first,
// which by the caller's pace (1.6 x) pay; returns the time after the last.
std::int64_t record_shared(ThreadPayoff& payoff, std::int64_t now, int first, int jobs,
                           std::int64_t took, std::int64_t gap = 10) {
  for (int i = first; i < first + jobs; ++i) {
    EXPECT_FALSE(payoff.run_alone(now));
    EXPECT_FALSE(payoff.probes(now, step_job(i))) << "job " << i;
    payoff.job_starts(now, step_job(i));
    fake_cpu_time += (took + gap) * kUs;  // the caller works between jobs too
    payoff.record(now, took * kUs, took * kUs * 8 / 10, 1, 2);
    now += (took + gap) * kUs;
  }
  return now;
}

// Runs `jobs` jobs of `took` us each as a probe's, `gap` us apart, the job after `first` first;
// returns the time after the last.
std::int64_t run_probe(ThreadPayoff& payoff, std::int64_t now, int first, int jobs,
                       std::int64_t took, std::int64_t gap = 10) {
  for (int i = first; i < first + jobs; ++i) {
    EXPECT_TRUE(payoff.probes(now, step_job(i))) << "job " << i;
    now += took * kUs;
    payoff.probe_job_ends(now);
    now += gap * kUs;
  }
  return now;
}

// A window of 5 ms: 20 jobs of 250 us.
constexpr int kWindowJobs = 20;

TEST(ThreadPayoff, ProbesTheFirstWindowAndPausesWhenTheCallerAloneIsFaster) {
  // Shared, the jobs take 250 us; by the caller's pace while sharing, alone would take 1.6 x
  // that. But alone, they take 200 us: the two threads slow each other.
  ThreadPayoff payoff(read_fake_cpu_time);
  std::int64_t now = record_shared(payoff, 0, 0, kWindowJobs, 250);
  EXPECT_FALSE(payoff.run_alone(now));
  now = run_probe(payoff, now, kWindowJobs, kWindowJobs, 200);
  EXPECT_TRUE(payoff.run_alone(now + ThreadPayoff::kFirstPause - 20 * kUs));
  // After the pause the first window is probed again; confirmed, the pause doubles.
  now += ThreadPayoff::kFirstPause;
  now = record_shared(payoff, now, 0, kWindowJobs, 250);
  now = run_probe(payoff, now, kWindowJobs, kWindowJobs, 200);
  EXPECT_TRUE(payoff.run_alone(now + 2 * ThreadPayoff::kFirstPause - 20 * kUs));
  EXPECT_FALSE(payoff.run_alone(now + 2 * ThreadPayoff::kFirstPause));
}

TEST(ThreadPayoff, KeepsSharingWhileProbesConfirmItAndProbesLessOften) {
  ThreadPayoff payoff(read_fake_cpu_time);
  // Alone 240 us against 250 shared: within the margin, sharing stays.
  std::int64_t now = record_shared(payoff, 0, 0, kWindowJobs, 250);
  now = run_probe(payoff, now, kWindowJobs, kWindowJobs, 240);
  EXPECT_FALSE(payoff.run_alone(now));
  // No probe before the interval: windows of shared jobs only (record_shared checks).
  const std::int64_t window = kWindowJobs * 260 * kUs;
  std::int64_t next = now + ThreadPayoff::kFirstProbeInterval;
  while (now + window < next) now = record_shared(payoff, now, 0, kWindowJobs, 250);
  // Then the next full window is probed; the interval after it is twice as long.
  now = record_shared(payoff, next, 0, kWindowJobs, 250);
  now = run_probe(payoff, now, kWindowJobs, kWindowJobs, 400);
  next = now + 2 * ThreadPayoff::kFirstProbeInterval;
  while (now + window < next) now = record_shared(payoff, now, 0, kWindowJobs, 250);
  EXPECT_FALSE(payoff.run_alone(now));
  now = record_shared(payoff, next, 0, kWindowJobs, 250);
  EXPECT_TRUE(payoff.probes(now, step_job(0)));
}

TEST(ThreadPayoff, AProbeStartsAtAJobLikeItsWindowsFirst) {
  ThreadPayoff payoff(read_fake_cpu_time);
  // The window starts at the step's job 1 and holds 18 jobs of 278 us: the next like its first
  // comes 2 jobs later.
  std::int64_t now = record_shared(payoff, 0, 1, 18, 278);
  now = record_shared(payoff, now, 19, 2, 278);
  now = run_probe(payoff, now, 21, 18, 200);
  EXPECT_TRUE(payoff.run_alone(now));
}

TEST(ThreadPayoff, AProbeWhoseJobsDifferEndsWithoutAVerdict) {
  ThreadPayoff payoff(read_fake_cpu_time);
  std::int64_t now = record_shared(payoff, 0, 0, kWindowJobs, 250);
  now = run_probe(payoff, now, 0, 5, 100);
  // The sixth job is not the window's: shared, and the probe ends with no pause.
  now = record_shared(payoff, now, 6, 1, 250);
  EXPECT_FALSE(payoff.run_alone(now));
  // The next probe comes after the interval.
  now = record_shared(payoff, now, 7, kWindowJobs, 250);
  EXPECT_FALSE(payoff.probes(now, step_job(0)));
}

TEST(ThreadPayoff, AProbeThatWaitsInVainEndsWithoutAVerdict) {
  ThreadPayoff payoff(read_fake_cpu_time);
  std::int64_t now = record_shared(payoff, 0, 0, kWindowJobs, 250);
  // As many jobs as the window held, none like its first (the step's job 0): the probe gives up.
  for (int i = 0; i < kWindowJobs; ++i) now = record_shared(payoff, now, 1, 1, 250);
  EXPECT_FALSE(payoff.probes(now, step_job(0)));
  // No pause, and the next full window is not probed before the interval (record_shared checks).
  now = record_shared(payoff, now, 0, kWindowJobs, 250);
  EXPECT_FALSE(payoff.run_alone(now));
  EXPECT_FALSE(payoff.probes(now, step_job(0)));
}

TEST(ThreadPayoff, AProbeLeavesOutGapsOverAMillisecond) {
  // The window holds an epoch's end (a 3 ms gap between two jobs), the probe does not: with the
  // gap, the shared jobs would seem to take 1.5 x the probe's; without, they pay.
  ThreadPayoff payoff(read_fake_cpu_time);
  std::int64_t now = record_shared(payoff, 0, 0, kWindowJobs / 2, 250);
  fake_cpu_time += 3 * kMs;
  now = record_shared(payoff, now + 3 * kMs, kWindowJobs / 2, kWindowJobs / 2, 250);
  now = run_probe(payoff, now, kWindowJobs, kWindowJobs, 260);
  EXPECT_FALSE(payoff.run_alone(now));
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

// The global pool with two threads for one test (restored after it), and the time since the
// test started.
class TwoThreadPool : public ::testing::Test {
 protected:
  void SetUp() override { pool.resize(2); }
  void TearDown() override { pool.resize(threads); }
  std::chrono::steady_clock::duration elapsed() const {
    return std::chrono::steady_clock::now() - start;
  }

  ThreadPool& pool = ThreadPool::global();
  const int threads = pool.size();
  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

TEST_F(TwoThreadPool, RunsJobsAloneWhileAWorkerStallsAndSharesThemAgainLater) {
  // Shared, each job waits 2 ms for the stalled worker's chunk, against 160 us alone: after a
  // window of them, the pool runs the jobs on the caller alone, for at least the first pause
  // (100 ms).
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
}

std::int64_t nanoseconds_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Runs `jobs` jobs of 8 chunks of 20 us of work each on `pool`. With `contend` set, a thread
// makes a third of its pace while a worker has run a chunk in the last 60 us (as two threads on
// one core's pipes can, a worker that spins between jobs included: together two thirds of one
// thread alone), its full pace otherwise.
void run_contended_jobs(ThreadPool& pool, int jobs, bool contend) {
  static std::atomic<std::int64_t> worker_seen{0};  // when a worker last ran a chunk
  const std::thread::id caller = std::this_thread::get_id();
  auto chunk = [&](int) {
    const bool on_worker = std::this_thread::get_id() != caller;
    for (double work = 20.0; work > 0.0;) {
      busy_wait(std::chrono::microseconds(1));
      const std::int64_t now = nanoseconds_now();
      if (on_worker) worker_seen.store(now);
      work -= contend && now - worker_seen.load() < 60'000 ? 1.0 / 3.0 : 1.0;
    }
  };
  for (int job = 0; job < jobs; ++job) pool.run(8, chunk);
}

TEST_F(TwoThreadPool, RunsJobsAloneWhileTwoThreadsSlowEachOtherAndSharesThemAgainLater) {
  // Shared, a job takes about 240 us against 160 alone. By the caller's pace while sharing (60 us
  // a chunk), alone would take 480 us: only a probe, run alone, shows that sharing loses (the
  // estimate alone keeps sharing, shown by disabling the probes).
  while (pool.threads_now() != 1 && elapsed() < std::chrono::seconds(2))
    run_contended_jobs(pool, 1, true);
  ASSERT_EQ(pool.threads_now(), 1) << "still sharing after 2 s";
  // The threads no longer slow each other: after the pause, the pool shares again.
  const ThreadPool::JobCounts paused = pool.job_counts();
  while (pool.job_counts().shared == paused.shared && elapsed() < std::chrono::seconds(7))
    run_contended_jobs(pool, 1, false);
  EXPECT_GT(pool.job_counts().shared, paused.shared);
  EXPECT_EQ(pool.threads_now(), 2);
}

}  // namespace
