// `mlp export` end to end: what it writes, and a clean refusal (one message, non-zero exit, no
// file left) for each bad request. The ONNX file's content is checked by ONNX itself and ONNX
// Runtime in tests/python/test_export_onnx.py, the generated C by tests/export/c_export_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.hpp"
#include "mlp/model/model_io.hpp"
#include "support/datasets.hpp"

namespace {

using mlp::test::contains;
using mlp::test::files_in;
using mlp::test::run_mlp;
using mlp::test::TempDir;

using mlp::test::datasets;

std::string trained_iris(const TempDir& dir) {
  const std::string model = dir / "iris.safetensors";
  const auto r = run_mlp("train '" + datasets + "/iris.csv' --target species --epochs 3 -q -o '" +
                         model + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return model;
}

TEST(CliExport, OnnxFileStartsWithIrVersion8AndNamesTheProducer) {
  TempDir dir;
  const std::string model = trained_iris(dir);
  const auto r = run_mlp("export '" + model + "' --format onnx -o '" + dir / "iris.onnx" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "iris.onnx"));
  const std::string bytes = mlp::test::read_file(dir / "iris.onnx");
  ASSERT_GT(bytes.size(), 1000U);  // 4 -> 64 -> 3 float weights alone are over 1 kB
  EXPECT_EQ(bytes.substr(0, 2), std::string("\x08\x08"));     // field 1 (ir_version) = 8
  EXPECT_EQ(bytes.substr(2, 5), std::string("\x12\x03mlp"));  // field 2 (producer) = "mlp"
}

TEST(CliExport, CFormatWritesHeaderAndSourceWithTheChosenOptions) {
  TempDir dir;
  const std::string model = trained_iris(dir);
  std::filesystem::create_directory(dir / "c");
  const auto r = run_mlp("export '" + model + "' --format c --name iris --scratch caller " +
                         "--quantize int8 -o '" + dir / "c" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "flash")) << r.err;
  const std::string header = mlp::test::read_file(dir / "c/iris.h");
  const std::string source = mlp::test::read_file(dir / "c/iris.c");
  EXPECT_TRUE(contains(header, "#define iris_N_INPUTS 4"));
  EXPECT_TRUE(contains(header, "#define iris_SCRATCH_FLOATS"));
  EXPECT_TRUE(contains(header, "float *out, float *scratch);"));
  EXPECT_TRUE(contains(header, "int8 weights"));
  EXPECT_TRUE(contains(source, "static const signed char iris_w0["));
  // --name, --scratch and --quantize belong to --format c.
  const auto onnx =
      run_mlp("export '" + model + "' --format onnx --quantize int8 -o '" + dir / "m.onnx" + "'");
  EXPECT_EQ(onnx.exit_code, 2);
  EXPECT_TRUE(contains(onnx.err, "--format c")) << onnx.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.onnx"));
}

TEST(CliExport, UnknownFormatIsAUsageError) {
  TempDir dir;
  const std::string model = trained_iris(dir);
  const std::size_t before = files_in(dir.path());
  const auto r = run_mlp("export '" + model + "' --format tflite -o '" + dir / "m.out" + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--format")) << r.err;
  EXPECT_TRUE(contains(r.err, "tflite")) << r.err;
  EXPECT_EQ(files_in(dir.path()), before);
}

TEST(CliExport, UnwritableFolderIsRefusedNamingThePath) {
  TempDir dir;
  const std::string model = trained_iris(dir);
  const auto r =
      run_mlp("export '" + model + "' --format onnx -o '" + dir / "no/such/m.onnx" + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "no/such")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(CliExport, CFormatCreatesTheMissingFoldersAsMkdirP) {
  TempDir dir;
  const std::string model = trained_iris(dir);
  const auto r =
      run_mlp("export '" + model + "' --format c --name iris -o '" + dir / "new/nested/src" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(mlp::test::read_file(dir / "new/nested/src/iris.h"), "iris_N_INPUTS"));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "new/nested/src/iris.c"));
  // Again into the folder that now exists: the files are replaced.
  const auto again =
      run_mlp("export '" + model + "' --format c --name iris -o '" + dir / "new/nested/src" + "'");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(files_in(dir / "new/nested/src"), 2U);
}

TEST(CliExport, CFormatRefusesAFileOrAFolderItCannotCreate) {
  TempDir dir;
  const std::string model = trained_iris(dir);
  std::ofstream(dir / "plain.txt") << "a file\n";
  const auto file = run_mlp("export '" + model + "' --format c -o '" + dir / "plain.txt" + "'");
  EXPECT_EQ(file.exit_code, 1);
  EXPECT_TRUE(contains(file.err, "plain.txt' is a file")) << file.err;
  // A folder under a file cannot be created (and root could write anywhere else).
  const auto under =
      run_mlp("export '" + model + "' --format c -o '" + dir / "plain.txt/sub" + "'");
  EXPECT_EQ(under.exit_code, 1);
  EXPECT_TRUE(contains(under.err, "cannot create the output folder '" + dir / "plain.txt/sub"))
      << under.err;
  EXPECT_EQ(std::count(under.err.begin(), under.err.end(), '\n'), 1) << under.err;
  // A name that is not a C identifier is refused before any folder is made.
  const auto name =
      run_mlp("export '" + model + "' --format c --name 9x -o '" + dir / "unused" + "'");
  EXPECT_EQ(name.exit_code, 2);  // InvalidArgument: a usage error
  EXPECT_FALSE(std::filesystem::exists(dir / "unused"));
  EXPECT_EQ(files_in(dir.path()), 2U);  // the model and plain.txt
}

TEST(CliExport, ModelWithoutMlpMetadataIsRefused) {
  TempDir dir;
  mlp::Sequential<float> net(2);
  net.add(3, mlp::Activation::tanh).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer{mlp::Initializer::Kind::glorot_uniform}, 1);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec{});
  const std::string bare = dir / "bare.safetensors";
  mlp::save_model(bare, net);
  const std::size_t before = files_in(dir.path());
  const auto r = run_mlp("export '" + bare + "' --format onnx -o '" + dir / "m.onnx" + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "bare.safetensors")) << r.err;
  EXPECT_TRUE(contains(r.err, "not trained by mlp train")) << r.err;
  EXPECT_EQ(files_in(dir.path()), before);
}

TEST(CliExport, MissingModelFileIsRefused) {
  TempDir dir;
  const auto r = run_mlp("export '" + dir / "absent.safetensors" + "' --format onnx -o '" +
                         dir / "m.onnx" + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "absent.safetensors")) << r.err;
  EXPECT_EQ(files_in(dir.path()), 0U);
}

}  // namespace
