#include "shared/validators.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace mlp::cli {

namespace {

bool parse_whole(const std::string& text, long long& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

bool parse_whole(const std::string& text, double& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

}  // namespace

CLI::Validator integer_at_least(long long minimum) {
  const std::string what = minimum == 0   ? "a whole number >= 0"
                           : minimum == 1 ? "a whole number >= 1"
                                          : "a whole number >= " + std::to_string(minimum);
  return CLI::Validator(
      [minimum, what](std::string& text) -> std::string {
        long long value = 0;
        if (!parse_whole(text, value) || value < minimum)
          return "expected " + what + ", got '" + text + "'";
        return {};
      },
      "INT>=" + std::to_string(minimum));
}

CLI::Validator positive_real() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (!parse_whole(text, value) || !(value > 0))
          return "expected a positive number, got '" + text + "'";
        return {};
      },
      "X>0");
}

CLI::Validator fraction() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        double value = 0;
        if (!parse_whole(text, value) || value < 0 || value >= 1)
          return "expected a fraction in [0, 1), got '" + text + "'";
        return {};
      },
      "0<=X<1");
}

}  // namespace mlp::cli
