#include "mlp/svg/heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "mlp/core/error.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/palette.hpp"

namespace mlp::svg {

namespace {

constexpr double label_size = 13;
constexpr double bar_width = 16;
constexpr double bar_gap = 22;

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

void Heatmap::draw(Document& doc, const Box& area) const {
  if (values.rows() == 0 || values.cols() == 0)
    throw InvalidArgument("heatmap '" + title + "': no values to draw");
  if (!cell_text.empty() && cell_text.size() != static_cast<std::size_t>(values.size()))
    throw InvalidArgument("heatmap '" + title + "': cell_text needs one text per cell");

  // Blocks when too large; labels of blocks are ranges.
  const bool blocked = values.rows() > max_rows || values.cols() > max_columns;
  const Blocks blocks =
      block_average(values, std::max<Index>(max_rows, 1), std::max<Index>(max_columns, 1));
  const Matrix<double>& v = blocks.values;
  const Index rows = v.rows(), cols = v.cols();
  std::vector<std::string> rlabels, clabels;
  for (const auto& r : blocks.rows) rlabels.push_back(range_label(row_labels, r));
  for (const auto& c : blocks.cols) clabels.push_back(range_label(column_labels, c));

  // Colour range.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (Index i = 0; i < values.size(); ++i) {
    const double x = values.data()[i];
    if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (symmetric) {
    const double m = std::max(std::abs(lo), std::abs(hi));
    lo = -m;
    hi = m;
  }
  if (range) lo = range->first, hi = range->second;
  if (!(hi > lo)) {
    const double pad = lo != 0 ? std::abs(lo) * 0.5 : 1.0;
    lo -= pad;
    hi += pad;
  }
  auto colour = [&](double x) { return viridis((x - lo) / (hi - lo)); };

  // Colour bar ticks: nice values inside the range.
  Ticks bar_ticks = linear_ticks(lo, hi, 5);
  std::erase_if(bar_ticks.values,
                [&](double t) { return t < lo - 1e-9 * (hi - lo) || t > hi + 1e-9 * (hi - lo); });
  double bar_label_w = 0;
  for (double t : bar_ticks.values)
    bar_label_w = std::max(bar_label_w, text_width(tick_label(t, bar_ticks.step), tick_font_size));

  std::string note;
  if (blocked)
    note = "Drawn as " + std::to_string(rows) + " x " + std::to_string(cols) + " blocks of the " +
           std::to_string(values.rows()) + " x " + std::to_string(values.cols()) +
           " values, each the mean of its cells.";
  const std::string sub = subtitle.empty() ? note : note.empty() ? subtitle : subtitle + " " + note;
  const double head = doc.heading(area, title, sub);

  // Horizontal layout.
  const double row_label_w = widest(rlabels, label_size);
  const double left_w = 8 + (y_label.empty() ? 0 : axis_title_font_size + 12) + row_label_w + 8;
  const double right_w = bar_gap + bar_width + 6 + bar_label_w +
                         (value_label.empty() ? 0 : 12 + axis_title_font_size) + 8;
  const double avail_w = area.width - left_w - right_w;
  const double cw = std::min(max_cell, avail_w / static_cast<double>(cols));
  const double col_label_w = widest(clabels, label_size);
  const bool rotate = cw < col_label_w + 6;
  const double col_label_h = rotate ? col_label_w + 4 : label_size + 2;
  const double bottom_h = 8 + col_label_h + (x_label.empty() ? 0 : 10 + axis_title_font_size) + 8;
  const double avail_h = area.height - head - bottom_h - 4;
  const double ch = std::min(max_cell, avail_h / static_cast<double>(rows));
  if (cw < 1 || ch < 1)
    throw InvalidArgument("heatmap '" + title + "': the area is too small to draw in");
  const double grid_w = cw * static_cast<double>(cols), grid_h = ch * static_cast<double>(rows);
  const double content_w = left_w + grid_w + right_w;
  const double x0 = area.x + std::max(0.0, (area.width - content_w) / 2);
  const double gx = x0 + left_w, gy = area.y + head + 4;

  // Cells: small grids one <rect> each, with a tooltip and the value written in when it fits;
  // large ones one <path> per colour (64 shades), which keeps the file small.
  const bool small = rows * cols <= 400;
  const bool outlines = cw >= 12 && ch >= 12;
  std::vector<std::string> texts(static_cast<std::size_t>(rows * cols));
  const double text_size = std::min(13.0, ch * 0.55);
  bool fits = annotate && small && !blocked && text_size >= 10;
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) {
      const auto k = static_cast<std::size_t>(i * cols + j);
      texts[k] = cell_text.empty() ? format_value(v(i, j), decimals) : cell_text[k];
      if (text_width(texts[k], text_size) > cw - 4) fits = false;
    }
  Element cells_group("g");
  cells_group.attr("class", "cells");
  if (!small) cells_group.attr("shape-rendering", "crispEdges");  // no seams between runs
  doc.open_group(cells_group);
  if (small) {
    for (Index i = 0; i < rows; ++i)
      for (Index j = 0; j < cols; ++j) {
        const auto k = static_cast<std::size_t>(i * cols + j);
        const Rgb c = colour(v(i, j));
        Element cell("rect");
        cell.attr("x", gx + cw * static_cast<double>(j), 2);
        cell.attr("y", gy + ch * static_cast<double>(i), 2);
        cell.attr("width", cw, 2).attr("height", ch, 2).attr("fill", c.hex());
        if (outlines) cell.attr("stroke", "#ffffff");
        cell.child(Element("title").text(rlabels[static_cast<std::size_t>(i)] + ", " +
                                         clabels[static_cast<std::size_t>(j)] + ": " +
                                         format_value(v(i, j), std::max(decimals, 3))));
        doc.add(cell);
        if (fits && !texts[k].empty()) {
          TextStyle t;
          t.size = text_size;
          t.anchor = Anchor::middle;
          t.centred_v = true;
          t.color = text_color_on(c);
          doc.text(gx + cw * (static_cast<double>(j) + 0.5),
                   gy + ch * (static_cast<double>(i) + 0.5), texts[k], t);
        }
      }
  } else {
    constexpr int shades = 64;
    auto shade = [&](double x) {
      if (!std::isfinite(x)) return -1;
      return std::clamp(static_cast<int>(std::lround((x - lo) / (hi - lo) * (shades - 1))), 0,
                        shades - 1);
    };
    std::map<int, std::string> paths;
    for (Index i = 0; i < rows; ++i) {
      Index j = 0;
      while (j < cols) {
        const int s = shade(v(i, j));
        Index end = j + 1;
        while (end < cols && shade(v(i, end)) == s) ++end;
        // Whole pixels, so that neighbouring runs share their edges exactly (no seams).
        const double x0 = std::round(gx + cw * static_cast<double>(j));
        const double x1 = std::round(gx + cw * static_cast<double>(end));
        const double y0 = std::round(gy + ch * static_cast<double>(i));
        const double y1 = std::round(gy + ch * static_cast<double>(i + 1));
        std::string& d = paths[s];
        for (const std::string& part : {std::string("M"), number(x0), std::string(" "), number(y0),
                                        std::string("H"), number(x1), std::string("V"), number(y1),
                                        std::string("H"), number(x0), std::string("Z")})
          d += part;
        j = end;
      }
    }
    for (const auto& [s, d] : paths) {
      const Rgb c = s < 0 ? viridis(std::nan("")) : viridis(static_cast<double>(s) / (shades - 1));
      doc.add(Element("path").attr("d", d).attr("fill", c.hex()));
    }
  }
  doc.close_group();

