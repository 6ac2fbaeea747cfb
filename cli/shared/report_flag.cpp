#include "shared/report_flag.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>

#include "mlp/charts/report.hpp"
#include "mlp/charts/training_charts.hpp"
#include "mlp/core/error.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/nn/loss.hpp"
#include "shared/metrics_text.hpp"

namespace mlp::cli {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

template <class Scalar>
std::string architecture(const Sequential<Scalar>& net) {
  std::string shape = std::to_string(net.n_inputs());
  for (const auto& layer : net.layers()) {
    shape += '-';
    shape += std::to_string(layer.n_out);
  }
  std::string activations;
  for (std::size_t l = 0; l < net.layers().size(); ++l) {
    const std::string name(to_string(net.layers()[l].activation));
    if (l + 1 == net.layers().size()) {
      activations += (activations.empty() ? "" : ", ") + name + " output";
    } else if (l == 0 || net.layers()[l - 1].activation != net.layers()[l].activation) {
      activations += (activations.empty() ? "" : ", ") + name + " hidden";
    }
  }
  return shape + " (" + activations + ")";
}

// Error curves whose loss falls by a factor of 30 or more read better on a log scale.
bool wide_range(const std::vector<double>& loss) {
  double lo = INFINITY, hi = 0;
  for (double v : loss)
    if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  return std::isfinite(lo) && hi / lo >= 30;
}

std::string file_name(const std::string& path) {
  return path == "-" ? "standard input" : std::filesystem::path(path).filename().string();
}

Rows training_settings(const std::string& json_text) {
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  Rows rows;
  if (!j.is_object()) return rows;
  auto text = [&](const char* key) -> std::string {
    if (!j.contains(key)) return {};
    const auto& v = j.at(key);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
    if (v.is_array()) {
      std::string joined;
      for (const auto& item : v) joined += (joined.empty() ? "" : ",") + item.dump();
      return joined;
    }
    if (v.is_number_float()) return format("%g", v.get<double>());
    return v.dump();
  };
  rows.emplace_back("hidden layers", text("hidden_layers"));
  rows.emplace_back("hidden activation", text("activation"));
  rows.emplace_back("optimizer", text("optimizer"));
  rows.emplace_back("learning rate",
                    text("learning_rate") + ", " + text("lr_schedule") + " schedule");
  rows.emplace_back("epochs (at most)", text("epochs"));
  const std::string batch = text("batch_size");
  rows.emplace_back("batch size", batch == "0" ? "full batch" : batch);
  rows.emplace_back("validation fraction", text("validation_fraction"));
  const std::string patience = text("early_stopping_patience");
  rows.emplace_back("early stopping", patience == "0" ? "off" : "patience " + patience);
  rows.emplace_back("seed", text("seed"));
  rows.emplace_back("standardised features", text("standardize"));
  return rows;
}

Rows training_metrics(const std::string& json_text, Task task) {
  const auto j = nlohmann::json::parse(json_text, nullptr, false);
  Rows rows;
  if (!j.is_object()) return rows;
  if (j.contains("epochs_run")) rows.emplace_back("epochs run", j.at("epochs_run").dump());
  if (j.contains("best_epoch")) rows.emplace_back("kept epoch", j.at("best_epoch").dump());
  if (j.value("stopped_early", false)) rows.emplace_back("stopped", "early");
  for (const char* part : {"train", "validation"}) {
    if (!j.contains(part)) continue;
    const auto& m = j.at(part);
    const std::string name = part == std::string("train") ? "training" : "validation";
    if (task == Task::classification) {
      rows.emplace_back(name + " accuracy", percent_text(m.value("accuracy", 0.0)));
    } else {
      // As mlp train and mlp evaluate print them: the errors in the target's units.
      rows.emplace_back(name + " RMSE", number_text(std::sqrt(m.value("mse", 0.0))));
      rows.emplace_back(name + " MAE", number_text(m.value("mae", 0.0)));
      rows.emplace_back(name + " R\xc2\xb2", format("%.4f", m.value("r2", 0.0)));
    }
    rows.emplace_back(name + " samples", std::to_string(m.value("samples", 0LL)));
  }
  return rows;
}

}  // namespace

