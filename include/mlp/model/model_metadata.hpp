// What a trained model needs besides its weights to turn raw data into predictions (the feature
// columns it expects, how a table's columns become them, the CSV dialect, the class names, the
// scalers fitted on its training data), and the record of how it was trained. Saved as JSON in
// the model file's metadata (see model_io.hpp). Files written before column encoders (without
// "columns" and "csv_dialect") still load: their features are numeric CSV columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/data/column_encoder.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/preprocessing.hpp"

namespace mlp {

struct ModelMetadata {
  Task task = Task::classification;
  std::string input_format = "csv";        // "csv" or "idx" (MNIST-style images)
  std::string target;                      // CSV: the target column's name
  std::vector<std::string> feature_names;  // in the order the network takes them
  // CSV: how the table's columns become the features (their names are feature_names); none for
  // models trained before encoders, whose features are the numeric columns feature_names.
  std::optional<ColumnEncoder> columns;
  std::optional<CsvOptions> csv_dialect;  // CSV: the dialect of the training file
  std::vector<std::string> class_names;   // classification: output unit i is class_names[i]
  std::optional<StandardScaler<double>> feature_scaler;  // x' = (x - mean) / scale
  double target_mean = 0.0, target_scale = 1.0;          // regression: y' = (y - mean) / scale
  std::string training_json = "{}";  // the settings of the training run (a JSON object)
  std::string metrics_json = "{}";   // metrics measured at the end of training (a JSON object)

  // The metadata as the text of a JSON object (with a "format_version").
  std::string to_json() const;
  // Reads the text written by to_json(). Throws ModelFileError naming the bad field.
  static ModelMetadata from_json(std::string_view json_text);
};

}  // namespace mlp
