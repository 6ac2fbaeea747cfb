// Internal to the library: whether the thread pool's workers pay for themselves (thread_pool.hpp).
//
// A second thread pays only when its core is free. When another process holds that core, the OS
// deschedules the worker for milliseconds at a time, and every fork-join waits for the chunk it
// holds: on a 2-core machine with the other core busy, a 2-thread MNIST epoch took 1.5 x the time
// of one thread (docs/performance.md). So the pool judges the jobs it shares with its workers in
// windows of about 5 ms:
//
//   took  = their wall time,
//   alone = what the calling thread alone would have taken: its time per chunk (its own chunks
//           in those jobs) times all their chunks, scaled by the share of the window's wall time
//           it was on a core. Shared, the caller is one of three threads on two cores and loses
//           some of its time to the other process; alone, it would not, as the worker sleeps.
//
// A job that waited for a worker over a millisecond, and longer than the caller worked, is judged
// at once (a descheduled worker), without waiting for the window to fill.
//
// When took > alone, the workers cost more than they gave, and the caller runs every chunk itself
// for a pause (100 ms at first, twice as long after each verdict that confirms it, up to 1.6 s;
// half as long after a verdict that does not), then shares the jobs again for another window and
// judges again. A busy core so costs a small share of the time (one window per pause), and a core
// that frees up is back in use within the current pause. Which thread runs a chunk never changes
// its result (thread_pool.hpp), so none of this changes any bits.
//
// Only the thread that holds the pool's job lock calls it, so it needs no atomics. Times are
// nanoseconds, wall time on one steady clock, CPU time on the calling thread's clock, which the
// payoff reads once at each window's start and end (reading it costs a system call).
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>

namespace mlp::detail {

class ThreadPayoff {
 public:
  static constexpr std::int64_t kWindow = 5'000'000;
  static constexpr std::int64_t kFirstPause = 100'000'000;
  static constexpr std::int64_t kLongestPause = 1'600'000'000;
  static constexpr std::int64_t kStall = 1'000'000;

  // `thread_cpu_time` reads the calling thread's CPU time.
  explicit ThreadPayoff(std::int64_t (*thread_cpu_time)()) : thread_cpu_time_(thread_cpu_time) {}

  // Whether a job that starts at `now` should run on the calling thread alone.
  bool run_alone(std::int64_t now) const { return now < alone_until_; }
  // When the current pause ends (a time in the past when there is none).
  std::int64_t alone_until() const { return alone_until_; }

  // A shared job starts at `now` (the first of a window, or of another calling thread, reads
  // the caller's CPU clock).
  void job_starts(std::int64_t now) {
    if (took_ == 0 || caller_ != std::this_thread::get_id()) start_window(now);
  }

  // The job that started at `now` took `took`, and the caller spent `own` of it running `mine`
  // of its `chunks` chunks.
  void record(std::int64_t now, std::int64_t took, std::int64_t own, int mine, int chunks) {
    const std::int64_t end = now + took;
    // Waiting for the workers longer than the caller worked, and over a millisecond: a worker
    // was descheduled (a free core's is never that late, and the chunks are claimed one at a
    // time, so a balanced job waits for less than the caller's share): judged at once.
    if (took - own > std::max(kStall, own)) return judge(end, true);
    took_ += took;
    // With none of the chunks, the caller has no time per chunk to judge by: the job is even.
    own_ += mine > 0 ? own * chunks / mine : took;
    if (took_ < kWindow) return;
    const double on_core =
        std::min(1.0, static_cast<double>(thread_cpu_time_() - window_cpu_) /
                          static_cast<double>(std::max<std::int64_t>(1, end - window_start_)));
    judge(end, static_cast<double>(took_) > on_core * static_cast<double>(own_));
  }

 private:
  // The verdict at `end`: whether sharing cost more than it gave.
  void judge(std::int64_t end, bool sharing_lost) {
    if (sharing_lost) {
      alone_until_ = end + pause_;
      pause_ = std::min(2 * pause_, kLongestPause);
    } else {
      pause_ = std::max(pause_ / 2, kFirstPause);
    }
    took_ = 0;
  }

  void start_window(std::int64_t now) {
    caller_ = std::this_thread::get_id();
    window_start_ = now;
    window_cpu_ = thread_cpu_time_();
    took_ = 0;
    own_ = 0;
  }

  std::int64_t (*thread_cpu_time_)();
  std::thread::id caller_;         // whose CPU time the window measures
  std::int64_t window_start_ = 0;  // wall time
  std::int64_t window_cpu_ = 0;    // the caller's CPU time then
  std::int64_t took_ = 0;          // of the shared jobs in the window
  std::int64_t own_ = 0;           // the caller's wall time for all their chunks, by its pace
  std::int64_t pause_ = kFirstPause;
  std::int64_t alone_until_ = 0;
};

}  // namespace mlp::detail
