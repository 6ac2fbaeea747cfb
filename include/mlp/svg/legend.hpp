// A chart legend: entries (a line sample, a marker or a colour swatch, and a label) laid out in
// centred rows of their own box, outside the plot so that it never hides data.
#pragma once

#include <string>
#include <vector>

#include "mlp/svg/document.hpp"
#include "mlp/svg/marker.hpp"

namespace mlp::svg {

struct LegendEntry {
  enum class Kind { line, marker, swatch };
  Kind kind = Kind::line;
  std::string label;
  std::string color = "#000000";  // line colour, marker fill or swatch fill
  std::string dash;               // line: stroke-dasharray
  double line_width = 2;
  MarkerShape shape = MarkerShape::circle;  // marker
  std::string outline = "#000000";          // marker and swatch outline
};

inline constexpr double legend_font_size = 13;

// Height of the legend laid out in rows no wider than `width` (0 without entries).
double legend_height(const std::vector<LegendEntry>& entries, double width);

// Draws the legend in rows centred in `area` (as tall as legend_height says).
void draw_legend(Document& doc, const std::vector<LegendEntry>& entries, const Box& area);

}  // namespace mlp::svg