  // Row labels (every k-th when the rows are thin).
  TextStyle rl;
  rl.size = label_size;
  rl.anchor = Anchor::end;
  rl.centred_v = true;
  rl.color = "#333333";
  const std::size_t row_every = every_kth(ch, label_size + 2);
  for (std::size_t i = 0; i < rlabels.size(); i += row_every)
    doc.text(gx - 8, gy + ch * (static_cast<double>(i) + 0.5), rlabels[i], rl);
  // Column labels, rotated when wider than the cells.
  TextStyle cl = rl;
  cl.centred_v = false;
  const std::size_t col_every = every_kth(cw, rotate ? label_size + 2 : col_label_w + 6);
  for (std::size_t j = 0; j < clabels.size(); j += col_every) {
    const double cx = gx + cw * (static_cast<double>(j) + 0.5);
    if (rotate) {
      cl.rotate = -90;
      cl.anchor = Anchor::end;
      doc.text(cx + 0.35 * label_size, gy + grid_h + 8, clabels[j], cl);
    } else {
      cl.anchor = Anchor::middle;
      doc.text(cx, gy + grid_h + 8 + label_size * 0.9, clabels[j], cl);
    }
  }
  TextStyle at;
  at.size = axis_title_font_size;
  at.anchor = Anchor::middle;
  if (!x_label.empty())
    doc.text(gx + grid_w / 2, gy + grid_h + 8 + col_label_h + 10 + axis_title_font_size * 0.8,
             x_label, at);
  if (!y_label.empty()) {
    at.rotate = -90;
    doc.text(gx - 8 - row_label_w - 12 - axis_title_font_size * 0.2, gy + grid_h / 2, y_label, at);
  }

  // Colour bar: a gradient through viridis' reference colours, with ticks.
  const double bar_h = std::max(grid_h, std::min(160.0, avail_h));
  const double bx = gx + grid_w + bar_gap, by = gy;
  const std::string gradient = doc.new_id("viridis");
  Element grad("linearGradient");
  grad.attr("id", gradient).attr("x1", "0").attr("y1", "1").attr("x2", "0").attr("y2", "0");
  for (std::size_t s = 0; s < viridis_stops; ++s)
    grad.child(Element("stop")
                   .attr("offset", static_cast<double>(s) / (viridis_stops - 1), 2)
                   .attr("stop-color", viridis_stop(s).hex()));
  doc.define(grad);
  doc.open_group(Element("g").attr("class", "colorbar"));
  const Stroke frame{"#444444", 1, ""};
  doc.rect({bx, by, bar_width, bar_h}, "url(#" + gradient + ")", &frame);
  TextStyle tl;
  tl.size = tick_font_size;
  tl.centred_v = true;
  tl.color = "#333333";
  for (double t : bar_ticks.values) {
    const double py = by + bar_h - (t - lo) / (hi - lo) * bar_h;
    doc.line(bx + bar_width, py, bx + bar_width + 4, py, {"#444444", 1, ""});
    doc.text(bx + bar_width + 6, py, tick_label(t, bar_ticks.step), tl);
  }
  if (!value_label.empty()) {
    TextStyle vl;
    vl.size = axis_title_font_size;
    vl.anchor = Anchor::middle;
    vl.rotate = 90;
    doc.text(bx + bar_width + 6 + bar_label_w + 12 + axis_title_font_size * 0.2, by + bar_h / 2,
             value_label, vl);
  }
  doc.close_group();
}

std::string Heatmap::svg(double width, double height) const {
  Document doc(width, height, title.empty() ? "Heatmap" : title);
  draw(doc, {0, 0, width, height});
  return doc.str();
}

}  // namespace mlp::svg
