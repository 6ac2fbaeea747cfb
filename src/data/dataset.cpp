#include "mlp/data/dataset.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>

#include "mlp/core/error.hpp"
#include "number_text.hpp"
#include "problem_list.hpp"

namespace mlp {

namespace {

using detail::NumberStatus;
using detail::parse_number;
using detail::show;
using detail::trim;

// "FILE:LINE:COL: column 'NAME': "
std::string where(const CsvTable& table, std::size_t row, std::size_t column) {
  const std::size_t line = row < table.line_numbers.size() ? table.line_numbers[row] : 0;
  return table.source + ":" + std::to_string(line) + ":" + std::to_string(column + 1) +
         ": column '" + table.header[column] + "': ";
}

template <class Scalar>
Scalar number_at(const CsvTable& table, std::size_t row, std::size_t column,
                 const char* what = "value") {
  const std::string& field = table.rows[row][column];
  double value = 0.0;
  switch (parse_number(field, value, table.dialect.decimal)) {
    case NumberStatus::ok:
      break;
    case NumberStatus::empty:
      throw DataError(where(table, row, column) + "empty " + what + " (a number is required)");
    case NumberStatus::not_a_number:
      throw DataError(where(table, row, column) + show(field) + " is not a number");
    case NumberStatus::not_finite:
      throw DataError(where(table, row, column) + show(field) +
                      " is not a finite number (NaN and infinity are not allowed)");
    case NumberStatus::out_of_range:
      throw DataError(where(table, row, column) + show(field) + " is out of range");
  }
  if (std::abs(value) > static_cast<double>(std::numeric_limits<Scalar>::max()))
    throw DataError(where(table, row, column) + show(field) +
                    " is out of range for single precision (float)");
  return static_cast<Scalar>(value);
}

// Tables built by hand rather than by parse_csv may be inconsistent: check what the code relies on.
void check_table(const CsvTable& table) {
  if (table.rows.empty()) throw DataError(table.source + ": no data rows");
  if (table.line_numbers.size() != table.rows.size())
    throw InvalidArgument(table.source + ": CsvTable has " + std::to_string(table.rows.size()) +
                          " rows but " + std::to_string(table.line_numbers.size()) +
                          " line numbers");
  for (std::size_t i = 0; i < table.rows.size(); ++i)
    if (table.rows[i].size() != table.header.size())
      throw InvalidArgument(table.source + ": CsvTable row " + std::to_string(i) + " has " +
                            std::to_string(table.rows[i].size()) + " fields, the header " +
                            std::to_string(table.header.size()));
}

std::size_t column_or_throw(const CsvTable& table, const std::string& name, const char* role) {
  const std::size_t column = find_column(table, name);
  if (column == table.header.size())
    throw DataError(table.source + ": no " + role + " column '" + name +
                    "' (the columns are: " + quoted_column_list(table.header) + ")");
  return column;
}

// The values of the sample-weight column `name`: finite numbers >= 0, not all 0. Every bad value
// is collected into one DataError.
std::vector<double> sample_weights(const CsvTable& table, const std::string& name) {
  const std::size_t column = column_or_throw(table, name, "sample weight");
  std::vector<double> weights(table.rows.size());
  detail::ProblemList problems;
  for (std::size_t row = 0; row < table.rows.size(); ++row) {
    const std::string& field = table.rows[row][column];
    if (parse_number(field, weights[row], table.dialect.decimal) != NumberStatus::ok ||
        !(weights[row] >= 0.0))
      problems.add(where(table, row, column) + show(field) +
                   " is not a sample weight (a finite number >= 0 is required)");
  }
  problems.throw_if_any(table.source);
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0.0; }))
    throw DataError(table.source + ": column '" + name +
                    "': every sample weight is 0 (at least one must be positive)");
  return weights;
}

