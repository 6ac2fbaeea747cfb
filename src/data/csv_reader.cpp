#include "mlp/data/csv_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "mlp/core/error.hpp"
#include "mlp/core/memory_limit.hpp"

namespace mlp {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::size_t kChunkBytes = std::size_t(1) << 20;  // the first read, and the least one

// Thrown by the parser when a record runs past the bytes read so far (and more may follow).
struct NeedMore {};

// The 1-based line and column (UTF-8 code points) of `offset` in `text`, whose first byte is at
// the start of line `first_line`. Lines end at LF, CRLF or a lone CR.
std::string position(std::string_view text, std::size_t first_line, std::size_t offset) {
  std::size_t line = first_line;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++line;
      column = 1;
    } else if (c != '\r' && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

std::string hex_byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02x", static_cast<unsigned>(byte));
  return buffer;
}

// Length of the valid UTF-8 sequence starting at text[i]; 0 when it is invalid; SIZE_MAX when
// it is cut by the end of `text` (more bytes may complete it).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  constexpr std::size_t kCut = static_cast<std::size_t>(-1);
  const auto byte = [&](std::size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0x100u;
  };
  const auto continuation = [&](std::size_t k, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(k) == 0x100u || (byte(k) >= low && byte(k) <= high);
  };
  const unsigned lead = byte(0);
  std::size_t length = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    length = continuation(1) ? 2 : 0;
  else if (lead == 0xE0)
    length = continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  else if (lead == 0xED)
    length = continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  else if (lead >= 0xE1 && lead <= 0xEF)
    length = continuation(1) && continuation(2) ? 3 : 0;
  else if (lead == 0xF0)
    length = continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  else if (lead >= 0xF1 && lead <= 0xF3)
    length = continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  else if (lead == 0xF4)
    length = continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  if (length != 0 && i + length > text.size()) return kCut;
  return length;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

std::string temporary_folder() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

// An unlinked temporary file in $TMPDIR (else /tmp), open for reading and writing.
int open_spool(const std::string& source) {
  const std::string folder = temporary_folder();
  int fd = ::open(folder.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::string name = folder + "/mlp-csv-XXXXXX";
    fd = ::mkstemp(name.data());
    if (fd >= 0) ::unlink(name.c_str());
  }
  if (fd < 0)
    throw DataError(source + ": cannot create a temporary file in " + folder +
                    " to hold the text of a pipe, which is read twice: " + std::strerror(errno) +
                    " (set TMPDIR to a writable folder, or give a regular file)");
  return fd;
}

void write_all(int fd, const char* data, std::size_t size, const std::string& source) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw DataError(source + ": cannot copy the text of a pipe to a temporary file in " +
                      temporary_folder() + ": " + std::strerror(n < 0 ? errno : ENOSPC) +
                      " (free disk space or set TMPDIR, or give a regular file)");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

// The record parser (RFC 4180 and the rules of csv.hpp) over the reader's bytes: it throws
// NeedMore when a record runs past the bytes read so far, and the reader then reads more and
// parses the record again.
struct CsvReader::Parser {
  CsvReader& r;
  std::vector<std::size_t>& offsets;  // where each field starts in r.text_
  std::size_t end = 0;                // where the record's line end is
  bool any_quoted = false;

  [[noreturn]] void fail(std::size_t offset, const std::string& what) const {
    throw DataError(r.source_ + ":" + position(r.text_, r.text_line_, offset) + ": " + what);
  }
  char delimiter() const { return r.dialect_.delimiter; }
  // The byte at `i`; NeedMore when it has not been read yet, '\0' at the end of the input.
  bool more(std::size_t i) const {
    if (i < r.text_.size()) return true;
    if (!r.eof_) throw NeedMore{};
    return false;
  }
  bool is_space(char c) const { return (c == ' ' || c == '\t') && c != delimiter(); }
  bool at_line_end(std::size_t i) const {
    return more(i) && (r.text_[i] == '\n' || r.text_[i] == '\r');
  }
  std::size_t skip_line_end(std::size_t i) const {
    if (r.text_[i] == '\r' && more(i + 1) && r.text_[i + 1] == '\n') ++i;
    return i + 1;
  }

