// CSV tables to datasets: numeric parsing, task guessing, class names, error positions, real data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/data/dataset.hpp"
#include "support/exception_message.hpp"

namespace {

using mlp::test::message_of;

using mlp::CsvTable;
using mlp::Dataset;
using mlp::Task;
using Names = std::vector<std::string>;

#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "message: " << (text) << "\nexpected to contain: " << (part)

CsvTable csv_table(std::string_view text) {
  return mlp::parse_csv(text, "t.csv");
}

std::string dataset_error(std::string_view text, const std::string& target,
                          std::optional<Task> task = std::nullopt,
                          const mlp::ColumnOptions& columns = {}) {
  const CsvTable t = csv_table(text);
  return message_of<mlp::DataError>(
      [&] { mlp::dataset_from_csv<double>(t, target, columns, task); });
}

mlp::ColumnOptions numeric(const Names& names) {
  mlp::ColumnOptions options;
  options.numeric = names;
  return options;
}

mlp::ColumnOptions ignored(const Names& names) {
  mlp::ColumnOptions options;
  options.ignore = names;
  return options;
}

std::string datasets_dir() {
  return MLP_DATASETS_DIR;
}

// ---- real data ----

TEST(Dataset, IrisIsAThreeClassClassification) {
  const CsvTable t = mlp::read_csv(datasets_dir() + "/iris.csv");
  const auto data = mlp::dataset_from_csv<double>(t, "species", {}, std::nullopt);
  EXPECT_EQ(data.task, Task::classification);
  ASSERT_EQ(data.features.rows(), 150);
  ASSERT_EQ(data.features.cols(), 4);
  EXPECT_EQ(data.size(), 150);
  EXPECT_EQ(data.feature_names,
            (Names{"sepal_length", "sepal_width", "petal_length", "petal_width"}));
  EXPECT_EQ(data.class_names, (Names{"setosa", "versicolor", "virginica"}));
  ASSERT_EQ(data.labels.size(), 150u);
  for (int c = 0; c < 3; ++c)
    EXPECT_EQ(std::count(data.labels.begin(), data.labels.end(), c), 50) << "class " << c;
  EXPECT_EQ(data.labels.front(), 0);
  EXPECT_EQ(data.labels.back(), 2);
  // First row of the file: 5.1,3.5,1.4,0.2,setosa.
  EXPECT_DOUBLE_EQ(data.features(0, 0), 5.1);
  EXPECT_DOUBLE_EQ(data.features(0, 1), 3.5);
  EXPECT_DOUBLE_EQ(data.features(0, 2), 1.4);
  EXPECT_DOUBLE_EQ(data.features(0, 3), 0.2);
  // Column means computed offline from the file (Python statistics.mean).
  EXPECT_NEAR(data.features.col(0).mean(), 5.843333333333334, 1e-12);
  EXPECT_NEAR(data.features.col(2).mean(), 3.758, 1e-12);
  EXPECT_EQ(data.targets.size(), 0);
}

TEST(Dataset, IrisInSinglePrecision) {
  const CsvTable t = mlp::read_csv(datasets_dir() + "/iris.csv");
  const auto data = mlp::dataset_from_csv<float>(t, "species");
  EXPECT_EQ(data.features.rows(), 150);
  EXPECT_EQ(data.features(0, 0), 5.1f);
  EXPECT_EQ(data.class_names.size(), 3u);
}

TEST(Dataset, DiabetesIsARegression) {
  const CsvTable t = mlp::read_csv(datasets_dir() + "/diabetes.csv");
  const auto data = mlp::dataset_from_csv<double>(t, "target", {}, std::nullopt);
  EXPECT_EQ(data.task, Task::regression);
  ASSERT_EQ(data.features.rows(), 442);
  ASSERT_EQ(data.features.cols(), 10);
  ASSERT_EQ(data.targets.size(), 442);
  EXPECT_TRUE(data.class_names.empty());
  EXPECT_TRUE(data.labels.empty());
  // First row 59,2,32.1,101.0,157,93.2,38.0,4.0,4.8598,87,151; last target 57.
  EXPECT_DOUBLE_EQ(data.features(0, 0), 59.0);
  EXPECT_DOUBLE_EQ(data.features(0, 8), 4.8598);
  EXPECT_DOUBLE_EQ(data.targets(0), 151.0);
  EXPECT_DOUBLE_EQ(data.targets(441), 57.0);
  // Target mean, min and max computed offline: 152.13348416289594, 25, 346.
  EXPECT_NEAR(data.targets.mean(), 152.13348416289594, 1e-9);
  EXPECT_EQ(data.targets.minCoeff(), 25.0);
  EXPECT_EQ(data.targets.maxCoeff(), 346.0);
}

TEST(Dataset, IgnoredColumnsAreDropped) {
  const CsvTable t = mlp::read_csv(datasets_dir() + "/diabetes.csv");
  const auto data =
      mlp::dataset_from_csv<double>(t, "target", ignored({"sex", "s6"}), Task::regression);
  EXPECT_EQ(data.features.cols(), 8);
  EXPECT_EQ(data.feature_names, (Names{"age", "bmi", "bp", "s1", "s2", "s3", "s4", "s5"}));
  EXPECT_DOUBLE_EQ(data.features(0, 1), 32.1);  // bmi moved to column 1
}

// ---- task guessing and class names ----

TEST(Dataset, TextTargetIsClassification) {
  const auto data = mlp::dataset_from_csv<double>(csv_table("x,y\n1,b\n2,a\n3, b \n"), "y");
  EXPECT_EQ(data.task, Task::classification);
  EXPECT_EQ(data.class_names, (Names{"a", "b"}));  // sorted, trimmed
  EXPECT_EQ(data.labels, (std::vector<int>{1, 0, 1}));
}

TEST(Dataset, FewIntegerValuesAreClassification) {
  const auto data = mlp::dataset_from_csv<double>(csv_table("x,y\n1,0\n2,1\n3,1\n4,0\n"), "y");
  EXPECT_EQ(data.task, Task::classification);
  EXPECT_EQ(data.class_names, (Names{"0", "1"}));
  EXPECT_EQ(data.labels, (std::vector<int>{0, 1, 1, 0}));
}

TEST(Dataset, NumericLabelsSortNumericallyAndCompareByValue) {
  // As strings "10" < "2" < "9"; as numbers 2 < 9 < 10. "2.0" and " 2" are the class "2".
  const auto data =
      mlp::dataset_from_csv<double>(csv_table("x,y\n1,10\n2,9\n3,2\n4,2.0\n5, 2\n6,10\n"), "y");
  EXPECT_EQ(data.task, Task::classification);
  EXPECT_EQ(data.class_names, (Names{"2", "9", "10"}));
  EXPECT_EQ(data.labels, (std::vector<int>{2, 1, 0, 0, 0, 2}));
}

// A table of `n` rows whose target takes the values 0, 1, ..., distinct-1, 0, 1, ... (the feature
// is 0, 2, 4, ...: consecutive integers would be a row number, not a feature).
std::string integer_target_csv(int n, int distinct) {
  std::string text = "x,y\n";
  for (int i = 0; i < n; ++i)
    text += std::to_string(2 * i) + "," + std::to_string(i % distinct) + "\n";
  return text;
}

TEST(Dataset, TaskGuessThresholds) {
  auto guess = [](int n, int distinct) {
    return mlp::dataset_from_csv<double>(csv_table(integer_target_csv(n, distinct)), "y").task;
  };
  // <= 10 distinct values: classification even when every row has its own value.
  EXPECT_EQ(guess(10, 10), Task::classification);
  // 12 distinct values: classification only with fewer than half the rows distinct.
  EXPECT_EQ(guess(30, 12), Task::classification);  // 12 < 15
  EXPECT_EQ(guess(24, 12), Task::regression);      // 12 is not < 12
  // More than 20 distinct values: regression.
  EXPECT_EQ(guess(100, 20), Task::classification);
  EXPECT_EQ(guess(100, 21), Task::regression);
  // Non-integers: regression.
  EXPECT_EQ(mlp::dataset_from_csv<double>(csv_table("x,y\n1,0.5\n2,1\n3,0.5\n4,1\n"), "y").task,
            Task::regression);
}

TEST(Dataset, ExplicitTaskOverridesTheGuess) {
  const CsvTable t = csv_table("x,y\n1,0.5\n2,1.5\n3,0.5\n");
  const auto c = mlp::dataset_from_csv<double>(t, "y", {}, Task::classification);
  EXPECT_EQ(c.class_names, (Names{"0.5", "1.5"}));
  EXPECT_EQ(c.labels, (std::vector<int>{0, 1, 0}));
  const auto r =
      mlp::dataset_from_csv<double>(csv_table("x,y\n1,0\n2,1\n3,1\n"), "y", {}, Task::regression);
  EXPECT_EQ(r.task, Task::regression);
  EXPECT_EQ(r.targets, (mlp::Vector<double>(3) << 0, 1, 1).finished());
}

TEST(Dataset, NumbersWithSpacesSignsAndExponents) {
  const auto data = mlp::dataset_from_csv<double>(
      csv_table("a,b,y\n 1.5 ,+2,u\n-3e2,\"\t.25\",v\n1e-400,7,u\n"), "y");
  EXPECT_DOUBLE_EQ(data.features(0, 0), 1.5);
  EXPECT_DOUBLE_EQ(data.features(0, 1), 2.0);
  EXPECT_DOUBLE_EQ(data.features(1, 0), -300.0);
  EXPECT_DOUBLE_EQ(data.features(1, 1), 0.25);
  EXPECT_EQ(data.features(2, 0), 0.0);  // underflows to zero: accepted
}

// ---- errors ----

TEST(Dataset, MissingTargetListsColumns) {
  EXPECT_EQ(dataset_error("x,y,class\n1,2,a\n", "label"),
            "t.csv: no target column 'label' (the columns are: 'x', 'y', 'class')");
}

TEST(Dataset, NonNumericFeatureInANumericColumn) {
  const std::string fix = " (the column holds numbers; fix the value";
  for (const char* bad : {"abc", "1.5x", "0x10", "1 2", "inf", "-inf", "Infinity"})
    EXPECT_CONTAINS(dataset_error(std::string("x,y,c\n1,2,a\n3,") + bad + ",b\n", "c", std::nullopt,
                                  numeric({"y"})),
                    "t.csv:3:2: column 'y': '" + std::string(bad) + "' is not a number" + fix);
}

TEST(Dataset, EveryTextCellOfAMostlyNumericColumnIsListed) {
  // 30 numbers and 3 text cells: the column is numeric and each text cell is a problem.
  std::string text = "x,c\n";
  for (int i = 0; i < 30; ++i) text += std::to_string(i) + (i % 2 ? ",a\n" : ",b\n");
  text += "ten,a\neleven,b\ntwelve,a\n";
  const std::string message = dataset_error(text, "c");
  EXPECT_CONTAINS(message, "t.csv: 3 problems in the data:");
  EXPECT_CONTAINS(message, "t.csv:32:1: column 'x': 'ten' is not a number");
  EXPECT_CONTAINS(message, "t.csv:33:1: column 'x': 'eleven' is not a number");
  EXPECT_CONTAINS(message, "t.csv:34:1: column 'x': 'twelve' is not a number");
}

TEST(Dataset, AtMostTwentyProblemsAreListed) {
  std::string text = "x,c\n";
  for (int i = 0; i < 300; ++i) text += std::to_string(i) + (i % 2 ? ",a\n" : ",b\n");
  for (int i = 0; i < 25; ++i) text += "bad,a\n";
  const std::string message = dataset_error(text, "c");
  EXPECT_CONTAINS(message, "t.csv: 25 problems in the data:");
  EXPECT_CONTAINS(message, "\n  and 5 more");
  EXPECT_CONTAINS(message, "t.csv:321:1:");                    // the 20th
  EXPECT_EQ(message.find("t.csv:322:1:"), std::string::npos);  // the 21st is counted only
}

TEST(Dataset, GapsAreImputedWithTheMean) {
  const auto data = mlp::dataset_from_csv<double>(csv_table("x,y,c\n1,2,a\n,4,b\n5, NA ,a\n"), "c");
  ASSERT_EQ(data.features.cols(), 2);
  EXPECT_DOUBLE_EQ(data.features(1, 0), 3.0);  // mean of 1 and 5
  EXPECT_DOUBLE_EQ(data.features(2, 1), 3.0);  // mean of 2 and 4
}

TEST(Dataset, OutOfRangeValues) {
  EXPECT_CONTAINS(dataset_error("x,c\n1e999,a\n2,b\n", "c", std::nullopt, numeric({"x"})),
                  "t.csv:2:1: column 'x': '1e999' is out of range");
  // Finite in double, too large for float.
  const CsvTable t = csv_table("x,c\n1e39,a\n2,b\n");
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::dataset_from_csv<float>(t, "c"); }),
            "t.csv:2:1: column 'x': '1e39' is out of range for single precision (float)");
  EXPECT_NO_THROW(mlp::dataset_from_csv<double>(t, "c"));
}

