#include "shared/column_report.hpp"

#include <algorithm>
#include <cstdio>

namespace mlp::cli {

namespace {

std::string number_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

// What happens to the gaps of a column, for the "why" text: "; 177 missing -> 29.7".
std::string gaps_text(const ColumnEncoding& c) {
  if (c.missing == 0 || c.role == ColumnRole::ignored) return {};
  std::string text = "; " + std::to_string(c.missing) + " missing -> ";
  if (c.role == ColumnRole::categorical)
    text += c.missing_slot ? "'(missing)'" : "'" + c.most_frequent + "'";
  else
    text += number_text(c.fill);
  return text + (c.indicator ? " (+ indicator)" : "");
}

// The stored values of a column: its categories or order (the first 10).
std::string values_text(const ColumnEncoding& c) {
  if (c.role != ColumnRole::categorical && c.role != ColumnRole::ordinal) return {};
  std::string text = c.role == ColumnRole::ordinal ? "order: " : "categories: ";
  const std::size_t shown = std::min<std::size_t>(c.categories.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + c.categories[i];
  if (c.categories.size() > shown)
    text += ", ... (" + std::to_string(c.categories.size()) + " in all)";
  if (c.other_slot) text += " + (other)";
  return text;
}

}  // namespace

std::string column_roles_table(const ColumnEncoder& encoder, bool details) {
  std::size_t width = 6;
  for (const auto& c : encoder.columns)
    width = std::max(width, std::min<std::size_t>(c.name.size(), 30));
  const int w = static_cast<int>(width);
  std::string table;
  char line[512];
  std::snprintf(line, sizeof line, "  %-*s  %-11s  %8s  %s\n", w, "column", "role", "features",
                "why");
  table += line;
  for (const auto& c : encoder.columns) {
    const std::string name = c.name.size() > 30 ? c.name.substr(0, 27) + "..." : c.name;
    std::snprintf(line, sizeof line, "  %-*s  %-11s  %8zu  ", w, name.c_str(),
                  std::string(to_string(c.role)).c_str(), c.width());
    table += line + c.why + gaps_text(c) + "\n";
    const std::string values = details ? values_text(c) : std::string();
    if (!values.empty()) table += std::string(width + 4, ' ') + values + "\n";
  }
  return table;
}

}  // namespace mlp::cli
