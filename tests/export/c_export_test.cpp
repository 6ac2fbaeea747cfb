// The generated C: compiled with `gcc -std=c99 -Wall -Wextra -Werror -pedantic`, run on random
// inputs, and compared with TrainedModel::predict_proba (predict_values for regression) to 1e-5,
// for every hidden activation and output kind, both scratch choices, float and double models;
// compiled for Cortex-M with arm-none-eabi-gcc -Os when that compiler is installed.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "cli/cli_runner.hpp"
#include "mlp/core/error.hpp"
#include "mlp/export/c_export.hpp"

namespace {

using mlp::Activation;

using mlp::test::read_file;
using mlp::test::TempDir;

struct Shape {
  Activation hidden, output;
  mlp::Task task;
};

// A model with two hidden layers of random weights and biases and a random scaler.
template <class Scalar>
mlp::TrainedModel<Scalar> random_model(const Shape& s, int n_in, int n_out) {
  mlp::TrainedModel<Scalar> model;
  model.network = mlp::Sequential<Scalar>(n_in);
  model.network.add(7, s.hidden).add(5, s.hidden).add(n_out, s.output);
  model.network.initialize(mlp::Initializer::normal(0.0, 0.6), 11);
  model.metadata.task = s.task;
  for (int i = 0; i < n_in; ++i) model.metadata.feature_names.push_back("f" + std::to_string(i));
  for (int k = 0; s.task == mlp::Task::classification && k < n_out; ++k)
    model.metadata.class_names.push_back("class */ " + std::to_string(k));  // a comment's end
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0.5, 3.0);
  mlp::StandardScaler<double> scaler;
  scaler.mean = Eigen::VectorXd::NullaryExpr(n_in, [&] { return u(rng) - 1.5; });
  scaler.scale = Eigen::VectorXd::NullaryExpr(n_in, [&] { return u(rng); });
  model.metadata.feature_scaler = scaler;
  model.metadata.target_mean = 12.5;
  model.metadata.target_scale = 4.0;
  return model;
}

template <class Scalar>
mlp::Matrix<Scalar> random_inputs(int rows, int cols) {
  std::mt19937 rng(9);
  std::normal_distribution<double> n(0.0, 2.0);
  return mlp::Matrix<Scalar>::NullaryExpr(rows, cols, [&] { return static_cast<Scalar>(n(rng)); });
}

// A main() that runs NAME_predict_proba on each row of X and prints the outputs.
template <class Scalar>
std::string driver(const std::string& name, const mlp::Matrix<Scalar>& X, bool caller) {
  std::ostringstream c;
  c.precision(9);
  c << "#include <stdio.h>\n#include \"" << name << ".h\"\n\nstatic const float inputs[" << X.rows()
    << "][" << name << "_N_INPUTS] = {\n";
  for (mlp::Index i = 0; i < X.rows(); ++i) {
    c << "  {";
    for (mlp::Index j = 0; j < X.cols(); ++j)
      c << (j ? ", " : "") << static_cast<float>(X(i, j)) << "f";
    c << "},\n";
  }
  c << "};\n\nint main(void) {\n  float out[" << name << "_N_OUTPUTS];\n";
  if (caller) c << "  float scratch[" << name << "_SCRATCH_FLOATS];\n";
  c << "  int i, k;\n  for (i = 0; i < " << X.rows() << "; ++i) {\n    " << name
    << "_predict_proba(inputs[i], out" << (caller ? ", scratch" : "") << ");\n"
    << "    for (k = 0; k < " << name << "_N_OUTPUTS; ++k) printf(\"%.9g\\n\", out[k]);\n  }\n"
    << "  return 0;\n}\n";
  return c.str();
}

int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

// Exports, compiles with gcc's strictest C99 flags, runs and compares with the library.
// AddressSanitizer and UBSan flags when gcc can link them here (so that an out-of-bounds read of
// the weights or a scratch buffer smaller than the code uses fails the test), else none.
const std::string& sanitizer_flags() {
  static const std::string flags = [] {
    const std::string f = "-fsanitize=address,undefined -fno-sanitize-recover=all";
    const std::string probe =
        "echo 'int main(void) { return 0; }' | gcc -x c " + f + " - -o /dev/null >/dev/null 2>&1";
    return shell(probe) == 0 ? f : std::string();
  }();
  return flags;
}

