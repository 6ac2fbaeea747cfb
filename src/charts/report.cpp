#include "mlp/charts/report.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <set>
#include <system_error>

#include "mlp/charts/model_charts.hpp"
#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"
#include "mlp/data/metrics.hpp"
#include "mlp/svg/document.hpp"

namespace mlp {

namespace {

std::string base64(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 |
                       (two ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0u);
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += two ? alphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// The size the SVG declares on its root element (width="..." height="...").
std::pair<std::string, std::string> svg_size(const std::string& svg) {
  auto attribute = [&](const std::string& name) {
    const auto root = svg.find("<svg");
    const auto at = svg.find(" " + name + "=\"", root);
    if (root == std::string::npos || at == std::string::npos) return std::string();
    const auto start = at + name.size() + 3;
    return svg.substr(start, svg.find('"', start) - start);
  };
  return {attribute("width"), attribute("height")};
}

constexpr const char* style_sheet = R"(
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 15px; line-height: 1.45;
       color: #1d1d1d; background: #f4f4f1; margin: 0; }
main { max-width: 1320px; margin: 0 auto; padding: 18px 28px 36px; }
h1 { font-size: 26px; margin: 6px 0 4px; }
h2 { font-size: 18px; margin: 2px 0 8px; }
.summary { color: #444; margin: 0 0 16px; }
.facts { display: flex; flex-wrap: wrap; gap: 20px; margin-bottom: 20px; }
.facts section { background: #fff; border: 1px solid #d6d6d6; border-radius: 6px;
                 padding: 10px 16px; flex: 1 1 380px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #ececec;
         vertical-align: top; }
th { font-weight: normal; color: #555; width: 42%; }
td { font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 20px; }
figure { margin: 0; background: #fff; border: 1px solid #d6d6d6; border-radius: 6px; padding: 12px; }
figure img { display: block; width: 100%; max-width: 760px; height: auto; margin: 0 auto; }
figcaption { margin-top: 8px; color: #333; font-size: 14px; }
footer { margin-top: 24px; color: #666; font-size: 13px; }
)";

void table(std::string& out, const std::vector<std::pair<std::string, std::string>>& rows) {
  out += "<table>\n";
  for (const auto& [name, value] : rows)
    out +=
        "<tr><th>" + svg::xml_escape(name) + "</th><td>" + svg::xml_escape(value) + "</td></tr>\n";
  out += "</table>\n";
}

bool plain_svg_name(const std::string& name) {
  return name.size() > 4 && name.ends_with(".svg") &&
         name.find_first_of("/\\") == std::string::npos && name[0] != '.';
}

}  // namespace

std::string report_html(const Report& report) {
  using svg::xml_escape;
  std::string out;
  out += "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n";
  out += "<meta charset=\"utf-8\"/>\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  out += "<title>" + xml_escape(report.title) + "</title>\n";
  out += "<style>" + std::string(style_sheet) + "</style>\n</head>\n<body>\n<main>\n";
  out += "<h1>" + xml_escape(report.title) + "</h1>\n";
  if (!report.summary.empty())
    out += "<p class=\"summary\">" + xml_escape(report.summary) + "</p>\n";
  out += "<div class=\"facts\">\n";
  if (!report.settings.empty()) {
    out += "<section class=\"settings\">\n<h2>Settings</h2>\n";
    table(out, report.settings);
    out += "</section>\n";
  }
  if (!report.metrics.empty()) {
    out += "<section class=\"metrics\">\n<h2>Final metrics</h2>\n";
    table(out, report.metrics);
    out += "</section>\n";
  }
  out += "</div>\n<div class=\"charts\">\n";
  for (const auto& chart : report.charts) {
    const auto [width, height] = svg_size(chart.svg);
    const std::string id = chart.file_name.substr(0, chart.file_name.size() - 4);
    out += "<figure id=\"" + xml_escape(id) + "\">\n<img src=\"data:image/svg+xml;base64," +
           base64(chart.svg) + "\"";
    if (!width.empty() && !height.empty())
      out += " width=\"" + xml_escape(width) + "\" height=\"" + xml_escape(height) + "\"";
    out += " alt=\"" + xml_escape(chart.title) + "\"/>\n";
    out += "<figcaption><strong>" + xml_escape(chart.title) + ".</strong> " +
           xml_escape(chart.caption) + " <a href=\"" + xml_escape(chart.file_name) + "\">" +
           xml_escape(chart.file_name) + "</a></figcaption>\n</figure>\n";
  }
  out +=
      "</div>\n<footer>Written by mlp 0.1.0. The page has no scripts and needs no network; each "
      "chart is also in this folder as an SVG file.</footer>\n</main>\n</body>\n</html>\n";
  return out;
}

void write_report(const std::string& directory, const Report& report) {
  std::set<std::string> names;
  for (const auto& chart : report.charts) {
    if (!plain_svg_name(chart.file_name))
      throw InvalidArgument("report chart file '" + chart.file_name +
                            "' must be a plain file name ending in .svg");
    if (!names.insert(chart.file_name).second)
      throw InvalidArgument("report chart file '" + chart.file_name + "' appears twice");
  }
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec || !std::filesystem::is_directory(directory))
    throw Error(directory + ": cannot create the report folder" +
                (ec ? ": " + ec.message() : std::string(": a file of that name exists")));
  const std::filesystem::path dir(directory);
  for (const auto& chart : report.charts)
    write_file_atomically((dir / chart.file_name).string(), chart.svg);
  write_file_atomically((dir / "index.html").string(), report_html(report));
}

namespace {

// Up to `limit` sample rows to picture: all when few; else the first few of each class, class by
// class, or samples spread evenly over the sorted targets.
template <class Scalar>
std::vector<Index> pictured_rows(const Dataset<Scalar>& data, std::size_t limit) {
  const auto n = static_cast<std::size_t>(data.size());
  std::vector<Index> rows;
  if (n <= limit) {
    rows.resize(n);
    std::iota(rows.begin(), rows.end(), Index{0});
    return rows;
  }
  if (data.task == Task::classification && data.labels.size() == n) {
    const std::size_t classes = std::max<std::size_t>(data.class_names.size(), 1);
    const std::size_t per_class = std::max<std::size_t>(1, limit / classes);
    for (std::size_t c = 0; c < classes && rows.size() < limit; ++c) {
      std::size_t taken = 0;
      for (std::size_t i = 0; i < n && taken < per_class && rows.size() < limit; ++i)
        if (data.labels[i] == static_cast<int>(c)) {
          rows.push_back(static_cast<Index>(i));
          ++taken;
        }
    }
    return rows;
  }
  std::vector<Index> order(n);
  std::iota(order.begin(), order.end(), Index{0});
  if (static_cast<std::size_t>(data.targets.size()) == n)
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return data.targets(a) < data.targets(b); });
  for (std::size_t k = 0; k < limit; ++k) rows.push_back(order[k * (n - 1) / (limit - 1)]);
  return rows;
}

std::string number_text(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

}  // namespace

namespace {

// How a hidden-layer chart names sample r: by about.sample_names, else by its number and its
// class or target.
template <class Scalar>
std::string sample_name(const Dataset<Scalar>& data, const ReportData& about, bool classification,
                        Index r) {
  if (about.sample_names.size() == static_cast<std::size_t>(data.size()))
    return about.sample_names[static_cast<std::size_t>(r)];
  if (classification &&
      static_cast<std::size_t>(data.labels[static_cast<std::size_t>(r)]) < data.class_names.size())
    return "#" + std::to_string(r + 1) + " (" +
           data.class_names[static_cast<std::size_t>(data.labels[static_cast<std::size_t>(r)])] +
           ")";
  if (static_cast<std::size_t>(data.targets.size()) == static_cast<std::size_t>(data.size()))
    return "#" + std::to_string(r + 1) + " (" + number_text(static_cast<double>(data.targets(r))) +
           ")";
  return "#" + std::to_string(r + 1);
}

// The activations of each hidden layer for a sample of the data.
template <class Scalar>
void add_hidden_layer_charts(Report& report, const TrainedModel<Scalar>& model,
                             const Dataset<Scalar>& data, const ReportData& about,
                             bool classification, const std::string& which) {
  const std::vector<Index> rows =
      pictured_rows(data, std::max<std::size_t>(about.max_hidden_samples, 2));
  Matrix<Scalar> X(static_cast<Index>(rows.size()), data.features.cols());
  std::vector<std::string> names;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    X.row(static_cast<Index>(k)) = data.features.row(rows[k]);
    names.push_back(sample_name(data, about, classification, rows[k]));
  }
  const std::string sample_note =
      rows.size() == static_cast<std::size_t>(data.size())
          ? "each of " + which
          : std::to_string(rows.size()) + " samples of " + which +
                (classification ? ", a few of each class" : ", spread over the targets");
  const auto charts = hidden_layer_charts(model, X, names);
  for (std::size_t l = 0; l < charts.size(); ++l)
    report.charts.push_back({"hidden_layer_" + std::to_string(l + 1) + ".svg",
                             "Hidden representation, layer " + std::to_string(l + 1),
                             "The activations of hidden layer " + std::to_string(l + 1) + " for " +
                                 sample_note +
                                 ": how the network re-describes its inputs before the next "
                                 "layer.",
                             charts[l]});
}

// How good the final model is on the data: the confusion matrix of a classifier, the predicted
// against the true values of a regression.
template <class Scalar>
void add_quality_chart(Report& report, const TrainedModel<Scalar>& model,
                       const Dataset<Scalar>& data, bool classification, const std::string& which) {
  if (classification) {
    std::vector<std::string> names = data.class_names;
    const std::vector<int> predicted = predicted_classes(model, data.features);
    int n_classes = static_cast<int>(names.size());
    for (int p : predicted) n_classes = std::max(n_classes, p + 1);
    for (int c = static_cast<int>(names.size()); c < n_classes; ++c)
      names.push_back(std::to_string(c));
    const ConfusionMatrix counts = confusion_matrix(data.labels, predicted, n_classes);
    report.charts.push_back({"confusion_matrix.svg", "Confusion matrix",
                             "The final model's predictions on " + which + ".",
                             confusion_chart(counts, names)});
  } else if (static_cast<std::size_t>(data.targets.size()) ==
             static_cast<std::size_t>(data.size())) {
    std::vector<double> truth(static_cast<std::size_t>(data.size()));
    for (Index i = 0; i < data.size(); ++i)
      truth[static_cast<std::size_t>(i)] = static_cast<double>(data.targets(i));
    report.charts.push_back(
        {"predicted_vs_true.svg", "Predicted against true values",
         "The final model's predictions on " + which + ".",
         prediction_chart(truth, predicted_values(model, data.features), model.metadata.target)});
  }
}

}  // namespace

template <class Scalar>
void add_model_charts(Report& report, const TrainedModel<Scalar>& model,
                      const Dataset<Scalar>& data, const ReportData& about) {
  const auto& net = model.network;
  const bool classification = data.task == Task::classification &&
                              data.labels.size() == static_cast<std::size_t>(data.size());
  const std::string which = about.description.empty() ? "the data" : about.description;

  if (net.n_inputs() == 2 && data.size() > 0)
    report.charts.push_back(
        {"decision_boundary.svg", classification ? "Decision boundary" : "Prediction surface",
         "The network's output over the plane of its two inputs, with " + which +
             " on top: what the network learned, not only where the samples are.",
         decision_boundary_chart(model, data.features,
                                 classification ? data.labels : std::vector<int>{})});
  if (net.layers().size() >= 2 && data.size() > 0)
    add_hidden_layer_charts(report, model, data, about, classification, which);

  const auto weights = weight_charts(model);
  for (std::size_t l = 0; l < weights.size(); ++l)
    report.charts.push_back({"weights_layer_" + std::to_string(l + 1) + ".svg",
                             "Weights, layer " + std::to_string(l + 1),
                             "The final weights and biases of layer " + std::to_string(l + 1) +
                                 "; large magnitudes (either end of the scale) matter most.",
                             weights[l]});

  if (data.size() > 0) add_quality_chart(report, model, data, classification, which);
}

template void add_model_charts<float>(Report&, const TrainedModel<float>&, const Dataset<float>&,
                                      const ReportData&);
template void add_model_charts<double>(Report&, const TrainedModel<double>&, const Dataset<double>&,
                                       const ReportData&);

}  // namespace mlp
