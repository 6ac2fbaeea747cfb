// Evaluation metrics: accuracy, confusion matrix, per-class precision/recall/F1 and their macro
// averages for classification; mean squared error, mean absolute error and R^2 for regression.
// Undefined ratios (a class never predicted, never present, a constant target) give finite
// values as documented below, never NaN.
//
//   mlp::ClassificationReport r = mlp::classification_report(y_true, y_pred, 3);
//   r.accuracy; r.per_class[1].recall; r.macro_f1; r.confusion(0, 2);
//   mlp::RegressionMetrics m = mlp::regression_metrics<double>(targets, predictions);
#pragma once

#include <vector>

#include "mlp/core/matrix.hpp"

namespace mlp {

// counts(t, p) = number of samples of true class t predicted as class p.
using ConfusionMatrix = Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Scores of one class.
struct ClassMetrics {
  double precision = 0.0;  // TP / (TP + FP); 0 when the class is never predicted
  double recall = 0.0;     // TP / (TP + FN); 0 when the class never occurs
  double f1 = 0.0;         // 2 P R / (P + R); 0 when P + R = 0
  Index support = 0;       // number of samples of the class (TP + FN)
};

// Everything classification_report() computes.
struct ClassificationReport {
  double accuracy = 0.0;
  ConfusionMatrix confusion;            // n_classes x n_classes, rows = true, cols = predicted
  std::vector<ClassMetrics> per_class;  // one per class
  double macro_precision = 0.0;         // unweighted means over the classes that occur in
  double macro_recall = 0.0;            // the truth or the predictions (as scikit-learn does
  double macro_f1 = 0.0;                // when no label list is given)
};

// Fraction of samples with predicted[i] == truth[i]. Throws InvalidArgument when the vectors are
// empty or differ in length.
double accuracy(const std::vector<int>& truth, const std::vector<int>& predicted);

// The n_classes x n_classes confusion matrix (rows = true class, columns = predicted class).
// Throws InvalidArgument when the vectors are empty or differ in length, n_classes < 1, or a
// label is outside [0, n_classes).
ConfusionMatrix confusion_matrix(const std::vector<int>& truth, const std::vector<int>& predicted,
                                 int n_classes);

// Precision, recall, F1 and support of each class from a square confusion matrix. Throws
// InvalidArgument when the matrix is not square or is empty.
std::vector<ClassMetrics> per_class_metrics(const ConfusionMatrix& confusion);

// Accuracy, confusion matrix, per-class scores and macro averages (see ClassificationReport).
// Throws as confusion_matrix().
ClassificationReport classification_report(const std::vector<int>& truth,
                                           const std::vector<int>& predicted, int n_classes);

// Regression scores.
struct RegressionMetrics {
  double mse = 0.0;  // mean of (y - y_hat)^2
  double mae = 0.0;  // mean of |y - y_hat|
  double r2 = 0.0;   // 1 - SS_res / SS_tot; for a constant target: 1 if perfect, else 0
};

// A read-only view of a vector, its stride spelled out rather than left to Eigen's default: clang
// 14 mangles a function template's parameter whose type holds that default as the first
// instantiation in the translation unit spelled it, so a caller that had met Ref<Vector> first
// linked against a name the definition never had (mlp_cli failed to link under the sanitizers).
template <class Scalar>
using VectorView = Eigen::Ref<const Vector<Scalar>, 0, Eigen::InnerStride<1>>;

// MSE, MAE and R^2 of `predicted` against `truth` (accumulated in double). Throws
// InvalidArgument when the vectors are empty or differ in length.
template <class Scalar>
RegressionMetrics regression_metrics(const VectorView<Scalar>& truth,
                                     const VectorView<Scalar>& predicted);

// Mean squared error; throws as regression_metrics().
template <class Scalar>
double mean_squared_error(const VectorView<Scalar>& truth, const VectorView<Scalar>& predicted);

// Mean absolute error; throws as regression_metrics().
template <class Scalar>
double mean_absolute_error(const VectorView<Scalar>& truth, const VectorView<Scalar>& predicted);

// Coefficient of determination R^2 = 1 - SS_res / SS_tot. When the target is constant
// (SS_tot = 0) it is 1 for a perfect prediction and 0 otherwise. Throws as regression_metrics().
template <class Scalar>
double r2_score(const VectorView<Scalar>& truth, const VectorView<Scalar>& predicted);

}  // namespace mlp
