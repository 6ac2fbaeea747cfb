#include "mlp/data/column_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "mlp/core/error.hpp"
#include "number_text.hpp"

namespace mlp {

namespace {

using detail::is_missing;
using detail::NumberStatus;
using detail::parse_number;
using detail::show;
using detail::trim;

constexpr std::string_view kOther = "(other)";
constexpr std::string_view kMissing = "(missing)";

// The boolean value of `field`: 1 for true/yes/y/t, 0 for false/no/n/f (any case), -1 otherwise.
int boolean_value(std::string_view field) {
  const std::string_view s = trim(field);
  const auto is = [&](std::string_view word) {
    return s.size() == word.size() &&
           std::equal(s.begin(), s.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a + 32) : a) == b;
           });
  };
  if (is("true") || is("yes") || is("y") || is("t")) return 1;
  if (is("false") || is("no") || is("n") || is("f")) return 0;
  return -1;
}

// Hashes a std::string key and a std::string_view lookup alike (no copy per lookup).
struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// What the training values of one column look like.
struct ColumnSummary {
  std::size_t present = 0;      // non-missing values
  std::size_t numbers = 0;      // of them, numbers
  std::size_t booleans = 0;     // of them, boolean words
  double sum = 0.0;             // of the numbers
  double min = 0.0, max = 0.0;  // of the numbers
  bool all_integers = true;     // the numbers are integers
  std::unordered_map<std::string, std::size_t, TextHash, std::equal_to<>>
      counts;  // trimmed value -> rows
};

ColumnSummary summarize(const CsvTable& table, std::size_t column,
                        const std::vector<std::string>& na_values) {
  ColumnSummary s;
  for (const auto& row : table.rows) {
    const std::string_view field = row[column];
    if (is_missing(field, na_values)) continue;
    ++s.present;
    const std::string_view text = trim(field);
    if (const auto it = s.counts.find(text); it != s.counts.end())
      ++it->second;
    else
      s.counts.emplace(text, 1);
    double value = 0.0;
    if (parse_number(field, value, table.dialect.decimal) == NumberStatus::ok) {
      s.min = s.numbers == 0 ? value : std::min(s.min, value);
      s.max = s.numbers == 0 ? value : std::max(s.max, value);
      ++s.numbers;
      s.sum += value;
      s.all_integers = s.all_integers && value == std::trunc(value);
    } else if (boolean_value(field) >= 0) {
      ++s.booleans;
    }
  }
  return s;
}

// Consecutive integers, one per row: a row number or an identifier, not a measurement.
bool is_row_number(const ColumnSummary& s) {
  return s.present >= 20 && s.numbers == s.present && s.all_integers &&
         s.counts.size() == s.present && s.max - s.min + 1 == static_cast<double>(s.present);
}

