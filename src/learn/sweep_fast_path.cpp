#include "learn/sweep_fast_path.hpp"

#include <string>

#include "mlp/core/error.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/output.hpp"
#include "nn/tiny_fit.hpp"

namespace mlp {

namespace {

TinyNetwork tiny_network(const FastPathNetwork& s) {
  return {s.inputs, s.hidden, s.outputs, s.hidden_activation, s.output_activation, s.loss};
}

TinyKernel tiny_kernel(FastPathKernel kernel) {
  switch (kernel) {
    case FastPathKernel::portable:
      return TinyKernel::portable;
    case FastPathKernel::avx2:
      return TinyKernel::avx2;
    case FastPathKernel::best:
      return TinyKernel::best;
  }
  return TinyKernel::best;
}

}  // namespace

bool fast_path_applies(const FastPathNetwork& spec, Index samples) {
  return tiny_fit_applies(tiny_network(spec), samples);
}

bool fast_path_kernel_available(FastPathKernel kernel, const FastPathNetwork& spec, Index samples) {
  return tiny_kernel_available(tiny_kernel(kernel), tiny_network(spec), samples);
}

FastPathRun train_on_fast_path(const FastPathNetwork& s, const Initializer& init,
                               std::uint64_t seed, ConstMatrixRef<double> X,
                               ConstMatrixRef<double> Y, int iterations, Index needed,
                               FastPathKernel kernel) {
  const Index n = X.rows(), I = s.inputs, H = s.hidden, O = s.outputs;
  if (!fast_path_kernel_available(kernel, s, n))
    throw InvalidArgument(
        "train_on_fast_path: this network is not one the sweep's fast path handles" +
        std::string(kernel == FastPathKernel::avx2 ? " with AVX2 on this CPU" : ""));
  if (X.cols() != I || Y.rows() != n || Y.cols() != O)
    throw InvalidArgument("train_on_fast_path: data of shape " + std::to_string(X.rows()) + "x" +
                          std::to_string(X.cols()) + " / " + std::to_string(Y.rows()) + "x" +
                          std::to_string(Y.cols()) + " does not fit the network");

  // The very initial parameters Sequential would start from.
  Sequential<double> net(I);
  net.add(H, s.hidden_activation).add(O, s.output_activation);
  net.initialize(init, seed);
  TinyTraining<double> training;
  training.learning_rate = s.learning_rate;
  training.epochs = iterations;
  training.needed = needed;
  double outputs[4];  // (n) after the last update; n <= 4 (tiny_fit_applies)
  training.outputs = outputs;
  FastPathRun run;
  run.parameters = net.parameters();
  const TinyResult tiny = train_tiny<double>(tiny_network(s), tiny_kernel(kernel), X, Y, training,
                                             run.parameters.data());
  if (tiny.epochs_done < iterations) {
    // A loss or parameter stopped being finite: fit, from the start, says how (DivergenceError).
    net.compile(s.loss, OptimizerSpec::gradient_descent(s.learning_rate));
    FitOptions options;
    options.epochs = iterations;
    net.fit(X, Y, options);  // throws: no rollbacks
  }

  const ConstMatrixView<double> A(outputs, n, O);
  run.final_correct = count_correct<double>(s.output_activation, A, Y);
  run.final_loss = loss_report<double>(s.loss, A, Y);
  if (run.final_correct >= needed) run.iterations_to_target = tiny.last_below + 1;
  return run;
}

}  // namespace mlp
