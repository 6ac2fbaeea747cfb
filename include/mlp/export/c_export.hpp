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
// out receives what TrainedModel::predict_proba gives (class probabilities), or for a
// regression model out[0] the value in the target's units. The header's comment names the
// inputs and outputs and states the flash (constants) and RAM (scratch) bytes.
#pragma once

#include <cstddef>
#include <string>

#include "mlp/model/trained_model.hpp"

namespace mlp {

enum class CScratch { static_buffer, caller };

struct CExportOptions {
  std::string name = "model";  // a C identifier, the prefix of the files and of every symbol
  CScratch scratch = CScratch::static_buffer;
  std::string source;  // the model file's name, quoted in the header comment
};

// The two files' text, and the memory they need.
struct CSource {
  std::string header, source;   // NAME.h, NAME.c
  std::size_t flash_bytes = 0;  // the constant arrays (weights, biases, scaler)
  std::size_t ram_bytes = 0;    // the scratch buffer (static or the caller's)
};

// The C code of `model`. Throws InvalidArgument when options.name is not a C identifier (letters,
// digits and '_', not starting with a digit) or is a C keyword.
template <class Scalar>
CSource c_source(const TrainedModel<Scalar>& model, const CExportOptions& options);

// Writes DIR/NAME.h and DIR/NAME.c (each atomically); Error naming the path when the folder does
// not exist or cannot be written.
template <class Scalar>
CSource export_c(const TrainedModel<Scalar>& model, const CExportOptions& options,
                 const std::string& dir);

}  // namespace mlp