  // Parses the record at r.pos_ into `fields`; returns the position after its line end.
  std::size_t record(std::vector<std::string>& fields, std::size_t& lines) {
    std::size_t p = r.pos_;
    std::size_t count = 0;
    offsets.clear();
    any_quoted = false;
    while (true) {
      offsets.push_back(p);
      if (count == fields.size()) fields.emplace_back();
      p = field(p, fields[count++], lines);
      if (more(p) && r.text_[p] == delimiter()) {
        ++p;
        continue;
      }
      break;
    }
    fields.resize(count);
    end = p;
    if (more(p)) {
      p = skip_line_end(p);
      ++lines;
    }
    return p;
  }

  // Reads one field starting at `p` into `out`; returns the position of the delimiter, line end
  // or end of the input after it.
  std::size_t field(std::size_t p, std::string& out, std::size_t& lines) {
    const std::size_t start = p;
    std::size_t q = p;
    while (more(q) && is_space(r.text_[q])) ++q;
    if (more(q) && r.text_[q] == '"') {
      any_quoted = true;
      return quoted(q, out, lines);
    }
    while (more(p) && r.text_[p] != delimiter() && !at_line_end(p)) {
      if (r.text_[p] == '"')
        fail(p,
             "quote character inside an unquoted field (quote the whole field and double "
             "the quotes inside it, e.g. \"say \"\"hi\"\"\")");
      ++p;
    }
    out.assign(r.text_.substr(start, p - start));
    return p;
  }

  std::size_t quoted(std::size_t open, std::string& out, std::size_t& lines) {
    out.clear();
    std::size_t p = open + 1;
    while (true) {
      const std::size_t stop = r.text_.find_first_of("\"\r\n", p);
      if (stop == std::string_view::npos) {
        if (!r.eof_) throw NeedMore{};
        fail(open, "unterminated quoted field (the quote opened here is never closed)");
      }
      out.append(r.text_.substr(p, stop - p));
      p = stop;
      if (r.text_[p] == '"') {
        if (more(p + 1) && r.text_[p + 1] == '"') {
          out.push_back('"');
          p += 2;
          continue;
        }
        ++p;
        break;
      }
      // A line break inside the quotes belongs to the field.
      const std::size_t line_end = p;
      p = skip_line_end(p);
      ++lines;
      out.append(r.text_.substr(line_end, p - line_end));
    }
    while (more(p) && is_space(r.text_[p])) ++p;
    if (more(p) && r.text_[p] != delimiter() && !at_line_end(p))
      fail(p,
           "unexpected character after the closing quote of a field (expected the "
           "delimiter '" +
               std::string(1, delimiter()) + "' or the end of the line)");
    return p;
  }

  std::string_view whitespace() const {
    if (delimiter() == ' ') return "\t";
    if (delimiter() == '\t') return " ";
    return " \t";
  }
  bool blank(const std::vector<std::string>& fields) const {
    return !any_quoted && fields.size() == 1 &&
           fields[0].find_first_not_of(whitespace()) == std::string::npos;
  }
};

CsvReader::CsvReader(const std::string& path, bool rewindable, std::size_t max_record_bytes)
    : source_(source_name(path)), max_record_bytes_(max_record_bytes) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw DataError(path + ": cannot open: " + std::strerror(errno));
    owns_fd_ = true;
  }
  try {
    struct stat info {};
    if (::fstat(fd_, &info) == 0 && S_ISDIR(info.st_mode))
      throw DataError(path + ": is a directory, not a CSV file");
    const off_t offset = S_ISREG(info.st_mode) ? ::lseek(fd_, 0, SEEK_CUR) : off_t(-1);
    seekable_ = offset >= 0;
    if (seekable_) first_offset_ = static_cast<std::uint64_t>(offset);
    if (seekable_ && info.st_size > offset)
      input_bytes_ = static_cast<std::uint64_t>(info.st_size - offset);
    if (rewindable && !seekable_) {
      spool_fd_ = open_spool(source_);
      spooling_ = true;
    }
    while (buffer_.size() < kChunkBytes && fill()) {
    }
  } catch (...) {
    close_all();
    throw;
  }
  if (text_.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
    buffer_.erase(0, kUtf8Bom.size());
    text_ = buffer_;
    text_offset_ = kUtf8Bom.size();
  }
}

