// Bad input to the real `mlp` binary: each case gets one clear message on stderr that says what
// and where, exit code 2 for usage errors and 1 for data errors, no crash, and no output file.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cli_runner.hpp"
#include "mlp/model/trained_model.hpp"
#include "support/datasets.hpp"

namespace {

using mlp::test::contains;
using mlp::test::files_in;
using mlp::test::run_mlp;
using mlp::test::TempDir;
using mlp::test::write_file;

using mlp::test::datasets;

// The run failed cleanly: expected code, one line on stderr naming every `parts`, nothing on
// stdout that looks like a result, and no new file in `dir`.
void expect_clean_failure(const mlp::test::RunResult& r, int code,
                          const std::vector<std::string>& parts, const TempDir& dir,
                          std::size_t files_before, const std::string& what) {
  EXPECT_EQ(r.exit_code, code) << what << "\nstderr: " << r.err;
  EXPECT_EQ(r.err.rfind("mlp: error: ", 0), 0u) << what << "\nstderr: " << r.err;
  const auto lines = std::count(r.err.begin(), r.err.end(), '\n');
  EXPECT_LE(lines, 2) << what << "\nstderr: " << r.err;  // the message (+ a usage hint)
  for (const auto& part : parts) EXPECT_TRUE(contains(r.err, part)) << what << ": " << r.err;
  EXPECT_EQ(files_in(dir.path()), files_before) << what << ": an output file was left behind";
}

struct DataCase {
  std::string name, content;
  std::vector<std::string> message_parts;
};

TEST(CliErrors, BadDataFilesExitOneWithFileLineAndColumn) {
  // Ten good rows: a column of numbers with one text cell is numeric, and the cell an error.
  std::string good_rows;
  for (int i = 0; i < 10; ++i)
    good_rows += std::to_string(i % 3) + ",2," + std::to_string(i % 2) + "\n";
  const std::vector<DataCase> cases = {
      {"empty.csv", "", {"empty.csv", "empty"}},
      {"header.csv", "a,b,y\n", {"header.csv", "no data"}},
      {"ragged.csv", "a,b,y\n1,2,0\n3,1\n", {"ragged.csv:3", "3 fields", "2"}},
      {"text.csv", "a,b,y\n" + good_rows + "3,abc,1\n", {"text.csv:12:2", "'b'", "abc"}},
      {"inf.csv", "a,b,y\n" + good_rows + "-inf,1,1\n", {"inf.csv:12:1", "inf"}},
      {"garbage.csv",
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0\0",
                   12) +
           "binary",
       {"garbage.csv"}},
  };
  for (const auto& c : cases) {
    TempDir dir;
    write_file(dir / c.name, c.content);
    const auto before = files_in(dir.path());
    const auto r = run_mlp("train " + dir / c.name + " --target y -o " + dir / "m.model");
    expect_clean_failure(r, 1, c.message_parts, dir, before, c.name);
  }
}

TEST(CliErrors, UnknownTargetAndMissingFileExitOne) {
  TempDir dir;
  auto r = run_mlp("train " + datasets + "/iris.csv --target colour -o " + dir / "m");
  expect_clean_failure(r, 1, {"colour", "species", "sepal_length"}, dir, 0, "unknown target");
  r = run_mlp("train " + dir / "missing.csv" + " --target y -o " + dir / "m");
  expect_clean_failure(r, 1, {"missing.csv"}, dir, 0, "missing file");
  r = run_mlp("train " + datasets + "/t10k-images-idx3-ubyte.gz -o " + dir / "m");
  expect_clean_failure(r, 2, {"--labels"}, dir, 0, "IDX without labels");
}

