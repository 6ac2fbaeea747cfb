#include "shared/history_reader.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "mlp/core/error.hpp"
#include "mlp/data/csv.hpp"

namespace mlp::cli {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// An empty cell or "nan" is NaN; anything else must be a number.
double parse_cell(const CsvTable& table, std::size_t row, std::size_t column) {
  std::string text = table.rows[row][column];
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return nan;
  text = text.substr(first, text.find_last_not_of(" \t") - first + 1);
  if (text == "nan" || text == "NaN" || text == "-nan") return nan;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || std::isinf(value))
    throw DataError(table.source + ":" + std::to_string(table.line_numbers[row]) + ":" +
                    std::to_string(column + 1) + ": column '" + table.header[column] +
                    "': expected a number, got '" + table.rows[row][column] + "'");
  return value;
}

}  // namespace

HistoryFile read_history_csv(const std::string& path) {
  const CsvTable table = read_csv(path);
  const std::size_t loss = find_column(table, "loss");
  if (loss == table.header.size())
    throw DataError(table.source +
                    ": no 'loss' column (expected the columns of a history file: "
                    "epoch, loss, val_loss, accuracy, val_accuracy); it has " +
                    quoted_column_list(table.header));
  HistoryFile file;
  const std::size_t epoch = find_column(table, "epoch");
  struct Column {
    const char* name;
    std::vector<double>* values;
  };
  const Column columns[] = {{"loss", &file.history.loss},
                            {"val_loss", &file.history.val_loss},
                            {"accuracy", &file.history.accuracy},
                            {"val_accuracy", &file.history.val_accuracy}};
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    for (const auto& c : columns) {
      const std::size_t k = find_column(table, c.name);
      c.values->push_back(k == table.header.size() ? nan : parse_cell(table, r, k));
    }
    if (epoch == table.header.size()) {
      file.epochs.push_back(static_cast<double>(r + 1));
    } else {
      const double e = parse_cell(table, r, epoch);
      if (std::isnan(e) || (!file.epochs.empty() && e <= file.epochs.back()))
        throw DataError(table.source + ":" + std::to_string(table.line_numbers[r]) + ":" +
                        std::to_string(epoch + 1) +
                        ": column 'epoch': expected a number larger than the row before's, got '" +
                        table.rows[r][epoch] + "'");
      file.epochs.push_back(e);
    }
  }
  // The best epoch is not in the file: mark none.
  file.history.best_epoch = static_cast<int>(file.history.loss.size());
  return file;
}

}  // namespace mlp::cli
