// Standard scaling, train/test splits, row selection and one-hot encoding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "mlp/core/error.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/preprocessing.hpp"

namespace {

using mlp::Index;
using mlp::Matrix;
using mlp::StandardScaler;

#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "message: " << (text) << "\nexpected to contain: " << (part)

// ---- StandardScaler ----

TEST(Scaler, FitComputesMeanAndPopulationStd) {
  // Column 0: 1, 2, 3, 6 -> mean 3, squared deviations 4 + 1 + 0 + 9 = 14, variance 14/4 = 3.5.
  // Column 1: constant 10 -> scale 1.
  Matrix<double> X(4, 2);
  X << 1, 10, 2, 10, 3, 10, 6, 10;
  StandardScaler<double> scaler;
  EXPECT_FALSE(scaler.fitted());
  scaler.fit(X);
  ASSERT_TRUE(scaler.fitted());
  EXPECT_DOUBLE_EQ(scaler.mean(0), 3.0);
  EXPECT_DOUBLE_EQ(scaler.scale(0), std::sqrt(3.5));
  EXPECT_EQ(scaler.mean(1), 10.0);
  EXPECT_EQ(scaler.scale(1), 1.0);

  scaler.transform(X);
  EXPECT_DOUBLE_EQ(X(0, 0), -2.0 / std::sqrt(3.5));
  EXPECT_DOUBLE_EQ(X(3, 0), 3.0 / std::sqrt(3.5));
  EXPECT_EQ(X.col(1), Eigen::VectorXd::Zero(4));
}

TEST(Scaler, ConstantColumnWhoseMeanRoundsIsStillConstant) {
  // The sum of ten 0.1s divided by 10 is not exactly 0.1 in binary floating point.
  Matrix<double> X = Matrix<double>::Constant(10, 1, 0.1);
  StandardScaler<double> scaler;
  scaler.fit(X);
  EXPECT_EQ(scaler.scale(0), 1.0);
  scaler.transform(X);
  EXPECT_EQ(X, Matrix<double>::Zero(10, 1));
}

TEST(Scaler, ValuesNearTheLargestDoubleStayFinite) {
  // The sum 1e308 + 1e308 overflows; the mean and deviation must not.
  Matrix<double> X(4, 1);
  X << 1e308, 1e308, -1e308, 1.7e308;
  StandardScaler<double> scaler;
  scaler.fit(X);
  const double mean = (1e308 / 4 + 1e308 / 4 - 1e308 / 4 + 1.7e308 / 4);
  EXPECT_NEAR(scaler.mean(0) / mean, 1.0, 1e-12);
  double squares = 0.0;
  for (double x : {1e308, 1e308, -1e308, 1.7e308})
    squares += (x / 1e308 - mean / 1e308) * (x / 1e308 - mean / 1e308);
  EXPECT_NEAR(scaler.scale(0) / (std::sqrt(squares / 4) * 1e308), 1.0, 1e-12);
  scaler.transform(X);
  ASSERT_TRUE(X.allFinite()) << X;
  EXPECT_NEAR(X(2, 0), (-1e308 / 1e308 - mean / 1e308) / std::sqrt(squares / 4), 1e-12);
  EXPECT_NEAR(X.mean(), 0.0, 1e-12);
}

TEST(Scaler, IrisColumnsBecomeStandardised) {
  const auto table = mlp::read_csv(std::string(MLP_DATASETS_DIR) + "/iris.csv");
  auto data = mlp::dataset_from_csv<float>(table, "species");
  StandardScaler<float> scaler;
  scaler.fit(data.features);
  // Population standard deviations computed offline (Python statistics.pstdev).
  EXPECT_NEAR(scaler.mean(0), 5.843333333333334, 1e-6);
  EXPECT_NEAR(scaler.scale(0), 0.8253012917851409, 1e-6);
  EXPECT_NEAR(scaler.scale(2), 1.759404065775303, 1e-6);
  scaler.transform(data.features);
  for (Index j = 0; j < 4; ++j) {
    const Eigen::VectorXd column = data.features.col(j).cast<double>();
    const double mean = column.mean();
    const double variance = (column.array() - mean).square().mean();
    EXPECT_NEAR(mean, 0.0, 1e-6) << "column " << j;
    EXPECT_NEAR(variance, 1.0, 1e-5) << "column " << j;
  }
}

TEST(Scaler, JsonRoundTripIsExact) {
  StandardScaler<double> scaler;
  scaler.mean.resize(3);
  scaler.scale.resize(3);
  scaler.mean << 0.1, -1.0 / 3.0, 1e-300;
  scaler.scale << 2.0 / 3.0, 1.0, 12345.678901234567;
  const std::string json = scaler.to_json();
  EXPECT_EQ(json.rfind("{\"mean\":[", 0), 0u) << json;
  const auto back = StandardScaler<double>::from_json(json);
  EXPECT_EQ(back.mean, scaler.mean);
  EXPECT_EQ(back.scale, scaler.scale);

  StandardScaler<float> single;
  single.mean = (mlp::Vector<float>(2) << 0.1f, -7.25f).finished();
  single.scale = (mlp::Vector<float>(2) << 1.0f / 3.0f, 3.0e38f).finished();
  const auto single_back = StandardScaler<float>::from_json(single.to_json());
  EXPECT_EQ(single_back.mean, single.mean);
  EXPECT_EQ(single_back.scale, single.scale);
}

TEST(Scaler, FromJsonRejectsBadContent) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "invalid JSON"},
      {"[1, 2]", "expected a JSON object"},
      {R"({"scale": [1]})", "missing \"mean\""},
      {R"({"mean": [1]})", "missing \"scale\""},
      {R"({"mean": 1, "scale": [1]})", "\"mean\" is not an array"},
      {R"({"mean": [], "scale": []})", "\"mean\" is empty"},
      {R"({"mean": [1, 2], "scale": [1]})", "\"mean\" has 2 values but \"scale\" has 1"},
      {R"({"mean": [1, "2"], "scale": [1, 1]})", "\"mean\"[1] is not a number"},
      {R"({"mean": [1, true], "scale": [1, 1]})", "\"mean\"[1] is not a number"},
      {R"({"mean": [0], "scale": [0]})", "\"scale\"[0] is not > 0"},
      {R"({"mean": [0], "scale": [-2]})", "\"scale\"[0] is not > 0"},
      {R"({"mean": [0], "scale": [1e999]})", "invalid JSON"},  // number overflow
  };
  for (const auto& [text, expected] : cases) {
    try {
      StandardScaler<double>::from_json(text);
      ADD_FAILURE() << "no ModelFileError for " << text;
    } catch (const mlp::ModelFileError& e) {
      EXPECT_CONTAINS(e.what(), expected);
      EXPECT_CONTAINS(e.what(), "standard scaler parameters: ");
    }
  }
  // Finite in double but not in float.
  EXPECT_THROW(StandardScaler<float>::from_json(R"({"mean": [1e300], "scale": [1]})"),
               mlp::ModelFileError);
  EXPECT_NO_THROW(StandardScaler<double>::from_json(R"({"mean": [1e300], "scale": [1]})"));
}

