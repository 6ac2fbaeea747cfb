// Real-world tables through the real `mlp` binary, each written by the test: text categories,
// every missing-value spelling, an id column, a free-text column, a semicolon + decimal-comma
// file, a TSV, an unseen category at predict time and a row that cannot be used.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cli_runner.hpp"

namespace {

using mlp::test::contains;
using mlp::test::read_file;
using mlp::test::run_mlp;
using mlp::test::TempDir;
using mlp::test::write_file;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

// A passenger-list-like table of `n` rows, separated by `sep`, numbers written with `decimal`:
//   id (P1000, P1001, ...: text, one per row), name (free text), colour (red, green, blue),
//   size (a number, with every missing-value spelling in turn on every 7th row), member
//   (yes/no), label: "hot" for red or a size above 5, else "cold".
std::string passenger_table(int n, char sep = ',', char decimal = '.') {
  const std::vector<std::string> gaps = {"", "NA", "N/A", "NaN", "null", "?", "#N/A", "na"};
  const char* colours[] = {"red", "green", "blue"};
  std::string s = std::string("id") + sep + "name" + sep + "colour" + sep + "size" + sep +
                  "member" + sep + "label\n";
  for (int i = 0; i < n; ++i) {
    const std::string colour = colours[(i * 7 + i / 3) % 3];
    const double size = (i * 37 % 100) / 10.0;  // 0.0 .. 9.9
    std::string size_text = std::to_string(static_cast<int>(size)) + decimal +
                            std::to_string(static_cast<int>(size * 10) % 10);
    if (i % 7 == 3) size_text = gaps[static_cast<std::size_t>(i / 7) % gaps.size()];
    const bool hot = colour == "red" || size > 5;
    s += std::string("P") + std::to_string(1000 + i) + sep + "Person number " + std::to_string(i) +
         sep + colour + sep + size_text + sep + (i % 2 ? "yes" : "no") + sep +
         (hot ? "hot" : "cold") + "\n";
  }
  return s;
}

TEST(CliTables, TextCategoriesGapsAndAFreeTextColumnTrainWithNoFlag) {
  TempDir dir;
  write_file(dir / "train.csv", passenger_table(300));
  const auto r = run_mlp("train " + dir / "train.csv" + " --target label -o " + dir / "m" +
                         " --epochs 150 --seed 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The column table: each column, its role and why.
  EXPECT_TRUE(contains(r.out, "id      ignored")) << r.out;
  EXPECT_TRUE(contains(r.out, "300 distinct texts in 300 rows (an identifier or free text)"));
  EXPECT_TRUE(contains(r.out, "name    ignored")) << r.out;
  EXPECT_TRUE(contains(r.out, "colour  categorical         3  3 distinct text values")) << r.out;
  // Every spelling of a gap (43 rows) is missing: filled with the mean.
  EXPECT_TRUE(contains(r.out, "size    numeric             1  numbers; 43 missing -> ")) << r.out;
  EXPECT_TRUE(contains(r.out, "member  boolean             1  yes/no values")) << r.out;
  // The rule is learnable from colour and size: the model must find it.
  const auto e = run_mlp("evaluate " + dir / "m" + " " + dir / "train.csv" + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto at = e.out.find("\"accuracy\":");
  ASSERT_NE(at, std::string::npos) << e.out;
  EXPECT_GT(std::stod(e.out.substr(at + 11)), 0.9) << e.out;
  // mlp info shows the stored encoding.
  const auto info = run_mlp("info " + dir / "m");
  EXPECT_TRUE(contains(info.out, "categories: blue, green, red")) << info.out;
  EXPECT_TRUE(contains(info.out, "csv dialect: delimiter ',', decimal mark '.'")) << info.out;
}

TEST(CliTables, RowsWithoutATargetAreSkippedAndCounted) {
  TempDir dir;
  std::string table = passenger_table(200);
  table += "P9000,Someone,red,1.0,yes,\nP9001,Someone else,blue,2.0,no,NA\n";
  write_file(dir / "t.csv", table);
  const auto r =
      run_mlp("train " + dir / "t.csv" + " --target label -o " + dir / "m" + " --epochs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "skipped 2 rows without a target value")) << r.out;
  EXPECT_TRUE(contains(r.out, "200 samples")) << r.out;
  const auto e = run_mlp("evaluate " + dir / "m" + " " + dir / "t.csv");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(contains(e.out, "(2 rows without a target value skipped)")) << e.out;
}

TEST(CliTables, PredictKeepsIdColumnsInRowOrderAndUnseenCategoriesGetAPrediction) {
  TempDir dir;
  write_file(dir / "train.csv", passenger_table(300));
  ASSERT_EQ(run_mlp("train " + dir / "train.csv" + " --target label -o " + dir / "m" +
                    " --epochs 150 --seed 1 -q")
                .exit_code,
            0);
  // New rows: no label column, other column order, an unseen colour, gaps.
  write_file(dir / "new.csv",
             "member,size,colour,name,id\n"
             "no,9.5,green,A,Q1\n"
             "yes,,red,B,Q2\n"
             "no,1.0,purple,C,Q3\n"
             "no,NA,blue,\"D, with a comma\",Q4\n");
  const auto r = run_mlp("predict " + dir / "m" + " " + dir / "new.csv" + " --id id,name");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0], "id,name,prediction");
  EXPECT_EQ(lines[1], "Q1,A,hot");  // size above 5
  EXPECT_EQ(lines[2], "Q2,B,hot");  // red
  EXPECT_TRUE(lines[3] == "Q3,C,hot" || lines[3] == "Q3,C,cold") << lines[3];
  EXPECT_TRUE(lines[4].rfind("Q4,\"D, with a comma\",", 0) == 0) << lines[4];
  // --id with a column that is not there.
  const auto missing = run_mlp("predict " + dir / "m" + " " + dir / "new.csv" + " --id passport");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "no column 'passport' to keep")) << missing.err;
}

