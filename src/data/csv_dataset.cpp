#include "csv_dataset.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "mlp/core/error.hpp"
#include "mlp/core/memory_limit.hpp"
#include "number_text.hpp"
#include "problem_list.hpp"
#include "tally_blob.hpp"

namespace mlp::detail {

namespace {

std::size_t column_or_throw(const RowSource& rows, const std::string& name, const char* role) {
  const auto& header = rows.header();
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end())
    throw DataError(rows.source() + ": no " + role + " column '" + name +
                    "' (the columns are: " + quoted_column_list(header) + ")" + rows.hint());
  return static_cast<std::size_t>(it - header.begin());
}

// Canonical name of a numeric class label: integers without a decimal point, others in the
// shortest form that reads back to the same double.
std::string numeric_label_name(double value) {
  if (value == std::trunc(value) && std::abs(value) < 0x1p53)
    return std::to_string(static_cast<long long>(value));
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string class_list(const std::vector<std::string>& names) {
  constexpr std::size_t kMax = 20;
  if (names.size() <= kMax) return quoted_column_list(names);
  std::vector<std::string> first(names.begin(), names.begin() + kMax);
  return quoted_column_list(first) + ", ... (" + std::to_string(names.size()) + " classes)";
}

// Refuses a matrix that cannot fit in the memory this process may use, before allocating it.
void check_memory(const RowSource& rows, std::size_t n, std::size_t features,
                  std::size_t bytes_per_row) {
  const auto bytes = static_cast<std::uint64_t>(n) * bytes_per_row;
  if (const auto problem = memory_problem(bytes))
    throw DataError(rows.source() + ": the data set of " + std::to_string(n) + " rows and " +
                    std::to_string(features) + " features " + *problem +
                    " (use fewer rows, or leave out columns with many categories)");
}

// Gives the memory the first pass freed (its tallies: many small blocks) back to the system
// before the matrix is allocated, so that the peak is the larger pass, not both together.
void release_freed_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

[[noreturn]] void changed(const RowSource& rows) {
  throw DataError(rows.source() + ": the file changed while it was read (it is read twice)");
}

}  // namespace

// (TargetTally, LabelIndex and TrainingPlan are outside the anonymous namespace: TrainingShard's
// state holds them.)

// The task guess of dataset_from_csv from the target's values, tallied one at a time: any
// non-numeric value means classification; numeric values that are all integers with at most 20
// distinct values, fewer than half the number of rows or at most 10, mean classification;
// anything else is regression.
struct TargetTally {
  bool all_numeric = true;
  bool all_integers = true;
  std::set<double> distinct;  // up to 21 values: enough to tell
  std::size_t rows = 0;

  void add(std::string_view text, char decimal) {
    ++rows;
    double value = 0.0;
    all_numeric = all_numeric && parse_number(text, value, decimal) == NumberStatus::ok;
    if (!all_numeric) return;
    all_integers = all_integers && value == std::trunc(value);
    if (distinct.size() <= 20) distinct.insert(value);
  }
  Task task() const {
    if (!all_numeric) return Task::classification;
    if (all_integers && distinct.size() <= 20 &&
        (2 * distinct.size() < rows || distinct.size() <= 10))
      return Task::classification;
    return Task::regression;
  }
};

// Class labels in order of appearance, then sorted into class names (numeric labels by value,
// named canonically; text labels as trimmed text).
struct LabelIndex {
  bool numeric = false;
  std::map<double, int> by_value;                   // label -> order of appearance
  std::map<std::string, int, std::less<>> by_text;  // the same for text labels

