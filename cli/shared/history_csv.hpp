// The training history as CSV: epoch, loss, val_loss, accuracy, val_accuracy (empty cells where
// a value does not exist), written atomically.
#pragma once

#include <string>

#include "mlp/nn/fit.hpp"

namespace mlp::cli {

void write_history_csv(const std::string& path, const History& history);

}  // namespace mlp::cli