// Canonical name of a numeric class label: integers without a decimal point, others in the
// shortest form that reads back to the same double.
std::string numeric_label_name(double value) {
  if (value == std::trunc(value) && std::abs(value) < 0x1p53)
    return std::to_string(static_cast<long long>(value));
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

bool is_integer(double value) {
  return value == std::trunc(value);
}

std::string class_list(const std::vector<std::string>& names) {
  constexpr std::size_t kMax = 20;
  if (names.size() <= kMax) return quoted_column_list(names);
  std::vector<std::string> first(names.begin(), names.begin() + kMax);
  return quoted_column_list(first) + ", ... (" + std::to_string(names.size()) + " classes)";
}

template <class Scalar>
void fill_features(const CsvTable& table, const std::vector<std::size_t>& columns,
                   Matrix<Scalar>& features) {
  const auto rows = static_cast<Index>(table.rows.size());
  features.resize(rows, static_cast<Index>(columns.size()));
  for (Index i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < columns.size(); ++j)
      features(i, static_cast<Index>(j)) =
          number_at<Scalar>(table, static_cast<std::size_t>(i), columns[j]);
}

// The labels (and class names) or targets of `data` from the target column; the task guessed
// when not given.
template <class Scalar>
void read_target(const CsvTable& table, std::size_t target_column, std::optional<Task> task,
                 Dataset<Scalar>& data) {
  const std::string& target = table.header[target_column];
  // Read the target column: trimmed text, and its numeric value when it has one.
  const std::size_t n = table.rows.size();
  std::vector<std::string_view> text(n);
  std::vector<double> value(n, 0.0);
  bool all_numeric = true;
  for (std::size_t i = 0; i < n; ++i) {
    text[i] = trim(table.rows[i][target_column]);
    if (text[i].empty()) throw DataError(where(table, i, target_column) + "empty target value");
    all_numeric =
        all_numeric && parse_number(text[i], value[i], table.dialect.decimal) == NumberStatus::ok;
  }

  if (!task) {
    task = Task::regression;
    if (!all_numeric) {
      task = Task::classification;
    } else if (std::all_of(value.begin(), value.end(), is_integer)) {
      const std::set<double> distinct(value.begin(), value.end());
      if (distinct.size() <= 20 && (2 * distinct.size() < n || distinct.size() <= 10))
        task = Task::classification;
    }
  }
  data.task = *task;

  if (data.task == Task::regression) {
    data.targets.resize(static_cast<Index>(n));
    for (std::size_t i = 0; i < n; ++i)
      data.targets(static_cast<Index>(i)) = number_at<Scalar>(table, i, target_column, "target");
  } else {
    data.labels.resize(n);
    if (all_numeric) {
      std::map<double, int> index;
      for (double v : value) index.emplace(v == 0.0 ? 0.0 : v, 0);  // -0 and 0: one class
      for (auto& [v, k] : index) {
        k = static_cast<int>(data.class_names.size());
        data.class_names.push_back(numeric_label_name(v));
      }
      for (std::size_t i = 0; i < n; ++i)
        data.labels[i] = index.at(value[i] == 0.0 ? 0.0 : value[i]);
    } else {
      std::map<std::string_view, int> index;
      for (auto t : text) index.emplace(t, 0);
      for (auto& [t, k] : index) {
        k = static_cast<int>(data.class_names.size());
        data.class_names.emplace_back(t);
      }
      for (std::size_t i = 0; i < n; ++i) data.labels[i] = index.at(text[i]);
    }
    if (data.class_names.size() < 2)
      throw DataError(table.source + ": the target column '" + target + "' has only one class (" +
                      show(data.class_names.front()) + "); classification needs at least two");
  }
}

}  // namespace

std::string_view to_string(Task task) {
  switch (task) {
    case Task::classification:
      return "classification";
    case Task::regression:
      return "regression";
  }
  return "unknown";
}

Task task_from_string(std::string_view name) {
  if (name == "classification") return Task::classification;
  if (name == "regression") return Task::regression;
  throw InvalidArgument("unknown task '" + std::string(name) +
                        "' (expected classification or regression)");
}

std::size_t drop_rows_with_missing(CsvTable& table, std::size_t column,
                                   const std::vector<std::string>& na_values) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    if (detail::is_missing(table.rows[i][column], na_values)) continue;
    if (kept != i) {
      table.rows[kept] = std::move(table.rows[i]);
      table.line_numbers[kept] = table.line_numbers[i];
    }
    ++kept;
  }
  const std::size_t dropped = table.rows.size() - kept;
  table.rows.resize(kept);
  table.line_numbers.resize(kept);
  return dropped;
}

template <class Scalar>
Dataset<Scalar> dataset_from_csv(CsvTable table, const std::string& target,
                                 const ColumnOptions& columns, std::optional<Task> task) {
  check_table(table);
  const std::size_t target_column = column_or_throw(table, target, "target");
  Dataset<Scalar> data;
  data.rows_without_target = drop_rows_with_missing(table, target_column, columns.na_values);
  if (table.rows.empty())
    throw DataError(table.source + ": the target column '" + target + "' has no values");
  ColumnOptions feature_columns = columns;
  if (!columns.sample_weight.empty()) {
    data.sample_weight = sample_weights(table, columns.sample_weight);
    feature_columns.ignore.push_back(columns.sample_weight);
  }
  ColumnEncoder encoder = ColumnEncoder::fit(table, target, feature_columns);
  EncodedTable<Scalar> encoded = encoder.template transform<Scalar>(table);
  detail::ProblemList problems;
  for (auto& problem : encoded.row_problems) problems.add(std::move(problem.message));
  problems.throw_if_any(table.source);
  data.features = std::move(encoded.features);
  data.feature_names = encoder.feature_names();
  data.encoder = std::move(encoder);
  data.csv_dialect = table.dialect;
  read_target(table, target_column, task, data);
  return data;
}

