#include "commands/gradcheck.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/learn/sweep.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/model/trained_model.hpp"
#include "mlp/nn/gradcheck.hpp"
#include "shared/data_input.hpp"
#include "shared/usage_error.hpp"
#include "shared/validators.hpp"

namespace mlp::cli {

void add_network_flags(CLI::App* cmd, NetworkFlags& f) {
  f.build_options.push_back(
      cmd->add_option("--layers", f.layers, "Hidden layer sizes, e.g. 3 or 8,4 (0: none)")
          ->capture_default_str());
  f.build_options.push_back(cmd->add_option("--activation", f.activation, "Hidden activation")
                                ->check(CLI::IsMember(activation_names(ActivationUse::hidden)))
                                ->capture_default_str());
  f.build_options.push_back(
      cmd->add_option("--output-activation", f.output_activation, "Output activation")
          ->check(CLI::IsMember(activation_names(ActivationUse::output)))
          ->capture_default_str());
  f.loss_option = cmd->add_option("--loss", f.loss, "Loss (default: the model's, or sse)")
                      ->check(CLI::IsMember(loss_names(true)));
  f.build_options.push_back(
      cmd->add_option("--weights", f.weights,
                      "Initial weights: uniform (U[0, 1), the chapter's), uniform:LOW:HIGH, "
                      "normal:MEAN:STDDEV, glorot_uniform, glorot_normal, he_uniform, he_normal")
          ->capture_default_str());
  f.build_options.push_back(cmd->add_option("--seed", f.seed, "Seed of the initial weights")
                                ->check(integer_at_least(0))
                                ->capture_default_str());
}

std::vector<Index> parse_hidden_layers(const std::string& text, const std::string& flag) {
  std::vector<Index> sizes;
  if (text.empty() || text == "0") return sizes;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    long long units = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), units);
    if (ec != std::errc() || end != item.data() + item.size() || units < 1 || units > 100000)
      throw UsageError(flag + ": expected hidden layer sizes like 3 or 8,4 (each >= 1), got '" +
                       text + "'");
    sizes.push_back(static_cast<Index>(units));
  }
  if (sizes.empty() || text.back() == ',')
    throw UsageError(flag + ": expected hidden layer sizes like 3 or 8,4, got '" + text + "'");
  return sizes;
}

Sequential<double> network_from_flags(const NetworkFlags& f, const std::string& model,
                                      const std::string& model_flag, Index n_inputs,
                                      Index n_outputs, double eta, std::string* extra_json) {
  std::optional<Loss> loss;
  if (!f.loss.empty()) loss = loss_from_string(f.loss);
  if (!model.empty()) {
    for (const CLI::Option* option : f.build_options)
      if (option->count() > 0)
        throw UsageError(option->get_name() +
                         " describes a new network; it cannot be combined "
                         "with the model " +
                         (model_flag.empty() ? model : model_flag + " " + model));
    Sequential<double> net = load_model_as<double>(model, extra_json);
    net.compile(loss.value_or(net.loss()), OptimizerSpec::gradient_descent(eta));
    return net;
  }
  Initializer init;
  try {
    init = initializer_from_spec(f.weights);
  } catch (const InvalidArgument& e) {
    throw UsageError(std::string("--weights: ") + e.what());
  }
  Sequential<double> net(n_inputs);
  const Activation hidden = activation_from_string(f.activation);
  for (Index units : parse_hidden_layers(f.layers, "--layers")) net.add(units, hidden);
  net.add(n_outputs, activation_from_string(f.output_activation));
  net.initialize(init, f.seed);
  const Loss chosen = loss.value_or(Loss::sse);
  try {
    net.compile(chosen, OptimizerSpec::gradient_descent(eta));
  } catch (const InvalidArgument& e) {
    throw UsageError(std::string("--loss: ") + e.what());
  }
  return net;
}

std::string describe_network(const Sequential<double>& net) {
  std::string shape = std::to_string(net.n_inputs());
  for (const auto& layer : net.layers()) shape += "-" + std::to_string(layer.n_out);
  std::string hidden;
  for (std::size_t l = 0; l + 1 < net.layers().size(); ++l) {
    const std::string name(to_string(net.layers()[l].activation));
    if (hidden.find(name) == std::string::npos) hidden += (hidden.empty() ? "" : "/") + name;
  }
  return shape + " network (" + (hidden.empty() ? "" : hidden + " hidden, ") +
         std::string(to_string(net.output_activation())) + " output), " +
         std::string(to_string(net.loss())) + " loss";
}

