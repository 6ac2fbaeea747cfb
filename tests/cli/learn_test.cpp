// End-to-end tests of the learner's commands, running the real binary: mlp gradcheck, mlp explain
// and mlp sweep, their outputs, and their exit codes on bad input (2: usage, 1: data or model,
// 3: gradcheck's gradients disagree).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_runner.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_mlp;
using mlp::test::TempDir;
using mlp::test::write_file;

// Three well separated classes in two features, 30 rows.
std::string blobs_csv() {
  std::string text = "x1,x2,label\n";
  const char* names[] = {"red", "green", "blue"};
  for (int i = 0; i < 30; ++i) {
    const int c = i % 3;
    const double jitter = 0.1 * ((i * 7) % 5 - 2);
    text += std::to_string(2.0 * c + jitter) + "," + std::to_string((c == 1 ? 2.0 : 0.0) - jitter) +
            "," + names[c] + "\n";
  }
  return text;
}

int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// A usage or data error: one message naming `expected`, and nothing on stdout.
void expect_error(const std::string& args, int code, const std::string& expected) {
  const auto r = run_mlp(args);
  EXPECT_EQ(r.exit_code, code) << args << "\n" << r.out << r.err;
  EXPECT_EQ(r.err.rfind("mlp: error: ", 0), 0u) << args << ": " << r.err;
  EXPECT_TRUE(contains(r.err, expected)) << args << ": " << r.err;
  EXPECT_LE(count_lines(r.err), 2) << args << ": " << r.err;
}

// ---- gradcheck ----

TEST(CliGradcheck, ChaptersNetworkAgrees) {
  const auto r = run_mlp("gradcheck");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "2-3-1 network (sigmoid hidden, sigmoid output), sse loss")) << r.out;
  EXPECT_TRUE(contains(r.out, "4th-order central differences")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n1      2x3               9        0")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n2      3x1               4        0")) << r.out;
  EXPECT_TRUE(contains(r.out, "OK: max relative error ")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliGradcheck, OtherNetworksDataAndEveryParameter) {
  auto r = run_mlp("gradcheck --xor --all");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "the chapter's XOR table")) << r.out;
  EXPECT_TRUE(contains(r.out, "W2[3][1] ")) << r.out;
  EXPECT_TRUE(contains(r.out, "b1[2] ")) << r.out;

  r = run_mlp(
      "gradcheck --inputs 4 --layers 5,4 --activation tanh --outputs 3 --output-activation "
      "softmax --loss categorical_crossentropy --weights glorot_uniform --samples 6 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "4-5-4-3 network (tanh hidden, softmax output)")) << r.out;
  EXPECT_TRUE(contains(r.out, "6 random samples")) << r.out;

  r = run_mlp(
      "gradcheck --layers 6 --activation relu --output-activation identity --loss mse "
      "--weights he_normal --inputs 3");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "(relu hidden, identity output)")) << r.out;
}

TEST(CliGradcheck, AboveTheToleranceExitsThree) {
  const auto r = run_mlp("gradcheck --tolerance 1e-30");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "FAILED: max relative error ")) << r.out;
  EXPECT_TRUE(contains(r.out, "> tolerance 1e-30")) << r.out;
}

TEST(CliGradcheck, ModelFilesAndCsvData) {
  TempDir dir;
  const std::string model = dir / "xor.safetensors";
  ASSERT_EQ(run_mlp("demo xor --iterations 50 --print-every 0 --save " + model).exit_code, 0);
  auto r = run_mlp("gradcheck " + model + " --xor");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "model " + model)) << r.out;

  const std::string csv = dir / "blobs.csv";
  write_file(csv, blobs_csv());
  r = run_mlp("gradcheck --data " + csv + " --target label --layers 4");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "2-4-3 network")) << r.out;
  EXPECT_TRUE(contains(r.out, "(30 samples)")) << r.out;

  // A model from `mlp train` is checked on the data as it was trained: scaled, one-hot.
  const std::string trained = dir / "blobs.safetensors";
  const auto t = run_mlp("train " + csv + " --target label -o " + trained +
                         " --layers 5 --activation tanh --epochs 3 --dtype f64 -q");
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  r = run_mlp("gradcheck " + trained + " --data " + csv);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "prepared as the model was trained")) << r.out;
}

