#include "mlp/svg/regions.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <map>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/legend.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"

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

}  // namespace

void RegionChart::draw(Document& doc, const Box& area) const {
  const Index ny = values.rows(), nx = values.cols();
  if (nx < 2 || ny < 2) throw InvalidArgument("region chart: the grid needs at least 2 x 2 cells");
  const bool class_mode = !classes.empty();
  if (class_mode && classes.size() != static_cast<std::size_t>(values.size()))
    throw InvalidArgument("region chart: one class per grid cell is needed");
  if (!(x_max > x_min) || !(y_max > y_min) || !(value_range.second > value_range.first) ||
      bands < 1)
    throw InvalidArgument("region chart: empty plane, value range or bands");

  // Legend: the classes of the points (and regions), the boundary.
  std::vector<bool> present(class_names.size(), false);
  for (const auto& p : points)
    if (p.label >= 0 && static_cast<std::size_t>(p.label) < present.size())
      present[static_cast<std::size_t>(p.label)] = true;
  if (class_mode)
    for (int c : classes)
      if (c >= 0 && static_cast<std::size_t>(c) < present.size())
        present[static_cast<std::size_t>(c)] = true;
  std::vector<LegendEntry> entries;
  for (std::size_t i = 0; i < class_names.size(); ++i) {
    if (!present[i]) continue;
    const PointStyle st = point_style(static_cast<int>(i), !class_mode, class_names.size());
    LegendEntry e;
    e.kind = LegendEntry::Kind::marker;
    e.label = class_names[i];
    e.shape = st.shape;
    e.color = st.fill;
    e.outline = st.outline;
    entries.push_back(e);
  }
  if (boundary_level) {
    LegendEntry e;
    e.label = boundary_label;
    e.color = "#000000";
    e.line_width = 2.5;
    entries.push_back(e);
  }

  const double head = doc.heading(area, title, subtitle);
  const double legend_h = legend_height(entries, area.width - 20);
  draw_legend(doc, entries, {area.x + 10, area.y + head, area.width - 20, legend_h});

  // Colour bar (probability / value mode) on the right.
  Ticks bar_ticks = fixed_ticks(value_range.first, value_range.second, 5);
  double right_w = 12;
  if (!class_mode)
    right_w = 22 + 16 + 6 + tick_labels_width(bar_ticks) +
              (value_label.empty() ? 0 : 12 + axis_title_font_size) + 8;

  const double top = area.y + head + legend_h + 8;
  const double bottom = area.bottom() - axes_bottom_margin();
  const Ticks xt = fixed_ticks(x_min, x_max, 6), yt = fixed_ticks(y_min, y_max, 6);
  const double left = area.x + 8 + axes_left_margin(yt);
  const double avail_w = area.right() - right_w - axes_right_margin(xt) - left;
  // A square plot when the two inputs share a scale, else the space available.
  double side_w = avail_w, side_h = bottom - top;
  const double aspect = (y_max - y_min) / (x_max - x_min);
  if (aspect > 0.5 && aspect < 2) side_w = side_h = std::min(avail_w, bottom - top);
  if (side_w < 40 || side_h < 40)
    throw InvalidArgument("region chart: the area is too small to draw in");
  const double shift = std::max(0.0, (avail_w - side_w) / 2);
  const Box plot{left + shift, top, side_w, side_h};
  const Scale xs(x_min, x_max, plot.x, plot.right());
  const Scale ys(y_min, y_max, plot.bottom(), plot.y);

  // Regions: runs of cells of one colour in each row become one rectangle.
  const double cw = plot.width / static_cast<double>(nx),
               ch = plot.height / static_cast<double>(ny);
  auto key_of = [&](Index r, Index c) -> std::pair<int, int> {
    const double v = values(r, c);
    if (std::isnan(v)) return {-1, -1};
    if (class_mode) {
      const double share = static_cast<double>(std::max<std::size_t>(class_names.size(), 2));
      const double sure = std::clamp((v - 1 / share) / (1 - 1 / share), 0.0, 1.0);
      return {classes[static_cast<std::size_t>(r * nx + c)],
              std::min(3, static_cast<int>(sure * 4))};
    }
    const double t = (v - value_range.first) / (value_range.second - value_range.first);
    return {0, std::clamp(static_cast<int>(std::floor(t * bands)), 0, bands - 1)};
  };
  auto colour_of = [&](std::pair<int, int> key) {
    if (key.first < 0) return Rgb{0.85, 0.85, 0.85};
    if (class_mode)
      return mix({1, 1, 1}, category_color(static_cast<std::size_t>(key.first)),
                 0.16 + 0.13 * key.second);
    return viridis((key.second + 0.5) / bands);
  };
  // One path per colour, a subpath per run of cells of that colour in a row.
  std::map<std::pair<int, int>, std::string> runs;
  for (Index r = 0; r < ny; ++r) {
    Index c = 0;
    while (c < nx) {
      const auto key = key_of(r, c);
      Index end = c + 1;
      while (end < nx && key_of(r, end) == key) ++end;
      // Whole pixels, so that neighbouring runs share their edges exactly (no seams).
      const double x0 = std::round(plot.x + cw * static_cast<double>(c));
      const double x1 = std::round(plot.x + cw * static_cast<double>(end));
      const double y0 = std::round(plot.bottom() - ch * static_cast<double>(r + 1));
      const double y1 = std::round(plot.bottom() - ch * static_cast<double>(r));
      std::string& d = runs[key];
      for (const std::string& part : {std::string("M"), number(x0), std::string(" "), number(y0),
                                      std::string("H"), number(x1), std::string("V"), number(y1),
                                      std::string("H"), number(x0), std::string("Z")})
        d += part;
      c = end;
    }
  }
  doc.open_group(Element("g").attr("class", "regions").attr("shape-rendering", "crispEdges"));
  for (const auto& [key, d] : runs)
    doc.add(Element("path").attr("d", d).attr("fill", colour_of(key).hex()));
  doc.close_group();

  // The boundary: black over a white halo, visible on every shade.
  if (boundary_level) {
    std::string d;
    for (const auto& line : contour_lines(values, *boundary_level)) {
      for (std::size_t i = 0; i < line.size(); ++i) {
        d += i == 0 ? "M" : i == 1 ? "L" : " ";
        d += number(plot.x + (line[i].first + 0.5) * cw) + " " +
             number(plot.bottom() - (line[i].second + 0.5) * ch);
      }
    }
    if (!d.empty()) {
      doc.add(Element("path")
                  .attr("class", "boundary-halo")
                  .attr("d", d)
                  .attr("fill", "none")
                  .attr("stroke", "#ffffff")
                  .attr("stroke-width", 5)
                  .attr("stroke-linecap", "round")
                  .attr("stroke-linejoin", "round"));
      doc.add(Element("path")
                  .attr("class", "boundary")
                  .attr("d", d)
                  .attr("fill", "none")
                  .attr("stroke", "#000000")
                  .attr("stroke-width", 2.5)
                  .attr("stroke-linecap", "round")
                  .attr("stroke-linejoin", "round"));
    }
  }

  // Points, an even sample when there are many.
  const std::string clip = doc.clip_rect(plot);
  doc.open_group(Element("g").attr("class", "points").attr("clip-path", "url(#" + clip + ")"));
  const std::size_t stride = points.size() > max_points && max_points > 0
                                 ? (points.size() + max_points - 1) / max_points
                                 : 1;
  const double radius = points.size() > 500 ? 3.5 : points.size() > 50 ? 5 : 8;
  for (std::size_t i = 0; i < points.size(); i += stride) {
    const auto& p = points[i];
    const PointStyle st = point_style(p.label, !class_mode, class_names.size());
    doc.add(marker(st.shape, xs(p.x), ys(p.y), radius, st.fill, st.outline, radius > 5 ? 2 : 1));
  }
  doc.close_group();

  draw_axes(doc, plot, xt, yt, {x_label, y_label}, false);

  if (!class_mode) {
    const double bx = plot.right() + axes_right_margin(xt) + 22, by = plot.y;
    const double bar_h = plot.height;
    doc.open_group(Element("g").attr("class", "colorbar"));
    for (int b = 0; b < bands; ++b) {
      const double y0 = by + bar_h - bar_h * (b + 1) / bands;
      doc.rect({bx, y0, 16, bar_h / bands}, viridis((b + 0.5) / bands).hex());
    }
    const Stroke frame{"#444444", 1, ""};
    doc.rect({bx, by, 16, bar_h}, "none", &frame);
    TextStyle tl;
    tl.size = tick_font_size;
    tl.centred_v = true;
    tl.color = "#333333";
    const double span = value_range.second - value_range.first;
    for (double t : bar_ticks.values) {
      const double py = by + bar_h - (t - value_range.first) / span * bar_h;
      doc.line(bx + 16, py, bx + 20, py, {"#444444", 1, ""});
      doc.text(bx + 22, py, tick_label(t, bar_ticks.step), tl);
    }
    if (!value_label.empty()) {
      TextStyle vl;
      vl.size = axis_title_font_size;
      vl.anchor = Anchor::middle;
      vl.rotate = 90;
      doc.text(bx + 22 + tick_labels_width(bar_ticks) + 12 + axis_title_font_size * 0.2,
               by + bar_h / 2, value_label, vl);
    }
    doc.close_group();
  }
}

std::string RegionChart::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Decision regions" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
