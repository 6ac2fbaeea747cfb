#include "commands/plot.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "mlp/charts/model_charts.hpp"
#include "mlp/charts/training_charts.hpp"
#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/nn/output.hpp"
#include "shared/data_input.hpp"
#include "shared/history_reader.hpp"
#include "shared/output_path.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

namespace {

struct PlotArguments {
  std::string input, output, title;
  bool log = false;
  std::string model, target, delimiter = ",";
};

void write_svg(const std::string& path, const std::string& svg) {
  write_file_atomically(path, svg);
  std::printf("wrote %s\n", path.c_str());
}

void plot_history(const PlotArguments& a) {
  check_writable(a.output, "-o");
  const HistoryFile file = read_history_csv(a.input);
  HistoryChartOptions options;
  options.title = a.title.empty() ? "Error curve" : a.title;
  options.subtitle =
      a.input == "-" ? "standard input" : std::filesystem::path(a.input).filename().string();
  options.x = file.epochs;
  options.log_loss = a.log;
  if (a.log) {
    bool positive = false;
    for (double v : file.history.loss) positive = positive || (std::isfinite(v) && v > 0);
    if (!positive)
      throw DataError(a.input + ": --log needs a positive loss, and this file has none");
  }
  write_svg(a.output, history_chart(file.history, options));
}

// The class index written in a label cell of a model without metadata: an integer 0..n-1.
int class_index(const CsvTable& table, std::size_t row, std::size_t column, int n_classes) {
  const std::string& text = table.rows[row][column];
  const auto first = text.find_first_not_of(" \t");
  const auto last = text.find_last_not_of(" \t");
  double value = -1;
  bool ok = first != std::string::npos;
  if (ok) {
    const auto [end, ec] = std::from_chars(text.data() + first, text.data() + last + 1, value);
    ok = ec == std::errc() && end == text.data() + last + 1;
  }
  if (!ok || value != std::floor(value) || value < 0 || value >= n_classes)
    throw DataError(table.source + ":" + std::to_string(table.line_numbers[row]) + ":" +
                    std::to_string(column + 1) + ": column '" + table.header[column] +
                    "': expected a class index 0.." + std::to_string(n_classes - 1) +
                    " for this model, got '" + text + "'");
  return static_cast<int>(value);
}

template <class Scalar>
void plot_boundary(Sequential<Scalar> network, const std::string& extra_json,
                   const PlotArguments& a) {
  if (network.n_inputs() != 2)
    throw UsageError("plot boundary needs a model with two inputs; " + a.model + " takes " +
                     std::to_string(network.n_inputs()));
  CsvOptions csv;
  csv.delimiter = parse_delimiter(a.delimiter);
  const auto extra = nlohmann::json::parse(extra_json, nullptr, false);
  const bool bare = !extra.is_object() || !extra.contains("format_version");
  const CsvTable table = read_csv(a.input, csv);
  TrainedModel<Scalar> model;
  std::vector<int> labels;
  std::string about;
  if (bare) {
    // The network alone (as `mlp demo xor --save` writes it): the two inputs are the data's
    // columns other than the label column (--target, or the third of three columns).
    model.network = std::move(network);
    const Activation out = model.network.output_activation();
    model.metadata.task = output_is_classification(out) ? Task::classification : Task::regression;
    std::size_t target = table.header.size();
    if (!a.target.empty()) {
      target = find_column(table, a.target);
      if (target == table.header.size())
        throw UsageError("--target " + a.target + ": no such column in " + table.source +
                         "; it has " + quoted_column_list(table.header));
    } else if (table.header.size() == 3) {
      target = 2;
    }
    const std::size_t features = table.header.size() - (target < table.header.size() ? 1 : 0);
    if (features != 2)
      throw UsageError(table.source + " has " + std::to_string(table.header.size()) +
                       " columns; the model takes 2 inputs: give two feature columns and at most "
                       "one label column (name it with --target)");
    for (std::size_t c = 0; c < table.header.size(); ++c)
      if (c != target) model.metadata.feature_names.push_back(table.header[c]);
    const int n_classes =
        model.network.n_outputs() == 1 ? 2 : static_cast<int>(model.network.n_outputs());
    if (model.metadata.task == Task::classification) {
      for (int c = 0; c < n_classes; ++c) model.metadata.class_names.push_back(std::to_string(c));
      if (target < table.header.size()) {
        model.metadata.target = table.header[target];
        for (std::size_t r = 0; r < table.rows.size(); ++r)
          labels.push_back(class_index(table, r, target, n_classes));
      }
    } else if (target < table.header.size()) {
      model.metadata.target = table.header[target];
    }
  } else {
    model = TrainedModel<Scalar>::from_parts(std::move(network), extra_json, a.model);
    if (data_format_from_string(model.metadata.input_format) != DataFormat::csv)
      throw UsageError(a.model + " was trained on IDX images; plot boundary needs CSV data");
    const std::string target = a.target.empty() ? model.metadata.target : a.target;
    if (model.metadata.task == Task::classification && !target.empty() &&
        find_column(table, target) < table.header.size())
      labels = labels_from_csv(table, target, model.metadata.class_names);
  }
  const Matrix<Scalar> X = features_from_csv<Scalar>(table, model.metadata.feature_names);
  about = std::to_string(X.rows()) + " samples of " +
          (a.input == "-" ? std::string("standard input")
                          : std::filesystem::path(a.input).filename().string()) +
          (labels.empty() ? " (no labels)." : ".");
  write_svg(a.output, decision_boundary_chart(model, X, labels, about));
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto* plot = app.add_subcommand("plot", "Draw charts as SVG files");
  plot->require_subcommand(1);

  auto h = std::make_shared<PlotArguments>();
  auto* history = plot->add_subcommand(
      "history", "The error curve of a history CSV file (written by --history)");
  history->add_option("FILE", h->input, "History CSV file ('-': standard input)")->required();
  history->add_option("-o,--output", h->output, "SVG file to write")->required();
  history->add_flag("--log", h->log, "Loss on a logarithmic scale");
  history->add_option("--title", h->title, "Chart title (default: Error curve)");
  history->callback([h] { plot_history(*h); });

  auto act = std::make_shared<PlotArguments>();
  auto* activations = plot->add_subcommand(
      "activations", "The chapter's Chart 1: sigmoid with its tangent at 0, tanh and ReLU");
  activations->add_option("-o,--output", act->output, "SVG file to write")->required();
  activations->callback([act] {
    check_writable(act->output, "-o");
    write_svg(act->output, activation_chart());
  });

  auto b = std::make_shared<PlotArguments>();
  auto* boundary = plot->add_subcommand(
      "boundary", "Decision regions of a model with two inputs, with the data's points");
  boundary->add_option("MODEL", b->model, "Model file (mlp train, or mlp demo xor --save)")
      ->required();
  boundary->add_option("DATA", b->input, "CSV file with the two features ('-': standard input)")
      ->required();
  boundary->add_option("-o,--output", b->output, "SVG file to write")->required();
  boundary->add_option("--target", b->target,
                       "Label column (default: the model's target; for a bare network, the "
                       "third of three columns)");
  boundary->add_option("--delimiter", b->delimiter, "CSV field separator")->capture_default_str();
  boundary->callback([b] {
    check_writable(b->output, "-o");
    LoadedModel loaded = load_model(b->model);
    std::visit([&](auto& network) { plot_boundary(std::move(network), loaded.extra_json, *b); },
               loaded.network);
  });
}

}  // namespace mlp::cli
