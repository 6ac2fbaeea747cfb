// Charts of training and of trained models, and the HTML report, parsed as XML.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "mlp/charts/model_charts.hpp"
#include "mlp/charts/report.hpp"
#include "mlp/charts/training_charts.hpp"
#include "mlp/core/error.hpp"
#include "support/files.hpp"
#include "support/xml_check.hpp"

namespace {

using mlp::test::TempDir;

using mlp::test::read_file;

using xml_check::find_all;
using xml_check::find_class;

bool has_text(const xml_check::Node& root, const std::string& text) {
  for (const auto* t : find_all(root, "text"))
    if (t->text == text) return true;
  return false;
}

// The chapter's XOR network, trained (seed 0 solves it).
mlp::TrainedModel<double> xor_model(mlp::Dataset<double>& data) {
  data.task = mlp::Task::classification;
  data.features.resize(4, 2);
  data.features << 0, 0, 0, 1, 1, 0, 1, 1;
  data.labels = {0, 1, 1, 0};
  data.class_names = {"0", "1"};
  data.feature_names = {"x1", "x2"};
  mlp::Matrix<double> y(4, 1);
  y << 0, 1, 1, 0;
  mlp::TrainedModel<double> model;
  model.network = mlp::Sequential<double>(2);
  model.network.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  model.network.initialize(mlp::Initializer::uniform(0.0, 1.0), 0);
  model.network.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  mlp::FitOptions options;
  options.epochs = 5000;
  model.network.fit(data.features, y, options);
  model.metadata.feature_names = {"x1", "x2"};
  model.metadata.class_names = {"0", "1"};
  model.metadata.target = "y";
  return model;
}

TEST(TrainingCharts, HistoryChartHasLossAndAccuracyPanels) {
  mlp::History h;
  for (int i = 0; i < 50; ++i) {
    h.loss.push_back(1.0 / (1 + i));
    h.val_loss.push_back(1.2 / (1 + i) + 0.05);
    h.accuracy.push_back(std::min(1.0, 0.5 + i / 60.0));
    h.val_accuracy.push_back(std::min(1.0, 0.45 + i / 60.0));
  }
  h.best_epoch = 40;
  mlp::HistoryChartOptions options;
  options.loss_label = "loss (mse)";
  const std::string svg = mlp::history_chart(h, options);
  const auto root = xml_check::parse(svg);
  EXPECT_EQ(find_class(root, "path", "line").size(), 4u);  // loss x2, accuracy x2
  EXPECT_EQ(find_class(root, "g", "axes").size(), 2u);
  for (const char* t : {"Error curve", "Accuracy", "loss (mse)", "accuracy (%)", "epoch",
                        "training", "validation", "kept epoch 40", "100"})
    EXPECT_TRUE(has_text(root, t)) << t;
}

TEST(TrainingCharts, RegressionHistoryHasOnlyTheLossPanelAndLogOption) {
  mlp::History h;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int i = 0; i < 20; ++i) {
    h.loss.push_back(std::pow(10.0, -i / 5.0));
    h.accuracy.push_back(nan);
  }
  h.best_epoch = 20;
  mlp::HistoryChartOptions options;
  options.log_loss = true;
  options.x_label = "iteration";
  options.first_x = 0;
  const auto root = xml_check::parse(mlp::history_chart(h, options));
  EXPECT_EQ(find_class(root, "path", "line").size(), 1u);
  EXPECT_EQ(find_class(root, "g", "axes").size(), 1u);
  EXPECT_TRUE(has_text(root, "loss (log scale)"));
  EXPECT_TRUE(has_text(root, "iteration"));
  EXPECT_TRUE(has_text(root, "0.001"));
  EXPECT_FALSE(has_text(root, "kept epoch 20"));  // the last epoch is not marked
  options.x = {1, 2};
  EXPECT_THROW(mlp::history_chart(h, options), mlp::InvalidArgument);
  // An empty history still draws.
  EXPECT_NO_THROW(xml_check::parse(mlp::history_chart(mlp::History{}, {})));
}