TEST(CliGradcheck, BadInputExitsWithOneMessage) {
  TempDir dir;
  const std::string model = dir / "xor.safetensors";
  ASSERT_EQ(run_mlp("demo xor --iterations 1 --print-every 0 --save " + model).exit_code, 0);
  write_file(dir / "junk.safetensors", "this is not a model");
  // x2 is a column of numbers (ten of eleven) with one text cell on line 12.
  write_file(dir / "bad.csv",
             "x1,x2,y\n1,2,a\n2,3,b\n3,1,a\n4,5,b\n5,2,a\n6,3,b\n7,1,a\n8,4,b\n"
             "9,2,a\n10,5,b\n3,oops,b\n");
  write_file(dir / "blobs.csv", blobs_csv());

  expect_error("gradcheck --layers 3,x", 2, "--layers");
  expect_error("gradcheck --tolerance 0", 2, "--tolerance");
  expect_error("gradcheck --step abc", 2, "--step");
  expect_error("gradcheck --weights gauss", 2, "--weights");
  expect_error("gradcheck --activation softplus", 2, "--activation");
  expect_error("gradcheck --loss categorical_crossentropy", 2, "softmax");
  expect_error("gradcheck " + model + " --layers 4", 2, "--layers");
  expect_error("gradcheck " + model + " --inputs 4", 2, "--inputs");
  expect_error("gradcheck --xor --inputs 3", 2, "--inputs");
  expect_error("gradcheck --xor --output-activation softmax --outputs 2", 2, "--outputs");
  expect_error("gradcheck --data " + dir / "blobs.csv", 2, "--target");
  expect_error("gradcheck " + dir / "missing.safetensors", 1, "missing.safetensors");
  expect_error("gradcheck " + dir / "junk.safetensors", 1, "junk.safetensors");
  expect_error("gradcheck --data " + dir / "bad.csv" + " --target y", 1, "bad.csv:12");
  expect_error("gradcheck --data " + dir / "nothere.csv" + " --target y", 1, "nothere.csv");
  expect_error("gradcheck " + model + " --data " + dir / "blobs.csv" + " --target label", 1,
               "3 classes do not fit a network with 1 output");
}

// ---- explain ----

// The number after the last " = " on the line that starts with `start`.
double value_on_line(const std::string& text, const std::string& start) {
  const auto at = text.find("\n" + start);
  if (at == std::string::npos) return NAN;
  const auto end = text.find('\n', at + 1);
  const std::string line = text.substr(at + 1, end - at - 1);
  return std::stod(line.substr(line.rfind(" = ") + 3));
}

TEST(CliExplain, ChaptersStepIsTheLibrarysFitStep) {
  const auto r = run_mlp("explain --digits 17");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* part :
       {"2-3-1 network: (L-1) 3 sigmoid units, (L) 1 sigmoid unit", "example: x = (1, 1), y = (0)",
        "1. Forward pass", "2. Error", "3. Backward pass",
        "dE/da_1(L) = a_1(L) - y_1 = ", "da_1(L)/dz_1(L) = a_1(L) (1 - a_1(L)) = ",
        "dE/da_1(L-1) = sum_j dE/dz_j(L) w_j1(L) = ", "4. Update"})
    EXPECT_TRUE(contains(r.out, part)) << part << "\n" << r.out;

  // The same step with the library: the chapter's network, seed 0, one epoch of fit.
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer::uniform(0.0, 1.0), 0);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  mlp::Matrix<double> X(1, 2), Y(1, 1);
  X << 1, 1;
  Y << 0;
  mlp::Workspace<double> ws;
  mlp::Sequential<double> grad = net;
  const double E = grad.compute_gradients(X, Y, ws);
  mlp::FitOptions options;
  options.epochs = 1;
  net.fit(X, Y, options);
  EXPECT_EQ(value_on_line(r.out, "  E = "), E);
  EXPECT_EQ(value_on_line(r.out, "  dE/dw_12(L) = "), grad.weight_gradients(1)(1, 0));
  EXPECT_EQ(value_on_line(r.out, "  dE/dw_31(L-1) = "), grad.weight_gradients(0)(0, 2));
  EXPECT_EQ(value_on_line(r.out, "  w_12(L) = "), net.weights(1)(1, 0));
  EXPECT_EQ(value_on_line(r.out, "  w_31(L-1) = "), net.weights(0)(0, 2));
  EXPECT_EQ(value_on_line(r.out, "  b_2(L-1) = "), net.bias(0)(1));
}

