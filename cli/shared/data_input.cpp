#include "shared/data_input.hpp"

#include "shared/usage_error.hpp"

namespace mlp::cli {

char parse_delimiter(const std::string& text) {
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r")
    throw UsageError("--delimiter: expected one character, got '" + text + "'");
  return text[0];
}

bool is_idx_file(const std::string& path) {
  return detect_format(path) == DataFormat::idx;
}

namespace {

ReadOptions read_options(const DataArguments& args) {
  ReadOptions options;
  options.labels_path = args.labels_path;
  options.target = args.target;
  options.ignore = args.ignore;
  options.delimiter = args.delimiter;
  return options;
}

ReadOptions options_for_model(const DataArguments& args, const ModelMetadata& model) {
  ReadOptions options = read_options(args);
  ModelInputs& inputs = options.model.emplace();
  inputs.format = data_format_from_string(model.input_format);
  inputs.feature_names = model.feature_names;
  inputs.task = model.task;
  inputs.class_names = model.class_names;
  inputs.target = model.target;
  return options;
}

}  // namespace

template <class Scalar>
Dataset<Scalar> load_training_data(const DataArguments& args, std::optional<Task> task) {
  ReadOptions options = read_options(args);
  options.task = task;
  return read_dataset<Scalar>(args.path, options);
}

template <class Scalar>
Matrix<Scalar> load_features(const DataArguments& args, const ModelMetadata& model) {
  ReadOptions options = options_for_model(args, model);
  options.features_only = true;
  return read_dataset<Scalar>(args.path, options).features;
}

template <class Scalar>
Dataset<Scalar> load_evaluation_data(const DataArguments& args, const ModelMetadata& model) {
  return read_dataset<Scalar>(args.path, options_for_model(args, model));
}

#define MLP_INSTANTIATE(Scalar)                                                                   \
  template Dataset<Scalar> load_training_data<Scalar>(const DataArguments&, std::optional<Task>); \
  template Matrix<Scalar> load_features<Scalar>(const DataArguments&, const ModelMetadata&);      \
  template Dataset<Scalar> load_evaluation_data<Scalar>(const DataArguments&, const ModelMetadata&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp::cli
