// Reading the data files named on the command line: the flags turned into mlp::ReadOptions for
// mlp::read_dataset (data/read_dataset.hpp), which knows the formats, for training and for a
// trained model.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/model/trained_model.hpp"

namespace mlp::cli {

struct DataArguments {
  std::string path;         // CSV file ("-": stdin) or IDX images, raw or gzipped
  std::string labels_path;  // IDX labels (with IDX images)
  std::string target;       // CSV target column
  std::vector<std::string> ignore;
  char delimiter = ',';
};

// The --delimiter flag's value: one character, or "\t" / "tab". Throws UsageError otherwise.
char parse_delimiter(const std::string& text);

// True when the file starts like IDX data: gzip's magic bytes or an IDX magic number.
bool is_idx_file(const std::string& path);

// The training data set. Throws InvalidArgument (exit code 2, like UsageError) when a needed
// flag is missing.
template <class Scalar>
Dataset<Scalar> load_training_data(const DataArguments& args, std::optional<Task> task);

// Raw features of `args.path` for `model`, in the model's column order.
template <class Scalar>
Matrix<Scalar> load_features(const DataArguments& args, const ModelMetadata& model);

// Features and the true labels or targets, for evaluating `model`.
template <class Scalar>
Dataset<Scalar> load_evaluation_data(const DataArguments& args, const ModelMetadata& model);

}  // namespace mlp::cli