TEST(CliErrors, BadFlagValuesExitTwoNamingTheFlag) {
  TempDir dir;
  const std::string base = "train " + datasets + "/iris.csv --target species -o " + dir / "m ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--epochs -3", "--epochs"},
      {"--lr abc", "--lr"},
      {"--lr -0.1", "--lr"},
      {"--layers 0", "--layers"},
      {"--layers 64,,32", "--layers"},
      {"--layers x", "--layers"},
      {"--batch-size 0", "--batch-size"},
      {"--validation 1.5", "--validation"},
      {"--optimizer rmsprop", "--optimizer"},
      {"--activation softmax", "--activation"},
      {"--dtype f16", "--dtype"},
      {"--frobnicate", "--frobnicate"},
      {"--delimiter ab", "--delimiter"},
      {"--task clustering", "--task"},
  };
  for (const auto& [flags, flag] : cases) {
    const auto r = run_mlp(base + flags);
    expect_clean_failure(r, 2, {flag}, dir, 0, flags);
  }
  const auto no_target = run_mlp("train " + datasets + "/iris.csv -o " + dir / "m");
  expect_clean_failure(no_target, 2, {"--target"}, dir, 0, "no --target");
  const auto no_output = run_mlp("train " + datasets + "/iris.csv --target species");
  expect_clean_failure(no_output, 2, {"--output"}, dir, 0, "no -o");
}

TEST(CliErrors, UnwritableOutputIsReportedBeforeTraining) {
  TempDir dir;
  auto r = run_mlp("train " + datasets + "/iris.csv --target species -o " + dir / "no/such/m");
  expect_clean_failure(r, 1, {"no/such/m", "does not exist"}, dir, 0, "missing folder");
  EXPECT_FALSE(contains(r.out, "epoch")) << "trained before failing: " << r.out;
  r = run_mlp("train " + datasets + "/iris.csv --target species -o " + dir.path().string());
  expect_clean_failure(r, 1, {"folder"}, dir, 0, "output is a folder");
}

class CliModelErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = run_mlp("train " + datasets + "/iris.csv --target species --epochs 3 -q -o " +
                           dir_ / "good.model");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    good_ = mlp::test::read_file(dir_ / "good.model");
  }
  TempDir dir_;
  std::string good_;
};

TEST_F(CliModelErrors, DamagedOrForeignModelsExitOneForEveryCommand) {
  write_file(dir_ / "truncated.model", good_.substr(0, good_.size() / 2));
  std::string corrupted = good_;
  corrupted[12] = '\x01';
  write_file(dir_ / "corrupted.model", corrupted);
  // A valid safetensors file that is not an mlp model.
  const std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string foreign(8, '\0');
  foreign[0] = static_cast<char>(header.size());
  write_file(dir_ / "foreign.model", foreign + header + std::string(4, '\0'));
  write_file(dir_ / "empty.model", "");
  for (const char* model : {"truncated.model", "corrupted.model", "foreign.model", "empty.model"}) {
    const auto before = files_in(dir_.path());
    for (const std::string command : {"evaluate", "predict", "info"}) {
      std::string args = command + " " + dir_ / model;
      if (command != "info") args += " " + datasets + "/iris.csv";
      if (command == "predict") args += " -o " + dir_ / "out.csv";
      const auto r = run_mlp(args);
      expect_clean_failure(r, 1, {model}, dir_, before, command + " " + model);
    }
  }
}

TEST_F(CliModelErrors, DataWhoseColumnsDoNotMatchTheModelIsRejected) {
  write_file(dir_ / "other.csv", "sepal_length,sepal_width,petal_size,species\n1,2,3,setosa\n");
  const auto before = files_in(dir_.path());
  for (const std::string command : {"evaluate", "predict"}) {
    const auto r = run_mlp(command + " " + dir_ / "good.model" + " " + dir_ / "other.csv" +
                           (command == "predict" ? " -o " + dir_ / "p.csv" : ""));
    expect_clean_failure(r, 1, {"other.csv", "petal_length", "petal_width"}, dir_, before, command);
  }
  write_file(dir_ / "unknown_class.csv",
             "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,daisy\n");
  const auto r = run_mlp("evaluate " + dir_ / "good.model" + " " + dir_ / "unknown_class.csv");
  expect_clean_failure(r, 1, {"daisy"}, dir_, before + 1, "unknown class");
}

TEST(CliErrors, CtrlCStopsTrainingAndSavesTheModel) {
  TempDir dir;
  const std::string model = dir / "m.model";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string data = datasets + "/iris.csv";
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    execl(MLP_CLI_PATH, "mlp", "train", data.c_str(), "--target", "species", "--epochs", "1000000",
          "--early-stopping", "0", "-o", model.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal instead of stopping cleanly";
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const auto saved = mlp::TrainedModel<float>::load(model);
  EXPECT_EQ(saved.network.n_outputs(), 3);
  EXPECT_EQ(files_in(dir.path()), 1u);
}

}  // namespace
