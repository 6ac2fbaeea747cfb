#include "shared/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "shared/interrupt.hpp"
#include "shared/metrics_text.hpp"

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

// "840 samples/s", "12.3k samples/s", "1.2M samples/s".
std::string rate_text(double per_second) {
  char text[32];
  if (per_second >= 1e6)
    std::snprintf(text, sizeof text, "%.1fM samples/s", per_second / 1e6);
  else if (per_second >= 1e4)
    std::snprintf(text, sizeof text, "%.1fk samples/s", per_second / 1e3);
  else
    std::snprintf(text, sizeof text, "%.0f samples/s", per_second);
  return text;
}

// The parts joined by two spaces, the parts of the highest drop order (the last of them first)
// left out until the line has at most `width` characters; cut at `width` if even the parts that
// are never left out (drop order 0) are wider.
template <class Part>
std::string fit_parts(std::vector<Part> parts, std::size_t width) {
  auto joined = [&parts] {
    std::string line;
    for (const Part& p : parts) line += (line.empty() ? "" : "  ") + p.text;
    return line;
  };
  std::string line = joined();
  while (line.size() > width) {
    auto drop = std::max_element(parts.rbegin(), parts.rend(), [](const Part& a, const Part& b) {
      return a.drop_order < b.drop_order;
    });
    if (drop == parts.rend() || drop->drop_order == 0) break;
    parts.erase(std::next(drop).base());
    line = joined();
  }
  if (line.size() > width) line.resize(width);
  return line;
}

}  // namespace

int terminal_columns(std::FILE* out) {
  if (const char* columns = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const long value = std::strtol(columns, &end, 10);
    if (end != columns && *end == '\0' && value > 0 && value < 10000)
      return static_cast<int>(value);
  }
  winsize size{};
  if (::ioctl(::fileno(out), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

TrainingProgress::TrainingProgress(int epochs, bool quiet, std::FILE* out)
    : epochs_(epochs), quiet_(quiet), terminal_(::isatty(::fileno(out)) != 0), out_(out) {}

void TrainingProgress::show_rmse(double target_scale) {
  rmse_scale_ = target_scale;
}

double TrainingProgress::seconds_since_start() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

// The losses and accuracies of an epoch. A regression's RMSE in the target's units is
// target_scale * sqrt(mse of the standardised target), with the training loss's L2 penalty taken
// out; the standardised losses follow it (the training one with its penalty, as the optimizer
// sees it), left out first.
std::vector<TrainingProgress::Part> TrainingProgress::metric_parts(const EpochLog& log) const {
  std::vector<Part> parts;
  const bool validation = !std::isnan(log.val_loss);
  if (rmse_scale_ > 0) {
    parts.push_back(
        {"rmse " + number_text(rmse_scale_ * std::sqrt(std::max(0.0, log.loss - log.l2_penalty))),
         1});
    if (validation)
      parts.push_back({"val_rmse " + number_text(rmse_scale_ * std::sqrt(log.val_loss)), 2});
    parts.push_back({"loss " + number_text(log.loss), 7});
    if (validation) parts.push_back({"val_loss " + number_text(log.val_loss), 7});
    return parts;
  }
  parts.push_back({"loss " + number_text(log.loss), 1});
  if (validation) parts.push_back({"val_loss " + number_text(log.val_loss), 2});
  if (!std::isnan(log.accuracy)) parts.push_back({"accuracy " + percent_text(log.accuracy), 4});
  if (!std::isnan(log.val_accuracy))
    parts.push_back({"val_accuracy " + percent_text(log.val_accuracy), 3});
  return parts;
}

std::string TrainingProgress::metrics_line(const EpochLog& log) const {
  std::string line;
  for (const Part& p : metric_parts(log)) line += (line.empty() ? "" : "  ") + p.text;
  return line;
}

void TrainingProgress::draw(double epoch_fraction) {
  const int bar_width = 20;
  const int filled = static_cast<int>(epoch_fraction * bar_width);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < bar_width) bar += '>';
  bar.resize(bar_width, ' ');
  const double elapsed = seconds_since_start();
  const double done = (epoch_ - 1 + epoch_fraction) / epochs_;
  const double left = done > 0 ? elapsed / done * (1 - done) : 0.0;
  const double samples = static_cast<double>(samples_per_epoch_) * (epoch_ - 1 + epoch_fraction);

  std::vector<Part> parts{{"epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_), 0},
                          {"[" + bar + "]", 6},
                          {std::to_string(static_cast<int>(100 * epoch_fraction)) + "%", 4}};
  if (last_.epoch > 0)
    for (Part& p : metric_parts(last_)) parts.push_back(std::move(p));
  if (elapsed > 0 && samples > 0) parts.push_back({rate_text(samples / elapsed), 5});
  parts.push_back({clock_text(elapsed) + " elapsed", 8});
  parts.push_back({clock_text(left) + " left", 3});
  // One column less than the terminal's: a line that fills the last column wraps on some terminals.
  const auto width = static_cast<std::size_t>(std::max(terminal_columns(out_) - 1, 10));
  std::fprintf(out_, "\r\x1b[K%s", fit_parts(std::move(parts), width).c_str());
  std::fflush(out_);
  drawn_ = true;
}

bool TrainingProgress::on_batch(Index samples_done, Index samples_total) {
  samples_per_epoch_ = samples_total;
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
                     metrics_line(log).c_str(), seconds_since_start());
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
