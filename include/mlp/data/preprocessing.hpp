// Preparing data for training: feature standardisation, train/test splits, row selection and
// one-hot encoding of class labels.
//
//   mlp::Random rng(42);
//   mlp::Split split = mlp::stratified_split(data.labels, 0.2, rng);
//   auto X_train = mlp::take_rows(data.features, split.train);
//   mlp::StandardScaler<double> scaler;
//   scaler.fit(X_train);
//   scaler.transform(X_train);
//   std::string saved = scaler.to_json();  // {"mean":[...],"scale":[...]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mlp/core/matrix.hpp"
#include "mlp/core/random.hpp"

namespace mlp {

// Standardises each feature column to zero mean and unit variance: x' = (x - mean) / scale,
// with scale the population standard deviation (divided by n), or 1 for a constant column.
template <class Scalar>
struct StandardScaler {
  Vector<Scalar> mean;   // per column; empty before fit()
  Vector<Scalar> scale;  // per column, > 0

  // Computes mean and scale of each column of X (accumulating in double). Throws InvalidArgument
  // when X has no rows or no columns, or holds a non-finite value.
  void fit(ConstMatrixRef<Scalar> X);

  // Standardises X in place. Throws InvalidArgument when the scaler is not fitted or X does not
  // have as many columns as the data it was fitted on.
  void transform(MatrixRef<Scalar> X) const;

  // Whether fit() or from_json() has set the parameters.
  bool fitted() const { return mean.size() > 0; }

  // The parameters as the text of a JSON object {"mean": [...], "scale": [...]}; numbers are
  // written so that they read back exactly. Throws InvalidArgument when not fitted.
  std::string to_json() const;

  // A scaler from the text written by to_json(). Throws ModelFileError when the text is not
  // JSON, not an object with two arrays "mean" and "scale" of the same non-zero length, or holds
  // a value that is not a finite number (or does not fit Scalar), or a scale that is not > 0.
  static StandardScaler from_json(std::string_view json_text);
};

// Row indices of a train/test split, each list in increasing order.
struct Split {
  std::vector<Index> train, test;
};

// Splits the samples 0..labels.size()-1 at random so that each class is represented in both
// parts in proportion to its size: the test part gets round(test_fraction * n) samples in all,
// shared among the classes by largest remainder, and every class with at least 2 samples keeps
// at least one sample in the training part (a class with 1 sample goes to training).
// test_fraction must be in [0, 1). Throws InvalidArgument for an invalid fraction, no labels or a
// negative label.
Split stratified_split(const std::vector<int>& labels, double test_fraction, Random& rng);

// Splits the samples 0..n-1 at random: min(round(test_fraction * n), n - 1) go to the test
// part, the rest to training. test_fraction must be in [0, 1) and n > 0, else InvalidArgument.
Split random_split(Index n, double test_fraction, Random& rng);

// The rows of X at `rows`, in that order (repeats allowed). Throws InvalidArgument for an index
// out of range.
template <class Scalar>
Matrix<Scalar> take_rows(const Matrix<Scalar>& X, const std::vector<Index>& rows);

// The elements of v at `rows`, in that order. Throws InvalidArgument for an index out of range.
template <class Scalar>
Vector<Scalar> take_rows(const Vector<Scalar>& v, const std::vector<Index>& rows);

// The labels at `rows`, in that order. Throws InvalidArgument for an index out of range.
std::vector<int> take_labels(const std::vector<int>& labels, const std::vector<Index>& rows);

// A labels.size() x n_classes matrix with a 1 in column labels[i] of row i and 0 elsewhere.
// Throws InvalidArgument when n_classes < 1 or a label is outside [0, n_classes).
template <class Scalar>
Matrix<Scalar> one_hot(const std::vector<int>& labels, int n_classes);

}  // namespace mlp
