// A scatter chart: groups of points (one colour and marker shape each), optionally the line
// y = x (for predicted against true values) on axes with the same range.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "mlp/svg/document.hpp"
#include "mlp/svg/line_chart.hpp"

namespace mlp::svg {

class ScatterChart {
 public:
  std::string title, subtitle, x_label, y_label;
  std::vector<Series> groups;  // name, x, y of each group (style is not used)
  bool identity_line = false;  // draw y = x, named in the legend
  std::string identity_label = "y = x";
  bool same_ranges = false;       // x and y axes cover the same range (and the plot is square)
  std::size_t max_points = 3000;  // per group; more are drawn as an even sample of them

  void draw(Document& doc, const Box& area) const;
  std::string svg(double width = 640, double height = 520) const;
};

}  // namespace mlp::svg
