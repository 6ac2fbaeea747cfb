#include "mlp/data/read_dataset.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <memory>

#include "csv_dataset.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/csv_reader.hpp"
#include "mlp/data/idx.hpp"

namespace mlp {

namespace {

// Whether the first bytes are gzip's magic bytes or an IDX magic number (unsigned bytes, 1 or
// 3 dimensions).
bool looks_like_idx(std::string_view head) {
  if (head.size() < 4) return false;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
  const bool gzip = byte(0) == 0x1f && byte(1) == 0x8b;
  const bool idx =
      byte(0) == 0 && byte(1) == 0 && byte(2) == 0x08 && (byte(3) == 1 || byte(3) == 3);
  return gzip || idx;
}

bool is_regular_file(const std::string& path) {
  std::error_code ec;
  return path != "-" && std::filesystem::is_regular_file(path, ec);
}

// A data file as opened once: its format and, for CSV, its reader (opened to be read twice).
struct Input {
  DataFormat format = DataFormat::csv;
  std::unique_ptr<CsvReader> reader;  // CSV only
};

// Opens `path` once. A regular file is recognised by its first bytes (IDX files are left to
// the IDX reader, which reads them by name); anything else is opened as CSV, then recognised.
Input open_input(const std::string& path) {
  if (detect_format(path) == DataFormat::idx) return {DataFormat::idx, {}};
  Input input;
  input.reader = std::make_unique<CsvReader>(path, true);
  if (looks_like_idx(input.reader->head()))
    throw DataError(source_name(path) +
                    ": this is IDX (or gzip) data, which is read from a regular file only, not "
                    "from standard input or a pipe");
  return input;
}

}  // namespace

detail::ReaderRows detail::start_csv_table(CsvReader& reader, const ReadOptions& options) {
  CsvOptions dialect;
  std::string origin = "given";
  if (options.model && options.model->dialect) {
    dialect = *options.model->dialect;
    origin = "the model's";
  } else if (!options.delimiter || !options.decimal) {
    dialect = detect_csv_dialect(reader.head());
    origin = "detected from the first lines";
  }
  if (options.delimiter) dialect.delimiter = *options.delimiter;
  if (options.decimal) dialect.decimal = *options.decimal;
  if (dialect.decimal == dialect.delimiter) dialect.decimal = dialect.delimiter == ',' ? '.' : ',';
  std::string hint = " [read with " + describe(dialect) + ", " + origin +
                     "; set the delimiter and decimal mark if that is wrong]";
  try {
    reader.start(dialect);
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + hint);
  }
  return detail::ReaderRows(reader, std::move(hint));
}

namespace {

// Data to train on: the reader of the file's format, with the options it needs.
template <class Scalar>
Dataset<Scalar> read_training_data(const std::string& path, const ReadOptions& options) {
  Input input = open_input(path);
  if (input.format == DataFormat::idx) {
    if (options.labels_path.empty())
      throw InvalidArgument(path + " holds IDX images: their labels file is needed too");
    if (options.task == Task::regression)
      throw InvalidArgument("IDX images with labels are a classification task, not regression");
    if (!options.columns.sample_weight.empty())
      throw InvalidArgument("sample weights come from a CSV column; IDX images have no columns");
    Dataset<Scalar> data = dataset_from_idx<Scalar>(path, options.labels_path);
    data.format = DataFormat::idx;
    return data;
  }
  if (!options.labels_path.empty())
    throw InvalidArgument("a labels file is for IDX images; " + source_name(path) +
                          " is read as CSV");
  if (options.target.empty())
    throw InvalidArgument(source_name(path) +
                          " is read as CSV: name its target column (the column to predict)");
  detail::ReaderRows rows = detail::start_csv_table(*input.reader, options);
  return detail::training_dataset<Scalar>(rows, options.target, options.columns, options.task);
}

// The IDX images of `path` for `model`.
template <class Scalar>
Matrix<Scalar> read_model_images(const std::string& path, const Input& input,
                                 const ModelInputs& model) {
  if (input.format != DataFormat::idx)
    throw DataError(source_name(path) +
                    ": the model was trained on IDX images but this file is not one");
  Matrix<Scalar> X = read_idx_images<Scalar>(path);
  if (X.cols() != static_cast<Index>(model.feature_names.size()))
    throw DataError(path + ": images of " + std::to_string(X.cols()) +
                    " pixels, but the model takes " + std::to_string(model.feature_names.size()));
  return X;
}

// IDX images and their labels for `model`: each label must be one of its classes.
template <class Scalar>
void read_idx_for_model(const std::string& path, const Input& input, const ReadOptions& options,
                        const ModelInputs& model, Dataset<Scalar>& data) {
  data.features = read_model_images<Scalar>(path, input, model);
  if (options.features_only) return;
  if (options.labels_path.empty())
    throw InvalidArgument("the model was trained on IDX images: its labels file is needed too");
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
  data.format = model.format;
  data.encoder = model.encoder;
  data.csv_dialect = model.dialect;
  Input input = open_input(path);
  if (model.format == DataFormat::idx) {
    if (!options.keep_columns.empty()) throw InvalidArgument("IDX images have no columns to keep");
    read_idx_for_model(path, input, options, model, data);
    return data;
  }
  if (input.format == DataFormat::idx)
    throw DataError(path + ": this is IDX data but the model was trained on CSV columns " +
                    quoted_column_list(model.feature_names));
  detail::ReaderRows rows = detail::start_csv_table(*input.reader, options);
  detail::model_dataset<Scalar>(rows, options, model, data);
  return data;
}

}  // namespace

std::string_view to_string(DataFormat format) {
  return format == DataFormat::idx ? "idx" : "csv";
}

DataFormat data_format_from_string(std::string_view name) {
  if (name == "csv") return DataFormat::csv;
  if (name == "idx") return DataFormat::idx;
  throw InvalidArgument("unknown data format '" + std::string(name) + "' (expected csv or idx)");
}

DataFormat detect_format(const std::string& path) {
  if (!is_regular_file(path)) return DataFormat::csv;
  std::ifstream in(path, std::ios::binary);
  std::array<char, 4> head{};
  if (!in.read(head.data(), head.size())) return DataFormat::csv;
  return looks_like_idx(std::string_view(head.data(), head.size())) ? DataFormat::idx
                                                                    : DataFormat::csv;
}

template <class Scalar>
Dataset<Scalar> read_dataset(const std::string& path, const ReadOptions& options) {
  if (options.model) return read_model_data<Scalar>(path, options, *options.model);
  return read_training_data<Scalar>(path, options);
}

template Dataset<float> read_dataset<float>(const std::string&, const ReadOptions&);
template Dataset<double> read_dataset<double>(const std::string&, const ReadOptions&);

}  // namespace mlp