std::string count_text(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// The role of a column no option names, by the rules in column_encoder.hpp, and why.
void infer_role(const ColumnSummary& s, ColumnEncoding& c) {
  const std::size_t distinct = s.counts.size();
  if (s.present == 0) {
    c.role = ColumnRole::ignored;
    c.why = "no values";
  } else if (is_row_number(s)) {
    c.role = ColumnRole::ignored;
    c.why = "consecutive integers, one per row (a row number or id)";
  } else if (s.numbers == s.present) {
    c.role = ColumnRole::numeric;
    c.why = "numbers";
  } else if (s.booleans == s.present) {
    c.role = ColumnRole::boolean;
    c.why = "yes/no values";
  } else if (10 * s.numbers >= 9 * s.present) {
    c.role = ColumnRole::numeric;
    c.why = "numbers, but " + count_text(s.present - s.numbers, "text value");
  } else if (2 * distinct > s.present && distinct > 10) {
    c.role = ColumnRole::ignored;
    c.why = std::to_string(distinct) + " distinct texts in " + std::to_string(s.present) +
            " rows (an identifier or free text)";
  } else {
    c.role = ColumnRole::categorical;
    c.why = count_text(distinct, "distinct text value");
  }
}

// The levels of an ordinal column without a given order: its values sorted, by value when they
// are all numbers.
std::vector<std::string> sorted_levels(const ColumnSummary& s, char decimal) {
  std::vector<std::string> levels;
  for (const auto& [value, count] : s.counts) levels.push_back(value);
  const bool numbers = s.numbers == s.present;
  std::sort(levels.begin(), levels.end(), [&](const std::string& a, const std::string& b) {
    double x = 0.0, y = 0.0;
    if (numbers && parse_number(a, x, decimal) == NumberStatus::ok &&
        parse_number(b, y, decimal) == NumberStatus::ok && x != y)
      return x < y;
    return a < b;
  });
  return levels;
}

// The categories of a categorical column, its "(other)" and "(missing)" slots and its most
// frequent value: a category is kept when seen at least min(min_count, present / 20) times.
void fit_categories(const ColumnSummary& s, std::size_t min_count, ColumnEncoding& c) {
  const std::size_t threshold = std::max<std::size_t>(1, std::min(min_count, s.present / 20));
  std::size_t best = 0;
  for (const auto& [value, count] : s.counts) {
    if (count >= threshold)
      c.categories.push_back(value);
    else
      c.other_slot = true;
    if (count > best || (count == best && value < c.most_frequent)) {
      best = count;
      c.most_frequent = value;
    }
  }
  std::sort(c.categories.begin(), c.categories.end());
  c.missing_slot = c.missing > 0;
}

// The training mean of an ordinal column's codes, over the values in its order.
double ordinal_mean(const ColumnSummary& s, const std::vector<std::string>& order) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto it = s.counts.find(order[k]);
    if (it == s.counts.end()) continue;
    sum += static_cast<double>(k) * static_cast<double>(it->second);
    n += it->second;
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// Fits the encoding of a column whose role is known.
void fit_encoding(const ColumnSummary& s, const ColumnOptions& options,
                  const std::vector<std::string>* order, char decimal, ColumnEncoding& c) {
  const double present = static_cast<double>(std::max<std::size_t>(s.present, 1));
  switch (c.role) {
    case ColumnRole::numeric:
      c.fill = s.numbers > 0 ? s.sum / static_cast<double>(s.numbers) : 0.0;
      break;
    case ColumnRole::boolean: {
      std::size_t trues = 0;
      for (const auto& [value, count] : s.counts)
        if (boolean_value(value) == 1) trues += count;
      c.fill = static_cast<double>(trues) / present;
      break;
    }
    case ColumnRole::ordinal:
      c.categories = order && !order->empty() ? *order : sorted_levels(s, decimal);
      c.fill = ordinal_mean(s, c.categories);
      break;
    case ColumnRole::categorical:
      fit_categories(s, options.min_category_count, c);
      break;
    case ColumnRole::ignored:
      break;
  }
  c.indicator = options.missing_indicators && c.missing > 0 && c.role != ColumnRole::ignored &&
                c.role != ColumnRole::categorical;
}

std::size_t column_or_throw(const CsvTable& table, const std::string& name, const char* what) {
  const std::size_t column = find_column(table, name);
  if (column == table.header.size())
    throw DataError(table.source + ": no column '" + name + "' (named as " + what +
                    "); the columns are: " + quoted_column_list(table.header));
  return column;
}

// The role asked for each column (index into the header), checking the names.
std::map<std::size_t, ColumnRole> asked_roles(const CsvTable& table, const std::string& target,
                                              const ColumnOptions& options) {
  std::map<std::size_t, ColumnRole> roles;
  const auto ask = [&](const std::string& name, ColumnRole role) {
    if (name == target)
      throw InvalidArgument("the target column '" + target + "' cannot also be " +
                            std::string(to_string(role)));
    const std::size_t column = column_or_throw(table, name, std::string(to_string(role)).c_str());
    const auto [it, inserted] = roles.emplace(column, role);
    if (!inserted && it->second != role)
      throw InvalidArgument("column '" + name + "' is asked to be both " +
                            std::string(to_string(it->second)) + " and " +
                            std::string(to_string(role)));
  };
  for (const auto& name : options.ignore) ask(name, ColumnRole::ignored);
  for (const auto& name : options.categorical) ask(name, ColumnRole::categorical);
  for (const auto& name : options.numeric) ask(name, ColumnRole::numeric);
  for (const auto& o : options.ordinal) ask(o.name, ColumnRole::ordinal);
  return roles;
}

// The value one feature of a numeric, boolean or ordinal column takes from `field`; false when
// the field cannot be encoded (with the reason in `what`).
bool scalar_value(const ColumnEncoding& c, std::string_view field, char decimal, double& value,
                  std::string& what) {
  if (c.role == ColumnRole::numeric) {
    const NumberStatus status = parse_number(field, value, decimal);
    if (status == NumberStatus::ok) return true;
    what = show(trim(field)) +
           (status == NumberStatus::out_of_range
                ? " is out of range"
                : " is not a number (the column holds numbers; fix the value, count it as "
                  "missing with the missing-value markers, or make the column categorical)");
    return false;
  }
  if (c.role == ColumnRole::boolean) {
    const int b = boolean_value(field);
    value = b;
    if (b >= 0) return true;
    what = show(trim(field)) + " is not a yes/no value (the column holds true/false, yes/no, y/n " +
           "or t/f)";
    return false;
  }
  const auto it = std::find(c.categories.begin(), c.categories.end(), trim(field));
  value = static_cast<double>(it - c.categories.begin());
  if (it != c.categories.end()) return true;
  what =
      show(trim(field)) + " is not one of the ordered levels " + quoted_column_list(c.categories);
  return false;
}

// One-hot: the feature index of `field` within a categorical column's features, or -1 for none.
long category_slot(const ColumnEncoding& c, std::string_view field, bool missing) {
  const auto n = static_cast<long>(c.categories.size());
  const long other = c.other_slot ? n : -1;
  const long missing_slot = c.missing_slot ? n + (c.other_slot ? 1 : 0) : -1;
  std::string_view value = trim(field);
  if (missing) {
    if (c.missing_slot) return missing_slot;
    value = c.most_frequent;
  }
  const auto it = std::lower_bound(c.categories.begin(), c.categories.end(), value);
  if (it != c.categories.end() && *it == value) return static_cast<long>(it - c.categories.begin());
  return other;
}

// "FILE:LINE:COL: column 'NAME': "
std::string where(const CsvTable& table, std::size_t row, std::size_t column) {
  return table.source + ":" + std::to_string(table.line_numbers[row]) + ":" +
         std::to_string(column + 1) + ": column '" + table.header[column] + "': ";
}

// The table's column of each encoder column (npos for ignored ones), or DataError naming the
// missing ones.
std::vector<std::size_t> locate_columns(const ColumnEncoder& encoder, const CsvTable& table) {
  std::vector<std::size_t> located;
  std::vector<std::string> missing;
  for (const auto& c : encoder.columns) {
    const std::size_t column = find_column(table, c.name);
    located.push_back(c.role == ColumnRole::ignored ? std::string::npos : column);
    if (c.role != ColumnRole::ignored && column == table.header.size()) missing.push_back(c.name);
  }
  if (missing.empty()) return located;
  std::vector<std::string> unused;
  for (const auto& name : table.header)
    if (std::none_of(encoder.columns.begin(), encoder.columns.end(),
                     [&](const ColumnEncoding& c) { return c.name == name; }))
      unused.push_back(name);
  throw DataError(
      table.source + ": missing column" + (missing.size() > 1 ? "s " : " ") +
      quoted_column_list(missing) + " that the model needs; columns the model does " +
      "not use: " + (unused.empty() ? std::string("(none)") : quoted_column_list(unused)));
}

}  // namespace

