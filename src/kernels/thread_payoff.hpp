// Internal to the library: whether the thread pool's workers pay for themselves (thread_pool.hpp).
//
// A second thread pays only when it gets a core's pace of its own. Two ways it does not:
//   - another process holds its core: the OS deschedules the worker for milliseconds at a time,
//     and every fork-join waits for the chunk it holds (on a 2-core machine with the other core
//     busy, a 2-thread MNIST epoch took 1.5 x the time of one thread, docs/performance.md);
//   - the two threads share one core's pipes (SMT siblings, or a VM whose host puts both virtual
//     CPUs on one core): each runs at half pace or less, and the spinning worker slows the
//     caller's own work between jobs too (a 2-thread epoch took 1.2 x one thread's on such a VM).
// So the pool judges the jobs it shares with its workers in windows of about 5 ms:
//
//   took  = their wall time,
//   alone = what the calling thread alone would have taken: its time per chunk (its own chunks
//           in those jobs) times all their chunks, scaled by the share of the window's wall time
//           it was on a core. Shared, the caller is one of three threads on two cores and loses
//           some of its time to the other process; alone, it would not, as the worker sleeps.
//
// A job that waited for a worker over a millisecond, and longer than the caller worked, stalled
// (a descheduled worker). The second stall in a window is judged at once, without waiting for the
// window to fill; one alone is left out of the window: a VM's workers stall for a millisecond now
// and then with the second core free, and a pause for it cost 20 times what the stall did.
//
// That estimate cannot see the second way: the caller's pace while sharing is slowed as much as
// the worker's. So now and then a window the estimate judged good is checked by a probe: its jobs
// again, from the next job like its first (the same call site and chunks, `JobKey`), run on the
// caller alone while the work is still cut for all the threads. A training step repeats the same
// jobs, so job by job the two hold the same work: the probe compares the sums of the jobs' times
// and of the gaps before them (the caller's own work between jobs, which a spinning worker on the
// same core slows too; gaps over kLongestGap, an epoch's end, say, are left out), and ends without
// a verdict at the first job that differs. Sharing lost when the probe's sum is shorter by more
// than kProbeMargin. Probes come at the first full window, then at intervals that double while
// they confirm sharing (kFirstProbeInterval up to kLongestProbeInterval); after one that found
// sharing lost, the first window after the pause is probed again.
//
// When sharing lost, the workers cost more than they gave, and the caller runs every chunk itself
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
#include <array>
#include <cstdint>
#include <thread>

namespace mlp::detail {

// Which job this is, for lining a probe up with the window it checks: the function the pool
// runs, the caller's context (a lambda on the caller's stack: one address per call site and
// depth) and the number of chunks.
struct JobKey {
  std::uintptr_t function = 0;
  std::uintptr_t context = 0;
  int chunks = 0;
  friend bool operator==(const JobKey&, const JobKey&) = default;
};

class ThreadPayoff {
 public:
  static constexpr std::int64_t kWindow = 5'000'000;
  static constexpr std::int64_t kFirstPause = 100'000'000;
  static constexpr std::int64_t kLongestPause = 1'600'000'000;
  static constexpr std::int64_t kStall = 1'000'000;
  static constexpr std::int64_t kFirstProbeInterval = 200'000'000;
  static constexpr std::int64_t kLongestProbeInterval = 3'200'000'000;
  // Sharing lost when the probe's sum times 1 + kProbeMargin is under the window's.
  static constexpr double kProbeMargin = 0.05;
  // Windows of fewer jobs are not probed: one job of a kind more or less, from where the window
  // starts in a step, would outweigh the margin.
  static constexpr int kProbeMinJobs = 16;
  // A probe checks at most the window's first kProbeJobs jobs.
  static constexpr int kProbeJobs = 512;
  static constexpr std::int64_t kLongestGap = 1'000'000;

  // `thread_cpu_time` reads the calling thread's CPU time.
  explicit ThreadPayoff(std::int64_t (*thread_cpu_time)()) : thread_cpu_time_(thread_cpu_time) {}

  // Whether a job that starts at `now` falls in a pause, to run on the calling thread alone.
  bool run_alone(std::int64_t now) const { return now < alone_until_; }
  // When the current pause ends (a time in the past when there is none).
  std::int64_t alone_until() const { return alone_until_; }

  // Whether the job `key`, starting at `now` outside a pause, is one of a probe's, to run on the
  // calling thread alone and report with probe_job_ends. A probe waits for a job like its
  // window's first for as many jobs as the window held, then gives up.
  bool probes(std::int64_t now, const JobKey& key) {
    if (probe_jobs_ == 0) return false;
    if (!(key == window_log_[probe_done_].key)) {
      // Before its first job, the probe waits; after, the jobs differ from the window's.
      if (probe_done_ > 0 || --probe_wait_left_ == 0) end_probe_without_verdict(now);
      return false;
    }
    probe_job_start_ = now;
    return true;
  }

  // The probe's job that probes() let start ended at `end`; after its last, the verdict.
  void probe_job_ends(std::int64_t end) {
    add_pair(window_log_[probe_done_], end - probe_job_start_, probe_job_start_ - probe_last_end_);
    probe_last_end_ = end;
    if (++probe_done_ < probe_jobs_) return;
    const bool sharing_lost = static_cast<double>(probe_alone_) * (1.0 + kProbeMargin) <
                              static_cast<double>(probe_shared_);
    if (sharing_lost) {
      probe_interval_ = kFirstProbeInterval;
      next_probe_ = end;  // the first window after the pause
    } else {
      next_probe_ = end + probe_interval_;
      probe_interval_ = std::min(2 * probe_interval_, kLongestProbeInterval);
    }
    judge(end, sharing_lost);
  }

