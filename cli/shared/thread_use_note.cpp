#include "thread_use_note.hpp"

#include <cstdio>

namespace mlp::cli {

namespace {
// Below it the share says little (a few windows' verdicts), above it most of the run went alone.
constexpr double kAloneShare = 0.5;
constexpr std::uint64_t kJobs = 1000;
}  // namespace

std::string thread_use_note(int threads, const ThreadUse& during) {
  const std::uint64_t jobs = during.shared_jobs + during.alone_jobs;
  if (threads <= 1 || jobs < kJobs) return {};
  const double alone = static_cast<double>(during.alone_jobs) / static_cast<double>(jobs);
  if (alone < kAloneShare) return {};
  char line[320];
  std::snprintf(line, sizeof line,
                "threads: %.0f%% of the parallel work ran on one of the %d threads, as %s did not "
                "pay here (another process on %s, or threads sharing a physical core)",
                100.0 * alone, threads, threads == 2 ? "the second" : "the others",
                threads == 2 ? "its core" : "their cores");
  return line;
}

}  // namespace mlp::cli
