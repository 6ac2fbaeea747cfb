// A trained model as plain C99 for a microcontroller or any program without the library:
// NAME.h and NAME.c, no allocation, nothing beyond <math.h>, the weights as `static const float`
// arrays (in flash on a microcontroller).
//
//   mlp::CExportOptions options;
//   options.name = "iris";                        // a C identifier: the prefix of every symbol
//   mlp::export_c(model, options, "firmware/src");  // writes iris.h and iris.c
//
// The generated API (NAME_ the chosen prefix):
//   #define NAME_N_INPUTS  n        the features, as TrainedModel::predict_proba takes them
//   #define NAME_N_OUTPUTS k        (feature_names order: numbers, one-hot and yes/no as 0/1;
//                                   the standardisation is done inside)
//   void NAME_predict_proba(const float *x, float *out);                 scratch static
//   void NAME_predict_proba(const float *x, float *out, float *scratch); scratch caller:
//       scratch holds NAME_SCRATCH_FLOATS floats, so that several threads or a stack can
//       run the model at once.
// With CWeights::int8 the weights are `static const signed char` arrays and a float scale per
// layer (quantize_int8 below).
// out receives what TrainedModel::predict_proba gives (class probabilities), or for a
// regression model out[0] the value in the target's units. The header's comment names the
// inputs and outputs and states the flash (constants) and RAM (scratch) bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mlp/model/trained_model.hpp"

namespace mlp {

enum class CScratch { static_buffer, caller };

// How the weights are stored: float32, or int8 with one float scale per layer (quantize_int8:
// a quarter of the flash, float accumulators, the activations and biases stay float).
enum class CWeights { float32, int8 };

struct CExportOptions {
  std::string name = "model";  // a C identifier, the prefix of the files and of every symbol
  CScratch scratch = CScratch::static_buffer;
  CWeights weights = CWeights::float32;
  std::string source;  // the model file's name, quoted in the header comment
};

// The two files' text, and the memory they need.
struct CSource {
  std::string header, source;   // NAME.h, NAME.c
  std::size_t flash_bytes = 0;  // the constant arrays (weights, biases, scaler)
  std::size_t ram_bytes = 0;    // the scratch buffer (static or the caller's)
};

// Symmetric per-layer int8 quantisation of the weights w: scale = max |w| / 127 (1 when every w
// is 0), q_i = round(w_i / scale) in [-127, 127], so that w_i ~ q_i * scale, off by at most
// scale / 2. The int8 C code computes z_j = b_j + scale * sum_i x_i q_ij.
struct Int8Weights {
  std::vector<std::int8_t> q;
  float scale = 1.0F;
};
Int8Weights quantize_int8(const std::vector<float>& w);

// The C code of `model`. Throws InvalidArgument when options.name is not a C identifier (letters,
// digits and '_', not starting with a digit) or is a C keyword.
template <class Scalar>
CSource c_source(const TrainedModel<Scalar>& model, const CExportOptions& options);

// Writes DIR/NAME.h and DIR/NAME.c (each atomically), creating DIR and its missing parents first
// (as `mkdir -p`); Error naming the path when DIR is a file or cannot be created or written.
template <class Scalar>
CSource export_c(const TrainedModel<Scalar>& model, const CExportOptions& options,
                 const std::string& dir);

}  // namespace mlp
