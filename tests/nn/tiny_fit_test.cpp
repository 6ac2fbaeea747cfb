// Sequential::fit's tiny path (src/nn/tiny_fit.hpp) gives the general path's results bit for bit
// -- parameters, gradients, History, callbacks, divergence handling -- on every shape it accepts,
// with every kernel; and a fit it does not accept goes the general way.
//
// The general path is reached with FitOptions::tiny_path = false.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/nn/network.hpp"
#include "nn/tiny_fit.hpp"

namespace {

using mlp::Index;
using mlp::Matrix;

struct TinyFitCase {
  mlp::TinyNetwork shape;
  double learning_rate = 0.1;
  mlp::Initializer init = mlp::Initializer::uniform(0.0, 1.0);
  std::uint64_t seed = 0;
  int optimizer = 0;  // 0 gradient descent, 1 momentum, 2 Nesterov's momentum, 3 Adam
};

mlp::OptimizerSpec optimizer_of(const TinyFitCase& c) {
  switch (c.optimizer) {
    case 0:
      return mlp::OptimizerSpec::gradient_descent(c.learning_rate);
    case 3:  // Adam's steps are about eta each: a tenth of the others' rate
      return mlp::OptimizerSpec::adam(c.learning_rate / 10);
    default:
      return mlp::OptimizerSpec::with_momentum(c.learning_rate, 0.8, c.optimizer == 2);
  }
}

mlp::Sequential<double> network(const TinyFitCase& c) {
  mlp::Sequential<double> net(c.shape.inputs);
  net.add(c.shape.hidden, c.shape.hidden_activation)
      .add(c.shape.outputs, c.shape.output_activation);
  net.initialize(c.init, c.seed);
  net.compile(c.shape.loss, optimizer_of(c));
  return net;
}

struct Outcome {
  mlp::Sequential<double> net;
  mlp::History history;
  bool tiny = false;  // the fit took the tiny path
};

mlp::FitOptions general_path(mlp::FitOptions options) {
  options.tiny_path = false;
  return options;
}

// Fits a fresh network of `c` on (X, Y): on the tiny path where fit takes it, or on the general
// path (general = true).
Outcome fit(const TinyFitCase& c, const Matrix<double>& X, const Matrix<double>& Y,
            const mlp::FitOptions& options, bool general) {
  Outcome out{network(c), {}, false};
  const long long before = mlp::tiny_path_fits();
  out.history = out.net.fit(X, Y, general ? general_path(options) : options);
  out.tiny = mlp::tiny_path_fits() > before;
  return out;
}

void expect_same(const Outcome& tiny, const Outcome& general) {
  EXPECT_TRUE(tiny.tiny);
  EXPECT_FALSE(general.tiny);
  EXPECT_EQ(tiny.net.parameters(), general.net.parameters());
  EXPECT_EQ(tiny.net.gradients(), general.net.gradients());
  EXPECT_EQ(tiny.history.loss, general.history.loss);
  EXPECT_EQ(tiny.history.accuracy, general.history.accuracy);
  EXPECT_EQ(tiny.history.learning_rate, general.history.learning_rate);
  EXPECT_EQ(tiny.history.best_epoch, general.history.best_epoch);
  EXPECT_EQ(tiny.history.stopped_early, general.history.stopped_early);
  EXPECT_EQ(tiny.net.training_state().epochs_done, general.net.training_state().epochs_done);
  EXPECT_EQ(tiny.net.training_state().samples_seen, general.net.training_state().samples_seen);
}

std::vector<mlp::TinyKernel> kernels_for(const mlp::TinyNetwork& shape, Index samples) {
  std::vector<mlp::TinyKernel> out;
  for (auto k : {mlp::TinyKernel::portable, mlp::TinyKernel::avx2})
    if (mlp::tiny_kernel_available(k, shape, samples)) out.push_back(k);
  return out;
}

TEST(TinyFit, EqualsTheGeneralPathBitForBitOnEveryShapeItAccepts) {
  mlp::Random rng(11);
  int shapes = 0, avx2_shapes = 0;
  for (Index n = 1; n <= 4; ++n)
    for (Index inputs = 1; inputs <= 6; ++inputs)
      for (Index hidden = 1; hidden <= 16; ++hidden) {
        TinyFitCase c;
        c.shape.inputs = inputs;
        c.shape.hidden = hidden;
        if (!mlp::tiny_fit_applies(c.shape, n)) continue;
        ++shapes;
        c.learning_rate = 0.1 + rng.uniform();
        c.init =
            hidden % 2 ? mlp::Initializer::uniform(0.0, 1.0) : mlp::Initializer::glorot_uniform();
        c.seed = rng.below(1000);
        Matrix<double> X(n, inputs), Y(n, 1);
        for (Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform(-2.0, 2.0);
        for (Index i = 0; i < n; ++i) Y(i, 0) = static_cast<double>(rng.below(2));
        SCOPED_TRACE("n " + std::to_string(n) + ", inputs " + std::to_string(inputs) + ", hidden " +
                     std::to_string(hidden));
        mlp::FitOptions options;
        options.epochs = 300;
        const Outcome general = fit(c, X, Y, options, true);
        expect_same(fit(c, X, Y, options, false), general);
        // Every kernel, called directly, trains to the same parameters.
        for (const mlp::TinyKernel kernel : kernels_for(c.shape, n)) {
          mlp::Sequential<double> net = network(c);
          mlp::TinyTraining<double> training;
          training.learning_rate = c.learning_rate;
          training.epochs = options.epochs;
          const mlp::TinyResult run =
              mlp::train_tiny<double>(c.shape, kernel, X, Y, training, net.parameters().data());
          EXPECT_EQ(run.epochs_done, options.epochs);
          EXPECT_EQ(net.parameters(), general.net.parameters());
          avx2_shapes += kernel == mlp::TinyKernel::avx2;
        }
      }
  EXPECT_GT(shapes, 100);
  if (mlp::tiny_kernel_available(mlp::TinyKernel::avx2, mlp::TinyNetwork{}, 4)) {
    EXPECT_EQ(avx2_shapes, 8);  // 2 inputs, 1 to 8 hidden units
  }
}

TEST(TinyFit, EqualsTheGeneralPathWithEveryActivationLossAndSize) {
  // Sigmoid, ReLU or tanh hidden units, sse, mse or binary cross-entropy, up to 16 samples,
  // inputs and hidden units; inputs of 0 and 1 (as the logic gates) or anywhere in [-2, 2).
  mlp::Random rng(23);
  int shapes = 0;
  for (const mlp::Activation hidden_activation :
       {mlp::Activation::sigmoid, mlp::Activation::relu, mlp::Activation::tanh})
    for (const mlp::Loss loss : {mlp::Loss::sse, mlp::Loss::mse, mlp::Loss::binary_crossentropy})
      for (const Index n : {1, 3, 4, 5, 8, 16})
        for (const Index inputs : {1, 2, 5, 16})
          for (const Index hidden : {1, 3, 8, 16}) {
            TinyFitCase c;
            c.shape = {inputs, hidden, 1, hidden_activation, mlp::Activation::sigmoid, loss};
            ASSERT_TRUE(mlp::tiny_fit_applies(c.shape, n));
            ++shapes;
            c.learning_rate = 0.05 + rng.uniform();
            c.init = mlp::Initializer::glorot_uniform();
            c.seed = rng.below(1000);
            c.optimizer = static_cast<int>(rng.below(4));
            const bool binary = rng.below(2) == 0;
            Matrix<double> X(n, inputs), Y(n, 1);
            for (Index i = 0; i < X.size(); ++i)
              X.data()[i] = binary ? static_cast<double>(rng.below(2)) : rng.uniform(-2.0, 2.0);
            for (Index i = 0; i < n; ++i) Y(i, 0) = static_cast<double>(rng.below(2));
            SCOPED_TRACE("activation " + std::to_string(static_cast<int>(hidden_activation)) +
                         ", loss " + std::to_string(static_cast<int>(loss)) + ", n " +
                         std::to_string(n) + ", inputs " + std::to_string(inputs) + ", hidden " +
                         std::to_string(hidden) + ", optimizer " + std::to_string(c.optimizer));
            mlp::FitOptions options;
            options.epochs = 60;
            expect_same(fit(c, X, Y, options, false), fit(c, X, Y, options, true));
          }
  EXPECT_EQ(shapes, 3 * 3 * 6 * 4 * 4);
}

TEST(TinyFit, TheChaptersXorAndAContinuedFitEqualTheGeneralPath) {
  const mlp::XorSetup chapter;
  const Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  for (const int optimizer : {0, 1, 2, 3}) {  // the moments carry over to the second fit
    TinyFitCase c;
    c.seed = chapter.seed;
    c.optimizer = optimizer;
    mlp::FitOptions options;
    options.epochs = 5000;
    Outcome tiny = fit(c, X, Y, options, false);
    Outcome general = fit(c, X, Y, options, true);
    expect_same(tiny, general);
    // A second fit that keeps the training state numbers its epochs on.
    options.keep_training_state = true;
    options.epochs = 7;
    tiny.history = tiny.net.fit(X, Y, options);
    general.history = general.net.fit(X, Y, general_path(options));
    expect_same(tiny, general);
    EXPECT_EQ(tiny.history.best_epoch, 5007);
    const mlp::Optimizer<double>& tiny_optimizer = tiny.net.training_state().optimizer;
    const mlp::Optimizer<double>& general_optimizer = general.net.training_state().optimizer;
    EXPECT_EQ(tiny_optimizer.first_moment(), general_optimizer.first_moment());
    EXPECT_EQ(tiny_optimizer.second_moment(), general_optimizer.second_moment());
    EXPECT_EQ(tiny_optimizer.steps(), general_optimizer.steps());
  }
}

TEST(TinyFit, HonoursEveryCallbackEpochByEpoch) {
  const Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  for (const Index hidden : {3, 12}) {  // the AVX2 kernel where it runs, and the portable loops
    TinyFitCase c;
    c.shape.hidden = hidden;
    c.seed = 3;
    // Each callback sees the network as the epoch left it, and on_epoch_end stops training
    // after epoch 37.
    std::vector<double> seen_tiny, seen_general;
    std::vector<double>* seen = nullptr;
    const mlp::Sequential<double>* net = nullptr;
    mlp::FitOptions options;
    options.epochs = 100;
    options.on_batch_end = [&](Index done, Index total) {
      seen->push_back(static_cast<double>(done + total));
      return true;
    };
    options.on_epoch_end = [&](const mlp::EpochLog& log) {
      seen->push_back(log.loss + log.accuracy + net->parameters().sum());
      return log.epoch < 37;
    };
    options.on_epoch_state = [&](const mlp::History& so_far, bool finished) {
      seen->push_back(static_cast<double>(so_far.loss.size()) + (finished ? 0.5 : 0.0));
    };
    Outcome tiny{network(c), {}, false}, general{network(c), {}, false};
    seen = &seen_tiny;
    net = &tiny.net;
    const long long before = mlp::tiny_path_fits();
    tiny.history = tiny.net.fit(X, Y, options);
    tiny.tiny = mlp::tiny_path_fits() > before;
    seen = &seen_general;
    net = &general.net;
    general.history = general.net.fit(X, Y, general_path(options));
    expect_same(tiny, general);
    EXPECT_EQ(tiny.history.loss.size(), 37u);
    EXPECT_EQ(seen_tiny, seen_general);
    EXPECT_EQ(seen_tiny.size(), 3u * 37u);
    // on_batch_end stops at once: the interrupted epoch is trained but not recorded.
    options.on_epoch_end = nullptr;
    options.on_epoch_state = nullptr;
    int batches = 0;
    options.on_batch_end = [&](Index, Index) { return ++batches < 5; };
    tiny = fit(c, X, Y, options, false);
    batches = 0;
    general = fit(c, X, Y, options, true);
    expect_same(tiny, general);
    EXPECT_EQ(tiny.history.loss.size(), 4u);
  }
}

TEST(TinyFit, HandsADivergenceToTheGeneralPath) {
  // Targets of 1e12 at eta = 1e300: the first update overflows. Both paths undo it the same way
  // (halving eta), and, with no rollbacks left, throw with the last good parameters.
  Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  Y *= 1e12;
  TinyFitCase c;
  c.learning_rate = 1e300;
  for (const Index hidden : {3, 12, 13}) {
    c.shape.hidden = hidden;
    c.optimizer = hidden == 3 ? 0 : hidden == 12 ? 1 : 3;
    mlp::FitOptions options;
    options.epochs = 20;
    options.max_rollbacks = 3;
    Outcome tiny{network(c), {}, false}, general{network(c), {}, false};
    EXPECT_THROW(tiny.net.fit(X, Y, options), mlp::DivergenceError);
    EXPECT_THROW(general.net.fit(X, Y, general_path(options)), mlp::DivergenceError);
    EXPECT_EQ(tiny.net.parameters(), general.net.parameters());
    EXPECT_TRUE(tiny.net.parameters().allFinite());
  }
}

TEST(TinyFit, FitsItDoesNotAcceptGoTheGeneralWay) {
  const Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  TinyFitCase c;
  mlp::FitOptions options;
  options.epochs = 3;
  EXPECT_TRUE(fit(c, X, Y, options, false).tiny);  // the chapter's network takes it
  auto takes_tiny_path = [&](mlp::Sequential<double> net, const Matrix<double>& Xs,
                             const Matrix<double>& Ys, const mlp::FitOptions& o) {
    const long long before = mlp::tiny_path_fits();
    net.fit(Xs, Ys, o);
    return mlp::tiny_path_fits() > before;
  };
  {
    TinyFitCase identity = c;
    identity.shape.hidden_activation = mlp::Activation::identity;
    EXPECT_FALSE(takes_tiny_path(network(identity), X, Y, options));
  }
  {
    mlp::Sequential<float> tanh(2);  // tanh in float: Eigen's vectorised approximation
    tanh.add(3, mlp::Activation::tanh).add(1, mlp::Activation::sigmoid);
    tanh.initialize(c.init, 0);
    const long long before = mlp::tiny_path_fits();
    tanh.fit(mlp::xor_inputs<float>(), mlp::xor_targets<float>(), options);
    EXPECT_EQ(mlp::tiny_path_fits(), before);
  }
  {
    TinyFitCase wide = c;
    wide.shape.hidden = 17;  // products past gemm's tiny ones
    EXPECT_FALSE(takes_tiny_path(network(wide), X, Y, options));
  }
  {
    mlp::Sequential<double> two_outputs(2);
    two_outputs.add(3, mlp::Activation::sigmoid).add(2, mlp::Activation::sigmoid);
    two_outputs.initialize(c.init, 0);
    EXPECT_FALSE(
        takes_tiny_path(two_outputs, X, Matrix<double>(Matrix<double>::Zero(4, 2)), options));
  }
  {
    Matrix<double> X17 = Matrix<double>::Constant(17, 2, 0.5), Y17 = Matrix<double>::Ones(17, 1);
    EXPECT_FALSE(takes_tiny_path(network(c), X17, Y17, options));  // more samples
    EXPECT_TRUE(takes_tiny_path(network(c), X17.topRows(16), Y17.topRows(16), options));
  }
  EXPECT_FALSE(takes_tiny_path(network(c), X, Y, general_path(options)));
  {
    mlp::Sequential<double> net = network(c);  // validation data: the general path
    const long long before = mlp::tiny_path_fits();
    net.fit(X, Y, X, Y, options);
    EXPECT_EQ(mlp::tiny_path_fits(), before);
  }
  for (int option = 0; option < 6; ++option) {
    mlp::FitOptions o = options;
    if (option == 0) o.batch_size = 2;
    if (option == 1) o.l2 = 0.01;
    if (option == 2) o.sample_weight = {1, 1, 2, 1};
    if (option == 3) o.early_stopping_patience = 2;
    if (option == 4) o.schedule = mlp::LearningRateSchedule::cosine;
    if (option == 5) o.n_iter_no_change = 10;
    EXPECT_FALSE(takes_tiny_path(network(c), X, Y, o)) << "option " << option;
  }
}

TEST(TinyFit, FloatsEqualTheGeneralPathToo) {
  // The portable loops in float: every activation and loss, up to 16 samples, inputs and hidden
  // units, gradient descent and (3 hidden units) Adam, as on the general path in float.
  mlp::Random rng(31);
  for (const mlp::Activation hidden_activation : {mlp::Activation::sigmoid, mlp::Activation::relu})
    for (const mlp::Loss loss : {mlp::Loss::sse, mlp::Loss::mse, mlp::Loss::binary_crossentropy})
      for (const Index n : {1, 4, 7, 16})
        for (const Index hidden : {2, 3, 16}) {
          const Index inputs = 1 + rng.below(16);
          Matrix<float> X(n, inputs), Y(n, 1);
          for (Index i = 0; i < X.size(); ++i)
            X.data()[i] = static_cast<float>(rng.uniform(-2.0, 2.0));
          for (Index i = 0; i < n; ++i) Y(i, 0) = static_cast<float>(rng.below(2));
          const double eta = 0.05 + rng.uniform();
          const std::uint64_t seed = rng.below(1000);
          auto trained = [&](bool tiny_path, long long* fits) {
            mlp::Sequential<float> net(inputs);
            net.add(hidden, hidden_activation).add(1, mlp::Activation::sigmoid);
            net.initialize(mlp::Initializer::glorot_uniform(), seed);
            net.compile(loss, hidden == 3 ? mlp::OptimizerSpec::adam(eta / 10)
                                          : mlp::OptimizerSpec::gradient_descent(eta));
            mlp::FitOptions options;
            options.epochs = 80;
            options.tiny_path = tiny_path;
            const long long before = mlp::tiny_path_fits();
            mlp::History history = net.fit(X, Y, options);
            *fits = mlp::tiny_path_fits() - before;
            return std::make_pair(std::move(net), std::move(history));
          };
          SCOPED_TRACE("activation " + std::to_string(static_cast<int>(hidden_activation)) +
                       ", loss " + std::to_string(static_cast<int>(loss)) + ", n " +
                       std::to_string(n) + ", inputs " + std::to_string(inputs) + ", hidden " +
                       std::to_string(hidden));
          long long tiny_fits = 0, general_fits = 0;
          const auto [tiny_net, tiny_history] = trained(true, &tiny_fits);
          const auto [general_net, general_history] = trained(false, &general_fits);
          EXPECT_EQ(tiny_fits, 1);
          EXPECT_EQ(general_fits, 0);
          EXPECT_EQ(tiny_net.parameters(), general_net.parameters());
          EXPECT_EQ(tiny_net.gradients(), general_net.gradients());
          EXPECT_EQ(tiny_history.loss, general_history.loss);
          EXPECT_EQ(tiny_history.accuracy, general_history.accuracy);
        }
}

}  // namespace
