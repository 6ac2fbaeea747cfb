#include "shared/data_input.hpp"

#include <sstream>

#include "mlp/core/error.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

char parse_delimiter(const std::string& text) {
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() != 1 || text == "\"" || text == "\n" || text == "\r")
    throw UsageError("--delimiter: expected one character, got '" + text + "'");
  return text[0];
}

std::vector<std::string> split_comma_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

bool is_idx_file(const std::string& path) {
  return detect_format(path) == DataFormat::idx;
}

void add_dialect_flags(CLI::App& command, TableFlags& flags) {
  command.add_option("--delimiter", flags.delimiter,
                     "CSV field separator: one character, or \\t (default: the model's, else "
                     "detected from the first lines)");
  command
      .add_option("--decimal", flags.decimal,
                  "Decimal mark of numbers: . or , (default: the model's, else detected)")
      ->check(CLI::IsMember({".", ","}));
}

void add_column_flags(CLI::App& command, TableFlags& flags) {
  command
      .add_option("--categorical", flags.categorical,
                  "Columns to one-hot encode whatever their values (repeat, or a comma list)")
      ->delimiter(',');
  command
      .add_option("--numeric", flags.numeric,
                  "Columns to read as numbers whatever the guess (repeat, or a comma list)")
      ->delimiter(',');
  command.add_option("--ordinal", flags.ordinal,
                     "An ordered column, COLUMN or COLUMN:low,middle,high (default order: sorted "
                     "values); repeat for more");
  command.add_option("--na-values", flags.na_values,
                     "Comma-separated values that mean missing, besides an empty field (default: "
                     "NA,N/A,NaN,null,?,#N/A; any case)");
  command.add_flag("--missing-indicators", flags.missing_indicators,
                   "Add a 0/1 feature for each numeric, yes/no or ordinal column with gaps");
  command
      .add_option("--min-category-count", flags.min_category_count,
                  "Categories seen fewer times share one '(other)' feature")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void apply_table_flags(const TableFlags& flags, DataArguments& args) {
  if (!flags.delimiter.empty()) args.delimiter = parse_delimiter(flags.delimiter);
  if (!flags.decimal.empty()) args.decimal = flags.decimal[0];
  ColumnOptions& columns = args.columns;
  columns.categorical = flags.categorical;
  columns.numeric = flags.numeric;
  for (const std::string& text : flags.ordinal) {
    const auto colon = text.find(':');
    OrdinalColumn ordinal{text.substr(0, colon), {}};
    if (colon != std::string::npos) ordinal.order = split_comma_list(text.substr(colon + 1));
    if (ordinal.name.empty() || (colon != std::string::npos && ordinal.order.empty()))
      throw UsageError("--ordinal: expected COLUMN or COLUMN:low,middle,high, got '" + text + "'");
    columns.ordinal.push_back(std::move(ordinal));
  }
  if (flags.na_values) columns.na_values = split_comma_list(*flags.na_values);
  columns.missing_indicators = flags.missing_indicators;
  columns.min_category_count = flags.min_category_count;
}

namespace {

ReadOptions read_options(const DataArguments& args) {
  ReadOptions options;
  options.labels_path = args.labels_path;
  options.target = args.target;
  options.columns = args.columns;
  options.columns.ignore.insert(options.columns.ignore.end(), args.ignore.begin(),
                                args.ignore.end());
  options.delimiter = args.delimiter;
  options.decimal = args.decimal;
  options.keep_columns = args.keep_columns;
  options.keep_unusable_rows = args.keep_unusable_rows;
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
  inputs.encoder = model.columns;
  inputs.dialect = model.csv_dialect;
  return options;
}

// The library's messages name no flags: these are the ones to change what it reports.
template <class Read>
auto with_flag_hints(Read&& read) {
  try {
    return read();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(std::string(e.what()) +
                          " (--target COLUMN names the CSV column to predict; --labels FILE the "
                          "labels of IDX images)");
  } catch (const DataError& e) {
    const std::string message = e.what();
    if (message.find("set the delimiter and decimal mark") == std::string::npos) throw;
    throw DataError(message + " (--delimiter CHAR, --decimal CHAR)");
  }
}

}  // namespace

template <class Scalar>
Dataset<Scalar> load_training_data(const DataArguments& args, std::optional<Task> task) {
  ReadOptions options = read_options(args);
  options.task = task;
  return with_flag_hints([&] { return read_dataset<Scalar>(args.path, options); });
}

template <class Scalar>
CsvShard<Scalar> load_training_shard(const DataArguments& args, std::optional<Task> task,
                                     Communicator& comm, Index batch, Index block_rows) {
  ReadOptions options = read_options(args);
  options.task = task;
  return with_flag_hints(
      [&] { return read_csv_shard<Scalar>(args.path, options, comm, batch, block_rows); });
}

template <class Scalar>
Dataset<Scalar> load_features(const DataArguments& args, const ModelMetadata& model) {
  ReadOptions options = options_for_model(args, model);
  options.features_only = true;
  return with_flag_hints([&] { return read_dataset<Scalar>(args.path, options); });
}

template <class Scalar>
Dataset<Scalar> load_evaluation_data(const DataArguments& args, const ModelMetadata& model) {
  const ReadOptions options = options_for_model(args, model);
  return with_flag_hints([&] { return read_dataset<Scalar>(args.path, options); });
}

#define MLP_INSTANTIATE(Scalar)                                                                    \
  template Dataset<Scalar> load_training_data<Scalar>(const DataArguments&, std::optional<Task>);  \
  template CsvShard<Scalar> load_training_shard<Scalar>(const DataArguments&, std::optional<Task>, \
                                                        Communicator&, Index, Index);              \
  template Dataset<Scalar> load_features<Scalar>(const DataArguments&, const ModelMetadata&);      \
  template Dataset<Scalar> load_evaluation_data<Scalar>(const DataArguments&, const ModelMetadata&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp::cli
