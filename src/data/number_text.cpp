#include "number_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace mlp::detail {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

NumberStatus parse_number(std::string_view field, double& value, char decimal) {
  std::string_view s = trim(field);
  if (s.empty()) return NumberStatus::empty;
  // from_chars does not take a leading '+'; accept one in front of a digit or a point.
  if (s.size() >= 2 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  std::string comma_copy;  // a decimal comma becomes the point from_chars reads
  if (decimal != '.') {
    if (s.find('.') != std::string_view::npos) return NumberStatus::not_a_number;
    comma_copy.assign(s);
    std::replace(comma_copy.begin(), comma_copy.end(), decimal, '.');
    s = comma_copy;
  }
  double parsed = 0.0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), parsed);
  if (end != s.data() + s.size()) return NumberStatus::not_a_number;
  if (error == std::errc::invalid_argument) return NumberStatus::not_a_number;
  if (error == std::errc::result_out_of_range) {
    // from_chars reports underflow as out of range too: let strtod tell the two apart.
    const std::string copy(s);
    parsed = std::strtod(copy.c_str(), nullptr);
    if (!std::isfinite(parsed)) return NumberStatus::out_of_range;
  }
  if (!std::isfinite(parsed)) return NumberStatus::not_finite;
  value = parsed;
  return NumberStatus::ok;
}

bool is_missing(std::string_view field, const std::vector<std::string>& na_values) {
  const std::string_view s = trim(field);
  if (s.empty()) return true;
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return std::any_of(na_values.begin(), na_values.end(), [&](const std::string& na) {
    return na.size() == s.size() && std::equal(s.begin(), s.end(), na.begin(), [&](char a, char b) {
             return lower(a) == lower(b);
           });
  });
}

std::string show(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string quoted(1, '\'');
  quoted.append(value.substr(0, kMax));
  if (value.size() > kMax) quoted.append("...");
  quoted.push_back('\'');
  return quoted;
}

}  // namespace mlp::detail
