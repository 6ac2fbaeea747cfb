// CsvReader: records read from a file in chunks are those parse_csv finds in the whole text;
// a second reading (rewind) gives them again, from a regular file and from a pipe; long records
// and binary input fail fast with a message naming the line.
#include "mlp/data/csv_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"
#include "support/stdin_pipe.hpp"

namespace {

using mlp::test::with_stdin_pipe;

using mlp::CsvReader;
using mlp::CsvRecord;

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    std::string pattern = (std::filesystem::temp_directory_path() / "mlp-reader-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    ::close(fd);
    path_ = pattern;
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Several MiB of CSV whose records cross the reader's 1 MiB reads in every way: quoted fields
// with line breaks and doubled quotes, CRLF and lone CR line ends, multi-byte UTF-8, empty fields.
std::string awkward_csv(std::size_t rows) {
  std::mt19937 rng(7);
  const char* values[] = {
      "plain",       "\"quoted, with comma\"", "\"two\nlines\"",   "\"say \"\"hi\"\"\"", "",
      "caf\xC3\xA9", "\xE2\x82\xAC 12",        "\xF0\x9F\x98\x80", "  spaced  "};
  const char* ends[] = {"\n", "\r\n", "\r"};
  std::string text =
      "\xEF\xBB\xBF"
      "a,b,c\n";
  for (std::size_t i = 0; i < rows; ++i) {
    text += std::to_string(i) + "," + values[rng() % 9] + "," + values[rng() % 9];
    text += ends[rng() % 3];
  }
  return text;
}

std::vector<CsvRecord> read_all(CsvReader& reader) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

void expect_same(const std::vector<CsvRecord>& records, const mlp::CsvTable& table) {
  ASSERT_EQ(records.size(), table.rows.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].fields, table.rows[i]) << "row " << i;
    ASSERT_EQ(records[i].line, table.line_numbers[i]) << "row " << i;
  }
}

TEST(CsvReader, RecordsAcrossReadsAreThoseOfTheWholeText) {
  const std::string text = awkward_csv(400000);
  ASSERT_GT(text.size(), std::size_t(3) << 20);
  const mlp::CsvTable table = mlp::parse_csv(text, "t.csv");
  const TempFile file(text);
  CsvReader reader(file.path());
  reader.start({});
  EXPECT_EQ(reader.header(), table.header);
  expect_same(read_all(reader), table);
  EXPECT_EQ(reader.bytes_read(), text.size());
}

TEST(CsvReader, RewindReadsARegularFileAgain) {
  const std::string text = awkward_csv(300000);
  const mlp::CsvTable table = mlp::parse_csv(text, "t.csv");
  const TempFile file(text);
  CsvReader reader(file.path(), true);
  reader.start({});
  expect_same(read_all(reader), table);
  reader.rewind();
  expect_same(read_all(reader), table);
}

TEST(CsvReader, RewindReadsAPipeAgainFromItsCopy) {
  const std::string text = awkward_csv(300000);
  const mlp::CsvTable table = mlp::parse_csv(text, "<stdin>");
  with_stdin_pipe(text, [&] {
    CsvReader reader("-", true);
    reader.start({});
    // Half the rows, then rewind: the rest of the pipe is copied before the second reading.
    CsvRecord record;
    for (std::size_t i = 0; i < table.rows.size() / 2; ++i) ASSERT_TRUE(reader.next(record));
    reader.rewind();
    expect_same(read_all(reader), table);
    reader.rewind();
    expect_same(read_all(reader), table);
  });
}

TEST(CsvReader, RewindInMemoryText) {
  const std::string text = "x,y\n1,2\n3,4\n";
  CsvReader reader(CsvReader::Text{text, "m.csv"});
  reader.start({});
  EXPECT_EQ(read_all(reader).size(), 2u);
  reader.rewind();
  const auto again = read_all(reader);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].fields, (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(again[1].line, 3u);
}

TEST(CsvReader, ARecordLongerThanTheLimitNamesItsLine) {
  std::string text = "a,b\n1,2\n3,\"";
  text.append(std::size_t(3) << 20, 'x');  // a quote that never closes
  const TempFile file(text);
  CsvReader reader(file.path(), false, std::size_t(1) << 20);
  reader.start({});
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  try {
    reader.next(record);
    FAIL() << "expected a DataError";
  } catch (const mlp::DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.path() + ":3:1: a record longer than 1.0 MB"), std::string::npos)
        << message;
  }
}

TEST(CsvReader, AnOverlongLineWithoutEndIsRefusedAtTheDefaultLimit) {
  // One line of 66 MiB and no line end: refused at 64 MiB, holding about that much, not more.
  std::string text(66u << 20, 'a');
  const TempFile file(text);
  text = std::string();
  CsvReader reader(file.path());
  EXPECT_THROW(
      {
        try {
          reader.start({});
        } catch (const mlp::DataError& e) {
          EXPECT_NE(std::string(e.what()).find(":1:1: a record longer than 67 MB"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      mlp::DataError);
}

TEST(CsvReader, DevZeroFailsAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  try {
    CsvReader reader("/dev/zero");
    reader.start({});
    FAIL() << "expected a DataError";
  } catch (const mlp::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero:1:1: NUL byte"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(CsvReader, ADirectoryOrAMissingFileIsOneMessage) {
  EXPECT_THROW(CsvReader(std::filesystem::temp_directory_path().string()), mlp::DataError);
  EXPECT_THROW(CsvReader("/nonexistent/mlp.csv"), mlp::DataError);
}

TEST(CsvReader, AMultiByteCharacterCutByAReadIsNotAnError) {
  // The 4-byte character straddles the first 1 MiB read at every offset 1..3.
  for (std::size_t shift = 1; shift <= 3; ++shift) {
    std::string text = "a\n";
    text.append((std::size_t(1) << 20) - text.size() - shift, 'x');
    text += "\xF0\x9F\x98\x80\nlast\n";
    const TempFile file(text);
    CsvReader reader(file.path());
    reader.start({});
    const auto records = read_all(reader);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[0].fields[0].substr(records[0].fields[0].size() - 4), "\xF0\x9F\x98\x80");
    EXPECT_EQ(records[1].fields[0], "last");
  }
}

}  // namespace
