#include "mlp/svg/marker.hpp"

namespace mlp::svg {

namespace {

std::string point(char command, double x, double y) {
  return std::string(1, command) + number(x, 2) + " " + number(y, 2);
}

}  // namespace

MarkerShape category_marker(std::size_t i) {
  static constexpr MarkerShape shapes[] = {MarkerShape::circle,        MarkerShape::triangle,
                                           MarkerShape::square,        MarkerShape::diamond,
                                           MarkerShape::triangle_down, MarkerShape::cross};
  return shapes[i % 6];
}

std::string marker_path(MarkerShape shape, double x, double y, double r) {
  switch (shape) {
    case MarkerShape::circle:
      // Two arcs make a circle path.
      return point('M', x - r, y) + "a" + number(r, 2) + " " + number(r, 2) + " 0 1 0 " +
             number(2 * r, 2) + " 0a" + number(r, 2) + " " + number(r, 2) + " 0 1 0 " +
             number(-2 * r, 2) + " 0Z";
    case MarkerShape::triangle: {
      const double h = 1.2 * r;
      return point('M', x, y - h) + point('L', x + 1.1 * r, y + 0.8 * r) +
             point('L', x - 1.1 * r, y + 0.8 * r) + "Z";
    }
    case MarkerShape::triangle_down: {
      const double h = 1.2 * r;
      return point('M', x, y + h) + point('L', x + 1.1 * r, y - 0.8 * r) +
             point('L', x - 1.1 * r, y - 0.8 * r) + "Z";
    }
    case MarkerShape::square: {
      const double s = 0.88 * r;
      return point('M', x - s, y - s) + point('L', x + s, y - s) + point('L', x + s, y + s) +
             point('L', x - s, y + s) + "Z";
    }
    case MarkerShape::diamond: {
      const double s = 1.25 * r;
      return point('M', x, y - s) + point('L', x + s, y) + point('L', x, y + s) +
             point('L', x - s, y) + "Z";
    }
    case MarkerShape::cross: {
      const double a = 1.0 * r, b = 0.36 * r;
      return point('M', x - b, y - a) + point('L', x + b, y - a) + point('L', x + b, y - b) +
             point('L', x + a, y - b) + point('L', x + a, y + b) + point('L', x + b, y + b) +
             point('L', x + b, y + a) + point('L', x - b, y + a) + point('L', x - b, y + b) +
             point('L', x - a, y + b) + point('L', x - a, y - b) + point('L', x - b, y - b) + "Z";
    }
  }
  return {};
}

Element marker(MarkerShape shape, double x, double y, double r, const std::string& fill,
               const std::string& outline, double outline_width) {
  Element e("path");
  e.attr("d", marker_path(shape, x, y, r)).attr("fill", fill).attr("stroke", outline);
  if (outline_width != 1) e.attr("stroke-width", outline_width, 2);
  return e;
}

}  // namespace mlp::svg
