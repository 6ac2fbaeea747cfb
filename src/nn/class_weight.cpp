#include "mlp/nn/class_weight.hpp"

#include <string>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

void check_label(int label, std::size_t n_classes, std::size_t i) {
  if (label < 0 || static_cast<std::size_t>(label) >= n_classes)
    throw InvalidArgument("label " + std::to_string(i + 1) + " is " + std::to_string(label) +
                          ", outside the " + std::to_string(n_classes) + " classes");
}

}  // namespace

std::vector<double> balanced_class_weights(std::span<const int> labels, int n_classes) {
  if (labels.empty()) throw InvalidArgument("balanced class weights need at least one label");
  if (n_classes < 1) throw InvalidArgument("balanced class weights need at least one class");
  const auto k_max = static_cast<std::size_t>(n_classes);
  std::vector<double> count(k_max, 0.0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    check_label(labels[i], k_max, i);
    count[static_cast<std::size_t>(labels[i])] += 1.0;
  }
  double k = 0.0;  // classes that occur
  for (double c : count) k += c > 0.0 ? 1.0 : 0.0;
  const auto n = static_cast<double>(labels.size());
  std::vector<double> weights(k_max, 0.0);
  for (std::size_t c = 0; c < k_max; ++c)
    if (count[c] > 0.0) weights[c] = n / (k * count[c]);
  return weights;
}

std::vector<double> class_sample_weights(std::span<const int> labels,
                                         std::span<const double> class_weights) {
  std::vector<double> weights(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    check_label(labels[i], class_weights.size(), i);
    weights[i] = class_weights[static_cast<std::size_t>(labels[i])];
  }
  return weights;
}

}  // namespace mlp
