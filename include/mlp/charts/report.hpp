// A training report: one folder holding index.html (the run's settings, its final metrics and
// every chart) and one SVG file per chart. The page is self-contained: the charts are embedded
// in it as data, it has no JavaScript and loads no font or file from anywhere, so it opens
// offline in any browser (and is valid XML, as XHTML, for tools that check it).
//
//   mlp::Report report;
//   report.title = "mlp demo xor";
//   report.settings = {{"network", "2-3-1 sigmoid"}, {"iterations", "5000"}};
//   report.metrics = {{"accuracy", "100.00%"}};
//   report.charts.push_back({"error_curve.svg", "Error curve", "...", mlp::history_chart(h)});
//   mlp::add_model_charts(report, model, data, {});
//   mlp::write_report("report", report);
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlp/data/dataset.hpp"
#include "mlp/model/trained_model.hpp"

namespace mlp {

struct ReportChart {
  std::string file_name;  // e.g. "error_curve.svg": a plain file name, no folders
  std::string title;
  std::string caption;  // one or two sentences under the chart
  std::string svg;      // the SVG document
};

struct Report {
  std::string title;
  std::string summary;  // a sentence under the title
  std::vector<std::pair<std::string, std::string>> settings, metrics;
  std::vector<ReportChart> charts;
};

// The page as XHTML text: the charts embedded as data: URIs of their SVG.
std::string report_html(const Report& report);

// Creates `directory` (and its parents) when missing and writes each chart's SVG and index.html
// in it, each file atomically. Throws InvalidArgument for a chart file name that is not a plain
// ".svg" name or appears twice, and Error naming the path when the folder cannot be made or
// written.
void write_report(const std::string& directory, const Report& report);

// Which samples of `data` (its raw features, labels or targets, as for TrainedModel::prepare) to
// picture and how to describe them.
struct ReportData {
  std::string description;  // e.g. "the 4 XOR examples"; used in captions
  // Names of the samples for the rows of the hidden-layer heatmaps; empty: "#<row> (<class>)".
  std::vector<std::string> sample_names;
  std::size_t max_hidden_samples = 40;  // a few per class (or spread over the targets) beyond
};

// Adds the charts of `model` on `data` to `report`: the decision boundary when the model takes
// two inputs, one hidden-representation heatmap per hidden layer, one weights heatmap per layer,
// and the confusion matrix (classification) or predicted against true values (regression).
template <class Scalar>
void add_model_charts(Report& report, const TrainedModel<Scalar>& model,
                      const Dataset<Scalar>& data, const ReportData& about);

}  // namespace mlp