template <class Scalar>
Matrix<Scalar> features_from_csv(const CsvTable& table,
                                 const std::vector<std::string>& expected_feature_names) {
  if (expected_feature_names.empty())
    throw InvalidArgument("features_from_csv: the model has no feature names");
  check_table(table);
  std::vector<std::size_t> columns;
  std::vector<std::string> missing;
  for (const auto& name : expected_feature_names) {
    const std::size_t column = find_column(table, name);
    if (column == table.header.size())
      missing.push_back(name);
    else
      columns.push_back(column);
  }
  if (!missing.empty()) {
    std::vector<std::string> unexpected;
    for (const auto& name : table.header)
      if (std::find(expected_feature_names.begin(), expected_feature_names.end(), name) ==
          expected_feature_names.end())
        unexpected.push_back(name);
    throw DataError(table.source + ": missing feature column" + (missing.size() > 1 ? "s " : " ") +
                    quoted_column_list(missing) + " that the model needs; columns the model " +
                    "does not use: " +
                    (unexpected.empty() ? std::string("(none)") : quoted_column_list(unexpected)));
  }
  Matrix<Scalar> features;
  fill_features(table, columns, features);
  return features;
}

std::vector<int> labels_from_csv(const CsvTable& table, const std::string& target,
                                 const std::vector<std::string>& class_names) {
  if (class_names.empty()) throw InvalidArgument("labels_from_csv: no class names given");
  check_table(table);
  const std::size_t column = column_or_throw(table, target, "target");
  std::map<std::string_view, int> by_name;
  std::map<double, int> by_value;
  bool all_numeric = true;
  for (std::size_t k = 0; k < class_names.size(); ++k) {
    by_name.emplace(class_names[k], static_cast<int>(k));
    double v = 0.0;
    if (parse_number(class_names[k], v) == NumberStatus::ok)
      by_value.emplace(v == 0.0 ? 0.0 : v, static_cast<int>(k));
    else
      all_numeric = false;
  }
  std::vector<int> labels(table.rows.size());
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const std::string_view label = trim(table.rows[i][column]);
    if (label.empty()) throw DataError(where(table, i, column) + "empty class label");
    if (auto it = by_name.find(label); it != by_name.end()) {
      labels[i] = it->second;
      continue;
    }
    double v = 0.0;
    if (all_numeric && parse_number(label, v, table.dialect.decimal) == NumberStatus::ok) {
      if (auto it = by_value.find(v == 0.0 ? 0.0 : v); it != by_value.end()) {
        labels[i] = it->second;
        continue;
      }
    }
    throw DataError(where(table, i, column) + "unknown class " + show(label) +
                    " (the model's classes are " + class_list(class_names) + ")");
  }
  return labels;
}

template <class Scalar>
Vector<Scalar> targets_from_csv(const CsvTable& table, const std::string& target) {
  check_table(table);
  const std::size_t column = column_or_throw(table, target, "target");
  Vector<Scalar> targets(static_cast<Index>(table.rows.size()));
  for (std::size_t i = 0; i < table.rows.size(); ++i)
    targets(static_cast<Index>(i)) = number_at<Scalar>(table, i, column, "target");
  return targets;
}

template <class Scalar>
Dataset<Scalar> take_samples(const Dataset<Scalar>& data, const std::vector<Index>& rows) {
  const Index n = data.features.rows();
  for (Index r : rows)
    if (r < 0 || r >= n)
      throw InvalidArgument("take_samples: row index " + std::to_string(r) + " out of range [0, " +
                            std::to_string(n) + ")");
  Dataset<Scalar> subset;
  subset.feature_names = data.feature_names;
  subset.task = data.task;
  subset.class_names = data.class_names;
  subset.format = data.format;
  subset.encoder = data.encoder;
  subset.csv_dialect = data.csv_dialect;
  subset.features.resize(static_cast<Index>(rows.size()), data.features.cols());
  for (std::size_t i = 0; i < rows.size(); ++i)
    subset.features.row(static_cast<Index>(i)) = data.features.row(rows[i]);
  if (data.labels.size() == static_cast<std::size_t>(n)) {
    subset.labels.reserve(rows.size());
    for (Index r : rows) subset.labels.push_back(data.labels[static_cast<std::size_t>(r)]);
  }
  if (data.targets.size() == n) {
    subset.targets.resize(static_cast<Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
      subset.targets(static_cast<Index>(i)) = data.targets(rows[i]);
  }
  return subset;
}

#define MLP_INSTANTIATE(Scalar)                                                                 \
  template Dataset<Scalar> dataset_from_csv<Scalar>(CsvTable, const std::string&,               \
                                                    const ColumnOptions&, std::optional<Task>); \
  template Matrix<Scalar> features_from_csv<Scalar>(const CsvTable&,                            \
                                                    const std::vector<std::string>&);           \
  template Vector<Scalar> targets_from_csv<Scalar>(const CsvTable&, const std::string&);        \
  template Dataset<Scalar> take_samples<Scalar>(const Dataset<Scalar>&, const std::vector<Index>&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