TEST(Dataset, PositionsFollowPhysicalLines) {
  // The quoted label spans lines 2-3, so the bad value is on line 4.
  EXPECT_CONTAINS(dataset_error("x,c\n1,\"two\nlines\"\nz,b\n", "c", std::nullopt, numeric({"x"})),
                  "t.csv:4:1: column 'x': 'z' is not a number");
}

TEST(Dataset, RegressionTargetMustBeNumeric) {
  EXPECT_EQ(dataset_error("x,y\n1,2\n2,high\n", "y", Task::regression),
            "t.csv:3:2: column 'y': 'high' is not a number");
}

TEST(Dataset, RowsWithoutATargetAreSkippedAndCounted) {
  const auto data =
      mlp::dataset_from_csv<double>(csv_table("x,y\n1,a\n2,\n3,b\n4,NA\n5,null\n6,a\n"), "y");
  EXPECT_EQ(data.rows_without_target, 3u);
  ASSERT_EQ(data.size(), 3);
  EXPECT_EQ(data.features(1, 0), 3.0);
  EXPECT_EQ(data.labels, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(dataset_error("x,y\n1,\n2,?\n", "y"), "t.csv: the target column 'y' has no values");
}

TEST(Dataset, SingleClass) {
  EXPECT_EQ(dataset_error("x,y\n1,a\n2,a\n", "y"),
            "t.csv: the target column 'y' has only one class ('a'); classification needs at "
            "least two");
}

TEST(Dataset, IgnoredColumnMustExist) {
  EXPECT_EQ(dataset_error("x,z,y\n1,2,a\n2,3,b\n", "y", std::nullopt, ignored({"w"})),
            "t.csv: no column 'w' (named as ignored); the columns are: 'x', 'z', 'y'");
}

TEST(Dataset, NoFeatureLeft) {
  EXPECT_CONTAINS(dataset_error("x,y\n1,a\n2,b\n", "y", std::nullopt, ignored({"x"})),
                  "t.csv: no feature columns left");
}

TEST(Dataset, TargetCannotBeIgnored) {
  const CsvTable t = csv_table("x,y\n1,a\n2,b\n");
  EXPECT_THROW(mlp::dataset_from_csv<double>(t, "y", ignored({"y"})), mlp::InvalidArgument);
}

// ---- predict / evaluate time ----

TEST(Dataset, FeaturesFromCsvFollowTheModelOrder) {
  const CsvTable t = csv_table("b,target,a\n1,x,10\n2,y,20\n");
  const auto X = mlp::features_from_csv<double>(t, {"a", "b"});
  ASSERT_EQ(X.rows(), 2);
  ASSERT_EQ(X.cols(), 2);
  EXPECT_EQ(X(0, 0), 10.0);
  EXPECT_EQ(X(0, 1), 1.0);
  EXPECT_EQ(X(1, 0), 20.0);
  EXPECT_EQ(X(1, 1), 2.0);
}

TEST(Dataset, FeaturesFromCsvNamesMissingAndUnexpectedColumns) {
  const CsvTable t = csv_table("a,petal,target\n1,2,x\n");
  const std::string message = message_of<mlp::DataError>([&] {
    mlp::features_from_csv<float>(t, {"a", "petal_length", "c"});
  });
  EXPECT_EQ(message,
            "t.csv: missing feature columns 'petal_length', 'c' that the model needs; columns "
            "the model does not use: 'petal', 'target'");
}

TEST(Dataset, FeaturesFromCsvChecksValues) {
  const CsvTable t = csv_table("a,b\n1,2\n3,nan\n");
  EXPECT_EQ(message_of<mlp::DataError>([&] {
              mlp::features_from_csv<double>(t, {"b", "a"});
            }),
            "t.csv:3:2: column 'b': 'nan' is not a finite number (NaN and infinity are not "
            "allowed)");
}

TEST(Dataset, LabelsFromCsvUseTheModelClasses) {
  const CsvTable t = csv_table("x,species\n1,virginica\n2, setosa\n3,setosa\n");
  EXPECT_EQ(mlp::labels_from_csv(t, "species", {"setosa", "versicolor", "virginica"}),
            (std::vector<int>{2, 0, 0}));
  // Numeric classes match by value.
  const CsvTable n = csv_table("x,y\n1,1.0\n2,0\n3,10\n");
  EXPECT_EQ(mlp::labels_from_csv(n, "y", {"0", "1", "10"}), (std::vector<int>{1, 0, 2}));
}

TEST(Dataset, LabelsFromCsvRejectsUnknownClass) {
  const CsvTable t = csv_table("x,species\n1,setosa\n2,daisy\n");
  EXPECT_EQ(message_of<mlp::DataError>([&] {
              mlp::labels_from_csv(t, "species", {"setosa", "virginica"});
            }),
            "t.csv:3:2: column 'species': unknown class 'daisy' (the model's classes are "
            "'setosa', 'virginica')");
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::labels_from_csv(t, "label", {"setosa"}); }),
            "t.csv: no target column 'label' (the columns are: 'x', 'species')");
}

