#include "shared/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <string>

#include "shared/interrupt.hpp"

namespace mlp::cli {

namespace {

std::string clock_text(double seconds) {
  const auto total = static_cast<long>(std::lround(seconds));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%02ld:%02ld", total / 60, total % 60);
  }
  return text;
}

std::string metrics_text(const EpochLog& log) {
  std::string text;
  char part[64];
  std::snprintf(part, sizeof part, "loss %.4f", log.loss);
  text += part;
  if (!std::isnan(log.val_loss)) {
    std::snprintf(part, sizeof part, "  val_loss %.4f", log.val_loss);
    text += part;
  }
  if (!std::isnan(log.accuracy)) {
    std::snprintf(part, sizeof part, "  accuracy %.2f%%", 100 * log.accuracy);
    text += part;
  }
  if (!std::isnan(log.val_accuracy)) {
    std::snprintf(part, sizeof part, "  val_accuracy %.2f%%", 100 * log.val_accuracy);
    text += part;
  }
  return text;
}

}  // namespace

TrainingProgress::TrainingProgress(int epochs, bool quiet, std::FILE* out)
    : epochs_(epochs), quiet_(quiet), terminal_(::isatty(::fileno(out)) != 0), out_(out) {}

double TrainingProgress::seconds_since_start() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

void TrainingProgress::draw(double epoch_fraction) {
  const int width = 24;
  const int filled = static_cast<int>(epoch_fraction * width);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  const double elapsed = seconds_since_start();
  const double done = (epoch_ - 1 + epoch_fraction) / epochs_;
  const double left = done > 0 ? elapsed / done * (1 - done) : 0.0;
  std::fprintf(out_, "\r\x1b[Kepoch %d/%d [%s] %3d%%  %s  %s elapsed, %s left", epoch_, epochs_,
               bar.c_str(), static_cast<int>(100 * epoch_fraction),
               last_.epoch > 0 ? metrics_text(last_).c_str() : "", clock_text(elapsed).c_str(),
               clock_text(left).c_str());
  std::fflush(out_);
  drawn_ = true;
}

bool TrainingProgress::on_batch(Index samples_done, Index samples_total) {
  if (!quiet_ && terminal_ && Clock::now() - last_draw_ > std::chrono::milliseconds(100)) {
    last_draw_ = Clock::now();
    draw(static_cast<double>(samples_done) / static_cast<double>(samples_total));
  }
  return !interrupt_requested();
}

bool TrainingProgress::on_epoch(const EpochLog& log) {
  last_ = log;
  epoch_ = log.epoch + 1;
  if (!quiet_) {
    if (terminal_) {
      epoch_ = log.epoch;
      draw(1.0);
      epoch_ = log.epoch + 1;
    } else {
      const int every = epochs_ <= 50 ? 1 : (epochs_ + 49) / 50;
      if (log.epoch == 1 || log.epoch % every == 0 || log.epoch == epochs_) {
        std::fprintf(out_, "epoch %d/%d  %s  %.1fs\n", log.epoch, epochs_,
                     metrics_text(log).c_str(), seconds_since_start());
        std::fflush(out_);
      }
    }
  }
  return !interrupt_requested();
}

void TrainingProgress::finish() {
  if (drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
}

}  // namespace mlp::cli
