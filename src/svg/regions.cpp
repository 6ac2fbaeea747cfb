#include "mlp/svg/regions.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>
#include <tuple>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/legend.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"
#include "svg/chart_parts.hpp"

namespace mlp::svg {

std::vector<Segment> contour_segments(const Matrix<double>& grid, double level) {
  std::vector<Segment> segments;
  struct Corner {
    double x, y, v;
  };
  for (Index r = 0; r + 1 < grid.rows(); ++r)
    for (Index c = 0; c + 1 < grid.cols(); ++c) {
      const double x = static_cast<double>(c), y = static_cast<double>(r);
      // Around the cell: bottom-left, bottom-right, top-right, top-left.
      const std::array<Corner, 4> k{Corner{x, y, grid(r, c)}, Corner{x + 1, y, grid(r, c + 1)},
                                    Corner{x + 1, y + 1, grid(r + 1, c + 1)},
                                    Corner{x, y + 1, grid(r + 1, c)}};
      if (std::any_of(k.begin(), k.end(), [](const Corner& q) { return std::isnan(q.v); }))
        continue;
      std::array<bool, 4> above{};
      for (int i = 0; i < 4; ++i) above[i] = k[i].v >= level;
      // Edge e joins corner e and corner e + 1.
      std::array<bool, 4> crossed{};
      std::array<std::pair<double, double>, 4> at{};
      int crossings = 0;
      for (int e = 0; e < 4; ++e) {
        if (above[e] == above[(e + 1) % 4]) continue;
        // Interpolate from the corner with the smaller (x, y), so that the two cells sharing an
        // edge compute the very same point.
        const Corner* p = &k[e];
        const Corner* q = &k[(e + 1) % 4];
        if (std::make_pair(q->x, q->y) < std::make_pair(p->x, p->y)) std::swap(p, q);
        const double t = (level - p->v) / (q->v - p->v);
        at[e] = {p->x + t * (q->x - p->x), p->y + t * (q->y - p->y)};
        crossed[e] = true;
        ++crossings;
      }
      auto add = [&](int e1, int e2) {
        // A curve through a grid point gives zero-length pieces in the cells around it.
        if (at[e1] != at[e2])
          segments.push_back({at[e1].first, at[e1].second, at[e2].first, at[e2].second});
      };
      if (crossings == 2) {
        int first = -1, second = -1;
        for (int e = 0; e < 4; ++e)
          if (crossed[e]) (first < 0 ? first : second) = e;
        add(first, second);
      } else if (crossings == 4) {
        const bool centre_above = (k[0].v + k[1].v + k[2].v + k[3].v) / 4 >= level;
        if (centre_above == above[0]) {
          add(0, 1);  // cut off corner 1 (bottom-right)
          add(2, 3);  // and corner 3 (top-left)
        } else {
          add(3, 0);  // cut off corner 0 (bottom-left)
          add(1, 2);  // and corner 2 (top-right)
        }
      }
    }
  return segments;
}

std::vector<Polyline> contour_lines(const Matrix<double>& grid, double level) {
  const std::vector<Segment> segments = contour_segments(grid, level);
  using Point = std::pair<double, double>;
  std::map<Point, std::vector<std::size_t>> at;  // segments by end point
  for (std::size_t i = 0; i < segments.size(); ++i) {
    at[{segments[i].x0, segments[i].y0}].push_back(i);
    at[{segments[i].x1, segments[i].y1}].push_back(i);
  }
  std::vector<bool> used(segments.size(), false);
  // The unused segment touching `p`, and its other end.
  auto next = [&](const Point& p, Point& other) {
    for (std::size_t i : at[p]) {
      if (used[i]) continue;
      used[i] = true;
      const Segment& s = segments[i];
      other = Point{s.x0, s.y0} == p ? Point{s.x1, s.y1} : Point{s.x0, s.y0};
      return true;
    }
    return false;
  };
  std::vector<Polyline> lines;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (used[i]) continue;
    used[i] = true;
    std::deque<Point> line{{segments[i].x0, segments[i].y0}, {segments[i].x1, segments[i].y1}};
    Point other;
    while (next(line.back(), other)) line.push_back(other);
    while (next(line.front(), other)) line.push_front(other);
    lines.emplace_back(line.begin(), line.end());
  }
  return lines;
}

