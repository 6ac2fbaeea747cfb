// A dataset in memory: a numeric feature matrix plus class labels or regression targets, and
// the conversion of a CSV table into one.
//
//   mlp::CsvTable table = mlp::read_csv("iris.csv");
//   auto data = mlp::dataset_from_csv<double>(table, "species", {}, std::nullopt);
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
#include "mlp/data/csv.hpp"

namespace mlp {

// What the target column holds.
enum class Task { classification, regression };

// "classification" or "regression".
std::string_view to_string(Task task);

// Parses "classification" or "regression"; throws InvalidArgument otherwise.
Task task_from_string(std::string_view name);

template <class Scalar>
struct Dataset {
  Matrix<Scalar> features;                 // samples x features
  std::vector<std::string> feature_names;  // one per feature column, in column order
  Task task = Task::classification;
  std::vector<std::string> class_names;  // classification: sorted unique labels (numeric labels
                                         // sorted numerically and written canonically)
  std::vector<int> labels;               // classification: index into class_names per sample
  Vector<Scalar> targets;                // regression: target value per sample

  // Number of samples (rows of features).
  Index size() const { return features.rows(); }
};

// Builds a dataset from `table`: `target` is the label/target column, columns named in `ignore`
// are dropped, and every other column is a numeric feature. A feature value must be a finite
// decimal number (spaces around it allowed, a leading '+' allowed); empty values, text, NaN and
// infinities are rejected. When `task` is not given it is guessed from the target column: any
// non-numeric value means classification; numeric values that are all integers with at most 20
// distinct values, fewer than half the number of rows or at most 10, mean classification;
// anything else is regression. Class labels are trimmed of surrounding spaces; numeric labels are
// compared by value ("1" and "1.0" are one class, named "1").
// Throws DataError when the target or an ignored column does not exist (the message lists the
// available columns), when no feature column is left, for a bad feature value or a non-numeric
// or empty regression target ("FILE:LINE:COL: column 'NAME': what"), for an empty class label,
// and when a classification target has fewer than two classes. Throws InvalidArgument when the
// target column is also in `ignore`.
template <class Scalar>
Dataset<Scalar> dataset_from_csv(const CsvTable& table, const std::string& target,
                                 const std::vector<std::string>& ignore = {},
                                 std::optional<Task> task = std::nullopt);

// The feature matrix of `table` for a model trained on columns `expected_feature_names`, in the
// model's column order (the table's columns may be in any order; other columns such as the
// target are not used). Values are checked as in dataset_from_csv. Throws DataError when a
// model column is missing: the message names the missing columns and the table's columns the
// model does not use.
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
