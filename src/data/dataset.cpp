#include "mlp/data/dataset.hpp"

#include <algorithm>

#include "csv_dataset.hpp"
#include "mlp/core/error.hpp"
#include "number_text.hpp"

namespace mlp {

namespace {

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
  detail::TableRows rows(table);
  return detail::training_dataset<Scalar>(rows, target, columns, task);
}

template <class Scalar>
Matrix<Scalar> features_from_csv(const CsvTable& table,
                                 const std::vector<std::string>& expected_feature_names) {
  if (expected_feature_names.empty())
    throw InvalidArgument("features_from_csv: the model has no feature names");
  check_table(table);
  ModelInputs model;
  model.feature_names = expected_feature_names;
  ReadOptions options;
  options.features_only = true;
  detail::TableRows rows(table);
  Dataset<Scalar> data;
  detail::model_dataset<Scalar>(rows, options, model, data);
  return std::move(data.features);
}

std::vector<int> labels_from_csv(const CsvTable& table, const std::string& target,
                                 const std::vector<std::string>& class_names) {
  const detail::ClassLookup classes(class_names);
  check_table(table);
  const std::size_t column = column_or_throw(table, target, "target");
  detail::TableRows rows(table);
  std::vector<int> labels(table.rows.size());
  for (std::size_t i = 0; i < table.rows.size(); ++i)
    if (auto problem =
            classes.find(rows, table.line_numbers[i], column, table.rows[i][column], labels[i]))
      throw DataError(*problem);
  return labels;
}

template <class Scalar>
Vector<Scalar> targets_from_csv(const CsvTable& table, const std::string& target) {
  check_table(table);
  const std::size_t column = column_or_throw(table, target, "target");
  detail::TableRows rows(table);
  Vector<Scalar> targets(static_cast<Index>(table.rows.size()));
  for (std::size_t i = 0; i < table.rows.size(); ++i)
    if (auto problem =
            detail::number_field(rows, table.line_numbers[i], column, table.rows[i][column],
                                 "target", targets(static_cast<Index>(i))))
      throw DataError(*problem);
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
