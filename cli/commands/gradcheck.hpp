// `mlp gradcheck`: backpropagation against central finite differences for every parameter of a
// network (built from flags, or a model file), on random, XOR or CSV data; exits with code 3 when
// the largest relative error is above --tolerance.
//
// Also the flags that describe a network built from scratch, which `mlp explain` shares.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "mlp/nn/network.hpp"

namespace mlp::cli {

void add_gradcheck_command(CLI::App& app);

// --layers, --activation, --output-activation, --loss, --weights, --seed.
struct NetworkFlags {
  std::string layers = "3";
  std::string activation = "sigmoid";
  std::string output_activation = "sigmoid";
  std::string loss;  // default: the model's, or sse
  std::string weights = "uniform";
  std::uint64_t seed = 0;
  std::vector<CLI::Option*> build_options;  // the flags that only make sense without a model
  CLI::Option* loss_option = nullptr;
};

void add_network_flags(CLI::App* cmd, NetworkFlags& flags);

// Hidden layer sizes like "3" or "8,4"; "" or "0" for none. Throws UsageError naming `flag`.
std::vector<Index> parse_hidden_layers(const std::string& text, const std::string& flag);

// The network: loaded from `model` (converted to double) when given, else built from the flags
// with n_inputs inputs and n_outputs outputs and initialised. Compiled with --loss when given (or
// the model's loss, or sse) and gradient descent at `eta`. Stores the model's extra metadata
// text in *extra_json when given. Throws UsageError when building flags are combined with a
// model, or a flag is invalid.
Sequential<double> network_from_flags(const NetworkFlags& flags, const std::string& model,
                                      const std::string& model_flag, Index n_inputs,
                                      Index n_outputs, double eta,
                                      std::string* extra_json = nullptr);

// "2-3-1 network (sigmoid hidden, sigmoid output), sse loss".
std::string describe_network(const Sequential<double>& net);

}  // namespace mlp::cli
