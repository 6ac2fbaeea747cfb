#include "commands/predict.hpp"

#include <cstdio>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"
#include "shared/csv_writer.hpp"
#include "shared/data_input.hpp"
#include "shared/model_input.hpp"
#include "shared/output_path.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

namespace {

struct PredictArguments {
  std::string model;
  DataArguments data;
  TableFlags table;
  std::vector<std::string> ids;
  std::string output = "-";
  bool proba = false;
  bool strict = false;
};

// Which rows get no prediction: those with a value that cannot be used, each reported once on
// standard error (the first 20, then a count). With --strict they are one error instead.
std::vector<bool> unusable_rows(const std::vector<RowProblem>& problems, std::size_t rows,
                                bool strict) {
  std::vector<bool> unusable(rows, false);
  if (problems.empty()) return unusable;
  constexpr std::size_t kShown = 20;
  std::string message;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    unusable[problems[i].row] = true;
    if (i < kShown) message += "\n  " + problems[i].message;
  }
  if (problems.size() > kShown)
    message += "\n  and " + std::to_string(problems.size() - kShown) + " more";
  if (strict)
    throw DataError(std::to_string(problems.size()) +
                    " values cannot be used (--strict):" + message);
  std::size_t count = 0;
  for (bool u : unusable) count += u ? 1 : 0;
  std::fprintf(stderr, "warning: %zu row%s without a prediction (values that cannot be used):%s\n",
               count, count == 1 ? "" : "s", message.c_str());
  return unusable;
}

template <class Scalar>
int predict(const TrainedModel<Scalar>& model, const PredictArguments& a) {
  check_writable(a.output, "-o");
  if (a.proba && model.metadata.task != Task::classification)
    throw UsageError("--proba needs a classification model");
  const Dataset<Scalar> data = load_features<Scalar>(a.data, model.metadata);
  const auto rows = static_cast<std::size_t>(data.size());
  const std::vector<bool> unusable = unusable_rows(data.row_problems, rows, a.strict);
  const bool classification = model.metadata.task == Task::classification;
  const auto& names = model.metadata.class_names;
  std::ostringstream out;
  out << std::setprecision(std::numeric_limits<Scalar>::max_digits10);
  for (const auto& id : a.data.keep_columns) out << csv_field(id) << ',';
  out << "prediction";
  if (a.proba)
    for (const auto& name : names) out << ',' << csv_field("proba_" + name);
  out << '\n';
  const Matrix<Scalar> output = model.network.predict_proba(model.prepare(data.features));
  const std::vector<int> classes =
      classification ? TrainedModel<Scalar>::classes_from_proba(output) : std::vector<int>();
  const Vector<Scalar> values =
      classification ? Vector<Scalar>() : model.values_from_output(output);
  for (std::size_t i = 0; i < rows; ++i) {
    const auto row = static_cast<Index>(i);
    for (const auto& column : data.kept_columns) out << csv_field(column[i]) << ',';
    if (!unusable[i]) {
      if (classification)
        out << csv_field(names[static_cast<std::size_t>(classes[i])]);
      else
        out << values(row);
    }
    if (a.proba)
      for (Index j = 0; j < output.cols(); ++j) {
        out << ',';
        if (!unusable[i]) out << output(row, j);
      }
    out << '\n';
  }
  write_file_atomically(a.output, out.str());  // "-": standard output
  return 0;
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto a = std::make_shared<PredictArguments>();
  auto* cmd = app.add_subcommand("predict", "Predictions of a trained model, as CSV");
  cmd->add_option("MODEL", a->model, "Model file written by mlp train")->required();
  cmd->add_option("DATA", a->data.path, "CSV file ('-': standard input) or IDX images")->required();
  cmd->add_option("-o,--output", a->output, "Output CSV file ('-': standard output)")
      ->capture_default_str();
  cmd->add_flag("--proba", a->proba, "Add one probability column per class");
  cmd->add_option("--id", a->ids,
                  "Columns of the input to copy into the output before the prediction (repeat, "
                  "or a comma list)")
      ->delimiter(',');
  cmd->add_flag("--strict", a->strict,
                "Fail when a row has a value that cannot be used, instead of leaving its "
                "prediction empty");
  add_dialect_flags(*cmd, a->table);
  cmd->callback([a] {
    apply_table_flags(a->table, a->data);
    a->data.keep_columns = a->ids;
    a->data.keep_unusable_rows = true;
    with_trained_model(a->model, [&](const auto& model) { return predict(model, *a); });
  });
}

}  // namespace mlp::cli
