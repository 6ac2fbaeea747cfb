#include "mlp/svg/heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/palette.hpp"
#include "svg/chart_parts.hpp"

namespace mlp::svg {

namespace {

constexpr double label_size = 13;

std::vector<std::pair<Index, Index>> ranges(Index n, Index max_blocks) {
  const Index size = (n + max_blocks - 1) / max_blocks;
  std::vector<std::pair<Index, Index>> out;
  for (Index first = 0; first < n; first += size)
    out.emplace_back(first, std::min(n, first + size));
  return out;
}

std::string range_label(const std::vector<std::string>& labels, std::pair<Index, Index> r) {
  const auto name = [&](Index i) {
    return static_cast<std::size_t>(i) < labels.size() ? labels[static_cast<std::size_t>(i)]
                                                       : std::to_string(i + 1);
  };
  if (r.second - r.first == 1) return name(r.first);
  return name(r.first) + "\xe2\x80\x93" + name(r.second - 1);  // en dash
}

std::string format_value(double v, int decimals) {
  if (!std::isfinite(v)) return "";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  std::string text = buffer;
  if (text.find_first_not_of("-0.") == std::string::npos) text.erase(0, text[0] == '-');
  return text;
}

double widest(const std::vector<std::string>& labels, double size) {
  double w = 0;
  for (const auto& l : labels) w = std::max(w, text_width(l, size));
  return w;
}

std::size_t every_kth(double spacing, double needed) {
  if (spacing <= 0) return 1;
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(needed / spacing - 1e-9)));
}

}  // namespace

Blocks block_average(const Matrix<double>& values, Index max_rows, Index max_cols) {
  if (max_rows < 1 || max_cols < 1) throw InvalidArgument("block_average: limits must be >= 1");
  Blocks b;
  b.rows = ranges(values.rows(), max_rows);
  b.cols = ranges(values.cols(), max_cols);
  b.values.resize(static_cast<Index>(b.rows.size()), static_cast<Index>(b.cols.size()));
  for (std::size_t i = 0; i < b.rows.size(); ++i)
    for (std::size_t j = 0; j < b.cols.size(); ++j) {
      double sum = 0;
      Index count = 0;
      for (Index r = b.rows[i].first; r < b.rows[i].second; ++r)
        for (Index c = b.cols[j].first; c < b.cols[j].second; ++c)
          if (std::isfinite(values(r, c))) {
            sum += values(r, c);
            ++count;
          }
      b.values(static_cast<Index>(i), static_cast<Index>(j)) =
          count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
    }
  return b;
}