namespace {

struct GradcheckArguments {
  std::string model;
  NetworkFlags network;
  Index inputs = 2, outputs = 1;
  DataArguments data;
  std::string ignore;
  std::string delimiter = ",";
  bool xor_data = false;
  Index samples = 4;
  std::uint64_t data_seed = 1;
  double step = 1e-4;
  double tolerance = 1e-6;
  Index max_per_layer = 0;
  bool all = false;
  CLI::Option* inputs_option = nullptr;
  CLI::Option* outputs_option = nullptr;
  CLI::Option* samples_option = nullptr;
};

// Random data that fits the network's output: one-hot rows for softmax, 0/1 for sigmoid, values
// in [-1, 1) (or [0, 1) for an output that is never negative, like ReLU) otherwise. Inputs in
// [-1, 1).
void random_data(const Sequential<double>& net, Index samples, std::uint64_t seed,
                 Matrix<double>& X, Matrix<double>& Y) {
  Random rng(seed);
  X.resize(samples, net.n_inputs());
  for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform(-1.0, 1.0);
  Y = Matrix<double>::Zero(samples, net.n_outputs());
  const Activation out = net.output_activation();
  for (Index i = 0; i < samples; ++i) {
    if (out == Activation::softmax) {
      Y(i, static_cast<Index>(rng.below(static_cast<std::uint64_t>(net.n_outputs())))) = 1.0;
      continue;
    }
    for (Index j = 0; j < Y.cols(); ++j) {
      if (out == Activation::sigmoid) {
        Y(i, j) = static_cast<double>(rng.below(2));
      } else {
        Y(i, j) = activation_info(out).low >= 0.0 ? rng.uniform() : rng.uniform(-1.0, 1.0);
      }
    }
  }
}

// Targets of a CSV data set for a network with n_outputs outputs.
Matrix<double> targets_for(const Dataset<double>& data, Index n_outputs, const std::string& path) {
  const Index n = data.size();
  if (data.task == Task::regression) {
    if (n_outputs != 1)
      throw DataError(path + ": a numeric target fits a network with 1 output, not " +
                      std::to_string(n_outputs));
    return data.targets;
  }
  const auto classes = static_cast<Index>(data.class_names.size());
  if (n_outputs == 1 && classes == 2) {
    Matrix<double> Y(n, 1);
    for (Index i = 0; i < n; ++i) Y(i, 0) = data.labels[static_cast<std::size_t>(i)];
    return Y;
  }
  if (n_outputs != classes)
    throw DataError(path + ": " + std::to_string(classes) + " classes do not fit a network with " +
                    std::to_string(n_outputs) + (n_outputs == 1 ? " output" : " outputs"));
  return one_hot<double>(data.labels, static_cast<int>(classes));
}

DataArguments csv_arguments(const GradcheckArguments& a) {
  DataArguments args = a.data;
  std::stringstream stream(a.ignore);
  std::string item;
  while (std::getline(stream, item, ',')) args.ignore.push_back(item);
  args.delimiter = parse_delimiter(a.delimiter);
  if (is_idx_file(args.path))
    throw UsageError(args.path + ": gradcheck reads CSV files (IDX images are too many samples)");
  return args;
}

std::string sci(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2e", v);
  return text;
}

std::string parameter_name(const ParameterCheck& p) {
  const std::string layer = std::to_string(p.layer + 1);
  if (p.is_bias) return "b" + layer + "[" + std::to_string(p.col + 1) + "]";
  return "W" + layer + "[" + std::to_string(p.row + 1) + "][" + std::to_string(p.col + 1) + "]";
}

// Throws UsageError for flags that do not go together.
void check_flag_combinations(const GradcheckArguments& a) {
  const bool from_model = !a.model.empty();
  const bool from_csv = !a.data.path.empty();
  if (from_csv && a.xor_data) throw UsageError("--xor and --data cannot be combined");
  if ((from_csv || a.xor_data) && a.samples_option->count() > 0)
    throw UsageError("--samples is for random data; it cannot be combined with --data or --xor");
  if ((from_model || from_csv || a.xor_data) &&
      (a.inputs_option->count() > 0 || a.outputs_option->count() > 0))
    throw UsageError(
        "--inputs and --outputs are for a new network on random data; here they "
        "come from the " +
        std::string(from_model ? "model" : "data"));
}

// The data to check on: inputs, targets and the words that describe them.
struct CheckData {
  Matrix<double> X, Y;
  std::string text;
};

// The CSV file for a model from `mlp train`: its own feature columns, scaler and classes.
CheckData data_for_trained_model(const GradcheckArguments& a, const DataArguments& args,
                                 const Sequential<double>& net, const std::string& extra) {
  const auto model = TrainedModel<double>::from_parts(net, extra, a.model);
  const Dataset<double> data = load_evaluation_data<double>(args, model.metadata);
  CheckData d;
  d.X = model.prepare(data.features);
  if (data.task == Task::classification) {
    d.Y = one_hot<double>(data.labels, static_cast<int>(model.metadata.class_names.size()));
  } else {
    d.Y = ((data.targets.array() - model.metadata.target_mean) / model.metadata.target_scale)
              .matrix();
  }
  d.text = a.data.path + " (" + std::to_string(d.X.rows()) +
           " samples, prepared as the model was trained)";
  return d;
}

// The CSV file as it is, for the model in `net`, or for a network built from the flags to fit
// the file (stored in `net`).
CheckData data_from_csv(const GradcheckArguments& a, const DataArguments& args,
                        Sequential<double>& net) {
  const Dataset<double> data = load_training_data<double>(args, std::nullopt);
  if (a.model.empty()) {
    const bool one_output =
        data.task == Task::regression ||
        (data.class_names.size() == 2 && a.network.output_activation != "softmax");
    const Index outputs = one_output ? 1 : static_cast<Index>(data.class_names.size());
    net = network_from_flags(a.network, "", "", data.features.cols(), outputs,
                             XorSetup{}.learning_rate);
  }
  if (data.features.cols() != net.n_inputs())
    throw DataError(a.data.path + ": " + std::to_string(data.features.cols()) +
                    " feature columns, but the network takes " + std::to_string(net.n_inputs()) +
                    " inputs");
  CheckData d;
  d.X = data.features;
  d.Y = targets_for(data, net.n_outputs(), a.data.path);
  d.text = a.data.path + " (" + std::to_string(d.X.rows()) + " samples)";
  return d;
}

// The XOR table or random data, for the model in `net` or a network built from the flags
// (stored in `net`).
CheckData data_without_file(const GradcheckArguments& a, Sequential<double>& net) {
  if (a.model.empty())
    net = network_from_flags(a.network, "", "", a.xor_data ? 2 : a.inputs,
                             a.xor_data ? 1 : a.outputs, XorSetup{}.learning_rate);
  CheckData d;
  if (a.xor_data) {
    if (net.n_inputs() != 2 || net.n_outputs() != 1)
      throw UsageError("--xor needs a network with 2 inputs and 1 output; this one has " +
                       std::to_string(net.n_inputs()) + " and " + std::to_string(net.n_outputs()));
    d.X = xor_inputs<double>();
    d.Y = xor_targets<double>();
    d.text = "the chapter's XOR table (4 samples)";
  } else {
    random_data(net, a.samples, a.data_seed, d.X, d.Y);
    d.text =
        std::to_string(a.samples) + " random samples (seed " + std::to_string(a.data_seed) + ")";
  }
  return d;
}

// The table of layers: how many parameters each checked and its worst one.
void print_layers(const Sequential<double>& net, const GradientCheck& check) {
  std::printf("%-6s %-10s %8s %8s %12s %12s  %s\n", "layer", "shape", "checked", "skipped",
              "max err W", "max err b", "worst parameter: backprop vs finite difference");
  for (const LayerGradientCheck& layer : check.layers) {
    const DenseLayer& shape = net.layers()[layer.layer];
    std::string worst = "-";
    if (layer.worst >= 0) {
      const ParameterCheck& p = check.parameters[static_cast<std::size_t>(layer.worst)];
      char text[128];
      std::snprintf(text, sizeof text, "%s: %.10g vs %.10g", parameter_name(p).c_str(), p.backprop,
                    p.numeric);
      worst = text;
    }
    std::printf("%-6zu %-10s %8lld %8lld %12s %12s  %s\n", layer.layer + 1,
                (std::to_string(shape.n_in) + "x" + std::to_string(shape.n_out)).c_str(),
                static_cast<long long>(layer.checked), static_cast<long long>(layer.skipped),
                sci(layer.max_weight_error).c_str(), sci(layer.max_bias_error).c_str(),
                worst.c_str());
  }
  std::printf("\n");
}

// The last lines: skipped parameters and the verdict. Returns the exit code, 3 on failure.
int print_verdict(const GradcheckArguments& a, const GradientCheck& check) {
  if (check.skipped > 0)
    std::printf(
        "%lld parameters skipped: a nudge of 2h moves a ReLU input across its kink at 0, "
        "where there is no derivative to compare\n",
        static_cast<long long>(check.skipped));
  if (check.checked == 0) {
    std::printf("FAILED: no parameter could be checked\n");
    return 3;
  }
  if (check.max_relative_error > a.tolerance) {
    std::printf(
        "FAILED: max relative error %s > tolerance %g: backpropagation disagrees with "
        "the finite differences\n",
        sci(check.max_relative_error).c_str(), a.tolerance);
    return 3;
  }
  std::printf(
      "OK: max relative error %s <= tolerance %g: backpropagation agrees with the finite "
      "differences\n",
      sci(check.max_relative_error).c_str(), a.tolerance);
  return 0;
}

int run_gradcheck(const GradcheckArguments& a) {
  check_flag_combinations(a);
  const bool from_model = !a.model.empty();
  Sequential<double> net(1);
  std::string extra = "{}";
  if (from_model)
    net = network_from_flags(a.network, a.model, "", 0, 0, XorSetup{}.learning_rate, &extra);
  CheckData data;
  if (!a.data.path.empty()) {
    const DataArguments args = csv_arguments(a);
    data = from_model && extra != "{}" ? data_for_trained_model(a, args, net, extra)
                                       : data_from_csv(a, args, net);
  } else {
    data = data_without_file(a, net);
  }

  GradientCheckOptions options;
  options.step = a.step;
  options.max_per_layer = a.max_per_layer;
  const GradientCheck check = check_gradients(net, data.X, data.Y, options);

  const std::string source =
      from_model ? "model " + a.model
                 : "weights " + initializer_spec(initializer_from_spec(a.network.weights)) +
                       ", seed " + std::to_string(a.network.seed);
  std::printf("mlp gradcheck: %s, %s\n", describe_network(net).c_str(), source.c_str());
  std::printf("data: %s; E = %.9g\n", data.text.c_str(), check.loss);
  std::printf("backpropagation vs 4th-order central differences (h = %g), double precision\n\n",
              a.step);
  if (a.all) {
    std::printf("%-16s %22s %22s %10s\n", "parameter", "backprop", "finite difference",
                "rel. error");
    for (const ParameterCheck& p : check.parameters)
      std::printf("%-16s %22.15g %22.15g %10s\n", parameter_name(p).c_str(), p.backprop, p.numeric,
                  p.skipped ? "kink" : sci(p.relative_error).c_str());
    std::printf("\n");
  }
  print_layers(net, check);
  return print_verdict(a, check);
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
  auto a = std::make_shared<GradcheckArguments>();
  auto* cmd = app.add_subcommand(
      "gradcheck",
      "Check backpropagation against central finite differences for every parameter; exit "
      "code 3 when the largest relative error is above --tolerance");
  cmd->add_option("MODEL", a->model, "Model file to check (default: a network built from flags)");
  add_network_flags(cmd, a->network);
  a->inputs_option = cmd->add_option("--inputs", a->inputs, "Inputs of a new network")
                         ->check(integer_at_least(1))
                         ->capture_default_str();
  a->outputs_option = cmd->add_option("--outputs", a->outputs, "Outputs of a new network")
                          ->check(integer_at_least(1))
                          ->capture_default_str();
  cmd->add_option("--data", a->data.path, "Check on this CSV file instead of random data");
  cmd->add_option("--target", a->data.target, "CSV column to predict (with --data)");
  cmd->add_option("--ignore", a->ignore, "Comma-separated CSV columns that are not features");
  cmd->add_option("--delimiter", a->delimiter, "CSV field separator (one character, or \\t)")
      ->capture_default_str();
  cmd->add_flag("--xor", a->xor_data, "Check on the chapter's XOR table");
  a->samples_option = cmd->add_option("--samples", a->samples, "Random samples")
                          ->check(integer_at_least(1))
                          ->capture_default_str();
  cmd->add_option("--data-seed", a->data_seed, "Seed of the random samples")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_option("--step", a->step, "Finite-difference step h")
      ->check(positive_real())
      ->capture_default_str();
  cmd->add_option("--tolerance", a->tolerance, "Largest relative error accepted")
      ->check(positive_real())
      ->capture_default_str();
  cmd->add_option("--max-per-layer", a->max_per_layer,
                  "Check at most N weights and N biases per layer, spread evenly (0: all)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  cmd->add_flag("--all", a->all, "Print every parameter's comparison");
  cmd->callback([a] {
    const int code = run_gradcheck(*a);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace mlp::cli
