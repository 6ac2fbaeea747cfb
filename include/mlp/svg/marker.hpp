// Point markers of distinct shapes (circle, triangle, square, diamond, ...), so that classes of
// points stay apart in grayscale and for readers who do not see their colours.
#pragma once

#include <cstddef>
#include <string>

#include "mlp/svg/document.hpp"

namespace mlp::svg {

enum class MarkerShape { circle, triangle, square, diamond, triangle_down, cross };

// The shape of category i (repeating after the six shapes).
MarkerShape category_marker(std::size_t i);

// The path data ("M ... Z") of a marker of `shape` centred at (x, y), about 2 r across.
std::string marker_path(MarkerShape shape, double x, double y, double r);

// A <path> element drawing the marker, filled with `fill` and outlined with `outline`.
Element marker(MarkerShape shape, double x, double y, double r, const std::string& fill,
               const std::string& outline, double outline_width = 1);

}  // namespace mlp::svg