TEST(Scaler, RejectsMisuse) {
  StandardScaler<double> scaler;
  Matrix<double> X = Matrix<double>::Ones(2, 3);
  EXPECT_THROW(scaler.transform(X), mlp::InvalidArgument);  // not fitted
  EXPECT_THROW(scaler.to_json(), mlp::InvalidArgument);
  EXPECT_THROW(scaler.fit(Matrix<double>(0, 3)), mlp::InvalidArgument);
  Matrix<double> with_nan = X;
  with_nan(1, 2) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(scaler.fit(with_nan), mlp::InvalidArgument);
  scaler.fit(X);
  Matrix<double> wrong = Matrix<double>::Ones(2, 2);
  EXPECT_THROW(scaler.transform(wrong), mlp::InvalidArgument);
}

// ---- splits ----

std::vector<int> labels_with_counts(const std::vector<int>& counts) {
  std::vector<int> labels;
  // Interleave the classes so that a split that ignored the labels would not look stratified.
  for (int k = 0;
       labels.size() < static_cast<std::size_t>(std::accumulate(counts.begin(), counts.end(), 0));
       ++k)
    for (std::size_t c = 0; c < counts.size(); ++c)
      if (k < counts[c]) labels.push_back(static_cast<int>(c));
  return labels;
}

