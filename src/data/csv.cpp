#include "mlp/data/csv.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <unordered_map>

#include "mlp/core/error.hpp"

namespace mlp {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Throws DataError "SOURCE:LINE:COL: what" for a byte offset into `text`. Lines end at LF, CRLF
// or a lone CR; columns count UTF-8 code points (continuation bytes do not start a column).
[[noreturn]] void fail_at(std::string_view text, const std::string& source, std::size_t offset,
                          const std::string& what) {
  std::size_t line = 1;
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
  throw DataError(source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
}

std::string hex_byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02x", static_cast<unsigned>(byte));
  return buffer;
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is invalid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  const auto continuation = [&](std::size_t k, unsigned low = 0x80, unsigned high = 0xBF) {
    return byte(k) >= low && byte(k) <= high;
  };
  const unsigned lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead == 0xE0) return continuation(1, 0xA0) && continuation(2) ? 3 : 0;
  if (lead == 0xED) return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0;
  if (lead >= 0xE1 && lead <= 0xEF) return continuation(1) && continuation(2) ? 3 : 0;
  if (lead == 0xF0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead >= 0xF1 && lead <= 0xF3)
    return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead == 0xF4)
    return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

// Rejects text that is not UTF-8 text: NUL bytes, control characters other than tab, CR and LF,
// and invalid UTF-8 sequences.
void check_is_text(std::string_view text, const std::string& source) {
  if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1F &&
      static_cast<unsigned char>(text[1]) == 0x8B)
    throw DataError(source +
                    ": this is a gzip-compressed file, not CSV text (decompress it first)");
  const std::string binary_hint = ": this looks like a binary file, not CSV text";
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == 0) fail_at(text, source, i, "NUL byte" + binary_hint);
    if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F)
      fail_at(text, source, i, "control character " + hex_byte(byte) + binary_hint);
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0)
      fail_at(text, source, i,
              "invalid UTF-8 byte " + hex_byte(byte) +
                  " (the file must be UTF-8 text; this looks like a binary file or another "
                  "encoding)");
    i += length;
  }
}

// One record (physical line or lines) of the file, as the parser returns it.
struct Record {
  std::vector<std::string> fields;
  std::vector<std::size_t> field_offsets;  // where each field starts (before any spaces)
  std::size_t start = 0;                   // offset of the record's first byte
  std::size_t end = 0;                     // offset of the record's line end (or text end)
  std::size_t line = 0;                    // 1-based line where the record starts
  bool blank = false;                      // an empty or whitespace-only line
};

class Parser {
 public:
  Parser(std::string_view text, const std::string& source, char delimiter)
      : text_(text), source_(source), delimiter_(delimiter) {}

