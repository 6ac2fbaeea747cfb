// End-to-end tests of the kernel set the `mlp` binary runs on: `mlp --version` names it, the
// environment variable MLP_KERNELS forces each set the CPU has, and a set it lacks or an unknown
// name is refused with one clear message and exit code 2 before any work.
#include <gtest/gtest.h>

#include <string>

#include "cli_runner.hpp"
#include "kernels/cpu_features.hpp"
#include "support/datasets.hpp"

namespace {

using mlp::test::contains;
using mlp::test::run_command;

// `mlp ARGS` with MLP_KERNELS set to `kernels` (unset when empty).
mlp::test::RunResult run_mlp_with_kernels(const std::string& kernels, const std::string& args) {
  std::string line = kernels.empty() ? "env -u MLP_KERNELS '" : "env MLP_KERNELS=" + kernels + " '";
  line += MLP_CLI_PATH;
  line += "' ";
  line += args;
  return run_command(line);
}

std::string best_set() {
  if (mlp::detail::cpu_has_avx512()) return "avx512";
  if (mlp::detail::cpu_has_avx2_fma()) return "avx2";
  return "portable";
}

TEST(CliKernelSet, VersionNamesTheBestSetOrTheForcedOne) {
  const auto best = run_mlp_with_kernels("", "--version");
  ASSERT_EQ(best.exit_code, 0) << best.err;
  EXPECT_EQ(best.out, "mlp 0.1.0, kernels " + best_set() + "\n");
  const auto portable = run_mlp_with_kernels("portable", "--version");
  ASSERT_EQ(portable.exit_code, 0) << portable.err;
  EXPECT_EQ(portable.out, "mlp 0.1.0, kernels portable\n");
}

TEST(CliKernelSet, EverySetTheCpuHasTrainsAndTheSimdSetsAgreeBitForBit) {
  mlp::test::TempDir dir;
  std::vector<std::string> sets{"portable"};
  if (mlp::detail::cpu_has_avx2_fma()) sets.push_back("avx2");
  if (mlp::detail::cpu_has_avx512()) sets.push_back("avx512");
  for (const std::string& set : sets) {
    const auto r = run_mlp_with_kernels(
        set, "train " + mlp::test::iris_csv + " --target species --layers 64,64 --optimizer adam " +
                 "--epochs 3 --seed 1 -o " + dir / (set + ".safetensors"));
    ASSERT_EQ(r.exit_code, 0) << set << ": " << r.err;
  }
  // AVX-512 gives AVX2's bits (docs/performance.md), so the same model file.
  if (sets.size() == 3) {
    EXPECT_EQ(mlp::test::read_file(dir / "avx2.safetensors"),
              mlp::test::read_file(dir / "avx512.safetensors"));
  }
}

TEST(CliKernelSet, AnUnknownSetOrOneTheCpuLacksIsRefused) {
  const auto unknown = run_mlp_with_kernels("sse9", "demo xor");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
  EXPECT_TRUE(contains(unknown.err, "MLP_KERNELS=sse9: no such kernel set")) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "portable, avx2 or avx512")) << unknown.err;
  if (mlp::detail::cpu_has_avx512()) GTEST_SKIP() << "this CPU has every set";
  const auto lacking = run_mlp_with_kernels("avx512", "demo xor");
  EXPECT_EQ(lacking.exit_code, 2);
  EXPECT_TRUE(lacking.out.empty()) << lacking.out;
  EXPECT_TRUE(contains(lacking.err, "MLP_KERNELS=avx512: this CPU has no AVX-512")) << lacking.err;
}

}  // namespace
