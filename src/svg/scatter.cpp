#include "mlp/svg/scatter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/legend.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"
#include "svg/chart_parts.hpp"

namespace mlp::svg {

namespace {

// The range of the finite points, the same on both axes when chart.same_ranges.
struct ScatterRange {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
};

ScatterRange data_range(const ScatterChart& chart) {
  ScatterRange r;
  for (const auto& g : chart.groups) {
    if (g.x.size() != g.y.size())
      throw InvalidArgument("scatter chart group '" + g.name + "': x and y differ in length");
    for (std::size_t i = 0; i < g.x.size(); ++i) {
      if (!std::isfinite(g.x[i]) || !std::isfinite(g.y[i])) continue;
      r.x_lo = std::min(r.x_lo, g.x[i]);
      r.x_hi = std::max(r.x_hi, g.x[i]);
      r.y_lo = std::min(r.y_lo, g.y[i]);
      r.y_hi = std::max(r.y_hi, g.y[i]);
    }
  }
  if (!std::isfinite(r.x_lo)) r.x_lo = 0, r.x_hi = 1, r.y_lo = 0, r.y_hi = 1;
  if (chart.same_ranges) {
    r.x_lo = r.y_lo = std::min(r.x_lo, r.y_lo);
    r.x_hi = r.y_hi = std::max(r.x_hi, r.y_hi);
  }
  return r;
}

// The legend: the groups and the identity line, none with fewer than two entries.
std::vector<LegendEntry> legend_of(const ScatterChart& chart) {
  std::vector<LegendEntry> entries;
  for (std::size_t k = 0; k < chart.groups.size(); ++k) {
    LegendEntry e;
    e.kind = LegendEntry::Kind::marker;
    e.label = chart.groups[k].name;
    e.shape = category_marker(k);
    e.color = category_color(k).hex();
    e.outline = "#000000";
    entries.push_back(e);
  }
  if (chart.identity_line) {
    LegendEntry e;
    e.label = chart.identity_label;
    e.color = "#333333";
    e.dash = "7 4";
    e.line_width = 1.75;
    entries.push_back(e);
  }
  if (entries.size() < 2) entries.clear();
  return entries;
}

// The line y = x across the plot, dashed.
void draw_identity_line(Document& doc, const Ticks& xt, const Ticks& yt, const Scale& xs,
                        const Scale& ys) {
  const double lo = std::max(xt.lo, yt.lo), hi = std::min(xt.hi, yt.hi);
  std::string d("M");  // not "M" + ...: g++ 12 warns of a false overlap (-Wrestrict) there
  d += number(xs(lo)) + " " + number(ys(lo)) + "L" + number(xs(hi)) + " " + number(ys(hi));
  doc.add(Element("path")
              .attr("class", "identity")
              .attr("d", d)
              .attr("stroke", "#333333")
              .attr("stroke-width", 1.75)
              .attr("stroke-dasharray", "7 4")
              .attr("fill", "none"));
}

// Group k as one path of markers, an even sample of them when there are many.
void draw_group(Document& doc, const ScatterChart& chart, std::size_t k, const Scale& xs,
                const Scale& ys) {
  const auto& g = chart.groups[k];
  const std::size_t stride = detail::sample_stride(g.x.size(), chart.max_points);
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

}  // namespace

void ScatterChart::draw(Document& doc, const Box& area) const {
  const ScatterRange r = data_range(*this);
  const double top = detail::draw_heading_and_legend(doc, area, title, subtitle, legend_of(*this));
  const double bottom = area.bottom() - axes_bottom_margin();
  const int target = std::clamp(static_cast<int>((bottom - top) / 60), 3, 8);
  const Ticks yt = linear_ticks(r.y_lo, r.y_hi, target);
  const Ticks xt = same_ranges ? yt : linear_ticks(r.x_lo, r.x_hi, target);
  const double left = area.x + 8 + axes_left_margin(yt);
  const double avail_w = area.right() - axes_right_margin(xt) - 6 - left;
  const Box plot = detail::fit_plot(left, top, avail_w, bottom, same_ranges, "scatter chart");
  draw_axes(doc, plot, xt, yt, {x_label, y_label});
  const Scale xs(xt.lo, xt.hi, plot.x, plot.right()), ys(yt.lo, yt.hi, plot.bottom(), plot.y);

  const std::string clip = doc.clip_rect(plot);
  doc.open_group(Element("g").attr("class", "points").attr("clip-path", "url(#" + clip + ")"));
  if (identity_line) draw_identity_line(doc, xt, yt, xs, ys);
  for (std::size_t k = 0; k < groups.size(); ++k) draw_group(doc, *this, k, xs, ys);
  doc.close_group();
}

std::string ScatterChart::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Scatter chart" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
