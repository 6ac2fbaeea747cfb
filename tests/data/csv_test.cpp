// The CSV reader: RFC 4180 features, line/column positions in every error message, real files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "support/files.hpp"
#include "support/stdin_pipe.hpp"

namespace {

using mlp::test::with_stdin_pipe;

using mlp::test::TempDir;

namespace fs = std::filesystem;
using mlp::CsvTable;
using mlp::parse_csv;
using Rows = std::vector<std::vector<std::string>>;

// The DataError message of parsing `text` as "t.csv" ("" and a test failure when none is thrown).
std::string parse_error(std::string_view text, const mlp::CsvOptions& options = {}) {
  try {
    parse_csv(text, "t.csv", options);
  } catch (const mlp::DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no DataError for input: " << text;
  return "";
}

std::string read_error(const std::string& path) {
  try {
    mlp::read_csv(path);
  } catch (const mlp::DataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no DataError for file " << path;
  return "";
}

#define EXPECT_CONTAINS(text, part)                          \
  EXPECT_NE(std::string(text).find(part), std::string::npos) \
      << "message: " << (text) << "\nexpected to contain: " << (part)

// ---- format features ----

TEST(Csv, ParsesHeaderRowsAndLineNumbers) {
  const CsvTable t = parse_csv("x,y,label\n1,2,a\n3,4,b\n", "t.csv");
  EXPECT_EQ(t.source, "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"x", "y", "label"}));
  EXPECT_EQ(t.rows, (Rows{{"1", "2", "a"}, {"3", "4", "b"}}));
  EXPECT_EQ(t.line_numbers, (std::vector<std::size_t>{2, 3}));
}

TEST(Csv, QuotedFieldsHoldDelimitersDoubledQuotesAndNewlines) {
  const CsvTable t = parse_csv(
      "name,text\n"
      "\"Smith, J\",\"He said \"\"hi\"\"\"\n"
      "\"multi\nline\",x\n"
      "last,\"\"\n",
      "t.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"Smith, J", "He said \"hi\""}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"multi\nline", "x"}));
  EXPECT_EQ(t.rows[2], (std::vector<std::string>{"last", ""}));
  // The row after the two-line field starts on physical line 5.
  EXPECT_EQ(t.line_numbers, (std::vector<std::size_t>{2, 3, 5}));
}

TEST(Csv, CrlfLineEnds) {
  const CsvTable t = parse_csv("a,b\r\n1,2\r\n\"x\r\ny\",4\r\n5,6\r\n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  // No stray '\r' at the end of the last field; a CRLF inside quotes is part of the value.
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}, {"x\r\ny", "4"}, {"5", "6"}}));
  EXPECT_EQ(t.line_numbers, (std::vector<std::size_t>{2, 3, 5}));
}

TEST(Csv, LoneCarriageReturnLineEnds) {
  const CsvTable t = parse_csv("a,b\r1,2\r3,4", "t.csv");
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(t.line_numbers, (std::vector<std::size_t>{2, 3}));
}

TEST(Csv, Utf8BomIsSkipped) {
  const CsvTable t = parse_csv(
      "\xEF\xBB\xBF"
      "a,b\n1,2\n",
      "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.header[0].size(), 1u);
  EXPECT_EQ(t.line_numbers, (std::vector<std::size_t>{2}));
}

TEST(Csv, MissingFinalNewline) {
  const CsvTable t = parse_csv("a,b\n1,2\n3,4", "t.csv");
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}, {"3", "4"}}));
  const CsvTable quoted_last = parse_csv("a,b\n1,\"2\"", "t.csv");
  EXPECT_EQ(quoted_last.rows, (Rows{{"1", "2"}}));
}

TEST(Csv, BlankTrailingLinesAreIgnored) {
  const CsvTable t = parse_csv("a,b\n1,2\n\n\r\n  \n\n", "t.csv");
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}}));
  EXPECT_EQ(t.line_numbers, (std::vector<std::size_t>{2}));
}

TEST(Csv, EmptyFieldsAndTrailingDelimiter) {
  const CsvTable t = parse_csv("a,b,c\n,,\n1,2,\n", "t.csv");
  EXPECT_EQ(t.rows, (Rows{{"", "", ""}, {"1", "2", ""}}));
  // In a one-column file an empty value is written "".
  const CsvTable one = parse_csv("a\n\"\"\n2\n", "t.csv");
  EXPECT_EQ(one.rows, (Rows{{""}, {"2"}}));
}