namespace {

// Points of class `label` as drawn: on viridis (two classes) white circles and black triangles,
// which stand out on dark and light alike; otherwise the class colours with a black outline.
struct PointStyle {
  MarkerShape shape;
  std::string fill, outline;
};

PointStyle point_style(int label, bool value_mode, std::size_t n_classes) {
  if (label < 0) return {MarkerShape::circle, "#bbbbbb", "#333333"};
  const auto l = static_cast<std::size_t>(label);
  if (value_mode && n_classes <= 2)
    return l == 0 ? PointStyle{MarkerShape::circle, "#ffffff", "#000000"}
                  : PointStyle{MarkerShape::triangle, "#000000", "#ffffff"};
  return {category_marker(l), category_color(l).hex(), "#000000"};
}

// The legend: the classes of the points (and regions) present, and the boundary.
std::vector<LegendEntry> legend_of(const RegionChart& chart, bool class_mode) {
  std::vector<bool> present(chart.class_names.size(), false);
  for (const auto& p : chart.points)
    if (p.label >= 0 && static_cast<std::size_t>(p.label) < present.size())
      present[static_cast<std::size_t>(p.label)] = true;
  if (class_mode)
    for (int c : chart.classes)
      if (c >= 0 && static_cast<std::size_t>(c) < present.size())
        present[static_cast<std::size_t>(c)] = true;
  std::vector<LegendEntry> entries;
  for (std::size_t i = 0; i < chart.class_names.size(); ++i) {
    if (!present[i]) continue;
    const PointStyle st = point_style(static_cast<int>(i), !class_mode, chart.class_names.size());
    LegendEntry e;
    e.kind = LegendEntry::Kind::marker;
    e.label = chart.class_names[i];
    e.shape = st.shape;
    e.color = st.fill;
    e.outline = st.outline;
    entries.push_back(e);
  }
  if (chart.boundary_level) {
    LegendEntry e;
    e.label = chart.boundary_label;
    e.color = "#000000";
    e.line_width = 2.5;
    entries.push_back(e);
  }
  return entries;
}

// The regions: one path per colour, a rectangle per run of cells of that colour in a row. In
// class mode the colour is a tint of the class's colour, darker where its probability is higher;
// else a band of viridis.
void draw_regions(Document& doc, const RegionChart& chart, bool class_mode, const Box& plot) {
  const Index ny = chart.values.rows(), nx = chart.values.cols();
  const double cw = plot.width / static_cast<double>(nx),
               ch = plot.height / static_cast<double>(ny);
  const int bands = chart.bands;
  auto key_of = [&](Index r, Index c) -> std::pair<int, int> {
    const double v = chart.values(r, c);
    if (std::isnan(v)) return {-1, -1};
    if (class_mode) {
      const double share = static_cast<double>(std::max<std::size_t>(chart.class_names.size(), 2));
      const double sure = std::clamp((v - 1 / share) / (1 - 1 / share), 0.0, 1.0);
      return {chart.classes[static_cast<std::size_t>(r * nx + c)],
              std::min(3, static_cast<int>(sure * 4))};
    }
    const auto& [lo, hi] = chart.value_range;
    const double t = (v - lo) / (hi - lo);
    return {0, std::clamp(static_cast<int>(std::floor(t * bands)), 0, bands - 1)};
  };
  auto colour_of = [&](std::pair<int, int> key) {
    if (key.first < 0) return Rgb{0.85, 0.85, 0.85};
    if (class_mode)
      return mix({1, 1, 1}, category_color(static_cast<std::size_t>(key.first)),
                 0.16 + 0.13 * key.second);
    return viridis((key.second + 0.5) / bands);
  };
  const auto runs = detail::cell_runs(
      ny, nx, key_of, [&](Index c) { return plot.x + cw * static_cast<double>(c); },
      [&](Index r) { return plot.bottom() - ch * static_cast<double>(r + 1); },
      [&](Index r) { return plot.bottom() - ch * static_cast<double>(r); });
  doc.open_group(Element("g").attr("class", "regions").attr("shape-rendering", "crispEdges"));
  for (const auto& [key, d] : runs)
    doc.add(Element("path").attr("d", d).attr("fill", colour_of(key).hex()));
  doc.close_group();
}

// The boundary where the values cross `level`: black over a white halo, visible on every shade.
void draw_boundary(Document& doc, const Matrix<double>& values, double level, const Box& plot) {
  const double cw = plot.width / static_cast<double>(values.cols()),
               ch = plot.height / static_cast<double>(values.rows());
  std::string d;
  for (const auto& line : contour_lines(values, level)) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      d += i == 0 ? "M" : i == 1 ? "L" : " ";
      d += number(plot.x + (line[i].first + 0.5) * cw) + " " +
           number(plot.bottom() - (line[i].second + 0.5) * ch);
    }
  }
  if (d.empty()) return;
  for (const auto& [name, colour, width] :
       {std::tuple{"boundary-halo", "#ffffff", 5.0}, std::tuple{"boundary", "#000000", 2.5}})
    doc.add(Element("path")
                .attr("class", name)
                .attr("d", d)
                .attr("fill", "none")
                .attr("stroke", colour)
                .attr("stroke-width", width)
                .attr("stroke-linecap", "round")
                .attr("stroke-linejoin", "round"));
}