// `reference`: the model whose predictions the C must give (the model itself, or for int8
// weights the model with its weights replaced by q * scale).
template <class Scalar>
void expect_c_gives(const mlp::TrainedModel<Scalar>& model,
                    const mlp::TrainedModel<Scalar>& reference, const mlp::CExportOptions& o) {
  TempDir dir;
  const auto n_in = static_cast<int>(model.network.n_inputs());
  const auto n_out = static_cast<int>(model.network.n_outputs());
  const mlp::CScratch scratch = o.scratch;
  mlp::CExportOptions options = o;
  options.name = "net_1";
  mlp::export_c(model, options, dir.path().string());
  const auto X = random_inputs<Scalar>(40, n_in);
  std::ofstream(dir / "main.c") << driver("net_1", X, scratch == mlp::CScratch::caller);
  const std::string build = "cd '" + dir.path().string() +
                            "' && gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 " +
                            sanitizer_flags() + " main.c net_1.c -lm -o run 2>errors.txt";
  ASSERT_EQ(shell(build), 0) << read_file(dir / "errors.txt");
  ASSERT_EQ(shell("'" + dir / "run" + "' >'" + dir / "out.txt" + "' 2>'" + dir / "run.txt" + "'"),
            0)
      << read_file(dir / "run.txt");
  std::istringstream printed(read_file(dir / "out.txt"));
  mlp::Matrix<Scalar> expected;
  if (model.metadata.task == mlp::Task::classification) {
    expected = reference.predict_proba(X);
  } else {
    expected = reference.predict_values(X);
  }
  ASSERT_EQ(expected.cols(), n_out);
  double spread = 0;
  for (mlp::Index i = 0; i < X.rows(); ++i)
    for (mlp::Index k = 0; k < n_out; ++k) {
      double value = 0;
      ASSERT_TRUE(printed >> value) << "row " << i;
      const double want = static_cast<double>(expected(i, k));
      EXPECT_NEAR(value, want, 1e-5 * std::max(1.0, std::abs(want))) << "row " << i << " out " << k;
      spread = std::max(spread, std::abs(want - static_cast<double>(expected(0, k))));
    }
  EXPECT_GT(spread, 1e-3);  // the outputs depend on the inputs: a real comparison
}

template <class Scalar>
void expect_c_matches_library(const Shape& s, mlp::CScratch scratch) {
  const auto model = random_model<Scalar>(s, 6, s.task == mlp::Task::classification ? 4 : 1);
  mlp::CExportOptions options;
  options.scratch = scratch;
  expect_c_gives(model, model, options);
}

// The model with each layer's weights replaced by their int8 values times the layer's scale.
mlp::TrainedModel<float> dequantized(mlp::TrainedModel<float> model) {
  for (std::size_t l = 0; l < model.network.layers().size(); ++l) {
    auto W = model.network.weights(l);
    const mlp::Int8Weights q =
        mlp::quantize_int8(std::vector<float>(W.data(), W.data() + W.size()));
    for (mlp::Index i = 0; i < W.size(); ++i)
      W.data()[i] = static_cast<float>(q.q[static_cast<std::size_t>(i)]) * q.scale;
  }
  return model;
}

class CExportActivations : public ::testing::TestWithParam<Shape> {};

TEST_P(CExportActivations, CompiledCMatchesPredictProbaFloat) {
  expect_c_matches_library<float>(GetParam(), mlp::CScratch::static_buffer);
}

TEST_P(CExportActivations, CompiledCWithCallerScratchMatchesDoubleModel) {
  expect_c_matches_library<double>(GetParam(), mlp::CScratch::caller);
}

INSTANTIATE_TEST_SUITE_P(
    CExport, CExportActivations,
    ::testing::Values(Shape{Activation::sigmoid, Activation::softmax, mlp::Task::classification},
                      Shape{Activation::tanh, Activation::softmax, mlp::Task::classification},
                      Shape{Activation::relu, Activation::softmax, mlp::Task::classification},
                      Shape{Activation::identity, Activation::softmax, mlp::Task::classification},
                      Shape{Activation::relu, Activation::sigmoid, mlp::Task::classification},
                      Shape{Activation::tanh, Activation::identity, mlp::Task::regression}));

TEST_P(CExportActivations, Int8WeightsGiveTheDequantizedModelsOutputs) {
  const Shape s = GetParam();
  const auto model = random_model<float>(s, 6, s.task == mlp::Task::classification ? 4 : 1);
  mlp::CExportOptions options;
  options.weights = mlp::CWeights::int8;
  const auto reference = dequantized(model);
  ASSERT_GT((reference.network.parameters() - model.network.parameters()).cwiseAbs().maxCoeff(),
            1e-4F);  // the quantisation changed the weights: the C must follow it
  expect_c_gives(model, reference, options);
}

TEST(CExport, ModelsWithoutScalerReadXDirectly) {
  // IDX models have no scaler: the first layer reads x; a single layer needs no scratch at all.
  auto model =
      random_model<float>({Activation::relu, Activation::softmax, mlp::Task::classification}, 6, 4);
  model.metadata.feature_scaler.reset();
  for (const auto scratch : {mlp::CScratch::static_buffer, mlp::CScratch::caller}) {
    mlp::CExportOptions options;
    options.scratch = scratch;
    expect_c_gives(model, model, options);
    EXPECT_EQ(mlp::c_source(model, options).ram_bytes, 2U * 7U * 4U);
  }
  mlp::TrainedModel<float> linear = model;
  linear.network = mlp::Sequential<float>(6);
  linear.network.add(4, Activation::softmax);
  linear.network.initialize(mlp::Initializer::normal(0.0, 0.6), 3);
  for (const auto scratch : {mlp::CScratch::static_buffer, mlp::CScratch::caller}) {
    mlp::CExportOptions options;
    options.scratch = scratch;
    expect_c_gives(linear, linear, options);
    EXPECT_EQ(mlp::c_source(linear, options).ram_bytes, 0U);
  }
}