std::vector<int> class_counts(const std::vector<int>& labels, const std::vector<Index>& rows,
                              int n_classes) {
  std::vector<int> counts(static_cast<std::size_t>(n_classes), 0);
  for (Index r : rows) ++counts[static_cast<std::size_t>(labels[static_cast<std::size_t>(r)])];
  return counts;
}

// Train and test are sorted, disjoint and together hold 0..n-1.
void expect_partition(const mlp::Split& split, std::size_t n) {
  EXPECT_TRUE(std::is_sorted(split.train.begin(), split.train.end()));
  EXPECT_TRUE(std::is_sorted(split.test.begin(), split.test.end()));
  std::vector<Index> all = split.train;
  all.insert(all.end(), split.test.begin(), split.test.end());
  std::sort(all.begin(), all.end());
  std::vector<Index> expected(n);
  std::iota(expected.begin(), expected.end(), Index{0});
  EXPECT_EQ(all, expected);
}

TEST(Split, StratifiedKeepsClassProportions) {
  const auto labels = labels_with_counts({50, 30, 20});
  mlp::Random rng(1);
  const auto split = mlp::stratified_split(labels, 0.2, rng);
  expect_partition(split, 100);
  EXPECT_EQ(class_counts(labels, split.test, 3), (std::vector<int>{10, 6, 4}));
  EXPECT_EQ(class_counts(labels, split.train, 3), (std::vector<int>{40, 24, 16}));
}

TEST(Split, StratifiedIris) {
  const auto table = mlp::read_csv(std::string(MLP_DATASETS_DIR) + "/iris.csv");
  const auto data = mlp::dataset_from_csv<double>(table, "species");
  mlp::Random rng(42);
  const auto split = mlp::stratified_split(data.labels, 0.2, rng);
  expect_partition(split, 150);
  EXPECT_EQ(class_counts(data.labels, split.test, 3), (std::vector<int>{10, 10, 10}));
}

TEST(Split, StratifiedSharesRemaindersByLargestFraction) {
  // Sizes 7, 7, 6 and 25%: shares 1.75, 1.75, 1.5 -> floors 1, 1, 1; the 2 samples still needed
  // for round(0.25 * 20) = 5 go to the two classes with remainder 0.75.
  const auto labels = labels_with_counts({7, 7, 6});
  mlp::Random rng(3);
  const auto split = mlp::stratified_split(labels, 0.25, rng);
  expect_partition(split, 20);
  EXPECT_EQ(class_counts(labels, split.test, 3), (std::vector<int>{2, 2, 1}));
}

TEST(Split, StratifiedKeepsSmallClassesInTraining) {
  // Class 0 has 1 sample (goes to training), class 1 has 2 (one stays in training whatever the
  // fraction), class 2 has 7. At 50%: total 5; floors 0, 1 (capped at 1), 3; the missing sample
  // goes to class 2 (remainder 0.5, class 0 cannot give any).
  const std::vector<int> labels = {2, 1, 2, 0, 2, 2, 1, 2, 2, 2};
  mlp::Random rng(5);
  const auto split = mlp::stratified_split(labels, 0.5, rng);
  expect_partition(split, 10);
  EXPECT_EQ(class_counts(labels, split.test, 3), (std::vector<int>{0, 1, 4}));
  // A huge fraction still leaves one sample of each class in training.
  mlp::Random rng2(5);
  const auto greedy = mlp::stratified_split(labels, 0.99, rng2);
  EXPECT_EQ(class_counts(labels, greedy.train, 3), (std::vector<int>{1, 1, 1}));
}

