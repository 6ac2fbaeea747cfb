#include "commands/demo_xor.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "mlp/learn/xor.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/nn/network.hpp"
#include "shared/history_csv.hpp"
#include "shared/report_flag.hpp"
#include "shared/usage_error.hpp"
#include "shared/validators.hpp"

namespace mlp::cli {

namespace {

struct XorSettings {
  std::uint64_t seed = 0;
  int iterations = XorSetup{}.iterations;
  std::optional<double> eta;
  std::optional<int> hidden;
  std::string dtype = "f64";
  std::string init_model;
  std::string save_model;
  std::string history_file;
  std::string report_dir;
  int print_every = 500;
  int seeds = 0;
  bool keras = false;
};

// The chapter's setup, or its Keras one, with the flags' changes.
XorSetup setup_of(const XorSettings& s) {
  XorSetup setup = s.keras ? keras_xor_setup() : XorSetup{};
  if (s.hidden) setup.hidden = *s.hidden;
  if (s.eta) setup.learning_rate = *s.eta;
  setup.iterations = s.iterations;
  setup.seed = s.seed;
  return setup;
}

Index hidden_units(const XorSettings& s) {
  return setup_of(s).hidden;
}
double learning_rate(const XorSettings& s) {
  return setup_of(s).learning_rate;
}

// The chapter's network (2-H-1 sigmoid, weights and biases ~ U[0, 1), sse, gradient descent), or
// its Keras one (2-16-1 sigmoid, Glorot weights, zero biases, mse, Adam); or the one in --init.
template <class Scalar>
Sequential<Scalar> make_network(const XorSettings& s, std::uint64_t seed) {
  XorSetup setup = setup_of(s);
  setup.seed = seed;
  if (!s.init_model.empty()) {
    Sequential<Scalar> net = load_model_as<Scalar>(s.init_model);
    if (net.n_inputs() != 2 || net.n_outputs() != 1)
      throw UsageError("--init " + s.init_model + ": the model has " +
                       std::to_string(net.n_inputs()) + " inputs and " +
                       std::to_string(net.n_outputs()) + " outputs; XOR needs 2 and 1");
    if (s.hidden && (net.layers().size() != 2 || net.layers()[0].n_out != *s.hidden))
      throw UsageError("--hidden " + std::to_string(*s.hidden) +
                       " conflicts with the model in --init " + s.init_model);
    net.compile(setup.loss, setup.optimizer_spec());
    return net;
  }
  return xor_network<Scalar>(setup);
}

std::string architecture(const XorSettings& s) {
  return "2-" + std::to_string(hidden_units(s)) + "-1 sigmoid network";
}

template <class Scalar>
int run_single(const XorSettings& s) {
  const Matrix<Scalar> X = xor_inputs<Scalar>(), y = xor_targets<Scalar>();
  Sequential<Scalar> net = make_network<Scalar>(s, s.seed);
  std::printf("mlp demo xor%s: %s, %s, %s (eta = %g), %d iterations, %s, %s\n",
              s.keras ? " --keras" : "",
              s.init_model.empty() ? architecture(s).c_str() : ("model " + s.init_model).c_str(),
              s.keras ? "mse loss" : "sse loss", s.keras ? "Adam" : "full-batch gradient descent",
              learning_rate(s), s.iterations,
              s.init_model.empty() ? ("seed " + std::to_string(s.seed)).c_str() : "no seed",
              s.dtype.c_str());

  FitOptions options;
  options.epochs = s.iterations;
  // No callback: the error curve is printed from the History, so that fit runs its epochs
  // without a call back into the CLI each (on the tiny path, many epochs per call).
  const History history = net.fit(X, y, options);
  for (std::size_t e = 0; s.print_every > 0 && e < history.loss.size(); ++e) {
    const int iteration = static_cast<int>(e);  // the error is measured before the update
    if (iteration % s.print_every == 0 || iteration + 1 == s.iterations)
      std::printf("iteration %5d  error %.6f  accuracy %6.2f%%\n", iteration, history.loss[e],
                  100.0 * history.accuracy[e]);
  }

  const Matrix<Scalar> output = net.predict_proba(X);
  const Matrix<Scalar> predicted = net.predict(X);
  std::printf("\n x1  x2 | y | output    | prediction\n");
  int correct = 0;
  for (Index i = 0; i < 4; ++i) {
    std::printf("  %d   %d | %d | %.6f  | %d\n", int(X(i, 0)), int(X(i, 1)), int(y(i, 0)),
                double(output(i, 0)), int(predicted(i, 0)));
    correct += predicted(i, 0) == y(i, 0);
  }
  std::printf("final error: %.6f\n", double(loss_report<Scalar>(net.loss(), output, y)));
  if (s.keras) {
    std::size_t first = 0;
    while (first < history.accuracy.size() && history.accuracy[first] < 1.0) ++first;
    if (first < history.accuracy.size())
      std::printf("reached 100%% accuracy after %zu epochs\n", first + 1);
    else
      std::printf("did not reach 100%% accuracy in %d epochs\n", s.iterations);
  }
  std::printf("accuracy: %.2f%%\n", 100.0 * correct / 4.0);

  if (!s.history_file.empty()) write_history_csv(s.history_file, history);
  if (!s.save_model.empty()) save_model(s.save_model, net);
  if (!s.report_dir.empty())
    write_xor_report<Scalar>(
        s.report_dir, net, history,
        s.init_model.empty() ? "random, seed " + std::to_string(s.seed) : "from " + s.init_model);
  return 0;
}

// --seeds N: the chapter's fragility claim measured: how many of seeds 0..N-1 solve XOR.
template <class Scalar>
int run_seeds(const XorSettings& s) {
  const Matrix<Scalar> X = xor_inputs<Scalar>(), y = xor_targets<Scalar>();
  FitOptions options;
  options.epochs = s.iterations;
  int solved = 0;
  std::string failures;
  for (int seed = 0; seed < s.seeds; ++seed) {
    Sequential<Scalar> net = make_network<Scalar>(s, static_cast<std::uint64_t>(seed));
    net.fit(X, y, options);
    if (net.predict(X) == y) {
      ++solved;
    } else {
      failures += (failures.empty() ? "" : " ") + std::to_string(seed);
    }
  }
  // Wilson score interval, 95%.
  const double n = s.seeds, p = solved / n, z = 1.959963984540054;
  const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
  const double half = z / (1 + z * z / n) * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
  std::printf("mlp demo xor%s: %s, eta = %g, %d iterations, %s\n", s.keras ? " --keras" : "",
              architecture(s).c_str(), learning_rate(s), s.iterations, s.dtype.c_str());
  std::printf("seeds 0..%d: %d of %d reach 100.00%% accuracy (%.1f%%, 95%% CI %.1f%%..%.1f%%)\n",
              s.seeds - 1, solved, s.seeds, 100.0 * p, 100.0 * (centre - half),
              100.0 * (centre + half));
  if (!failures.empty()) std::printf("seeds that fail: %s\n", failures.c_str());
  return 0;
}

template <class Scalar>
int run(const XorSettings& s) {
  return s.seeds > 0 ? run_seeds<Scalar>(s) : run_single<Scalar>(s);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "Run one of the chapter's experiments");
  demo->require_subcommand(1);
  auto settings = std::make_shared<XorSettings>();
  auto* xor_cmd = demo->add_subcommand(
      "xor",
      "The chapter's XOR network: 2-3-1 sigmoid, weights and biases ~ U[0, 1), sse loss, "
      "full-batch gradient descent, 5000 iterations at eta = 0.1");
  xor_cmd->add_option("--seed", settings->seed, "Seed of the initial weights")
      ->check(integer_at_least(0))
      ->capture_default_str();
  xor_cmd->add_option("--iterations", settings->iterations, "Training iterations (0: no training)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  xor_cmd
      ->add_option("--eta", settings->eta,
                   "Learning rate (default 0.1; 0.001 for Adam with --keras)")
      ->check(positive_real());
  xor_cmd->add_option("--hidden", settings->hidden, "Hidden units (default 3; 16 with --keras)")
      ->check(integer_at_least(1));
  xor_cmd->add_option("--dtype", settings->dtype, "Floating-point type")
      ->check(CLI::IsMember({"f32", "f64"}))
      ->capture_default_str();
  xor_cmd->add_option("--init", settings->init_model,
                      "Start from the weights in this model file instead of random ones");
  xor_cmd->add_option("--save", settings->save_model, "Write the trained model to this file");
  xor_cmd->add_option("--history", settings->history_file,
                      "Write the error per iteration to this CSV file");
  xor_cmd->add_option("--report", settings->report_dir,
                      "Write a report (index.html and one SVG per chart) to this folder");
  xor_cmd
      ->add_option("--print-every", settings->print_every,
                   "Print the error every N iterations (0: never)")
      ->check(integer_at_least(0))
      ->capture_default_str();
  xor_cmd
      ->add_option("--seeds", settings->seeds,
                   "Train with seeds 0..N-1 and report how many solve XOR (fragility)")
      ->check(integer_at_least(1));
  xor_cmd->add_flag("--keras", settings->keras,
                    "The chapter's Keras comparison: 2-16-1 sigmoid, mse, Adam, Glorot weights");
  xor_cmd->callback([settings] {
    const XorSettings& s = *settings;
    if (s.seeds > 0 && (!s.init_model.empty() || !s.save_model.empty() || !s.history_file.empty()))
      throw UsageError("--seeds cannot be combined with --init, --save or --history");
    if (s.seeds > 0 && !s.report_dir.empty())
      throw UsageError("--seeds cannot be combined with --report");
    if (s.dtype == "f32") {
      run<float>(s);
    } else {
      run<double>(s);
    }
  });
}

}  // namespace mlp::cli
