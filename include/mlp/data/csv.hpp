// Reading CSV files (RFC 4180) into a table of strings.
//
// Supported: a header line followed by data lines; fields separated by a delimiter (',' by
// default); quoted fields ("...") that may hold the delimiter, line breaks and doubled quotes
// (""); LF, CRLF or lone CR line ends; a UTF-8 byte order mark; no final line end; blank lines
// at the end of the file (ignored). Spaces or tabs around a quoted field are allowed and dropped.
// Header names are trimmed of surrounding spaces and tabs; data fields are kept exactly as written
// (without the quotes).
//
// Everything else is an error, reported as mlp::DataError with a message "FILE:LINE:COL: what"
// (or "FILE: what" when no position applies). LINE is the 1-based physical line, COL the
// 1-based character (UTF-8 code point) within that line.
//
//   mlp::CsvTable table = mlp::read_csv("iris.csv");
//   table.header;           // {"sepal_length", ..., "species"}
//   table.rows[0][4];       // "setosa"
//   table.line_numbers[0];  // 2
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlp {

// How a CSV file is laid out (its dialect).
struct CsvOptions {
  char delimiter = ',';  // e.g. ';' or '\t'; must not be '"', '\r', '\n' or NUL
  char decimal = '.';    // the decimal mark of numbers: '.' or ',' (then not the delimiter)
};

// A parsed CSV file: the header and the data rows, each with exactly header.size() fields.
struct CsvTable {
  std::string source;                          // file name used in messages ("<stdin>" for "-")
  std::vector<std::string> header;             // column names: unique, non-empty, trimmed
  std::vector<std::vector<std::string>> rows;  // data rows, header excluded
  std::vector<std::size_t> line_numbers;       // 1-based physical line where each row starts
  CsvOptions dialect;                          // how the text was read
};

// Reads and parses the CSV file at `path` ("-" reads standard input) with a CsvReader: every
// field is then held as a std::string (read_dataset reads a file without holding its fields).
// Throws DataError when the file is missing, unreadable or a directory, for every parse error of
// parse_csv(), and for a record longer than CsvReader::kDefaultMaxRecordBytes.
// Throws InvalidArgument for an invalid delimiter.
CsvTable read_csv(const std::string& path, const CsvOptions& options = {});

// Parses CSV text held in memory; `source_name` is the file name used in messages and stored
// in CsvTable::source. Throws DataError ("SOURCE:LINE:COL: what" or "SOURCE: what") when the
// text is empty, has a header but no data rows, has a row with a different number of fields
// than the header, an unterminated quoted field, a quote inside an unquoted field, a character
// after a closing quote, a blank line between data rows, NUL bytes, control characters or
// invalid UTF-8 (a binary file), or an empty or duplicate header name. Throws InvalidArgument
// for an invalid delimiter.
CsvTable parse_csv(std::string_view text, const std::string& source_name,
                   const CsvOptions& options = {});

// Throws InvalidArgument for a delimiter that is a quote, a line break or NUL, a decimal mark
// other than '.' and ',', or a decimal mark equal to the delimiter.
void check_dialect(const CsvOptions& dialect);

// The dialect of CSV text guessed from its first lines (a UTF-8 byte order mark, quotes and CRLF
// line ends are handled by the parser whatever the dialect):
//   - delimiter: of ',', ';', tab and '|', the one found outside quotes the same number of times
//     (at least once) on every one of the first 20 lines, the most frequent such one first; if
//     none is consistent, the one most frequent on the first line; ',' when none appears;
//   - decimal mark: ',' when the delimiter is not ',' and some field of those lines is a number
//     written with a decimal comma (like -1,5) while none is written with a decimal point; '.'
//     otherwise.
CsvOptions detect_csv_dialect(std::string_view text);

// The dialect for messages: "delimiter ';', decimal mark ','" (a tab is written \t).
std::string describe(const CsvOptions& dialect);

// The file name used in messages for `path`: "<stdin>" for "-", else the path.
std::string source_name(const std::string& path);

// Index of the column named `name` in table.header, or table.header.size() when absent.
std::size_t find_column(const CsvTable& table, std::string_view name);

// The header names as one string for messages: "'a', 'b', 'c'".
std::string quoted_column_list(const std::vector<std::string>& names);

}  // namespace mlp
