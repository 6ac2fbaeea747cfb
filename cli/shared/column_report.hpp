// The table of a model's columns that `mlp train` and `mlp info` print: each column of the
// training table, how it is used (its role), how many features it became, and why.
#pragma once

#include <string>

#include "mlp/data/column_encoder.hpp"

namespace mlp::cli {

// One line per column, with a header line. With `details`, the stored values too: the mean a gap
// gets, the categories and the ordinal order.
std::string column_roles_table(const ColumnEncoder& encoder, bool details);

}  // namespace mlp::cli
