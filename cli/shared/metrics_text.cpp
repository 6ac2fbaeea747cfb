#include "shared/metrics_text.hpp"

#include <cmath>
#include <cstdio>

namespace mlp::cli {

std::string number_text(double value) {
  char text[32];
  const double magnitude = std::fabs(value);
  if (value == 0.0 || !std::isfinite(value)) {
    std::snprintf(text, sizeof text, "%g", value);
  } else if (magnitude >= 1e-3 && magnitude < 1e6) {
    // 4 significant digits: decimals = 3 - the exponent of the leading digit, never negative.
    const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
    std::snprintf(text, sizeof text, "%.*f", exponent >= 3 ? 0 : 3 - exponent, value);
  } else {
    std::snprintf(text, sizeof text, "%.3e", value);
  }
  return text;
}

std::string percent_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", 100 * fraction);
  return text;
}

std::string regression_metrics_text(double mse, double mae, double r2) {
  char r2_text[32];
  std::snprintf(r2_text, sizeof r2_text, "%.4f", r2);
  return "rmse " + number_text(std::sqrt(mse)) + "  mae " + number_text(mae) + "  r2 " + r2_text;
}

}  // namespace mlp::cli
