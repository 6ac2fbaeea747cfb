// Training progress for a person: on a terminal, one line redrawn in place with a bar for the
// current epoch, the last losses and accuracy, elapsed and remaining time; in a log (not a
// terminal), one plain line per epoch, or every few epochs for long runs.
#pragma once

#include <chrono>
#include <cstdio>

#include "mlp/nn/fit.hpp"

namespace mlp::cli {

class TrainingProgress {
 public:
  TrainingProgress(int epochs, bool quiet, std::FILE* out = stdout);

  // For FitOptions::on_batch_end: redraws the bar (at most 10 times a second). Returns false once
  // Ctrl-C was pressed.
  bool on_batch(Index samples_done, Index samples_total);
  // For FitOptions::on_epoch_end. Returns false once Ctrl-C was pressed.
  bool on_epoch(const EpochLog& log);
  // Ends the redrawn line.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  void draw(double epoch_fraction);
  double seconds_since_start() const;

  int epochs_;
  bool quiet_;
  bool terminal_;
  std::FILE* out_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_ = Clock::now() - std::chrono::seconds(1);
  int epoch_ = 1;  // the epoch in progress
  EpochLog last_;
  bool drawn_ = false;
};

}  // namespace mlp::cli
