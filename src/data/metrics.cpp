#include "mlp/data/metrics.hpp"

#include <cmath>
#include <string>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

void check_sizes(std::size_t truth, std::size_t predicted, const char* function) {
  if (truth == 0) throw InvalidArgument(std::string(function) + ": no samples");
  if (truth != predicted)
    throw InvalidArgument(std::string(function) + ": " + std::to_string(truth) +
                          " true values but " + std::to_string(predicted) + " predictions");
}

double ratio(Index numerator, Index denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

}  // namespace

double accuracy(const std::vector<int>& truth, const std::vector<int>& predicted) {
  check_sizes(truth.size(), predicted.size(), "accuracy");
  std::size_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += truth[i] == predicted[i] ? 1 : 0;
  return static_cast<double>(correct) / static_cast<double>(truth.size());
}

ConfusionMatrix confusion_matrix(const std::vector<int>& truth, const std::vector<int>& predicted,
                                 int n_classes) {
  check_sizes(truth.size(), predicted.size(), "confusion_matrix");
  if (n_classes < 1)
    throw InvalidArgument("confusion_matrix: n_classes must be >= 1, got " +
                          std::to_string(n_classes));
  ConfusionMatrix counts = ConfusionMatrix::Zero(n_classes, n_classes);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    for (int label : {truth[i], predicted[i]})
      if (label < 0 || label >= n_classes)
        throw InvalidArgument("confusion_matrix: label " + std::to_string(label) + " at index " +
                              std::to_string(i) + " is outside [0, " + std::to_string(n_classes) +
                              ")");
    ++counts(truth[i], predicted[i]);
  }
  return counts;
}

std::vector<ClassMetrics> per_class_metrics(const ConfusionMatrix& confusion) {
  if (confusion.rows() == 0 || confusion.rows() != confusion.cols())
    throw InvalidArgument("per_class_metrics: the confusion matrix must be square and non-empty");
  std::vector<ClassMetrics> metrics(static_cast<std::size_t>(confusion.rows()));
  for (Index c = 0; c < confusion.rows(); ++c) {
    auto& m = metrics[static_cast<std::size_t>(c)];
    const Index true_positives = confusion(c, c);
    m.support = confusion.row(c).sum();
    m.precision = ratio(true_positives, confusion.col(c).sum());
    m.recall = ratio(true_positives, m.support);
    const double sum = m.precision + m.recall;
    m.f1 = sum > 0.0 ? 2.0 * m.precision * m.recall / sum : 0.0;
  }
  return metrics;
}

ClassificationReport classification_report(const std::vector<int>& truth,
                                           const std::vector<int>& predicted, int n_classes) {
  ClassificationReport report;
  report.confusion = confusion_matrix(truth, predicted, n_classes);
  report.accuracy = accuracy(truth, predicted);
  report.per_class = per_class_metrics(report.confusion);
  int present = 0;
  for (Index c = 0; c < report.confusion.rows(); ++c) {
    if (report.confusion.row(c).sum() == 0 && report.confusion.col(c).sum() == 0) continue;
    const auto& m = report.per_class[static_cast<std::size_t>(c)];
    report.macro_precision += m.precision;
    report.macro_recall += m.recall;
    report.macro_f1 += m.f1;
    ++present;
  }
  // present >= 1: there is at least one sample, so at least one class occurs.
  report.macro_precision /= present;
  report.macro_recall /= present;
  report.macro_f1 /= present;
  return report;
}

template <class Scalar>
RegressionMetrics regression_metrics(const VectorView<Scalar>& truth,
                                     const VectorView<Scalar>& predicted) {
  check_sizes(static_cast<std::size_t>(truth.size()), static_cast<std::size_t>(predicted.size()),
              "regression_metrics");
  const auto n = static_cast<double>(truth.size());
  double mean = 0.0;
  for (Index i = 0; i < truth.size(); ++i) mean += static_cast<double>(truth(i));
  mean /= n;
  double ss_res = 0.0, ss_tot = 0.0, abs_sum = 0.0;
  for (Index i = 0; i < truth.size(); ++i) {
    const double y = static_cast<double>(truth(i));
    const double error = y - static_cast<double>(predicted(i));
    ss_res += error * error;
    abs_sum += std::abs(error);
    ss_tot += (y - mean) * (y - mean);
  }
  RegressionMetrics m;
  m.mse = ss_res / n;
  m.mae = abs_sum / n;
  if (ss_tot > 0.0)
    m.r2 = 1.0 - ss_res / ss_tot;
  else
    m.r2 = ss_res == 0.0 ? 1.0 : 0.0;
  return m;
}

template <class Scalar>
double mean_squared_error(const VectorView<Scalar>& truth, const VectorView<Scalar>& predicted) {
  return regression_metrics<Scalar>(truth, predicted).mse;
}

template <class Scalar>
double mean_absolute_error(const VectorView<Scalar>& truth, const VectorView<Scalar>& predicted) {
  return regression_metrics<Scalar>(truth, predicted).mae;
}

template <class Scalar>
double r2_score(const VectorView<Scalar>& truth, const VectorView<Scalar>& predicted) {
  return regression_metrics<Scalar>(truth, predicted).r2;
}

#define MLP_INSTANTIATE(Scalar)                                                     \
  template RegressionMetrics regression_metrics<Scalar>(const VectorView<Scalar>&,  \
                                                        const VectorView<Scalar>&); \
  template double mean_squared_error<Scalar>(const VectorView<Scalar>&,             \
                                             const VectorView<Scalar>&);            \
  template double mean_absolute_error<Scalar>(const VectorView<Scalar>&,            \
                                              const VectorView<Scalar>&);           \
  template double r2_score<Scalar>(const VectorView<Scalar>&, const VectorView<Scalar>&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
