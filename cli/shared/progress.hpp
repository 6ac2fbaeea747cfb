// Training progress for a person. On a terminal: one line redrawn in place, never wider than the
// terminal (COLUMNS, else the terminal's width, else 80), with the epoch, a bar for the current
// epoch, the last losses and accuracy, samples per second, elapsed and remaining time; it is
// redrawn within an epoch (at most 10 times a second), and the parts that do not fit are left
// out, the least useful first. In a log (not a terminal): one plain line per epoch, or every few
// epochs for long runs. A regression trained with mse on a standardised target shows its RMSE
// in the target's units first and the standardised loss after it.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "mlp/nn/fit.hpp"

namespace mlp::cli {

class TrainingProgress {
 public:
  TrainingProgress(int epochs, bool quiet, std::FILE* out = stdout);

  // The losses are the mse of a target standardised by `target_scale`: show
  // target_scale * sqrt(mse), the RMSE in the target's units, first.
  void show_rmse(double target_scale);
  // For FitOptions::on_batch_end: redraws the line (at most 10 times a second). Returns false
  // once Ctrl-C was pressed.
  bool on_batch(Index samples_done, Index samples_total);
  // For FitOptions::on_epoch_end. Returns false once Ctrl-C was pressed.
  bool on_epoch(const EpochLog& log);
  // Ends the redrawn line.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  // A part of the line; parts of a higher `drop_order` are left out first when the line is too
  // wide.
  struct Part {
    std::string text;
    int drop_order;
  };
  std::vector<Part> metric_parts(const EpochLog& log) const;
  std::string metrics_line(const EpochLog& log) const;
  void draw(double epoch_fraction);
  double seconds_since_start() const;

  int epochs_;
  bool quiet_;
  bool terminal_;
  std::FILE* out_;
  double rmse_scale_ = 0.0;  // > 0: show the RMSE in the target's units
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_ = Clock::now() - std::chrono::seconds(1);
  int epoch_ = 1;  // the epoch in progress
  Index samples_per_epoch_ = 0;
  EpochLog last_;
  bool drawn_ = false;
};

// The terminal's width for a line written to `out`: COLUMNS when it is a number, else the
// terminal's (ioctl TIOCGWINSZ), else 80.
int terminal_columns(std::FILE* out);

}  // namespace mlp::cli