std::string_view to_string(ColumnRole role) {
  switch (role) {
    case ColumnRole::numeric:
      return "numeric";
    case ColumnRole::boolean:
      return "boolean";
    case ColumnRole::categorical:
      return "categorical";
    case ColumnRole::ordinal:
      return "ordinal";
    case ColumnRole::ignored:
      return "ignored";
  }
  return "unknown";
}

ColumnRole column_role_from_string(std::string_view name) {
  for (ColumnRole role : {ColumnRole::numeric, ColumnRole::boolean, ColumnRole::categorical,
                          ColumnRole::ordinal, ColumnRole::ignored})
    if (name == to_string(role)) return role;
  throw InvalidArgument("unknown column role '" + std::string(name) + "'");
}

std::vector<std::string> default_na_values() {
  return {"NA", "N/A", "NaN", "null", "?", "#N/A"};
}

std::size_t ColumnEncoding::width() const {
  std::size_t n = 0;
  if (role == ColumnRole::categorical)
    n = categories.size() + (other_slot ? 1 : 0) + (missing_slot ? 1 : 0);
  else if (role != ColumnRole::ignored)
    n = 1;
  return n + (indicator ? 1 : 0);
}

ColumnEncoder ColumnEncoder::fit(const CsvTable& table, const std::string& target,
                                 const ColumnOptions& options) {
  const std::map<std::size_t, ColumnRole> asked = asked_roles(table, target, options);
  ColumnEncoder encoder;
  encoder.na_values = options.na_values;
  for (std::size_t column = 0; column < table.header.size(); ++column) {
    if (table.header[column] == target) continue;
    ColumnEncoding c;
    c.name = table.header[column];
    const ColumnSummary s = summarize(table, column, options.na_values);
    c.missing = table.rows.size() - s.present;
    const std::vector<std::string>* order = nullptr;
    if (const auto it = asked.find(column); it != asked.end()) {
      c.role = it->second;
      c.why = "as asked";
      for (const auto& o : options.ordinal)
        if (o.name == c.name) order = &o.order;
    } else {
      infer_role(s, c);
    }
    fit_encoding(s, options, order, table.dialect.decimal, c);
    encoder.columns.push_back(std::move(c));
  }
  if (encoder.feature_names().empty())
    throw DataError(table.source + ": no feature columns left (every column is the target" +
                    (target.empty() ? std::string() : " '" + target + "'") +
                    ", ignored or without values)");
  return encoder;
}