TEST(CliExplain, MarkdownToAFileAndAModelsWeights) {
  TempDir dir;
  const std::string model = dir / "xor.safetensors";
  ASSERT_EQ(run_mlp("demo xor --iterations 100 --print-every 0 --save " + model).exit_code, 0);
  auto r = run_mlp("explain --init " + model + " --x 0,1 --y 1 --eta 0.5 --format markdown -o " +
                   dir / "step.md");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const std::string md = mlp::test::read_file(dir / "step.md");
  EXPECT_EQ(md.rfind("## One training step (weights from " + model + ")", 0), 0u) << md;
  EXPECT_TRUE(contains(md, "| layer | unit | ∂E/∂a | ∂a/∂z | ∂E/∂z = ∂E/∂a × ∂a/∂z |")) << md;
  EXPECT_TRUE(contains(md, "(η = 0.5)")) << md;

  r = run_mlp(
      "explain --layers 2,2 --activation tanh --loss mse --x 0.5,-1,2 --y 1,0 "
      "--output-activation sigmoid --weights normal:0:0.5 --seed 7");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "3-2-2-2 network: (L-2) 2 tanh units, (L-1) 2 tanh units, (L) 2 "
                       "sigmoid units; mse loss"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "m indexes the units of (L-2)")) << r.out;
}

TEST(CliExplain, BadInputExitsWithOneMessage) {
  TempDir dir;
  const std::string model = dir / "xor.safetensors";
  ASSERT_EQ(run_mlp("demo xor --iterations 1 --print-every 0 --save " + model).exit_code, 0);
  expect_error("explain --x 1,a", 2, "--x");
  expect_error("explain --y ''", 2, "--y");
  expect_error("explain --eta -1", 2, "--eta");
  expect_error("explain --format html", 2, "--format");
  expect_error("explain --digits 40", 2, "--digits");
  expect_error("explain --layers 100", 2, "at most 64 units");
  expect_error("explain --init " + model + " --x 1,2,3", 2, "--x has 3 values");
  expect_error("explain --init " + model + " --layers 4", 2, "--layers");
  expect_error("explain --init " + dir / "missing.safetensors", 1, "missing.safetensors");
  expect_error("explain -o " + dir / "no/such/folder/step.txt", 1, "does not exist");
}

// ---- sweep ----

TEST(CliSweep, SmallGridTableAndCsv) {
  TempDir dir;
  const auto r = run_mlp(
      "sweep --seeds 10 --eta 0.5,2 --hidden 2,3 --weights uniform,glorot "
      "--iterations 2000 --threads 2 --csv " +
      dir / "cells.csv" + " --runs " + dir / "runs.csv" + " --svg " + dir / "sweep.svg");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "mlp sweep: XOR")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "10 seeds x 2 learning rates x 2 hidden sizes x 2 initializers x "
                       "1 optimizers = 80 trainings"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "initializer uniform:0:1, optimizer gd")) << r.out;
  EXPECT_TRUE(contains(r.out, "initializer glorot_uniform, optimizer gd")) << r.out;
  EXPECT_TRUE(contains(r.out, "hidden \\ eta")) << r.out;
  EXPECT_TRUE(contains(r.out, "80 trainings in ")) << r.out;
  const std::string cells = mlp::test::read_file(dir / "cells.csv");
  EXPECT_EQ(count_lines(cells), 1 + 8) << cells;
  EXPECT_EQ(cells.rfind("initializer,optimizer,learning_rate,hidden,runs,solved,share,", 0), 0u);
  EXPECT_EQ(count_lines(mlp::test::read_file(dir / "runs.csv")), 1 + 80);
  const std::string svg = mlp::test::read_file(dir / "sweep.svg");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << svg.substr(0, 200);
  EXPECT_TRUE(contains(svg, "Seeds reaching 100% accuracy on XOR")) << svg.substr(0, 2000);
}