// The points, an even sample when there are many, clipped to the plot.
void draw_points(Document& doc, const RegionChart& chart, bool class_mode, const Box& plot) {
  const Scale xs(chart.x_min, chart.x_max, plot.x, plot.right());
  const Scale ys(chart.y_min, chart.y_max, plot.bottom(), plot.y);
  const auto& points = chart.points;
  const std::string clip = doc.clip_rect(plot);
  doc.open_group(Element("g").attr("class", "points").attr("clip-path", "url(#" + clip + ")"));
  const std::size_t stride = detail::sample_stride(points.size(), chart.max_points);
  const double radius = points.size() > 500 ? 3.5 : points.size() > 50 ? 5 : 8;
  for (std::size_t i = 0; i < points.size(); i += stride) {
    const auto& p = points[i];
    const PointStyle st = point_style(p.label, !class_mode, chart.class_names.size());
    doc.add(marker(st.shape, xs(p.x), ys(p.y), radius, st.fill, st.outline, radius > 5 ? 2 : 1));
  }
  doc.close_group();
}

// The colour bar of the value bands, right of the plot.
void draw_band_bar(Document& doc, const RegionChart& chart, const Box& plot, const Ticks& x_ticks,
                   const Ticks& bar_ticks) {
  const double bx = plot.right() + axes_right_margin(x_ticks) + detail::colour_bar_gap, by = plot.y;
  const double bar_h = plot.height;
  const int bands = chart.bands;
  doc.open_group(Element("g").attr("class", "colorbar"));
  for (int b = 0; b < bands; ++b) {
    const double y0 = by + bar_h - bar_h * (b + 1) / bands;
    doc.rect({bx, y0, detail::colour_bar_width, bar_h / bands}, viridis((b + 0.5) / bands).hex());
  }
  detail::draw_colour_bar_scale(doc, {bx, by, detail::colour_bar_width, bar_h}, "none", bar_ticks,
                                chart.value_range.first, chart.value_range.second,
                                chart.value_label);
  doc.close_group();
}

}  // namespace

void RegionChart::draw(Document& doc, const Box& area) const {
  if (values.cols() < 2 || values.rows() < 2)
    throw InvalidArgument("region chart: the grid needs at least 2 x 2 cells");
  const bool class_mode = !classes.empty();
  if (class_mode && classes.size() != static_cast<std::size_t>(values.size()))
    throw InvalidArgument("region chart: one class per grid cell is needed");
  if (!(x_max > x_min) || !(y_max > y_min) || !(value_range.second > value_range.first) ||
      bands < 1)
    throw InvalidArgument("region chart: empty plane, value range or bands");

  // Layout: heading, legend, then the plot (square when the two inputs share a scale) with room
  // for the axes and, in value mode, the colour bar on the right.
  const double top =
      detail::draw_heading_and_legend(doc, area, title, subtitle, legend_of(*this, class_mode));
  const Ticks bar_ticks = fixed_ticks(value_range.first, value_range.second, 5);
  const double right_w = class_mode ? 12 : detail::colour_bar_room(bar_ticks, value_label);
  const double bottom = area.bottom() - axes_bottom_margin();
  const Ticks xt = fixed_ticks(x_min, x_max, 6), yt = fixed_ticks(y_min, y_max, 6);
  const double left = area.x + 8 + axes_left_margin(yt);
  const double avail_w = area.right() - right_w - axes_right_margin(xt) - left;
  const double aspect = (y_max - y_min) / (x_max - x_min);
  const Box plot =
      detail::fit_plot(left, top, avail_w, bottom, aspect > 0.5 && aspect < 2, "region chart");

  draw_regions(doc, *this, class_mode, plot);
  if (boundary_level) draw_boundary(doc, values, *boundary_level, plot);
  draw_points(doc, *this, class_mode, plot);
  draw_axes(doc, plot, xt, yt, {x_label, y_label}, false);
  if (!class_mode) draw_band_bar(doc, *this, plot, xt, bar_ticks);
}

std::string RegionChart::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Decision regions" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
