#include "commands/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/data/metrics.hpp"
#include "mlp/nn/loss.hpp"
#include "shared/data_input.hpp"
#include "shared/metrics_text.hpp"
#include "shared/model_input.hpp"
#include "shared/report_flag.hpp"

namespace mlp::cli {

namespace {

struct EvaluateArguments {
  std::string model;
  DataArguments data;
  TableFlags table;
  bool json = false;
  std::string report_dir;
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

using MetricRows = std::vector<std::pair<std::string, std::string>>;

// The classification's metrics into `out` (JSON) and `rows` (the report's), printed unless --json.
void classification_metrics(const ClassificationReport& r, const std::vector<std::string>& names,
                            std::size_t n, bool json, nlohmann::json& out, MetricRows& rows) {
  rows = {{"accuracy", percent_text(r.accuracy)},
          {"macro precision", number_text(r.macro_precision)},
          {"macro recall", number_text(r.macro_recall)},
          {"macro F1", number_text(r.macro_f1)}};
  if (!json) {
    print_classification(r, names, n);
    return;
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
}

// The loss training reported, on this data: the mse of the target standardised as the model's
// training standardised it, or (--loss poisson) half the mean Poisson deviance of the counts.
struct RegressionLoss {
  double value = 0.0;
  const char* what = "";      // on the printed line
  const char* row_name = "";  // in the report's table
};

// The regression's metrics and its loss into `out` and `rows`, printed unless --json.
void regression_metrics_out(const RegressionMetrics& m, const RegressionLoss& loss, std::size_t n,
                            bool json, nlohmann::json& out, MetricRows& rows) {
  char r2[32];
  std::snprintf(r2, sizeof r2, "%.4f", m.r2);
  rows = {{"RMSE", number_text(std::sqrt(m.mse))},
          {"MAE", number_text(m.mae)},
          {"R\xc2\xb2", r2},
          {std::string("loss (") + loss.row_name + ")", number_text(loss.value)}};
  if (!json) {
    std::printf("%s  (%zu samples)\n", regression_metrics_text(m.mse, m.mae, m.r2).c_str(), n);
    std::printf("loss %s  (%s)\n", number_text(loss.value).c_str(), loss.what);
    return;
  }
  out["rmse"] = std::sqrt(m.mse);
  out["mse"] = m.mse;
  out["mae"] = m.mae;
  out["r2"] = m.r2;
  out["loss"] = loss.value;
}

template <class Scalar>
RegressionLoss regression_loss(const TrainedModel<Scalar>& model, const RegressionMetrics& m,
                               const Vector<Scalar>& truth, const Vector<Scalar>& predicted) {
  if (model.network.loss() == Loss::poisson)
    return {static_cast<double>(loss_value<Scalar>(Loss::poisson, predicted, truth)),
            "half the mean Poisson deviance, the training loss", "half the mean Poisson deviance"};
  const double scale = model.metadata.target_scale;
  return {m.mse / (scale * scale), "mse of the target standardised as in training",
          "mse of the standardised target"};
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
  MetricRows rows;
  if (model.metadata.task == Task::classification) {
    const auto& names = model.metadata.class_names;
    const ClassificationReport r = classification_report(
        data.labels, model.predict_classes(data.features), static_cast<int>(names.size()));
    classification_metrics(r, names, n, a.json, out, rows);
  } else {
    const Vector<Scalar> predicted = model.predict_values(data.features);
    const RegressionMetrics m = regression_metrics<Scalar>(data.targets, predicted);
    regression_metrics_out(m, regression_loss(model, m, data.targets, predicted), n, a.json, out,
                           rows);
  }
  if (a.json) std::printf("%s\n", out.dump().c_str());
  if (!a.report_dir.empty()) {
    rows.emplace_back("samples", std::to_string(n));
    // With --json, standard output is the JSON alone.
    write_evaluation_report<Scalar>(a.report_dir, model, data, a.data, a.model, rows, a.json);
  }
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
  cmd->add_option("--report", a->report_dir,
                  "Write the model's charts on this data (index.html and one SVG per chart) to "
                  "this folder");
  cmd->callback([a] {
    apply_table_flags(a->table, a->data);
    prepare_report_dir(a->report_dir);
    with_trained_model(a->model, [&](const auto& model) { return evaluate(model, *a); });
  });
}

}  // namespace mlp::cli