  // Reads the next record into `record`; false at the end of the text.
  bool next(Record& record) {
    if (pos_ >= text_.size()) return false;
    record.fields.clear();
    record.field_offsets.clear();
    record.start = pos_;
    record.line = line_;
    bool any_quoted = false;
    while (true) {
      record.field_offsets.push_back(pos_);
      std::string field;
      any_quoted |= read_field(field);
      record.fields.push_back(std::move(field));
      if (pos_ < text_.size() && text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      break;
    }
    record.end = pos_;
    if (pos_ < text_.size()) skip_line_end();
    record.blank = !any_quoted && record.fields.size() == 1 &&
                   record.fields[0].find_first_not_of(whitespace()) == std::string::npos;
    return true;
  }

 private:
  std::string_view whitespace() const {
    if (delimiter_ == ' ') return "\t";
    if (delimiter_ == '\t') return " ";
    return " \t";
  }
  bool is_space(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
  bool at_line_end() const {
    return pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r');
  }
  void skip_line_end() {
    if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  // Reads one field starting at pos_ and leaves pos_ on the delimiter, a line end or the end of
  // the text. Returns whether the field was quoted.
  bool read_field(std::string& field) {
    const std::size_t start = pos_;
    std::size_t p = pos_;
    while (p < text_.size() && is_space(text_[p])) ++p;
    if (p < text_.size() && text_[p] == '"') {
      read_quoted(p, field);
      return true;
    }
    while (pos_ < text_.size() && text_[pos_] != delimiter_ && !at_line_end()) {
      if (text_[pos_] == '"')
        fail_at(text_, source_, pos_,
                "quote character inside an unquoted field (quote the whole field and double "
                "the quotes inside it, e.g. \"say \"\"hi\"\"\")");
      ++pos_;
    }
    field.assign(text_.substr(start, pos_ - start));
    return false;
  }

  void read_quoted(std::size_t open, std::string& field) {
    pos_ = open + 1;
    while (true) {
      const std::size_t stop = text_.find_first_of("\"\r\n", pos_);
      if (stop == std::string_view::npos)
        fail_at(text_, source_, open,
                "unterminated quoted field (the quote opened here is never closed)");
      field.append(text_.substr(pos_, stop - pos_));
      pos_ = stop;
      if (text_[pos_] == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      // A line break inside the quotes belongs to the field.
      const std::size_t line_end = pos_;
      skip_line_end();
      field.append(text_.substr(line_end, pos_ - line_end));
    }
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] != delimiter_ && !at_line_end())
      fail_at(text_, source_, pos_,
              "unexpected character after the closing quote of a field (expected the "
              "delimiter '" +
                  std::string(1, delimiter_) + "' or the end of the line)");
  }

  std::string_view text_;
  const std::string& source_;
  char delimiter_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

// The fields of the first `max_records` non-blank records of `text`, split at `delimiter`
// outside quotes (quotes removed). Only for guessing the dialect: no error is raised.
std::vector<std::vector<std::string>> sample_records(std::string_view text, char delimiter,
                                                     std::size_t max_records) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields(1);
  bool quoted = false, any = false;
  const auto end_record = [&] {
    if (any) records.push_back(std::move(fields));
    fields.assign(1, std::string());
    any = false;
  };
  for (std::size_t i = 0; i < text.size() && records.size() < max_records; ++i) {
    const char c = text[i];
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && (c == '\n' || c == '\r')) {
      end_record();
    } else if (!quoted && c == delimiter) {
      fields.emplace_back();
      any = true;
    } else {
      fields.back().push_back(c);
      any = true;
    }
  }
  if (records.size() < max_records) end_record();
  return records;
}

// Whether `field` is a number written with `mark` as its decimal mark and digits on both sides
// ("-1,5" for ','; "2.25" for '.').
bool has_decimal_mark(std::string_view field, char mark) {
  const auto first = field.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  field.remove_prefix(first);
  field = field.substr(0, field.find_last_not_of(" \t") + 1);
  if (!field.empty() && (field[0] == '-' || field[0] == '+')) field.remove_prefix(1);
  const auto at = field.find(mark);
  if (at == 0 || at == std::string_view::npos || at + 1 == field.size()) return false;
  for (std::size_t i = 0; i < field.size(); ++i)
    if (i != at && (field[i] < '0' || field[i] > '9')) return false;
  return true;
}

// The delimiter rule of detect_csv_dialect.
char detect_delimiter(std::string_view text) {
  constexpr std::size_t kLines = 20;
  char best = ',';
  std::size_t best_count = 0;
  bool best_consistent = false;
  for (const char candidate : {',', ';', '\t', '|'}) {
    const auto records = sample_records(text, candidate, kLines);
    if (records.empty()) continue;
    const std::size_t count = records.front().size() - 1;
    bool consistent = count > 0;
    for (const auto& record : records) consistent = consistent && record.size() - 1 == count;
    const bool better = consistent ? (!best_consistent || count > best_count)
                                   : (!best_consistent && count > best_count);
    if (better) {
      best = candidate;
      best_count = count;
      best_consistent = consistent;
    }
  }
  return best;
}

std::string read_stream(std::istream& in) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace

CsvTable parse_csv(std::string_view text, const std::string& source_name,
                   const CsvOptions& options) {
  check_dialect(options);
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  if (text.empty()) throw DataError(source_name + ": empty file (expected a header line)");
  check_is_text(text, source_name);

  CsvTable table;
  table.source = source_name;
  table.dialect = options;
  Parser parser(text, source_name, options.delimiter);
  Record record;
  bool have_header = false;
  std::optional<std::size_t> blank_line;  // first blank line since the last non-blank record
  while (parser.next(record)) {
    if (record.blank) {
      if (!blank_line) blank_line = record.start;
      continue;
    }
    if (blank_line) {
      fail_at(text, source_name, *blank_line,
              have_header ? "blank line between data rows (remove it; an empty value must be "
                            "written as \"\" in a one-column file)"
                          : "blank line before the header (the first line must be the header)");
    }
    if (!have_header) {
      std::unordered_map<std::string, std::size_t> seen;  // name -> column: linear in the width
      for (std::size_t i = 0; i < record.fields.size(); ++i) {
        std::string name = trim(record.fields[i]);
        if (name.empty())
          fail_at(text, source_name, record.field_offsets[i],
                  "empty column name in the header (column " + std::to_string(i + 1) + ")");
        const auto [it, inserted] = seen.emplace(name, i);
        if (!inserted)
          fail_at(text, source_name, record.field_offsets[i],
                  "duplicate column name '" + name + "' in the header (columns " +
                      std::to_string(it->second + 1) + " and " + std::to_string(i + 1) + ")");
        table.header.push_back(std::move(name));
      }
      have_header = true;
      continue;
    }
    const std::size_t expected = table.header.size();
    const std::size_t got = record.fields.size();
    if (got != expected) {
      const std::size_t where = got > expected ? record.field_offsets[expected] : record.end;
      fail_at(text, source_name, where,
              "expected " + std::to_string(expected) + " fields (as in the header), got " +
                  std::to_string(got));
    }
    table.rows.push_back(std::move(record.fields));
    table.line_numbers.push_back(record.line);
  }
  if (!have_header) throw DataError(source_name + ": empty file (expected a header line)");
  if (table.rows.empty()) throw DataError(source_name + ": no data rows (only a header line)");
  return table;
}

void check_dialect(const CsvOptions& options) {
  const char d = options.delimiter;
  if (d == '"' || d == '\r' || d == '\n' || d == '\0')
    throw InvalidArgument("invalid CSV delimiter " + hex_byte(static_cast<unsigned char>(d)) +
                          " (it must not be a quote, a line break or NUL)");
  if (options.decimal != '.' && options.decimal != ',')
    throw InvalidArgument("invalid decimal mark '" + std::string(1, options.decimal) +
                          "' (expected '.' or ',')");
  if (options.decimal == d)
    throw InvalidArgument("the decimal mark and the delimiter are both '" + std::string(1, d) +
                          "'");
}

CsvOptions detect_csv_dialect(std::string_view text) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());
  CsvOptions dialect;
  dialect.delimiter = detect_delimiter(text);
  if (dialect.delimiter == ',') return dialect;
  bool comma = false, point = false;
  const auto records = sample_records(text, dialect.delimiter, 20);
  for (std::size_t r = 1; r < records.size(); ++r) {
    for (const auto& field : records[r]) {
      comma = comma || has_decimal_mark(field, ',');
      point = point || has_decimal_mark(field, '.');
    }
  }
  if (comma && !point) dialect.decimal = ',';
  return dialect;
}