TEST(TrainingCharts, ActivationChartIsTheChaptersChartOne) {
  const std::string svg = mlp::activation_chart();
  const auto root = xml_check::parse(svg);
  EXPECT_EQ(find_class(root, "g", "axes").size(), 3u);
  // sigmoid + tangent, tanh + tangent, ReLU
  const auto lines = find_class(root, "path", "line");
  ASSERT_EQ(lines.size(), 5u);
  for (const char* t : {"tangent at 0, slope 1/4", "tangent at 0, slope 1", "z = 0, a = 0.5"})
    EXPECT_TRUE(has_text(root, t)) << t;
  bool sigmoid = false, tanh = false, relu = false;
  for (const auto* t : find_all(root, "text")) {
    sigmoid = sigmoid || t->text.starts_with("sigmoid");
    tanh = tanh || t->text.starts_with("tanh");
    relu = relu || t->text.starts_with("ReLU");
  }
  EXPECT_TRUE(sigmoid && tanh && relu);
}

TEST(ModelCharts, XorBoundaryHiddenWeightsAndConfusion) {
  mlp::Dataset<double> data;
  const auto model = xor_model(data);
  EXPECT_EQ(mlp::predicted_classes(model, data.features), data.labels);
  EXPECT_THROW(mlp::predicted_values(model, data.features), mlp::InvalidArgument);

  const auto boundary =
      xml_check::parse(mlp::decision_boundary_chart(model, data.features, data.labels, "XOR"));
  EXPECT_EQ(find_class(boundary, "path", "boundary").size(), 1u);
  EXPECT_EQ(find_all(*find_class(boundary, "g", "points")[0], "path").size(), 4u);
  for (const char* t : {"Decision boundary", "x1", "x2", "y = 0", "y = 1", "P(1)", "P(1) = 0.5"})
    EXPECT_TRUE(has_text(boundary, t)) << t;

  const auto hidden =
      mlp::hidden_layer_charts(model, data.features, {"(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"});
  ASSERT_EQ(hidden.size(), 1u);
  const auto h = xml_check::parse(hidden[0]);
  EXPECT_EQ(find_all(*find_class(h, "g", "cells")[0], "rect").size(), 12u);  // 4 inputs x 3 units
  for (const char* t : {"Hidden layer 1: 3 sigmoid units", "h1", "h3", "(1, 1)", "activation"})
    EXPECT_TRUE(has_text(h, t)) << t;

  const auto weights = mlp::weight_charts(model);
  ASSERT_EQ(weights.size(), 2u);
  const auto w1 = xml_check::parse(weights[0]);
  EXPECT_EQ(find_all(*find_class(w1, "g", "cells")[0], "rect").size(), 9u);  // (2 + bias) x 3
  EXPECT_TRUE(has_text(w1, "bias"));
  EXPECT_TRUE(has_text(w1, "x2"));
  const auto w2 = xml_check::parse(weights[1]);
  EXPECT_EQ(find_all(*find_class(w2, "g", "cells")[0], "rect").size(), 4u);  // (3 + bias) x 1
  EXPECT_TRUE(has_text(w2, "output"));

  mlp::ConfusionMatrix counts(2, 2);
  counts << 2, 0, 1, 1;
  const auto cm = xml_check::parse(mlp::confusion_chart(counts, {"0", "1"}));
  for (const char* t : {"Confusion matrix", "true class", "predicted class", "2", "1"})
    EXPECT_TRUE(has_text(cm, t)) << t;
  EXPECT_THROW(mlp::confusion_chart(mlp::ConfusionMatrix(2, 3), {}), mlp::InvalidArgument);
}

TEST(ModelCharts, BoundaryNeedsTwoInputs) {
  mlp::TrainedModel<float> model;
  model.network = mlp::Sequential<float>(3);
  model.network.add(1, mlp::Activation::sigmoid);
  const mlp::Matrix<float> X = mlp::Matrix<float>::Zero(2, 3);
  EXPECT_THROW(mlp::decision_boundary_chart(model, X, {}), mlp::InvalidArgument);
  EXPECT_TRUE(mlp::hidden_layer_charts(model, X, {}).empty());  // no hidden layer
  EXPECT_EQ(mlp::weight_charts(model).size(), 1u);
}