namespace {

// The matrix as drawn: block means when it is larger than the limits, and the labels of its rows
// and columns (ranges for blocks).
struct Grid {
  bool blocked = false;
  Blocks blocks;
  std::vector<std::string> row_labels, column_labels;
  Index rows() const { return blocks.values.rows(); }
  Index cols() const { return blocks.values.cols(); }
};

Grid grid_of(const Heatmap& map) {
  Grid g;
  g.blocked = map.values.rows() > map.max_rows || map.values.cols() > map.max_columns;
  g.blocks = block_average(map.values, std::max<Index>(map.max_rows, 1),
                           std::max<Index>(map.max_columns, 1));
  for (const auto& r : g.blocks.rows) g.row_labels.push_back(range_label(map.row_labels, r));
  for (const auto& c : g.blocks.cols) g.column_labels.push_back(range_label(map.column_labels, c));
  return g;
}

// The values lo..hi that the colours span, and the colour bar's ticks inside them.
struct ColourScale {
  double lo = 0, hi = 1;
  Ticks ticks;
  Rgb operator()(double x) const { return viridis((x - lo) / (hi - lo)); }
};

ColourScale colour_scale(const Heatmap& map) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (Index i = 0; i < map.values.size(); ++i) {
    const double x = map.values.data()[i];
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (map.symmetric) {
    const double m = std::max(std::abs(lo), std::abs(hi));
    lo = -m;
    hi = m;
  }
  if (map.range) lo = map.range->first, hi = map.range->second;
  if (!(hi > lo)) {
    const double pad = lo != 0 ? std::abs(lo) * 0.5 : 1.0;
    lo -= pad;
    hi += pad;
  }
  // Nice values inside the range.
  Ticks ticks = linear_ticks(lo, hi, 5);
  std::erase_if(ticks.values,
                [&](double t) { return t < lo - 1e-9 * (hi - lo) || t > hi + 1e-9 * (hi - lo); });
  return {lo, hi, ticks};
}

// The subtitle, with a note on the blocks when the matrix is drawn as blocks.
std::string subtitle_of(const Heatmap& map, const Grid& g) {
  std::string note;
  if (g.blocked)
    note = "Drawn as " + std::to_string(g.rows()) + " x " + std::to_string(g.cols()) +
           " blocks of the " + std::to_string(map.values.rows()) + " x " +
           std::to_string(map.values.cols()) + " values, each the mean of its cells.";
  return map.subtitle.empty() ? note : note.empty() ? map.subtitle : map.subtitle + " " + note;
}

// Where the grid of cells goes: cells of cw x ch pixels from (gx, gy), with room on the left for
// the row labels and the y title, below for the column labels (rotated when wider than the cells)
// and the x title, and on the right for the colour bar.
struct Layout {
  double cw = 0, ch = 0, gx = 0, gy = 0, grid_w = 0, grid_h = 0, avail_h = 0;
  double row_label_w = 0, col_label_w = 0, col_label_h = 0;
  bool rotate = false;
};

Layout layout_of(const Heatmap& map, const Grid& g, const ColourScale& scale, const Box& area,
                 double head) {
  Layout l;
  l.row_label_w = widest(g.row_labels, label_size);
  const double left_w =
      8 + (map.y_label.empty() ? 0 : axis_title_font_size + 12) + l.row_label_w + 8;
  const double right_w = detail::colour_bar_room(scale.ticks, map.value_label);
  const double avail_w = area.width - left_w - right_w;
  l.cw = std::min(map.max_cell, avail_w / static_cast<double>(g.cols()));
  l.col_label_w = widest(g.column_labels, label_size);
  l.rotate = l.cw < l.col_label_w + 6;
  l.col_label_h = l.rotate ? l.col_label_w + 4 : label_size + 2;
  const double bottom_h =
      8 + l.col_label_h + (map.x_label.empty() ? 0 : 10 + axis_title_font_size) + 8;
  l.avail_h = area.height - head - bottom_h - 4;
  l.ch = std::min(map.max_cell, l.avail_h / static_cast<double>(g.rows()));
  if (l.cw < 1 || l.ch < 1)
    throw InvalidArgument("heatmap '" + map.title + "': the area is too small to draw in");
  l.grid_w = l.cw * static_cast<double>(g.cols());
  l.grid_h = l.ch * static_cast<double>(g.rows());
  const double content_w = left_w + l.grid_w + right_w;
  const double x0 = area.x + std::max(0.0, (area.width - content_w) / 2);
  l.gx = x0 + left_w;
  l.gy = area.y + head + 4;
  return l;
}

// The text of each cell (row-major), and whether all of it fits in the cells to be written in.
struct CellTexts {
  std::vector<std::string> texts;
  double size = 0;
  bool fit = false;
};

CellTexts cell_texts(const Heatmap& map, const Grid& g, const Layout& l, bool small) {
  const Matrix<double>& v = g.blocks.values;
  CellTexts t;
  t.texts.resize(static_cast<std::size_t>(g.rows() * g.cols()));
  t.size = std::min(13.0, l.ch * 0.55);
  t.fit = map.annotate && small && !g.blocked && t.size >= 10;
  for (Index i = 0; i < g.rows(); ++i)
    for (Index j = 0; j < g.cols(); ++j) {
      const auto k = static_cast<std::size_t>(i * g.cols() + j);
      t.texts[k] = map.cell_text.empty() ? format_value(v(i, j), map.decimals) : map.cell_text[k];
      if (text_width(t.texts[k], t.size) > l.cw - 4) t.fit = false;
    }
  return t;
}

// Small grids: one <rect> per cell, with a tooltip and the cell's text when it fits.
void draw_cell_rects(Document& doc, const Heatmap& map, const Grid& g, const ColourScale& colour,
                     const Layout& l) {
  const Matrix<double>& v = g.blocks.values;
  const CellTexts t = cell_texts(map, g, l, true);
  const bool outlines = l.cw >= 12 && l.ch >= 12;
  for (Index i = 0; i < g.rows(); ++i)
    for (Index j = 0; j < g.cols(); ++j) {
      const auto k = static_cast<std::size_t>(i * g.cols() + j);
      const Rgb c = colour(v(i, j));
      Element cell("rect");
      cell.attr("x", l.gx + l.cw * static_cast<double>(j), 2);
      cell.attr("y", l.gy + l.ch * static_cast<double>(i), 2);
      cell.attr("width", l.cw, 2).attr("height", l.ch, 2).attr("fill", c.hex());
      if (outlines) cell.attr("stroke", "#ffffff");
      cell.child(Element("title").text(g.row_labels[static_cast<std::size_t>(i)] + ", " +
                                       g.column_labels[static_cast<std::size_t>(j)] + ": " +
                                       format_value(v(i, j), std::max(map.decimals, 3))));
      doc.add(cell);
      if (t.fit && !t.texts[k].empty()) {
        TextStyle style;
        style.size = t.size;
        style.anchor = Anchor::middle;
        style.centred_v = true;
        style.color = text_color_on(c);
        doc.text(l.gx + l.cw * (static_cast<double>(j) + 0.5),
                 l.gy + l.ch * (static_cast<double>(i) + 0.5), t.texts[k], style);
      }
    }
}

// Large grids: one <path> per colour (64 shades), which keeps the file small.
void draw_cell_paths(Document& doc, const Grid& g, const ColourScale& colour, const Layout& l) {
  const Matrix<double>& v = g.blocks.values;
  constexpr int shades = 64;
  auto shade = [&](Index i, Index j) {
    const double x = v(i, j);
    if (!std::isfinite(x)) return -1;
    return std::clamp(
        static_cast<int>(std::lround((x - colour.lo) / (colour.hi - colour.lo) * (shades - 1))), 0,
        shades - 1);
  };
  const auto paths = detail::cell_runs(
      g.rows(), g.cols(), shade, [&](Index j) { return l.gx + l.cw * static_cast<double>(j); },
      [&](Index i) { return l.gy + l.ch * static_cast<double>(i); },
      [&](Index i) { return l.gy + l.ch * static_cast<double>(i + 1); });
  for (const auto& [s, d] : paths) {
    const Rgb c = s < 0 ? viridis(std::nan("")) : viridis(static_cast<double>(s) / (shades - 1));
    doc.add(Element("path").attr("d", d).attr("fill", c.hex()));
  }
}

void draw_cells(Document& doc, const Heatmap& map, const Grid& g, const ColourScale& colour,
                const Layout& l) {
  const bool small = g.rows() * g.cols() <= 400;
  Element cells_group("g");
  cells_group.attr("class", "cells");
  if (!small) cells_group.attr("shape-rendering", "crispEdges");  // no seams between runs
  doc.open_group(cells_group);
  if (small)
    draw_cell_rects(doc, map, g, colour, l);
  else
    draw_cell_paths(doc, g, colour, l);
  doc.close_group();
}

// Row labels (every k-th when the rows are thin), column labels (rotated when wider than the
// cells) and the axis titles.
void draw_labels(Document& doc, const Heatmap& map, const Grid& g, const Layout& l) {
  TextStyle rl;
  rl.size = label_size;
  rl.anchor = Anchor::end;
  rl.centred_v = true;
  rl.color = "#333333";
  const std::size_t row_every = every_kth(l.ch, label_size + 2);
  for (std::size_t i = 0; i < g.row_labels.size(); i += row_every)
    doc.text(l.gx - 8, l.gy + l.ch * (static_cast<double>(i) + 0.5), g.row_labels[i], rl);
  TextStyle cl = rl;
  cl.centred_v = false;
  const std::size_t col_every = every_kth(l.cw, l.rotate ? label_size + 2 : l.col_label_w + 6);
  for (std::size_t j = 0; j < g.column_labels.size(); j += col_every) {
    const double cx = l.gx + l.cw * (static_cast<double>(j) + 0.5);
    if (l.rotate) {
      cl.rotate = -90;
      cl.anchor = Anchor::end;
      doc.text(cx + 0.35 * label_size, l.gy + l.grid_h + 8, g.column_labels[j], cl);
    } else {
      cl.anchor = Anchor::middle;
      doc.text(cx, l.gy + l.grid_h + 8 + label_size * 0.9, g.column_labels[j], cl);
    }
  }
  TextStyle at;
  at.size = axis_title_font_size;
  at.anchor = Anchor::middle;
  if (!map.x_label.empty())
    doc.text(l.gx + l.grid_w / 2,
             l.gy + l.grid_h + 8 + l.col_label_h + 10 + axis_title_font_size * 0.8, map.x_label,
             at);
  if (!map.y_label.empty()) {
    at.rotate = -90;
    doc.text(l.gx - 8 - l.row_label_w - 12 - axis_title_font_size * 0.2, l.gy + l.grid_h / 2,
             map.y_label, at);
  }
}

// The colour bar: a gradient through viridis' reference colours, with ticks.
void draw_colour_bar(Document& doc, const Heatmap& map, const ColourScale& scale, const Layout& l) {
  const double bar_h = std::max(l.grid_h, std::min(160.0, l.avail_h));
  const std::string gradient = doc.new_id("viridis");
  Element grad("linearGradient");
  grad.attr("id", gradient).attr("x1", "0").attr("y1", "1").attr("x2", "0").attr("y2", "0");
  for (std::size_t s = 0; s < viridis_stops; ++s)
    grad.child(Element("stop")
                   .attr("offset", static_cast<double>(s) / (viridis_stops - 1), 2)
                   .attr("stop-color", viridis_stop(s).hex()));
  doc.define(grad);
  doc.open_group(Element("g").attr("class", "colorbar"));
  detail::draw_colour_bar_scale(
      doc, {l.gx + l.grid_w + detail::colour_bar_gap, l.gy, detail::colour_bar_width, bar_h},
      "url(#" + gradient + ")", scale.ticks, scale.lo, scale.hi, map.value_label);
  doc.close_group();
}

}  // namespace

void Heatmap::draw(Document& doc, const Box& area) const {
  if (values.rows() == 0 || values.cols() == 0)
    throw InvalidArgument("heatmap '" + title + "': no values to draw");
  if (!cell_text.empty() && cell_text.size() != static_cast<std::size_t>(values.size()))
    throw InvalidArgument("heatmap '" + title + "': cell_text needs one text per cell");
  const Grid grid = grid_of(*this);
  const ColourScale colour = colour_scale(*this);
  const double head = doc.heading(area, title, subtitle_of(*this, grid));
  const Layout layout = layout_of(*this, grid, colour, area, head);
  draw_cells(doc, *this, grid, colour, layout);
  draw_labels(doc, *this, grid, layout);
  draw_colour_bar(doc, *this, colour, layout);
}

std::string Heatmap::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Heatmap" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
