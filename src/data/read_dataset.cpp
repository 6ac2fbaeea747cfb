#include "mlp/data/read_dataset.hpp"

#include <algorithm>
#include <array>
#include <fstream>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/idx.hpp"

namespace mlp {

std::string_view to_string(DataFormat format) {
  return format == DataFormat::idx ? "idx" : "csv";
}

DataFormat data_format_from_string(std::string_view name) {
  if (name == "csv") return DataFormat::csv;
  if (name == "idx") return DataFormat::idx;
  throw InvalidArgument("unknown data format '" + std::string(name) + "' (expected csv or idx)");
}

DataFormat detect_format(const std::string& path) {
  if (path == "-") return DataFormat::csv;
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 4> head{};
  if (!in.read(reinterpret_cast<char*>(head.data()), head.size())) return DataFormat::csv;
  const bool gzip = head[0] == 0x1f && head[1] == 0x8b;
  const bool idx =
      head[0] == 0 && head[1] == 0 && head[2] == 0x08 && (head[3] == 1 || head[3] == 3);
  return gzip || idx ? DataFormat::idx : DataFormat::csv;
}

namespace {

CsvTable read_table(const std::string& path, const ReadOptions& options) {
  CsvOptions csv;
  csv.delimiter = options.delimiter;
  return read_csv(path, csv);
}

// Data to train on: the reader of the file's format, with the options it needs.
template <class Scalar>
Dataset<Scalar> read_training_data(const std::string& path, const ReadOptions& options) {
  if (detect_format(path) == DataFormat::idx) {
    if (options.labels_path.empty())
      throw InvalidArgument(path + " holds IDX images: give their labels with --labels FILE");
    if (options.task == Task::regression)
      throw InvalidArgument("IDX images with labels are a classification task, not regression");
    return dataset_from_idx<Scalar>(path, options.labels_path);
  }
  if (!options.labels_path.empty())
    throw InvalidArgument("--labels is for IDX images; " + path + " is read as CSV");
  if (options.target.empty())
    throw InvalidArgument("name the column to predict with --target COLUMN");
  return dataset_from_csv<Scalar>(read_table(path, options), options.target, options.ignore,
                                  options.task);
}

// The features of `path` for `model`, in its column order.
template <class Scalar>
Matrix<Scalar> read_model_features(const std::string& path, const ReadOptions& options,
                                   const ModelInputs& model) {
  if (model.format == DataFormat::idx) {
    if (detect_format(path) != DataFormat::idx)
      throw DataError(path + ": the model was trained on IDX images but this file is not one");
    Matrix<Scalar> X = read_idx_images<Scalar>(path);
    if (X.cols() != static_cast<Index>(model.feature_names.size()))
      throw DataError(path + ": images of " + std::to_string(X.cols()) +
                      " pixels, but the model takes " + std::to_string(model.feature_names.size()));
    return X;
  }
  if (detect_format(path) == DataFormat::idx)
    throw DataError(path + ": this is IDX data but the model was trained on CSV columns " +
                    quoted_column_list(model.feature_names));
  return features_from_csv<Scalar>(read_table(path, options), model.feature_names);
}

// IDX images and their labels for `model`: each label must be one of its classes.
template <class Scalar>
void read_idx_for_model(const std::string& path, const ReadOptions& options,
                        const ModelInputs& model, Dataset<Scalar>& data) {
  if (options.labels_path.empty())
    throw InvalidArgument(
        "the model was trained on IDX images: give the labels with --labels FILE");
  data.features = read_model_features<Scalar>(path, options, model);
  const std::vector<int> labels = read_idx_labels(options.labels_path);
  if (static_cast<Index>(labels.size()) != data.features.rows())
    throw DataError(options.labels_path + ": " + std::to_string(labels.size()) + " labels for " +
                    std::to_string(data.features.rows()) + " images");
  for (int label : labels) {
    const std::string name = std::to_string(label);
    const auto it = std::find(model.class_names.begin(), model.class_names.end(), name);
    if (it == model.class_names.end())
      throw DataError(options.labels_path + ": label " + name + " is not a class of the model");
    data.labels.push_back(static_cast<int>(it - model.class_names.begin()));
  }
}

// Features and labels or targets for `model`, or its features only.
template <class Scalar>
Dataset<Scalar> read_model_data(const std::string& path, const ReadOptions& options,
                                const ModelInputs& model) {
  Dataset<Scalar> data;
  data.task = model.task;
  data.feature_names = model.feature_names;
  data.class_names = model.class_names;
  if (options.features_only) {
    data.features = read_model_features<Scalar>(path, options, model);
    return data;
  }
  if (model.format == DataFormat::idx) {
    read_idx_for_model(path, options, model, data);
    return data;
  }
  const std::string& target = options.target.empty() ? model.target : options.target;
  const CsvTable table = read_table(path, options);
  data.features = features_from_csv<Scalar>(table, model.feature_names);
  if (model.task == Task::classification) {
    data.labels = labels_from_csv(table, target, model.class_names);
  } else {
    data.targets = targets_from_csv<Scalar>(table, target);
  }
  return data;
}

}  // namespace

template <class Scalar>
Dataset<Scalar> read_dataset(const std::string& path, const ReadOptions& options) {
  if (options.model) return read_model_data<Scalar>(path, options, *options.model);
  return read_training_data<Scalar>(path, options);
}

template Dataset<float> read_dataset<float>(const std::string&, const ReadOptions&);
template Dataset<double> read_dataset<double>(const std::string&, const ReadOptions&);

}  // namespace mlp
