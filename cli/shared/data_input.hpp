// Reading the data files named on the command line: the flags turned into mlp::ReadOptions for
// mlp::read_dataset (data/read_dataset.hpp), which knows the formats, for training and for a
// trained model; and the flags about a table's dialect and columns, shared by the commands.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/model/csv_shard.hpp"
#include "mlp/model/trained_model.hpp"
#include "mlp/nn/communicator.hpp"

namespace mlp::cli {

struct DataArguments {
  std::string path;         // CSV file ("-": stdin) or IDX images, raw or gzipped
  std::string labels_path;  // IDX labels (with IDX images)
  std::string target;       // CSV target column
  std::vector<std::string> ignore;
  std::optional<char> delimiter;  // none: the model's, else detected
  std::optional<char> decimal;    // none: the model's, else detected
  ColumnOptions columns;          // to train: roles and missing values (ignore is added to it)
  std::vector<std::string> keep_columns;  // for a model: columns kept verbatim (ids)
  bool keep_unusable_rows = false;        // for a model: rows that cannot be used are listed
};

// The text of the table flags, as CLI11 fills them in.
struct TableFlags {
  std::string delimiter, decimal;  // empty: not given
  std::vector<std::string> categorical, numeric, ordinal;
  std::optional<std::string> na_values;
  bool missing_indicators = false;
  std::size_t min_category_count = ColumnOptions{}.min_category_count;
};

// --delimiter and --decimal (train, predict, evaluate).
void add_dialect_flags(CLI::App& command, TableFlags& flags);
// --categorical, --numeric, --ordinal, --na-values, --missing-indicators, --min-category-count
// (train).
void add_column_flags(CLI::App& command, TableFlags& flags);
// The flags' values in `args`. Throws UsageError for a bad value.
void apply_table_flags(const TableFlags& flags, DataArguments& args);

// The --delimiter flag's value: one character, or "\t" / "tab". Throws UsageError otherwise.
char parse_delimiter(const std::string& text);

// A comma-separated list ("a,b,c"; empty items dropped).
std::vector<std::string> split_comma_list(const std::string& text);

// True when the file starts like IDX data: gzip's magic bytes or an IDX magic number (a pipe or
// standard input is never read here: it counts as CSV).
bool is_idx_file(const std::string& path);

// The training data set. Throws InvalidArgument (exit code 2, like UsageError) when a needed
// flag is missing.
template <class Scalar>
Dataset<Scalar> load_training_data(const DataArguments& args, std::optional<Task> task);

// This process's shard of the training data (under mpirun, a CSV file that is a regular file;
// model/csv_shard.hpp), with the same flag hints as load_training_data.
template <class Scalar>
CsvShard<Scalar> load_training_shard(const DataArguments& args, std::optional<Task> task,
                                     Communicator& comm, Index batch, Index block_rows);

// Features of `args.path` for `model`, in the model's column order (with the kept columns and
// the unusable rows when args ask for them).
template <class Scalar>
Dataset<Scalar> load_features(const DataArguments& args, const ModelMetadata& model);

// Features and the true labels or targets, for evaluating `model`.
template <class Scalar>
Dataset<Scalar> load_evaluation_data(const DataArguments& args, const ModelMetadata& model);

}  // namespace mlp::cli
