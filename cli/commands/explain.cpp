#include "commands/explain.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "commands/gradcheck.hpp"
#include "mlp/core/atomic_file.hpp"
#include "mlp/learn/explain.hpp"
#include "mlp/learn/sweep.hpp"
#include "mlp/learn/xor.hpp"
#include "shared/output_path.hpp"
#include "shared/usage_error.hpp"
#include "shared/validators.hpp"

namespace mlp::cli {

namespace {

struct ExplainArguments {
  std::string init_model;
  NetworkFlags network;
  std::string x = "1,1";
  std::string y = "0";
  double eta = XorSetup{}.learning_rate;
  std::string format = "text";
  int digits = 6;
  std::string output;
};

// At most this many units per layer (and inputs): every term of every sum is printed.
constexpr Index kMaxUnits = 64;

RowVector<double> parse_values(const std::string& text, const std::string& flag) {
  std::vector<double> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    double value = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() ||
        !std::isfinite(value))
      throw UsageError(flag + ": expected numbers separated by commas, like 1,0, got '" + text +
                       "'");
    values.push_back(value);
  }
  if (values.empty() || text.back() == ',')
    throw UsageError(flag + ": expected numbers separated by commas, like 1,0, got '" + text + "'");
  RowVector<double> v(static_cast<Index>(values.size()));
  for (Index i = 0; i < v.size(); ++i) v(i) = values[static_cast<std::size_t>(i)];
  return v;
}

void run_explain(const ExplainArguments& a) {
  check_writable(a.output, "--output");
  const RowVector<double> x = parse_values(a.x, "--x");
  const RowVector<double> y = parse_values(a.y, "--y");
  const Sequential<double> net =
      network_from_flags(a.network, a.init_model, "--init", x.size(), y.size(), a.eta);
  if (net.n_inputs() != x.size())
    throw UsageError("--x has " + std::to_string(x.size()) + " values but the model takes " +
                     std::to_string(net.n_inputs()) + " inputs");
  if (net.n_outputs() != y.size())
    throw UsageError("--y has " + std::to_string(y.size()) + " values but the model has " +
                     std::to_string(net.n_outputs()) + " outputs");
  if (net.n_inputs() > kMaxUnits)
    throw UsageError("explain writes out every term: the network may have at most " +
                     std::to_string(kMaxUnits) + " inputs, this one has " +
                     std::to_string(net.n_inputs()));
  for (const auto& layer : net.layers())
    if (layer.n_out > kMaxUnits)
      throw UsageError("explain writes out every term: a layer may have at most " +
                       std::to_string(kMaxUnits) + " units, this one has " +
                       std::to_string(layer.n_out));

  const Explanation e = explain_step(net, x, y, a.eta);
  const std::string source = a.init_model.empty()
                                 ? "weights " +
                                       initializer_spec(initializer_from_spec(a.network.weights)) +
                                       ", seed " + std::to_string(a.network.seed)
                                 : "weights from " + a.init_model;
  const std::string text =
      a.format == "markdown"
          ? explanation_markdown(e, a.digits, "One training step (" + source + ")")
          : explanation_text(
                e, a.digits,
                "mlp explain: one training step in the chapter's notation (" + source + ")");
  if (a.output.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    write_file_atomically(a.output, text);
  }
}

}  // namespace

void add_explain_command(CLI::App& app) {
  auto a = std::make_shared<ExplainArguments>();
  auto* cmd = app.add_subcommand(
      "explain",
      "One training step on one example in the chapter's notation: z, a, E, each factor of the "
      "chain rule, every gradient and the updated weights (default: the chapter's 2-3-1 "
      "network, U[0, 1) weights, seed 0, x = (1, 1), y = 0, eta = 0.1)");
  cmd->add_option("--init", a->init_model, "Take the network and its weights from this model");
  add_network_flags(cmd, a->network);
  cmd->add_option("--x", a->x, "The example's inputs, comma-separated")->capture_default_str();
  cmd->add_option("--y", a->y, "The example's expected outputs, comma-separated")
      ->capture_default_str();
  cmd->add_option("--eta", a->eta, "Learning rate of the gradient-descent step")
      ->check(positive_real())
      ->capture_default_str();
  cmd->add_option("--format", a->format, "text, or markdown tables for notes")
      ->check(CLI::IsMember({"text", "markdown"}))
      ->capture_default_str();
  cmd->add_option("--digits", a->digits, "Significant digits of the numbers")
      ->check(CLI::Range(1, 17))
      ->capture_default_str();
  cmd->add_option("-o,--output", a->output, "Write to this file instead of the terminal");
  cmd->callback([a] { run_explain(*a); });
}

}  // namespace mlp::cli
