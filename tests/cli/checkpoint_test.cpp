// `mlp train --checkpoint` and `--resume`, end to end: a run interrupted (SIGINT) or killed
// (SIGKILL) at random moments leaves no checkpoint or a complete one, and resuming from it
// writes the bytes of the run that was never stopped; a resume with other data or flags, or
// from a damaged file, is refused with one message.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_runner.hpp"
#include "mlp/model/checkpoint.hpp"
#include "support/datasets.hpp"

extern char** environ;

namespace {

using mlp::test::iris_csv;

using mlp::test::contains;
using mlp::test::read_file;
using mlp::test::run_mlp;
using mlp::test::TempDir;

// Many short epochs on iris, with the defaults' shuffling, validation split, early stopping,
// Adam and cosine schedule.
std::string train_flags(const std::string& data = iris_csv, const std::string& epochs = "120") {
  return "train '" + data + "' --target species --layers 8 --batch-size 8 --epochs " + epochs +
         " --seed 3";
}

// `mlp ARGS...` started without a shell, its standard output thrown away and its standard error
// to `err`; returns its process id.
pid_t spawn_mlp(const std::vector<std::string>& args, const std::string& err = "/dev/null") {
  std::vector<std::string> all{MLP_CLI_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, MLP_CLI_PATH, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

// `train_flags` as arguments, writing checkpoints to `checkpoint` after every epoch.
std::vector<std::string> spawn_args(const std::string& checkpoint, const std::string& output,
                                    const std::string& epochs = "120") {
  return {"train",        iris_csv,   "--target", "species", "--layers", "8",
          "--batch-size", "8",        "--seed",   "3",       "--epochs", epochs,
          "--checkpoint", checkpoint, "-o",       output,    "-q"};
}

class CheckpointCli : public ::testing::TestWithParam<const char*> {};

INSTANTIATE_TEST_SUITE_P(Dtypes, CheckpointCli, ::testing::Values("f32", "f64"));

// The seconds `mlp ARGS...` takes, and whether it succeeded.
double timed_run(const std::vector<std::string>& args, bool& ok) {
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = spawn_mlp(args);
  int status = 0;
  ok =
      pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

TEST_P(CheckpointCli, InterruptedRunResumesToTheUninterruptedBytes) {
  TempDir dir;
  const std::string dtype = GetParam();
  const std::string checkpoint = dir / "run.checkpoint";
  auto args = [&](const std::string& output) {
    std::vector<std::string> a = spawn_args(checkpoint, output);
    a.insert(a.end(), {"--dtype", dtype, "--checkpoint-every", "7"});
    return a;
  };
  bool ok = false;
  const double seconds = timed_run(args(dir / "full.safetensors"), ok);
  ASSERT_TRUE(ok);
  const std::string uninterrupted = read_file(dir / "full.safetensors");
  // SIGINT (f32) or SIGTERM (f64) once the first checkpoint (epoch 7 of 120) is on disk: the
  // checkpoint then holds the last epoch completed before the interrupt.
  std::filesystem::remove(checkpoint);
  const pid_t pid = spawn_mlp(args(dir / "stopped.safetensors"), dir / "err");
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(checkpoint) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  ::kill(pid, dtype == "f32" ? SIGINT : SIGTERM);  // the two signals, one per precision
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string err = read_file(dir / "err");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130)
      << "the run (" << seconds << " s uninterrupted) was not interrupted: " << err;
  ASSERT_TRUE(contains(err, "continue with --resume " + checkpoint)) << err;
  const auto info = run_mlp("info '" + checkpoint + "'");
  EXPECT_EQ(info.exit_code, 0) << info.err;
  const auto resumed = run_mlp(train_flags() + " --dtype " + dtype + " -q --resume '" + checkpoint +
                               "' -o '" + dir / "resumed.safetensors" + "'");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_TRUE(read_file(dir / "resumed.safetensors") == uninterrupted);
  // The resumed run went on writing the checkpoint: resuming its last one changes nothing.
  const auto again = run_mlp(train_flags() + " --dtype " + dtype + " -q --resume '" + checkpoint +
                             "' -o '" + dir / "again.safetensors" + "'");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(read_file(dir / "again.safetensors") == uninterrupted);
}

TEST(CheckpointCliKill, TwentySigkillsLeaveNoneOrACompleteCheckpointThatResumesExactly) {
  TempDir dir;
  const std::string full_path = dir / "full.safetensors";
  bool ok = false;
  // 40 epochs, each ending with a checkpoint: about 0.7 s, most of it in the checkpoints' fsync.
  // The fastest of 3 runs: a kill drawn within a slow run's time (a loaded machine) often came
  // after a faster run had ended (13 kills in 40 attempts, seen once).
  double run_seconds = 0.0;
  for (int run = 0; run < 3; ++run) {
    const double seconds = timed_run(spawn_args(dir / "full.checkpoint", full_path, "40"), ok);
    ASSERT_TRUE(ok);
    run_seconds = run == 0 ? seconds : std::min(run_seconds, seconds);
  }
  const std::string uninterrupted = read_file(full_path);
  int status = 0;

  std::mt19937_64 random(20261203);
  std::uniform_real_distribution<double> moment(0.0, run_seconds);
  int kills = 0, with_checkpoint = 0, during_write = 0;
  // On a loaded machine a killed run can be slower than the timed ones, so that early kills come
  // before its first checkpoint: attempts go on until 10 kills have come after one.
  for (int attempt = 0; (kills < 20 || with_checkpoint < 10) && attempt < 80; ++attempt) {
    const std::string checkpoint = dir / "run.checkpoint";
    std::filesystem::remove(checkpoint);
    const double at = moment(random);
    const pid_t pid = spawn_mlp(spawn_args(checkpoint, dir / "killed.safetensors", "40"));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(at));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status)) continue;  // it ended before the kill
    ++kills;
    // A kill during a write leaves its temporary file (no handler runs): counted, removed.
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
      if (entry.path().filename().string().rfind("run.checkpoint.tmp-", 0) == 0) {
        ++during_write;
        std::filesystem::remove(entry.path());
      }
    SCOPED_TRACE("killed after " + std::to_string(at) + " s");
    if (!std::filesystem::exists(checkpoint)) continue;
    ++with_checkpoint;
    mlp::Checkpoint<float> loaded;
    ASSERT_NO_THROW(loaded = mlp::load_checkpoint<float>(checkpoint));
    const auto resumed = run_mlp(train_flags(iris_csv, "40") + " -q --resume '" + checkpoint +
                                 "' -o '" + dir / "resumed.safetensors" + "'");
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    ASSERT_TRUE(read_file(dir / "resumed.safetensors") == uninterrupted)
        << "resumed from epoch " << loaded.state.epochs_done;
  }
  EXPECT_GE(kills, 20);
  EXPECT_GE(with_checkpoint, 10) << "too few kills came after the first checkpoint to show much";
  std::printf(
      "[ kills ] %d SIGKILLs over a %.2f s run: %d after a checkpoint, each resumed to "
      "the uninterrupted bytes; %d during a checkpoint's write\n",
      kills, run_seconds, with_checkpoint, during_write);
}

