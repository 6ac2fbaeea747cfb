// Decision regions of a model with two inputs: a grid of the model's output over the plane,
// shaded in bands (viridis for a probability or a value; a tint of each class's colour for the
// predicted class), the boundary where the output crosses a level (marching squares), and the
// data points on top, one marker shape per class.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/svg/document.hpp"

namespace mlp::svg {

struct Segment {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// The segments of the curve where the bilinear interpolation of `grid` equals `level` (marching
// squares), in grid coordinates: x = column index, y = row index. A cell whose corners alternate
// around the level (a saddle) is resolved by its centre's mean value. NaN corners end the curve.
std::vector<Segment> contour_segments(const Matrix<double>& grid, double level);

// The segments of contour_segments joined end to end into polylines (a closed curve ends with
// its first point again), in grid coordinates.
using Polyline = std::vector<std::pair<double, double>>;
std::vector<Polyline> contour_lines(const Matrix<double>& grid, double level);

// A data point: its position and its class (an index into RegionChart::class_names; -1 for a
// point without a label).
struct LabelledPoint {
  double x = 0, y = 0;
  int label = -1;
};

class RegionChart {
 public:
  std::string title, subtitle, x_label, y_label;
  std::string value_label;  // names the colour bar (probability or value mode)
  // The plane covered by the grid; values(r, c) is the output at the centre of cell (r, c), with
  // row 0 at y_min and column 0 at x_min.
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  Matrix<double> values;
  // Class mode: the predicted class of each cell (row-major like values), and values then holds
  // the probability of that class. Empty: values are shaded with viridis in `bands` bands.
  std::vector<int> classes;
  std::pair<double, double> value_range{0.0, 1.0};
  int bands = 10;
  std::optional<double> boundary_level;  // draw the curve where values cross it
  std::string boundary_label = "decision boundary";
  std::vector<std::string> class_names;  // of the points (and of the regions in class mode)
  std::vector<LabelledPoint> points;
  std::size_t max_points = 2500;  // more are drawn as an even sample of them

  void draw(Document& doc, const Box& area) const;
  std::string svg(double width = 640, double height = 520) const;
};

}  // namespace mlp::svg
