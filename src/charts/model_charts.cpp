#include "mlp/charts/model_charts.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/nn/output.hpp"
#include "mlp/nn/workspace.hpp"
#include "mlp/svg/heatmap.hpp"
#include "mlp/svg/regions.hpp"
#include "mlp/svg/scatter.hpp"

namespace mlp {

namespace {

enum class OutputKind { binary, classes, value };

// prefix1, prefix2, ..., prefixN.
std::vector<std::string> numbered(const std::string& prefix, Index n) {
  std::vector<std::string> names;
  for (Index i = 0; i < n; ++i) {
    std::string name = prefix;
    name += std::to_string(i + 1);
    names.push_back(name);
  }
  return names;
}

template <class Scalar>
OutputKind output_kind(const Sequential<Scalar>& net) {
  if (!output_is_classification(net.output_activation())) return OutputKind::value;
  return net.n_outputs() == 1 ? OutputKind::binary : OutputKind::classes;
}

// The class names to show: the model's when they fit its outputs, else "0", "1", ...
template <class Scalar>
std::vector<std::string> class_names_of(const TrainedModel<Scalar>& model) {
  const auto& net = model.network;
  const std::size_t n =
      output_kind(net) == OutputKind::binary ? 2 : static_cast<std::size_t>(net.n_outputs());
  if (model.metadata.class_names.size() == n) return model.metadata.class_names;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back(std::to_string(i));
  return names;
}

// `label` cut to at most `max_chars` characters (UTF-8 code points), the last one an ellipsis
// when cut: long one-hot feature names ("pickup_zone=Upper East Side North", and two of them in a
// block's label) would leave a weights heatmap no room to draw in.
std::string short_label(const std::string& label, std::size_t max_chars) {
  std::size_t chars = 0, cut = 0;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if ((static_cast<unsigned char>(label[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == max_chars - 1) cut = i;
    if (++chars > max_chars) return label.substr(0, cut) + "\xe2\x80\xa6";  // ellipsis
  }
  return label;
}

template <class Scalar>
std::vector<std::string> feature_names_of(const TrainedModel<Scalar>& model) {
  const auto n = static_cast<std::size_t>(model.network.n_inputs());
  if (model.metadata.feature_names.size() == n) return model.metadata.feature_names;
  return numbered("x", static_cast<Index>(n));
}

template <class Scalar>
Matrix<double> outputs(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X) {
  return model.network.predict_proba(model.prepare(X)).template cast<double>();
}

std::vector<std::string> unit_names(Index n) {
  return numbered("h", n);
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

std::string joined(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " " + b;
}

}  // namespace

template <class Scalar>
std::vector<int> predicted_classes(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X) {
  const OutputKind kind = output_kind(model.network);
  if (kind == OutputKind::value) throw InvalidArgument("a regression model predicts no classes");
  const Matrix<double> out = outputs(model, X);
  std::vector<int> classes(static_cast<std::size_t>(out.rows()));
  for (Index i = 0; i < out.rows(); ++i) {
    Index best = 0;
    if (kind == OutputKind::binary) {
      best = out(i, 0) >= 0.5 ? 1 : 0;
    } else {
      out.row(i).maxCoeff(&best);
    }
    classes[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  return classes;
}

template <class Scalar>
std::vector<double> predicted_values(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X) {
  if (output_kind(model.network) != OutputKind::value)
    throw InvalidArgument("a classification model predicts classes, not values");
  const Matrix<double> out = outputs(model, X);
  std::vector<double> values(static_cast<std::size_t>(out.rows()));
  for (Index i = 0; i < out.rows(); ++i)
    values[static_cast<std::size_t>(i)] =
        out(i, 0) * model.metadata.target_scale + model.metadata.target_mean;
  return values;
}

namespace {

// The plane of the chart: the samples' range of each feature, widened by 15% on each side.
template <class Scalar>
void set_plane(svg::RegionChart& chart, const Matrix<Scalar>& X) {
  double bounds[2][2];
  for (int j = 0; j < 2; ++j) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (Index i = 0; i < X.rows(); ++i) {
      const double v = static_cast<double>(X(i, j));
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    if (!std::isfinite(lo)) throw InvalidArgument("the samples hold no finite feature values");
    const double pad = hi > lo ? 0.15 * (hi - lo) : std::max(1.0, std::abs(lo) * 0.5);
    bounds[j][0] = lo - pad;
    bounds[j][1] = hi + pad;
  }
  chart.x_min = bounds[0][0];
  chart.x_max = bounds[0][1];
  chart.y_min = bounds[1][0];
  chart.y_max = bounds[1][1];
}

// The centres of the n x n cells of the chart's plane, row by row from (x_min, y_min).
template <class Scalar>
Matrix<Scalar> plane_grid(const svg::RegionChart& chart, Index n) {
  Matrix<Scalar> grid(n * n, 2);
  for (Index r = 0; r < n; ++r)
    for (Index c = 0; c < n; ++c) {
      grid(r * n + c, 0) = static_cast<Scalar>(
          chart.x_min + (chart.x_max - chart.x_min) * (static_cast<double>(c) + 0.5) / n);
      grid(r * n + c, 1) = static_cast<Scalar>(
          chart.y_min + (chart.y_max - chart.y_min) * (static_cast<double>(r) + 0.5) / n);
    }
  return grid;
}

// Shades the n x n grid by the predicted value; returns the subtitle's explanation.
template <class Scalar>
std::string shade_by_value(svg::RegionChart& chart, const TrainedModel<Scalar>& model,
                           const Matrix<double>& out, Index n) {
  chart.title = "Prediction surface";
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (Index k = 0; k < n * n; ++k) {
    const double v = out(k, 0) * model.metadata.target_scale + model.metadata.target_mean;
    chart.values(k / n, k % n) = v;
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (!(hi > lo)) lo -= 1, hi += 1;
  chart.value_range = {lo, hi};
  const std::string target = model.metadata.target.empty() ? "value" : model.metadata.target;
  chart.value_label = "predicted " + target;
  return "Shaded by the predicted " + target + " in 10 bands; the points are the samples.";
}

// Shades the grid by the probability of the second class, with the boundary where it is 0.5.
std::string shade_by_probability(svg::RegionChart& chart, const Matrix<double>& out, Index column,
                                 const std::vector<std::string>& classes, Index n) {
  chart.title = "Decision boundary";
  for (Index k = 0; k < n * n; ++k) chart.values(k / n, k % n) = out(k, column);
  chart.boundary_level = 0.5;
  chart.boundary_label = "P(" + classes[1] + ") = 0.5";
  chart.value_label = "P(" + classes[1] + ")";
  return "Shaded by the output P(" + classes[1] + ") in bands of 0.1; black line: P(" + classes[1] +
         ") = 0.5.";
}

// Colours the grid by the predicted class and its probability.
std::string shade_by_class(svg::RegionChart& chart, const Matrix<double>& out, Index n) {
  chart.title = "Decision regions";
  chart.classes.resize(static_cast<std::size_t>(n * n));
  for (Index k = 0; k < n * n; ++k) {
    Index best = 0;
    chart.values(k / n, k % n) = out.row(k).maxCoeff(&best);
    chart.classes[static_cast<std::size_t>(k)] = static_cast<int>(best);
  }
  return "Each region is coloured by the predicted class, darker where its probability is higher.";
}

// The class names, numbers read better with the target's name: "y = 1" (or "class 1").
std::vector<std::string> readable_class_names(std::vector<std::string> names,
                                              const std::string& target) {
  for (auto& name : names)
    if (!name.empty() && name.find_first_not_of("0123456789.-") == std::string::npos)
      name = (target.empty() ? std::string("class") : target + " =") + " " + name;
  return names;
}

}  // namespace

template <class Scalar>
std::string decision_boundary_chart(const TrainedModel<Scalar>& model, const Matrix<Scalar>& X,
                                    const std::vector<int>& labels, const std::string& subtitle) {
  const auto& net = model.network;
  if (net.n_inputs() != 2)
    throw InvalidArgument("a decision boundary chart needs a model with two inputs; this one has " +
                          std::to_string(net.n_inputs()));
  if (X.rows() == 0 || X.cols() != 2)
    throw InvalidArgument("a decision boundary chart needs samples with two features");
  const OutputKind kind = output_kind(net);
  const auto classes =
      kind == OutputKind::value ? std::vector<std::string>{} : class_names_of(model);
  const auto features = feature_names_of(model);

  svg::RegionChart chart;
  set_plane(chart, X);
  chart.x_label = features[0];
  chart.y_label = features[1];
  constexpr Index n = 150;
  const Matrix<double> out = outputs(model, plane_grid<Scalar>(chart, n));
  chart.values.resize(n, n);
  const std::string explanation =
      kind == OutputKind::value ? shade_by_value(chart, model, out, n)
      : kind == OutputKind::binary || out.cols() == 2
          ? shade_by_probability(chart, out, kind == OutputKind::binary ? 0 : 1, classes, n)
          : shade_by_class(chart, out, n);
  chart.subtitle = joined(subtitle, explanation);
  chart.class_names = readable_class_names(classes, model.metadata.target);
  for (Index i = 0; i < X.rows(); ++i) {
    const int label = labels.size() == static_cast<std::size_t>(X.rows())
                          ? labels[static_cast<std::size_t>(i)]
                          : -1;
    chart.points.push_back(
        {static_cast<double>(X(i, 0)), static_cast<double>(X(i, 1)),
         label >= 0 && static_cast<std::size_t>(label) < classes.size() ? label : -1});
  }
  return chart.svg(640, 560);
}

template <class Scalar>
std::vector<std::string> hidden_layer_charts(const TrainedModel<Scalar>& model,
                                             const Matrix<Scalar>& X,
                                             const std::vector<std::string>& row_labels) {
  const auto& net = model.network;
  std::vector<std::string> charts;
  if (net.layers().size() < 2 || X.rows() == 0) return charts;
  const Matrix<Scalar> prepared = model.prepare(X);
  Workspace<Scalar> ws;
  ws.plan(net.layers(), prepared.rows());
  net.forward(prepared, ws);
  for (std::size_t l = 0; l + 1 < net.layers().size(); ++l) {
    const DenseLayer& layer = net.layers()[l];
    svg::Heatmap map;
    map.values = ws.A(l, prepared.rows()).template cast<double>();
    map.title = "Hidden layer " + std::to_string(l + 1) + ": " + std::to_string(layer.n_out) + " " +
                std::string(to_string(layer.activation)) + " units";
    map.subtitle =
        "What the layer computes for each example (row): the activation of each of "
        "its units (column), the network's internal representation of the input.";
    map.x_label = "unit";
    map.y_label = "example";
    map.value_label = "activation";
    map.row_labels = row_labels;
    map.column_labels = unit_names(layer.n_out);
    map.max_rows = 40;
    map.max_columns = 100;
    // The colour scale spans the activation's range (up to the largest value when unbounded).
    const ActivationInfo& f = activation_info(layer.activation);
    if (std::isfinite(f.low) && std::isfinite(f.high)) map.range = {{f.low, f.high}};
    if (std::isfinite(f.low) && !std::isfinite(f.high))
      map.range = {{f.low, std::max(f.low + 1e-9, map.values.maxCoeff())}};
    charts.push_back(map.svg(640, 420));
  }
  return charts;
}

template <class Scalar>
std::vector<std::string> weight_charts(const TrainedModel<Scalar>& model) {
  const auto& net = model.network;
  std::vector<std::string> charts;
  const auto n_layers = net.layers().size();
  for (std::size_t l = 0; l < n_layers; ++l) {
    const DenseLayer& layer = net.layers()[l];
    const bool output = l + 1 == n_layers;
    svg::Heatmap map;
    map.values.resize(layer.n_in + 1, layer.n_out);
    map.values.topRows(layer.n_in) = net.weights(l).template cast<double>();
    map.values.row(layer.n_in) = net.bias(l).template cast<double>();
    map.row_labels = l == 0 ? feature_names_of(model) : unit_names(layer.n_in);
    for (auto& label : map.row_labels) label = short_label(label, 16);
    map.row_labels.push_back("bias");
    if (output && output_kind(net) == OutputKind::classes) {
      map.column_labels = class_names_of(model);
    } else if (output) {
      map.column_labels =
          layer.n_out == 1 ? std::vector<std::string>{"output"} : unit_names(layer.n_out);
    } else {
      map.column_labels = unit_names(layer.n_out);
    }
    const std::string from =
        l == 0 ? std::to_string(layer.n_in) + " inputs"
               : std::to_string(layer.n_in) + " units of layer " + std::to_string(l);
    map.title = "Weights of layer " + std::to_string(l + 1) + (output ? " (output)" : "") + ": " +
                from + " and a bias to " + std::to_string(layer.n_out) + " " +
                std::string(to_string(layer.activation)) + (layer.n_out == 1 ? " unit" : " units");
    map.subtitle =
        "Cell (row i, column j) is the weight from input i to unit j; the last row is "
        "each unit's bias.";
    map.x_label = "unit of layer " + std::to_string(l + 1);
    map.y_label = l == 0 ? "input" : "unit of layer " + std::to_string(l);
    map.value_label = "weight";
    map.symmetric = true;
    map.max_rows = 100;
    map.max_columns = 100;
    charts.push_back(map.svg(640, 440));
  }
  return charts;
}

std::string confusion_chart(const ConfusionMatrix& counts,
                            const std::vector<std::string>& class_names,
                            const std::string& subtitle) {
  if (counts.rows() != counts.cols() || counts.rows() == 0)
    throw InvalidArgument("a confusion matrix must be square and not empty");
  svg::Heatmap map;
  map.title = "Confusion matrix";
  map.subtitle = joined(subtitle,
                        "Each cell counts the samples of a true class (row) predicted as "
                        "a class (column); the colour is their share of the row.");
  map.values.resize(counts.rows(), counts.cols());
  for (Index i = 0; i < counts.rows(); ++i) {
    const double total = static_cast<double>(counts.row(i).sum());
    for (Index j = 0; j < counts.cols(); ++j) {
      map.values(i, j) = total > 0 ? static_cast<double>(counts(i, j)) / total : 0.0;
      map.cell_text.push_back(std::to_string(counts(i, j)));
    }
  }
  map.row_labels = class_names;
  map.column_labels = class_names;
  map.x_label = "predicted class";
  map.y_label = "true class";
  map.value_label = "share of the true class";
  map.range = {{0.0, 1.0}};
  map.max_cell = 110;
  return map.svg(640, 480);
}

std::string prediction_chart(const std::vector<double>& truth, const std::vector<double>& predicted,
                             const std::string& target_name, const std::string& subtitle) {
  if (truth.size() != predicted.size())
    throw InvalidArgument("prediction chart: " + std::to_string(truth.size()) +
                          " true values but " + std::to_string(predicted.size()) + " predictions");
  svg::ScatterChart chart;
  chart.title = "Predicted against true values";
  std::string stats = std::to_string(truth.size()) + " samples";
  if (!truth.empty()) {
    const Eigen::Map<const Vector<double>> t(truth.data(), static_cast<Index>(truth.size()));
    const Eigen::Map<const Vector<double>> p(predicted.data(),
                                             static_cast<Index>(predicted.size()));
    const RegressionMetrics m = regression_metrics<double>(t, p);
    stats += format(", R\xc2\xb2 = %.3f", m.r2) + format(", MAE = %.4g", m.mae);
  }
  chart.subtitle = joined(subtitle, stats + ". Points on the dashed line are predicted exactly.");
  const std::string name = target_name.empty() ? "value" : target_name;
  chart.x_label = "true " + name;
  chart.y_label = "predicted " + name;
  chart.groups.push_back({"samples", truth, predicted, std::nullopt});
  chart.identity_line = true;
  chart.identity_label = "predicted = true";
  chart.same_ranges = true;
  return chart.svg(640, 560);
}

#define MLP_INSTANTIATE(Scalar)                                                             \
  template std::vector<int> predicted_classes<Scalar>(const TrainedModel<Scalar>&,          \
                                                      const Matrix<Scalar>&);               \
  template std::vector<double> predicted_values<Scalar>(const TrainedModel<Scalar>&,        \
                                                        const Matrix<Scalar>&);             \
  template std::string decision_boundary_chart<Scalar>(                                     \
      const TrainedModel<Scalar>&, const Matrix<Scalar>&, const std::vector<int>&,          \
      const std::string&);                                                                  \
  template std::vector<std::string> hidden_layer_charts<Scalar>(                            \
      const TrainedModel<Scalar>&, const Matrix<Scalar>&, const std::vector<std::string>&); \
  template std::vector<std::string> weight_charts<Scalar>(const TrainedModel<Scalar>&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
