// End to end: the engine's training flags of mlp train (--l2, --sample-weight, --class-weight,
// --nesterov, --lr-schedule invscaling/adaptive, --tol, --on-divergence), running the real binary.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli_runner.hpp"
#include "support/datasets.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_mlp;
using mlp::test::TempDir;

using mlp::test::datasets;

// iris.csv with a column w: `weight(row)` for each data row.
template <class Weight>
std::string iris_with_weights(const TempDir& dir, Weight weight) {
  std::ifstream in(datasets + "/iris.csv");
  std::ofstream out(dir / "weighted.csv");
  std::string line;
  std::getline(in, line);
  out << line << ",w\n";
  for (int row = 0; std::getline(in, line); ++row) out << line << "," << weight(row) << "\n";
  return dir / "weighted.csv";
}

TEST(CliEngine, DivergenceStopsWithItsExitCodeAndALoadableFiniteModel) {
  TempDir dir;
  const auto r = run_mlp("train " + datasets +
                         "/diabetes.csv --target target --optimizer sgd --lr 1000 "
                         "--lr-schedule constant --epochs 20 -q -o " +
                         dir / "m.model");
  ASSERT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(contains(r.err, "training diverged at epoch ")) << r.err;
  EXPECT_TRUE(contains(r.err, "Likely cause: ")) << r.err;
  EXPECT_TRUE(contains(r.err, "--lr")) << r.err;
  EXPECT_TRUE(contains(r.err, "--on-divergence rollback")) << r.err;
  // The model written is the last good epoch's: it loads and predicts numbers, never NaN.
  ASSERT_EQ(run_mlp("info " + dir / "m.model").exit_code, 0);
  const auto p = run_mlp("predict " + dir / "m.model" + " " + datasets + "/diabetes.csv");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_FALSE(contains(p.out, "nan")) << p.out.substr(0, 200);
  EXPECT_FALSE(contains(p.out, "inf")) << p.out.substr(0, 200);
}

TEST(CliEngine, RollbackHalvesTheLearningRateAndFinishes) {
  TempDir dir;
  const auto r = run_mlp("train " + datasets +
                         "/diabetes.csv --target target --optimizer sgd --lr 1000 "
                         "--lr-schedule constant --epochs 20 -q --on-divergence rollback "
                         "--max-rollbacks 40 --history " +
                         dir / "h.csv" + " -o " + dir / "m.model");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(mlp::test::read_file(dir / "h.csv"), "\n20,")) << "not all 20 epochs ran";
}

// A run that diverges after some good epochs keeps their history (tanh at 0.5 diverges in epoch 2,
// with a validation part and no L2, not the small-table defaults).
TEST(CliEngine, DivergenceKeepsTheHistoryOfTheEpochsThatRan) {
  TempDir dir;
  const auto r =
      run_mlp("train " + datasets +
              "/diabetes.csv --target target --activation tanh --optimizer sgd --lr 0.5 "
              "--lr-schedule constant --epochs 100 --early-stopping 0 --validation 0.1 --l2 0 "
              "-q --history " +
              dir / "h.csv" + " -o " + dir / "m.model");
  ASSERT_EQ(r.exit_code, 4) << r.err;
  ASSERT_TRUE(contains(r.err, "diverged at epoch 2,")) << r.err;
  EXPECT_TRUE(contains(mlp::test::read_file(dir / "h.csv"), "\n1,")) << "epoch 1 not recorded";
}

TEST(CliEngine, SklearnStyleFlagsTrainAndAreRecorded) {
  TempDir dir;
  const auto r = run_mlp("train " + datasets +
                         "/iris.csv --target species --optimizer momentum --nesterov --l2 0.01 "
                         "--class-weight balanced --lr-schedule invscaling --power-t 0.25 "
                         "--tol 1e-4 --n-iter-no-change 5 --epochs 30 -q -o " +
                         dir / "m.model");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto info = run_mlp("info " + dir / "m.model");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const std::string model = mlp::test::read_file(dir / "m.model");
  for (const char* setting : {"\\\"l2\\\":0.01", "\\\"nesterov\\\":true", "\\\"power_t\\\":0.25",
                              "\\\"class_weight\\\":\\\"balanced\\\"", "invscaling"})
    EXPECT_TRUE(contains(model, setting)) << setting;
  const auto adaptive = run_mlp("train " + datasets +
                                "/iris.csv --target species --optimizer sgd --lr-schedule adaptive "
                                "--epochs 5 -q -o " +
                                dir / "a.model");
  EXPECT_EQ(adaptive.exit_code, 0) << adaptive.err;
  const auto bad =
      run_mlp("train " + datasets + "/iris.csv --target species --nesterov -o " + dir / "b.model");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "--nesterov needs --optimizer momentum")) << bad.err;
}

TEST(CliEngine, SampleWeightColumnWeighsRowsAndIsNotAFeature) {
  TempDir dir;
  const std::string ones = iris_with_weights(dir, [](int) { return 1; });
  const std::string common = " --target species --epochs 5 --seed 3 -q -o ";
  ASSERT_EQ(run_mlp("train " + datasets + "/iris.csv" + common + dir / "plain.model").exit_code, 0);
  const auto weighted =
      run_mlp("train " + ones + " --sample-weight w" + common + dir / "ones.model");
  ASSERT_EQ(weighted.exit_code, 0) << weighted.err;
  // Weights of 1 change nothing: the same predictions, from the same 4 features.
  const auto a = run_mlp("predict --proba " + dir / "plain.model" + " " + datasets + "/iris.csv");
  const auto b = run_mlp("predict --proba " + dir / "ones.model" + " " + datasets + "/iris.csv");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  // Other weights change the model.
  const std::string uneven = iris_with_weights(dir, [](int row) { return row % 3; });
  ASSERT_EQ(run_mlp("train " + uneven + " --sample-weight w" + common + dir / "u.model").exit_code,
            0);
  const auto c = run_mlp("predict --proba " + dir / "u.model" + " " + datasets + "/iris.csv");
  EXPECT_NE(a.out, c.out);
  // A bad weight names its place.
  const std::string bad = iris_with_weights(dir, [](int row) { return row == 4 ? -1 : 1; });
  const auto e = run_mlp("train " + bad + " --sample-weight w" + common + dir / "e.model");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_TRUE(contains(e.err, "weighted.csv:6:6: column 'w': '-1' is not a sample weight"))
      << e.err;
}

// A float32 model that mlp train wrote passes the check of its own data: before the rounding floor
// (nn/gradcheck.hpp), seeds 3 and 4 failed with 1.2e-06 on gradients of 1e-6.
TEST(CliEngine, GradcheckPassesTrainedFloatModels) {
  TempDir dir;
  for (const char* seed : {"3", "4"}) {
    const std::string model = dir / (std::string("d") + seed + ".model");
    ASSERT_EQ(run_mlp("train " + datasets + "/diabetes.csv --target target -q --seed " + seed +
                      " -o " + model)
                  .exit_code,
              0);
    const auto check = run_mlp("gradcheck " + model + " --data " + datasets + "/diabetes.csv");
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_TRUE(contains(check.out, "OK: max relative error")) << check.out;
  }
}

}  // namespace
