#include "mlp/svg/scatter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/legend.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"

namespace mlp::svg {

void ScatterChart::draw(Document& doc, const Box& area) const {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& g : groups) {
    if (g.x.size() != g.y.size())
      throw InvalidArgument("scatter chart group '" + g.name + "': x and y differ in length");
    for (std::size_t i = 0; i < g.x.size(); ++i) {
      if (!std::isfinite(g.x[i]) || !std::isfinite(g.y[i])) continue;
      x_lo = std::min(x_lo, g.x[i]);
      x_hi = std::max(x_hi, g.x[i]);
      y_lo = std::min(y_lo, g.y[i]);
      y_hi = std::max(y_hi, g.y[i]);
    }
  }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (same_ranges) {
    x_lo = y_lo = std::min(x_lo, y_lo);
    x_hi = y_hi = std::max(x_hi, y_hi);
  }

  std::vector<LegendEntry> entries;
  for (std::size_t k = 0; k < groups.size(); ++k) {
    LegendEntry e;
    e.kind = LegendEntry::Kind::marker;
    e.label = groups[k].name;
    e.shape = category_marker(k);
    e.color = category_color(k).hex();
    e.outline = "#000000";
    entries.push_back(e);
  }
  if (identity_line) {
    LegendEntry e;
    e.label = identity_label;
    e.color = "#333333";
    e.dash = "7 4";
    e.line_width = 1.75;
    entries.push_back(e);
  }
  if (entries.size() < 2) entries.clear();

  const double head = doc.heading(area, title, subtitle);
  const double legend_h = legend_height(entries, area.width - 20);
  draw_legend(doc, entries, {area.x + 10, area.y + head, area.width - 20, legend_h});
  const double top = area.y + head + legend_h + 8, bottom = area.bottom() - axes_bottom_margin();
  const int target = std::clamp(static_cast<int>((bottom - top) / 60), 3, 8);
  const Ticks yt = linear_ticks(y_lo, y_hi, target);
  const Ticks xt = same_ranges ? yt : linear_ticks(x_lo, x_hi, target);
  const double left = area.x + 8 + axes_left_margin(yt);
  const double avail_w = area.right() - axes_right_margin(xt) - 6 - left;
  double w = avail_w, h = bottom - top;
  if (same_ranges) w = h = std::min(w, h);
  if (w < 40 || h < 40) throw InvalidArgument("scatter chart: the area is too small to draw in");
  const Box plot{left + std::max(0.0, (avail_w - w) / 2), top, w, h};
  draw_axes(doc, plot, xt, yt, {x_label, y_label});
  const Scale xs(xt.lo, xt.hi, plot.x, plot.right()), ys(yt.lo, yt.hi, plot.bottom(), plot.y);

  const std::string clip = doc.clip_rect(plot);
  doc.open_group(Element("g").attr("class", "points").attr("clip-path", "url(#" + clip + ")"));
  if (identity_line) {
    const double lo = std::max(xt.lo, yt.lo), hi = std::min(xt.hi, yt.hi);
    doc.add(Element("path")
                .attr("class", "identity")
                .attr("d", "M" + number(xs(lo)) + " " + number(ys(lo)) + "L" + number(xs(hi)) +
                               " " + number(ys(hi)))
                .attr("stroke", "#333333")
                .attr("stroke-width", 1.75)
                .attr("stroke-dasharray", "7 4")
                .attr("fill", "none"));
  }
  for (std::size_t k = 0; k < groups.size(); ++k) {
    const auto& g = groups[k];
    const std::size_t stride =
        g.x.size() > max_points && max_points > 0 ? (g.x.size() + max_points - 1) / max_points : 1;
    const double r = g.x.size() > 300 ? 3 : 4.5;
    std::string d;
    for (std::size_t i = 0; i < g.x.size(); i += stride)
      if (std::isfinite(g.x[i]) && std::isfinite(g.y[i]))
        d += marker_path(category_marker(k), xs(g.x[i]), ys(g.y[i]), r);
    Element path("path");
    path.attr("class", "group").attr("d", d).attr("fill", category_color(k).hex());
    path.attr("fill-opacity", 0.6, 2).attr("stroke", "#000000").attr("stroke-width", 0.6, 2);
    path.child(Element("title").text(g.name));
    doc.add(path);
  }
  doc.close_group();
}

std::string ScatterChart::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Scatter chart" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
