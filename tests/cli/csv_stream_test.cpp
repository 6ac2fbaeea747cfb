// The streamed CSV read through the real binary: a table given through a pipe trains the same
// model bytes as the file; a table whose matrix cannot fit in the memory allowed fails with one
// message before the matrix is allocated; /dev/zero fails at once.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "cli_runner.hpp"
#include "support/address_sanitizer.hpp"

namespace {

using mlp::test::contains;
using mlp::test::read_file;
using mlp::test::RunResult;
using mlp::test::TempDir;

// Runs a shell command line whose `MLP` words are the binary; captures its output.
RunResult run_shell(const std::string& line) {
  std::string command;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line.compare(i, 3, "MLP") == 0) {
      command += '\'';
      command += MLP_CLI_PATH;
      command += '\'';
      i += 2;
    } else {
      command += line[i];
    }
  }
  return mlp::test::run_command(command);
}

void write_table(const std::string& path, std::size_t rows) {
  std::mt19937 rng(5);
  std::ofstream out(path);
  out << "x1,x2,colour,label\n";
  const char* colours[] = {"red", "green", "blue", "", "NA"};
  for (std::size_t i = 0; i < rows; ++i) {
    const double x1 = std::uniform_real_distribution<double>(-3, 3)(rng);
    const double x2 = std::uniform_real_distribution<double>(-3, 3)(rng);
    out << x1 << "," << x2 << "," << colours[rng() % 5] << "," << (x1 + x2 > 0 ? "up" : "down")
        << "\n";
  }
}

TEST(CliCsvStream, APipeTrainsTheSameModelBytesAsTheFile) {
  TempDir dir;
  const std::string table = dir / "t.csv";
  write_table(table, 60000);  // more than one 1 MiB read
  const std::string common = " --target label --epochs 2 --seed 4 --quiet -o ";
  const RunResult from_file =
      run_shell("MLP train '" + table + "'" + common + "'" + dir / "file.safetensors" + "'");
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const RunResult from_pipe = run_shell("cat '" + table + "' | MLP train -" + common + "'" +
                                        dir / "pipe.safetensors" + "'");
  ASSERT_EQ(from_pipe.exit_code, 0) << from_pipe.err;
  const std::string a = read_file(dir / "file.safetensors");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, read_file(dir / "pipe.safetensors"));

  // Predictions from a pipe equal those from the file.
  const RunResult p1 = run_shell("MLP predict '" + dir / "file.safetensors" + "' '" + table + "'");
  const RunResult p2 =
      run_shell("cat '" + table + "' | MLP predict '" + dir / "file.safetensors" + "' -");
  ASSERT_EQ(p1.exit_code, 0) << p1.err;
  ASSERT_EQ(p2.exit_code, 0) << p2.err;
  EXPECT_EQ(p1.out, p2.out);
}

TEST(CliCsvStream, AMatrixLargerThanTheMemoryAllowedFailsBeforeItIsAllocated) {
#if defined(MLP_UNDER_ADDRESS_SANITIZER)
  GTEST_SKIP() << "AddressSanitizer needs more address space than the limit";
#endif
  // 60,000 rows of a column with 30,000 categories, each twice: a 60,000 x 30,000 float matrix
  // (7.2 GB) from a 0.7 MB file.
  TempDir dir;
  const std::string table = dir / "wide.csv";
  {
    std::ofstream out(table);
    out << "code,y\n";
    for (int repeat = 0; repeat < 2; ++repeat)
      for (int i = 0; i < 30000; ++i) out << "c" << i << "," << (i % 2) << "\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const RunResult r =
      run_shell("prlimit --as=1000000000 MLP train '" + table +
                "' --target y --categorical code --min-category-count 1 -o '" + dir / "m" + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err,
                       "the data set of 60000 rows and 30000 features needs 7.2 GB of "
                       "memory, more than the 1.0 GB this process may use"))
      << r.err;
  EXPECT_FALSE(contains(r.err, "bad_alloc")) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

// 180,000 rows of 100 zeros and a 0/1 target: 36 MB of text for a 73 MB float32 matrix, which
// a 50 MB address space cannot hold. A regular file is refused from the share read by the first
// check (65,536 rows, a third of the file); a pipe, whose size is unknown, as soon as the rows
// read need more than the limit.
TEST(CliCsvStream, AFileThatCannotFitIsRefusedBeforeHalfOfItIsRead) {
#if defined(MLP_UNDER_ADDRESS_SANITIZER)
  GTEST_SKIP() << "AddressSanitizer needs more address space than the limit";
#endif
  TempDir dir;
  const std::string table = dir / "zeros.csv";
  {
    std::string header, row;
    for (int j = 0; j < 100; ++j) {
      header += 'x';
      header += std::to_string(j);
      header += ',';
      row += "0,";
    }
    std::string text = header + "y\n";
    text.reserve(text.size() + 180000 * (row.size() + 2));
    for (int i = 0; i < 180000; ++i) text += row + (i % 2 ? "1\n" : "0\n");
    std::ofstream(table, std::ios::binary) << text;
  }
  const std::string limit = "prlimit --as=50000000 ";
  const RunResult file =
      run_shell(limit + "MLP train '" + table + "' --target y -o '" + dir / "m" + "'");
  EXPECT_EQ(file.exit_code, 1) << file.err;
  // The share is of the bytes read, a little ahead of the rows parsed.
  const std::string start = "zeros.csv: its first 65536 rows (";
  ASSERT_TRUE(contains(file.err, start)) << file.err;
  const int percent = std::stoi(file.err.substr(file.err.find(start) + start.size()));
  EXPECT_GE(percent, 36);
  EXPECT_LT(percent, 50);
  EXPECT_TRUE(contains(file.err, "% of the file) project about 1")) << file.err;
  EXPECT_TRUE(contains(file.err, " rows of 100 features, which needs ")) << file.err;
  EXPECT_TRUE(contains(file.err,
                       " of memory, more than the 50 MB this process may use (use fewer "
                       "rows, or leave out columns)"))
      << file.err;
  const RunResult pipe =
      run_shell("cat '" + table + "' | " + limit + "MLP train - --target y -o '" + dir / "m" + "'");
  EXPECT_EQ(pipe.exit_code, 1) << pipe.err;
  EXPECT_TRUE(contains(pipe.err,
                       "the first 131072 rows of 100 features already need 53 MB of "
                       "memory, more than the 50 MB this process may use"))
      << pipe.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "m"));
}

TEST(CliCsvStream, DevZeroFailsAtOnceWithOneMessage) {
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run_shell("MLP train /dev/zero --target y -o '" + dir / "m" + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(contains(r.err, "/dev/zero:1:1: NUL byte")) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
