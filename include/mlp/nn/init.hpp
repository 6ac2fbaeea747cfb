// Initial weights and biases. The chapter's listing draws every weight and bias uniformly from
// [0, 1) ("Initialize training parameters"); the modern schemes scale by the layer's fan-in and
// fan-out and start the biases at zero.
#pragma once

#include <string>

#include "mlp/core/matrix.hpp"
#include "mlp/core/random.hpp"

namespace mlp {

struct Initializer {
  enum class Kind {
    uniform,         // weights and biases ~ U[low, high)          (the chapter: U[0, 1))
    normal,          // weights and biases ~ N(mean, stddev^2)
    glorot_uniform,  // weights ~ U[-l, l), l = sqrt(6 / (n_in + n_out)); biases 0 (Keras' default)
    glorot_normal,   // weights ~ N(0, 2 / (n_in + n_out)); biases 0
    he_uniform,      // weights ~ U[-l, l), l = sqrt(6 / n_in); biases 0 (for ReLU)
    he_normal,       // weights ~ N(0, 2 / n_in); biases 0
  };
  Kind kind = Kind::glorot_uniform;
  double low = 0.0, high = 1.0;      // uniform
  double mean = 0.0, stddev = 0.05;  // normal

  static Initializer uniform(double low = 0.0, double high = 1.0) {
    return {Kind::uniform, low, high, 0.0, 0.05};
  }
  static Initializer normal(double mean = 0.0, double stddev = 0.05) {
    return {Kind::normal, 0.0, 1.0, mean, stddev};
  }
  static Initializer glorot_uniform() { return {Kind::glorot_uniform}; }
  static Initializer glorot_normal() { return {Kind::glorot_normal}; }
  static Initializer he_uniform() { return {Kind::he_uniform}; }
  static Initializer he_normal() { return {Kind::he_normal}; }
};

// "uniform", "normal", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal".
std::string to_string(Initializer::Kind kind);
// Inverse of to_string (also "glorot" and "he" for the uniform variants); throws InvalidArgument.
Initializer::Kind initializer_kind_from_string(const std::string& name);

// Fills one layer's W (n_in x n_out, row by row) and then b from rng, in that order, as the
// chapter's init_parameters draws W1, b1, W2, b2.
template <class Scalar>
void initialize_layer(const Initializer& init, Random& rng, MatrixView<Scalar> W,
                      RowVectorView<Scalar> b);

}  // namespace mlp
