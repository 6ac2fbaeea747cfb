// End-to-end tests of mlp train / evaluate / predict / info on the real data sets, running the
// real binary as a user would.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/preprocessing.hpp"
#include "support/datasets.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_mlp;
using mlp::test::TempDir;

using mlp::test::datasets;

std::string csv_line(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line + "\n";
}

// Writes the rows of `table` at `rows` (with its header) to `path`.
void write_rows(const mlp::CsvTable& table, const std::vector<mlp::Index>& rows,
                const std::string& path) {
  std::ofstream out(path);
  out << csv_line(table.header);
  for (mlp::Index r : rows) out << csv_line(table.rows[static_cast<std::size_t>(r)]);
}

// A held-out split of a data set into DIR/train.csv and DIR/test.csv (stratified by `target`
// for a classification, random for a regression).
void split_file(const std::string& file, const std::string& target, double test_fraction,
                const TempDir& dir) {
  const mlp::CsvTable table = mlp::read_csv(datasets + "/" + file);
  const auto data = mlp::dataset_from_csv<double>(table, target);
  mlp::Random rng(2026);
  const mlp::Split split = data.task == mlp::Task::classification
                               ? mlp::stratified_split(data.labels, test_fraction, rng)
                               : mlp::random_split(data.size(), test_fraction, rng);
  write_rows(table, split.train, dir / "train.csv");
  write_rows(table, split.test, dir / "test.csv");
}

