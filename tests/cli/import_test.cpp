// `mlp import` end to end on files this test writes with the library's ONNX encoder (the
// scikit-learn and PyTorch files are in tests/python/test_export_import.py): an MLP graph
// imports and predicts; a damaged or missing file and a graph that is not an MLP are refused
// with one line, exit 1 and no output file.
#include <gtest/gtest.h>

#include <fstream>

#include "cli_runner.hpp"
#include "mlp/export/onnx_model.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_mlp;
using mlp::test::TempDir;
using mlp::test::write_file;

// x (2 features) -> MatMul + Add (2 x 2) -> Softmax, classes named by a ZipMap.
std::string two_class_graph(const std::string& activation_op) {
  mlp::onnx::Model m;
  m.opsets = {{"", 13}, {"ai.onnx.ml", 1}};
  auto& g = m.graph;
  g.inputs = {{"x", mlp::onnx::DataType::float32, {{0, "N"}, {2, ""}}, ""}};
  g.outputs = {{"p", mlp::onnx::DataType::float32, {{0, "N"}, {2, ""}}, ""}};
  mlp::onnx::Tensor W, b;
  W.name = "W";
  W.dims = {2, 2};
  W.floats = {1.0F, -1.0F, 0.5F, 2.0F};
  b.name = "b";
  b.dims = {2};
  b.floats = {0.0F, 0.25F};
  g.initializers = {W, b};
  g.nodes = {{"MatMul", "", "mm", {"x", "W"}, {"m"}, {}},
             {"Add", "", "bias", {"m", "b"}, {"z"}, {}},
             {activation_op, "", "act", {"z"}, {"p"}, {}},
             {"ZipMap",
              "ai.onnx.ml",
              "zip",
              {"p"},
              {"map"},
              {mlp::onnx::Attribute::of_strings("classlabels_strings", {"no", "yes"})}}};
  return mlp::onnx::encode(m);
}

TEST(CliImport, MlpGraphImportsAndPredictsWithItsClassNames) {
  TempDir dir;
  write_file(dir / "m.onnx", two_class_graph("Softmax"));
  write_file(dir / "data.csv", "a,b\n1,0\n0,1\n");
  const auto r = run_mlp("import '" + dir / "m.onnx" + "' -o '" + dir / "m.safetensors" +
                         "' --feature-names a,b");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "2 inputs -> 2 softmax (classifier)")) << r.err;
  const auto p = run_mlp("predict '" + dir / "m.safetensors" + "' '" + dir / "data.csv" + "'");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  // Row 1: z = (1, -1 + 0.25) -> "no"; row 2: z = (0.5, 2.25) -> "yes".
  EXPECT_EQ(p.out, "prediction\nno\nyes\n");
}

TEST(CliImport, GraphThatIsNotAnMlpIsRefusedNamingTheNode) {
  TempDir dir;
  write_file(dir / "m.onnx", two_class_graph("HardSigmoid"));
  const auto r = run_mlp("import '" + dir / "m.onnx" + "' -o '" + dir / "m.safetensors" + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "node 'act' (HardSigmoid)")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.safetensors"));
}

TEST(CliImport, DamagedAndMissingFilesAreRefused) {
  TempDir dir;
  const std::string good = two_class_graph("Softmax");
  write_file(dir / "cut.onnx", good.substr(0, good.size() / 2));
  write_file(dir / "text.onnx", "this is not protobuf\n");
  for (const std::string name : {"cut.onnx", "text.onnx", "absent.onnx"}) {
    const auto r = run_mlp("import '" + dir / name + "' -o '" + dir / "m.safetensors" + "'");
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_EQ(r.err.rfind("mlp: error: ", 0), 0U) << r.err;
    EXPECT_TRUE(contains(r.err, name)) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "m.safetensors")) << name;
  }
}

TEST(CliImport, WrongNumberOfFeatureNamesIsAUsageError) {
  TempDir dir;
  write_file(dir / "m.onnx", two_class_graph("Softmax"));
  const auto r = run_mlp("import '" + dir / "m.onnx" + "' -o '" + dir / "m.safetensors" +
                         "' --feature-names a,b,c");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--feature-names: 3 names for a network of 2 inputs")) << r.err;
}

}  // namespace
