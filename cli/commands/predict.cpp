#include "commands/predict.hpp"

#include <cstdio>
#include <iomanip>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "mlp/core/atomic_file.hpp"
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
  std::string delimiter = ",";
  std::string output = "-";
  bool proba = false;
};

template <class Scalar>
int predict(const TrainedModel<Scalar>& model, const PredictArguments& a) {
  check_writable(a.output, "-o");
  const Matrix<Scalar> X = load_features<Scalar>(a.data, model.metadata);
  std::ostringstream out;
  out << std::setprecision(std::numeric_limits<Scalar>::max_digits10);
  if (model.metadata.task == Task::classification) {
    const auto& names = model.metadata.class_names;
    const Matrix<Scalar> P = model.predict_proba(X);
    out << "prediction";
    if (a.proba)
      for (const auto& name : names) out << ',' << csv_field("proba_" + name);
    out << '\n';
    const std::vector<int> classes = TrainedModel<Scalar>::classes_from_proba(P);
    for (Index i = 0; i < P.rows(); ++i) {
      out << csv_field(names[static_cast<std::size_t>(classes[static_cast<std::size_t>(i)])]);
      if (a.proba)
        for (Index j = 0; j < P.cols(); ++j) out << ',' << P(i, j);
      out << '\n';
    }
  } else {
    if (a.proba) throw UsageError("--proba needs a classification model");
    const Vector<Scalar> values = model.predict_values(X);
    out << "prediction\n";
    for (Index i = 0; i < values.size(); ++i) out << values(i) << '\n';
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
  cmd->add_option("--delimiter", a->delimiter, "CSV field separator")->capture_default_str();
  cmd->callback([a] {
    a->data.delimiter = parse_delimiter(a->delimiter);
    with_trained_model(a->model, [&](const auto& model) { return predict(model, *a); });
  });
}

}  // namespace mlp::cli
