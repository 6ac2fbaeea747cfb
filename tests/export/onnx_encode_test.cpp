// The ONNX encoder, read back by an independent decoder written here from the protobuf
// encoding rules: the bytes must say what onnx_model built, field by field.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mlp/export/onnx_export.hpp"
#include "mlp/export/onnx_model.hpp"

namespace {

// One decoded field: its number and either a varint, a 4-byte value or bytes.
struct Field {
  std::uint32_t number = 0;
  std::uint32_t wire = 0;
  std::uint64_t varint = 0;
  std::string bytes;
};

std::uint64_t read_varint(const std::string& s, std::size_t& pos) {
  std::uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    if (pos >= s.size() || shift > 63) throw std::runtime_error("bad varint");
    const auto byte = static_cast<unsigned char>(s[pos++]);
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return value;
  }
}

std::vector<Field> fields(const std::string& message) {
  std::vector<Field> out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    Field f;
    const std::uint64_t key = read_varint(message, pos);
    f.number = static_cast<std::uint32_t>(key >> 3);
    f.wire = static_cast<std::uint32_t>(key & 7);
    if (f.wire == 0) {
      f.varint = read_varint(message, pos);
    } else if (f.wire == 2) {
      const std::uint64_t n = read_varint(message, pos);
      if (n > message.size() - pos) throw std::runtime_error("bad length");
      f.bytes = message.substr(pos, n);
      pos += n;
    } else if (f.wire == 5) {
      if (message.size() - pos < 4) throw std::runtime_error("bad fixed32");
      f.bytes = message.substr(pos, 4);
      pos += 4;
    } else {
      throw std::runtime_error("unexpected wire type");
    }
    out.push_back(f);
  }
  return out;
}

std::vector<Field> all(const std::string& message, std::uint32_t number) {
  std::vector<Field> out;
  for (auto& f : fields(message))
    if (f.number == number) out.push_back(f);
  return out;
}

Field one(const std::string& message, std::uint32_t number) {
  const auto found = all(message, number);
  if (found.size() != 1)
    throw std::runtime_error("field " + std::to_string(number) + " appears " +
                             std::to_string(found.size()) + " times");
  return found[0];
}

std::vector<float> raw_floats(const std::string& raw) {
  std::vector<float> out;
  for (std::size_t i = 0; i + 4 <= raw.size(); i += 4) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b)
      bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(raw[i + b])) << (8 * b);
    out.push_back(std::bit_cast<float>(bits));
  }
  return out;
}

// A 3-input classifier with a tanh hidden layer, a scaler and three classes.
mlp::TrainedModel<float> small_classifier() {
  mlp::TrainedModel<float> model;
  model.network = mlp::Sequential<float>(3);
  model.network.add(4, mlp::Activation::tanh).add(3, mlp::Activation::softmax);
  model.network.initialize(mlp::Initializer{mlp::Initializer::Kind::glorot_uniform}, 7);
  model.metadata.task = mlp::Task::classification;
  model.metadata.feature_names = {"a", "b", "c"};
  model.metadata.class_names = {"x", "y", "z"};
  mlp::StandardScaler<double> scaler;
  scaler.mean = Eigen::Vector3d(1.0, -2.0, 0.5);
  scaler.scale = Eigen::Vector3d(2.0, 0.25, 1.0);
  model.metadata.feature_scaler = scaler;
  return model;
}

TEST(OnnxEncode, ModelHeaderSaysIrVersion8AndOpsets17And2) {
  const std::string bytes = mlp::onnx::encode(mlp::onnx_model(small_classifier()));
  EXPECT_EQ(one(bytes, 1).varint, 8U);  // ir_version
  EXPECT_EQ(one(bytes, 2).bytes, "mlp");
  std::map<std::string, std::uint64_t> opsets;
  for (const auto& o : all(bytes, 8)) opsets[one(o.bytes, 1).bytes] = one(o.bytes, 2).varint;
  EXPECT_EQ(opsets, (std::map<std::string, std::uint64_t>{{"", 17}, {"ai.onnx.ml", 2}}));
}

TEST(OnnxEncode, NodesAreTheScalerThenGemmAndActivationPerLayerThenTheLabel) {
  const std::string graph = one(mlp::onnx::encode(mlp::onnx_model(small_classifier())), 7).bytes;
  std::vector<std::string> ops;
  for (const auto& node : all(graph, 1)) ops.push_back(one(node.bytes, 4).bytes);
  EXPECT_EQ(ops, (std::vector<std::string>{"Sub", "Div", "Gemm", "Tanh", "Gemm", "Softmax",
                                           "ArgMax", "LabelEncoder"}));
  const auto inputs = all(graph, 11);
  ASSERT_EQ(inputs.size(), 1U);
  EXPECT_EQ(one(inputs[0].bytes, 1).bytes, "X");
  std::vector<std::string> outputs;
  for (const auto& o : all(graph, 12)) outputs.push_back(one(o.bytes, 1).bytes);
  EXPECT_EQ(outputs, (std::vector<std::string>{"label", "probabilities"}));
}

