// Steps that several charts share: the heading with the legend below it, the plot's box, the
// scale of a vertical colour bar, rows of cells drawn as one path per colour and the sampling of
// many points. Internal to src/svg.
#pragma once

#include <cmath>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/document.hpp"
#include "mlp/svg/legend.hpp"

namespace mlp::svg::detail {

// Draws the chart's heading at the top of `area` and the legend (at least `min_legend_height`
// tall) below it, and returns the y where the plot's room begins.
double draw_heading_and_legend(Document& doc, const Box& area, std::string_view title,
                               std::string_view subtitle, const std::vector<LegendEntry>& entries,
                               double min_legend_height = 0);

// The plot's box in the room from (left, top) to (left + width, bottom): all of it, or when
// `square` the largest square, centred. Throws InvalidArgument ("<chart>: the area is too small to
// draw in") when a side is below 40 pixels.
Box fit_plot(double left, double top, double width, double bottom, bool square,
             const std::string& chart);

// A vertical colour bar: its width, its gap from the plot, and the room it takes on the right of
// the plot with its tick labels and the title `value_label`.
inline constexpr double colour_bar_width = 16;
inline constexpr double colour_bar_gap = 22;
double colour_bar_room(const Ticks& ticks, const std::string& value_label);

// Draws the colour bar's frame over `fill` (a colour or "url(#gradient)"), the ticks of the values
// lo (at the bottom) to hi (at the top) on its right, and the title `value_label` rotated beside
// them.
void draw_colour_bar_scale(Document& doc, const Box& bar, const std::string& fill,
                           const Ticks& ticks, double lo, double hi,
                           const std::string& value_label);

// Appends the rectangle from (x0, y0) to (x1, y1) to the path data `d`, as "Mx0 y0Hx1Vy1Hx0Z".
void append_rectangle(std::string& d, double x0, double y0, double x1, double y1);

// A grid of rows x cols cells as one path per key: each run of neighbouring cells in a row with
// the same key_of(row, col) becomes one rectangle, from x_at(first col) to x_at(end col) and from
// top_of(row) to bottom_of(row), in whole pixels so that neighbouring runs share their edges
// exactly (no seams).
template <class KeyOf, class XAt, class TopOf, class BottomOf>
auto cell_runs(Index rows, Index cols, const KeyOf& key_of, const XAt& x_at, const TopOf& top_of,
               const BottomOf& bottom_of) {
  std::map<decltype(key_of(Index(0), Index(0))), std::string> paths;
  for (Index r = 0; r < rows; ++r) {
    Index c = 0;
    while (c < cols) {
      const auto key = key_of(r, c);
      Index end = c + 1;
      while (end < cols && key_of(r, end) == key) ++end;
      append_rectangle(paths[key], std::round(x_at(c)), std::round(top_of(r)),
                       std::round(x_at(end)), std::round(bottom_of(r)));
      c = end;
    }
  }
  return paths;
}

// Every how many of n points to draw so that at most `max` are drawn (max 0: all).
inline std::size_t sample_stride(std::size_t n, std::size_t max) {
  return n > max && max > 0 ? (n + max - 1) / max : 1;
}

}  // namespace mlp::svg::detail
