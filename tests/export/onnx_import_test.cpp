// Reading ONNX files: the decoder gives back what the encoder wrote, import_onnx maps an MLP
// graph (Gemm with torch's transposed weights, MatMul + Add, a Scaler) to the same predictions,
// and damaged files (every truncation, a thousand random byte changes, lengths that claim more
// than the file holds) are refused with mlp's own errors, never a crash or a huge allocation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/export/onnx_import.hpp"
#include "mlp/export/onnx_model.hpp"

namespace {

using mlp::onnx::Attribute;
using mlp::onnx::DataType;
using mlp::onnx::Tensor;

Tensor floats(const std::string& name, std::vector<std::int64_t> dims, std::vector<float> v) {
  Tensor t;
  t.name = name;
  t.dims = std::move(dims);
  t.floats = std::move(v);
  return t;
}

// x (2 features) -> Scaler -> Gemm(transB = 1, torch's nn.Linear) -> Tanh -> MatMul -> Add ->
// Softmax -> ArgMax -> ArrayFeatureExtractor over the class names.
mlp::onnx::Model mlp_graph() {
  mlp::onnx::Model m;
  m.opsets = {{"", 13}, {"ai.onnx.ml", 1}};
  auto& g = m.graph;
  g.inputs = {{"x", DataType::float32, {{0, "N"}, {2, ""}}, ""}};
  g.outputs = {{"p", DataType::float32, {{0, "N"}, {3, ""}}, ""}};
  // W1 as torch stores it: (out, in) = (4, 2).
  g.initializers = {floats("W1", {4, 2}, {0.5F, -1.0F, 0.25F, 0.75F, -0.5F, 1.5F, 1.0F, 0.1F}),
                    floats("b1", {4}, {0.1F, -0.2F, 0.3F, 0.0F}),
                    floats("W2", {4, 3}, {1, -1, 0.5F, 0.2F, 0.3F, -0.4F, -1, 2, 0, 0.5F, 0.5F, 1}),
                    floats("b2", {1, 3}, {0.05F, 0.0F, -0.05F})};
  Tensor classes;
  classes.name = "classes";
  classes.type = DataType::string;
  classes.dims = {3};
  classes.strings = {"cat", "dog", "owl"};
  g.initializers.push_back(classes);
  const auto node = [&](std::string op, std::vector<std::string> in, std::string out,
                        std::vector<Attribute> a = {}, std::string domain = "") {
    g.nodes.push_back({op, domain, op + "_" + out, std::move(in), {out}, std::move(a)});
  };
  node("Scaler", {"x"}, "s",
       {Attribute::of_floats("offset", {1.0F, -2.0F}), Attribute::of_floats("scale", {0.5F, 2.0F})},
       "ai.onnx.ml");
  node("Gemm", {"s", "W1", "b1"}, "z1", {Attribute::of_int("transB", 1)});
  node("Tanh", {"z1"}, "a1");
  node("MatMul", {"a1", "W2"}, "m2");
  node("Add", {"m2", "b2"}, "z2");
  node("Softmax", {"z2"}, "p", {Attribute::of_int("axis", 1)});
  node("ArgMax", {"p"}, "k", {Attribute::of_int("axis", 1)});
  node("ArrayFeatureExtractor", {"classes", "k"}, "label", {}, "ai.onnx.ml");
  return m;
}

std::string temp_file(const std::string& name, const std::string& bytes) {
  const auto path =
      std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".onnx");
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

TEST(OnnxImport, DecodeGivesBackWhatEncodeWrote) {
  const auto m = mlp_graph();
  const auto d = mlp::onnx::decode(mlp::onnx::encode(m), "test");
  EXPECT_EQ(d.ir_version, 8);
  ASSERT_EQ(d.graph.nodes.size(), m.graph.nodes.size());
  for (std::size_t i = 0; i < m.graph.nodes.size(); ++i) {
    EXPECT_EQ(d.graph.nodes[i].op_type, m.graph.nodes[i].op_type);
    EXPECT_EQ(d.graph.nodes[i].inputs, m.graph.nodes[i].inputs);
    EXPECT_EQ(d.graph.nodes[i].domain, m.graph.nodes[i].domain);
  }
  ASSERT_EQ(d.graph.initializers.size(), m.graph.initializers.size());
  EXPECT_EQ(d.graph.initializers[0].floats, m.graph.initializers[0].floats);
  EXPECT_EQ(d.graph.initializers[0].dims, m.graph.initializers[0].dims);
  EXPECT_EQ(d.graph.initializers[4].strings, m.graph.initializers[4].strings);
  EXPECT_EQ(d.graph.nodes[0].attributes[1].floats, (std::vector<float>{0.5F, 2.0F}));
  EXPECT_EQ(d.graph.inputs[0].shape[0].param, "N");
  EXPECT_EQ(d.graph.inputs[0].shape[1].value, 2);
}

TEST(OnnxImport, MlpGraphPredictsAsTheGraphComputes) {
  const std::string path = temp_file("mlp-graph", mlp::onnx::encode(mlp_graph()));
  const auto model = mlp::import_onnx(path);
  std::filesystem::remove(path);
  EXPECT_EQ(model.metadata.class_names, (std::vector<std::string>{"cat", "dog", "owl"}));
  EXPECT_EQ(model.metadata.feature_names, (std::vector<std::string>{"x0", "x1"}));
  // The graph by hand for x = (3, 1): s = ((3 - 1) * 0.5, (1 + 2) * 2) = (1, 6).
  const float s[2] = {1.0F, 6.0F};
  const float W1[4][2] = {{0.5F, -1.0F}, {0.25F, 0.75F}, {-0.5F, 1.5F}, {1.0F, 0.1F}};
  const float b1[4] = {0.1F, -0.2F, 0.3F, 0.0F};
  const float W2[4][3] = {{1, -1, 0.5F}, {0.2F, 0.3F, -0.4F}, {-1, 2, 0}, {0.5F, 0.5F, 1}};
  double z2[3] = {0.05, 0.0, -0.05}, sum = 0;
  for (int j = 0; j < 4; ++j) {
    const double a = std::tanh(b1[j] + s[0] * W1[j][0] + s[1] * W1[j][1]);
    for (int k = 0; k < 3; ++k) z2[k] += a * W2[j][k];
  }
  for (double& z : z2) sum += (z = std::exp(z));
  mlp::Matrix<float> x(1, 2);
  x << 3.0F, 1.0F;
  const auto p = model.predict_proba(x);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(p(0, k), z2[k] / sum, 1e-6) << k;
}

TEST(OnnxImport, StandardisationIsSubThenDivOrMul) {
  // x -> Sub(m) -> Div(s) imports as the scaler; Mul before Sub, x * s - m, is not one.
  auto m = mlp_graph();
  m.graph.initializers.push_back(floats("m", {2}, {1.0F, -2.0F}));
  m.graph.initializers.push_back(floats("s", {2}, {2.0F, 0.5F}));
  m.graph.nodes[0] = {"Sub", "", "centre", {"x", "m"}, {"c"}, {}};
  m.graph.nodes.insert(m.graph.nodes.begin() + 1, {"Div", "", "scale", {"c", "s"}, {"s_out"}, {}});
  m.graph.nodes[2].inputs[0] = "s_out";  // the Gemm
  const std::string path = temp_file("sub-div", mlp::onnx::encode(m));
  const auto model = mlp::import_onnx(path);
  ASSERT_TRUE(model.metadata.feature_scaler.has_value());
  EXPECT_EQ(model.metadata.feature_scaler->mean, Eigen::Vector2d(1.0, -2.0));
  EXPECT_EQ(model.metadata.feature_scaler->scale, Eigen::Vector2d(2.0, 0.5));
  std::swap(m.graph.nodes[0].op_type, m.graph.nodes[1].op_type);  // Div(x, m) then Sub(., s)
  m.graph.nodes[0].op_type = "Mul";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << mlp::onnx::encode(m);
  try {
    mlp::import_onnx(path);
    ADD_FAILURE() << "imported x * s - m as a standardisation";
  } catch (const mlp::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("(Sub) cannot be mapped to a standardisation"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

// x (2 features) -> Gemm -> `activation` -> Gemm (1 output) -> [Exp] -> Mul(scale) -> Add(mean):
// a regression as mlp export writes it, its output in the target's units.
mlp::onnx::Model regression_graph(bool exponential, float scale, float mean) {
  mlp::onnx::Model m;
  m.opsets = {{"", 13}};
  auto& g = m.graph;
  g.inputs = {{"x", DataType::float32, {{0, "N"}, {2, ""}}, ""}};
  g.outputs = {{"y", DataType::float32, {{0, "N"}, {1, ""}}, ""}};
  g.initializers = {floats("W1", {2, 3}, {0.5F, -1.0F, 0.25F, 0.75F, -0.5F, 1.5F}),
                    floats("b1", {3}, {0.1F, -0.2F, 0.3F}),
                    floats("W2", {3, 1}, {1.0F, -0.5F, 0.25F}),
                    floats("b2", {1}, {0.2F}),
                    floats("scale", {}, {scale}),
                    floats("mean", {}, {mean})};
  g.nodes = {{"Gemm", "", "l1", {"x", "W1", "b1"}, {"z1"}, {}},
             {"Relu", "", "relu", {"z1"}, {"a1"}, {}},
             {"Gemm", "", "l2", {"a1", "W2", "b2"}, {"z2"}, {}},
             {"Mul", "", "times_scale", {"z2", "scale"}, {"scaled"}, {}},
             {"Add", "", "plus_mean", {"scaled", "mean"}, {"y"}, {}}};
  if (exponential) {
    g.nodes.insert(g.nodes.begin() + 3, {"Exp", "", "rate", {"z2"}, {"e2"}, {}});
    g.nodes[4].inputs[0] = "e2";
  }
  return m;
}

TEST(OnnxImport, ARegressionsMulAndAddAfterItsLastLayerAreItsTargetScaling) {
  // For x = (1, 2): a1 = relu(0.1 + 0.5 + 1.5, -0.2 - 1 - 1, 0.3 + 0.25 + 3) = (2.1, 0, 3.55);
  // z2 = 0.2 + 2.1 - 0 + 0.8875 = 3.1875.
  mlp::Matrix<float> x(1, 2);
  x << 1.0F, 2.0F;
  for (const bool exponential : {false, true}) {
    const std::string path =
        temp_file("regression", mlp::onnx::encode(regression_graph(exponential, 2.5F, -1.0F)));
    const auto model = mlp::import_onnx(path);
    std::filesystem::remove(path);
    EXPECT_EQ(model.metadata.task, mlp::Task::regression);
    EXPECT_EQ(model.metadata.target_scale, 2.5);
    EXPECT_EQ(model.metadata.target_mean, -1.0);
    EXPECT_EQ(model.network.loss(), exponential ? mlp::Loss::poisson : mlp::Loss::mse);
    const double z2 = 3.1875, y = (exponential ? std::exp(z2) : z2) * 2.5 - 1.0;
    EXPECT_NEAR(model.predict_values(x)(0), y, 1e-5 * std::abs(y)) << exponential;
  }
  // Anything else after the last layer is refused, naming the node.
  const auto refused = [](mlp::onnx::Model m, const std::string& message) {
    const std::string path = temp_file("refused", mlp::onnx::encode(m));
    try {
      mlp::import_onnx(path);
      ADD_FAILURE() << "imported: " << message;
    } catch (const mlp::ModelFileError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
    std::filesystem::remove(path);
  };
  auto add_first = regression_graph(false, 2.5F, -1.0F);  // y' + mean, then * scale
  std::swap(add_first.graph.nodes[3].op_type, add_first.graph.nodes[4].op_type);
  refused(add_first, "'plus_mean' (Mul) cannot be mapped to the target's y * scale + mean");
  refused(regression_graph(false, -2.0F, 0.0F), "'times_scale' (Mul) is not a finite scale > 0");
  auto vector_scale = regression_graph(false, 1.0F, 0.0F);
  vector_scale.graph.initializers[4] = floats("scale", {2}, {1.0F, 2.0F});
  refused(vector_scale, "'times_scale' (Mul) holds 2 values");
  auto layer_after = regression_graph(false, 1.0F, 0.0F);  // a Relu after the unscaling
  layer_after.graph.nodes.push_back({"Relu", "", "late", {"y"}, {"r"}, {}});
  refused(layer_after, "'late' (Relu) comes after the output's y * scale + mean");
  auto classifier = regression_graph(false, 1.0F, 0.0F);  // probabilities scaled
  classifier.graph.nodes.insert(classifier.graph.nodes.begin() + 3,
                                {"Sigmoid", "", "p", {"z2"}, {"p2"}, {}});
  classifier.graph.nodes[4].inputs[0] = "p2";
  refused(classifier, "the classifier's probabilities are scaled");
}

TEST(OnnxImport, WeightsMayComeFromConstantNodes) {
  // torch.onnx.export sometimes writes a weight as a Constant node instead of an initializer.
  auto m = mlp_graph();
  const auto direct = [&] {
    const std::string path = temp_file("initializers", mlp::onnx::encode(m));
    auto model = mlp::import_onnx(path);
    std::filesystem::remove(path);
    return model;
  }();
  Attribute value;
  value.name = "value";
  value.kind = Attribute::Kind::tensor;
  value.tensor = {m.graph.initializers[2]};
  m.graph.initializers.erase(m.graph.initializers.begin() + 2);
  m.graph.nodes.insert(m.graph.nodes.begin(), {"Constant", "", "w2", {}, {"W2"}, {value}});
  const std::string path = temp_file("constant", mlp::onnx::encode(m));
  const auto model = mlp::import_onnx(path);
  std::filesystem::remove(path);
  EXPECT_EQ(model.network.parameters(), direct.network.parameters());
}

TEST(OnnxImport, LongChainsOfPassThroughNodesAreWalkedOnce) {
  // 100,000 Identity nodes x -> x before the network: each is taken once, in order (a walk that
  // rescanned the graph per step would take 10^10 steps here and time the test out).
  auto m = mlp_graph();
  std::vector<mlp::onnx::Node> nodes(100000,
                                     mlp::onnx::Node{"Identity", "", "id", {"x"}, {"x"}, {}});
  m.graph.nodes.insert(m.graph.nodes.begin(), nodes.begin(), nodes.end());
  const std::string path = temp_file("identities", mlp::onnx::encode(m));
  const auto model = mlp::import_onnx(path);
  std::filesystem::remove(path);
  EXPECT_EQ(model.network.layers().size(), 2U);
  EXPECT_EQ(model.metadata.class_names.size(), 3U);
}

TEST(OnnxImport, UnsupportedNodeIsNamed) {
  auto m = mlp_graph();
  m.graph.nodes[2].op_type = "Elu";
  const std::string path = temp_file("elu", mlp::onnx::encode(m));
  try {
    mlp::import_onnx(path);
    FAIL() << "accepted an Elu";
  } catch (const mlp::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("'Tanh_a1' (Elu)"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(OnnxImport, TextThatIsNotUtf8) {
  // The fuzzer's first finding (fuzz/corpus/onnx_import/crash_producer_not_utf8.onnx): a
  // producer name that is not UTF-8 threw the JSON library's error out of import_onnx.
  auto m = mlp_graph();
  m.producer_name = "tool\xff\xfe";
  const std::string path = temp_file("producer", mlp::onnx::encode(m));
  const auto model = mlp::import_onnx(path);
  EXPECT_NE(model.metadata.training_json.find("tool\xef\xbf\xbd"), std::string::npos);  // U+FFFD
  m = mlp_graph();
  m.graph.initializers[4].strings[1] = "d\xc3";  // a class name cut inside a character
  std::ofstream(path, std::ios::binary | std::ios::trunc) << mlp::onnx::encode(m);
  EXPECT_THROW(mlp::import_onnx(path), mlp::ModelFileError);
  std::filesystem::remove(path);
}

TEST(OnnxImport, SoftmaxOverOneOutputIsNotAClassifier) {
  auto m = mlp_graph();
  m.graph.initializers[2] = floats("W2", {4, 1}, {1, 2, 3, 4});
  m.graph.initializers[3] = floats("b2", {1}, {0});
  m.graph.initializers.resize(4);  // no class names: the graph ends at the Softmax
  m.graph.nodes.resize(6);
  const std::string path = temp_file("one-softmax", mlp::onnx::encode(m));
  try {
    mlp::import_onnx(path);
    ADD_FAILURE() << "imported a softmax over one unit";
  } catch (const mlp::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("one softmax output"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(OnnxImport, EveryTruncationIsAModelFileError) {
  const std::string bytes = mlp::onnx::encode(mlp_graph());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    try {
      mlp::onnx::decode(std::string_view(bytes).substr(0, n), "cut");
    } catch (const mlp::ModelFileError&) {
    }  // any other exception fails the test
  }
}

TEST(OnnxImport, RandomByteChangesNeverCrashTheImport) {
  const std::string bytes = mlp::onnx::encode(mlp_graph());
  std::mt19937 rng(2024);
  const std::string path = temp_file("mutated", bytes);
  int refused = 0;
  for (int trial = 0; trial < 1000; ++trial) {
    std::string mutated = bytes;
    const int changes = 1 + trial % 4;
    for (int c = 0; c < changes; ++c)
      mutated[rng() % mutated.size()] = static_cast<char>(rng() & 0xFF);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << mutated;
    try {
      const auto model = mlp::import_onnx(path);
      EXPECT_TRUE(model.network.parameters().allFinite());
    } catch (const mlp::ModelFileError&) {
      ++refused;
    } catch (const mlp::InvalidArgument&) {
      ++refused;
    }
  }
  std::filesystem::remove(path);
  EXPECT_GT(refused, 50);  // the changes did reach the reader
}

TEST(OnnxImport, LengthsBeyondTheFileAreRefusedBeforeAllocating) {
  // A GraphProto field claiming 2^40 bytes, and a tensor whose dims claim 2^62 floats.
  const std::string huge_length = std::string("\x08\x08\x3a\x80\x80\x80\x80\x80\x20", 9);
  EXPECT_THROW(mlp::onnx::decode(huge_length, "huge"), mlp::ModelFileError);
  auto m = mlp_graph();
  m.graph.initializers[0].dims = {std::int64_t{1} << 31, std::int64_t{1} << 31};
  EXPECT_THROW(mlp::onnx::decode(mlp::onnx::encode(m), "dims"), mlp::ModelFileError);
  m.graph.initializers[0].dims = {-4, -2};
  EXPECT_THROW(mlp::onnx::decode(mlp::onnx::encode(m), "negative"), mlp::ModelFileError);
}

}  // namespace
