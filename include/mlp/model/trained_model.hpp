// A trained model ready for new data: the network together with its metadata (feature columns,
// class names, the scalers fitted on the training data). Raw features go in, class indices,
// probabilities or values in the target's own units come out.
#pragma once

#include <string>
#include <vector>

#include "mlp/model/model_metadata.hpp"
#include "mlp/nn/network.hpp"

namespace mlp {

template <class Scalar>
struct TrainedModel {
  Sequential<Scalar> network{1};
  ModelMetadata metadata;

  // Raw features (samples x features, in metadata.feature_names order) standardised with the
  // training data's scaler. Throws DataError when the column count differs from the model's.
  Matrix<Scalar> prepare(Matrix<Scalar> raw_features) const;
  // Class probabilities (samples x classes) of a classifier.
  Matrix<Scalar> predict_proba(const Matrix<Scalar>& raw_features) const;
  // The most probable class index per sample (into metadata.class_names) of a classifier.
  std::vector<int> predict_classes(const Matrix<Scalar>& raw_features) const;
  // Predicted target values of a regression model, in the target's units.
  Vector<Scalar> predict_values(const Matrix<Scalar>& raw_features) const;

  // The most probable class of each row of class probabilities P (samples x classes).
  static std::vector<int> classes_from_proba(const Matrix<Scalar>& P);
  // The network's regression output (samples x 1, standardised) in the target's units.
  Vector<Scalar> values_from_output(const Matrix<Scalar>& output) const;

  // Saves network and metadata in one safetensors file (atomically).
  void save(const std::string& path) const;
  // Loads a model written by save(), converting the weights to Scalar. Throws ModelFileError on a
  // damaged file or one without mlp's metadata.
  static TrainedModel load(const std::string& path);
  // A model from a loaded network and the metadata text saved with it (see load_model); `path`
  // names the file in messages. Throws ModelFileError when they do not fit together.
  static TrainedModel from_parts(Sequential<Scalar> network, const std::string& extra_json,
                                 const std::string& path);
};

}  // namespace mlp
