// `mpirun -np N mlp train ...` end to end: one model whatever N, written by rank 0 alone; and the
// launcher's environment read with clear errors. Runs mpiexec (found by CMake) on 1 to 3 processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "cli/cli_runner.hpp"
#include "mlp/core/random.hpp"
#include "support/datasets.hpp"
#include "support/files.hpp"
#include "support/idx_files.hpp"

namespace {

using mlp::test::iris_csv;

using mlp::test::contains;
using mlp::test::read_file;
using mlp::test::RunResult;
using mlp::test::TempDir;

// Runs `PREFIX mlp ARGS` through the shell: PREFIX sets the environment or starts mpiexec.
RunResult run_with(const std::string& prefix, const std::string& args) {
  std::string line = prefix;
  for (const std::string& piece :
       {std::string(" '"), std::string(MLP_CLI_PATH), std::string("' "), args})
    line += piece;
  return mlp::test::run_command(line);
}

#ifdef MLP_TEST_MPIEXEC
// mpiexec with N processes; Open MPI refuses root (CI) and more processes than cores unless told.
std::string mpiexec(int processes) {
  return "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 '" +
         std::string(MLP_TEST_MPIEXEC) + "' -n " + std::to_string(processes) + " " +
         MLP_TEST_MPIEXEC_FLAGS;
}

// `mlp ARGS -o DIR/modelN --history DIR/modelN.csv` on N = 1, 2 and 3 processes: each run must
// succeed and pass check(N, its result), and the three model files and histories must be the same
// bytes. Returns the runs (index N) for what a test compares besides.
std::vector<RunResult> expect_same_model_on_one_two_three(
    const TempDir& dir, const std::string& args,
    const std::function<void(int, const RunResult&)>& check) {
  std::vector<RunResult> runs(4);
  std::string model[4], history[4];
  for (int n = 1; n <= 3; ++n) {
    const std::string out = dir / ("model" + std::to_string(n));
    runs[n] = run_with(mpiexec(n), args + " -o '" + out + "' --history '" + out + ".csv'");
    EXPECT_EQ(runs[n].exit_code, 0) << runs[n].err;
    if (runs[n].exit_code != 0) return runs;
    check(n, runs[n]);
    model[n] = read_file(out);
    history[n] = read_file(out + ".csv");
    EXPECT_FALSE(model[n].empty());
  }
  EXPECT_TRUE(model[2] == model[1]);
  EXPECT_TRUE(model[3] == model[1]);
  EXPECT_EQ(history[2], history[1]);
  EXPECT_EQ(history[3], history[1]);
  return runs;
}

// The same command on 1, 2 and 3 processes: the same model file and history, bit for bit, with
// early stopping on a validation split; rank 0 alone prints and writes. Batches of 96 rows are 3
// blocks of 32 (FitOptions::gradient_block_rows): one per rank on 3.
TEST(DistributedTrain, SameModelOnAnyNumberOfProcesses) {
  TempDir dir;
  expect_same_model_on_one_two_three(
      dir,
      "train '" + iris_csv +
          "' --target species --epochs 40 --batch-size 96 --validation 0.3 --early-stopping 3 "
          "--lr 0.05 --seed 4 --threads 1 --layers 16",
      [](int n, const RunResult& r) {
        EXPECT_EQ(r.err, "");
        // One "saved" line: the other ranks print nothing.
        EXPECT_EQ(r.out.find("saved"), r.out.rfind("saved")) << r.out;
        // The plan names the processes when there are several.
        EXPECT_EQ(contains(r.out, "on " + std::to_string(n) + " processes"), n > 1) << r.out;
      });
}

// MNIST-shaped data: 400 images of 6x6 pixels in 3 classes (a bright band whose row is the
// class, and noise), raw images and gzipped labels, as IDX files in `dir`.
void write_banded_idx(const TempDir& dir) {
  constexpr int kImages = 400, kSide = 6;
  mlp::Random random(3);
  std::string pixels, labels;
  for (int i = 0; i < kImages; ++i) {
    const int label = static_cast<int>(random.below(3));
    labels.push_back(static_cast<char>(label));
    for (int p = 0; p < kSide * kSide; ++p) {
      const int noise = static_cast<int>(random.below(90));
      pixels.push_back(static_cast<char>(p / kSide == 2 * label ? 160 + noise : noise));
    }
  }
  dir.file("images.idx", mlp::test::idx(2051, {kImages, kSide, kSide}, pixels));
  dir.gzip_file("labels.idx.gz", mlp::test::idx(2049, {kImages}, labels));
}

// IDX data under mpiexec: each process reads only its shard (the records of its stripes), and
// the model file is the same on 1, 2 and 3 processes, bit for bit, with a validation split held
// out within each stripe and early stopping. Batches of 96 rows are 3 stripes of 32 rows.
TEST(DistributedTrain, IdxShardsGiveTheSameModelOnAnyNumberOfProcesses) {
  TempDir dir;
  write_banded_idx(dir);
  expect_same_model_on_one_two_three(
      dir,
      "train '" + (dir / "images.idx") + "' --labels '" + (dir / "labels.idx.gz") +
          "' --epochs 30 --batch-size 96 --validation 0.2 --early-stopping 3 --lr 0.02 --seed 4 "
          "--threads 1 --layers 12",
      [](int n, const RunResult& r) {
        EXPECT_EQ(r.err, "");
        EXPECT_TRUE(contains(r.out, "400 samples")) << r.out;
        EXPECT_EQ(contains(r.out, "each reading its shard"), n > 1) << r.out;
      });
  // It learnt the bands: the model's accuracy on the 400 images.
  const RunResult evaluated = mlp::test::run_command(
      "'" + std::string(MLP_CLI_PATH) + "' evaluate '" + (dir / "model1") + "' '" +
      (dir / "images.idx") + "' --labels '" + (dir / "labels.idx.gz") + "'");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_TRUE(contains(evaluated.out, "accuracy 9") || contains(evaluated.out, "accuracy 100"))
      << evaluated.out;
}

// `mlp FLAGS` on 1 process (DIR/whole); on 2 (DIR/killed) with rank 1 killed (SIGKILL) once rank 0
// has written the checkpoint DIR/run.ckpt, which must end the run, not hang it; then resumed from
// that checkpoint on 3 processes (DIR/resumed): the bytes of the run never stopped.
void expect_killed_run_resumes_on_three(const std::string& flags, const TempDir& dir) {
  const std::string checkpoint = dir / "run.ckpt";
  const RunResult whole = run_with(mpiexec(1), flags + " -o '" + (dir / "whole") + "'");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const std::string wrapper =
      "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then (while [ ! -f \"$0\" ]; do sleep "
      "0.02; done; kill -9 $$) & fi; exec \"$@\"' '" +
      checkpoint + "'";
  const RunResult killed =
      run_with("timeout 120 " + mpiexec(2) + " " + wrapper,
               flags + " -o '" + (dir / "killed") + "' --checkpoint '" + checkpoint + "'");
  EXPECT_NE(killed.exit_code, 0);
  EXPECT_NE(killed.exit_code, 124) << "timeout: the ranks hung";
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  const RunResult resumed =
      run_with(mpiexec(3), flags + " -o '" + (dir / "resumed") + "' --resume '" + checkpoint + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(read_file(dir / "resumed") == read_file(dir / "whole"));
}

// IDX shards and checkpoints: rank 1 of 2 killed once rank 0 has written a checkpoint; the
// checkpoint (whose data fingerprint is made by stripes) resumes on 3 processes, each reading its
// shard, to the bytes of the run on 1 that was never stopped.
TEST(DistributedTrain, IdxShardCheckpointResumesOnAnotherCount) {
  TempDir dir;
  write_banded_idx(dir);
  const std::string flags = "train '" + (dir / "images.idx") + "' --labels '" +
                            (dir / "labels.idx.gz") +
                            "' --epochs 300 --batch-size 96 --early-stopping 0 --seed 9 "
                            "--threads 1 -q --layers 8";
  expect_killed_run_resumes_on_three(flags, dir);
}

// Sharded IDX data where rank 1 is given other images (300, not 400): every rank fails, naming
// rank 1 and the counts, instead of training on mismatched stripes; no model is written.
TEST(DistributedTrain, IdxShardOfAnotherFileIsNamedWithTheRank) {
  TempDir dir;
  write_banded_idx(dir);
  std::string pixels(300 * 36, '\1'), labels(300, '\1');
  labels[0] = '\2';
  dir.file("other.idx", mlp::test::idx(2051, {300, 6, 6}, pixels));
  dir.file("other-labels.idx", mlp::test::idx(2049, {300}, labels));
  const std::string model = dir / "model";
  const std::string wrapper =
      "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then i=\"$0\"; l=\"$1\"; else i=\"$2\"; "
      "l=\"$3\"; fi; exec \"$4\" train \"$i\" --labels \"$l\" --epochs 2 --threads 1 -q -o "
      "\"$5\"' '" +
      (dir / "other.idx") + "' '" + (dir / "other-labels.idx") + "' '" + (dir / "images.idx") +
      "' '" + (dir / "labels.idx.gz") + "' '" + MLP_CLI_PATH + "' '" + model + "'";
  const RunResult r = mlp::test::run_command("timeout 120 " + mpiexec(2) + " " + wrapper);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "timeout: the ranks hung";
  EXPECT_TRUE(
      contains(r.err, "rank 1 of 2 reads 300 images of 36 pixels from " + (dir / "other.idx")))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(model));
}

// A real table of `rows` rows: a row number and a shuffled id (both ignored), numbers with gaps (""
// and NA), a text category with gaps and a rare value, yes/no values, a quoted note whose fields
// hold the delimiter, quotes and line ends (CRLF and LF line ends between the rows), and the
// target: a sample weight, and the target: a class (low/mid/high) or, for `regression`, a number.
std::string real_table(int rows, bool regression) {
  mlp::Random random(5);
  const char* colors[] = {"red", "green", "blue", "?", "purple"};
  const char* notes[] = {"plain", "\"a, b\"", "\"two\nlines\"", "\"say \"\"hi\"\"\"", ""};
  std::vector<int> keys(static_cast<std::size_t>(rows));
  std::iota(keys.begin(), keys.end(), 1000);
  random.shuffle(keys.begin(), keys.end());
  std::string text = "id,key,size,weight,color,fresh,note,w,y\r\n";
  for (int i = 0; i < rows; ++i) {
    const double size = random.uniform(0.0, 10.0), weight = random.uniform(-3.0, 3.0);
    const int color = static_cast<int>(random.below(random.below(50) == 0 ? 5 : 4));
    const bool fresh = random.below(2) == 0;
    const double score = size + (color == 0 ? 3.0 : 0.0) + (fresh ? 1.0 : 0.0) + weight;
    text += std::to_string(i) + "," + std::to_string(keys[static_cast<std::size_t>(i)]) + ",";
    text += random.below(15) == 0 ? "" : std::to_string(size);
    text += ",";
    text += random.below(20) == 0 ? "NA" : std::to_string(weight);
    text += std::string(",") + colors[color] + "," + (fresh ? "yes" : "no") + "," +
            notes[random.below(5)] + "," + std::to_string(0.5 * double(1 + random.below(4))) + ",";
    text += regression ? std::to_string(score) : score < 4.0 ? "low" : score < 8.0 ? "mid" : "high";
    text += i % 3 == 0 ? "\r\n" : "\n";
  }
  return text;
}

// The table of the columns' roles `mlp train` prints: the lines after "columns:" indented by two
// spaces (the gap values with 4 digits).
std::string columns_table(const std::string& out) {
  std::string table;
  std::size_t at = out.find("columns:\n");
  if (at == std::string::npos) return table;
  at = out.find('\n', at) + 1;
  while (at < out.size() && out.compare(at, 2, "  ") == 0) {
    const std::size_t end = out.find('\n', at);
    table += out.substr(at, end - at + 1);
    at = end + 1;
  }
  return table;
}

// A CSV table under mpiexec: each process reads only its shard (the rows of its stripes), the
// columns' roles, categories and gap values are merged over every stripe, and the model file
// and the history are the same on 1, 2 and 3 processes, bit for bit, with a validation split and
// early stopping. Batches of 96 rows are 3 stripes of 32 rows.
TEST(DistributedTrain, CsvShardsGiveTheSameModelOnAnyNumberOfProcesses) {
  TempDir dir;
  const std::string table = dir.file("table.csv", real_table(700, false));
  const std::vector<RunResult> runs = expect_same_model_on_one_two_three(
      dir,
      "train '" + table +
          "' --target y --epochs 30 --batch-size 96 --validation 0.2 --early-stopping 3 --lr 0.02 "
          "--seed 4 --threads 1 --layers 12",
      [](int n, const RunResult& r) {
        EXPECT_EQ(r.err, "");
        EXPECT_TRUE(contains(r.out, "700 samples")) << r.out;
        EXPECT_EQ(contains(r.out, "each reading its shard"), n > 1) << r.out;
      });
  std::string out[4];
  for (int n = 1; n <= 3; ++n) out[n] = columns_table(runs[n].out);
  EXPECT_EQ(out[2], out[1]);
  EXPECT_EQ(out[3], out[1]);
  // The columns are those one process reading the whole table finds.
  const RunResult whole = run_with("", "train '" + table + "' --target y -o '" + (dir / "whole") +
                                           "' --epochs 1 --threads 1 --layers 12");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_EQ(columns_table(whole.out), out[1]);
  // The row number and the shuffled id, whose stripes' spans overlap.
  EXPECT_TRUE(contains(out[1], "  id      ignored")) << out[1];
  EXPECT_TRUE(contains(out[1], "  key     ignored")) << out[1];
}

// A regression on a CSV table with sample weights under mpiexec: each process reads its shard,
// the target's scaling and the metrics are made over every stripe, and the model file and the
// history are the same on 1, 2 and 3 processes, bit for bit. Batches of 64 rows are 2 stripes:
// on 3 processes, rank 0 has none (and no row), yet describes the run as the others do.
TEST(DistributedTrain, CsvShardsOfARegressionWithWeightsGiveTheSameModel) {
  TempDir dir;
  const std::string table = dir.file("table.csv", real_table(600, true));
  expect_same_model_on_one_two_three(
      dir,
      "train '" + table +
          "' --target y --sample-weight w --epochs 20 --batch-size 64 --validation 0.2 --lr 0.01 "
          "--seed 2 --threads 1 --layers 8",
      [](int, const RunResult& r) {
        EXPECT_FALSE(contains(r.err, "error")) << r.err;
        EXPECT_TRUE(contains(r.out, "regression")) << r.out;
      });
  // It learnt: r2 on the table, by mlp evaluate.
  const RunResult evaluated = mlp::test::run_command(
      "'" + std::string(MLP_CLI_PATH) + "' evaluate '" + (dir / "model1") + "' '" + table + "'");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const std::size_t r2 = evaluated.out.find("r2 ");
  ASSERT_NE(r2, std::string::npos) << evaluated.out;
  EXPECT_GT(std::stod(evaluated.out.substr(r2 + 3)), 0.8) << evaluated.out;
}

// CSV shards with sample weights and checkpoints: rank 1 of 2 killed once rank 0 has written a
// checkpoint (whose data fingerprint, made by stripes, holds the weights); the checkpoint resumes
// on 3 processes, each reading its shard, to the bytes of the run on 1 that was never stopped.
TEST(DistributedTrain, CsvShardCheckpointResumesOnAnotherCount) {
  TempDir dir;
  const std::string table = dir.file("table.csv", real_table(400, true));
  const std::string checkpoint = dir / "run.ckpt";
  const std::string flags = "train '" + table +
                            "' --target y --sample-weight w --epochs 300 --batch-size 96 "
                            "--early-stopping 0 --seed 9 --threads 1 -q --layers 8";
  expect_killed_run_resumes_on_three(flags, dir);
  // Other weights are other data: the checkpoint is refused.
  std::string reweighted = read_file(table);
  reweighted.replace(reweighted.rfind(",0.500000,"), 10, ",2.000000,");
  dir.file("table.csv", reweighted);
  const RunResult refused =
      run_with(mpiexec(2), flags + " -o '" + (dir / "other") + "' --resume '" + checkpoint + "'");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(contains(refused.err, "the data's values differ")) << refused.err;
}

// A bad value in the last row, which rank 1 of 2 reads: that rank fails naming the file, line
// and column (the line counted from the top of the file, not of its shard), and no model is
// written.
TEST(DistributedTrain, BadValueInOneShardIsNamedWithItsLine) {
  TempDir dir;
  std::string text = real_table(300, false);
  const std::size_t last = text.rfind('\n', text.size() - 2) + 1;  // "299,KEY,SIZE,..."
  const std::size_t size = text.find(',', text.find(',', last) + 1) + 1;
  text.replace(size, text.find(',', size) - size, "abc");
  const std::string table = dir.file("table.csv", text);
  const RunResult r =
      run_with("timeout 120 " + mpiexec(2), "train '" + table + "' --target y -o '" +
                                                (dir / "model") + "' --epochs 2 --threads 1 -q");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "timeout: the ranks hung";
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_TRUE(contains(r.err, "mlp: rank 1 of 2: error: " + table + ":" + std::to_string(lines) +
                                  ":3: column 'size': 'abc' is not a number"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "model"));
}

// A CSV table from a pipe (standard input, "-") is not sharded: every process reads it whole,
// from a pipe of its own, and trains as before, the same model on 1 and 2 processes.
TEST(DistributedTrain, CsvFromAPipeIsReadWholeByEveryProcess) {
  TempDir dir;
  const std::string table = dir.file("table.csv", real_table(300, false));
  std::string model[3];
  for (int n = 1; n <= 2; ++n) {
    const std::string path = dir / ("model" + std::to_string(n));
    const std::string wrapper =
        "sh -c 'cat \"$0\" | exec \"$1\" train - --target y --epochs 5 --batch-size 64 "
        "--seed 3 --threads 1 -o \"$2\"' '" +
        table + "' '" + MLP_CLI_PATH + "' '" + path + "'";
    const RunResult r = mlp::test::run_command("timeout 120 " + mpiexec(n) + " " + wrapper);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(contains(r.out, "each reading its shard")) << r.out;
    model[n] = read_file(path);
    ASSERT_FALSE(model[n].empty());
  }
  EXPECT_TRUE(model[2] == model[1]);
}

// Sharded CSV data where rank 1 is given a file with another header: every rank fails, naming
// rank 1, and rank 1 names its file; no model is written.
TEST(DistributedTrain, CsvShardOfAnotherHeaderIsNamedWithTheRank) {
  TempDir dir;
  const std::string table = dir.file("table.csv", real_table(300, false));
  std::string other_text = real_table(300, false);
  other_text.replace(0, 2, "ID");
  const std::string other = dir.file("other.csv", other_text);
  const std::string model = dir / "model";
  const std::string wrapper =
      "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then data=\"$0\"; else data=\"$1\"; fi; "
      "exec \"$2\" train \"$data\" --target y --epochs 2 --threads 1 -q -o \"$3\"' '" +
      other + "' '" + table + "' '" + MLP_CLI_PATH + "' '" + model + "'";
  const RunResult r = mlp::test::run_command("timeout 120 " + mpiexec(2) + " " + wrapper);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.exit_code, 124) << "timeout: the ranks hung";
  EXPECT_TRUE(contains(
      r.err, "mlp: rank 1 of 2: error: rank 1 of 2 reads 300 rows of 9 columns from " + other))
      << r.err;
  EXPECT_TRUE(contains(r.err, "another header")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(model));
}

