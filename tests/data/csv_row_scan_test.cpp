// The scan for row starts (data/csv_row_scan.hpp) and CsvReader::read_range, the two halves of a
// process's shard of a CSV file: every row the scan finds, read alone as a range from where the
// scan says it starts, is the row parse_csv finds in the whole text, on its line; blank lines
// are rows nowhere, and between two rows they fail in the range that holds them.
#include "data/csv_row_scan.hpp"

#include <gtest/gtest.h>

#include <random>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/csv_reader.hpp"
#include "support/files.hpp"

namespace {

using mlp::CsvReader;
using mlp::CsvRecord;
using mlp::detail::CsvRowIndex;
using mlp::detail::CsvRowStart;
using mlp::test::TempDir;

// CSV whose records hold every rule of the scan: a BOM, quoted fields with the delimiter, line
// ends (LF, CRLF, CR) and doubled quotes, spaces before a quote, LF, CRLF and lone CR line ends,
// empty and multi-byte fields, and blank lines of spaces at the end.
std::string awkward_table(std::size_t rows, const char* last_end) {
  std::mt19937 rng(11);
  const char* values[] = {"plain",
                          "\"a, b\"",
                          "\"two\nlines\"",
                          "\"cr\r\nlf\"",
                          "\"lone\rcr\"",
                          "\"say \"\"hi\"\"\"",
                          "",
                          "caf\xC3\xA9",
                          "  \"spaced\"  ",
                          "\"\"",
                          "x y"};
  const char* ends[] = {"\n", "\r\n", "\r"};
  std::string text =
      "\xEF\xBB\xBF"
      "id,a,b\r\n";
  for (std::size_t i = 0; i < rows; ++i) {
    text += std::to_string(i) + "," + values[rng() % 11] + "," + values[rng() % 11];
    text += i + 1 == rows ? last_end : ends[rng() % 3];
  }
  return text;
}

// The index of the data rows of `path` (every 3rd row indexed), from a reader started on it.
CsvRowIndex index_of(const std::string& path, mlp::CsvOptions dialect = {}) {
  CsvReader reader(path);
  reader.start(dialect);
  return mlp::detail::index_csv_rows(path, dialect.delimiter,
                                     {reader.data_offset(), reader.data_line()}, 3);
}

// The rows of the range [first, last) of `path`'s rows, read as a shard.
std::vector<CsvRecord> read_rows(const std::string& path, const CsvRowIndex& index,
                                 std::size_t first, std::size_t last,
                                 mlp::CsvOptions dialect = {}) {
  CsvReader reader(path);
  reader.start(dialect);
  const CsvRowStart begin = mlp::detail::find_csv_row(path, dialect.delimiter, index, first);
  const CsvRowStart end = mlp::detail::find_csv_row(path, dialect.delimiter, index, last);
  reader.read_range(begin.offset, begin.line, end.offset);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

TEST(CsvRowScan, EveryRowReadAloneIsTheRowOfTheWholeText) {
  for (const char* last_end : {"", "\n", "\r\n", "\r", "\n  \n\t\n", "\r\n \r\n"}) {
    SCOPED_TRACE(std::string("last line end: ") + (*last_end ? "some" : "none"));
    TempDir dir;
    const std::string text = awkward_table(200, last_end);
    const std::string path = dir.file("t.csv", text);
    const mlp::CsvTable table = mlp::parse_csv(text, path);
    const CsvRowIndex index = index_of(path);
    ASSERT_EQ(index.rows, table.rows.size());
    EXPECT_EQ(index.end.offset, text.size());
    for (std::size_t row = 0; row < index.rows; ++row) {
      const std::vector<CsvRecord> records = read_rows(path, index, row, row + 1);
      ASSERT_EQ(records.size(), 1u) << "row " << row;
      EXPECT_EQ(records[0].fields, table.rows[row]) << "row " << row;
      EXPECT_EQ(records[0].line, table.line_numbers[row]) << "row " << row;
    }
    // Ranges of several rows, and an empty one, cut where stripes would be.
    for (const auto& [first, last] :
         {std::pair<std::size_t, std::size_t>{0, 67}, {67, 133}, {133, 200}, {90, 90}}) {
      const std::vector<CsvRecord> records = read_rows(path, index, first, last);
      ASSERT_EQ(records.size(), last - first);
      for (std::size_t k = 0; k < records.size(); ++k)
        EXPECT_EQ(records[k].fields, table.rows[first + k]);
    }
  }
}

TEST(CsvRowScan, BlankLinesAreNotRowsAndFailWhereTheyAreBetweenRows) {
  TempDir dir;
  const std::string path = dir.file("t.csv", "a,b\n1,2\n3,4\n  \n5,6\n7,8\n\n\n");
  const CsvRowIndex index = index_of(path);
  ASSERT_EQ(index.rows, 4u);
  // The blank line before row 2 belongs to the range before it: there it is between rows.
  EXPECT_EQ(read_rows(path, index, 2, 4).size(), 2u);  // the blank lines at the end are not
  EXPECT_THROW(read_rows(path, index, 0, 2), mlp::DataError);
  EXPECT_THROW(read_rows(path, index, 1, 3), mlp::DataError);
  try {
    read_rows(path, index, 1, 2);
    FAIL() << "no error";
  } catch (const mlp::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:4:1: blank line between data rows"),
              std::string::npos)
        << e.what();
  }
}

TEST(CsvRowScan, BlankLinesAfterTheHeaderBelongToTheFirstRow) {
  TempDir dir;
  const std::string path = dir.file("t.csv", "a,b\n\n1,2\n3,4\n");
  const CsvRowIndex index = index_of(path);
  ASSERT_EQ(index.rows, 2u);
  EXPECT_EQ(read_rows(path, index, 1, 2).size(), 1u);
  EXPECT_THROW(read_rows(path, index, 0, 1), mlp::DataError);
}

TEST(CsvRowScan, QuotedLineEndsAndDelimitersDoNotStartRows) {
  TempDir dir;
  const std::string path =
      dir.file("t.csv", "a,b\n\"x\ny\",\"1,\r\n2\"\n \"q\"\"\n\",3\r\nlast,row");
  const CsvRowIndex index = index_of(path);
  ASSERT_EQ(index.rows, 3u);
  const std::vector<CsvRecord> last = read_rows(path, index, 2, 3);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].fields, (std::vector<std::string>{"last", "row"}));
  EXPECT_EQ(last[0].line, 7u);
  const std::vector<CsvRecord> second = read_rows(path, index, 1, 2);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].fields, (std::vector<std::string>{"q\"\n", "3"}));
  EXPECT_EQ(second[0].line, 5u);
}

// With a tab as the delimiter, a space is not one: spaces before a quote still open a quoted
// field, whose tabs and line ends are the field's.
TEST(CsvRowScan, OtherDelimitersFollowTheSameRules) {
  TempDir dir;
  mlp::CsvOptions tabs;
  tabs.delimiter = '\t';
  const std::string path = dir.file("t.tsv", "a\tb\n1\t  \"x\ty\nz\"\n \t \n2 2\t\"\"\n");
  const CsvRowIndex index = index_of(path, tabs);
  ASSERT_EQ(index.rows, 3u);
  const std::vector<CsvRecord> rows = read_rows(path, index, 1, 3, tabs);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{" ", " "}));
  EXPECT_EQ(rows[0].line, 4u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"2 2", ""}));
}

}  // namespace
