#include "csv_row_scan.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mlp/core/error.hpp"

namespace mlp::detail {

namespace {

// The record rules of csv.hpp, one byte at a time, telling where each non-blank record starts.
class RowScanner {
 public:
  RowScanner(char delimiter, CsvRowStart from)
      : delimiter_(delimiter), start_(from), line_(from.line) {}

  // Scans `size` bytes that start at file offset `base`; calls row(start) at the first byte of
  // each record that is not blank (a space or tab does not count), and stops when it returns
  // false. Returns false when stopped.
  template <class Row>
  bool feed(const char* data, std::size_t size, std::uint64_t base, Row& row) {
    for (std::size_t i = 0; i < size; ++i) {
      const char c = data[i];
      if (c == '\n' || c == '\r') {
        line_end(c, base + i);
        continue;
      }
      after_cr_ = false;
      if (!content_ && ((c != ' ' && c != '\t') || c == delimiter_)) {
        content_ = true;
        if (!row(start_)) return false;
      }
      step(c);
    }
    return true;
  }
  std::size_t line() const { return line_; }

 private:
  enum class State { field_start, unquoted, quoted, quote_in_quoted, after_quoted };

  void step(char c) {
    switch (state_) {
      case State::field_start:
        if (c == '"')
          state_ = State::quoted;
        else if (c != delimiter_ && c != ' ' && c != '\t')
          state_ = State::unquoted;
        break;
      case State::unquoted:
      case State::after_quoted:
        if (c == delimiter_) state_ = State::field_start;
        break;
      case State::quoted:
        if (c == '"') state_ = State::quote_in_quoted;
        break;
      case State::quote_in_quoted:
        state_ = c == '"'          ? State::quoted
                 : c == delimiter_ ? State::field_start
                                   : State::after_quoted;
        break;
    }
  }

  // A line end at `offset`: a new line (CRLF counts once), and outside quotes the record's end.
  void line_end(char c, std::uint64_t offset) {
    const bool crlf = c == '\n' && after_cr_;
    after_cr_ = c == '\r';
    if (!crlf) ++line_;
    if (state_ == State::quoted) return;
    state_ = State::field_start;
    content_ = false;
    start_ = {offset + 1, line_};
  }

  char delimiter_;
  State state_ = State::field_start;
  bool content_ = false;   // the record has a byte other than a space or tab
  bool after_cr_ = false;  // the last byte was a CR
  CsvRowStart start_;      // where the record being read starts
  std::size_t line_;
};

// Scans `path` from `from` to its end or until row(start) returns false; returns where the scan
// ended (the end of the file, when it was not stopped).
template <class Row>
CsvRowStart scan_rows(const std::string& path, char delimiter, CsvRowStart from, Row row) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DataError(path + ": cannot open: " + std::strerror(errno));
  RowScanner scanner(delimiter, from);
  std::uint64_t offset = from.offset;
  try {
    if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0)
      throw DataError(path + ": cannot seek: " + std::strerror(errno));
    std::vector<char> buffer(std::size_t(1) << 20);
    while (true) {
      const ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw DataError(path + ": read error: " + std::strerror(errno));
      if (n == 0) break;
      if (!scanner.feed(buffer.data(), static_cast<std::size_t>(n), offset, row)) break;
      offset += static_cast<std::uint64_t>(n);
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  return {offset, scanner.line()};
}

}  // namespace

CsvRowIndex index_csv_rows(const std::string& path, char delimiter, CsvRowStart first,
                           std::size_t every) {
  CsvRowIndex index;
  index.every = every;
  index.end = scan_rows(path, delimiter, first, [&](CsvRowStart start) {
    if (index.rows % every == 0) index.starts.push_back(index.rows == 0 ? first : start);
    ++index.rows;
    return true;
  });
  if (index.starts.empty()) index.starts.push_back(first);
  return index;
}

CsvRowStart find_csv_row(const std::string& path, char delimiter, const CsvRowIndex& index,
                         std::size_t row) {
  if (row >= index.rows) return index.end;
  const CsvRowStart from = index.starts[row / index.every];
  std::size_t skip = row % index.every;
  if (skip == 0) return from;
  CsvRowStart found;
  scan_rows(path, delimiter, from, [&](CsvRowStart start) {
    found = start;
    return skip-- > 0;
  });
  return found;
}

}  // namespace mlp::detail
