// Reading a CSV file one record at a time, in memory proportional to one record: the reader
// behind read_csv, parse_csv and read_dataset (which reads a file twice: once to infer the
// columns, once to fill the matrix).
//
//   mlp::CsvReader reader("big.csv");                  // opened once ("-": standard input)
//   reader.start(mlp::detect_csv_dialect(reader.head()));  // parses the header
//   mlp::CsvRecord record;
//   while (reader.next(record)) use(record.fields, record.line);
//   reader.rewind();                                   // back to the first data row
//
// The rules of the text (quotes, line ends, BOM, UTF-8, blank lines) and the messages are those
// of csv.hpp. A regular file is read twice through the one descriptor opened; anything else (a
// pipe, a FIFO, `<(...)`, a terminal) is copied, while it is read the first time, to an unlinked
// temporary file in $TMPDIR (else /tmp), which the second reading reads: a pipe costs disk space
// the size of its text, not memory. A record (a line, or the lines of a quoted field) longer than
// max_record_bytes is a DataError naming the line where it starts, so /dev/zero or a file with
// no line end fails after reading that much, not when memory runs out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/csv.hpp"

namespace mlp {

// One data row: its fields, as many as the header's, and the 1-based line where it starts.
struct CsvRecord {
  std::vector<std::string> fields;
  std::size_t line = 0;
};

class CsvReader {
 public:
  static constexpr std::size_t kDefaultMaxRecordBytes = std::size_t(64) << 20;  // 64 MiB

  // Opens `path` ("-": standard input) and reads its first bytes; `rewindable`: rewind() will
  // be called (a pipe is then copied to a temporary file as it is read). Throws DataError when
  // the file is missing, unreadable or a directory, or the temporary file cannot be made.
  explicit CsvReader(const std::string& path, bool rewindable = false,
                     std::size_t max_record_bytes = kDefaultMaxRecordBytes);
  // Reads text held in memory by the caller for the reader's lifetime.
  struct Text {
    std::string_view text;
    std::string source;  // the name used in messages
  };
  explicit CsvReader(const Text& text);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // The first bytes of the file (at least the first 20 lines when they fit in 1 MiB), for
  // detect_csv_dialect; valid until start().
  std::string_view head() const;

  // Sets the dialect and reads the header. Throws InvalidArgument for an invalid dialect and
  // DataError for an empty file, a bad header or the first parse error of csv.hpp.
  void start(const CsvOptions& dialect);

  // The next data row (fields with quotes removed, as parse_csv gives them); false after the
  // last. Throws DataError for the parse errors of parse_csv, for "no data rows" when the file
  // has a header only, and for a record longer than the limit.
  bool next(CsvRecord& record);

  // Back to the first data row (for a second reading). Throws DataError when the temporary copy
  // of a pipe cannot be read back.
  void rewind();

  // After start(), on a regular file: reads only the records from file offset `begin` (where a
  // record starts, on line `line`) to `end` (where one starts, or the file's size), and rewind()
  // comes back to `begin`: the rows of one process's shard (docs/distributed.md). The end of
  // the range is read as the end of the text, but for two rules: a range may hold no row, and a
  // blank line before an end that is not the file's is a blank line between data rows.
  // Throws DataError for input that is not a regular file.
  void read_range(std::uint64_t begin, std::size_t line, std::uint64_t end);
  // Where the first data row (or a blank line before it) starts, after start(): a file offset
  // and a line.
  std::uint64_t data_offset() const { return data_offset_; }
  std::size_t data_line() const { return data_line_; }

  const std::string& source() const { return source_; }
  const std::vector<std::string>& header() const { return header_; }
  const CsvOptions& dialect() const { return dialect_; }
  // Bytes of text read so far (the first reading: the file's size once next() returned false).
  std::uint64_t bytes_read() const { return bytes_read_; }
  // The bytes of text the input holds, when known before it is read (a regular file); 0 for a
  // pipe, a FIFO, a device or text in memory.
  std::uint64_t input_bytes() const { return input_bytes_; }

 private:
  struct Parser;
  bool fill();      // reads more bytes into the buffer; false at the end of the input
  void validate();  // checks the bytes read since the last call are UTF-8 text
  // The next record, blank or not; false at the end of the input.
  bool parse_next(std::vector<std::string>& fields, std::size_t& line);
  [[noreturn]] void fail(std::size_t offset, const std::string& what) const;
  void close_all();

  std::string source_;
  std::size_t max_record_bytes_ = kDefaultMaxRecordBytes;
  int fd_ = -1;            // the input; -1 for text given in memory
  bool owns_fd_ = false;   // opened by the reader (not standard input)
  bool seekable_ = false;  // a regular file: rewind seeks
  int spool_fd_ = -1;      // the copy of a pipe's text, while reading the input the first time
  bool spooling_ = false;
  std::uint64_t first_offset_ = 0;  // where the input's text started (standard input: anywhere)

  std::string buffer_;         // the bytes not yet parsed, starting at a record's start
  std::string_view text_;      // buffer_, or the text given in memory
  std::size_t validated_ = 0;  // bytes of text_ checked to be UTF-8 text
  bool eof_ = false;           // text_ holds the last bytes of the input
  bool at_start_ = true;       // nothing parsed yet: a BOM may follow
  std::size_t pos_ = 0;        // the parse position in text_
  std::size_t line_ = 1;       // the line of text_[pos_]
  std::size_t text_line_ = 1;  // the line of text_[0]
  std::uint64_t bytes_read_ = 0;
  std::uint64_t input_bytes_ = 0;

  CsvOptions dialect_;
  std::vector<std::string> header_;
  bool started_ = false;
  std::size_t rows_ = 0;           // data rows returned since the start or the last rewind
  std::size_t blank_line_ = 0;     // a blank line seen after the last record (0: none)
  std::uint64_t data_offset_ = 0;  // the input offset of the first data row
  std::size_t data_line_ = 0;      // its line
  std::uint64_t text_offset_ = 0;  // the input offset of text_[0]
  // read_range: the input offset where the text ends for this reader (no range: none).
  std::uint64_t range_end_ = static_cast<std::uint64_t>(-1);
  bool ranged_ = false;

  // The record parse_next returned last: where its fields start and its line end is, in text_.
  std::vector<std::size_t> offsets_;
  std::size_t end_ = 0;
  bool blank_ = false;  // an empty or whitespace-only line
};

}  // namespace mlp
