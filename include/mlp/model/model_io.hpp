// Saving and loading a Sequential network as one safetensors file.
//
// Layout (https://huggingface.co/docs/safetensors): an 8-byte little-endian unsigned header
// length N, N bytes of UTF-8 JSON header (padded with trailing spaces so that the data starts at
// a multiple of 8), then the raw little-endian tensor bytes. The header holds, for each layer i,
//   "layers.<i>.weight": {"dtype": "F32"|"F64", "shape": [n_in, n_out], "data_offsets": [b, e]}
//   "layers.<i>.bias":   {"dtype": "F32"|"F64", "shape": [n_out],       "data_offsets": [b, e]}
// (offsets relative to the start of the data section, weights row-major) and a "__metadata__"
// object of string values:
//   "format": "mlp", "format_version": "1",
//   "architecture": a JSON text {"inputs": n, "layers": [{"units": u, "activation": "relu"}, ...],
//                   "loss": "sse", "dtype": "f32"|"f64",
//                   "optimizer": {"kind": "adam", "learning_rate": ..., "momentum": ...,
//                                 "beta1": ..., "beta2": ..., "epsilon": ...}}
//   "extra": a JSON object text supplied by the caller (preprocessing, class names, metrics...),
//            which the library keeps verbatim.
// Any safetensors reader can therefore read the weights; the metadata rebuilds the network.
//
//   mlp::save_model("model.safetensors", net, R"({"classes": ["setosa", "versicolor"]})");
//   std::string extra;
//   auto net2 = mlp::load_model_as<double>("model.safetensors", &extra);
#pragma once

#include <string>
#include <variant>

#include "mlp/nn/network.hpp"

namespace mlp {

// Writes `net` (architecture, loss, optimizer settings and parameters, in the network's own
// precision) to `path`. `extra_json` must be the text of a JSON object; it is stored verbatim.
// The file is written to a temporary file in the same folder, flushed to disk and then renamed
// over `path`, so a failed or interrupted save never leaves a half-written model (an existing
// file at `path` stays as it was). Throws InvalidArgument when the network has no layers, holds
// a non-finite parameter or `extra_json` is not a JSON object, and Error (naming the path and
// the system's reason) when the file cannot be written.
template <class Scalar>
void save_model(const std::string& path, const Sequential<Scalar>& net,
                const std::string& extra_json = "{}");

// A network read from a model file, in the precision it was saved in.
struct LoadedModel {
  std::variant<Sequential<float>, Sequential<double>> network;
  std::string extra_json;  // the caller-supplied JSON object text, as saved ("{}" when absent)
  std::string dtype;       // "f32" or "f64"
};

// Reads a model written by save_model, compiled with the saved loss and optimizer. Validates
// the whole file first and throws ModelFileError with a message "PATH: what is wrong" when it is
// missing, unreadable, truncated, damaged, inconsistent or not an mlp model. Never allocates more
// than the file's size (plus the network) whatever the file claims.
LoadedModel load_model(const std::string& path);

// load_model, converted to Scalar if the file holds the other precision (f32 -> double is
// exact; f64 -> float rounds to nearest, and throws ModelFileError if a value overflows float).
// Stores the extra JSON text in *extra_json when given.
template <class Scalar>
Sequential<Scalar> load_model_as(const std::string& path, std::string* extra_json = nullptr);

}  // namespace mlp
