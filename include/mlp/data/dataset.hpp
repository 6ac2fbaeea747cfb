// A dataset in memory: a numeric feature matrix plus class labels or regression targets, and
// the conversion of a CSV table into one (its columns encoded by a ColumnEncoder).
//
//   mlp::CsvTable table = mlp::read_csv("iris.csv");
//   auto data = mlp::dataset_from_csv<double>(table, "species");
//   data.features;     // 150 x 4
//   data.class_names;  // {"setosa", "versicolor", "virginica"}
//   data.labels[0];    // 0
//
// Messages about a value say "FILE:LINE:COL: column 'NAME': what", where LINE is the physical
// line where the row starts and COL the 1-based field (column) number in the row.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/data/column_encoder.hpp"
#include "mlp/data/csv.hpp"

namespace mlp {

// What the target column holds.
enum class Task { classification, regression };

// "classification" or "regression".
std::string_view to_string(Task task);

// Parses "classification" or "regression"; throws InvalidArgument otherwise.
Task task_from_string(std::string_view name);

// The kinds of data file the library reads (read_dataset.hpp).
enum class DataFormat { csv, idx };

template <class Scalar>
struct Dataset {
  Matrix<Scalar> features;                 // samples x features
  std::vector<std::string> feature_names;  // one per feature column, in column order
  Task task = Task::classification;
  std::vector<std::string> class_names;  // classification: sorted unique labels (numeric labels
                                         // sorted numerically and written canonically)
  std::vector<int> labels;               // classification: index into class_names per sample
  Vector<Scalar> targets;                // regression: target value per sample
  std::vector<double> sample_weight;     // one per sample from ColumnOptions::sample_weight, or
                                         // empty (every sample weighs 1)

  DataFormat format = DataFormat::csv;    // the kind of file the data came from
  std::optional<ColumnEncoder> encoder;   // CSV: how the table's columns became the features
  std::optional<CsvOptions> csv_dialect;  // CSV: how the file was read
  std::size_t rows_without_target = 0;    // rows skipped because their target was missing
  // Read for a trained model with ReadOptions::keep_unusable_rows: the rows (samples) whose
  // values cannot be used, each problem once; their features are placeholders.
  std::vector<RowProblem> row_problems;
  // Read with ReadOptions::keep_columns: each such column's values, one per sample, verbatim.
  std::vector<std::vector<std::string>> kept_columns;

  // Number of samples (rows of features).
  Index size() const { return features.rows(); }
};

// Builds a dataset from `table`: `target` is the label/target column; every other column is
// encoded by a ColumnEncoder fitted on the table with `columns` (its roles: numeric, boolean,
// categorical, ordinal or ignored; missing values imputed; see column_encoder.hpp), which is kept
// in Dataset::encoder. Rows whose target is missing (empty or one of columns.na_values) are
// skipped and counted in rows_without_target. When `task` is not given it is guessed from the
// target column: any non-numeric value means classification; numeric values that are all
// integers with at most 20 distinct values, fewer than half the number of rows or at most 10,
// mean classification; anything else is regression. Class labels are trimmed of surrounding
// spaces; numeric labels are compared by value ("1" and "1.0" are one class, named "1").
// Throws DataError when the target or a named column does not exist (the message lists the
// available columns), when no feature column is left, when values cannot be encoded (one message
// with up to 20 problems "FILE:LINE:COL: column 'NAME': what", then "and N more"), for a
// non-numeric regression target, when every target is missing, and when a classification target
// has fewer than two classes. Throws InvalidArgument when the target column is given a role.
template <class Scalar>
Dataset<Scalar> dataset_from_csv(CsvTable table, const std::string& target,
                                 const ColumnOptions& columns = {},
                                 std::optional<Task> task = std::nullopt);

// Removes the rows of `table` whose value in `column` is missing (empty or one of `na_values`)
// and returns how many there were.
std::size_t drop_rows_with_missing(CsvTable& table, std::size_t column,
                                   const std::vector<std::string>& na_values);

// The feature matrix of `table` for a model trained, before column encoders, on the numeric
// columns `expected_feature_names`, in the model's column order (the table's columns may be in any
// order; other columns such as the target are not used). Every value must be a finite number.
// Throws DataError when a model column is missing: the message names the missing columns and the
// table's columns the model does not use.
template <class Scalar>
Matrix<Scalar> features_from_csv(const CsvTable& table,
                                 const std::vector<std::string>& expected_feature_names);

// The class index of each row's `target` value, for evaluating a classifier trained with
// `class_names` (as stored in Dataset::class_names). Labels are trimmed and matched exactly, or
// by numeric value when both are numbers. Throws DataError when the column is missing, for an
// empty label, and for a label that is not one of `class_names` (naming it and its position).
std::vector<int> labels_from_csv(const CsvTable& table, const std::string& target,
                                 const std::vector<std::string>& class_names);

// The numeric `target` value of each row, for evaluating a regression model. Throws DataError
// when the column is missing or a value is not a finite number.
template <class Scalar>
Vector<Scalar> targets_from_csv(const CsvTable& table, const std::string& target);

// The samples of `data` at `rows` (in that order; repeats allowed), with names and task kept.
// Throws InvalidArgument for an index out of range.
template <class Scalar>
Dataset<Scalar> take_samples(const Dataset<Scalar>& data, const std::vector<Index>& rows);

}  // namespace mlp