  int add(std::string_view text, char decimal) {
    if (numeric) {
      double value = 0.0;
      parse_number(text, value, decimal);
      return by_value.emplace(value == 0.0 ? 0.0 : value, int(by_value.size())).first->second;
    }
    const auto it = by_text.find(text);
    if (it != by_text.end()) return it->second;
    return by_text.emplace(std::string(text), int(by_text.size())).first->second;
  }
  std::size_t size() const { return numeric ? by_value.size() : by_text.size(); }
  // The class names, and the labels renumbered to their sorted order.
  std::vector<std::string> finish(std::vector<int>& labels) const {
    std::vector<std::string> names;
    std::vector<int> rank(numeric ? by_value.size() : by_text.size());
    const auto number = [&](int appearance, std::string name) {
      rank[static_cast<std::size_t>(appearance)] = static_cast<int>(names.size());
      names.push_back(std::move(name));
    };
    for (const auto& [value, appearance] : by_value) number(appearance, numeric_label_name(value));
    for (const auto& [text, appearance] : by_text) number(appearance, text);
    for (int& label : labels) label = rank[static_cast<std::size_t>(label)];
    return names;
  }
};

// What pass 1 of training_dataset learns.
struct TrainingPlan {
  std::size_t target_column = 0;
  std::size_t weight_column = std::string::npos;
  std::size_t rows = 0;
  std::size_t skipped = 0;
  std::optional<ColumnEncoder> encoder;
  TargetTally target;
};

namespace {

// Refuses, during the first pass, a table whose matrix cannot fit in the memory this process may
// use: when the rows read so far already need more, or when the whole input, projected from the
// share read so far (after its first 1%), would need more than 1.25 times as much (rows vary in
// length: the margin keeps a file that fits from being refused). `bytes_per_row`: a lower bound
// from the features seen so far.
void refuse_if_too_big(const RowSource& rows, std::size_t n, std::size_t features,
                       std::size_t bytes_per_row) {
  const auto bytes = static_cast<std::uint64_t>(n) * bytes_per_row;
  if (const auto problem = memory_problem(bytes))
    throw DataError(rows.source() + ": the first " + std::to_string(n) + " rows of " +
                    std::to_string(features) + " features already need " + problem->substr(6) +
                    " (use fewer rows, or leave out columns)");
  const double share = rows.share_read();
  if (share < 0.01) return;
  const double projected = static_cast<double>(bytes) / share;
  if (projected >= 1.8e19 || !memory_problem(static_cast<std::uint64_t>(projected / 1.25))) return;
  const auto rows_projected = static_cast<std::uint64_t>(static_cast<double>(n) / share);
  throw DataError(rows.source() + ": its first " + std::to_string(n) + " rows (" +
                  std::to_string(static_cast<int>(share * 100.0 + 0.5)) +
                  "% of the file) project about " + std::to_string(rows_projected) + " rows of " +
                  std::to_string(features) + " features, which " +
                  *memory_problem(static_cast<std::uint64_t>(projected)) +
                  " (use fewer rows, or leave out columns)");
}

TrainingPlan plan_training(RowSource& rows, const std::string& target, const ColumnOptions& columns,
                           std::size_t value_bytes) {
  TrainingPlan plan;
  plan.target_column = column_or_throw(rows, target, "target");
  ColumnOptions feature_columns = columns;
  if (!columns.sample_weight.empty()) {
    plan.weight_column = column_or_throw(rows, columns.sample_weight, "sample weight");
    feature_columns.ignore.push_back(columns.sample_weight);
  }
  const char decimal = rows.dialect().decimal;
  ColumnEncoderFit fit(rows.header(), rows.source(), target, feature_columns, decimal);
  const std::vector<std::string>* fields = nullptr;
  std::size_t line = 0;
  while (rows.next(fields, line)) {
    const std::string& value = (*fields)[plan.target_column];
    if (is_missing(value, columns.na_values)) {
      ++plan.skipped;
      continue;
    }
    fit.add(*fields);
    plan.target.add(trim(value), decimal);
    if (plan.target.rows % 65536 == 0) {
      const std::size_t features = fit.features_so_far();
      refuse_if_too_big(rows, plan.target.rows, features, (features + 1) * value_bytes);
    }
  }
  plan.rows = plan.target.rows;
  if (plan.rows == 0)
    throw DataError(rows.source() + ": the target column '" + target + "' has no values");
  plan.encoder = fit.finish();
  return plan;
}

// The problems of pass 2 of training_dataset, in the order they are reported.
struct TrainingProblems {
  ProblemList weights;
  ProblemList values;
  std::optional<std::string> target;  // the first bad regression target
};

// Pass 2 of training_dataset: every row encoded into `data`.
template <class Scalar>
void fill_training(RowSource& rows, const TrainingPlan& plan, const ColumnOptions& columns,
                   Dataset<Scalar>& data, LabelIndex& labels, TrainingProblems& problems) {
  const ColumnEncoder& encoder = *plan.encoder;
  const std::vector<std::size_t> located = encoder.locate(rows.header(), rows.source());
  const char decimal = rows.dialect().decimal;
  std::vector<FieldProblem> field_problems;
  const std::vector<std::string>* fields = nullptr;
  std::size_t line = 0, i = 0;
  rows.rewind();
  while (rows.next(fields, line)) {
    const std::string& target = (*fields)[plan.target_column];
    if (is_missing(target, columns.na_values)) continue;
    if (i == plan.rows) changed(rows);
    const auto row = static_cast<Index>(i);
    encoder.encode_row(*fields, located, decimal, data.features.row(row).data(), field_problems);
    for (const auto& p : field_problems)
      problems.values.add(field_position(rows.source(), rows.header(), line, p.column) + p.what);
    field_problems.clear();
    if (plan.weight_column != std::string::npos) {
      const std::string& field = (*fields)[plan.weight_column];
      double& weight = data.sample_weight[i];
      if (parse_number(field, weight, decimal) != NumberStatus::ok || !(weight >= 0.0))
        problems.weights.add(
            field_position(rows.source(), rows.header(), line, plan.weight_column) + show(field) +
            " is not a sample weight (a finite number >= 0 is required)");
    }
    if (data.task == Task::classification) {
      data.labels[i] = labels.add(trim(target), decimal);
    } else if (!problems.target) {
      problems.target =
          number_field(rows, line, plan.target_column, target, "target", data.targets(row));
    }
    ++i;
  }
  if (i != plan.rows) changed(rows);
}

// The columns of `names` in the table: DataError naming the missing ones and the table's columns
// the model does not use (a model trained before column encoders: its numeric columns).
std::vector<std::size_t> numeric_columns(const RowSource& rows,
                                         const std::vector<std::string>& names) {
  if (names.empty()) throw InvalidArgument("features_from_csv: the model has no feature names");
  const auto& header = rows.header();
  std::vector<std::size_t> columns;
  std::vector<std::string> missing;
  for (const auto& name : names) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      missing.push_back(name);
    else
      columns.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  if (missing.empty()) return columns;
  std::vector<std::string> unexpected;
  for (const auto& name : header)
    if (std::find(names.begin(), names.end(), name) == names.end()) unexpected.push_back(name);
  throw DataError(
      rows.source() + ": missing feature column" + (missing.size() > 1 ? "s " : " ") +
      quoted_column_list(missing) + " that the model needs; columns the model " + "does not use: " +
      (unexpected.empty() ? std::string("(none)") : quoted_column_list(unexpected)) + rows.hint());
}

// The columns of options.keep_columns.
std::vector<std::size_t> kept_columns(const RowSource& rows,
                                      const std::vector<std::string>& names) {
  std::vector<std::size_t> columns;
  const auto& header = rows.header();
  for (const auto& name : names) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      throw DataError(rows.source() + ": no column '" + name + "' to keep (the columns are: " +
                      quoted_column_list(header) + ")" + rows.hint());
    columns.push_back(static_cast<std::size_t>(it - header.begin()));
  }
  return columns;
}

// What pass 1 of model_dataset learns, and the columns pass 2 reads.
struct ModelPlan {
  std::size_t target_column = std::string::npos;  // npos: features only
  std::size_t rows = 0;
  std::size_t skipped = 0;
  std::vector<std::size_t> kept;
  std::vector<std::size_t> located;  // the encoder's columns, or the model's numeric columns
  std::optional<ClassLookup> classes;
};

// The problems of pass 2 of model_dataset, in the order they are reported.
struct ModelProblems {
  std::optional<std::string> number;  // the first bad value of a model without an encoder
  ProblemList values;                 // the encoder's
  std::optional<std::string> target;  // the first bad label or target
};

// One row of pass 2 of model_dataset: its features, kept values, label or target.
template <class Scalar>
void fill_model_row(const RowSource& rows, const ModelPlan& plan, const ReadOptions& options,
                    const ModelInputs& model, const std::vector<std::string>& fields,
                    std::size_t line, std::size_t i, Dataset<Scalar>& data,
                    ModelProblems& problems) {
  const auto row = static_cast<Index>(i);
  Scalar* features = data.features.row(row).data();
  if (model.encoder) {
    std::vector<FieldProblem> field_problems;
    model.encoder->encode_row(fields, plan.located, rows.dialect().decimal, features,
                              field_problems);
    for (const auto& p : field_problems) {
      std::string message = field_position(rows.source(), rows.header(), line, p.column) + p.what;
      if (options.keep_unusable_rows)
        data.row_problems.push_back({i, std::move(message)});
      else
        problems.values.add(std::move(message));
    }
  } else {
    for (std::size_t j = 0; j < plan.located.size() && !problems.number; ++j)
      problems.number =
          number_field(rows, line, plan.located[j], fields[plan.located[j]], "value", features[j]);
  }
  for (std::size_t k = 0; k < plan.kept.size(); ++k)
    data.kept_columns[k].push_back(fields[plan.kept[k]]);
  if (plan.target_column == std::string::npos || problems.target) return;
  const std::string& target = fields[plan.target_column];
  if (plan.classes)
    problems.target = plan.classes->find(rows, line, plan.target_column, target, data.labels[i]);
  else
    problems.target =
        number_field(rows, line, plan.target_column, target, "target", data.targets(row));
}

ModelPlan plan_model(RowSource& rows, const ReadOptions& options, const ModelInputs& model,
                     const std::string& target) {
  ModelPlan plan;
  const auto& header = rows.header();
  const auto it = std::find(header.begin(), header.end(), target);
  if (!options.features_only && it != header.end())
    plan.target_column = static_cast<std::size_t>(it - header.begin());
  const std::vector<std::string> na =
      model.encoder ? model.encoder->na_values : default_na_values();
  const std::vector<std::string>* fields = nullptr;
  std::size_t line = 0;
  while (rows.next(fields, line)) {
    if (plan.target_column != std::string::npos && is_missing((*fields)[plan.target_column], na))
      ++plan.skipped;
    else
      ++plan.rows;
  }
  plan.kept = kept_columns(rows, options.keep_columns);
  plan.located = model.encoder ? model.encoder->locate(header, rows.source())
                               : numeric_columns(rows, model.feature_names);
  if (options.features_only) return plan;
  if (plan.target_column == std::string::npos) column_or_throw(rows, target, "target");
  if (plan.rows == 0) throw DataError(rows.source() + ": no data rows");
  if (model.task == Task::classification) plan.classes.emplace(model.class_names);
  return plan;
}

// The data set of a training plan: pass 2 and the checks after it. `labels`: the classes in
// order when known (sharded tables), else empty (numbered in order of appearance, then sorted).
template <class Scalar>
Dataset<Scalar> dataset_from_plan(RowSource& rows, TrainingPlan& plan, const std::string& target,
                                  const ColumnOptions& columns, Task task, LabelIndex& labels) {
  release_freed_memory();
  Dataset<Scalar> data;
  data.task = task;
  const std::size_t n = plan.rows;
  const std::size_t width = plan.encoder->feature_names().size();
  const bool weights = plan.weight_column != std::string::npos;
  check_memory(rows, n, width,
               width * sizeof(Scalar) + sizeof(Scalar) + sizeof(int) + (weights ? 8 : 0));
  data.features = Matrix<Scalar>::Zero(static_cast<Index>(n), static_cast<Index>(width));
  if (data.task == Task::classification)
    data.labels.resize(n);
  else
    data.targets.resize(static_cast<Index>(n));
  if (weights) data.sample_weight.resize(n);
  TrainingProblems problems;
  fill_training(rows, plan, columns, data, labels, problems);

  problems.weights.throw_if_any(rows.source());
  problems.values.throw_if_any(rows.source());
  if (problems.target) throw DataError(*problems.target);
  data.rows_without_target = plan.skipped;
  data.feature_names = plan.encoder->feature_names();
  data.encoder = std::move(plan.encoder);
  data.csv_dialect = rows.dialect();
  if (data.task == Task::classification) {
    data.class_names = labels.finish(data.labels);
    if (data.class_names.size() < 2)
      throw DataError(rows.source() + ": the target column '" + target + "' has only one class (" +
                      show(data.class_names.front()) + "); classification needs at least two");
  }
  return data;
}

}  // namespace