TEST(Dataset, TargetsFromCsv) {
  const CsvTable t = csv_table("x,y\n1,2.5\n2,-1\n");
  const auto y = mlp::targets_from_csv<double>(t, "y");
  EXPECT_EQ(y, (mlp::Vector<double>(2) << 2.5, -1.0).finished());
  const CsvTable bad = csv_table("x,y\n1,2.5\n2,?\n");
  EXPECT_EQ(message_of<mlp::DataError>([&] { mlp::targets_from_csv<float>(bad, "y"); }),
            "t.csv:3:2: column 'y': '?' is not a number");
}

TEST(Dataset, TakeSamples) {
  const auto data = mlp::dataset_from_csv<double>(csv_table("x,y\n1,a\n2,b\n3,a\n"), "y");
  const auto subset = mlp::take_samples(data, {2, 1});
  EXPECT_EQ(subset.features, (mlp::Matrix<double>(2, 1) << 3, 2).finished());
  EXPECT_EQ(subset.labels, (std::vector<int>{0, 1}));
  EXPECT_EQ(subset.class_names, data.class_names);
  EXPECT_THROW(mlp::take_samples(data, {3}), mlp::InvalidArgument);
}

TEST(Dataset, TaskNames) {
  EXPECT_EQ(mlp::to_string(Task::regression), "regression");
  EXPECT_EQ(mlp::task_from_string("classification"), Task::classification);
  EXPECT_THROW(mlp::task_from_string("clustering"), mlp::InvalidArgument);
}

}  // namespace
