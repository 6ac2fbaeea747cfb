// Classification and regression metrics against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "mlp/core/error.hpp"
#include "mlp/data/metrics.hpp"

namespace {

using mlp::ConfusionMatrix;

// truth = 0 0 1 1 1 2 2 2 2 2
// pred  = 0 1 1 1 0 2 2 1 2 0
// Confusion (rows true, columns predicted):
//   true 0: [1 1 0]   true 1: [1 2 0]   true 2: [1 1 3]
// column sums (predicted counts): 3 4 3; correct: 1 + 2 + 3 = 6 of 10.
// class 0: P = 1/3, R = 1/2, F1 = 2 (1/6) / (5/6) = 2/5
// class 1: P = 2/4, R = 2/3, F1 = 2 (1/3) / (7/6) = 4/7
// class 2: P = 3/3, R = 3/5, F1 = 2 (3/5) / (8/5) = 3/4
// macro P = (1/3 + 1/2 + 1) / 3 = 11/18; macro R = (1/2 + 2/3 + 3/5) / 3 = 53/90;
// macro F1 = (2/5 + 4/7 + 3/4) / 3 = (241/140) / 3 = 241/420.
const std::vector<int> kTruth = {0, 0, 1, 1, 1, 2, 2, 2, 2, 2};
const std::vector<int> kPred = {0, 1, 1, 1, 0, 2, 2, 1, 2, 0};

TEST(Metrics, Accuracy) {
  EXPECT_DOUBLE_EQ(mlp::accuracy(kTruth, kPred), 0.6);
  EXPECT_DOUBLE_EQ(mlp::accuracy({1, 2}, {1, 2}), 1.0);
  EXPECT_DOUBLE_EQ(mlp::accuracy({1, 2}, {2, 1}), 0.0);
}

TEST(Metrics, ConfusionMatrixRowsAreTrueClasses) {
  ConfusionMatrix expected(3, 3);
  expected << 1, 1, 0,  //
      1, 2, 0,          //
      1, 1, 3;
  EXPECT_EQ(mlp::confusion_matrix(kTruth, kPred, 3), expected);
  // Not symmetric: one sample of class 0 predicted as 1 is counts(0, 1).
  const ConfusionMatrix one = mlp::confusion_matrix({0}, {1}, 2);
  EXPECT_EQ(one(0, 1), 1);
  EXPECT_EQ(one(1, 0), 0);
}

TEST(Metrics, PerClassAndMacroScores) {
  const auto report = mlp::classification_report(kTruth, kPred, 3);
  EXPECT_DOUBLE_EQ(report.accuracy, 0.6);
  ASSERT_EQ(report.per_class.size(), 3u);
  EXPECT_DOUBLE_EQ(report.per_class[0].precision, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(report.per_class[0].recall, 0.5);
  EXPECT_DOUBLE_EQ(report.per_class[0].f1, 0.4);
  EXPECT_DOUBLE_EQ(report.per_class[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(report.per_class[1].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(report.per_class[1].f1, 4.0 / 7.0);
  EXPECT_DOUBLE_EQ(report.per_class[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(report.per_class[2].recall, 0.6);
  EXPECT_DOUBLE_EQ(report.per_class[2].f1, 0.75);
  EXPECT_EQ(report.per_class[0].support, 2);
  EXPECT_EQ(report.per_class[1].support, 3);
  EXPECT_EQ(report.per_class[2].support, 5);
  EXPECT_DOUBLE_EQ(report.macro_precision, 11.0 / 18.0);
  EXPECT_DOUBLE_EQ(report.macro_recall, 53.0 / 90.0);
  EXPECT_DOUBLE_EQ(report.macro_f1, 241.0 / 420.0);
}

TEST(Metrics, UndefinedScoresAreZeroNotNaN) {
  // truth 0 0 1 1, everything predicted 0, 3 classes.
  // class 0: P = 2/4, R = 1, F1 = 2/3. class 1: never predicted -> P = 0, R = 0, F1 = 0.
  // class 2: neither present nor predicted -> all 0, left out of the macro averages.
  // macro over classes 0 and 1: P = 1/4, R = 1/2, F1 = 1/3.
  const auto report = mlp::classification_report({0, 0, 1, 1}, {0, 0, 0, 0}, 3);
  for (const auto& m : report.per_class) {
    EXPECT_FALSE(std::isnan(m.precision));
    EXPECT_FALSE(std::isnan(m.recall));
    EXPECT_FALSE(std::isnan(m.f1));
  }
  EXPECT_DOUBLE_EQ(report.per_class[0].f1, 2.0 / 3.0);
  EXPECT_EQ(report.per_class[1].precision, 0.0);
  EXPECT_EQ(report.per_class[1].recall, 0.0);
  EXPECT_EQ(report.per_class[1].f1, 0.0);
  EXPECT_EQ(report.per_class[2].support, 0);
  EXPECT_DOUBLE_EQ(report.macro_precision, 0.25);
  EXPECT_DOUBLE_EQ(report.macro_recall, 0.5);
  EXPECT_DOUBLE_EQ(report.macro_f1, 1.0 / 3.0);
}

TEST(Metrics, ClassificationRejectsBadInput) {
  EXPECT_THROW(mlp::accuracy({}, {}), mlp::InvalidArgument);
  EXPECT_THROW(mlp::accuracy({0, 1}, {0}), mlp::InvalidArgument);
  EXPECT_THROW(mlp::confusion_matrix({0, 3}, {0, 1}, 3), mlp::InvalidArgument);
  EXPECT_THROW(mlp::confusion_matrix({0, 1}, {0, -1}, 3), mlp::InvalidArgument);
  EXPECT_THROW(mlp::confusion_matrix({0}, {0}, 0), mlp::InvalidArgument);
  EXPECT_THROW(mlp::per_class_metrics(ConfusionMatrix(2, 3)), mlp::InvalidArgument);
}

TEST(Metrics, Regression) {
  // truth 3, -0.5, 2, 7; prediction 2.5, 0, 2, 8; errors 0.5, -0.5, 0, -1.
  // MSE = (0.25 + 0.25 + 0 + 1) / 4 = 0.375; MAE = (0.5 + 0.5 + 0 + 1) / 4 = 0.5.
  // mean = 11.5 / 4 = 2.875; SS_tot = 0.125^2 + 3.375^2 + 0.875^2 + 4.125^2 = 29.1875;
  // SS_res = 1.5; R2 = 1 - 1.5 / 29.1875 = 0.94860813704...
  const double truth_values[] = {3, -0.5, 2, 7}, pred_values[] = {2.5, 0.0, 2, 8};
  const Eigen::VectorXd truth = Eigen::Map<const Eigen::VectorXd>(truth_values, 4);
  const Eigen::VectorXd pred = Eigen::Map<const Eigen::VectorXd>(pred_values, 4);
  const auto m = mlp::regression_metrics<double>(truth, pred);
  EXPECT_DOUBLE_EQ(m.mse, 0.375);
  EXPECT_DOUBLE_EQ(m.mae, 0.5);
  EXPECT_DOUBLE_EQ(m.r2, 1.0 - 1.5 / 29.1875);
  EXPECT_NEAR(m.r2, 0.948608137, 1e-9);
  EXPECT_DOUBLE_EQ(mlp::mean_squared_error<double>(truth, pred), 0.375);
  EXPECT_DOUBLE_EQ(mlp::mean_absolute_error<double>(truth, pred), 0.5);
  EXPECT_DOUBLE_EQ(mlp::r2_score<double>(truth, pred), m.r2);

  const Eigen::VectorXf truth_f = truth.cast<float>();
  const Eigen::VectorXf pred_f = pred.cast<float>();
  EXPECT_NEAR(mlp::r2_score<float>(truth_f, pred_f), 0.948608137, 1e-6);
  // Predicting the mean everywhere gives R2 = 0; worse than that is negative.
  const Eigen::VectorXd mean = Eigen::VectorXd::Constant(4, 2.875);
  EXPECT_NEAR(mlp::r2_score<double>(truth, mean), 0.0, 1e-15);
  EXPECT_LT(mlp::r2_score<double>(truth, -truth), 0.0);
}

TEST(Metrics, RegressionWithConstantTarget) {
  const Eigen::VectorXd truth = Eigen::VectorXd::Constant(3, 2.0);
  const auto perfect = mlp::regression_metrics<double>(truth, truth);
  EXPECT_EQ(perfect.r2, 1.0);
  EXPECT_EQ(perfect.mse, 0.0);
  // Predictions 1, 2, 3: errors 1, 0, -1 -> MSE 2/3, MAE 2/3, R2 defined as 0 (not NaN/-inf).
  const Eigen::VectorXd pred = (Eigen::VectorXd(3) << 1, 2, 3).finished();
  const auto off = mlp::regression_metrics<double>(truth, pred);
  EXPECT_EQ(off.r2, 0.0);
  EXPECT_DOUBLE_EQ(off.mse, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(off.mae, 2.0 / 3.0);
}

TEST(Metrics, RegressionRejectsBadInput) {
  const Eigen::VectorXd a = Eigen::VectorXd::Ones(3);
  const Eigen::VectorXd b = Eigen::VectorXd::Ones(2);
  EXPECT_THROW(mlp::regression_metrics<double>(a, b), mlp::InvalidArgument);
  EXPECT_THROW(mlp::regression_metrics<double>(Eigen::VectorXd(0), Eigen::VectorXd(0)),
               mlp::InvalidArgument);
}

}  // namespace
