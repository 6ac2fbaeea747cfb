#include "mlp/svg/palette.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace mlp::svg {

namespace {

constexpr Rgb from_bytes(int r, int g, int b) {
  return {r / 255.0, g / 255.0, b / 255.0};
}

// viridis at 0, 0.1, ..., 1.
constexpr std::array<Rgb, viridis_stops> viridis_table{
    from_bytes(0x44, 0x01, 0x54), from_bytes(0x48, 0x24, 0x75), from_bytes(0x41, 0x44, 0x87),
    from_bytes(0x35, 0x5f, 0x8d), from_bytes(0x2a, 0x78, 0x8e), from_bytes(0x21, 0x91, 0x8c),
    from_bytes(0x22, 0xa8, 0x84), from_bytes(0x44, 0xbf, 0x70), from_bytes(0x7a, 0xd1, 0x51),
    from_bytes(0xbd, 0xdf, 0x26), from_bytes(0xfd, 0xe7, 0x25)};

constexpr std::array<Rgb, 8> okabe_ito{from_bytes(0x00, 0x72, 0xb2), from_bytes(0xd5, 0x5e, 0x00),
                                       from_bytes(0x00, 0x9e, 0x73), from_bytes(0xcc, 0x79, 0xa7),
                                       from_bytes(0xe6, 0x9f, 0x00), from_bytes(0x56, 0xb4, 0xe9),
                                       from_bytes(0x00, 0x00, 0x00), from_bytes(0xf0, 0xe4, 0x42)};

double linear_channel(double c) {
  return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

}  // namespace

std::string Rgb::hex() const {
  auto byte = [](double c) {
    return static_cast<int>(std::lround(std::clamp(std::isfinite(c) ? c : 0.0, 0.0, 1.0) * 255));
  };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buffer;
}

double Rgb::luminance() const {
  return 0.2126 * linear_channel(r) + 0.7152 * linear_channel(g) + 0.0722 * linear_channel(b);
}

Rgb mix(const Rgb& a, const Rgb& b, double t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

Rgb viridis(double t) {
  if (std::isnan(t)) return from_bytes(0xd9, 0xd9, 0xd9);
  const double x = std::clamp(t, 0.0, 1.0) * (viridis_stops - 1);
  const auto i = std::min(static_cast<std::size_t>(x), viridis_stops - 2);
  return mix(viridis_table[i], viridis_table[i + 1], x - static_cast<double>(i));
}

Rgb viridis_stop(std::size_t i) {
  return viridis_table[std::min(i, viridis_stops - 1)];
}

Rgb category_color(std::size_t i) {
  return okabe_ito[i % okabe_ito.size()];
}

std::string category_dash(std::size_t i) {
  static const std::array<const char*, 6> dashes{"", "7 4", "2 3", "9 3 2 3", "12 4", "4 2 1 2"};
  return dashes[i % dashes.size()];
}

std::string text_color_on(const Rgb& background) {
  // Contrast ratios (L1 + 0.05) / (L2 + 0.05) against black and against white.
  const double l = background.luminance();
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

}  // namespace mlp::svg
