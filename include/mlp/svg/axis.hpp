// Axes for charts: "nice" tick values (1, 2 or 5 times a power of ten apart) on linear and
// logarithmic scales, their labels, the mapping from data to pixels, and the drawing of a plot
// frame with grid lines, ticks, tick labels and axis titles.
//
//   mlp::svg::Ticks t = mlp::svg::linear_ticks(0.03, 0.97, 6);  // 0, 0.2, ..., 1
//   mlp::svg::Scale x(t.lo, t.hi, 60, 600);                      // data -> pixels
#pragma once

#include <string>
#include <vector>

#include "mlp/svg/document.hpp"

namespace mlp::svg {

// 1, 2 or 5 times a power of ten, the one nearest to span / target (so about `target` steps
// cover `span`). Throws InvalidArgument unless span > 0 is finite and target >= 1.
double nice_step(double span, int target);

// Tick values and the domain they span.
struct Ticks {
  double lo = 0, hi = 1;       // the axis' domain
  std::vector<double> values;  // ticks inside [lo, hi], increasing
  bool log = false;            // positions on a logarithmic scale
  double step = 0;             // linear ticks: their spacing (used for the labels' decimals)
};

// About `target` ticks covering [lo, hi], the domain widened to the outermost ticks. lo may equal
// hi (the domain is then widened around it); lo > hi are swapped. Non-finite bounds throw
// InvalidArgument.
Ticks linear_ticks(double lo, double hi, int target = 6);

// Ticks for a logarithmic axis over [lo, hi] (both > 0, else InvalidArgument): powers of ten when
// the data spans 3 decades or more (every k-th power when there are too many), 1, 2 and 5 times
// powers of ten over 1 to 3 decades, and linear-style ticks placed on the log scale over less
// than a decade. The domain is widened to the outermost ticks.
Ticks log_ticks(double lo, double hi, int target = 6);

// Ticks for a fixed domain [lo, hi], used exactly: the nice values of linear_ticks or log_ticks
// that lie inside it.
Ticks fixed_ticks(double lo, double hi, int target = 6, bool log = false);

// The label of tick `value`: with the decimals that `step` needs on a linear axis (step 0.25 ->
// "0.25", step 20 -> "40"), the shortest exact form on a log axis (step 0); values of magnitude
// 1e6 and above or below 1e-4 in exponent form ("1e-05" -> "1e-5", "2.5e6").
std::string tick_label(double value, double step);

// Maps the domain [d0, d1] to the pixel range [r0, r1], linearly or logarithmically.
class Scale {
 public:
  Scale(double d0, double d1, double r0, double r1, bool log = false);
  double operator()(double value) const;
  bool log() const { return log_; }

 private:
  double d0_, d1_, r0_, r1_;
  bool log_;
};

struct AxisTitles {
  std::string x, y;
};

inline constexpr double tick_font_size = 13;
inline constexpr double axis_title_font_size = 14;

// Width of the widest tick label of `ticks` at the tick font size.
double tick_labels_width(const Ticks& ticks);

// Room that draw_axes needs outside the plot: on the left for the y tick labels and title, below
// for the x tick labels and title, on the right for half of the last x tick label.
double axes_left_margin(const Ticks& y_ticks);
double axes_bottom_margin();
double axes_right_margin(const Ticks& x_ticks);

// Draws a plot's frame, light grid lines at the ticks, tick marks and labels on the left and
// bottom edges of `plot`, the x title centred below and the y title rotated on the left. Tick
// labels that would overlap their neighbours are thinned out (every other one, and so on).
void draw_axes(Document& doc, const Box& plot, const Ticks& x_ticks, const Ticks& y_ticks,
               const AxisTitles& titles, bool grid_lines = true);

}  // namespace mlp::svg
