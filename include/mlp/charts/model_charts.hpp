// Charts of a trained model as SVG documents: its decision regions (two inputs), what its hidden
// layers compute for a few examples (the chapter's "internal representations"), its weights, and
// how its predictions compare with the truth (confusion matrix, or predicted against true values).
// X is always raw features, as TrainedModel::prepare takes them; the model's output is read as:
//   one sigmoid output          P(class 1), class 1 when >= 0.5 (the chapter's XOR network)
//   several sigmoid or softmax  class probabilities, the most probable class
//   identity                    a value, in the target's units (metadata target_mean/scale)
#pragma once

#include <string>
#include <vector>

#include "mlp/data/metrics.hpp"
#include "mlp/model/trained_model.hpp"

namespace mlp {

// The predicted class of each row of X (see above). Throws InvalidArgument for a regression
// (identity output) model.
template <class Scalar>
std::vector<int> predicted_classes(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X);

// The predicted value of each row of X, in the target's units, for a regression model.
template <class Scalar>
std::vector<double> predicted_values(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X);

// The decision regions of a model with two inputs over the range of X (widened by 15% each way),
// on a 150 x 150 grid: shaded by P(class 1) with the boundary at 0.5 for two classes, by the
// predicted class (darker where it is more probable) for more, by the predicted value for
// regression; X's samples on top, one marker per class of `labels` (may be empty: unlabelled).
// Throws InvalidArgument when the model does not take two inputs or X is empty.
template <class Scalar>
std::string decision_boundary_chart(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X,
                                    const std::vector<int>& labels,
                                    const std::string& subtitle = {});

// One heatmap per hidden layer: its activations (columns: units h1, h2, ...) for each row of X
// (rows named by row_labels), on the activation's own range (sigmoid [0, 1], tanh [-1, 1]).
// Empty for a network without hidden layers.
template <class Scalar>
std::vector<std::string> hidden_layer_charts(const TrainedModel<Scalar>& model,
                                             const Matrix<Scalar>& X,
                                             const std::vector<std::string>& row_labels);

// One heatmap per layer of its weights and biases: rows the layer's inputs (feature names for the
// first layer, the previous layer's units after it) and "bias", columns its units; the colour
// scale is symmetric about 0.
template <class Scalar>
std::vector<std::string> weight_charts(const TrainedModel<Scalar>& model);

// The confusion matrix: the count of each (true, predicted) pair written in its cell, coloured by
// the fraction of the true class's samples.
std::string confusion_chart(const ConfusionMatrix& counts,
                            const std::vector<std::string>& class_names,
                            const std::string& subtitle = {});

// Predicted against true values with the line y = x. Throws InvalidArgument when the lengths
// differ.
std::string prediction_chart(const std::vector<double>& truth, const std::vector<double>& predicted,
                             const std::string& target_name, const std::string& subtitle = {});

}  // namespace mlp