TEST(CliSweep, ChaptersSettingMatchesTheDemosSeeds) {
  const auto sweep = run_mlp("sweep --eta 0.1 --hidden 3");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.out << sweep.err;
  const auto at = sweep.out.find("the chapter's setting");
  ASSERT_NE(at, std::string::npos) << sweep.out;
  const auto colon = sweep.out.find("): ", at);
  const int solved = std::stoi(sweep.out.substr(colon + 3));
  EXPECT_TRUE(contains(sweep.out, "the chapter's NumPy code: 81/100")) << sweep.out;
  EXPECT_TRUE(contains(sweep.out, "95% CI")) << sweep.out;

  const auto demo = run_mlp("demo xor --seeds 100");
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  const auto seeds = demo.out.find("seeds 0..99: ");
  ASSERT_NE(seeds, std::string::npos) << demo.out;
  EXPECT_EQ(solved, std::stoi(demo.out.substr(seeds + 13)));
}

TEST(CliSweep, CsvDataWithSeveralClasses) {
  TempDir dir;
  write_file(dir / "blobs.csv", blobs_csv());
  const auto r = run_mlp("sweep " + dir / "blobs.csv" +
                         " --target label --seeds 3 --eta 0.5 --hidden 4 --iterations 300 "
                         "--accuracy 0.9");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "(30 samples, 2 standardised features, 3 classes)")) << r.out;
  EXPECT_TRUE(contains(r.out, "softmax output), categorical_crossentropy loss")) << r.out;
  EXPECT_TRUE(contains(r.out, "target accuracy 90.0%")) << r.out;
  EXPECT_TRUE(contains(r.out, "(0 by the tiny-network fast path)")) << r.out;
}

TEST(CliSweep, BadInputExitsWithOneMessage) {
  TempDir dir;
  write_file(dir / "bad.csv", "x1,x2,y\n1,2,a\n3,4\n");
  write_file(dir / "values.csv", "x,y\n1,0.5\n2,1.25\n3,2.125\n4,3.5\n5,4.75\n6,5.5\n");
  write_file(dir / "blobs.csv", blobs_csv());
  expect_error("sweep --eta 0.1,0", 2, "--eta");
  expect_error("sweep --eta 0.1,", 2, "--eta");
  expect_error("sweep --hidden 2,x", 2, "--hidden");
  expect_error("sweep --weights gauss", 2, "--weights");
  expect_error("sweep --optimizer sgd", 2, "--optimizer");
  expect_error("sweep --accuracy 1.5", 2, "--accuracy");
  expect_error("sweep --seeds 0", 2, "--seeds");
  expect_error("sweep --threads -1", 2, "--threads");
  expect_error("sweep --loss categorical_crossentropy", 2, "softmax");
  expect_error("sweep " + dir / "blobs.csv", 2, "--target");
  expect_error("sweep " + dir / "missing.csv --target y", 1, "missing.csv");
  expect_error("sweep " + dir / "bad.csv --target y", 1, "bad.csv:3");
  expect_error("sweep " + dir / "values.csv --target y", 1, "regression");
  const auto r = run_mlp("sweep --seeds 2 --csv " + dir / "no/such/folder/c.csv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "does not exist")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;  // refused before training
}

}  // namespace