nlohmann::json evaluate_json(const std::string& model, const std::string& data,
                             const std::string& extra = "") {
  const auto r = run_mlp("evaluate " + model + " " + data + " --json " + extra);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

TEST(CliTrain, IrisWithDefaultsReaches95PercentOnAStratified30PercentHoldOut) {
  TempDir dir;
  split_file("iris.csv", "species", 0.3, dir);
  const auto trained = run_mlp("train " + dir / "train.csv" + " --target species -o " +
                               dir / "iris.model" + " --history " + dir / "history.csv");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_TRUE(contains(trained.out, "saved")) << trained.out;
  const auto metrics = evaluate_json(dir / "iris.model", dir / "test.csv");
  EXPECT_EQ(metrics["n_samples"], 45);
  EXPECT_GE(metrics["accuracy"].get<double>(), 0.95) << metrics.dump();
  for (const char* key : {"precision", "recall", "f1", "confusion_matrix"})
    EXPECT_TRUE(metrics.contains(key)) << key;
  EXPECT_EQ(metrics["confusion_matrix"].size(), 3u);

  const std::string history = mlp::test::read_file(dir / "history.csv");
  EXPECT_EQ(history.rfind("epoch,loss,val_loss,accuracy,val_accuracy\n1,", 0), 0u) << history;

  // Predictions come back as the class names of the training data, with probabilities.
  const auto predicted = run_mlp("predict " + dir / "iris.model" + " " + dir / "test.csv" +
                                 " --proba -o " + dir / "pred.csv");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const mlp::CsvTable pred = mlp::read_csv(dir / "pred.csv");
  EXPECT_EQ(pred.header, (std::vector<std::string>{"prediction", "proba_setosa", "proba_versicolor",
                                                   "proba_virginica"}));
  ASSERT_EQ(pred.rows.size(), 45u);
  int right = 0;
  const mlp::CsvTable test = mlp::read_csv(dir / "test.csv");
  for (std::size_t i = 0; i < 45; ++i) {
    right += pred.rows[i][0] == test.rows[i][4];
    const double sum =
        std::stod(pred.rows[i][1]) + std::stod(pred.rows[i][2]) + std::stod(pred.rows[i][3]);
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  EXPECT_DOUBLE_EQ(right / 45.0, metrics["accuracy"].get<double>());

  const auto info = run_mlp("info " + dir / "iris.model");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  for (const char* part : {"4 inputs -> 64 relu -> 3 softmax", "parameters:  515",
                           "classes:     setosa, versicolor, virginica", "sepal_length",
                           "standardised", "validation", "accuracy="})
    EXPECT_TRUE(contains(info.out, part)) << part << "\n" << info.out;
}

TEST(CliTrain, DiabetesRegressionBeatsPredictingTheMean) {
  TempDir dir;
  split_file("diabetes.csv", "target", 0.3, dir);
  const auto trained =
      run_mlp("train " + dir / "train.csv" + " --target target -o " + dir / "d.model");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto metrics = evaluate_json(dir / "d.model", dir / "test.csv");
  EXPECT_EQ(metrics["n_samples"], 133);
  // R2 > 0 means better than predicting the mean of the held-out targets.
  EXPECT_GT(metrics["r2"].get<double>(), 0.3) << metrics.dump();
  EXPECT_GT(metrics["mse"].get<double>(), 0.0);
  std::printf("diabetes held-out R2 %.4f, MSE %.1f, MAE %.2f\n", metrics["r2"].get<double>(),
              metrics["mse"].get<double>(), metrics["mae"].get<double>());
  const auto predicted = run_mlp("predict " + dir / "d.model" + " " + dir / "test.csv");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  EXPECT_EQ(predicted.out.rfind("prediction\n", 0), 0u);
  EXPECT_EQ(std::count(predicted.out.begin(), predicted.out.end(), '\n'), 134);
}

// Counts y ~ Poisson(e^(0.8 x1 - 0.5 x2)): integers, which the data alone would take for classes.
std::string counts_table(int rows) {
  mlp::Random rng(5);
  std::string text = "x1,x2,visits\n";
  for (int i = 0; i < rows; ++i) {
    const double x1 = rng.uniform(-1.5, 1.5), x2 = rng.uniform(-1.5, 1.5);
    // Knuth's method: count uniform draws until their product falls below e^-rate.
    const double limit = std::exp(-std::exp(0.8 * x1 - 0.5 * x2));
    int k = 0;
    for (double p = rng.uniform(); p > limit; p *= rng.uniform()) ++k;
    text += std::to_string(x1) + "," + std::to_string(x2) + "," + std::to_string(k) + "\n";
  }
  return text;
}

TEST(CliTrain, PoissonLossFitsCountsWithAnExponentialOutput) {
  TempDir dir;
  std::ofstream(dir / "counts.csv") << counts_table(2000);
  const auto trained = run_mlp(
      "train " + dir / "counts.csv" +
      " --target visits --loss poisson --layers 8 --epochs 40 --seed 1 -o " + dir / "c.model");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_TRUE(contains(trained.out, "regression")) << trained.out;  // not 1x classes
  const auto info = run_mlp("info " + dir / "c.model");
  EXPECT_TRUE(contains(info.out, "exponential")) << info.out;
  const auto metrics = evaluate_json(dir / "c.model", dir / "counts.csv");
  // Half the mean Poisson deviance: about 0.5 at the true rate here, 0.8 for the mean count.
  EXPECT_LT(metrics["loss"].get<double>(), 0.6) << metrics.dump();
  const auto predicted = run_mlp("predict " + dir / "c.model" + " " + dir / "counts.csv");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  EXPECT_EQ(predicted.out.find('-'), std::string::npos) << "a negative rate";

  std::ofstream(dir / "negative.csv") << "x,y\n1,2\n2,-1\n3,4\n";
  const auto negative =
      run_mlp("train " + dir / "negative.csv" + " --target y --loss poisson -o " + dir / "n");
  EXPECT_EQ(negative.exit_code, 1);
  EXPECT_TRUE(contains(negative.err, "--loss poisson needs targets >= 0")) << negative.err;
  const auto classes =
      run_mlp("train " + dir / "counts.csv" +
              " --target visits --task classification --loss poisson -o " + dir / "n");
  EXPECT_EQ(classes.exit_code, 2);
  EXPECT_TRUE(contains(classes.err, "cannot be used with --task classification")) << classes.err;
}

// A table of `rows` rows with y = x1 - x2, for the size rule of the defaults.
std::string linear_table(int rows) {
  std::string text = "x1,x2,y\n";
  for (int i = 0; i < rows; ++i)
    text += std::to_string(i % 17) + "," + std::to_string(i % 5) + "," +
            std::to_string(i % 17 - i % 5) + "\n";
  return text;
}

// The small-table rule (docs/tables.md): under 500 rows every row trains, with L2 1 and Adam at
// 0.003; from 500 rows a tenth is held out; a flag the user gives wins either way.
TEST(CliTrain, DefaultsFollowTheTablesSize) {
  TempDir dir;
  std::ofstream(dir / "499.csv") << linear_table(499);
  std::ofstream(dir / "500.csv") << linear_table(500);
  const auto small = run_mlp("train " + dir / "499.csv" + " --target y --epochs 2 -o " + dir / "s");
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_TRUE(contains(small.out, "lr 0.003, L2 1,")) << small.out;
  EXPECT_TRUE(contains(small.out, "validation: none, every row trains (a small table"))
      << small.out;
  const auto small_info = run_mlp("info " + dir / "s").out;
  for (const char* part : {"l2                       1.0", "validation_fraction      0.0",
                           "learning_rate            0.003", "train                    "})
    EXPECT_TRUE(contains(small_info, part)) << part << "\n" << small_info;
  EXPECT_FALSE(contains(small_info, "validation               ")) << small_info;

  const auto large = run_mlp("train " + dir / "500.csv" + " --target y --epochs 2 -o " + dir / "l");
  ASSERT_EQ(large.exit_code, 0) << large.err;
  EXPECT_TRUE(contains(large.out, "lr 0.001, up to 2 epochs")) << large.out;
  EXPECT_TRUE(contains(large.out, "validation: 10% of the rows held out")) << large.out;
  const auto large_info = run_mlp("info " + dir / "l").out;
  EXPECT_TRUE(contains(large_info, "validation               mae=")) << large_info;
  EXPECT_FALSE(contains(large_info, "l2 ")) << large_info;

  const auto given =
      run_mlp("train " + dir / "499.csv" +
              " --target y --epochs 2 --validation 0.2 --l2 0 --lr 0.01 -o " + dir / "g");
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_TRUE(contains(given.out, "lr 0.01, up to 2 epochs")) << given.out;
  EXPECT_TRUE(contains(given.out, "validation: 20% of the rows held out")) << given.out;
}

TEST(CliTrain, PredictReadsStandardInputAndWarmStartContinues) {
  TempDir dir;
  split_file("iris.csv", "species", 0.3, dir);
  ASSERT_EQ(run_mlp("train " + dir / "train.csv" + " --target species --epochs 5 -q -o " +
                    dir / "a.model")
                .exit_code,
            0);
  const auto warm = run_mlp("train " + dir / "train.csv" + " --target species -q --epochs 50 " +
                            "--init " + dir / "a.model" + " -o " + dir / "b.model");
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  EXPECT_TRUE(warm.out.empty()) << "--quiet printed: " << warm.out;
  const auto from_stdin = run_mlp("predict " + dir / "b.model" + " -", dir / "test.csv");
  ASSERT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(std::count(from_stdin.out.begin(), from_stdin.out.end(), '\n'), 46);
}

TEST(CliTrain, SameSeedSameModelBitForBit) {
  TempDir dir;
  for (const char* name : {"a", "b"})
    ASSERT_EQ(run_mlp("train " + datasets + "/iris.csv --target species --epochs 20 -q --seed 7 " +
                      "-o " + dir / name)
                  .exit_code,
              0);
  EXPECT_EQ(mlp::test::read_file(dir / "a"), mlp::test::read_file(dir / "b"));
}

TEST(CliTrain, MnistReaches98PercentOnTheTestImages) {
  TempDir dir;
  const auto trained = run_mlp("train " + datasets + "/train-images-idx3-ubyte.gz --labels " +
                               datasets + "/train-labels-idx1-ubyte.gz --layers 256,128 " +
                               "--epochs 10 -o " + dir / "mnist.model");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto metrics = evaluate_json(dir / "mnist.model", datasets + "/t10k-images-idx3-ubyte.gz",
                                     "--labels " + datasets + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(metrics["n_samples"], 10000);
  EXPECT_GE(metrics["accuracy"].get<double>(), 0.98) << metrics.dump();
  std::printf("MNIST test accuracy %.2f%%\n", 100 * metrics["accuracy"].get<double>());
}

}  // namespace