std::vector<std::string> ColumnEncoder::feature_names() const {
  std::vector<std::string> names;
  for (const auto& c : columns) {
    if (c.role == ColumnRole::categorical) {
      for (const auto& category : c.categories) names.push_back(c.name + "=" + category);
      if (c.other_slot) names.push_back(c.name + "=" + std::string(kOther));
      if (c.missing_slot) names.push_back(c.name + "=" + std::string(kMissing));
    } else if (c.role != ColumnRole::ignored) {
      names.push_back(c.name);
    }
    if (c.indicator) names.push_back(c.name + "=" + std::string(kMissing));
  }
  return names;
}

std::vector<bool> ColumnEncoder::standardized_features() const {
  std::vector<bool> standardized;
  for (const auto& c : columns) {
    const bool scaled = c.role == ColumnRole::numeric || c.role == ColumnRole::ordinal;
    const std::size_t values = c.width() - (c.indicator ? 1 : 0);
    standardized.insert(standardized.end(), values, scaled);
    if (c.indicator) standardized.push_back(false);
  }
  return standardized;
}

template <class Scalar>
EncodedTable<Scalar> ColumnEncoder::transform(const CsvTable& table) const {
  const std::vector<std::size_t> located = locate_columns(*this, table);
  EncodedTable<Scalar> out;
  const auto rows = static_cast<Index>(table.rows.size());
  out.features = Matrix<Scalar>::Zero(rows, static_cast<Index>(feature_names().size()));
  const double largest = static_cast<double>(std::numeric_limits<Scalar>::max());
  std::string what;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto row = static_cast<Index>(i);
    Index feature = 0;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const ColumnEncoding& c = columns[k];
      if (c.role == ColumnRole::ignored) continue;
      const std::string_view field = table.rows[i][located[k]];
      const bool missing = is_missing(field, na_values);
      if (c.role == ColumnRole::categorical) {
        const long slot = category_slot(c, field, missing);
        if (slot >= 0) out.features(row, feature + slot) = Scalar(1);
      } else {
        double value = c.fill;
        if (!missing && !scalar_value(c, field, table.dialect.decimal, value, what)) {
          out.row_problems.push_back({i, where(table, i, located[k]) + what});
          value = c.fill;
        } else if (std::abs(value) > largest) {
          out.row_problems.push_back({i, where(table, i, located[k]) + show(trim(field)) +
                                             " is out of range for single precision (float)"});
          value = c.fill;
        }
        out.features(row, feature) = static_cast<Scalar>(value);
      }
      feature += static_cast<Index>(c.width());
      if (c.indicator) out.features(row, feature - 1) = missing ? Scalar(1) : Scalar(0);
    }
  }
  return out;
}

