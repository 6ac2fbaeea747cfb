// Colours for charts that survive grayscale printing and colour-blindness: the perceptually
// uniform viridis map for values (dark purple to yellow, lightness rising steadily), the
// Okabe-Ito colours for categories (lines, classes), each paired with a dash pattern and a
// marker shape so that series stay apart without colour.
#pragma once

#include <cstddef>
#include <string>

namespace mlp::svg {

// A colour with channels in [0, 1].
struct Rgb {
  double r = 0, g = 0, b = 0;
  // "#rrggbb".
  std::string hex() const;
  // Relative luminance (WCAG: linearised sRGB, 0.2126 R + 0.7152 G + 0.0722 B), in [0, 1].
  double luminance() const;
};

// a + (b - a) t, channel by channel.
Rgb mix(const Rgb& a, const Rgb& b, double t);

// The viridis map at t in [0, 1] (clamped; NaN gives light grey), interpolated between eleven
// evenly spaced reference colours of the map.
Rgb viridis(double t);

// The reference colours of viridis with their positions, for SVG gradients.
inline constexpr std::size_t viridis_stops = 11;
Rgb viridis_stop(std::size_t i);

// Category i's colour (Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky
// blue, black, yellow; then repeating).
Rgb category_color(std::size_t i);

// Category i's dash pattern for lines: solid, dashed, dotted, dash-dot, long dash, ... (repeating).
std::string category_dash(std::size_t i);

// Black or white, whichever contrasts more with `background`.
std::string text_color_on(const Rgb& background);

}  // namespace mlp::svg
