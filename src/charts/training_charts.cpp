#include "mlp/charts/training_charts.hpp"

#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/svg/document.hpp"
#include "mlp/svg/line_chart.hpp"
#include "mlp/svg/palette.hpp"

namespace mlp {

namespace {

bool any_finite(const std::vector<double>& v) {
  for (double x : v)
    if (std::isfinite(x)) return true;
  return false;
}

// v padded with NaN (or cut) to n entries, times `factor`.
std::vector<double> fitted(const std::vector<double>& v, std::size_t n, double factor = 1) {
  std::vector<double> out(n, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < n && i < v.size(); ++i) out[i] = v[i] * factor;
  return out;
}

svg::LineStyle train_style() {
  return {svg::category_color(0).hex(), "", 2.25};
}
svg::LineStyle validation_style() {
  return {svg::category_color(1).hex(), "7 4", 2.25};
}

}  // namespace

std::string history_chart(const History& history, const HistoryChartOptions& options) {
  const std::size_t n = history.loss.size();
  if (!options.x.empty() && options.x.size() != n)
    throw InvalidArgument("history chart: " + std::to_string(options.x.size()) + " x values for " +
                          std::to_string(n) + " epochs");
  std::vector<double> x = options.x;
  if (x.empty())
    for (std::size_t i = 0; i < n; ++i) x.push_back(options.first_x + static_cast<double>(i));

  const bool accuracy = any_finite(history.accuracy) || any_finite(history.val_accuracy);
  const double loss_height = 380, accuracy_height = 270;
  const double height = accuracy ? loss_height + accuracy_height : loss_height;
  svg::Document doc(options.width, height, options.title);

  std::vector<svg::VerticalLine> best;
  if (options.mark_best_epoch && history.best_epoch >= 1 &&
      static_cast<std::size_t>(history.best_epoch) < n)
    best.push_back({x[static_cast<std::size_t>(history.best_epoch) - 1],
                    "kept epoch " + std::to_string(history.best_epoch)});

  svg::LineChart loss;
  loss.title = options.title;
  loss.subtitle = options.subtitle;
  loss.x_label = options.x_label;
  loss.y_label = options.loss_label + (options.log_loss ? " (log scale)" : "");
  loss.log_y = options.log_loss;
  loss.vertical_lines = best;
  loss.series.push_back({"training", x, fitted(history.loss, n), train_style()});
  if (any_finite(history.val_loss))
    loss.series.push_back({"validation", x, fitted(history.val_loss, n), validation_style()});
  if (n == 0) loss.subtitle += (loss.subtitle.empty() ? "" : " ") + std::string("(no epochs)");
  const svg::Box loss_area{0, 0, options.width, loss_height};
  const svg::Box accuracy_area{0, loss_height, options.width, accuracy_height};

  svg::LineChart acc;
  if (accuracy) {
    acc.title = "Accuracy";
    acc.x_label = options.x_label;
    acc.y_label = "accuracy (%)";
    acc.y_range = {{0.0, 100.0}};
    acc.vertical_lines = best;
    acc.legend = false;  // same lines as the loss panel's legend
    if (any_finite(history.accuracy))
      acc.series.push_back({"training", x, fitted(history.accuracy, n, 100), train_style()});
    if (any_finite(history.val_accuracy))
      acc.series.push_back(
          {"validation", x, fitted(history.val_accuracy, n, 100), validation_style()});
    // Line up the two plots: both start where the wider y labels need.
    svg::Document scratch(options.width, height, options.title);
    const double left =
        std::max(loss.draw(scratch, loss_area).x, acc.draw(scratch, accuracy_area).x);
    loss.min_plot_left = acc.min_plot_left = left;
  }
  loss.draw(doc, loss_area);
  if (accuracy) acc.draw(doc, accuracy_area);
  return doc.str();
}

std::string activation_chart() {
  constexpr double panel_w = 380, panel_h = 400, head_h = 0;
  svg::Document doc(3 * panel_w, panel_h + head_h,
                    "Chart 1: activation functions (sigmoid with its tangent at 0, tanh, ReLU)");
  const int steps = 200;
  std::vector<double> z(steps + 1);
  for (int i = 0; i <= steps; ++i) z[static_cast<std::size_t>(i)] = -5.0 + 10.0 * i / steps;
  auto apply = [&](Activation f) {
    Matrix<double> Z(1, steps + 1);
    for (int i = 0; i <= steps; ++i) Z(0, i) = z[static_cast<std::size_t>(i)];
    Matrix<double> A(1, steps + 1);
    activate<double>(f, Z, A);
    return std::vector<double>(A.data(), A.data() + A.size());
  };
  auto line = [&](double a0, double slope) {
    std::vector<double> y;
    for (double v : z) y.push_back(a0 + slope * v);
    return y;
  };
  // Names and formulas from the activations' table.
  auto label = [](Activation f) { return std::string(activation_info(f).label); };
  auto title = [&](Activation f) {
    return label(f) + ": a = " + std::string(activation_info(f).formula);
  };
  const svg::LineStyle curve{svg::category_color(0).hex(), "", 2.75};
  const svg::LineStyle tangent{svg::category_color(1).hex(), "7 4", 2};

  // A panel of z from -5 to 5 against a: the activation's curve, and the same room for every
  // legend, so that the three plots line up.
  auto panel = [&](Activation f, double a_lo, double a_hi) {
    svg::LineChart chart;
    chart.title = title(f);
    // Moved from strings, not assigned from "z": there g++ 12 -O3 warns of a false overlap.
    chart.x_label = std::string("z");
    chart.y_label = std::string("a");
    chart.x_range = {{-5.0, 5.0}};
    chart.y_range = {{a_lo, a_hi}};
    chart.series.push_back({label(f), z, apply(f), curve});
    chart.min_legend_height = 48;
    return chart;
  };
  svg::LineChart sigmoid = panel(Activation::sigmoid, -0.1, 1.1);
  sigmoid.series.push_back({"tangent at 0, slope 1/4", z, line(0.5, 0.25), tangent});
  sigmoid.points.push_back({0.0, 0.5, "z = 0, a = 0.5"});
  svg::LineChart tanh = panel(Activation::tanh, -1.2, 1.2);
  tanh.series.push_back({"tangent at 0, slope 1", z, line(0.0, 1.0), tangent});
  tanh.points.push_back({0.0, 0.0, "z = 0, a = 0"});
  svg::LineChart relu = panel(Activation::relu, -0.5, 5.0);
  relu.points.push_back({0.0, 0.0, "kink at z = 0"});
  sigmoid.draw(doc, {0, head_h, panel_w, panel_h});
  tanh.draw(doc, {panel_w, head_h, panel_w, panel_h});
  relu.draw(doc, {2 * panel_w, head_h, panel_w, panel_h});
  return doc.str();
}

}  // namespace mlp