std::string ColumnEncoder::to_json() const {
  nlohmann::json j;
  j["na_values"] = na_values;
  j["columns"] = nlohmann::json::array();
  for (const auto& c : columns) {
    nlohmann::json column{{"name", c.name},
                          {"role", std::string(to_string(c.role))},
                          {"why", c.why},
                          {"missing", c.missing},
                          {"fill", c.fill},
                          {"categories", c.categories},
                          {"other", c.other_slot},
                          {"missing_slot", c.missing_slot},
                          {"most_frequent", c.most_frequent},
                          {"indicator", c.indicator}};
    j["columns"].push_back(std::move(column));
  }
  return j.dump();
}

namespace {

[[noreturn]] void bad_encoder(const std::string& what) {
  throw ModelFileError("model metadata: column encoder: " + what);
}

template <class T>
T field_of(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) bad_encoder(where + ": missing \"" + key + "\"");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    bad_encoder(where + ": \"" + key + "\" has the wrong type");
  }
}

ColumnEncoding column_from_json(const nlohmann::json& j, std::size_t index) {
  const std::string where = "column " + std::to_string(index);
  if (!j.is_object()) bad_encoder(where + " is not an object");
  ColumnEncoding c;
  c.name = field_of<std::string>(j, "name", where);
  try {
    c.role = column_role_from_string(field_of<std::string>(j, "role", where));
  } catch (const InvalidArgument& e) {
    bad_encoder(where + ": " + e.what());
  }
  c.why = field_of<std::string>(j, "why", where);
  c.missing = field_of<std::size_t>(j, "missing", where);
  c.fill = field_of<double>(j, "fill", where);
  if (!std::isfinite(c.fill)) bad_encoder(where + ": \"fill\" is not finite");
  c.categories = field_of<std::vector<std::string>>(j, "categories", where);
  c.other_slot = field_of<bool>(j, "other", where);
  c.missing_slot = field_of<bool>(j, "missing_slot", where);
  c.most_frequent = field_of<std::string>(j, "most_frequent", where);
  c.indicator = field_of<bool>(j, "indicator", where);
  if (c.role == ColumnRole::categorical &&
      !std::is_sorted(c.categories.begin(), c.categories.end()))
    bad_encoder(where + ": the categories are not sorted");
  return c;
}

}  // namespace

ColumnEncoder ColumnEncoder::from_json(std::string_view json_text) {
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) bad_encoder("not a JSON object");
  ColumnEncoder encoder;
  encoder.na_values = field_of<std::vector<std::string>>(j, "na_values", "encoder");
  if (!j.contains("columns") || !j.at("columns").is_array()) bad_encoder("no \"columns\" list");
  for (const auto& column : j.at("columns"))
    encoder.columns.push_back(column_from_json(column, encoder.columns.size()));
  return encoder;
}

template EncodedTable<float> ColumnEncoder::transform<float>(const CsvTable&) const;
template EncodedTable<double> ColumnEncoder::transform<double>(const CsvTable&) const;

}  // namespace mlp