TEST(CliTables, ARowThatCannotBeUsedGetsAnEmptyPredictionAndAWarning) {
  TempDir dir;
  write_file(dir / "train.csv", passenger_table(200));
  ASSERT_EQ(
      run_mlp("train " + dir / "train.csv" + " --target label -o " + dir / "m" + " --epochs 5 -q")
          .exit_code,
      0);
  write_file(
      dir / "new.csv",
      "id,colour,size,member\nQ1,red,2.0,yes\nQ2,blue,big,no\nQ3,green,3.0,maybe\nQ4,red,1,no\n");
  const auto r = run_mlp("predict " + dir / "m" + " " + dir / "new.csv" + " --id id --proba");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[2], "Q2,,,");
  EXPECT_EQ(lines[3], "Q3,,,");
  EXPECT_TRUE(lines[4].rfind("Q4,hot,", 0) == 0) << lines[4];
  EXPECT_TRUE(contains(r.err, "warning: 2 rows without a prediction")) << r.err;
  EXPECT_TRUE(contains(r.err, "new.csv:3:3: column 'size': 'big' is not a number")) << r.err;
  EXPECT_TRUE(contains(r.err, "new.csv:4:4: column 'member': 'maybe' is not a yes/no value"));
  const auto strict =
      run_mlp("predict " + dir / "m" + " " + dir / "new.csv" + " --strict -o " + dir / "out.csv");
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_TRUE(contains(strict.err, "new.csv:3:3: column 'size'")) << strict.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out.csv"));
}

TEST(CliTables, SemicolonsAndDecimalCommasAreDetectedAndRemembered) {
  TempDir dir;
  write_file(dir / "eu.csv", passenger_table(200, ';', ','));
  const auto r = run_mlp("train " + dir / "eu.csv" + " --target label -o " + dir / "m" +
                         " --epochs 60 --seed 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "size    numeric")) << r.out;
  // evaluate and predict read the same dialect without being told.
  const auto e = run_mlp("evaluate " + dir / "m" + " " + dir / "eu.csv" + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  const auto p = run_mlp("predict " + dir / "m" + " " + dir / "eu.csv" + " --id id");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(lines_of(p.out).size(), 201u);
  EXPECT_TRUE(
      contains(run_mlp("info " + dir / "m").out, "csv dialect: delimiter ';', decimal mark ','"));
  // A wrong delimiter: the message says what was used and the flags to change it.
  const auto wrong =
      run_mlp("train " + dir / "eu.csv" + " --target label -o " + dir / "m2" + " --delimiter ,");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(contains(wrong.err, "read with delimiter ','")) << wrong.err;
}

TEST(CliTables, TabSeparatedFilesAndPipes) {
  TempDir dir;
  write_file(dir / "t.tsv", passenger_table(150, '\t'));
  const auto r = run_mlp("train - --target label -o " + dir / "m" + " --epochs 3", dir / "t.tsv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "colour  categorical")) << r.out;
  // A FIFO, as `mlp predict m <(cat t.tsv)` gives: it can be read only once.
  const std::string fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << read_file(dir / "t.tsv"); });
  const auto p = run_mlp("predict " + dir / "m" + " " + fifo + " --id id");
  writer.join();
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(lines_of(p.out).size(), 151u);
}

TEST(CliTables, ColumnFlagsOverrideTheGuess) {
  TempDir dir;
  write_file(dir / "t.csv", passenger_table(150));
  const auto r = run_mlp("train " + dir / "t.csv" + " --target label -o " + dir / "m" +
                         " --epochs 2 --categorical member --ordinal colour:blue,green,red "
                         "--na-values '' --numeric size");
  // With no missing-value markers but the empty field, "NA" and friends are text in a
  // numeric column: every such cell is listed (18 of them), 20 at most.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.err, "t.csv: 18 problems in the data:")) << r.err;
  EXPECT_TRUE(contains(r.err, "t.csv:12:4: column 'size': 'NA' is not a number")) << r.err;
  const auto ok = run_mlp("train " + dir / "t.csv" + " --target label -o " + dir / "m" +
                          " --epochs 2 --categorical member --ordinal colour:blue,green,red "
                          "--missing-indicators");
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(contains(ok.out, "member  categorical         2  as asked")) << ok.out;
  EXPECT_TRUE(contains(ok.out, "colour  ordinal             1  as asked")) << ok.out;
  EXPECT_TRUE(contains(ok.out, "(+ indicator)")) << ok.out;
}

}  // namespace
