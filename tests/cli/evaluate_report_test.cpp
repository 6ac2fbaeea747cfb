// End-to-end tests of `mlp evaluate MODEL DATA --report DIR`: the model's charts on a held-out
// file, each SVG parsed as XML, for a classifier with long one-hot feature names and a regressor.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "support/xml_check.hpp"

namespace {

using mlp::test::contains;
using mlp::test::read_file;
using mlp::test::run_mlp;
using mlp::test::TempDir;

// A table whose class follows `zone` (120 categories with long names: more one-hot features than
// the weights heatmap has rows, so each row is a block labelled by two long names) and `size`.
std::string zones_table(int rows, int offset) {
  std::ostringstream text;
  text << "zone,size,label\n";
  for (int i = offset; i < offset + rows; ++i) {
    const int zone = i % 120;
    const double size = (i * 7 % 13) / 13.0;
    text << "Upper East Side district number " << zone << "," << size << ","
         << ((zone % 2 == 0) != (size > 0.5) ? "yes" : "no") << "\n";
  }
  return text.str();
}

TEST(CliEvaluateReport, ChartsOfAHeldOutFile) {
  TempDir dir;
  std::ofstream(dir / "train.csv") << zones_table(1000, 0);
  std::ofstream(dir / "test.csv") << zones_table(240, 1000);
  ASSERT_EQ(run_mlp("train " + dir / "train.csv" + " --target label --epochs 30 -q -o " + dir / "m")
                .exit_code,
            0);
  const auto r =
      run_mlp("evaluate " + dir / "m" + " " + dir / "test.csv" + " --report " + dir / "rep");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "accuracy ")) << r.out;
  EXPECT_TRUE(contains(r.out, "report " + dir / "rep/index.html")) << r.out;
  for (const char* f :
       {"confusion_matrix.svg", "hidden_layer_1.svg", "weights_layer_1.svg", "weights_layer_2.svg"})
    EXPECT_NO_THROW(xml_check::parse(read_file(dir / "rep/" + f))) << f;
  const auto page = xml_check::parse(read_file(dir / "rep/index.html"));
  const std::string text = xml_check::all_text(page);
  for (const char* part :
       {"mlp evaluate: test.csv", "the 240 samples of test.csv", "accuracy", "macro F1", "samples"})
    EXPECT_TRUE(contains(text, part)) << part;
  // --json keeps standard output to the JSON alone.
  const auto json = run_mlp("evaluate " + dir / "m" + " " + dir / "test.csv" + " --json --report " +
                            dir / "rep2");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.front(), '{') << json.out;
  EXPECT_EQ(json.out.find("report"), std::string::npos) << json.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "rep2/index.html"));
}

TEST(CliEvaluateReport, RegressionAndAnUnusableFolder) {
  TempDir dir;
  std::string values = "u,v,target\n";
  for (int i = 0; i < 120; ++i)
    values += std::to_string(i % 9) + "," + std::to_string(i % 4) + "," +
              std::to_string(30 * (i % 9) - 10 * (i % 4)) + "\n";
  std::ofstream(dir / "v.csv") << values;
  ASSERT_EQ(run_mlp("train " + dir / "v.csv" + " --target target --epochs 20 -q -o " + dir / "m")
                .exit_code,
            0);
  const auto r = run_mlp("evaluate " + dir / "m" + " " + dir / "v.csv" + " --report " + dir / "r");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NO_THROW(xml_check::parse(read_file(dir / "r/predicted_vs_true.svg")));
  EXPECT_TRUE(std::filesystem::exists(dir / "r/decision_boundary.svg"));  // two inputs
  const std::string text = xml_check::all_text(xml_check::parse(read_file(dir / "r/index.html")));
  for (const char* part : {"RMSE", "MAE", "R\xc2\xb2", "loss (mse of the standardised target)"})
    EXPECT_TRUE(contains(text, part)) << part;

  std::ofstream(dir / "taken") << "a file, not a folder";
  const auto bad =
      run_mlp("evaluate " + dir / "m" + " " + dir / "v.csv" + " --report " + dir / "taken");
  EXPECT_EQ(bad.exit_code, 1) << bad.err;
  EXPECT_TRUE(contains(bad.err, "taken: cannot create the report folder")) << bad.err;
  EXPECT_TRUE(bad.out.empty()) << "evaluated before checking the folder: " << bad.out;
}

}  // namespace
