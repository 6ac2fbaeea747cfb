// The numbers a person reads after and during training, in one format for `mlp train` (its
// progress line and its summary) and `mlp evaluate`: values with 4 significant digits, accuracy
// and R² as such, and a regression's error as the RMSE in the target's units.
#pragma once

#include <string>

namespace mlp::cli {

// `value` with 4 significant digits, in fixed notation from 0.001 to 999999 ("54.21", "0.8812",
// "12345"), else in scientific notation ("1.235e+07").
std::string number_text(double value);

// "93.33%".
std::string percent_text(double fraction);

// "rmse 54.21  mae 43.10  r2 0.4812": the errors in the target's units (RMSE = sqrt(MSE)).
std::string regression_metrics_text(double mse, double mae, double r2);

}  // namespace mlp::cli