bool TableRows::next(const std::vector<std::string>*& fields, std::size_t& line) {
  if (row_ >= table_.rows.size()) return false;
  fields = &table_.rows[row_];
  line = row_ < table_.line_numbers.size() ? table_.line_numbers[row_] : 0;
  ++row_;
  return true;
}

bool ReaderRows::next(const std::vector<std::string>*& fields, std::size_t& line) {
  try {
    if (!reader_.next(record_)) return false;
  } catch (const DataError& e) {
    throw DataError(std::string(e.what()) + hint_);
  }
  fields = &record_.fields;
  line = record_.line;
  return true;
}

void ReaderRows::rewind() {
  reader_.rewind();
}

double ReaderRows::share_read() const {
  const std::uint64_t size = reader_.input_bytes();
  if (size == 0) return 0.0;
  return std::min(1.0, static_cast<double>(reader_.bytes_read()) / static_cast<double>(size));
}

template <class Scalar>
std::optional<std::string> number_field(const RowSource& rows, std::size_t line, std::size_t column,
                                        const std::string& field, const char* what, Scalar& value) {
  const std::string where = field_position(rows.source(), rows.header(), line, column);
  double parsed = 0.0;
  switch (parse_number(field, parsed, rows.dialect().decimal)) {
    case NumberStatus::ok:
      break;
    case NumberStatus::empty:
      return where + "empty " + what + " (a number is required)";
    case NumberStatus::not_a_number:
      return where + show(field) + " is not a number";
    case NumberStatus::not_finite:
      return where + show(field) + " is not a finite number (NaN and infinity are not allowed)";
    case NumberStatus::out_of_range:
      return where + show(field) + " is out of range";
  }
  if (std::abs(parsed) > static_cast<double>(std::numeric_limits<Scalar>::max()))
    return where + show(field) + " is out of range for single precision (float)";
  value = static_cast<Scalar>(parsed);
  return std::nullopt;
}