std::string describe(const CsvOptions& dialect) {
  const std::string delimiter =
      dialect.delimiter == '\t' ? std::string("\\t") : std::string(1, dialect.delimiter);
  return "delimiter '" + delimiter + "', decimal mark '" + std::string(1, dialect.decimal) + "'";
}

std::string source_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

std::string read_text_file(const std::string& path) {
  if (path == "-") {
    std::string text = read_stream(std::cin);
    if (std::cin.bad()) throw DataError("<stdin>: read error");
    return text;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw DataError(path + ": is a directory, not a CSV file");
  errno = 0;
  std::ifstream in(path, std::ios::in | std::ios::binary);
  if (!in) {
    const int error = errno;
    throw DataError(path +
                    ": cannot open: " + (error != 0 ? std::strerror(error) : "unknown error"));
  }
  std::string text = read_stream(in);
  if (in.bad()) throw DataError(path + ": read error: " + std::strerror(errno));
  return text;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  check_dialect(options);
  return parse_csv(read_text_file(path), source_name(path), options);
}

std::size_t find_column(const CsvTable& table, std::string_view name) {
  for (std::size_t i = 0; i < table.header.size(); ++i)
    if (table.header[i] == name) return i;
  return table.header.size();
}

std::string quoted_column_list(const std::vector<std::string>& names) {
  std::string list;
  for (const auto& name : names) {
    if (!list.empty()) list += ", ";
    list += "'" + name + "'";
  }
  return list;
}

}  // namespace mlp