TEST(CheckpointCliErrors, ResumeWithOtherFlagsOrDataOrADamagedFileIsRefused) {
  TempDir dir;
  const std::string checkpoint = dir / "run.checkpoint";
  const auto run = run_mlp(train_flags(iris_csv, "4") + " -q --checkpoint '" + checkpoint +
                           "' -o '" + dir / "m.safetensors" + "'");
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const auto lr = run_mlp(train_flags(iris_csv, "4") + " --lr 0.5 --resume '" + checkpoint +
                          "' -o '" + dir / "x.safetensors" + "'");
  EXPECT_EQ(lr.exit_code, 2);
  EXPECT_TRUE(contains(lr.err, "'learning_rate' differs")) << lr.err;

  std::string text = read_file(iris_csv);
  text.replace(text.find("5.1,3.5"), 7, "5.2,3.5");
  const std::string other = dir / "other.csv";
  std::ofstream(other) << text;
  const auto data = run_mlp(train_flags(other, "4") + " --resume '" + checkpoint + "' -o '" +
                            dir / "x.safetensors" + "'");
  EXPECT_EQ(data.exit_code, 1);
  EXPECT_TRUE(contains(data.err, "values differ")) << data.err;

  const auto dtype = run_mlp(train_flags(iris_csv, "4") + " --dtype f64 --resume '" + checkpoint +
                             "' -o '" + dir / "x.safetensors" + "'");
  EXPECT_EQ(dtype.exit_code, 1);
  EXPECT_TRUE(contains(dtype.err, "resume it with --dtype f32")) << dtype.err;

  const auto model = run_mlp(train_flags(iris_csv, "4") + " --resume '" + dir / "m.safetensors" +
                             "' -o '" + dir / "x.safetensors" + "'");
  EXPECT_EQ(model.exit_code, 1);
  EXPECT_TRUE(contains(model.err, "not a checkpoint")) << model.err;

  const std::string bytes = read_file(checkpoint);
  std::ofstream(dir / "cut.checkpoint", std::ios::binary) << bytes.substr(0, bytes.size() - 9);
  const auto cut = run_mlp(train_flags(iris_csv, "4") + " --resume '" + dir / "cut.checkpoint" +
                           "' -o '" + dir / "x.safetensors" + "'");
  EXPECT_EQ(cut.exit_code, 1);
  EXPECT_TRUE(contains(cut.err, "mlp: error: " + dir / "cut.checkpoint" + ": ")) << cut.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.safetensors"));

  const std::string fresh = dir / "fresh.safetensors";
  const auto same =
      run_mlp(train_flags(iris_csv, "4") + " --checkpoint '" + fresh + "' -o '" + fresh + "'");
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_TRUE(contains(same.err, "is also -o")) << same.err;
  EXPECT_FALSE(std::filesystem::exists(fresh));
  const auto device =
      run_mlp(train_flags(iris_csv, "4") + " --checkpoint /dev/null -o '" + fresh + "'");
  EXPECT_EQ(device.exit_code, 2);
  EXPECT_TRUE(contains(device.err, "not a regular file")) << device.err;
  const auto every = run_mlp(train_flags() + " --checkpoint-every 3 -o '" + dir / "y" + "'");
  EXPECT_EQ(every.exit_code, 2);
  EXPECT_TRUE(contains(every.err, "need --checkpoint FILE")) << every.err;
  const auto input =
      run_mlp(train_flags() + " --checkpoint '" + iris_csv + "' -o '" + dir / "y" + "'");
  EXPECT_EQ(input.exit_code, 2);
  EXPECT_TRUE(contains(input.err, "would destroy it")) << input.err;
}

}  // namespace
