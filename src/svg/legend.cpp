#include "mlp/svg/legend.hpp"

#include <algorithm>

namespace mlp::svg {

namespace {

constexpr double sample_width = 30;  // the line sample, marker or swatch
constexpr double sample_gap = 6;     // between the sample and its label
constexpr double entry_gap = 22;     // between entries
constexpr double row_height = 22;

double entry_width(const LegendEntry& e) {
  return sample_width + sample_gap + text_width(e.label, legend_font_size);
}

// Entries split into rows that fit `width` (at least one entry per row).
std::vector<std::vector<const LegendEntry*>> rows_of(const std::vector<LegendEntry>& entries,
                                                     double width) {
  std::vector<std::vector<const LegendEntry*>> rows;
  double used = 0;
  for (const auto& e : entries) {
    const double w = entry_width(e);
    if (rows.empty() || (used > 0 && used + entry_gap + w > width)) {
      rows.emplace_back();
      used = 0;
    }
    used += (used > 0 ? entry_gap : 0) + w;
    rows.back().push_back(&e);
  }
  return rows;
}

}  // namespace

double legend_height(const std::vector<LegendEntry>& entries, double width) {
  if (entries.empty()) return 0;
  return static_cast<double>(rows_of(entries, width).size()) * row_height + 4;
}

void draw_legend(Document& doc, const std::vector<LegendEntry>& entries, const Box& area) {
  if (entries.empty()) return;
  doc.open_group(Element("g").attr("class", "legend"));
  double y = area.y + row_height / 2 + 2;
  for (const auto& row : rows_of(entries, area.width)) {
    double total = 0;
    for (const auto* e : row) total += (total > 0 ? entry_gap : 0) + entry_width(*e);
    double x = area.x + std::max(0.0, (area.width - total) / 2);
    for (const auto* e : row) {
      switch (e->kind) {
        case LegendEntry::Kind::line: {
          Element line("line");
          line.attr("x1", x).attr("y1", y).attr("x2", x + sample_width).attr("y2", y);
          line.attr("stroke", e->color).attr("stroke-width", e->line_width, 2);
          if (!e->dash.empty()) line.attr("stroke-dasharray", e->dash);
          doc.add(line);
          break;
        }
        case LegendEntry::Kind::marker:
          doc.add(marker(e->shape, x + sample_width / 2, y, 6, e->color, e->outline, 1.5));
          break;
        case LegendEntry::Kind::swatch: {
          const Stroke outline{e->outline, 1, ""};
          doc.rect({x + 4, y - 7, sample_width - 8, 14}, e->color, &outline);
          break;
        }
      }
      TextStyle label;
      label.size = legend_font_size;
      label.centred_v = true;
      doc.text(x + sample_width + sample_gap, y, e->label, label);
      x += entry_width(*e) + entry_gap;
    }
    y += row_height;
  }
  doc.close_group();
}

}  // namespace mlp::svg