ClassLookup::ClassLookup(const std::vector<std::string>& class_names) : class_names_(class_names) {
  if (class_names.empty()) throw InvalidArgument("labels_from_csv: no class names given");
  for (std::size_t k = 0; k < class_names.size(); ++k) {
    by_name_.emplace(class_names[k], static_cast<int>(k));
    double v = 0.0;
    if (parse_number(class_names[k], v) == NumberStatus::ok)
      by_value_.emplace(v == 0.0 ? 0.0 : v, static_cast<int>(k));
    else
      all_numeric_ = false;
  }
}

std::optional<std::string> ClassLookup::find(const RowSource& rows, std::size_t line,
                                             std::size_t column, const std::string& field,
                                             int& index) const {
  const std::string_view label = trim(field);
  const std::string where = field_position(rows.source(), rows.header(), line, column);
  if (label.empty()) return where + "empty class label";
  if (auto it = by_name_.find(label); it != by_name_.end()) {
    index = it->second;
    return std::nullopt;
  }
  double v = 0.0;
  if (all_numeric_ && parse_number(label, v, rows.dialect().decimal) == NumberStatus::ok) {
    if (auto it = by_value_.find(v == 0.0 ? 0.0 : v); it != by_value_.end()) {
      index = it->second;
      return std::nullopt;
    }
  }
  return where + "unknown class " + show(label) + " (the model's classes are " +
         class_list(class_names_) + ")";
}

