// Column roles and encodings: inference from the values, one-hot with the (other) and (missing)
// slots, imputation, unseen categories at transform time, problems, and the JSON round trip.
#include <gtest/gtest.h>

#include "mlp/core/error.hpp"
#include "mlp/data/column_encoder.hpp"

namespace {

using mlp::ColumnEncoder;
using mlp::ColumnRole;
using Names = std::vector<std::string>;

mlp::CsvTable encoder_table(const std::string& text) {
  return mlp::parse_csv(text, "t.csv");
}

// A table with a column per role, 40 rows:
//   id: 1..40 (a row number); name: 40 distinct texts; age: numbers with 4 gaps (NA, empty,
//   "?", "null"); sex: m/f; smoker: yes/no; port: A (22), B (14), C (3, rare), D (1, rare).
std::string mixed_table() {
  std::string text = "id,name,age,sex,smoker,port,y\n";
  for (int i = 1; i <= 40; ++i) {
    const char* gaps[] = {"NA", "", "?", "null"};
    const std::string age = i % 10 == 0 ? gaps[i / 10 - 1] : std::to_string(20 + i);
    const char* port = i <= 22 ? "A" : i <= 36 ? "B" : i <= 39 ? "C" : "D";
    text += std::to_string(i) + ",person " + std::to_string(i) + "," + age + "," +
            (i % 2 ? "m" : "f") + "," + (i % 3 ? "yes" : "No") + "," + port + "," +
            std::to_string(i % 2) + "\n";
  }
  return text;
}

const mlp::ColumnEncoding& column(const ColumnEncoder& e, const std::string& name) {
  for (const auto& c : e.columns)
    if (c.name == name) return c;
  throw std::runtime_error("no column " + name);
}

TEST(ColumnEncoder, InfersEachRoleWithAReason) {
  const auto e = ColumnEncoder::fit(encoder_table(mixed_table()), "y", {});
  ASSERT_EQ(e.columns.size(), 6u);  // every column but the target
  EXPECT_EQ(column(e, "id").role, ColumnRole::ignored);
  EXPECT_EQ(column(e, "id").why, "consecutive integers, one per row (a row number or id)");
  EXPECT_EQ(column(e, "name").role, ColumnRole::ignored);
  EXPECT_EQ(column(e, "name").why, "40 distinct texts in 40 rows (an identifier or free text)");
  EXPECT_EQ(column(e, "age").role, ColumnRole::numeric);
  EXPECT_EQ(column(e, "age").missing, 4u);
  EXPECT_EQ(column(e, "sex").role, ColumnRole::categorical);
  EXPECT_EQ(column(e, "sex").why, "2 distinct text values");
  EXPECT_EQ(column(e, "smoker").role, ColumnRole::boolean);
  EXPECT_EQ(column(e, "port").role, ColumnRole::categorical);
}

TEST(ColumnEncoder, RareCategoriesShareTheOtherSlot) {
  // 40 rows: a category is kept when seen min(5, 40 / 20) = 2 times; D (once) is rare.
  const auto e = ColumnEncoder::fit(encoder_table(mixed_table()), "y", {});
  EXPECT_EQ(column(e, "port").categories, (Names{"A", "B", "C"}));
  EXPECT_TRUE(column(e, "port").other_slot);
  EXPECT_EQ(e.feature_names(), (Names{"age", "sex=f", "sex=m", "smoker", "port=A", "port=B",
                                      "port=C", "port=(other)"}));
  EXPECT_EQ(e.standardized_features(),
            (std::vector<bool>{true, false, false, false, false, false, false, false}));
  mlp::ColumnOptions strict;
  strict.min_category_count = 1;
  EXPECT_FALSE(
      column(ColumnEncoder::fit(encoder_table(mixed_table()), "y", strict), "port").other_slot);
}

TEST(ColumnEncoder, EncodesNumbersYesNoOneHotAndGaps) {
  const auto t = encoder_table(mixed_table());
  const auto e = ColumnEncoder::fit(t, "y", {});
  const auto encoded = e.transform<double>(t);
  EXPECT_TRUE(encoded.row_problems.empty());
  ASSERT_EQ(encoded.features.rows(), 40);
  ASSERT_EQ(encoded.features.cols(), 8);
  // Row 1 (i = 1): age 21, sex m, smoker yes, port A.
  EXPECT_EQ(encoded.features.row(0), (Eigen::RowVectorXd(8) << 21, 0, 1, 1, 1, 0, 0, 0).finished());
  // Row 40: age "null" -> the mean of the 36 ages, sex f, smoker yes, port D -> (other).
  double sum = 0;
  for (int i = 1; i <= 40; ++i)
    if (i % 10 != 0) sum += 20 + i;
  EXPECT_DOUBLE_EQ(encoded.features(39, 0), sum / 36);
  EXPECT_EQ(encoded.features.row(39).tail(7),
            (Eigen::RowVectorXd(7) << 1, 0, 1, 0, 0, 0, 1).finished());
  // Row 3: "No" in any case is 0.
  EXPECT_EQ(encoded.features(2, 3), 0.0);
}

TEST(ColumnEncoder, UnseenCategoriesAndGapsAtTransformTime) {
  const auto e = ColumnEncoder::fit(encoder_table(mixed_table()), "y", {});
  // A port never seen goes to (other); a sex never seen has no slot: all zeros; a gap in sex
  // (no gaps in training) is the most frequent category (f and m tie: the first by name).
  const auto encoded = e.transform<double>(encoder_table(
      "y,port,smoker,sex,age\n1,Z,YES,x,30\n0,A,n,,NaN\n"));  // other order, no id/name
  EXPECT_TRUE(encoded.row_problems.empty());
  EXPECT_EQ(encoded.features.row(0).segment(1, 2), Eigen::RowVector2d(0, 0));
  EXPECT_EQ(encoded.features(0, 7), 1.0);
  EXPECT_EQ(encoded.features.row(1).segment(1, 2), Eigen::RowVector2d(1, 0));
  EXPECT_EQ(encoded.features(1, 3), 0.0);
}

TEST(ColumnEncoder, CategoricalGapsGetTheirOwnSlotAndIndicatorsFollowColumnsWithGaps) {
  mlp::ColumnOptions options;
  options.missing_indicators = true;
  const auto t = encoder_table("a,b,c,y\n1,x,yes,0\n,x,no,1\nNA,,yes,0\n4,z,,1\n5,z,no,0\n");
  const auto e = ColumnEncoder::fit(t, "y", options);
  EXPECT_EQ(e.feature_names(),
            (Names{"a", "a=(missing)", "b=x", "b=z", "b=(missing)", "c", "c=(missing)"}));
  const auto X = e.transform<double>(t).features;
  EXPECT_DOUBLE_EQ(X(1, 0), 10.0 / 3);  // mean of 1, 4, 5
  EXPECT_EQ(X.col(1), (Eigen::VectorXd(5) << 0, 1, 1, 0, 0).finished());
  EXPECT_EQ(X.row(2).segment(2, 3), Eigen::RowVector3d(0, 0, 1));
  EXPECT_DOUBLE_EQ(X(3, 5), 0.5);  // the fraction of yes among yes, no, yes, no
  EXPECT_EQ(X(3, 6), 1.0);
}

TEST(ColumnEncoder, OptionsOverrideTheGuess) {
  mlp::ColumnOptions options;
  options.categorical = {"n"};
  options.numeric = {"id"};
  options.ordinal = {{"size", {"S", "M", "L"}}, {"grade", {}}};
  options.ignore = {"sex"};
  std::string text = "id,n,size,grade,sex,y\n";
  for (int i = 0; i < 30; ++i)
    text += std::to_string(i) + "," + std::to_string(i % 3) + "," + "SML"[i % 3] + "," +
            std::to_string(3 - i % 2) + ",m," + std::to_string(i % 2) + "\n";
  const auto t = encoder_table(text);
  const auto e = ColumnEncoder::fit(t, "y", options);
  EXPECT_EQ(column(e, "id").role, ColumnRole::numeric);
  EXPECT_EQ(column(e, "id").why, "as asked");
  EXPECT_EQ(column(e, "n").role, ColumnRole::categorical);
  EXPECT_EQ(column(e, "sex").role, ColumnRole::ignored);
  EXPECT_EQ(column(e, "grade").categories, (Names{"2", "3"}));
  EXPECT_EQ(e.feature_names(), (Names{"id", "n=0", "n=1", "n=2", "size", "grade"}));
  const auto X = e.transform<double>(t).features;
  EXPECT_EQ(X.row(2), (Eigen::RowVectorXd(6) << 2, 0, 0, 1, 2, 1).finished());
  // A level outside the order is a problem of its row.
  const auto other = e.transform<double>(encoder_table("id,n,size,grade,y\n1,0,XL,2,0\n"));
  ASSERT_EQ(other.row_problems.size(), 1u);
  EXPECT_EQ(other.row_problems[0].message,
            "t.csv:2:3: column 'size': 'XL' is not one of the ordered levels 'S', 'M', 'L'");
}

TEST(ColumnEncoder, BadOptionsAreReported) {
  const auto t = encoder_table("a,b,y\n1,2,0\n2,3,1\n");
  mlp::ColumnOptions unknown;
  unknown.categorical = {"c"};
  EXPECT_THROW(ColumnEncoder::fit(t, "y", unknown), mlp::DataError);
  mlp::ColumnOptions twice;
  twice.categorical = {"a"};
  twice.numeric = {"a"};
  EXPECT_THROW(ColumnEncoder::fit(t, "y", twice), mlp::InvalidArgument);
  mlp::ColumnOptions target;
  target.numeric = {"y"};
  EXPECT_THROW(ColumnEncoder::fit(t, "y", target), mlp::InvalidArgument);
}

TEST(ColumnEncoder, TransformNamesMissingColumnsAndTextInNumbers) {
  const auto e = ColumnEncoder::fit(encoder_table(mixed_table()), "y", {});
  try {
    e.transform<float>(encoder_table("age,sex,extra\n1,m,2\n"));
    FAIL() << "no DataError";
  } catch (const mlp::DataError& error) {
    EXPECT_EQ(std::string(error.what()),
              "t.csv: missing columns 'smoker', 'port' that the model needs; columns the model "
              "does not use: 'extra'");
  }
  const auto encoded = e.transform<float>(
      encoder_table("age,sex,smoker,port\n31,m,yes,A\nold,m,maybe,A\n1e39,f,no,B\n"));
  ASSERT_EQ(encoded.row_problems.size(), 3u);
  EXPECT_EQ(encoded.row_problems[0].row, 1u);
  EXPECT_NE(encoded.row_problems[0].message.find("t.csv:3:1: column 'age': 'old' is not a number"),
            std::string::npos);
  EXPECT_NE(encoded.row_problems[1].message.find("t.csv:3:3: column 'smoker': 'maybe' is not a "
                                                 "yes/no value"),
            std::string::npos);
  EXPECT_EQ(encoded.row_problems[2].message,
            "t.csv:4:1: column 'age': '1e39' is out of range for single precision (float)");
}

TEST(ColumnEncoder, DecimalCommaNumbers) {
  mlp::CsvOptions dialect;
  dialect.delimiter = ';';
  dialect.decimal = ',';
  const auto t = mlp::parse_csv("a;b;y\n1,5;x;0\n-2,25;y;1\n3;x;0\n", "t.csv", dialect);
  const auto e = ColumnEncoder::fit(t, "y", {});
  EXPECT_EQ(column(e, "a").role, ColumnRole::numeric);
  EXPECT_EQ(e.transform<double>(t).features.col(0), Eigen::Vector3d(1.5, -2.25, 3));
}

TEST(ColumnEncoder, JsonRoundTrip) {
  mlp::ColumnOptions options;
  options.missing_indicators = true;
  options.na_values = {"-", "unknown"};
  options.ordinal = {{"port", {"D", "C", "B", "A"}}};
  const auto t = encoder_table(mixed_table());
  const auto e = ColumnEncoder::fit(t, "y", options);
  const auto back = ColumnEncoder::from_json(e.to_json());
  EXPECT_EQ(back.to_json(), e.to_json());
  EXPECT_EQ(back.na_values, options.na_values);
  EXPECT_EQ(back.feature_names(), e.feature_names());
  EXPECT_EQ(back.transform<double>(t).features, e.transform<double>(t).features);
  EXPECT_THROW(ColumnEncoder::from_json("[]"), mlp::ModelFileError);
  EXPECT_THROW(ColumnEncoder::from_json(R"({"na_values": [], "columns": [{"name": "a"}]})"),
               mlp::ModelFileError);
  EXPECT_THROW(ColumnEncoder::from_json(
                   R"({"na_values": [], "columns": [{"name": "a", "role": "fancy", "why": "",
                   "missing": 0, "fill": 0, "categories": [], "other": false,
                   "missing_slot": false, "most_frequent": "", "indicator": false}]})"),
               mlp::ModelFileError);
}

