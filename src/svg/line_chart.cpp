#include "mlp/svg/line_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/downsample.hpp"
#include "mlp/svg/legend.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"
#include "svg/chart_parts.hpp"

namespace mlp::svg {

namespace {

bool drawable(double y, bool log) {
  return std::isfinite(y) && (!log || y > 0);
}

bool has_values(const Series& s, bool log) {
  for (std::size_t i = 0; i < s.y.size() && i < s.x.size(); ++i)
    if (std::isfinite(s.x[i]) && drawable(s.y[i], log)) return true;
  return false;
}

LineStyle style_of(const Series& s, std::size_t index) {
  if (s.style) return *s.style;
  return {category_color(index).hex(), category_dash(index), 2.25};
}

// The series with a drawable value, and the range of their values and of the points.
struct DataRange {
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  std::vector<std::size_t> shown;
};

DataRange data_range(const LineChart& chart) {
  const bool log = chart.log_y;
  DataRange r;
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const auto& s = chart.series[k];
    if (!has_values(s, log)) continue;
    r.shown.push_back(k);
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !drawable(s.y[i], log)) continue;
      r.x_lo = std::min(r.x_lo, s.x[i]);
      r.x_hi = std::max(r.x_hi, s.x[i]);
      r.y_lo = std::min(r.y_lo, s.y[i]);
      r.y_hi = std::max(r.y_hi, s.y[i]);
    }
  }
  for (const auto& p : chart.points) {
    r.x_lo = std::min(r.x_lo, p.x);
    r.x_hi = std::max(r.x_hi, p.x);
    if (drawable(p.y, log)) {
      r.y_lo = std::min(r.y_lo, p.y);
      r.y_hi = std::max(r.y_hi, p.y);
    }
  }
  if (!std::isfinite(r.x_lo)) r.x_lo = 0, r.x_hi = 1;
  if (!std::isfinite(r.y_lo)) r.y_lo = log ? 0.1 : 0, r.y_hi = log ? 1 : 1;
  return r;
}

// The legend: the series shown, the vertical lines and the points; none unless chart.legend and
// there are at least two entries, or a point or line mark.
std::vector<LegendEntry> legend_of(const LineChart& chart, const std::vector<std::size_t>& shown) {
  std::vector<LegendEntry> entries;
  for (std::size_t k : shown) {
    const LineStyle st = style_of(chart.series[k], k);
    LegendEntry e;
    e.kind = LegendEntry::Kind::line;
    e.label = chart.series[k].name;
    e.color = st.color;
    e.dash = st.dash;
    e.line_width = st.width;
    entries.push_back(e);
  }
  for (const auto& v : chart.vertical_lines) {
    LegendEntry e;
    e.kind = LegendEntry::Kind::line;
    e.label = v.label;
    e.color = "#555555";
    e.dash = "1.5 3";
    e.line_width = 1.75;
    entries.push_back(e);
  }
  for (const auto& p : chart.points) {
    LegendEntry e;
    e.kind = LegendEntry::Kind::marker;
    e.label = p.label;
    e.color = p.color;
    e.outline = "#ffffff";
    entries.push_back(e);
  }
  const bool show_legend = chart.legend && (entries.size() >= 2 || !chart.points.empty() ||
                                            !chart.vertical_lines.empty());
  if (!show_legend) entries.clear();
  return entries;
}

// The plot's box below `plot_top` with room for the axes, and the axes' ticks.
struct PlotLayout {
  Box plot;
  Ticks xt, yt;
};

PlotLayout plot_layout(const LineChart& chart, const DataRange& r, const Box& area,
                       double plot_top) {
  PlotLayout l;
  const double plot_bottom = area.bottom() - axes_bottom_margin();
  const int y_target = std::clamp(static_cast<int>((plot_bottom - plot_top) / 45), 3, 10);
  l.yt = chart.y_range
             ? fixed_ticks(chart.y_range->first, chart.y_range->second, y_target, chart.log_y)
         : chart.log_y ? log_ticks(r.y_lo, r.y_hi, y_target)
                       : linear_ticks(r.y_lo, r.y_hi, y_target);
  const double plot_left = std::max(chart.min_plot_left, area.x + 8 + axes_left_margin(l.yt));
  // The x ticks depend on the width, which depends on the last x label: two passes.
  const double rough_width = area.right() - plot_left - 20;
  const int x_target = std::clamp(static_cast<int>(rough_width / 90), 2, 10);
  l.xt = chart.x_range ? fixed_ticks(chart.x_range->first, chart.x_range->second, x_target)
                       : linear_ticks(r.x_lo, r.x_hi, x_target);
  l.plot = {plot_left, plot_top, area.right() - axes_right_margin(l.xt) - 6 - plot_left,
            plot_bottom - plot_top};
  if (l.plot.width < 20 || l.plot.height < 20)
    throw InvalidArgument("line chart '" + chart.title + "': the area is too small to draw in");
  return l;
}

