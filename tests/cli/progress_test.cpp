// End-to-end tests of what `mlp train` and `mlp evaluate` show a person: regression errors in the
// target's units, the same number formats in both commands, and a progress line that fits the
// terminal (run under a pseudo-terminal by util-linux's `script`).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli_runner.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_mlp;
using mlp::test::TempDir;

// `rows` rows of `features` inputs and a target y = 1000 * (x0 - x1) + 5000 + a ripple: a target
// whose units are far from the standardised loss's.
std::string regression_table(int rows, int features) {
  std::ostringstream text;
  for (int j = 0; j < features; ++j) text << "x" << j << ",";
  text << "y\n";
  for (int i = 0; i < rows; ++i) {
    std::vector<double> x(static_cast<std::size_t>(features));
    for (int j = 0; j < features; ++j) x[static_cast<std::size_t>(j)] = (i * (j + 3) % 17) / 17.0;
    for (double v : x) text << v << ",";
    text << 1000 * (x[0] - x[1]) + 5000 + 50 * std::sin(i) << "\n";
  }
  return text.str();
}

// The number after `label ` in the last line of `text` that has it.
double last_value(const std::string& text, const std::string& label) {
  const auto at = text.rfind(label + " ");
  EXPECT_NE(at, std::string::npos) << label << " not in\n" << text;
  return at == std::string::npos ? NAN : std::stod(text.substr(at + label.size() + 1));
}

TEST(CliProgress, RegressionErrorsAreInTheTargetsUnitsInTrainAndEvaluate) {
  TempDir dir;
  std::ofstream(dir / "t.csv") << regression_table(300, 3);
  // No early stopping: the model saved is the last epoch's, whose validation RMSE the last
  // progress line shows.
  const auto r =
      run_mlp("train " + dir / "t.csv" +
              " --target y --epochs 30 --validation 0.2 --early-stopping 0 -o " + dir / "m");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string last_epoch = r.out.substr(r.out.find("epoch 30/30"));
  for (const char* part : {"rmse ", "val_rmse ", "loss ", "val_loss "})
    EXPECT_TRUE(contains(last_epoch, part)) << part << "\n" << r.out;
  const double val_rmse = last_value(last_epoch.substr(0, last_epoch.find('\n')), "val_rmse");
  const std::string summary = r.out.substr(r.out.find("\nvalidation "));
  EXPECT_NEAR(last_value(summary, "rmse"), val_rmse, 1e-3 * val_rmse) << r.out;
  // The RMSE is in the target's units, not the standardised loss's: the target's spread is ~400.
  EXPECT_GT(val_rmse, 1.0) << r.out;
  EXPECT_NEAR(val_rmse, 0.0, 1000.0) << r.out;

  // evaluate: the numbers of train's summary in the same format, and the standardised loss.
  const auto whole = run_mlp("train " + dir / "t.csv" + " --target y --epochs 30 --validation 0" +
                             " -o " + dir / "w");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const auto e = run_mlp("evaluate " + dir / "w" + " " + dir / "t.csv");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const std::string train_line = whole.out.substr(whole.out.find("\ntrain ") + 1);
  const std::string metrics = train_line.substr(11, train_line.find('\n') - 11);
  EXPECT_EQ(e.out.substr(0, e.out.find('\n')), metrics) << whole.out << "\n" << e.out;
  EXPECT_TRUE(std::regex_search(metrics, std::regex(R"(^rmse \S+  mae \S+  r2 \S+  \(300)")))
      << metrics;
  EXPECT_TRUE(contains(e.out, "\nloss ")) << e.out;
  const auto json =
      nlohmann::json::parse(run_mlp("evaluate " + dir / "w" + " " + dir / "t.csv" + " --json").out);
  const double mse = json["mse"].get<double>();
  EXPECT_NEAR(json["rmse"].get<double>(), std::sqrt(mse), 1e-9 * mse);
  // loss = mse / target_scale^2, target_scale the training targets' standard deviation.
  const double scale = std::sqrt(mse / json["loss"].get<double>());
  EXPECT_GT(scale, 100.0);
  EXPECT_LT(scale, 1000.0);
}