// The encoder of `rows` cut into `stripes` stripes, each tallied alone and the tallies added in
// stripe order, as sharded tables are read (TrainingShard): tallied once more, with the columns
// a stripe stopped counting short counted past their numbers, when there are any.
std::string merged_encoder(const Names& header, const std::vector<Names>& rows, std::size_t stripes,
                           const mlp::ColumnOptions& options) {
  std::vector<std::size_t> past_numbers;
  while (true) {
    mlp::ColumnEncoderFit merged(header, "t.csv", "y", options, '.');
    for (std::size_t g = 0; g < stripes; ++g) {
      mlp::ColumnEncoderFit stripe(header, "t.csv", "y", options, '.');
      for (const std::size_t column : past_numbers) stripe.count_past_numbers(column);
      for (std::size_t r = rows.size() * g / stripes; r < rows.size() * (g + 1) / stripes; ++r)
        stripe.add(rows[r]);
      std::vector<double> tally;
      stripe.write_tally(tally);
      merged.add_tally(tally);
    }
    const std::vector<std::size_t> short_counted = merged.columns_counted_short();
    if (short_counted.empty() || !past_numbers.empty()) {
      EXPECT_TRUE(short_counted.empty());
      return merged.finish().to_json();
    }
    past_numbers = short_counted;
  }
}