TEST(Csv, SpacesAroundFields) {
  // Unquoted values keep their spaces; spaces around a quoted value are dropped; header names
  // are trimmed.
  const CsvTable t = parse_csv(" a , b \n 1 ,  \"x, y\"  \n", "t.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.rows, (Rows{{" 1 ", "x, y"}}));
}

TEST(Csv, OtherDelimiters) {
  const CsvTable semicolon = parse_csv("a;b\n1,5;\"2;3\"\n", "t.csv", {.delimiter = ';'});
  EXPECT_EQ(semicolon.rows, (Rows{{"1,5", "2;3"}}));
  const CsvTable tab = parse_csv("a\tb\n1\t2\n", "t.csv", {.delimiter = '\t'});
  EXPECT_EQ(tab.header, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(tab.rows, (Rows{{"1", "2"}}));
  EXPECT_THROW(parse_csv("a\n1\n", "t.csv", {.delimiter = '"'}), mlp::InvalidArgument);
  EXPECT_THROW(parse_csv("a\n1\n", "t.csv", {.delimiter = '\n'}), mlp::InvalidArgument);
}

TEST(Csv, Utf8TextIsKept) {
  const CsvTable t = parse_csv("name,city\nJos\xC3\xA9,K\xC3\xB6ln\n", "t.csv");
  EXPECT_EQ(t.rows[0][0], "Jos\xC3\xA9");
  EXPECT_EQ(t.rows[0][1], "K\xC3\xB6ln");
}

TEST(Csv, FindColumnAndColumnList) {
  const CsvTable t = parse_csv("a,b\n1,2\n", "t.csv");
  EXPECT_EQ(mlp::find_column(t, "b"), 1u);
  EXPECT_EQ(mlp::find_column(t, "c"), 2u);
  EXPECT_EQ(mlp::quoted_column_list(t.header), "'a', 'b'");
}

// ---- errors: every message starts with FILE:LINE:COL or FILE ----

TEST(Csv, EmptyFile) {
  EXPECT_EQ(parse_error(""), "t.csv: empty file (expected a header line)");
  EXPECT_EQ(parse_error("\xEF\xBB\xBF"), "t.csv: empty file (expected a header line)");
  EXPECT_EQ(parse_error("\n\r\n\n"), "t.csv: empty file (expected a header line)");
}

TEST(Csv, HeaderOnly) {
  EXPECT_EQ(parse_error("a,b\n"), "t.csv: no data rows (only a header line)");
  EXPECT_EQ(parse_error("a,b"), "t.csv: no data rows (only a header line)");
  EXPECT_EQ(parse_error("a,b\n\n\n"), "t.csv: no data rows (only a header line)");
}

TEST(Csv, RaggedRowWithTooFewFields) {
  // Points at the end of line 3, after "4,5".
  EXPECT_EQ(parse_error("a,b,c\n1,2,3\n4,5\n6,7,8\n"),
            "t.csv:3:4: expected 3 fields (as in the header), got 2");
  // CRLF files count lines the same way.
  EXPECT_EQ(parse_error("a,b\r\n1,2\r\n3\r\n"),
            "t.csv:3:2: expected 2 fields (as in the header), got 1");
}

TEST(Csv, RaggedRowWithTooManyFields) {
  // Points at the first extra field.
  EXPECT_EQ(parse_error("a,b\n1,2\n3,4,5\n"),
            "t.csv:3:5: expected 2 fields (as in the header), got 3");
}

TEST(Csv, LineNumbersCountLinesInsideQuotedFields) {
  EXPECT_EQ(parse_error("a,b\n\"x\ny\",1\n2\n"),
            "t.csv:4:2: expected 2 fields (as in the header), got 1");
}

TEST(Csv, UnterminatedQuote) {
  const std::string message = parse_error("a,b\n1,\"oops\n2,3\n");
  EXPECT_EQ(message,
            "t.csv:2:3: unterminated quoted field (the quote opened here is never closed)");
}

TEST(Csv, ColumnsCountCharactersNotBytes) {
  // "éé" is 4 bytes but 2 characters: the quote is character 4.
  const std::string message = parse_error("a,b\n\xC3\xA9\xC3\xA9,\"x\n");
  EXPECT_CONTAINS(message, "t.csv:2:4: unterminated quoted field");
}

TEST(Csv, QuoteInsideUnquotedField) {
  const std::string message = parse_error("a,b\n1,ab\"c\n");
  EXPECT_CONTAINS(message, "t.csv:2:5: quote character inside an unquoted field");
}

TEST(Csv, CharacterAfterClosingQuote) {
  const std::string message = parse_error("a,b\n1,\"x\"y\n");
  EXPECT_CONTAINS(message, "t.csv:2:6: unexpected character after the closing quote");
}

TEST(Csv, NulByteIsBinary) {
  const std::string text("a,b\n1,\0\n", 8);
  const std::string message = parse_error(text);
  EXPECT_EQ(message, "t.csv:2:3: NUL byte: this looks like a binary file, not CSV text");
}

TEST(Csv, ControlCharacterIsBinary) {
  EXPECT_EQ(parse_error("a,b\n1,\x01\n"),
            "t.csv:2:3: control character 0x01: this looks like a binary file, not CSV text");
}

TEST(Csv, InvalidUtf8IsRejected) {
  // A Latin-1 "é" (0xe9) is not UTF-8.
  const std::string message = parse_error("a,b\ncaf\xE9,1\n");
  EXPECT_CONTAINS(message, "t.csv:2:4: invalid UTF-8 byte 0xe9");
  // An overlong encoding and a truncated sequence are invalid too.
  EXPECT_CONTAINS(parse_error("a,b\n\xC0\xAF,1\n"), "t.csv:2:1: invalid UTF-8 byte 0xc0");
  EXPECT_CONTAINS(parse_error("a,b\n1,\xE2\x82"), "t.csv:2:3: invalid UTF-8 byte 0xe2");
}

TEST(Csv, GzipFileIsRecognised) {
  const std::string text("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8);
  EXPECT_EQ(parse_error(text),
            "t.csv: this is a gzip-compressed file, not CSV text (decompress it first)");
}

TEST(Csv, DuplicateHeaderName) {
  EXPECT_EQ(parse_error("a,b,a\n1,2,3\n"),
            "t.csv:1:5: duplicate column name 'a' in the header (columns 1 and 3)");
  // Names are compared after trimming.
  EXPECT_CONTAINS(parse_error("a, a\n1,2\n"), "t.csv:1:3: duplicate column name 'a'");
}

TEST(Csv, WideHeaderIsCheckedInLinearTime) {
  // 200,000 columns: a quadratic duplicate check would make 2e10 comparisons.
  std::string header, row;
  for (int i = 0; i < 200000; ++i) {
    header += (i ? ",c" : "c") + std::to_string(i);
    row += i ? ",1" : "1";
  }
  const CsvTable t = parse_csv(header + "\n" + row + "\n", "t.csv");
  EXPECT_EQ(t.header.size(), 200000u);
  const std::string message = parse_error(header + ",c199999\n" + row + ",1\n");
  EXPECT_NE(message.find(": duplicate column name 'c199999' in the header (columns 200000 and "
                         "200001)"),
            std::string::npos)
      << message.substr(0, 200);
}

TEST(Csv, DetectsTheDelimiterFromTheFirstLines) {
  EXPECT_EQ(mlp::detect_csv_dialect("a,b,c\n1,2,3\n").delimiter, ',');
  EXPECT_EQ(mlp::detect_csv_dialect("a;b;c\n1;2;3\n").delimiter, ';');
  EXPECT_EQ(mlp::detect_csv_dialect("a\tb\tc\r\n1\t2\t3\r\n").delimiter, '\t');
  EXPECT_EQ(mlp::detect_csv_dialect("a|b\n1|2\n").delimiter, '|');
  // A comma inside quotes or as a decimal mark does not count; the consistent one wins.
  EXPECT_EQ(mlp::detect_csv_dialect("name;x\n\"Smith, J\";1,5\n\"Doe, A\";2\n").delimiter, ';');
  EXPECT_EQ(mlp::detect_csv_dialect("\xEF\xBB\xBF"
                                    "a;b\n1;2\n")
                .delimiter,
            ';');
  EXPECT_EQ(mlp::detect_csv_dialect("single\n1\n2\n").delimiter, ',');
}

TEST(Csv, DetectsADecimalComma) {
  EXPECT_EQ(mlp::detect_csv_dialect("a;b\n1,5;x\n-2,25;y\n").decimal, ',');
  EXPECT_EQ(mlp::detect_csv_dialect("a;b\n1.5;x\n2,5;y\n").decimal, '.');  // both: not sure
  EXPECT_EQ(mlp::detect_csv_dialect("a;b\n1;x\n2;y\n").decimal, '.');
  EXPECT_EQ(mlp::detect_csv_dialect("a,b\n\"1,5\",x\n").decimal, '.');  // ',' delimits
  EXPECT_EQ(mlp::describe(mlp::detect_csv_dialect("a\tb\n1,5\t2\n")),
            "delimiter '\\t', decimal mark ','");
}

TEST(Csv, InvalidDialects) {
  mlp::CsvOptions options;
  options.decimal = ';';
  EXPECT_THROW(mlp::check_dialect(options), mlp::InvalidArgument);
  options.decimal = ',';
  EXPECT_THROW(mlp::check_dialect(options), mlp::InvalidArgument);  // the delimiter too
  options.delimiter = ';';
  EXPECT_NO_THROW(mlp::check_dialect(options));
  EXPECT_EQ(parse_csv("a;b\n1,5;2\n", "t.csv", options).dialect.decimal, ',');
}

TEST(Csv, EmptyHeaderName) {
  EXPECT_EQ(parse_error("a,,c\n1,2,3\n"), "t.csv:1:3: empty column name in the header (column 2)");
  EXPECT_EQ(parse_error("a,b,\n1,2,3\n"), "t.csv:1:5: empty column name in the header (column 3)");
}

TEST(Csv, BlankLineBetweenRows) {
  EXPECT_CONTAINS(parse_error("a,b\n1,2\n\n3,4\n"), "t.csv:3:1: blank line between data rows");
}

TEST(Csv, BlankLineBeforeHeader) {
  EXPECT_CONTAINS(parse_error("\na,b\n1,2\n"), "t.csv:1:1: blank line before the header");
}

// ---- files ----

TEST(Csv, ReadsFileAndNamesItInErrors) {
  TempDir dir;
  const std::string good = dir.file("good.csv", "a,b\n1,2\n");
  const CsvTable t = mlp::read_csv(good);
  EXPECT_EQ(t.source, good);
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}}));

  const std::string bad = dir.file("bad.csv", "a,b\n1,2\n3\n");
  EXPECT_EQ(read_error(bad), bad + ":3:2: expected 2 fields (as in the header), got 1");
  const std::string empty = dir.file("empty.csv", "");
  EXPECT_EQ(read_error(empty), empty + ": empty file (expected a header line)");
}