// A series' path data: runs of drawable points become subpaths "M x y L x y x y ..."; a lone
// point "M x y h0", whose position is added to `lone` (to be marked, so that it can be seen: a
// history of one epoch). Long series are thinned to `buckets` points.
std::string series_path(const Series& s, bool log, const Scale& xs, const Scale& ys,
                        std::size_t buckets, std::vector<std::pair<double, double>>& lone) {
  std::vector<double> ys_masked = s.y;
  for (std::size_t i = 0; i < s.y.size(); ++i)
    if (!drawable(s.y[i], log) || !std::isfinite(s.x[i]))
      ys_masked[i] = std::numeric_limits<double>::quiet_NaN();
  std::string d;
  std::vector<std::string> run;
  double last_x = 0, last_y = 0;
  auto flush = [&] {
    if (run.empty()) return;
    d += (d.empty() ? "M" : " M") + run[0];
    if (run.size() == 1) {
      d += " h0";
      lone.emplace_back(last_x, last_y);
    }
    for (std::size_t j = 1; j < run.size(); ++j) d += (j == 1 ? " L" : " ") + run[j];
    run.clear();
  };
  for (std::size_t i : downsample_indices(s.x, ys_masked, buckets)) {
    if (std::isnan(ys_masked[i])) {
      flush();
      continue;
    }
    if (run.empty()) last_x = xs(s.x[i]), last_y = ys(s.y[i]);
    run.push_back(number(xs(s.x[i]), 1) + " " + number(ys(s.y[i]), 1));
  }
  flush();
  return d;
}

// Series k as a path, with a marker of the series' shape on each lone point.
void draw_series(Document& doc, const LineChart& chart, std::size_t k, const Scale& xs,
                 const Scale& ys, std::size_t buckets) {
  const auto& s = chart.series[k];
  std::vector<std::pair<double, double>> lone;
  const std::string d = series_path(s, chart.log_y, xs, ys, buckets, lone);
  const LineStyle st = style_of(s, k);
  Element path("path");
  path.attr("class", "line").attr("d", d).attr("fill", "none").attr("stroke", st.color);
  path.attr("stroke-width", st.width, 2).attr("stroke-linejoin", "round");
  path.attr("stroke-linecap", "round");
  if (!st.dash.empty()) path.attr("stroke-dasharray", st.dash);
  path.child(Element("title").text(s.name));
  doc.add(path);
  for (const auto& [x, y] : lone)
    doc.add(marker(category_marker(k), x, y, 4.5, st.color, "#ffffff"));
}

}  // namespace

Box LineChart::draw(Document& doc, const Box& area) const {
  for (const auto& s : series)
    if (s.x.size() != s.y.size())
      throw InvalidArgument("line chart series '" + s.name + "': x and y differ in length");
  const DataRange range = data_range(*this);
  const double plot_top = detail::draw_heading_and_legend(
      doc, area, title, subtitle, legend_of(*this, range.shown), min_legend_height);
  const auto [plot, xt, yt] = plot_layout(*this, range, area, plot_top);
  draw_axes(doc, plot, xt, yt, {x_label, y_label});

  const Scale xs(xt.lo, xt.hi, plot.x, plot.right());
  const Scale ys(yt.lo, yt.hi, plot.bottom(), plot.y, log_y);
  const std::string clip = doc.clip_rect(plot);
  doc.open_group(Element("g").attr("class", "series").attr("clip-path", "url(#" + clip + ")"));
  for (const auto& v : vertical_lines)
    doc.line(xs(v.x), plot.y, xs(v.x), plot.bottom(), {"#555555", 1.75, "1.5 3"});
  const auto buckets = static_cast<std::size_t>(std::max(plot.width / 2, 1.0));
  for (std::size_t k : range.shown) draw_series(doc, *this, k, xs, ys, buckets);
  for (const auto& p : points)
    doc.add(marker(MarkerShape::circle, xs(p.x), ys(p.y), 5.5, p.color, "#ffffff", 1.5));
  doc.close_group();
  return plot;
}

std::string LineChart::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Line chart" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