TEST(Split, StratifiedIsReproducibleAndDependsOnTheSeed) {
  const auto labels = labels_with_counts({40, 40});
  mlp::Random a(7), b(7), c(8);
  const auto first = mlp::stratified_split(labels, 0.25, a);
  const auto again = mlp::stratified_split(labels, 0.25, b);
  const auto other = mlp::stratified_split(labels, 0.25, c);
  EXPECT_EQ(first.test, again.test);
  EXPECT_NE(first.test, other.test);
  EXPECT_EQ(first.test.size(), 20u);
}

TEST(Split, RandomSplitSizes) {
  mlp::Random rng(1);
  const auto split = mlp::random_split(10, 0.3, rng);
  expect_partition(split, 10);
  EXPECT_EQ(split.test.size(), 3u);
  EXPECT_EQ(split.train.size(), 7u);

  const auto none = mlp::random_split(5, 0.0, rng);
  EXPECT_TRUE(none.test.empty());
  EXPECT_EQ(none.train.size(), 5u);
  // The last sample always stays in training.
  const auto one = mlp::random_split(1, 0.9, rng);
  EXPECT_EQ(one.train, (std::vector<Index>{0}));
  EXPECT_TRUE(one.test.empty());
  mlp::Random x(9), y(9);
  EXPECT_EQ(mlp::random_split(50, 0.5, x).test, mlp::random_split(50, 0.5, y).test);
}

TEST(Split, RejectsInvalidArguments) {
  mlp::Random rng(1);
  const std::vector<int> labels = {0, 1, 0, 1};
  for (double bad : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THROW(mlp::stratified_split(labels, bad, rng), mlp::InvalidArgument) << bad;
    EXPECT_THROW(mlp::random_split(4, bad, rng), mlp::InvalidArgument) << bad;
  }
  EXPECT_THROW(mlp::stratified_split({}, 0.2, rng), mlp::InvalidArgument);
  EXPECT_THROW(mlp::stratified_split({0, -1}, 0.2, rng), mlp::InvalidArgument);
  EXPECT_THROW(mlp::random_split(0, 0.2, rng), mlp::InvalidArgument);
}

TEST(Split, TakeRowsSelectsInOrder) {
  Matrix<double> X(4, 2);
  X << 0, 1, 10, 11, 20, 21, 30, 31;
  const Matrix<double> picked = mlp::take_rows(X, {3, 0, 3});
  EXPECT_EQ(picked, (Matrix<double>(3, 2) << 30, 31, 0, 1, 30, 31).finished());
  const mlp::Vector<float> v = (mlp::Vector<float>(3) << 1.5f, 2.5f, 3.5f).finished();
  EXPECT_EQ(mlp::take_rows(v, {2, 1}), (mlp::Vector<float>(2) << 3.5f, 2.5f).finished());
  EXPECT_EQ(mlp::take_labels({4, 5, 6}, {1, 1}), (std::vector<int>{5, 5}));
  EXPECT_THROW(mlp::take_rows(X, {4}), mlp::InvalidArgument);
  EXPECT_THROW(mlp::take_rows(v, {-1}), mlp::InvalidArgument);
  EXPECT_THROW(mlp::take_labels({1}, {1}), mlp::InvalidArgument);
}

// ---- one-hot ----

TEST(OneHot, EncodesLabels) {
  const auto Y = mlp::one_hot<float>({2, 0, 1, 2}, 4);
  Matrix<float> expected(4, 4);
  expected << 0, 0, 1, 0,  //
      1, 0, 0, 0,          //
      0, 1, 0, 0,          //
      0, 0, 1, 0;
  EXPECT_EQ(Y, expected);
}

TEST(OneHot, RejectsBadLabels) {
  EXPECT_THROW(mlp::one_hot<double>({0, 3}, 3), mlp::InvalidArgument);
  EXPECT_THROW(mlp::one_hot<double>({-1}, 3), mlp::InvalidArgument);
  EXPECT_THROW(mlp::one_hot<double>({0}, 0), mlp::InvalidArgument);
}

}  // namespace
