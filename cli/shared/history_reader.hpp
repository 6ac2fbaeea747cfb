// Reading back a history CSV written by --history (epoch, loss, val_loss, accuracy,
// val_accuracy), for `mlp plot history`.
#pragma once

#include <string>
#include <vector>

#include "mlp/nn/fit.hpp"

namespace mlp::cli {

struct HistoryFile {
  History history;             // loss, val_loss, accuracy, val_accuracy (NaN for empty cells)
  std::vector<double> epochs;  // the epoch column, or 1, 2, ... when there is none
};

// Reads `path` ("-": standard input). Only the loss column is required; the others may be
// missing or hold empty cells. Throws DataError ("FILE:LINE:COL: ...") for a value that is not a
// number, an epoch column that is not increasing, or a file without a loss column.
HistoryFile read_history_csv(const std::string& path);

}  // namespace mlp::cli