  // A shared job `key` starts at `now` (the first of a window, or of another calling thread,
  // reads the caller's CPU clock).
  void job_starts(std::int64_t now, const JobKey& key) {
    if ((took_ == 0 && stalls_ == 0) || caller_ != std::this_thread::get_id()) start_window(now);
    job_key_ = key;
  }

  // The shared job that started at `now` took `took`, and the caller spent `own` of it running
  // `mine` of its `chunks` chunks.
  void record(std::int64_t now, std::int64_t took, std::int64_t own, int mine, int chunks) {
    const std::int64_t end = now + took;
    const std::int64_t gap = jobs_ == 0 ? 0 : now - last_end_;
    last_end_ = end;
    // Waiting for the workers longer than the caller worked, and over a millisecond: a worker
    // was descheduled (a free core's is never that late, and the chunks are claimed one at a
    // time, so a balanced job waits for less than the caller's share).
    if (took - own > std::max(kStall, own)) {
      if (++stalls_ == 2) return judge(end, true);
      return;
    }
    // While a probe waits for its first job, the log is its window's.
    if (jobs_ < kProbeJobs && probe_jobs_ == 0)
      window_log_[static_cast<std::size_t>(jobs_)] = {job_key_, took, gap};
    ++jobs_;
    took_ += took;
    // With none of the chunks, the caller has no time per chunk to judge by: the job is even.
    own_ += mine > 0 ? own * chunks / mine : took;
    if (took_ < kWindow) return;
    const double on_core =
        std::min(1.0, static_cast<double>(thread_cpu_time_() - window_cpu_) /
                          static_cast<double>(std::max<std::int64_t>(1, end - window_start_)));
    const bool sharing_lost = static_cast<double>(took_) > on_core * static_cast<double>(own_);
    if (!sharing_lost && end >= next_probe_ && jobs_ >= kProbeMinJobs && stalls_ == 0 &&
        probe_jobs_ == 0)
      return start_probe();
    judge(end, sharing_lost);
  }

 private:
  // A job of a window: its key, its wall time, and the gap since the previous one's end.
  struct LoggedJob {
    JobKey key;
    std::int64_t took = 0;
    std::int64_t gap = 0;
  };

  // The verdict at `end`: whether sharing cost more than it gave.
  void judge(std::int64_t end, bool sharing_lost) {
    if (sharing_lost) {
      alone_until_ = end + pause_;
      pause_ = std::min(2 * pause_, kLongestPause);
    } else {
      pause_ = std::max(pause_ / 2, kFirstPause);
    }
    took_ = 0;
    stalls_ = 0;
    probe_jobs_ = 0;  // a probe still waiting for its first job is moot
  }

  // The window that ended seemed good: its logged jobs again, alone, decide.
  void start_probe() {
    probe_jobs_ = std::min(jobs_, kProbeJobs);
    probe_wait_left_ = jobs_;
    probe_done_ = 0;
    probe_alone_ = 0;
    probe_shared_ = 0;
    took_ = 0;
  }

  // The jobs differ from the window's: no verdict; the next probe after the current interval. The
  // shared jobs run while the probe waited were not logged: a new window starts.
  void end_probe_without_verdict(std::int64_t now) {
    probe_jobs_ = 0;
    next_probe_ = now + probe_interval_;
    took_ = 0;
    stalls_ = 0;
  }

  // One job of the window and the probe's job in its place, which took `took` after a gap `gap`.
  void add_pair(const LoggedJob& shared, std::int64_t took, std::int64_t gap) {
    probe_shared_ += shared.took;
    probe_alone_ += took;
    if (probe_done_ > 0 && std::max(shared.gap, gap) <= kLongestGap) {
      probe_shared_ += shared.gap;
      probe_alone_ += gap;
    }
  }

  void start_window(std::int64_t now) {
    caller_ = std::this_thread::get_id();
    window_start_ = now;
    window_cpu_ = thread_cpu_time_();
    took_ = 0;
    own_ = 0;
    jobs_ = 0;
    stalls_ = 0;
  }

  std::int64_t (*thread_cpu_time_)();
  std::thread::id caller_;         // whose CPU time the window measures
  std::int64_t window_start_ = 0;  // wall time
  std::int64_t window_cpu_ = 0;    // the caller's CPU time then
  std::int64_t took_ = 0;          // of the shared jobs in the window
  std::int64_t own_ = 0;           // the caller's wall time for all their chunks, by its pace
  int jobs_ = 0;                   // in the window, but for a stalled one
  int stalls_ = 0;                 // jobs in the window that waited for a descheduled worker
  JobKey job_key_;                 // of the shared job running
  std::int64_t last_end_ = 0;      // of the window's last job
  std::array<LoggedJob, kProbeJobs> window_log_{};
  std::int64_t pause_ = kFirstPause;
  std::int64_t alone_until_ = 0;

  std::int64_t next_probe_ = 0;  // the first full window after it is probed
  std::int64_t probe_interval_ = kFirstProbeInterval;
  int probe_jobs_ = 0;       // of the window, to run again alone; 0: no probe
  int probe_wait_left_ = 0;  // jobs the probe still waits for its first
  int probe_done_ = 0;       // of them
  std::int64_t probe_job_start_ = 0;
  std::int64_t probe_last_end_ = 0;
  std::int64_t probe_alone_ = 0;   // the probe's jobs and gaps, summed
  std::int64_t probe_shared_ = 0;  // the window's in their places
};

}  // namespace mlp::detail
