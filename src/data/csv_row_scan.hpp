// Where the data rows of a CSV file start, found by one pass over its bytes that builds no field
// (internal to src/data): what a process that reads only some rows of the file (its shard,
// docs/distributed.md) needs to know to seek to them.
//
// The scan follows the record rules of csv.hpp: a field that starts with a quote (after spaces
// or tabs) is quoted until its closing quote ("" inside is a quote), so the delimiter and line
// ends inside it belong to the field; a record ends at LF, CRLF or a lone CR outside quotes, or
// at the end of the file; a record of spaces and tabs only is a blank line, not a row. On text
// that breaks the rules (a quote inside an unquoted field, a character after a closing quote)
// it goes on as well as it can: the reader of the rows reports the error.
//
//   auto index = index_csv_rows("big.csv", ',', {reader.data_offset(), reader.data_line()}, 4096);
//   CsvRowStart start = find_csv_row("big.csv", ',', index, 1000000);  // seek there to read on
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlp::detail {

// Where a record starts: its byte offset in the file and its 1-based line.
struct CsvRowStart {
  std::uint64_t offset = 0;
  std::size_t line = 0;
};

// The data rows of a CSV file: how many, and where every `every`-th starts.
struct CsvRowIndex {
  std::size_t rows = 0;
  std::size_t every = 1;
  std::vector<CsvRowStart> starts;  // starts[k]: where row k * every starts (starts[0]: first)
  CsvRowStart end;                  // the end of the file
};

// Scans the file at `path` (a regular file) from `first`, where the first data row (or the blank
// lines before it) starts, to its end; `delimiter`: the dialect's. Row 0 starts at `first`, every
// other row where its record starts (after the blank lines before it). Throws DataError when the
// file cannot be read.
CsvRowIndex index_csv_rows(const std::string& path, char delimiter, CsvRowStart first,
                           std::size_t every);

// Where data row `row` (0 to index.rows; index.rows: the end of the file) starts: a scan from the
// indexed row at or before it.
CsvRowStart find_csv_row(const std::string& path, char delimiter, const CsvRowIndex& index,
                         std::size_t row);

}  // namespace mlp::detail
