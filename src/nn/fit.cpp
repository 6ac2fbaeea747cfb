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

// Throws InvalidArgument unless the data and options can be trained on.
template <class Scalar>
void check_fit_arguments(const Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                         ConstMatrixRef<Scalar> Y, const ConstMatrixRef<Scalar>* X_val,
                         const ConstMatrixRef<Scalar>* Y_val, const FitOptions& options) {
  net.check_shapes(X, Y, "training data");
  if (X.rows() == 0) throw InvalidArgument("training data has no samples");
  if (X_val != nullptr) {
    net.check_shapes(*X_val, *Y_val, "validation data");
    if (X_val->rows() == 0) throw InvalidArgument("validation data has no samples");
  }
  if (options.epochs < 0)
    throw InvalidArgument("epochs must be >= 0, got " + std::to_string(options.epochs));
  if (options.batch_size < 0)
    throw InvalidArgument("batch size must be >= 0, got " + std::to_string(options.batch_size));
  if (options.early_stopping_patience < 0)
    throw InvalidArgument("early stopping patience must be >= 0");
  check_loss_matches_output(net.loss(), net.output_activation());
}

// Everything training needs besides the network, allocated before the first step so that the
// training loop allocates nothing.
template <class Scalar>
struct TrainingState {
  Index n = 0;      // samples
  Index batch = 0;  // samples per update
  bool shuffled = false;
  bool classification = false;
  Workspace<Scalar> ws;
  Optimizer<Scalar> optimizer;
  std::vector<Index> order;  // the samples in this epoch's order, when shuffled
  Random rng;

  TrainingState(const Sequential<Scalar>& net, Index samples, const FitOptions& options)
      : n(samples),
        batch((options.batch_size == 0 || options.batch_size >= n) ? n : options.batch_size),
        shuffled(options.shuffle && batch < n),
        classification(output_is_classification(net.output_activation())),
        optimizer(net.optimizer()),
        order(static_cast<std::size_t>(shuffled ? n : 0)),
        rng(options.seed) {
    ws.plan(net.layers(), batch);
    optimizer.reset(net.parameter_count());
    std::iota(order.begin(), order.end(), Index(0));
  }
};

// History with room for `epochs` epochs of the values that training records.
History reserved_history(int epochs, bool classification, bool validation) {
  History history;
  history.loss.reserve(static_cast<std::size_t>(epochs));
  if (classification) history.accuracy.reserve(static_cast<std::size_t>(epochs));
  if (validation) {
    history.val_loss.reserve(static_cast<std::size_t>(epochs));
    if (classification) history.val_accuracy.reserve(static_cast<std::size_t>(epochs));
  }
  return history;
}

// What one pass over the training data adds up.
struct EpochTotals {
  double loss_sum = 0.0;  // the batches' loss_report times their sizes
  Index correct = 0;      // classification: correctly predicted samples
  bool interrupted = false;
};

// One epoch of minibatch descent: for each batch forward, error, backward, update.
// forward_backward(Xb, Yb) runs the network's forward and backward passes on a batch into t.ws.
template <class Scalar, class ForwardBackward>
EpochTotals train_epoch(Sequential<Scalar>& net, ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                        TrainingState<Scalar>& t, const FitOptions& options,
                        ForwardBackward& forward_backward) {
  const Activation out = net.output_activation();
  const std::size_t last = net.layers().size() - 1;
  EpochTotals totals;
  for (Index start = 0; start < t.n && !totals.interrupted; start += t.batch) {
    const Index rows = std::min(t.batch, t.n - start);
    auto step = [&](ConstMatrixRef<Scalar> Xb, ConstMatrixRef<Scalar> Yb) {
      forward_backward(Xb, Yb);
      const auto A = t.ws.A(last, rows);
      totals.loss_sum +=
          static_cast<double>(loss_report<Scalar>(net.loss(), A, Yb)) * static_cast<double>(rows);
      if (t.classification) totals.correct += count_correct<Scalar>(out, A, Yb);
      t.optimizer.step(net.parameters(), net.gradients());
    };
    if (t.shuffled) {
      auto Xb = t.ws.batch_inputs(rows);
      auto Yb = t.ws.batch_targets(rows);
      gather_rows<Scalar>(X, Y, t.order.data() + start, Xb, Yb);
      step(Xb, Yb);
    } else {
      step(X.middleRows(start, rows), Y.middleRows(start, rows));
    }
    if (options.on_batch_end && !options.on_batch_end(start + rows, t.n)) totals.interrupted = true;
  }
  return totals;
}

