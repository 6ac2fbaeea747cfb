#include "svg/chart_parts.hpp"

#include <algorithm>

#include "mlp/core/error.hpp"

namespace mlp::svg::detail {

double draw_heading_and_legend(Document& doc, const Box& area, std::string_view title,
                               std::string_view subtitle, const std::vector<LegendEntry>& entries,
                               double min_legend_height) {
  const double head = doc.heading(area, title, subtitle);
  const double legend_h = std::max(min_legend_height, legend_height(entries, area.width - 20));
  draw_legend(doc, entries, {area.x + 10, area.y + head, area.width - 20, legend_h});
  return area.y + head + legend_h + 8;
}

Box fit_plot(double left, double top, double width, double bottom, bool square,
             const std::string& chart) {
  double w = width, h = bottom - top;
  if (square) w = h = std::min(w, h);
  if (w < 40 || h < 40) throw InvalidArgument(chart + ": the area is too small to draw in");
  return {left + std::max(0.0, (width - w) / 2), top, w, h};
}

double colour_bar_room(const Ticks& ticks, const std::string& value_label) {
  return colour_bar_gap + colour_bar_width + 6 + tick_labels_width(ticks) +
         (value_label.empty() ? 0 : 12 + axis_title_font_size) + 8;
}

void draw_colour_bar_scale(Document& doc, const Box& bar, const std::string& fill,
                           const Ticks& ticks, double lo, double hi,
                           const std::string& value_label) {
  const Stroke frame{"#444444", 1, ""};
  doc.rect(bar, fill, &frame);
  TextStyle tl;
  tl.size = tick_font_size;
  tl.centred_v = true;
  tl.color = "#333333";
  for (double t : ticks.values) {
    const double py = bar.y + bar.height - (t - lo) / (hi - lo) * bar.height;
    doc.line(bar.x + bar.width, py, bar.x + bar.width + 4, py, {"#444444", 1, ""});
    doc.text(bar.x + bar.width + 6, py, tick_label(t, ticks.step), tl);
  }
  if (!value_label.empty()) {
    TextStyle vl;
    vl.size = axis_title_font_size;
    vl.anchor = Anchor::middle;
    vl.rotate = 90;
    doc.text(bar.x + bar.width + 6 + tick_labels_width(ticks) + 12 + axis_title_font_size * 0.2,
             bar.y + bar.height / 2, value_label, vl);
  }
}

void append_rectangle(std::string& d, double x0, double y0, double x1, double y1) {
  for (const std::string& part :
       {std::string("M"), number(x0), std::string(" "), number(y0), std::string("H"), number(x1),
        std::string("V"), number(y1), std::string("H"), number(x0), std::string("Z")})
    d += part;
}

}  // namespace mlp::svg::detail
