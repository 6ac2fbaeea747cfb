#include "mlp/data/csv.hpp"

#include <cstdio>

#include "mlp/core/error.hpp"
#include "mlp/data/csv_reader.hpp"

namespace mlp {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string hex_byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02x", static_cast<unsigned>(byte));
  return buffer;
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

}  // namespace

namespace {

CsvTable read_all(CsvReader& reader, const CsvOptions& options) {
  reader.start(options);
  CsvTable table;
  table.source = reader.source();
  table.header = reader.header();
  table.dialect = options;
  CsvRecord record;
  while (reader.next(record)) {
    table.rows.push_back(std::move(record.fields));
    table.line_numbers.push_back(record.line);
  }
  return table;
}

}  // namespace

CsvTable parse_csv(std::string_view text, const std::string& source_name,
                   const CsvOptions& options) {
  check_dialect(options);
  CsvReader reader(CsvReader::Text{text, source_name});
  return read_all(reader, options);
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

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  check_dialect(options);
  CsvReader reader(path);
  return read_all(reader, options);
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