TEST(Csv, MissingFile) {
  TempDir dir;
  const std::string path = dir / "nope.csv";
  EXPECT_EQ(read_error(path), path + ": cannot open: No such file or directory");
}

TEST(Csv, DirectoryIsNotAFile) {
  TempDir dir;
  const std::string path = dir / "";
  EXPECT_CONTAINS(read_error(path), ": is a directory, not a CSV file");
}

TEST(Csv, DashReadsStandardInput) {
  const CsvTable t = with_stdin_pipe("a,b\n1,2\n", [] { return mlp::read_csv("-"); });
  EXPECT_EQ(t.source, "<stdin>");
  EXPECT_EQ(t.rows, (Rows{{"1", "2"}}));
}

TEST(Csv, RealIrisFile) {
  const CsvTable t = mlp::read_csv(std::string(MLP_DATASETS_DIR) + "/iris.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"sepal_length", "sepal_width", "petal_length",
                                                "petal_width", "species"}));
  ASSERT_EQ(t.rows.size(), 150u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"5.1", "3.5", "1.4", "0.2", "setosa"}));
  EXPECT_EQ(t.rows[149][4], "virginica");
  EXPECT_EQ(t.line_numbers.front(), 2u);
  EXPECT_EQ(t.line_numbers.back(), 151u);
}

TEST(Csv, RealDiabetesFile) {
  const CsvTable t = mlp::read_csv(std::string(MLP_DATASETS_DIR) + "/diabetes.csv");
  EXPECT_EQ(t.header.size(), 11u);
  EXPECT_EQ(t.header.back(), "target");
  ASSERT_EQ(t.rows.size(), 442u);
  EXPECT_EQ(t.rows[441].back(), "57");
}

}  // namespace
