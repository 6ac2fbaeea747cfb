#include "commands/info.hpp"

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "mlp/core/error.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/model/model_metadata.hpp"
#include "shared/column_report.hpp"

namespace mlp::cli {

namespace {

template <class Scalar>
void print_architecture(const Sequential<Scalar>& net, const std::string& dtype) {
  std::printf("network:     %lld inputs", static_cast<long long>(net.n_inputs()));
  for (const auto& layer : net.layers())
    std::printf(" -> %lld %s", static_cast<long long>(layer.n_out),
                std::string(to_string(layer.activation)).c_str());
  std::printf("\nparameters:  %lld (%s)\n", static_cast<long long>(net.parameter_count()),
              dtype.c_str());
  std::printf("loss:        %s\n", std::string(to_string(net.loss())).c_str());
  const OptimizerSpec& o = net.optimizer();
  std::printf("optimizer:   %s, learning rate %g\n", to_string(o.kind).c_str(), o.learning_rate);
}

void print_names(const char* label, const std::vector<std::string>& names) {
  std::printf("%-13s", label);
  const std::size_t shown = std::min<std::size_t>(names.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) std::printf("%s%s", i ? ", " : "", names[i].c_str());
  if (names.size() > shown) std::printf(", ... (%zu in all)", names.size());
  std::printf("\n");
}

void print_json_object(const char* label, const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || j.empty()) return;
  std::printf("%s\n", label);
  for (const auto& [key, value] : j.items()) {
    if (value.is_object()) {
      std::printf("  %-24s", key.c_str());
      for (const auto& [k, v] : value.items()) std::printf(" %s=%s", k.c_str(), v.dump().c_str());
      std::printf("\n");
    } else {
      std::printf("  %-24s %s\n", key.c_str(), value.dump().c_str());
    }
  }
}

int info(const std::string& path) {
  const LoadedModel loaded = load_model(path);
  std::printf("model:       %s\n", path.c_str());
  std::visit([&](const auto& net) { print_architecture(net, loaded.dtype); }, loaded.network);
  ModelMetadata meta;
  try {
    meta = ModelMetadata::from_json(loaded.extra_json);
  } catch (const ModelFileError&) {
    std::printf("preprocessing: none recorded (not written by mlp train)\n");
    return 0;
  }
  std::printf("task:        %s\n", std::string(to_string(meta.task)).c_str());
  std::printf("input:       %s\n", data_format_from_string(meta.input_format) == DataFormat::idx
                                       ? "IDX images"
                                       : "CSV columns");
  if (!meta.target.empty()) std::printf("target:      %s\n", meta.target.c_str());
  if (meta.csv_dialect) std::printf("csv dialect: %s\n", describe(*meta.csv_dialect).c_str());
  if (meta.columns) {
    std::string na;
    for (const auto& value : meta.columns->na_values) na += (na.empty() ? "" : ", ") + value;
    std::printf("missing:     empty fields and %s\n", na.empty() ? "nothing else" : na.c_str());
    std::printf("columns:\n%s", column_roles_table(*meta.columns, true).c_str());
  }
  print_names("features:", meta.feature_names);
  if (meta.task == Task::classification) print_names("classes:", meta.class_names);
  std::printf("scaling:     %s\n",
              !meta.feature_scaler ? "none"
              : meta.columns       ? "numeric and ordinal features standardised with the "
                                     "training data's mean and standard deviation; 0/1 features "
                                     "as they are"
                                   : "features standardised with the training data's mean and "
                                     "standard deviation");
  if (meta.task == Task::regression)
    std::printf("target scaling: mean %g, standard deviation %g\n", meta.target_mean,
                meta.target_scale);
  print_json_object("training:", meta.training_json);
  print_json_object("metrics at the end of training:", meta.metrics_json);
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto* cmd =
      app.add_subcommand("info", "What a model file holds: architecture, training, metrics");
  cmd->add_option("MODEL", *path, "Model file")->required();
  cmd->callback([path] { info(*path); });
}

}  // namespace mlp::cli
