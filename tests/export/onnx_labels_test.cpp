// The ONNX export's "label" output: the class names as strings (mlp's models), or as int64 with
// OnnxLabel::int64 (integer classes, as scikit-learn's), which refuses a class name that is not
// an integer. ONNX Runtime runs both in tests/python/test_python_export.py.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/export/onnx_export.hpp"

namespace {

mlp::TrainedModel<float> classifier(std::vector<std::string> classes) {
  mlp::TrainedModel<float> model;
  model.network = mlp::Sequential<float>(2);
  model.network.add(static_cast<mlp::Index>(classes.size()), mlp::Activation::softmax);
  model.metadata.feature_names = {"a", "b"};
  model.metadata.class_names = std::move(classes);
  return model;
}

const mlp::onnx::Node& label_encoder(const mlp::onnx::Model& m) {
  for (const auto& node : m.graph.nodes)
    if (node.op_type == "LabelEncoder" && node.outputs == std::vector<std::string>{"label"})
      return node;
  throw std::runtime_error("no LabelEncoder writes 'label'");
}

const mlp::onnx::Attribute* attribute(const mlp::onnx::Node& node, const std::string& name) {
  for (const auto& a : node.attributes)
    if (a.name == name) return &a;
  return nullptr;
}

mlp::onnx::DataType label_type(const mlp::onnx::Model& m) {
  for (const auto& out : m.graph.outputs)
    if (out.name == "label") return out.type;
  throw std::runtime_error("no output 'label'");
}

TEST(OnnxLabels, StringsByDefault) {
  const auto m = mlp::onnx_model(classifier({"3", "cat", "-1"}));
  const auto* values = attribute(label_encoder(m), "values_strings");
  ASSERT_NE(values, nullptr);
  EXPECT_EQ(values->strings, (std::vector<std::string>{"3", "cat", "-1"}));
  EXPECT_EQ(label_type(m), mlp::onnx::DataType::string);
}

TEST(OnnxLabels, IntegersAsInt64) {
  const auto m = mlp::onnx_model(classifier({"3", "-7", "12"}), mlp::OnnxLabel::int64);
  const auto& node = label_encoder(m);
  ASSERT_NE(attribute(node, "values_int64s"), nullptr);
  EXPECT_EQ(attribute(node, "values_int64s")->ints, (std::vector<std::int64_t>{3, -7, 12}));
  EXPECT_EQ(attribute(node, "values_strings"), nullptr);
  EXPECT_EQ(label_type(m), mlp::onnx::DataType::int64);
}

TEST(OnnxLabels, Int64RefusesNamesThatAreNotIntegers) {
  for (const std::string bad : {"cat", "1.5", " 1", "1 ", "", "99999999999999999999"}) {
    try {
      (void)mlp::onnx_model(classifier({"0", bad}), mlp::OnnxLabel::int64);
      FAIL() << "accepted '" << bad << "'";
    } catch (const mlp::InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("'" + bad + "' is not one"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
