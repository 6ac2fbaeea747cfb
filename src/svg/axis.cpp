#include "mlp/svg/axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "mlp/core/error.hpp"

namespace mlp::svg {

namespace {

constexpr double tick_length = 5;
constexpr double label_gap = 4;  // between a tick mark and its label
constexpr double title_gap = 10;

// Multiples k * step for k from ceil(lo / step) to floor(hi / step), without rounding noise.
std::vector<double> multiples(double lo, double hi, double step) {
  std::vector<double> values;
  const double first = std::ceil(lo / step - 1e-9), last = std::floor(hi / step + 1e-9);
  for (double k = first; k <= last; ++k) {
    double v = k * step;
    if (std::abs(v) < step * 1e-9) v = 0;
    values.push_back(v);
  }
  return values;
}

std::string shortest(double value, int significant) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", significant, value);
  std::string text = buffer;
  // "1e-05" -> "1e-5", "2.5e+06" -> "2.5e6"
  const auto e = text.find('e');
  if (e != std::string::npos) {
    std::string mantissa = text.substr(0, e), exponent = text.substr(e + 1);
    bool negative = exponent[0] == '-';
    exponent.erase(0, exponent.find_first_not_of("+-"));
    exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
    text = mantissa + "e" + (negative ? "-" : "") + exponent;
  }
  return text;
}

// Every k-th label, smallest k with no two shown labels closer than `needed(i, j)` pixels.
std::size_t thinning(const std::vector<double>& positions, const std::vector<double>& half_extent,
                     double gap) {
  const std::size_t n = positions.size();
  for (std::size_t k = 1; k < n; ++k) {
    bool fits = true;
    for (std::size_t i = 0; i + k < n && fits; i += k)
      fits = std::abs(positions[i + k] - positions[i]) >= half_extent[i] + half_extent[i + k] + gap;
    if (fits) return k;
  }
  return std::max<std::size_t>(n, 1);
}

}  // namespace

double nice_step(double span, int target) {
  if (!(span > 0) || !std::isfinite(span) || target < 1)
    throw InvalidArgument("nice_step needs a positive finite span and at least one step");
  const double raw = span / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  // The nice value nearest to the raw step (on a log scale: thresholds at the geometric means).
  const double nice = norm < 1.4142 ? 1 : norm < 3.1623 ? 2 : norm < 7.0711 ? 5 : 10;
  return nice * magnitude;
}

Ticks linear_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi))
    throw InvalidArgument("axis bounds must be finite numbers");
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(lo))) {
    const double pad = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
    lo -= pad;
    hi += pad;
  }
  Ticks t;
  t.step = nice_step(hi - lo, std::max(target, 1));
  t.lo = std::floor(lo / t.step + 1e-9) * t.step;
  t.hi = std::ceil(hi / t.step - 1e-9) * t.step;
  t.values = multiples(t.lo, t.hi, t.step);
  if (std::abs(t.lo) < t.step * 1e-9) t.lo = 0;
  if (std::abs(t.hi) < t.step * 1e-9) t.hi = 0;
  return t;
}

Ticks log_ticks(double lo, double hi, int target) {
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi))
    throw InvalidArgument("a logarithmic axis needs positive finite bounds");
  if (lo > hi) std::swap(lo, hi);
  if (hi / lo < 1 + 1e-9) {
    lo /= 1.5;
    hi *= 1.5;
  }
  target = std::max(target, 2);
  Ticks t;
  t.log = true;
  const double l0 = std::log10(lo), l1 = std::log10(hi);
  if (l1 - l0 >= 3) {
    const double e0 = std::floor(l0 + 1e-9), e1 = std::ceil(l1 - 1e-9);
    const double every = std::ceil((e1 - e0) / target);
    const double last = e0 + std::ceil((e1 - e0) / every - 1e-9) * every;
    for (double e = e0; e <= last + 1e-9; e += every) t.values.push_back(std::pow(10.0, e));
    t.lo = t.values.front();
    t.hi = t.values.back();
  } else if (l1 - l0 >= 1) {
    std::vector<double> candidates;
    for (double e = std::floor(l0) - 1; e <= std::ceil(l1) + 1; ++e)
      for (double m : {1.0, 2.0, 5.0}) candidates.push_back(m * std::pow(10.0, e));
    t.lo = *std::prev(std::upper_bound(candidates.begin(), candidates.end(), lo * (1 + 1e-9)));
    t.hi = *std::lower_bound(candidates.begin(), candidates.end(), hi * (1 - 1e-9));
    for (double c : candidates)
      if (c >= t.lo * (1 - 1e-9) && c <= t.hi * (1 + 1e-9)) t.values.push_back(c);
  } else {
    const Ticks linear = linear_ticks(lo, hi, std::max(target / 2, 3));
    t.step = linear.step;
    t.lo = linear.lo > 0 ? linear.lo : lo;
    t.hi = linear.hi;
    for (double v : linear.values)
      if (v >= t.lo * (1 - 1e-12) && v > 0) t.values.push_back(v);
  }
  return t;
}

Ticks fixed_ticks(double lo, double hi, int target, bool log) {
  if (lo > hi) std::swap(lo, hi);
  Ticks t = log ? log_ticks(lo, hi, target) : linear_ticks(lo, hi, target);
  if (hi > lo) {
    t.lo = lo;
    t.hi = hi;
  }
  const double tolerance = 1e-9 * std::abs(t.hi - t.lo);
  std::erase_if(t.values, [&](double v) { return v < t.lo - tolerance || v > t.hi + tolerance; });
  return t;
}

