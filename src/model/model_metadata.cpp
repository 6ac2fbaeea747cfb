#include "mlp/model/model_metadata.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "mlp/core/error.hpp"
#include "mlp/data/read_dataset.hpp"

namespace mlp {

namespace {

using nlohmann::json;

json object_from_text(const std::string& text, const char* field) {
  json value = json::parse(text, nullptr, false);
  if (!value.is_object())
    throw ModelFileError(std::string("model metadata: '") + field + "' is not a JSON object");
  return value;
}

std::vector<std::string> string_list(const json& j, const char* field) {
  if (!j.contains(field)) return {};
  const json& list = j.at(field);
  if (!list.is_array())
    throw ModelFileError(std::string("model metadata: '") + field + "' is not a list");
  std::vector<std::string> out;
  for (const auto& item : list) {
    if (!item.is_string())
      throw ModelFileError(std::string("model metadata: '") + field + "' holds a non-string");
    out.push_back(item.get<std::string>());
  }
  return out;
}

// j[field] as a string, `fallback` when absent; a value of another JSON type is an error naming
// the field (never the JSON library's own type_error).
std::string optional_string(const json& j, const char* field, const char* fallback) {
  if (!j.contains(field)) return fallback;
  if (!j.at(field).is_string())
    throw ModelFileError(std::string("model metadata: '") + field + "' is not a string");
  return j.at(field).get<std::string>();
}

double finite_number(const json& j, const char* field, double fallback) {
  if (!j.contains(field)) return fallback;
  if (!j.at(field).is_number() || !std::isfinite(j.at(field).get<double>()))
    throw ModelFileError(std::string("model metadata: '") + field + "' is not a finite number");
  return j.at(field).get<double>();
}

// The "csv_dialect" object: one-character "delimiter" and "decimal".
CsvOptions dialect_from_json(const json& j) {
  const auto character = [&](const char* key) {
    if (!j.is_object() || !j.contains(key) || !j.at(key).is_string() ||
        j.at(key).get<std::string>().size() != 1)
      throw ModelFileError(std::string("model metadata: 'csv_dialect' needs a one-character '") +
                           key + "'");
    return j.at(key).get<std::string>()[0];
  };
  CsvOptions dialect;
  dialect.delimiter = character("delimiter");
  dialect.decimal = character("decimal");
  try {
    check_dialect(dialect);
  } catch (const InvalidArgument& e) {
    throw ModelFileError(std::string("model metadata: 'csv_dialect': ") + e.what());
  }
  return dialect;
}

}  // namespace

std::string ModelMetadata::to_json() const {
  json j;
  j["format_version"] = 1;
  j["task"] = std::string(mlp::to_string(task));
  j["input_format"] = input_format;
  j["target"] = target;
  j["feature_names"] = feature_names;
  if (columns) j["columns"] = json::parse(columns->to_json());
  if (csv_dialect)
    j["csv_dialect"] = {{"delimiter", std::string(1, csv_dialect->delimiter)},
                        {"decimal", std::string(1, csv_dialect->decimal)}};
  j["class_names"] = class_names;
  if (feature_scaler) j["feature_scaler"] = json::parse(feature_scaler->to_json());
  j["target_mean"] = target_mean;
  j["target_scale"] = target_scale;
  j["training"] = object_from_text(training_json, "training");
  j["metrics"] = object_from_text(metrics_json, "metrics");
  return j.dump();
}

ModelMetadata ModelMetadata::from_json(std::string_view json_text) {
  const json j = json::parse(json_text, nullptr, false);
  if (!j.is_object()) throw ModelFileError("model metadata is not a JSON object");
  if (!j.contains("format_version"))
    throw ModelFileError("model metadata has no preprocessing record (not trained by mlp train?)");
  if (j.at("format_version") != 1)
    throw ModelFileError("model metadata: unsupported format_version " +
                         j.at("format_version").dump());
  ModelMetadata m;
  const std::string task = optional_string(j, "task", "classification");
  try {
    m.task = task_from_string(task);
  } catch (const Error& e) {
    throw ModelFileError(std::string("model metadata: ") + e.what());
  }
  m.input_format = optional_string(j, "input_format", "csv");
  try {
    data_format_from_string(m.input_format);  // the formats read_dataset knows
  } catch (const InvalidArgument&) {
    throw ModelFileError("model metadata: unknown input_format '" + m.input_format + "'");
  }
  m.target = optional_string(j, "target", "");
  m.feature_names = string_list(j, "feature_names");
  m.class_names = string_list(j, "class_names");
  if (j.contains("columns")) m.columns = ColumnEncoder::from_json(j.at("columns").dump());
  if (j.contains("csv_dialect")) m.csv_dialect = dialect_from_json(j.at("csv_dialect"));
  if (m.columns && m.columns->feature_names() != m.feature_names)
    throw ModelFileError(
        "model metadata: the column encoder's features differ from "
        "'feature_names'");
  if (j.contains("feature_scaler"))
    m.feature_scaler = StandardScaler<double>::from_json(j.at("feature_scaler").dump());
  m.target_mean = finite_number(j, "target_mean", 0.0);
  m.target_scale = finite_number(j, "target_scale", 1.0);
  if (!(m.target_scale > 0)) throw ModelFileError("model metadata: 'target_scale' must be > 0");
  if (j.contains("training")) m.training_json = j.at("training").dump();
  if (j.contains("metrics")) m.metrics_json = j.at("metrics").dump();
  if (m.feature_scaler &&
      m.feature_scaler->mean.size() != static_cast<Index>(m.feature_names.size()))
    throw ModelFileError("model metadata: the feature scaler has " +
                         std::to_string(m.feature_scaler->mean.size()) + " columns but there are " +
                         std::to_string(m.feature_names.size()) + " features");
  if (m.task == Task::classification && m.class_names.size() < 2)
    throw ModelFileError("model metadata: a classifier needs at least two class names");
  return m;
}

}  // namespace mlp