template <class Scalar>
Dataset<Scalar> training_dataset(RowSource& rows, const std::string& target,
                                 const ColumnOptions& columns, std::optional<Task> task) {
  TrainingPlan plan = plan_training(rows, target, columns, sizeof(Scalar));
  LabelIndex labels;
  labels.numeric = plan.target.all_numeric;
  const bool weights = plan.weight_column != std::string::npos;
  Dataset<Scalar> data = dataset_from_plan<Scalar>(rows, plan, target, columns,
                                                   task ? *task : plan.target.task(), labels);
  if (weights && std::all_of(data.sample_weight.begin(), data.sample_weight.end(),
                             [](double w) { return w == 0.0; }))
    throw DataError(rows.source() + ": column '" + columns.sample_weight +
                    "': every sample weight is 0 (at least one must be positive)");
  return data;
}

template <class Scalar>
void model_dataset(RowSource& rows, const ReadOptions& options, const ModelInputs& model,
                   Dataset<Scalar>& data) {
  const std::string& target = options.target.empty() ? model.target : options.target;
  const ModelPlan plan = plan_model(rows, options, model, target);
  const std::size_t n = plan.rows;
  const std::size_t width =
      model.encoder ? model.encoder->feature_names().size() : model.feature_names.size();
  check_memory(rows, n, width, width * sizeof(Scalar) + sizeof(Scalar) + sizeof(int));
  data.features = Matrix<Scalar>::Zero(static_cast<Index>(n), static_cast<Index>(width));
  if (plan.classes)
    data.labels.resize(n);
  else if (plan.target_column != std::string::npos)
    data.targets.resize(static_cast<Index>(n));
  data.kept_columns.resize(plan.kept.size());
  for (auto& values : data.kept_columns) values.reserve(n);
  data.rows_without_target = plan.skipped;

  const std::vector<std::string> na =
      model.encoder ? model.encoder->na_values : default_na_values();
  ModelProblems problems;
  const std::vector<std::string>* fields = nullptr;
  std::size_t line = 0, i = 0;
  rows.rewind();
  while (rows.next(fields, line)) {
    if (plan.target_column != std::string::npos && is_missing((*fields)[plan.target_column], na))
      continue;
    if (i == n) changed(rows);
    fill_model_row(rows, plan, options, model, *fields, line, i, data, problems);
    ++i;
  }
  if (i != n) changed(rows);
  if (problems.number) throw DataError(*problems.number);
  problems.values.throw_if_any(rows.source());
  if (problems.target) throw DataError(*problems.target);
}