// The epoch's log, with the validation data's loss and accuracy when there is validation data,
// recorded in `history`.
template <class Scalar>
EpochLog record_epoch(const Sequential<Scalar>& net, int epoch, const EpochTotals& totals,
                      TrainingState<Scalar>& t, const ConstMatrixRef<Scalar>* X_val,
                      const ConstMatrixRef<Scalar>* Y_val, History& history) {
  EpochLog log;
  log.epoch = epoch;
  log.loss = totals.loss_sum / static_cast<double>(t.n);
  history.loss.push_back(log.loss);
  if (t.classification) {
    log.accuracy = static_cast<double>(totals.correct) / static_cast<double>(t.n);
    history.accuracy.push_back(log.accuracy);
  }
  if (X_val != nullptr) {
    const Evaluation val = evaluate_in_chunks<Scalar>(net, *X_val, *Y_val, t.ws);
    log.val_loss = val.loss;
    log.val_accuracy = val.accuracy;
    history.val_loss.push_back(val.loss);
    if (t.classification) history.val_accuracy.push_back(val.accuracy);
  }
  history.best_epoch = epoch;
  return log;
}

// Early stopping: keeps the parameters of the epoch with the lowest monitored loss, and says when
// it has not improved for `patience` epochs. Patience 0: off.
template <class Scalar>
class EarlyStopping {
 public:
  EarlyStopping(int patience, const Vector<Scalar>& parameters) : patience_(patience) {
    if (patience_ > 0) best_parameters_ = parameters;
  }

  // Notes an epoch's monitored loss; true when training should stop.
  bool stop_after(double monitored, const Vector<Scalar>& parameters) {
    if (patience_ == 0) return false;
    if (monitored < best_monitored_) {
      best_monitored_ = monitored;
      best_parameters_ = parameters;
      epochs_since_best_ = 0;
      return false;
    }
    return ++epochs_since_best_ >= patience_;
  }

  // Gives the network the best epoch's parameters and history.best_epoch that epoch.
  void restore_best(Vector<Scalar>& parameters, History& history, bool validation) const {
    if (patience_ == 0 || !std::isfinite(best_monitored_)) return;
    parameters = best_parameters_;
    const auto& monitored = validation ? history.val_loss : history.loss;
    history.best_epoch =
        static_cast<int>(std::min_element(monitored.begin(), monitored.end()) - monitored.begin()) +
        1;
  }

 private:
  int patience_;
  Vector<Scalar> best_parameters_;
  double best_monitored_ = std::numeric_limits<double>::infinity();
  int epochs_since_best_ = 0;
};

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
  check_fit_arguments(*this, X, Y, X_val, Y_val, options);
  // Everything training needs is allocated here, before the first step.
  TrainingState<Scalar> t(*this, X.rows(), options);
  EarlyStopping<Scalar> early_stopping(options.early_stopping_patience, parameters_);
  History history = reserved_history(options.epochs, t.classification, X_val != nullptr);
  // The passes without their checks: check_fit_arguments checked the shapes once.
  auto forward_backward = [this, &t](const ConstMatrixRef<Scalar>& Xb,
                                     const ConstMatrixRef<Scalar>& Yb) {
    forward_impl(Xb, t.ws);
    backward_impl(Xb, Yb, t.ws);
  };

  for (int epoch = 1; epoch <= options.epochs; ++epoch) {
    t.optimizer.set_learning_rate(optimizer_spec_.learning_rate *
                                  schedule_factor(options.schedule, epoch, options.epochs));
    if (t.shuffled) t.rng.shuffle(t.order.begin(), t.order.end());
    const EpochTotals totals = train_epoch(*this, X, Y, t, options, forward_backward);
    if (totals.interrupted) {
      history.stopped_early = true;
      break;
    }
    const EpochLog log = record_epoch(*this, epoch, totals, t, X_val, Y_val, history);
    bool stop = early_stopping.stop_after(X_val != nullptr ? log.val_loss : log.loss, parameters_);
    if (options.on_epoch_end && !options.on_epoch_end(log)) stop = true;
    if (stop) {
      history.stopped_early = true;
      break;
    }
  }
  early_stopping.restore_best(parameters_, history, X_val != nullptr);
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
