// Charts of training as SVG documents: the error curve of a History (the chapter's Charts 2 and
// 3) and the activation functions (its Chart 1).
//
//   mlp::History h = net.fit(X, y, options);
//   mlp::write_file_atomically("curve.svg", mlp::history_chart(h, {}));
//   mlp::write_file_atomically("act.svg", mlp::activation_chart());
#pragma once

#include <string>
#include <vector>

#include "mlp/nn/fit.hpp"

namespace mlp {

struct HistoryChartOptions {
  std::string title = "Error curve";
  std::string subtitle;
  std::string x_label = "epoch";
  std::string loss_label = "loss";  // e.g. "error (sse)"
  bool log_loss = false;            // loss on a logarithmic axis
  // The x of each entry; empty: first_x, first_x + 1, ... (the chapter counts iterations from 0,
  // History epochs from 1).
  std::vector<double> x;
  double first_x = 1;
  bool mark_best_epoch = true;  // a dotted line at History::best_epoch when it is not the last
  double width = 640;
};

// The loss of training and validation per epoch and, below it when the history has any, their
// accuracy in percent: one path per series, a legend, the best epoch marked when training kept
// an earlier one. Histories of any length give a small file (the lines are thinned for drawing).
// Throws InvalidArgument when options.x is given with a length other than the history's.
std::string history_chart(const History& history, const HistoryChartOptions& options = {});

// The chapter's Chart 1 and its alternatives, side by side over z in [-5, 5]: the sigmoid with
// its tangent at z = 0 (where its slope is largest, 1/4), tanh with its tangent (slope 1), and
// ReLU. The curves are computed with the library's own activation functions.
std::string activation_chart();

}  // namespace mlp