namespace {

// A table's classes in the tallies of its stripes: at most this many distinct target values are
// kept per stripe (and in all): more cannot be classes.
constexpr std::size_t kMaxShardClasses = 65536;

// What pass 1 of a TrainingShard learns of one stripe besides its columns.
struct StripeTargets {
  std::size_t kept = 0, skipped = 0;
  TargetTally target;
  std::set<std::string, std::less<>> labels;  // trimmed target values, up to kMaxShardClasses
  bool many_labels = false;

  void add_label(std::string_view label) {
    if (many_labels) return;
    labels.emplace(label);
    if (labels.size() <= kMaxShardClasses) return;
    many_labels = true;
    labels.clear();
  }
};

void write_stripe(const StripeTargets& t, const ColumnEncoderFit& fit, std::vector<double>& out) {
  BlobWriter writer(out);
  for (const double value : {double(t.kept), double(t.skipped), double(t.target.all_numeric),
                             double(t.target.all_integers), double(t.target.distinct.size())})
    writer.number(value);
  for (const double value : t.target.distinct) writer.number(value);
  writer.number(t.many_labels ? 1.0 : 0.0);
  writer.number(static_cast<double>(t.labels.size()));
  for (const auto& label : t.labels) writer.text(label);
  std::vector<double> columns;
  fit.write_tally(columns);
  writer.number(static_cast<double>(columns.size()));
  out.insert(out.end(), columns.begin(), columns.end());
}

// Adds the next stripe's targets (write_stripe) to `all`, whose `target` counts every stripe's
// rows; returns the stripe's rows with a target and skipped ones.
std::pair<std::size_t, std::size_t> read_stripe_targets(BlobReader& in, StripeTargets& all) {
  const auto kept = in.count(), skipped = in.count();
  const bool numeric = in.number() != 0.0, integers = in.number() != 0.0;
  const auto distinct = in.count();
  all.target.rows += kept;
  all.target.all_numeric = all.target.all_numeric && numeric;
  all.target.all_integers = all.target.all_integers && integers;
  for (std::size_t k = 0; k < distinct; ++k) {
    const double value = in.number();
    if (all.target.distinct.size() <= 20) all.target.distinct.insert(value);
  }
  all.many_labels = all.many_labels || in.number() != 0.0;
  const auto labels = in.count();
  for (std::size_t k = 0; k < labels; ++k) all.add_label(in.text());
  return {kept, skipped};
}

// The classes of all the stripes, in the order training_dataset gives them (by value when every
// label is a number), as the labels pass 2 numbers rows with.
LabelIndex shard_classes(const StripeTargets& all, const std::string& source,
                         const std::string& target, char decimal) {
  if (all.many_labels)
    throw DataError(source + ": the target column '" + target + "' has more than " +
                    std::to_string(kMaxShardClasses) + " distinct values: too many classes");
  LabelIndex labels;
  labels.numeric = all.target.all_numeric;
  std::vector<std::pair<double, std::string>> order;
  for (const auto& label : all.labels) {
    double value = 0.0;
    if (labels.numeric) parse_number(label, value, decimal);
    order.emplace_back(labels.numeric ? value : 0.0, label);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& entry : order) labels.add(entry.second, decimal);
  return labels;
}

}  // namespace