CsvReader::CsvReader(const Text& text) : source_(text.source), text_(text.text), eof_(true) {
  if (text_.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
    text_.remove_prefix(kUtf8Bom.size());
    text_offset_ = kUtf8Bom.size();
  }
}

CsvReader::~CsvReader() {
  close_all();
}

void CsvReader::close_all() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  if (spool_fd_ >= 0) ::close(spool_fd_);
  fd_ = spool_fd_ = -1;
  owns_fd_ = spooling_ = false;
}

std::string_view CsvReader::head() const {
  return text_;
}

void CsvReader::fail(std::size_t offset, const std::string& what) const {
  throw DataError(source_ + ":" + position(text_, text_line_, offset) + ": " + what);
}

bool CsvReader::fill() {
  if (eof_ || fd_ < 0) {
    eof_ = true;
    return false;
  }
  // Drop the bytes parsed: text_ starts at the record being parsed, which starts a line.
  buffer_.erase(0, pos_);
  text_offset_ += pos_;
  validated_ -= std::min(validated_, pos_);
  text_line_ = line_;
  pos_ = 0;
  // Read at least as much as is held, so that a long record is parsed a bounded number of times.
  std::size_t want = std::max(kChunkBytes, buffer_.size());
  const std::size_t old_size = buffer_.size();
  if (ranged_) {  // up to the end of the range
    const std::uint64_t at = text_offset_ + old_size;
    want = static_cast<std::size_t>(
        std::min<std::uint64_t>(want, range_end_ - std::min(at, range_end_)));
    if (want == 0) {
      text_ = buffer_;
      eof_ = true;
      return false;
    }
  }
  buffer_.resize(old_size + want);
  ssize_t n = 0;
  do {
    n = ::read(fd_, buffer_.data() + old_size, want);
  } while (n < 0 && errno == EINTR);
  const int error = errno;
  buffer_.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
  text_ = buffer_;
  if (n < 0) throw DataError(source_ + ": read error: " + std::strerror(error));
  bytes_read_ += static_cast<std::uint64_t>(n);
  if (n == 0) eof_ = true;
  if (spooling_ && n > 0)
    write_all(spool_fd_, buffer_.data() + old_size, static_cast<std::size_t>(n), source_);
  return n > 0;
}

void CsvReader::validate() {
  const std::string binary_hint = ": this looks like a binary file, not CSV text";
  std::size_t i = validated_;
  while (i < text_.size()) {
    const auto byte = static_cast<unsigned char>(text_[i]);
    if (byte == 0) fail(i, "NUL byte" + binary_hint);
    if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F)
      fail(i, "control character " + hex_byte(byte) + binary_hint);
    std::size_t length = utf8_sequence_length(text_, i);
    if (length == static_cast<std::size_t>(-1)) {
      if (!eof_) break;  // the rest of the sequence is not read yet
      length = 0;
    }
    if (length == 0)
      fail(i, "invalid UTF-8 byte " + hex_byte(byte) +
                  " (the file must be UTF-8 text; this looks like a binary file or another "
                  "encoding)");
    i += length;
  }
  validated_ = i;
}

bool CsvReader::parse_next(std::vector<std::string>& fields, std::size_t& line) {
  while (true) {
    if (pos_ >= text_.size()) {
      if (eof_ || !fill()) return false;
      validate();
      continue;
    }
    Parser parser{*this, offsets_};
    std::size_t lines = 0;
    try {
      const std::size_t next = parser.record(fields, lines);
      line = line_;
      end_ = parser.end;
      blank_ = parser.blank(fields);
      pos_ = next;
      line_ += lines;
      return true;
    } catch (const NeedMore&) {
      if (text_.size() - pos_ >= max_record_bytes_)
        throw DataError(source_ + ":" + std::to_string(line_) + ":1: a record longer than " +
                        human_bytes(max_record_bytes_) +
                        " starts on this line (a line without an end, or a quote that never "
                        "closes); this does not look like a CSV file");
      fill();
      validate();
    }
  }
}

