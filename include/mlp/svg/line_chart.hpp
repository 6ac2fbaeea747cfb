// A line chart: one <path> per series on linear or logarithmic axes, a title, axis titles and a
// legend above the plot. Long series are thinned for drawing (svg_downsample.hpp), so a chart of
// 100,000 points stays a small file.
//
//   mlp::svg::LineChart chart;
//   chart.title = "Error curve";
//   chart.x_label = "epoch";
//   chart.y_label = "loss";
//   chart.series.push_back({"training", epochs, loss});
//   chart.series.push_back({"validation", epochs, val_loss});
//   std::string svg = chart.svg(640, 400);
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlp/svg/document.hpp"

namespace mlp::svg {

struct LineStyle {
  std::string color;  // e.g. "#0072b2"
  std::string dash;   // stroke-dasharray; empty: solid
  double width = 2.25;
};

struct Series {
  std::string name;  // the legend's label
  std::vector<double> x, y;
  std::optional<LineStyle> style;  // default: category colour and dash of the series' index
};

// A point drawn as a marker and named in the legend (e.g. "maximum slope at z = 0").
struct PointMark {
  double x = 0, y = 0;
  std::string label;
  std::string color = "#d55e00";
};

// A dotted vertical line across the plot, named in the legend (e.g. "best epoch").
struct VerticalLine {
  double x = 0;
  std::string label;
};

class LineChart {
 public:
  std::string title, subtitle, x_label, y_label;
  std::vector<Series> series;
  std::vector<PointMark> points;
  std::vector<VerticalLine> vertical_lines;
  bool log_y = false;  // non-positive values are left out (gaps)
  // Fixed axis ranges, used exactly; by default the data's range widened to nice ticks.
  std::optional<std::pair<double, double>> x_range, y_range;
  bool legend = true;  // drawn when there are at least two entries, or one point or line mark
  double min_legend_height = 0;  // room kept for the legend, to line up charts side by side
  double min_plot_left = 0;  // the plot's left edge at least at this x, to line up stacked charts

  // Draws the chart into `area` of `doc` and returns the plot's box (inside the axes). Series
  // without a finite value are left out.
  Box draw(Document& doc, const Box& area) const;
  // The chart as a standalone SVG document.
  std::string svg(double width = 640, double height = 400) const;
};

}  // namespace mlp::svg