struct TrainingShard::State {
  TrainingPlan plan;  // merged: the encoder, every row's target tally; rows: this process's
  LabelIndex labels;  // the classes of all the rows, in order
  Task task = Task::classification;
  std::size_t skipped = 0;  // in all the rows
};

TrainingShard::TrainingShard(RowSource& rows, const std::string& target,
                             const ColumnOptions& columns, std::optional<Task> task)
    : rows_(rows), target_(target), columns_(columns), task_(task) {
  target_column_ = column_or_throw(rows, target, "target");
  if (!columns.sample_weight.empty()) {
    weight_column_ = column_or_throw(rows, columns.sample_weight, "sample weight");
    columns_.ignore.push_back(columns.sample_weight);
  }
}

TrainingShard::~TrainingShard() = default;

std::vector<std::vector<double>> TrainingShard::tally_stripes(
    const std::vector<std::size_t>& file_rows, const std::vector<std::size_t>& past_numbers) {
  const char decimal = rows_.dialect().decimal;
  std::vector<std::vector<double>> tallies;
  mine_ = file_rows.size();
  past_numbers_ = past_numbers;
  const std::vector<std::string>* fields = nullptr;
  std::size_t line = 0;
  rows_.rewind();
  for (const std::size_t count : file_rows) {
    ColumnEncoderFit fit(rows_.header(), rows_.source(), target_, columns_, decimal);
    for (const std::size_t column : past_numbers) fit.count_past_numbers(column);
    StripeTargets stripe;
    for (std::size_t r = 0; r < count; ++r) {
      if (!rows_.next(fields, line)) changed(rows_);
      const std::string& value = (*fields)[target_column_];
      if (is_missing(value, columns_.na_values)) {
        ++stripe.skipped;
        continue;
      }
      fit.add(*fields);
      stripe.target.add(trim(value), decimal);
      stripe.add_label(trim(value));
      ++stripe.kept;
    }
    tallies.emplace_back();
    write_stripe(stripe, fit, tallies.back());
  }
  if (rows_.next(fields, line)) changed(rows_);
  return tallies;
}