// Runs `mlp ARGS` in a pseudo-terminal after `setup` (shell commands such as `stty cols 60`) and
// returns what it wrote, split at every carriage return and newline, without the
// erase-line escape.
std::vector<std::string> terminal_lines(const std::string& setup, const std::string& args,
                                        const TempDir& dir) {
  const std::string command = "script -qec \"" + setup + "; '" + std::string(MLP_CLI_PATH) + "' " +
                              args + "\" '" + dir / "typescript" + "' >/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::string text = mlp::test::read_file(dir / "typescript");
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\r' || c == '\n') {
      if (!line.empty()) lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  for (auto& l : lines)
    if (l.rfind("\x1b[K", 0) == 0) l.erase(0, 3);
  return lines;
}

bool has_script() {
  return std::filesystem::exists("/usr/bin/script");
}

TEST(CliProgress, TheLineFitsTheTerminalAndMovesWithinAnEpoch) {
  if (!has_script()) GTEST_SKIP() << "needs util-linux's script for a pseudo-terminal";
  TempDir dir;
  // Epochs long enough (thousands of small batches through wide layers) to be redrawn within, once
  // every 100 ms: 3,000 batches, about 0.3 s on a Zen 5 core pair with AVX-512 (8,000 rows took
  // under 0.1 s there and drew no line within the epoch).
  std::ofstream(dir / "big.csv") << regression_table(24000, 10);
  const std::string args = "train " + dir / "big.csv" +
                           " --target y --epochs 1 --batch-size 8 --layers 256,256 -o " + dir / "m";
  for (const auto& [setup, width] : {std::pair<std::string, std::size_t>{"stty cols 80", 80},
                                     {"stty cols 60", 60},
                                     {"stty cols 200; export COLUMNS=50", 50}}) {
    const auto lines = terminal_lines(setup, args, dir);
    bool within_epoch = false, rmse = false, rate = false;
    for (const std::string& line : lines) {
      if (line.rfind("epoch ", 0) != 0) continue;
      EXPECT_LT(line.size(), width) << setup << ": " << line;
      const std::smatch m = [&] {
        std::smatch match;
        std::regex_search(line, match, std::regex(R"( (\d+)%)"));
        return match;
      }();
      if (!m.empty() && std::stoi(m[1]) > 0 && std::stoi(m[1]) < 100) within_epoch = true;
      rmse = rmse || contains(line, "rmse ");
      rate = rate || contains(line, "samples/s") || contains(line, " left");
    }
    EXPECT_TRUE(within_epoch) << setup << ": no line drawn within an epoch";
    EXPECT_TRUE(rate) << setup << ": no speed or time left";
    if (width >= 60) {
      EXPECT_TRUE(rmse) << setup << ": no rmse";
    }
  }
}

TEST(CliProgress, SaysWhenTheSecondThreadDidNotPay) {
  if (!std::filesystem::exists("/usr/bin/taskset")) GTEST_SKIP() << "needs util-linux's taskset";
  TempDir dir;
  std::ofstream(dir / "t.csv") << regression_table(8000, 10);
  // Both threads on one CPU: the second can never pay, and the pool runs the jobs alone (wide
  // layers, so that the products are shared at all: about 1,500 jobs).
  auto train = [&](int threads) {
    return mlp::test::run_command("taskset -c 0 '" + std::string(MLP_CLI_PATH) + "' train " +
                                  dir / "t.csv" + " --target y --layers 256,256 --batch-size 256" +
                                  " --epochs 5 --threads " + std::to_string(threads) + " -o " +
                                  dir / "m");
  };
  const auto two = train(2);
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_TRUE(std::regex_search(
      two.out, std::regex("threads: [0-9]+% of the parallel work ran on one of the 2 threads")))
      << two.out;
  const auto one = train(1);
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_FALSE(contains(one.out, "threads:")) << one.out;
}

}  // namespace
