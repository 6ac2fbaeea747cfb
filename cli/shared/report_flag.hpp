// `--report DIR` of `mlp train`, `mlp evaluate` and `mlp demo xor`: the training report (index.html
// and one SVG per chart, see mlp/charts/report.hpp) of the run that just finished.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlp/model/training_recipe.hpp"
#include "mlp/nn/network.hpp"
#include "shared/data_input.hpp"

namespace mlp::cli {

// Creates the report folder when missing and checks that it can be written, before a long run
// (an empty path does nothing). Throws mlp::Error naming the folder.
void prepare_report_dir(const std::string& directory);

// The report of `mlp train`: its settings and final metrics, the error curve, and the model's
// charts on the data in `data` (read again: all its samples, training and validation).
template <class Scalar>
void write_train_report(const std::string& directory, const TrainingResult<Scalar>& result,
                        const DataArguments& data, const std::string& model_path, bool quiet);

// The report of `mlp evaluate`: the model's charts on the held-out samples `data` read from
// `data_args` (confusion matrix or predicted against true values, decision boundary, hidden
// layers, weights), with the evaluation's `metrics` (name, value) and the model's settings.
template <class Scalar>
void write_evaluation_report(const std::string& directory, const TrainedModel<Scalar>& model,
                             const Dataset<Scalar>& data, const DataArguments& data_args,
                             const std::string& model_path,
                             const std::vector<std::pair<std::string, std::string>>& metrics,
                             bool quiet);

// The report of `mlp demo xor`: the chapter's settings (`origin` says where the weights came
// from, e.g. "seed 0"), the error curve per iteration, and the network's charts on the four XOR
// examples (decision boundary, hidden representation, weights, confusion matrix).
template <class Scalar>
void write_xor_report(const std::string& directory, const Sequential<Scalar>& net,
                      const History& history, const std::string& origin);

}  // namespace mlp::cli
