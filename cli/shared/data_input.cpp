#include "shared/data_input.hpp"

#include <algorithm>
#include <array>
#include <fstream>

#include "mlp/core/error.hpp"
#include "mlp/data/idx.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

char parse_delimiter(const std::string& text) {
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r")
    throw UsageError("--delimiter: expected one character, got '" + text + "'");
  return text[0];
}

bool is_idx_file(const std::string& path) {
  if (path == "-") return false;
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 4> head{};
  if (!in.read(reinterpret_cast<char*>(head.data()), head.size())) return false;
  const bool gzip = head[0] == 0x1f && head[1] == 0x8b;
  const bool idx =
      head[0] == 0 && head[1] == 0 && head[2] == 0x08 && (head[3] == 1 || head[3] == 3);
  return gzip || idx;
}

namespace {

CsvTable read_table(const DataArguments& args) {
  CsvOptions options;
  options.delimiter = args.delimiter;
  return read_csv(args.path, options);
}

}  // namespace

template <class Scalar>
Dataset<Scalar> load_training_data(const DataArguments& args, std::optional<Task> task) {
  if (is_idx_file(args.path)) {
    if (args.labels_path.empty())
      throw UsageError(args.path + " holds IDX images: give their labels with --labels FILE");
    if (task == Task::regression)
      throw UsageError("IDX images with labels are a classification task, not regression");
    return dataset_from_idx<Scalar>(args.path, args.labels_path);
  }
  if (!args.labels_path.empty())
    throw UsageError("--labels is for IDX images; " + args.path + " is read as CSV");
  if (args.target.empty()) throw UsageError("name the column to predict with --target COLUMN");
  return dataset_from_csv<Scalar>(read_table(args), args.target, args.ignore, task);
}

template <class Scalar>
Matrix<Scalar> load_features(const DataArguments& args, const ModelMetadata& model) {
  if (model.input_format == "idx") {
    if (!is_idx_file(args.path))
      throw DataError(args.path + ": the model was trained on IDX images but this file is not one");
    Matrix<Scalar> X = read_idx_images<Scalar>(args.path);
    if (X.cols() != static_cast<Index>(model.feature_names.size()))
      throw DataError(args.path + ": images of " + std::to_string(X.cols()) +
                      " pixels, but the model takes " + std::to_string(model.feature_names.size()));
    return X;
  }
  if (is_idx_file(args.path))
    throw DataError(args.path + ": this is IDX data but the model was trained on CSV columns " +
                    quoted_column_list(model.feature_names));
  return features_from_csv<Scalar>(read_table(args), model.feature_names);
}

template <class Scalar>
Dataset<Scalar> load_evaluation_data(const DataArguments& args, const ModelMetadata& model) {
  Dataset<Scalar> data;
  data.task = model.task;
  data.feature_names = model.feature_names;
  data.class_names = model.class_names;
  if (model.input_format == "idx") {
    if (args.labels_path.empty())
      throw UsageError("the model was trained on IDX images: give the labels with --labels FILE");
    data.features = load_features<Scalar>(args, model);
    const std::vector<int> labels = read_idx_labels(args.labels_path);
    if (static_cast<Index>(labels.size()) != data.features.rows())
      throw DataError(args.labels_path + ": " + std::to_string(labels.size()) + " labels for " +
                      std::to_string(data.features.rows()) + " images");
    for (int label : labels) {
      const std::string name = std::to_string(label);
      const auto it = std::find(model.class_names.begin(), model.class_names.end(), name);
      if (it == model.class_names.end())
        throw DataError(args.labels_path + ": label " + name + " is not a class of the model");
      data.labels.push_back(static_cast<int>(it - model.class_names.begin()));
    }
    return data;
  }
  const std::string target = args.target.empty() ? model.target : args.target;
  const CsvTable table = read_table(args);
  data.features = features_from_csv<Scalar>(table, model.feature_names);
  if (model.task == Task::classification) {
    data.labels = labels_from_csv(table, target, model.class_names);
  } else {
    data.targets = targets_from_csv<Scalar>(table, target);
  }
  return data;
}

#define MLP_INSTANTIATE(Scalar)                                                                   \
  template Dataset<Scalar> load_training_data<Scalar>(const DataArguments&, std::optional<Task>); \
  template Matrix<Scalar> load_features<Scalar>(const DataArguments&, const ModelMetadata&);      \
  template Dataset<Scalar> load_evaluation_data<Scalar>(const DataArguments&, const ModelMetadata&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp::cli