TEST(ModelCharts, RegressionSurfaceAndPredictedAgainstTrue) {
  mlp::TrainedModel<double> model;
  model.metadata.task = mlp::Task::regression;
  model.metadata.target = "height";
  model.metadata.target_mean = 10;
  model.metadata.target_scale = 2;
  model.network = mlp::Sequential<double>(2);
  model.network.add(4, mlp::Activation::tanh).add(1, mlp::Activation::identity);
  model.network.initialize(mlp::Initializer::glorot_uniform(), 3);
  mlp::Matrix<double> X(3, 2);
  X << 0, 0, 1, 2, -1, 3;
  const auto values = mlp::predicted_values(model, X);
  ASSERT_EQ(values.size(), 3u);
  const double raw = model.network.predict_proba(X)(1, 0);
  EXPECT_NEAR(values[1], raw * 2 + 10, 1e-12);
  EXPECT_THROW(mlp::predicted_classes(model, X), mlp::InvalidArgument);

  const auto surface = xml_check::parse(mlp::decision_boundary_chart(model, X, {}));
  EXPECT_TRUE(has_text(surface, "Prediction surface"));
  EXPECT_TRUE(has_text(surface, "predicted height"));
  EXPECT_TRUE(find_class(surface, "path", "boundary").empty());

  const auto scatter =
      xml_check::parse(mlp::prediction_chart({1, 2, 3}, {1.1, 2.2, 2.7}, "height"));
  EXPECT_EQ(find_class(scatter, "path", "identity").size(), 1u);
  EXPECT_TRUE(has_text(scatter, "true height"));
  EXPECT_TRUE(has_text(scatter, "predicted height"));
  EXPECT_THROW(mlp::prediction_chart({1}, {1, 2}, "y"), mlp::InvalidArgument);
}

TEST(Report, HtmlIsSelfContainedXhtmlWithEveryChart) {
  mlp::Dataset<double> data;
  const auto model = xor_model(data);
  mlp::Report report;
  report.title = "XOR <test> & more";
  report.summary = "A summary.";
  report.settings = {{"network", "2-3-1"}, {"eta", "0.1"}};
  report.metrics = {{"accuracy", "100.00%"}};
  mlp::History h;
  h.loss = {0.2, 0.1};
  report.charts.push_back({"error_curve.svg", "Error curve", "The error.", mlp::history_chart(h)});
  mlp::ReportData about;
  about.description = "the four XOR examples";
  mlp::add_model_charts(report, model, data, about);
  std::vector<std::string> files;
  for (const auto& c : report.charts) files.push_back(c.file_name);
  EXPECT_EQ(files, (std::vector<std::string>{"error_curve.svg", "decision_boundary.svg",
                                             "hidden_layer_1.svg", "weights_layer_1.svg",
                                             "weights_layer_2.svg", "confusion_matrix.svg"}));

  const std::string html = mlp::report_html(report);
  const auto page = xml_check::parse(html);
  EXPECT_EQ(page.name, "html");
  EXPECT_TRUE(find_all(page, "script").empty());
  EXPECT_EQ(find_all(page, "link").size(), 0u);
  EXPECT_EQ(find_all(page, "h1")[0]->text, "XOR <test> & more");
  const auto images = find_all(page, "img");
  ASSERT_EQ(images.size(), files.size());
  for (const auto* img : images) {
    EXPECT_TRUE(img->attr("src").starts_with("data:image/svg+xml;base64,"));
    EXPECT_FALSE(img->attr("alt").empty());
    EXPECT_FALSE(img->attr("width").empty());
  }
  EXPECT_EQ(find_all(page, "figure").size(), files.size());
  // Nothing is fetched: no URL other than the XHTML namespace and the charts' own files.
  EXPECT_EQ(html.find("http://", html.find("http://www.w3.org/1999/xhtml") + 1), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);

  TempDir dir;
  const std::string out = dir / "nested/report";
  mlp::write_report(out, report);
  for (const auto& f : files) {
    const std::string svg = read_file(out + "/" + f);
    EXPECT_NO_THROW(xml_check::parse(svg)) << f;
  }
  EXPECT_EQ(read_file(out + "/index.html"), html);

  report.charts.push_back(report.charts[0]);
  EXPECT_THROW(mlp::write_report(dir / "again", report), mlp::InvalidArgument);
  report.charts.back().file_name = "../escape.svg";
  EXPECT_THROW(mlp::write_report(dir / "again", report), mlp::InvalidArgument);
  report.charts.pop_back();
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(mlp::write_report(dir / "file", report), mlp::Error);
}

}  // namespace
