// `mpirun -np N mlp train ...` end to end: one model whatever N, written by rank 0 alone; and the
// launcher's environment read with clear errors. Runs mpiexec (found by CMake) on 1 to 3 processes.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>

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

// The same command on 1, 2 and 3 processes: the same model file and history, bit for bit, with
// early stopping on a validation split; rank 0 alone prints and writes. Batches of 96 rows are 3
// blocks of 32 (FitOptions::gradient_block_rows): one per rank on 3.
TEST(DistributedTrain, SameModelOnAnyNumberOfProcesses) {
  TempDir dir;
  std::string model[4], history[4];
  for (int n = 1; n <= 3; ++n) {
    const std::string out = dir / ("model" + std::to_string(n));
    const RunResult r = run_with(
        mpiexec(n), "train '" + iris_csv + "' --target species -o '" + out + "' --history '" + out +
                        ".csv' --epochs 40 --batch-size 96 "
                        "--validation 0.3 --early-stopping 3 --lr 0.05 --seed 4 "
                        "--threads 1 --layers 16");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    // One "saved" line: the other ranks print nothing.
    EXPECT_EQ(r.out.find("saved"), r.out.rfind("saved")) << r.out;
    // The plan names the processes when there are several.
    EXPECT_EQ(contains(r.out, "on " + std::to_string(n) + " processes"), n > 1) << r.out;
    model[n] = read_file(out);
    history[n] = read_file(out + ".csv");
    ASSERT_FALSE(model[n].empty());
  }
  EXPECT_TRUE(model[2] == model[1]);
  EXPECT_TRUE(model[3] == model[1]);
  EXPECT_EQ(history[2], history[1]);
  EXPECT_EQ(history[3], history[1]);
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
  std::string model[4], history[4];
  for (int n = 1; n <= 3; ++n) {
    const std::string out = dir / ("model" + std::to_string(n));
    const RunResult r = run_with(
        mpiexec(n), "train '" + (dir / "images.idx") + "' --labels '" + (dir / "labels.idx.gz") +
                        "' -o '" + out + "' --history '" + out +
                        ".csv' --epochs 30 --batch-size 96 --validation 0.2 --early-stopping 3 "
                        "--lr 0.02 --seed 4 --threads 1 --layers 12");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_TRUE(contains(r.out, "400 samples")) << r.out;
    EXPECT_EQ(contains(r.out, "each reading its shard"), n > 1) << r.out;
    model[n] = read_file(out);
    history[n] = read_file(out + ".csv");
    ASSERT_FALSE(model[n].empty());
  }
  EXPECT_TRUE(model[2] == model[1]);
  EXPECT_TRUE(model[3] == model[1]);
  EXPECT_EQ(history[2], history[1]);
  EXPECT_EQ(history[3], history[1]);
  // It learnt the bands: the model's accuracy on the 400 images.
  const RunResult evaluated = mlp::test::run_command(
      "'" + std::string(MLP_CLI_PATH) + "' evaluate '" + (dir / "model1") + "' '" +
      (dir / "images.idx") + "' --labels '" + (dir / "labels.idx.gz") + "'");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_TRUE(contains(evaluated.out, "accuracy 9") || contains(evaluated.out, "accuracy 100"))
      << evaluated.out;
}

// IDX shards and checkpoints: rank 1 of 2 killed once rank 0 has written a checkpoint; the
// checkpoint (whose data fingerprint is made by stripes) resumes on 3 processes, each reading its
// shard, to the bytes of the run on 1 that was never stopped.
TEST(DistributedTrain, IdxShardCheckpointResumesOnAnotherCount) {
  TempDir dir;
  write_banded_idx(dir);
  const std::string checkpoint = dir / "run.ckpt";
  const std::string flags = "train '" + (dir / "images.idx") + "' --labels '" +
                            (dir / "labels.idx.gz") +
                            "' --epochs 300 --batch-size 96 --early-stopping 0 --seed 9 "
                            "--threads 1 -q --layers 8";
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