TEST(OnnxEncode, InitializersHoldTheWeightsBitForBit) {
  const auto model = small_classifier();
  const std::string graph = one(mlp::onnx::encode(mlp::onnx_model(model)), 7).bytes;
  std::map<std::string, std::pair<std::vector<std::uint64_t>, std::vector<float>>> tensors;
  for (const auto& t : all(graph, 5)) {
    std::vector<std::uint64_t> dims;
    for (const auto& d : all(t.bytes, 1)) dims.push_back(d.varint);
    EXPECT_EQ(one(t.bytes, 2).varint, 1U);  // FLOAT
    tensors[one(t.bytes, 8).bytes] = {dims, raw_floats(one(t.bytes, 9).bytes)};
  }
  for (std::size_t l = 0; l < 2; ++l) {
    const auto W = model.network.weights(l);
    const auto& [dims, values] = tensors.at("layer" + std::to_string(l) + "_weight");
    ASSERT_EQ(dims, (std::vector<std::uint64_t>{static_cast<std::uint64_t>(W.rows()),
                                                static_cast<std::uint64_t>(W.cols())}));
    for (mlp::Index i = 0; i < W.rows(); ++i)
      for (mlp::Index j = 0; j < W.cols(); ++j)
        EXPECT_EQ(values[static_cast<std::size_t>(i * W.cols() + j)], W(i, j));
    const auto& bias = tensors.at("layer" + std::to_string(l) + "_bias").second;
    ASSERT_EQ(bias.size(), static_cast<std::size_t>(model.network.bias(l).size()));
  }
  EXPECT_EQ(tensors.at("scaler_mean").second, (std::vector<float>{1.0F, -2.0F, 0.5F}));
  EXPECT_EQ(tensors.at("scaler_scale").second, (std::vector<float>{2.0F, 0.25F, 1.0F}));
}

TEST(OnnxEncode, AttributesCarryTheirTypeAndValues) {
  const std::string graph = one(mlp::onnx::encode(mlp::onnx_model(small_classifier())), 7).bytes;
  const auto nodes = all(graph, 1);
  const std::string label_encoder = nodes.back().bytes;
  EXPECT_EQ(one(label_encoder, 7).bytes, "ai.onnx.ml");
  std::map<std::string, Field> attributes;
  for (const auto& a : all(label_encoder, 5)) attributes[one(a.bytes, 1).bytes] = a;
  EXPECT_EQ(one(attributes.at("keys_int64s").bytes, 20).varint, 7U);  // INTS
  std::vector<std::uint64_t> keys;
  for (const auto& k : all(attributes.at("keys_int64s").bytes, 8)) keys.push_back(k.varint);
  EXPECT_EQ(keys, (std::vector<std::uint64_t>{0, 1, 2}));
  std::vector<std::string> names;
  for (const auto& s : all(attributes.at("values_strings").bytes, 9)) names.push_back(s.bytes);
  EXPECT_EQ(names, (std::vector<std::string>{"x", "y", "z"}));
  const std::string argmax = nodes[nodes.size() - 2].bytes;
  int axes = 0;
  for (const auto& a : all(argmax, 5)) {
    if (one(a.bytes, 1).bytes != "axis") continue;
    EXPECT_EQ(one(a.bytes, 3).varint, 1U);
    ++axes;
  }
  EXPECT_EQ(axes, 1);
}

TEST(OnnxEncode, VarintsFollowTheWireFormat) {
  mlp::onnx::Model m;
  m.ir_version = 300;  // 300 = 0b10'0101100: bytes AC 02
  const std::string bytes = mlp::onnx::encode(m);
  ASSERT_GE(bytes.size(), 3U);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x08);  // field 1, varint
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0xAC);
  EXPECT_EQ(static_cast<unsigned char>(bytes[2]), 0x02);
  mlp::onnx::Model negative;
  negative.opsets = {{"x", -1}};  // int64 -1: ten bytes, as protobuf writes it
  const auto opset = one(mlp::onnx::encode(negative), 8).bytes;
  EXPECT_EQ(one(opset, 2).varint, ~std::uint64_t{0});
}

TEST(OnnxEncode, RegressionOutputIsTheValueInTargetUnits) {
  mlp::TrainedModel<double> model;
  model.network = mlp::Sequential<double>(2);
  model.network.add(1, mlp::Activation::identity);
  model.network.initialize(mlp::Initializer{mlp::Initializer::Kind::glorot_uniform}, 1);
  model.metadata.task = mlp::Task::regression;
  model.metadata.feature_names = {"a", "b"};
  model.metadata.target_mean = 10.0;
  model.metadata.target_scale = 3.0;
  const std::string graph = one(mlp::onnx::encode(mlp::onnx_model(model)), 7).bytes;
  std::vector<std::string> ops;
  for (const auto& node : all(graph, 1)) ops.push_back(one(node.bytes, 4).bytes);
  EXPECT_EQ(ops, (std::vector<std::string>{"Gemm", "Mul", "Add"}));
  EXPECT_EQ(one(one(graph, 12).bytes, 1).bytes, "variable");
}

}  // namespace