// --sync-every (local SGD) on 3 processes: the run trains (its history's loss falls), rank 0
// alone writes, and no warning about blocks (each process steps on its share of every batch).
TEST(DistributedTrain, LocalSgdTrainsOnSeveralProcesses) {
  TempDir dir;
  const std::string out = dir / "local";
  const RunResult r = run_with(
      mpiexec(3), "train '" + iris_csv + "' --target species -o '" + out + "' --history '" + out +
                      ".csv' --epochs 30 --batch-size 40 "
                      "--validation 0 --lr 0.05 --threads 1 --layers 16 --sync-every 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find("saved"), r.out.rfind("saved")) << r.out;
  const std::string history = read_file(out + ".csv");
  // epoch,loss,...: the first and the last epoch's loss.
  const std::size_t first = history.find('\n') + 1,
                    last = history.rfind('\n', history.size() - 2) + 1;
  const double first_loss = std::stod(history.substr(history.find(',', first) + 1));
  const double last_loss = std::stod(history.substr(history.find(',', last) + 1));
  EXPECT_LT(last_loss, 0.5 * first_loss) << history;
}

TEST(DistributedTrain, NegativeSyncEveryIsRefused) {
  TempDir dir;
  const RunResult r = run_with(mpiexec(1), "train '" + iris_csv + "' --target species -o '" +
                                               std::string(dir / "m") + "' --sync-every -1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "--sync-every")) << r.err;
}

// A batch of fewer 32-row blocks than processes leaves some of them waiting: a warning says so
// and names the batch size that would not.
TEST(DistributedTrain, BatchTooSmallForTheProcessesIsWarnedAbout) {
  TempDir dir;
  const RunResult r =
      run_with(mpiexec(3), "train '" + iris_csv + "' --target species -o '" +
                               std::string(dir / "m") + "' --epochs 2 --batch-size 40 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "warning: a batch of 40 rows is 2 blocks of 32 rows, fewer than "
                       "the 3 processes: 1 of them will only wait; use --batch-size 96"))
      << r.err;
}

// Rank 1 killed (SIGKILL) once rank 0 has written a checkpoint: mpiexec ends rank 0 too, within
// seconds, naming the rank; the checkpoint then resumes on 3 processes to the bytes of the run
// that was never stopped (on 1: the same arithmetic whatever the number of processes).
TEST(DistributedTrain, KilledRankEndsTheRunAndItsCheckpointResumesOnAnotherCount) {
  TempDir dir;
  const std::string checkpoint = dir / "run.ckpt";
  const std::string flags = "train '" + iris_csv +
                            "' --target species --epochs 500 --batch-size 100 "
                            "--early-stopping 0 --seed 9 --threads 1 -q --layers 8";
  const RunResult whole = run_with(mpiexec(1), flags + " -o '" + (dir / "whole") + "'");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  // Rank 1 runs mlp under a shell that keeps its pid (exec) after starting the killer.
  const std::string wrapper =
      "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then (while [ ! -f \"$0\" ]; do sleep "
      "0.02; done; kill -9 $$) & fi; exec \"$@\"' '" +
      checkpoint + "'";
  const auto start = std::chrono::steady_clock::now();
  const RunResult killed =
      run_with("timeout 120 " + mpiexec(2) + " " + wrapper,
               flags + " -o '" + (dir / "killed") + "' --checkpoint '" + checkpoint + "'");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(killed.exit_code, 0);
  EXPECT_NE(killed.exit_code, 124) << "timeout: the ranks hung";
  EXPECT_LT(seconds, 60.0);
  EXPECT_TRUE(contains(killed.err, "rank 1")) << killed.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "killed"));
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  const RunResult resumed =
      run_with(mpiexec(3), flags + " -o '" + (dir / "resumed") + "' --resume '" + checkpoint + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(read_file(dir / "resumed") == read_file(dir / "whole"));
}