void CsvReader::start(const CsvOptions& dialect) {
  check_dialect(dialect);
  dialect_ = dialect;
  if (text_.empty()) throw DataError(source_ + ": empty file (expected a header line)");
  if (text_.size() >= 2 && static_cast<unsigned char>(text_[0]) == 0x1F &&
      static_cast<unsigned char>(text_[1]) == 0x8B)
    throw DataError(source_ +
                    ": this is a gzip-compressed file, not CSV text (decompress it first)");
  validate();
  std::vector<std::string> fields;
  std::size_t line = 0;
  while (parse_next(fields, line) && blank_)
    if (blank_line_ == 0) blank_line_ = line;
  if (fields.empty() || blank_) throw DataError(source_ + ": empty file (expected a header line)");
  if (blank_line_ != 0)
    throw DataError(source_ + ":" + std::to_string(blank_line_) +
                    ":1: blank line before the header (the first line must be the header)");
  std::unordered_map<std::string, std::size_t> seen;  // name -> column: linear in the width
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string name = trim(fields[i]);
    if (name.empty())
      fail(offsets_[i], "empty column name in the header (column " + std::to_string(i + 1) + ")");
    const auto [it, inserted] = seen.emplace(name, i);
    if (!inserted)
      fail(offsets_[i], "duplicate column name '" + name + "' in the header (columns " +
                            std::to_string(it->second + 1) + " and " + std::to_string(i + 1) + ")");
    header_.push_back(std::move(name));
  }
  data_offset_ = text_offset_ + pos_;
  data_line_ = line_;
  started_ = true;
}

bool CsvReader::next(CsvRecord& record) {
  while (parse_next(record.fields, record.line)) {
    if (blank_) {
      if (blank_line_ == 0) blank_line_ = record.line;
      continue;
    }
    if (blank_line_ != 0)
      throw DataError(source_ + ":" + std::to_string(blank_line_) +
                      ":1: blank line between data rows (remove it; an empty value must be "
                      "written as \"\" in a one-column file)");
    const std::size_t expected = header_.size();
    const std::size_t got = record.fields.size();
    if (got != expected)
      fail(got > expected ? offsets_[expected] : end_, "expected " + std::to_string(expected) +
                                                           " fields (as in the header), got " +
                                                           std::to_string(got));
    ++rows_;
    return true;
  }
  if (ranged_ && range_end_ < input_bytes_ && blank_line_ != 0)
    throw DataError(source_ + ":" + std::to_string(blank_line_) +
                    ":1: blank line between data rows (remove it; an empty value must be written "
                    "as \"\" in a one-column file)");
  if (rows_ == 0 && !ranged_) throw DataError(source_ + ": no data rows (only a header line)");
  return false;
}

void CsvReader::read_range(std::uint64_t begin, std::size_t line, std::uint64_t end) {
  if (!started_ || !seekable_ || spooling_ || fd_ < 0)
    throw DataError(source_ + ": a part of the rows can only be read from a regular file");
  data_offset_ = begin;
  data_line_ = line;
  range_end_ = end;
  ranged_ = true;
  rewind();
}

void CsvReader::rewind() {
  if (spooling_) {
    while (!eof_) {  // copy what the first reading left unread
      pos_ = text_.size();
      fill();
    }
    if (owns_fd_) ::close(fd_);
    fd_ = spool_fd_;
    spool_fd_ = -1;
    owns_fd_ = true;
    spooling_ = false;
    seekable_ = true;
    first_offset_ = 0;
  }
  if (fd_ >= 0) {
    const auto offset = static_cast<off_t>(first_offset_ + data_offset_);
    if (::lseek(fd_, offset, SEEK_SET) != offset)
      throw DataError(source_ + ": cannot read the file a second time: " + std::strerror(errno));
    buffer_.clear();
    text_ = buffer_;
    pos_ = 0;
    validated_ = 0;
    eof_ = false;
    text_offset_ = data_offset_;
    text_line_ = data_line_;
  } else {
    pos_ = static_cast<std::size_t>(data_offset_ - text_offset_);
  }
  line_ = data_line_;
  rows_ = 0;
  blank_line_ = 0;
}

}  // namespace mlp