bool TrainingShard::integers_distinct(const ColumnEncoderFit::IntegerSpan& span,
                                      const SumOverProcesses& sum) {
  // This process's integers marked in a bitset of the span, its own repeats counted.
  const auto size = static_cast<std::size_t>(span.max - span.min + 1);
  std::vector<bool> seen(size);
  std::vector<double> repeats{0.0};
  const char decimal = rows_.dialect().decimal;
  const std::vector<std::string>* fields = nullptr;
  std::size_t line = 0;
  rows_.rewind();
  while (rows_.next(fields, line)) {
    const std::string& field = (*fields)[span.column];
    double value = 0.0;
    if (is_missing((*fields)[target_column_], columns_.na_values) ||
        is_missing(field, columns_.na_values) ||
        parse_number(field, value, decimal) != NumberStatus::ok)
      continue;
    const double at = value - span.min;
    if (!(at >= 0.0 && at < static_cast<double>(size)) || seen[static_cast<std::size_t>(at)])
      repeats[0] += 1.0;
    else
      seen[static_cast<std::size_t>(at)] = true;
  }
  // As many integers as the span: distinct when each is marked once over the processes.
  sum(repeats);
  bool distinct = repeats[0] == 0.0;
  constexpr std::size_t kPiece = std::size_t(1) << 20;
  for (std::size_t low = 0; low < size && distinct; low += kPiece) {
    std::vector<double> marks(std::min(kPiece, size - low));
    for (std::size_t k = 0; k < marks.size(); ++k) marks[k] = seen[low + k] ? 1.0 : 0.0;
    sum(marks);
    distinct = std::all_of(marks.begin(), marks.end(), [](double m) { return m == 1.0; });
  }
  return distinct;
}

std::vector<std::size_t> TrainingShard::merge(const std::vector<std::span<const double>>& stripes,
                                              std::size_t first_mine, const SumOverProcesses& sum) {
  const char decimal = rows_.dialect().decimal;
  ColumnEncoderFit fit(rows_.header(), rows_.source(), target_, columns_, decimal);
  StripeTargets all;
  state_ = std::make_unique<State>();
  State& st = *state_;
  stripe_rows_.clear();
  for (std::size_t g = 0; g < stripes.size(); ++g) {
    BlobReader in(stripes[g]);
    const auto [kept, skipped] = read_stripe_targets(in, all);
    const auto size = in.count();
    fit.add_tally(stripes[g].subspan(in.position(), size));
    stripe_rows_.push_back(kept);
    st.skipped += skipped;
    if (g >= first_mine && g < first_mine + mine_) st.plan.rows += kept;
  }
  if (all.target.rows == 0)
    throw DataError(rows_.source() + ": the target column '" + target_ + "' has no values");
  std::vector<std::size_t> again = fit.columns_counted_short();
  std::erase_if(again, [&](std::size_t column) {
    return std::find(past_numbers_.begin(), past_numbers_.end(), column) != past_numbers_.end();
  });
  if (!again.empty()) return again;
  for (const auto& span : fit.unsettled_row_numbers())
    fit.settle_row_number(span.column, integers_distinct(span, sum));
  st.plan.target_column = target_column_;
  st.plan.weight_column = weight_column_;
  st.plan.target = all.target;
  st.plan.encoder = fit.finish();
  st.task = task_ ? *task_ : all.target.task();
  if (st.task == Task::classification)
    st.labels = shard_classes(all, rows_.source(), target_, decimal);
  std::vector<int> no_labels;
  if (st.task == Task::classification && st.labels.size() < 2)
    throw DataError(rows_.source() + ": the target column '" + target_ + "' has only one class (" +
                    show(st.labels.finish(no_labels).front()) +
                    "); classification needs at least two");
  return {};
}

template <class Scalar>
Dataset<Scalar> TrainingShard::read() {
  State& st = *state_;
  Dataset<Scalar> data =
      dataset_from_plan<Scalar>(rows_, st.plan, target_, columns_, st.task, st.labels);
  data.rows_without_target = st.skipped;
  return data;
}

#define MLP_INSTANTIATE(Scalar)                                                                 \
  template std::optional<std::string> number_field<Scalar>(                                     \
      const RowSource&, std::size_t, std::size_t, const std::string&, const char*, Scalar&);    \
  template Dataset<Scalar> training_dataset<Scalar>(RowSource&, const std::string&,             \
                                                    const ColumnOptions&, std::optional<Task>); \
  template void model_dataset<Scalar>(RowSource&, const ReadOptions&, const ModelInputs&,       \
                                      Dataset<Scalar>&);                                        \
  template Dataset<Scalar> TrainingShard::read<Scalar>();
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp::detail