void prepare_report_dir(const std::string& directory) {
  if (directory.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw Error(directory + ": cannot create the report folder: " + ec.message());
  if (!std::filesystem::is_directory(directory))
    throw Error(directory + ": not a folder (--report needs a folder to write the report in)");
  if (::access(directory.c_str(), W_OK | X_OK) != 0)
    throw Error(directory + ": the report folder is not writable");
}

template <class Scalar>
void write_train_report(const std::string& directory, const TrainingResult<Scalar>& result,
                        const DataArguments& data, const std::string& model_path, bool quiet) {
  const TrainedModel<Scalar>& model = result.model;
  const ModelMetadata& meta = model.metadata;
  const History& history = result.history;

  Report report;
  report.title = "mlp train: " + file_name(data.path);
  report.summary = "A " + architecture(model.network) + " network trained on " +
                   std::to_string(result.train_samples) + " samples" +
                   (result.validation_samples > 0
                        ? " and validated on " + std::to_string(result.validation_samples)
                        : std::string()) +
                   " for " + std::to_string(history.loss.size()) +
                   (history.loss.size() == 1 ? " epoch." : " epochs.");
  report.settings = {{"data", data.path == "-" ? "standard input" : data.path}};
  if (!meta.target.empty()) report.settings.emplace_back("target column", meta.target);
  if (!data.labels_path.empty()) report.settings.emplace_back("labels", data.labels_path);
  report.settings.emplace_back("task", std::string(to_string(meta.task)));
  report.settings.emplace_back("model file", model_path);
  report.settings.emplace_back("network", architecture(model.network));
  report.settings.emplace_back("loss", std::string(to_string(model.network.loss())));
  for (auto& row : training_settings(meta.training_json)) report.settings.push_back(row);
  report.settings.emplace_back("floating point", sizeof(Scalar) == 4 ? "f32" : "f64");
  report.metrics = training_metrics(meta.metrics_json, meta.task);

  HistoryChartOptions options;
  options.loss_label = "loss (" + std::string(to_string(model.network.loss())) + ")";
  options.log_loss = wide_range(history.loss) || wide_range(history.val_loss);
  report.charts.push_back(
      {"error_curve.svg", "Error curve",
       "Training and validation loss per epoch" +
           std::string(options.log_loss ? " (log scale)" : "") +
           (meta.task == Task::classification ? ", and accuracy below it." : "."),
       history_chart(history, options)});

  if (data.path == "-") {
    report.summary +=
        " The data came from standard input, which cannot be read twice: the "
        "charts of the model on its data are left out.";
    auto weights = Dataset<Scalar>{};
    weights.task = meta.task;
    add_model_charts(report, model, weights, {});
  } else {
    Dataset<Scalar> samples = load_evaluation_data<Scalar>(data, meta);
    ReportData about;
    about.description = "all " + std::to_string(samples.size()) + " samples of " +
                        file_name(data.path) + " (training and validation)";
    add_model_charts(report, model, samples, about);
  }
  write_report(directory, report);
  if (!quiet)
    std::printf("report %s\n", (std::filesystem::path(directory) / "index.html").string().c_str());
}

template <class Scalar>
void write_evaluation_report(const std::string& directory, const TrainedModel<Scalar>& model,
                             const Dataset<Scalar>& data, const DataArguments& data_args,
                             const std::string& model_path, const Rows& metrics, bool quiet) {
  const ModelMetadata& meta = model.metadata;
  Report report;
  report.title = "mlp evaluate: " + file_name(data_args.path);
  report.summary = "The " + architecture(model.network) + " network of " + file_name(model_path) +
                   " on the " + std::to_string(data.size()) + " samples of " +
                   file_name(data_args.path) + ".";
  report.settings = {{"data", data_args.path == "-" ? "standard input" : data_args.path}};
  if (!meta.target.empty()) report.settings.emplace_back("target column", meta.target);
  if (!data_args.labels_path.empty()) report.settings.emplace_back("labels", data_args.labels_path);
  report.settings.emplace_back("task", std::string(to_string(meta.task)));
  report.settings.emplace_back("model file", model_path);
  report.settings.emplace_back("network", architecture(model.network));
  for (auto& row : training_settings(meta.training_json)) report.settings.push_back(row);
  report.settings.emplace_back("floating point", sizeof(Scalar) == 4 ? "f32" : "f64");
  report.metrics = metrics;
  ReportData about;
  about.description =
      "the " + std::to_string(data.size()) + " samples of " + file_name(data_args.path);
  add_model_charts(report, model, data, about);
  write_report(directory, report);
  if (!quiet)
    std::printf("report %s\n", (std::filesystem::path(directory) / "index.html").string().c_str());
}

template <class Scalar>
void write_xor_report(const std::string& directory, const Sequential<Scalar>& net,
                      const History& history, const std::string& origin) {
  TrainedModel<Scalar> model;
  model.network = net;
  model.metadata.task = Task::classification;
  model.metadata.feature_names = {"x1", "x2"};
  model.metadata.class_names = {"0", "1"};
  model.metadata.target = "y";

  Dataset<Scalar> data;
  data.task = Task::classification;
  data.features = xor_inputs<Scalar>();
  const Matrix<Scalar> Y = xor_targets<Scalar>();
  for (Index i = 0; i < Y.rows(); ++i) data.labels.push_back(static_cast<int>(Y(i, 0)));
  data.class_names = {"0", "1"};
  data.feature_names = {"x1", "x2"};

  const Matrix<Scalar> output = net.predict_proba(data.features);
  int correct = 0;
  for (Index i = 0; i < 4; ++i) correct += (output(i, 0) >= Scalar(0.5)) == (Y(i, 0) > 0);

  const bool descent = net.optimizer().kind == OptimizerSpec::Kind::gradient_descent;
  const std::string loss(to_string(net.loss()));
  Report report;
  report.title = "mlp demo xor";
  report.summary = "The chapter's XOR experiment: a " + architecture(net) +
                   " network learns the four XOR examples with " +
                   (descent ? "full-batch gradient descent" : to_string(net.optimizer().kind)) +
                   " on the " + loss + " loss. " +
                   (descent ? "Chart 2 of the chapter is its error curve."
                            : "Chart 3 of the chapter is the error curve of this Keras setup.");
  report.settings = {
      {"network", architecture(net)},
      {"loss", loss},
      {"optimizer", descent ? "full-batch gradient descent" : to_string(net.optimizer().kind)},
      {"learning rate", format("%g", net.optimizer().learning_rate)},
      {"iterations", std::to_string(history.loss.size())},
      {"initial weights", origin},
      {"floating point", sizeof(Scalar) == 4 ? "f32" : "f64"}};
  report.metrics = {
      {"final error (" + loss + ")",
       format("%.6f", static_cast<double>(loss_report<Scalar>(net.loss(), output, Y)))},
      {"accuracy", percent_text(correct / 4.0)}};
  for (Index i = 0; i < 4; ++i)
    report.metrics.emplace_back("output for (" + std::to_string(int(data.features(i, 0))) + ", " +
                                    std::to_string(int(data.features(i, 1))) + "), y = " +
                                    std::to_string(data.labels[static_cast<std::size_t>(i)]),
                                format("%.6f", static_cast<double>(output(i, 0))));

  HistoryChartOptions options;
  options.title = descent ? "Error curve (the chapter's Chart 2)"
                          : "Error curve (the chapter's Chart 3, Keras setup)";
  options.x_label = "iteration";
  options.first_x = 0;
  options.loss_label = "error (" + loss + ")";
  report.charts.push_back({"error_curve.svg", "Error curve",
                           "The error of each iteration, measured before its update, and the "
                           "accuracy on the four examples below it.",
                           history_chart(history, options)});
  ReportData about;
  about.description = "the four XOR examples";
  about.sample_names = {"(0, 0) y=0", "(0, 1) y=1", "(1, 0) y=1", "(1, 1) y=0"};
  add_model_charts(report, model, data, about);
  write_report(directory, report);
  std::printf("report %s\n", (std::filesystem::path(directory) / "index.html").string().c_str());
}

#define MLP_INSTANTIATE(Scalar)                                                                  \
  template void write_train_report<Scalar>(const std::string&, const TrainingResult<Scalar>&,    \
                                           const DataArguments&, const std::string&, bool);      \
  template void write_xor_report<Scalar>(const std::string&, const Sequential<Scalar>&,          \
                                         const History&, const std::string&);                    \
  template void write_evaluation_report<Scalar>(const std::string&, const TrainedModel<Scalar>&, \
                                                const Dataset<Scalar>&, const DataArguments&,    \
                                                const std::string&, const Rows&, bool);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp::cli