std::string tick_label(double value, double step) {
  if (!std::isfinite(value)) return "";
  double magnitude = std::abs(value);
  if (magnitude < 1e-12 * std::max(1.0, std::abs(step))) {
    value = 0;
    magnitude = 0;
  }
  if (magnitude >= 1e6 || (magnitude < 1e-4 && magnitude > 0)) return shortest(value, 3);
  if (step > 0) {
    // The fewest decimals that write the step exactly (0.2 -> 1, 0.25 -> 2, 20 -> 0).
    int decimals = 0;
    for (double scaled = std::abs(step); decimals < 12; ++decimals, scaled *= 10)
      if (std::abs(scaled - std::round(scaled)) <= 1e-6 * std::max(scaled, 1e-300)) break;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string text = buffer;
    if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);
    return text;
  }
  return value == 0 ? "0" : shortest(value, 6);
}

Scale::Scale(double d0, double d1, double r0, double r1, bool log)
    : d0_(d0), d1_(d1), r0_(r0), r1_(r1), log_(log) {
  if (log_ && (!(d0 > 0) || !(d1 > 0)))
    throw InvalidArgument("a logarithmic scale needs a positive domain");
  if (log_) {
    d0_ = std::log10(d0);
    d1_ = std::log10(d1);
  }
  if (d0_ == d1_) d1_ = d0_ + 1;
}

double Scale::operator()(double value) const {
  const double v = log_ ? std::log10(value) : value;
  return r0_ + (v - d0_) / (d1_ - d0_) * (r1_ - r0_);
}

double tick_labels_width(const Ticks& ticks) {
  double widest = 0;
  for (double v : ticks.values)
    widest = std::max(widest, text_width(tick_label(v, ticks.step), tick_font_size));
  return widest;
}

double axes_left_margin(const Ticks& y_ticks) {
  return tick_length + label_gap + tick_labels_width(y_ticks) + title_gap + axis_title_font_size;
}

double axes_bottom_margin() {
  return tick_length + label_gap + tick_font_size + title_gap + axis_title_font_size + 4;
}

double axes_right_margin(const Ticks& x_ticks) {
  if (x_ticks.values.empty()) return 8;
  return std::max(
      8.0, 0.5 * text_width(tick_label(x_ticks.values.back(), x_ticks.step), tick_font_size) + 2);
}

void draw_axes(Document& doc, const Box& plot, const Ticks& x_ticks, const Ticks& y_ticks,
               const AxisTitles& titles, bool grid_lines) {
  const Scale xs(x_ticks.lo, x_ticks.hi, plot.x, plot.right(), x_ticks.log);
  const Scale ys(y_ticks.lo, y_ticks.hi, plot.bottom(), plot.y, y_ticks.log);
  const Stroke grid{"#e2e2e2", 1, ""};
  const Stroke tick{"#444444", 1, ""};
  TextStyle label;
  label.size = tick_font_size;
  label.color = "#333333";

  doc.open_group(Element("g").attr("class", "axes"));
  // x: grid, ticks, labels
  std::vector<double> xpos, xhalf;
  for (double v : x_ticks.values) {
    xpos.push_back(xs(v));
    xhalf.push_back(0.5 * text_width(tick_label(v, x_ticks.step), tick_font_size));
  }
  const std::size_t x_every = thinning(xpos, xhalf, 10);
  label.anchor = Anchor::middle;
  for (std::size_t i = 0; i < xpos.size(); ++i) {
    const double px = xpos[i];
    if (grid_lines && px > plot.x + 0.5 && px < plot.right() - 0.5)
      doc.line(px, plot.y, px, plot.bottom(), grid);
    doc.line(px, plot.bottom(), px, plot.bottom() + tick_length, tick);
    if (i % x_every == 0)
      doc.text(px, plot.bottom() + tick_length + label_gap + tick_font_size * 0.9,
               tick_label(x_ticks.values[i], x_ticks.step), label);
  }
  // y: grid, ticks, labels
  std::vector<double> ypos, yhalf(y_ticks.values.size(), 0.5 * tick_font_size);
  for (double v : y_ticks.values) ypos.push_back(ys(v));
  const std::size_t y_every = thinning(ypos, yhalf, 3);
  label.anchor = Anchor::end;
  label.centred_v = true;
  for (std::size_t i = 0; i < ypos.size(); ++i) {
    const double py = ypos[i];
    if (grid_lines && py > plot.y + 0.5 && py < plot.bottom() - 0.5)
      doc.line(plot.x, py, plot.right(), py, grid);
    doc.line(plot.x - tick_length, py, plot.x, py, tick);
    if (i % y_every == 0)
      doc.text(plot.x - tick_length - label_gap, py, tick_label(y_ticks.values[i], y_ticks.step),
               label);
  }
  const Stroke frame{"#444444", 1, ""};
  doc.rect(plot, "none", &frame);

  TextStyle title;
  title.size = axis_title_font_size;
  title.anchor = Anchor::middle;
  if (!titles.x.empty())
    doc.text(plot.x + plot.width / 2,
             plot.bottom() + tick_length + label_gap + tick_font_size + title_gap +
                 axis_title_font_size * 0.8,
             titles.x, title);
  if (!titles.y.empty()) {
    title.rotate = -90;
    const double x = plot.x - tick_length - label_gap - tick_labels_width(y_ticks) - title_gap -
                     axis_title_font_size * 0.2;
    doc.text(x, plot.y + plot.height / 2, titles.y, title);
  }
  doc.close_group();
}

}  // namespace mlp::svg
