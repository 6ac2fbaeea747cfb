// End-to-end tests of `mlp demo xor`, running the real binary.
#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "mlp/model/model_io.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_mlp;

TEST(CliDemoXor, ChapterSettingsReachFullAccuracy) {
  const auto r = run_mlp("demo xor");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "accuracy: 100.00%")) << r.out;
  EXPECT_TRUE(contains(r.out, "iteration     0  error")) << r.out;
  EXPECT_TRUE(contains(r.out, "iteration  4999  error")) << r.out;
  EXPECT_TRUE(contains(r.out, "5000 iterations")) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliDemoXor, HistorySaveAndReloadGiveTheSameResult) {
  mlp::test::TempDir dir;
  const auto trained = run_mlp("demo xor --dtype f32 --history " + dir / "h.csv" + " --save " +
                               dir / "xor.safetensors");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const std::string history = mlp::test::read_file(dir / "h.csv");
  EXPECT_EQ(history.rfind("epoch,loss,val_loss,accuracy,val_accuracy\n", 0), 0u);
  EXPECT_EQ(std::count(history.begin(), history.end(), '\n'), 5001);
  const auto model = mlp::load_model(dir / "xor.safetensors");
  EXPECT_EQ(model.dtype, "f32");

  const auto reloaded =
      run_mlp("demo xor --dtype f32 --iterations 0 --init " + dir / "xor.safetensors");
  ASSERT_EQ(reloaded.exit_code, 0) << reloaded.err;
  EXPECT_TRUE(contains(reloaded.out, "accuracy: 100.00%")) << reloaded.out;
  // The predictions table is the same as after training.
  auto table = [](const std::string& out) { return out.substr(out.find(" x1  x2")); };
  EXPECT_EQ(table(trained.out), table(reloaded.out));
}

TEST(CliDemoXor, KerasComparisonReportsEpochsToFullAccuracy) {
  const auto r = run_mlp("demo xor --keras --print-every 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "2-16-1 sigmoid network, mse loss, Adam")) << r.out;
  EXPECT_TRUE(contains(r.out, "reached 100% accuracy after ")) << r.out;
  EXPECT_TRUE(contains(r.out, "accuracy: 100.00%")) << r.out;
}

TEST(CliDemoXor, FragilityOverSeedsIsReported) {
  const auto r = run_mlp("demo xor --seeds 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The chapter's own NumPy code solves 81 of 100 seeds; ours must be statistically compatible.
  const auto at = r.out.find("seeds 0..99: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const int solved = std::stoi(r.out.substr(at + 13));
  EXPECT_GE(solved, 65);
  EXPECT_LE(solved, 95);
  EXPECT_TRUE(contains(r.out, "95% CI")) << r.out;
}

TEST(CliDemoXor, BadFlagsExitTwoWithAMessageNamingTheFlag) {
  struct Case {
    std::string args, expected;
  };
  for (const Case& c :
       {Case{"demo xor --iterations -3", "--iterations"}, Case{"demo xor --eta abc", "--eta"},
        Case{"demo xor --eta 0", "--eta"}, Case{"demo xor --hidden 0", "--hidden"},
        Case{"demo xor --dtype f16", "--dtype"}, Case{"demo xor --bogus", "--bogus"},
        Case{"demo", "subcommand"}, Case{"", "subcommand"}}) {
    const auto r = run_mlp(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_TRUE(contains(r.err, c.expected)) << c.args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << c.args << ": " << r.err;
  }
}

TEST(CliDemoXor, UnreadableInitAndUnwritableOutputsExitOneAndLeaveNothing) {
  mlp::test::TempDir dir;
  const auto missing = run_mlp("demo xor --init " + dir / "missing.safetensors");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "missing.safetensors")) << missing.err;

  std::ofstream(dir / "garbage.safetensors") << "not a model at all";
  const auto garbage = run_mlp("demo xor --init " + dir / "garbage.safetensors");
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_TRUE(contains(garbage.err, "garbage.safetensors")) << garbage.err;

  const auto unwritable = run_mlp("demo xor --print-every 0 --save " + dir / "no/such/dir/m");
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_TRUE(contains(unwritable.err, "no/such/dir/m")) << unwritable.err;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

}  // namespace