// ColumnEncoderFit::write_tally / add_tally (sharded tables, docs/distributed.md): the rows cut
// into stripes, each stripe tallied alone and the tallies added in stripe order, give the encoder
// of all the rows, field for field (the sums here are exact, so the means are too), whatever the
// cut: a row number, numbers with gaps, a category with a rare value and gaps, yes/no words, a
// column of numbers then text, one of more than 1,024 distinct numbers then text (no longer
// counted), one of text then more than 1,024 distinct numbers (counted on: a stripe of those
// numbers alone is counted again), and an asked ordinal.
TEST(ColumnEncoder, StripeTalliesMergedInOrderGiveTheEncoderOfAllTheRows) {
  const Names header{"id", "count", "color", "fresh", "mixed", "wide", "late", "size", "y"};
  std::vector<Names> rows;
  for (int i = 0; i < 3000; ++i) {
    const char* colors[] = {"red", "green", "blue", "NA", "purple"};
    rows.push_back({std::to_string(i), i % 17 == 0 ? "" : std::to_string(i % 9),
                    colors[i % 997 == 0 ? 4 : i % 4], i % 3 ? "yes" : "No",
                    i < 900 ? std::to_string(i % 40) : "t" + std::to_string(i % 6),
                    i < 1500 ? std::to_string(i) + ".5" : (i % 2 ? "a" : "b"),
                    i < 500 ? "t" + std::to_string(i % 5) : std::to_string(i % 1200),
                    i % 3 == 0   ? "S"
                    : i % 3 == 1 ? "M"
                                 : "L",
                    std::to_string(i % 2)});
  }
  mlp::ColumnOptions options;
  options.ordinal.push_back({"size", {}});
  mlp::ColumnEncoderFit whole(header, "t.csv", "y", options, '.');
  for (const auto& row : rows) whole.add(row);
  const std::string expected = whole.finish().to_json();
  EXPECT_NE(expected.find("more than 1024 distinct values"), std::string::npos) << expected;
  EXPECT_NE(expected.find("a row number"), std::string::npos) << expected;
  EXPECT_NE(expected.find("1205 distinct text values"), std::string::npos) << expected;
  for (const std::size_t stripes : {1, 2, 7, 40})
    EXPECT_EQ(merged_encoder(header, rows, stripes, options), expected) << stripes << " stripes";
}

