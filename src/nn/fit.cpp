// Sequential::fit: the training loop (the chapter's fit function, generalised to minibatches,
// validation and early stopping).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>

#include "kernels/thread_pool.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/output.hpp"

namespace mlp {

namespace {

struct Evaluation {
  double loss = 0.0;
  double accuracy = std::numeric_limits<double>::quiet_NaN();
};

// Loss (loss_report) and accuracy of the network on (X, Y), in chunks of the workspace's
// capacity so that no memory is allocated.
template <class Scalar>
Evaluation evaluate_in_chunks(const Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                              ConstMatrixRef<Scalar> Y, Workspace<Scalar>& ws) {
  const Index n = X.rows();
  const Activation out = net.output_activation();
  const std::size_t last = net.layers().size() - 1;
  double loss_sum = 0.0;
  Index correct = 0;
  for (Index start = 0; start < n; start += ws.capacity()) {
    const Index rows = std::min(ws.capacity(), n - start);
    net.forward(X.middleRows(start, rows), ws);
    const auto A = ws.A(last, rows);
    loss_sum += static_cast<double>(loss_report<Scalar>(net.loss(), A, Y.middleRows(start, rows))) *
                static_cast<double>(rows);
    correct += count_correct<Scalar>(out, A, Y.middleRows(start, rows));
  }
  Evaluation result;
  result.loss = loss_sum / static_cast<double>(n);
  if (output_is_classification(out))
    result.accuracy = static_cast<double>(correct) / static_cast<double>(n);
  return result;
}

// Xb.row(i) = X.row(source[i]) and Yb.row(i) = Y.row(source[i]) for the batch's rows. The rows
// come from anywhere in the data set, so the copy mostly waits on memory: large batches are split
// over the threads, whose cores keep more reads in flight.
template <class Scalar>
void gather_rows(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, const Index* source,
                 MatrixRef<Scalar> Xb, MatrixRef<Scalar> Yb) {
  constexpr Index kParallelElements = 1 << 15;
  const Index rows = Xb.rows();
  auto copy = [&](int c, int chunks) {
    for (Index i = rows * c / chunks; i < rows * (c + 1) / chunks; ++i) {
      Xb.row(i) = X.row(source[i]);
      Yb.row(i) = Y.row(source[i]);
    }
  };
  detail::ThreadPool& pool = detail::ThreadPool::global();
  if (pool.size() == 1 || rows * X.cols() < kParallelElements) {
    copy(0, 1);
    return;
  }
  const int chunks = 2 * pool.size();
  auto chunk = [&](int c) { copy(c, chunks); };
  pool.run(chunks, chunk);
}

// The factor of the learning rate in epoch `epoch` of `epochs` (see LearningRateSchedule).
double schedule_factor(LearningRateSchedule schedule, int epoch, int epochs) {
  const double progress = static_cast<double>(epoch - 1) / static_cast<double>(epochs);
  switch (schedule) {
    case LearningRateSchedule::constant:
      return 1.0;
    case LearningRateSchedule::cosine:
      return 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    case LearningRateSchedule::linear:
      return 1.0 - progress;
  }
  return 1.0;
}

}  // namespace

std::string_view to_string(LearningRateSchedule schedule) {
  switch (schedule) {
    case LearningRateSchedule::constant:
      return "constant";
    case LearningRateSchedule::cosine:
      return "cosine";
    case LearningRateSchedule::linear:
      return "linear";
  }
  return "unknown";
}

LearningRateSchedule schedule_from_string(std::string_view name) {
  for (auto s :
       {LearningRateSchedule::constant, LearningRateSchedule::cosine, LearningRateSchedule::linear})
    if (name == to_string(s)) return s;
  throw InvalidArgument("unknown learning-rate schedule '" + std::string(name) +
                        "' (expected constant, cosine or linear)");
}

template <class Scalar>
History Sequential<Scalar>::fit_impl(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                     const ConstMatrixRef<Scalar>* X_val,
                                     const ConstMatrixRef<Scalar>* Y_val,
                                     const FitOptions& options) {
  check_shapes(X, Y, "training data");
  if (X.rows() == 0) throw InvalidArgument("training data has no samples");
  if (X_val != nullptr) {
    check_shapes(*X_val, *Y_val, "validation data");
    if (X_val->rows() == 0) throw InvalidArgument("validation data has no samples");
  }
  if (options.epochs < 0)
    throw InvalidArgument("epochs must be >= 0, got " + std::to_string(options.epochs));
  if (options.batch_size < 0)
    throw InvalidArgument("batch size must be >= 0, got " + std::to_string(options.batch_size));
  if (options.early_stopping_patience < 0)
    throw InvalidArgument("early stopping patience must be >= 0");
  check_loss_matches_output(loss_, output_activation());

  const Index n = X.rows();
  const Index batch = (options.batch_size == 0 || options.batch_size >= n) ? n : options.batch_size;
  const bool shuffled = options.shuffle && batch < n;
  const Activation out = output_activation();
  const bool classification = output_is_classification(out);
  const std::size_t last = layers_.size() - 1;

  // Everything training needs is allocated here, before the first step.
  Workspace<Scalar> ws;
  ws.plan(layers_, batch);
  Optimizer<Scalar> optimizer(optimizer_spec_);
  optimizer.reset(parameters_.size());
  std::vector<Index> order(static_cast<std::size_t>(shuffled ? n : 0));
  std::iota(order.begin(), order.end(), Index(0));
  Random rng(options.seed);
  const bool early_stopping = options.early_stopping_patience > 0;
  Vector<Scalar> best_parameters;
  if (early_stopping) best_parameters = parameters_;

  History history;
  history.loss.reserve(static_cast<std::size_t>(options.epochs));
  if (classification) history.accuracy.reserve(static_cast<std::size_t>(options.epochs));
  if (X_val != nullptr) {
    history.val_loss.reserve(static_cast<std::size_t>(options.epochs));
    if (classification) history.val_accuracy.reserve(static_cast<std::size_t>(options.epochs));
  }
  double best_monitored = std::numeric_limits<double>::infinity();
  int epochs_since_best = 0;

  bool interrupted = false;
  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    optimizer.set_learning_rate(optimizer_spec_.learning_rate *
                                schedule_factor(options.schedule, epoch, options.epochs));
    if (shuffled) rng.shuffle(order.begin(), order.end());
    double loss_sum = 0.0;
    Index correct = 0;
    for (Index start = 0; start < n && !interrupted; start += batch) {
      const Index rows = std::min(batch, n - start);
      auto step = [&](ConstMatrixRef<Scalar> Xb, ConstMatrixRef<Scalar> Yb) {
        forward(Xb, ws);
        backward(Xb, Yb, ws);
        const auto A = ws.A(last, rows);
        loss_sum +=
            static_cast<double>(loss_report<Scalar>(loss_, A, Yb)) * static_cast<double>(rows);
        if (classification) correct += count_correct<Scalar>(out, A, Yb);
        optimizer.step(parameters_, gradients_);
      };
      if (shuffled) {
        auto Xb = ws.batch_inputs(rows);
        auto Yb = ws.batch_targets(rows);
        gather_rows<Scalar>(X, Y, order.data() + start, Xb, Yb);
        step(Xb, Yb);
      } else {
        step(X.middleRows(start, rows), Y.middleRows(start, rows));
      }
      if (options.on_batch_end && !options.on_batch_end(start + rows, n)) interrupted = true;
    }
    if (interrupted) {
      history.stopped_early = true;
      break;
    }

    EpochLog log;
    log.epoch = epoch;
    log.loss = loss_sum / static_cast<double>(n);
    history.loss.push_back(log.loss);
    if (classification) {
      log.accuracy = static_cast<double>(correct) / static_cast<double>(n);
      history.accuracy.push_back(log.accuracy);
    }
    if (X_val != nullptr) {
      const Evaluation val = evaluate_in_chunks<Scalar>(*this, *X_val, *Y_val, ws);
      log.val_loss = val.loss;
      log.val_accuracy = val.accuracy;
      history.val_loss.push_back(val.loss);
      if (classification) history.val_accuracy.push_back(val.accuracy);
    }
    history.best_epoch = epoch;

    bool stop = false;
    if (early_stopping) {
      const double monitored = X_val != nullptr ? log.val_loss : log.loss;
      if (monitored < best_monitored) {
        best_monitored = monitored;
        best_parameters = parameters_;
        epochs_since_best = 0;
      } else if (++epochs_since_best >= options.early_stopping_patience) {
        stop = true;
      }
    }
    if (options.on_epoch_end && !options.on_epoch_end(log)) stop = true;
    if (stop) {
      history.stopped_early = true;
      break;
    }
  }

  if (early_stopping && std::isfinite(best_monitored)) {
    parameters_ = best_parameters;
    const auto& monitored = X_val != nullptr ? history.val_loss : history.loss;
    history.best_epoch =
        static_cast<int>(std::min_element(monitored.begin(), monitored.end()) - monitored.begin()) +
        1;
  }
  return history;
}

#define MLP_INSTANTIATE(Scalar)                                                                 \
  template History Sequential<Scalar>::fit_impl(ConstMatrixRef<Scalar>, ConstMatrixRef<Scalar>, \
                                                const ConstMatrixRef<Scalar>*,                  \
                                                const ConstMatrixRef<Scalar>*, const FitOptions&);
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
