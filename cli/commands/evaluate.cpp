#include "commands/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/data/metrics.hpp"
#include "shared/data_input.hpp"
#include "shared/metrics_text.hpp"
#include "shared/model_input.hpp"

namespace mlp::cli {

namespace {

struct EvaluateArguments {
  std::string model;
  DataArguments data;
  TableFlags table;
  bool json = false;
};

void print_classification(const ClassificationReport& r, const std::vector<std::string>& names,
                          std::size_t n) {
  std::size_t width = 9;
  for (const auto& name : names) width = std::max(width, name.size());
  const int w = static_cast<int>(width);
  std::printf("accuracy %s  (%zu samples)\n\n", percent_text(r.accuracy).c_str(), n);
  std::printf("%-*s  precision  recall  f1      support\n", w, "class");
  for (std::size_t c = 0; c < names.size(); ++c) {
    const auto& m = r.per_class[c];
    std::printf("%-*s  %.4f     %.4f  %.4f  %lld\n", w, names[c].c_str(), m.precision, m.recall,
                m.f1, static_cast<long long>(m.support));
  }
  std::printf("%-*s  %.4f     %.4f  %.4f  %zu\n\n", w, "macro avg", r.macro_precision,
              r.macro_recall, r.macro_f1, n);
  std::printf("confusion matrix (rows: true class, columns: predicted class)\n%-*s", w, "");
  for (const auto& name : names)
    std::printf("  %*s", std::max(5, static_cast<int>(name.size())), name.c_str());
  std::printf("\n");
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::printf("%-*s", w, names[i].c_str());
    for (std::size_t j = 0; j < names.size(); ++j)
      std::printf(
          "  %*lld", std::max(5, static_cast<int>(names[j].size())),
          static_cast<long long>(r.confusion(static_cast<Index>(i), static_cast<Index>(j))));
    std::printf("\n");
  }
}

template <class Scalar>
int evaluate(const TrainedModel<Scalar>& model, const EvaluateArguments& a) {
  const Dataset<Scalar> data = load_evaluation_data<Scalar>(a.data, model.metadata);
  const auto n = static_cast<std::size_t>(data.size());
  if (data.rows_without_target > 0 && !a.json)
    std::printf("(%zu rows without a target value skipped)\n", data.rows_without_target);
  nlohmann::json out;
  out["n_samples"] = n;
  out["rows_without_target"] = data.rows_without_target;
  if (model.metadata.task == Task::classification) {
    const std::vector<int> predicted = model.predict_classes(data.features);
    const auto& names = model.metadata.class_names;
    const ClassificationReport r =
        classification_report(data.labels, predicted, static_cast<int>(names.size()));
    if (!a.json) {
      print_classification(r, names, n);
      return 0;
    }
    out["accuracy"] = r.accuracy;
    out["class_names"] = names;
    for (const char* key : {"precision", "recall", "f1", "support"})
      out[key] = nlohmann::json::object();
    for (std::size_t c = 0; c < names.size(); ++c) {
      out["precision"][names[c]] = r.per_class[c].precision;
      out["recall"][names[c]] = r.per_class[c].recall;
      out["f1"][names[c]] = r.per_class[c].f1;
      out["support"][names[c]] = r.per_class[c].support;
    }
    out["macro_precision"] = r.macro_precision;
    out["macro_recall"] = r.macro_recall;
    out["macro_f1"] = r.macro_f1;
    out["confusion_matrix"] = nlohmann::json::array();
    for (Index i = 0; i < r.confusion.rows(); ++i) {
      nlohmann::json row = nlohmann::json::array();
      for (Index j = 0; j < r.confusion.cols(); ++j) row.push_back(r.confusion(i, j));
      out["confusion_matrix"].push_back(row);
    }
  } else {
    const Vector<Scalar> predicted = model.predict_values(data.features);
    const RegressionMetrics m = regression_metrics<Scalar>(data.targets, predicted);
    // The training loss's scale: the mse of the target standardised as in training.
    const double scale = model.metadata.target_scale;
    const double standardised_mse = m.mse / (scale * scale);
    if (!a.json) {
      std::printf("%s  (%zu samples)\n", regression_metrics_text(m.mse, m.mae, m.r2).c_str(), n);
      std::printf("loss %s  (mse of the target standardised as in training)\n",
                  number_text(standardised_mse).c_str());
      return 0;
    }
    out["rmse"] = std::sqrt(m.mse);
    out["mse"] = m.mse;
    out["mae"] = m.mae;
    out["r2"] = m.r2;
    out["loss"] = standardised_mse;
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto a = std::make_shared<EvaluateArguments>();
  auto* cmd = app.add_subcommand("evaluate", "Metrics of a trained model on labelled data");
  cmd->add_option("MODEL", a->model, "Model file written by mlp train")->required();
  cmd->add_option("DATA", a->data.path, "CSV file with the target column, or IDX images")
      ->required();
  cmd->add_option("--labels", a->data.labels_path, "IDX labels file for IDX images");
  cmd->add_option("--target", a->data.target,
                  "Target column (default: the one the model was trained on)");
  add_dialect_flags(*cmd, a->table);
  cmd->add_flag("--json", a->json, "Print one JSON object");
  cmd->callback([a] {
    apply_table_flags(a->table, a->data);
    with_trained_model(a->model, [&](const auto& model) { return evaluate(model, *a); });
  });
}

}  // namespace mlp::cli
