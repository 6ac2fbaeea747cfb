// Reading a data set from a file of any format the library knows: the one place that recognises
// a file's format and picks its reader.
//
//   mlp::ReadOptions options;
//   options.target = "species";
//   auto iris = mlp::read_dataset<double>("iris.csv", options);         // CSV, target column
//   options = {};
//   options.labels_path = "t10k-labels-idx1-ubyte.gz";
//   auto digits = mlp::read_dataset<float>("t10k-images-idx3-ubyte.gz", options);  // IDX
//
// Formats, recognised by the file's first bytes (detect_format):
//   - IDX (MNIST) images, raw or gzipped, with their labels in a second file (labels_path);
//   - CSV otherwise (also "-", standard input), with the target in a column (target), its
//     dialect (delimiter, decimal mark) given, taken from the model, or detected from the first
//     lines (detect_csv_dialect), and its columns encoded by a ColumnEncoder.
// A CSV file is opened once, so "-", pipes and FIFOs work, and read in two streamed passes that
// hold no row (csv_reader.hpp; a pipe is copied to a temporary file for the second): the first
// types the columns, the second fills the matrix, allocated once after checking it fits in the
// memory the process may use. IDX images must be a regular file.
//
// Adding a format (say NumPy's .npy) takes one reader file in data/ (like idx.hpp + idx.cpp) and
// one branch in read_dataset.cpp: a DataFormat value with its name, its magic bytes in
// detect_format, and its reader where read_dataset picks one (to train, and for a trained
// model). The CLI needs no change: train, evaluate, predict, sweep and gradcheck all read
// through read_dataset, and a model stores the format's name (to_string) as its input_format
// (model_metadata.cpp lists the names it accepts).
//
// Errors: DataError for a file that cannot be read or holds bad values (from the readers: csv.hpp,
// csv_reader.hpp, dataset.hpp, idx.hpp), for a matrix larger than the memory the process may use,
// for a file that changes between the passes, or that does not fit the trained model;
// InvalidArgument for options that do not fit the file (IDX without labels, a CSV without a
// target, ...). The messages name no command-line flags: a front end adds its own spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/data/dataset.hpp"

namespace mlp {

// "csv" or "idx": the name a model file keeps as its input_format.
std::string_view to_string(DataFormat format);

// Parses "csv" or "idx"; throws InvalidArgument otherwise.
DataFormat data_format_from_string(std::string_view name);

// The format of the file at `path` by its first bytes: IDX when it starts with gzip's magic bytes
// or an IDX magic number (unsigned bytes, 1 or 3 dimensions), CSV otherwise. "-" (standard
// input), pipes and other files that are not regular files count as CSV without being read (so
// that their bytes are left for the reader), as does a file that cannot be read (the CSV reader
// then reports the problem).
DataFormat detect_format(const std::string& path);

// What a trained model reads: set ReadOptions::model to read data for it instead of data to
// train on.
struct ModelInputs {
  DataFormat format = DataFormat::csv;     // the format the model was trained on
  std::vector<std::string> feature_names;  // its input columns, in its order
  Task task = Task::classification;
  std::vector<std::string> class_names;  // classification: its classes
  std::string target;                    // the column it was trained to predict (CSV)
  std::optional<ColumnEncoder> encoder;  // CSV: its column encoding (none: numeric columns)
  std::optional<CsvOptions> dialect;     // CSV: the dialect of its training file
};

struct ReadOptions {
  std::string labels_path;  // IDX: the labels file (needed to train or evaluate)
  std::string target;       // CSV: the column to predict (with `model`: its default)
  ColumnOptions columns;    // CSV, to train: column roles and missing-value markers
  // CSV: the field separator and decimal mark; when not given, the model's (with `model`) or
  // else detected from the first lines.
  std::optional<char> delimiter, decimal;
  std::optional<Task> task;          // to train: the task, or nullopt to guess it from the target
  std::optional<ModelInputs> model;  // to read data for a trained model, in its column order
  bool features_only = false;        // with `model`: read the features only (to predict)
  // With `model`, CSV: columns copied verbatim into Dataset::kept_columns (ids for the output).
  std::vector<std::string> keep_columns;
  // With `model`, CSV with an encoder: rows whose values cannot be used are listed in
  // Dataset::row_problems instead of making the whole read fail.
  bool keep_unusable_rows = false;
};

// The data set in the file at `path`, read by the reader of its format (detect_format).
//
// Without options.model, data to train on: features, and the labels (class names from the data)
// or targets, as dataset_from_csv or dataset_from_idx make them; Dataset::format and (CSV)
// Dataset::encoder say how. InvalidArgument when IDX images come without labels_path or with
// task regression, when labels_path is given for a CSV file, and when a CSV file comes without
// a target. A CSV parse error names the dialect the file was read with and where it came from.
//
// With options.model, data for that model: its features in its column order (feature_names and
// class_names as the model's), and unless features_only its labels (mapped to the model's
// classes) or targets, from options.target or else the model's target; CSV rows whose target is
// missing are skipped and counted (Dataset::rows_without_target). A model with an encoder
// encodes the columns as it learned to; values that cannot be used are one DataError listing
// them, or with keep_unusable_rows, Dataset::row_problems. DataError when the file's format is
// not the model's, when IDX images have another size than the model's inputs, when a label is
// not one of the model's classes, when a kept column is missing; InvalidArgument when
// labels_path is missing for IDX.
template <class Scalar>
Dataset<Scalar> read_dataset(const std::string& path, const ReadOptions& options = {});

}  // namespace mlp