// A column whose distinct values one process stops counting at 1,024, among the leading numbers
// of two stripes, the second of which, alone, stops only at 65,536 (after its text): merged, the
// reason is the one of the rows added one at a time.
TEST(ColumnEncoder, StripeThatStoppedLateAfterLeadingNumbersMergesToTheSameReason) {
  const Names header{"code", "x", "y"};
  std::vector<Names> first, second;
  for (int i = 0; i < 600; ++i) first.push_back({std::to_string(i), "1", "0"});
  for (int i = 600; i < 1200; ++i) second.push_back({std::to_string(i), "1", "1"});
  for (int i = 0; i < 66000; ++i) second.push_back({"c" + std::to_string(i), "1", "1"});
  mlp::ColumnEncoderFit whole(header, "t.csv", "y", {}, '.');
  for (const auto* rows : {&first, &second})
    for (const auto& row : *rows) whole.add(row);
  const std::string expected = whole.finish().to_json();
  EXPECT_NE(expected.find("more than 1024 distinct values"), std::string::npos) << expected;
  mlp::ColumnEncoderFit merged(header, "t.csv", "y", {}, '.');
  for (const auto* rows : {&first, &second}) {
    mlp::ColumnEncoderFit stripe(header, "t.csv", "y", {}, '.');
    for (const auto& row : *rows) stripe.add(row);
    std::vector<double> tally;
    stripe.write_tally(tally);
    merged.add_tally(tally);
  }
  EXPECT_TRUE(merged.columns_counted_short().empty());
  EXPECT_EQ(merged.finish().to_json(), expected);
}

}  // namespace
