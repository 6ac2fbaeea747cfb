// Class weights as sample weights (FitOptions::sample_weight): scikit-learn's class_weight.
#pragma once

#include <span>
#include <vector>

namespace mlp {

// scikit-learn's 'balanced' class weights: class c gets n / (k * count(c)), where n is the number
// of labels and k the number of classes that occur, so that every class weighs as much in total
// (a class that does not occur gets 0). Labels are 0 .. n_classes - 1; throws InvalidArgument on
// a label outside that range or no labels.
std::vector<double> balanced_class_weights(std::span<const int> labels, int n_classes);

// The sample weights that give each sample its class's weight: weights[labels[i]]. Throws
// InvalidArgument on a label outside the weights.
std::vector<double> class_sample_weights(std::span<const int> labels,
                                         std::span<const double> class_weights);

}  // namespace mlp