// A rank that cannot read its data file fails with its rank and the file named, and mpiexec ends
// the others within seconds (the failing rank does not wait for them to finalise MPI): rank 1 is
// given a file that does not exist. No model is written.
TEST(DistributedTrain, UnreadableFileOnOneRankIsNamedWithTheRank) {
  TempDir dir;
  const std::string missing = dir / "missing.csv", model = dir / "model";
  const std::string wrapper =
      "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then data=\"$0\"; else data=\"$1\"; "
      "fi; exec \"$2\" train \"$data\" --target species --epochs 2000 --threads 1 -q -o "
      "\"$3\"' '" +
      missing + "' '" + iris_csv + "' '" + MLP_CLI_PATH + "' '" + model + "'";
  const auto start = std::chrono::steady_clock::now();
  const std::string command = "timeout 120 " + mpiexec(2) + " " + wrapper + " >'" + (dir / "out") +
                              "' 2>'" + (dir / "err") + "' </dev/null";
  const int status = std::system(command.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string err = read_file(dir / "err");
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 124) << err;
  EXPECT_LT(seconds, 60.0);
  EXPECT_TRUE(contains(err, "mlp: rank 1 of 2: error: " + missing)) << err;
  EXPECT_FALSE(std::filesystem::exists(model));
}
#endif

// A launcher's size that is not a number is named, and nothing is trained.
TEST(DistributedTrain, BadLauncherEnvironmentIsNamed) {
  TempDir dir;
  const RunResult r =
      run_with("OMPI_COMM_WORLD_SIZE=two",
               "train '" + iris_csv + "' --target species -o '" + (dir / "m") + "' --epochs 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "OMPI_COMM_WORLD_SIZE")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m"));
}

#if !MLP_TEST_WITH_MPI
// Built without MPI, a launch of several processes is refused: each would train its own model.
TEST(DistributedTrain, BuildWithoutMpiRefusesSeveralProcesses) {
  TempDir dir;
  const RunResult r =
      run_with("OMPI_COMM_WORLD_SIZE=2",
               "train '" + iris_csv + "' --target species -o '" + (dir / "m") + "' --epochs 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(contains(r.err, "built without MPI")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m"));
}
#endif

}  // namespace