TEST(CExport, Int8QuantisationIsSymmetricPerLayer) {
  const mlp::Int8Weights q = mlp::quantize_int8({0.5F, -1.27F, 0.01F, 0.0F, 1.0F});
  EXPECT_FLOAT_EQ(q.scale, 1.27F / 127.0F);
  EXPECT_EQ(q.q, (std::vector<std::int8_t>{50, -127, 1, 0, 100}));
  const mlp::Int8Weights zeros = mlp::quantize_int8({0.0F, 0.0F});
  EXPECT_EQ(zeros.scale, 1.0F);
  EXPECT_EQ(zeros.q, (std::vector<std::int8_t>{0, 0}));
}

TEST(CExport, Int8WeightsTakeAQuarterOfTheFlash) {
  const auto model =
      random_model<float>({Activation::relu, Activation::softmax, mlp::Task::classification}, 6, 4);
  mlp::CExportOptions options;
  const auto f32 = mlp::c_source(model, options);
  options.weights = mlp::CWeights::int8;
  const auto i8 = mlp::c_source(model, options);
  std::size_t weights = 0;
  for (std::size_t l = 0; l < 3; ++l)
    weights += static_cast<std::size_t>(model.network.weights(l).size());
  // Each weight: 4 bytes -> 1; each layer gains its 4-byte scale.
  EXPECT_EQ(f32.flash_bytes - i8.flash_bytes, 3 * weights - 3 * 4);
  EXPECT_NE(i8.source.find("static const signed char model_w0["), std::string::npos);
}

TEST(CExport, HeaderStatesFlashAndRamBytes) {
  const auto model =
      random_model<float>({Activation::relu, Activation::softmax, mlp::Task::classification}, 6, 4);
  mlp::CExportOptions options;
  options.name = "m";
  const mlp::CSource c = mlp::c_source(model, options);
  // Constants: the weights and biases, and the scaler's 2 x 6 values, 4 bytes each.
  const auto constants = static_cast<std::size_t>(model.network.parameter_count()) + 2 * 6;
  EXPECT_EQ(c.flash_bytes, constants * 4);
  EXPECT_EQ(c.ram_bytes, 2U * 7U * 4U);  // two buffers of the widest of 6 inputs, 7 and 5 units
  EXPECT_NE(c.header.find("flash " + std::to_string(c.flash_bytes) + " bytes"), std::string::npos);
  EXPECT_NE(c.header.find("RAM " + std::to_string(c.ram_bytes) + " bytes"), std::string::npos);
  EXPECT_NE(c.header.find("#define m_N_INPUTS 6"), std::string::npos);
  EXPECT_NE(c.header.find("#define m_N_OUTPUTS 4"), std::string::npos);
  EXPECT_EQ(c.source.find("malloc"), std::string::npos);
  EXPECT_NE(c.source.find("static const float m_w0[42]"), std::string::npos);
}

TEST(CExport, NameMustBeACIdentifier) {
  const auto model =
      random_model<float>({Activation::relu, Activation::softmax, mlp::Task::classification}, 3, 2);
  for (const std::string bad : {"", "9lives", "my-model", "int", "a b"}) {
    mlp::CExportOptions options;
    options.name = bad;
    EXPECT_THROW(mlp::c_source(model, options), mlp::InvalidArgument) << bad;
  }
}

TEST(CExport, MissingFoldersAreCreatedAsMkdirP) {
  const auto model =
      random_model<float>({Activation::relu, Activation::softmax, mlp::Task::classification}, 3, 2);
  TempDir dir;
  mlp::export_c(model, mlp::CExportOptions{}, dir / "absent/and/nested");
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "absent/and/nested/model.h"));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "absent/and/nested/model.c"));
}

TEST(CExport, FolderThatCannotBeCreatedIsAnErrorNamingIt) {
  const auto model =
      random_model<float>({Activation::relu, Activation::softmax, mlp::Task::classification}, 3, 2);
  TempDir dir;
  std::ofstream(dir / "file") << "x";
  for (const std::string& bad : {dir / "file", dir / "file/sub"}) {
    try {
      mlp::export_c(model, mlp::CExportOptions{}, bad);
      FAIL() << "no error for " << bad;
    } catch (const mlp::Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);  // the file
}

TEST(CExport, CompilesForCortexMWithArmNoneEabiGcc) {
  if (shell("command -v arm-none-eabi-gcc >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "arm-none-eabi-gcc is not installed (Debian: gcc-arm-none-eabi)";
  const auto model =
      random_model<float>({Activation::tanh, Activation::softmax, mlp::Task::classification}, 6, 4);
  TempDir dir;
  mlp::CExportOptions options;
  options.name = "mcu";
  mlp::export_c(model, options, dir.path().string());
  const std::string build = "cd '" + dir.path().string() +
                            "' && arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -std=c99 -Wall -Wextra "
                            "-Werror -pedantic -Os -c mcu.c -o mcu.o 2>errors.txt";
  EXPECT_EQ(shell(build), 0) << read_file(dir / "errors.txt");
}

}  // namespace
