// Sequential::fit: the training loop (the chapter's fit function, generalised to minibatches,
// validation and early stopping).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/thread_pool.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/communicator.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/output.hpp"
#include "mlp/nn/stripes.hpp"
#include "nn/block_sum.hpp"
#include "nn/divergence.hpp"
#include "nn/gradient_progress.hpp"
#include "nn/local_sgd.hpp"
#include "nn/tiny_fit.hpp"

namespace mlp {

namespace {

struct Evaluation {
  double loss = 0.0;
  double accuracy = std::numeric_limits<double>::quiet_NaN();
};

// What an evaluation adds up: the loss (loss_report) times the rows, and the correct predictions.
struct EvaluationSums {
  double loss_sum = 0.0;
  Index correct = 0;
};

// The loss and correct predictions of the network on (X, Y), summed in chunks of the workspace's
// capacity so that no memory is allocated.
template <class Scalar>
EvaluationSums evaluation_sums(const Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                               ConstMatrixRef<Scalar> Y, Workspace<Scalar>& ws) {
  const Index n = X.rows();
  const Activation out = net.output_activation();
  const std::size_t last = net.layers().size() - 1;
  EvaluationSums sums;
  for (Index start = 0; start < n; start += ws.capacity()) {
    const Index rows = std::min(ws.capacity(), n - start);
    net.forward(X.middleRows(start, rows), ws);
    const auto A = ws.A(last, rows);
    sums.loss_sum +=
        static_cast<double>(loss_report<Scalar>(net.loss(), A, Y.middleRows(start, rows))) *
        static_cast<double>(rows);
    sums.correct += count_correct<Scalar>(out, A, Y.middleRows(start, rows));
  }
  return sums;
}

// Loss (loss_report) and accuracy from the sums over n rows.
Evaluation evaluation_of(const EvaluationSums& sums, Index n, bool classification) {
  Evaluation result;
  result.loss = sums.loss_sum / static_cast<double>(n);
  if (classification) result.accuracy = static_cast<double>(sums.correct) / static_cast<double>(n);
  return result;
}

// True when every value of v is finite: x - x is 0 for a finite x and NaN for an infinity or a
// NaN, so the sum of the (x - x) is 0 exactly when all are finite. One vectorised pass, where
// Eigen's allFinite() tests the values one by one (3 % of a 64-32-1 network's training step).
template <class Derived>
bool all_finite(const Eigen::MatrixBase<Derived>& v) {
  return (v.array() - v.array()).sum() == typename Derived::Scalar(0);
}

// Xb.row(i) = X.row(source[i]) and Yb.row(i) = Y.row(source[i]) for the batch's rows. The rows
// come from anywhere in the data set, so the copy mostly waits on memory: large batches are split
// over the threads, whose cores keep more reads in flight.
template <class Scalar>
void gather_rows(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y, const Index* source,
                 MatrixRef<Scalar> Xb, MatrixRef<Scalar> Yb) {
  constexpr Index kParallelElements = 1 << 15;
  const Index rows = Xb.rows();
  // Prefetching the next row's first 4 KB (MNIST's rows are 3 KB) cut an epoch by 4 % on the Zen 5.
  const Index ahead_bytes = std::min<Index>(static_cast<Index>(sizeof(Scalar)) * X.cols(), 4096);
  auto copy = [&](int c, int chunks) {
    const Index end = rows * (c + 1) / chunks;
    for (Index i = rows * c / chunks; i < end; ++i) {
      // The next row's lines asked for now: the prefetchers follow a row once it is read, but
      // cannot guess where the next one starts.
      if (i + 1 < end) {
        const auto* next =
            reinterpret_cast<const char*>(X.data() + source[i + 1] * X.outerStride());
        for (Index b = 0; b < ahead_bytes; b += 64) __builtin_prefetch(next + b);
      }
      Xb.row(i) = X.row(source[i]);
      Yb.row(i) = Y.row(source[i]);
    }
  };
  detail::ThreadPool& pool = detail::ThreadPool::global();
  const int threads = pool.threads_now();
  if (threads == 1 || rows * X.cols() < kParallelElements) {
    copy(0, 1);
    return;
  }
  const int chunks = 2 * threads;
  auto chunk = [&](int c) { copy(c, chunks); };
  pool.run(chunks, chunk);
}

// The factor of the learning rate in epoch `epoch` (1-based, counted from the training state's
// start) of a run planned for `epochs`, after `samples_seen` samples (see LearningRateSchedule).
// Epochs past the plan keep the last planned epoch's factor.
double schedule_factor(LearningRateSchedule schedule, int epoch, int epochs,
                       std::int64_t samples_seen, double power_t) {
  const int planned = std::max(epochs, 1);
  const double progress =
      static_cast<double>(std::min(epoch, planned) - 1) / static_cast<double>(planned);
  switch (schedule) {
    case LearningRateSchedule::constant:
    case LearningRateSchedule::adaptive:
      return 1.0;
    case LearningRateSchedule::cosine:
      return 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    case LearningRateSchedule::linear:
      return 1.0 - progress;
    case LearningRateSchedule::invscaling:
      return 1.0 / std::pow(static_cast<double>(samples_seen) + 1.0, power_t);
  }
  return 1.0;
}

// The rows of data held in stripes [first, last) of `rows` (stripe_rows: one value per stripe).
Index rows_of_stripes(const std::vector<Index>& rows, Index first, Index last) {
  return std::accumulate(rows.begin() + first, rows.begin() + last, Index(0));
}

// The global batch of a fit on `samples` rows: batch_size, or every row (0, or more than there
// are).
Index global_batch(const FitOptions& options, Index samples) {
  return (options.batch_size == 0 || options.batch_size >= samples) ? samples : options.batch_size;
}

// Throws InvalidArgument unless `stripes` (FitOptions::stripe_rows or validation_stripe_rows, named
// `what`) has G values >= 0 and this rank's stripes hold the `held` rows it was given.
void check_stripe_rows(const std::vector<Index>& stripes, Index G, StripeRange mine, Index held,
                       const std::string& what) {
  if (static_cast<Index>(stripes.size()) != G)
    throw InvalidArgument(what + " has " + std::to_string(stripes.size()) +
                          " stripes; the training data has " + std::to_string(G));
  for (Index rows : stripes)
    if (rows < 0) throw InvalidArgument(what + ": a stripe of " + std::to_string(rows) + " rows");
  const Index mine_rows = rows_of_stripes(stripes, mine.first, mine.last);
  if (mine_rows != held)
    throw InvalidArgument(what + ": this rank's stripes " + std::to_string(mine.first) + " to " +
                          std::to_string(mine.last - 1) + " hold " + std::to_string(mine_rows) +
                          " rows, but it was given " + std::to_string(held));
}

// Throws InvalidArgument unless FitOptions::stripe_rows (and validation_stripe_rows) describe
// the data this rank was given (X's rows, X_val's or none).
void check_stripes(const FitOptions& options, Index rows, const Index* val_rows) {
  if (options.stripe_rows.empty()) {
    if (!options.validation_stripe_rows.empty())
      throw InvalidArgument("validation_stripe_rows need stripe_rows");
    return;
  }
  if (options.communicator == nullptr || options.sync_every != 0)
    throw InvalidArgument(
        "stripe_rows (sharded data) need a communicator and synchronous training (sync_every 0)");
  const Index total = rows_of_stripes(options.stripe_rows, 0, Index(options.stripe_rows.size()));
  if (total < 1) throw InvalidArgument("training data has no samples on any rank");
  // Between ceil(B / block rows) and B stripes: every block of a batch has 1 to block rows rows.
  const Index B = global_batch(options, total);
  const Index G = static_cast<Index>(options.stripe_rows.size());
  if (G < stripe_count(B, options.gradient_block_rows) || G > B)
    throw InvalidArgument("stripe_rows has " + std::to_string(G) + " stripes; a global batch of " +
                          std::to_string(B) + " rows in blocks of at most " +
                          std::to_string(options.gradient_block_rows) + " rows needs " +
                          std::to_string(stripe_count(B, options.gradient_block_rows)) + " to " +
                          std::to_string(B));
  const StripeRange mine =
      stripes_of_rank(G, options.communicator->size(), options.communicator->rank());
  check_stripe_rows(options.stripe_rows, G, mine, rows, "stripe_rows");
  if (val_rows == nullptr) {
    if (!options.validation_stripe_rows.empty())
      throw InvalidArgument("validation_stripe_rows without validation data");
    return;
  }
  check_stripe_rows(options.validation_stripe_rows, G, mine, *val_rows, "validation_stripe_rows");
  const Index val_total = rows_of_stripes(options.validation_stripe_rows, 0, G);
  if (val_total < 1) throw InvalidArgument("validation data has no samples on any rank");
}

// Throws InvalidArgument unless the data and options can be trained on. With stripe_rows, a rank
// may hold no rows: the others do.
template <class Scalar>
void check_fit_arguments(const Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                         ConstMatrixRef<Scalar> Y, const ConstMatrixRef<Scalar>* X_val,
                         const ConstMatrixRef<Scalar>* Y_val, const FitOptions& options) {
  const bool striped = !options.stripe_rows.empty();
  net.check_shapes(X, Y, "training data");
  if (X.rows() == 0 && !striped) throw InvalidArgument("training data has no samples");
  if (X_val != nullptr) {
    net.check_shapes(*X_val, *Y_val, "validation data");
    if (X_val->rows() == 0 && !striped) throw InvalidArgument("validation data has no samples");
  }
  check_fit_options(options, X.rows());
  const Index val_rows = X_val != nullptr ? X_val->rows() : 0;
  check_stripes(options, X.rows(), X_val != nullptr ? &val_rows : nullptr);
  check_loss_matches_output(net.loss(), net.output_activation());
}

// The training state at the start of a fit: kept (keep_training_state, on a state that fits this
// network) or fresh, with its buffers sized so that the training loop allocates nothing.
template <class Scalar>
void prepare_state(TrainingState<Scalar>& s, const Sequential<Scalar>& net, Index n,
                   const FitOptions& options) {
  const bool fits = s.started && s.optimizer.spec().kind == net.optimizer().kind &&
                    s.best_parameters.size() == net.parameter_count();
  if (!options.keep_training_state || !fits) {
    s = TrainingState<Scalar>();
    s.optimizer = Optimizer<Scalar>(net.optimizer());
    s.optimizer.reset(net.parameter_count());
    s.rng = Random(options.seed);
    s.schedule_epochs = options.epochs;
    s.best_parameters = net.parameters();
    s.started = true;
  }
  if (static_cast<Index>(s.order.size()) != n) {
    s.order.resize(static_cast<std::size_t>(n));
    std::iota(s.order.begin(), s.order.end(), Index(0));
  }
}

// Everything one fit needs besides the network and its training state, allocated before the first
// step so that the training loop allocates nothing.
template <class Scalar>
struct FitScratch {
  Index n = 0;      // samples
  Index batch = 0;  // samples per update
  bool shuffled = false;
  bool classification = false;
  Workspace<Scalar> ws;
  std::span<const double> weights;    // FitOptions::sample_weight, or empty
  std::vector<double> batch_weights;  // (batch) a batch's sample weights
  std::vector<Scalar> r;              // (batch) their r_n (loss.hpp)
  std::vector<Scalar> block_r;        // data-parallel: (block rows) a block's dE/dZ row weights
  // The last good epoch (the last whose loss was the lowest yet, starting from the first batch's
  // loss at the start of this fit; or the start): its parameters and optimizer state, which a
  // divergence gives back.
  Vector<Scalar> good_parameters;
  Optimizer<Scalar> good_optimizer;
  double good_loss = std::numeric_limits<double>::infinity();
  int good_epoch = 0;
  // Data-parallel: (the optimizer's state) the scratch in which the ranks share it
  // (share_optimizer_state).
  Vector<Scalar> shared_first, shared_second;

  FitScratch(const Sequential<Scalar>& net, Index samples, const FitOptions& options,
             const TrainingState<Scalar>& state)
      : n(samples),
        batch(global_batch(options, n)),
        shuffled(options.shuffle && batch < n),
        classification(output_is_classification(net.output_activation())),
        weights(options.sample_weight),
        batch_weights(weights.empty() ? 0 : static_cast<std::size_t>(batch)),
        r(batch_weights.size()),
        good_parameters(net.parameters()),
        good_optimizer(state.optimizer),
        good_epoch(state.epochs_done) {
    // Data-parallel: the network runs on one block of a batch at a time.
    const Index block = std::min(batch, options.gradient_block_rows);
    const bool blocks = options.communicator != nullptr && options.sync_every == 0;
    ws.plan(net.layers(), blocks ? block : batch);
    if (blocks) block_r.resize(static_cast<std::size_t>(block));
    // Only several ranks share the optimizer's state (each updates its slice).
    if (blocks && options.communicator->size() > 1) {
      shared_first.resize(state.optimizer.first_moment().size());
      shared_second.resize(state.optimizer.second_moment().size());
    }
  }
};

// Sharded data (FitOptions::stripe_rows): where this rank's stripes are, how the epoch's batches
// draw from them, and the buffers their sums over the stripes need.
struct StripePlan {
  Index G = 0;                    // stripes, and blocks of every batch
  StripeRange mine;               // this rank's stripes
  std::vector<Index> rows;        // (G) each stripe's training rows
  std::vector<Index> take;        // (G) the rows block g of a full batch takes from stripe g
  std::vector<Index> offset;      // (my stripes + 1) where they start in X
  std::vector<Index> val_offset;  // (my stripes + 1) where they start in X_val (validation)
  Index val_rows = 0;             // validation rows on all ranks
  Index batches = 0;              // per epoch: as many as the longest stripe needs
  bool weighted = false;          // sample weights (on any rank)
  std::vector<double> mine_sums;  // (2 x my stripes) this rank's per-stripe sums
  std::vector<double> all_sums;   // (2 G) every stripe's, in stripe order
  std::vector<Index> counts;      // (ranks) the values each rank sends

  StripePlan(const FitOptions& options, Index batch, bool validation) : rows(options.stripe_rows) {
    Communicator& comm = *options.communicator;
    G = static_cast<Index>(rows.size());
    mine = stripes_of_rank(G, comm.size(), comm.rank());
    take.resize(static_cast<std::size_t>(G));
    for (Index g = 0; g < G; ++g) {
      take[static_cast<std::size_t>(g)] = stripe_block_rows(batch, G, g);
      batches = std::max(batches, (rows[static_cast<std::size_t>(g)] + take[g] - 1) / take[g]);
    }
    offset = local_offsets(rows);
    if (validation) {
      val_offset = local_offsets(options.validation_stripe_rows);
      val_rows = rows_of_stripes(options.validation_stripe_rows, 0, G);
    }
    weighted = comm.any(!options.sample_weight.empty());
    if (weighted && options.sample_weight.empty() && offset.back() > 0)
      throw InvalidArgument("sample weights were given on another rank but not on this one");
    mine_sums.resize(static_cast<std::size_t>(2 * (mine.last - mine.first)));
    all_sums.resize(static_cast<std::size_t>(2 * G));
    counts.resize(static_cast<std::size_t>(comm.size()));
  }

  // The rows block g of batch k (0-based) takes from stripe g: the next take[g] rows of its
  // order, fewer or none once the stripe runs out.
  Index block_rows(Index g, Index k) const {
    const auto i = static_cast<std::size_t>(g);
    return std::clamp(rows[i] - k * take[i], Index(0), take[i]);
  }

  // Every stripe's `per_stripe` values (this rank's stripes' in mine_sums) in all_sums, in stripe
  // order, on every rank (one allgather).
  const double* gather(Communicator& comm, Index per_stripe) {
    for (int r = 0; r < comm.size(); ++r) {
      const StripeRange theirs = stripes_of_rank(G, comm.size(), r);
      counts[static_cast<std::size_t>(r)] = per_stripe * (theirs.last - theirs.first);
    }
    comm.allgather(
        std::span<const double>(mine_sums.data(),
                                static_cast<std::size_t>(per_stripe * (mine.last - mine.first))),
        std::span<double>(all_sums.data(), static_cast<std::size_t>(per_stripe * G)), counts);
    return all_sums.data();
  }

 private:
  // Where each of this rank's stripes starts among its rows, and the end.
  std::vector<Index> local_offsets(const std::vector<Index>& stripe_rows) const {
    std::vector<Index> at(1, 0);
    for (Index g = mine.first; g < mine.last; ++g)
      at.push_back(at.back() + stripe_rows[static_cast<std::size_t>(g)]);
    return at;
  }
};

// The seed of stripe g's shuffle in `epoch`: seed, epoch and g mixed by splitmix64's finaliser, so
// that each stripe has its own stream, whatever rank shuffles it.
std::uint64_t stripe_seed(std::uint64_t seed, int epoch, Index g) {
  auto mix = [](std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  std::uint64_t x = mix(seed + 0x9e3779b97f4a7c15ull);
  x = mix(x + static_cast<std::uint64_t>(epoch));
  return mix(x + static_cast<std::uint64_t>(g));
}

// This rank's stripes' order for `epoch`: each stripe's rows in their own order, shuffled (when
// `shuffled`) by stripe_seed; the same whatever the epochs before (a resumed run, a rollback).
void order_stripes(std::vector<Index>& order, const StripePlan& plan, std::uint64_t seed, int epoch,
                   bool shuffled) {
  for (Index g = plan.mine.first; g < plan.mine.last; ++g) {
    const auto j = static_cast<std::size_t>(g - plan.mine.first);
    const auto first = order.begin() + plan.offset[j], last = order.begin() + plan.offset[j + 1];
    std::iota(first, last, plan.offset[j]);
    if (!shuffled) continue;
    Random rng(stripe_seed(seed, epoch, g));
    rng.shuffle(first, last);
  }
}

// The epoch's order of this rank's rows: each stripe's own (sharded, with `plan`), or the global
// shuffle of the training state's random stream (when `shuffled`).
template <class Scalar>
void order_epoch(TrainingState<Scalar>& s, const StripePlan* plan, std::uint64_t seed, int epoch,
                 bool shuffled) {
  if (plan != nullptr)
    order_stripes(s.order, *plan, seed, epoch, shuffled);
  else if (shuffled)
    s.rng.shuffle(s.order.begin(), s.order.end());
}

// The training rows of a fit: X's, or, sharded (FitOptions::stripe_rows), every rank's.
template <class Scalar>
Index training_rows(ConstMatrixRef<Scalar> X, const FitOptions& options) {
  if (options.stripe_rows.empty()) return X.rows();
  return rows_of_stripes(options.stripe_rows, 0, static_cast<Index>(options.stripe_rows.size()));
}

// History with room for `epochs` epochs of the values that training records.
History reserved_history(int epochs, bool classification, bool validation) {
  History history;
  history.loss.reserve(static_cast<std::size_t>(epochs));
  history.learning_rate.reserve(static_cast<std::size_t>(epochs));
  if (classification) history.accuracy.reserve(static_cast<std::size_t>(epochs));
  if (validation) {
    history.val_loss.reserve(static_cast<std::size_t>(epochs));
    if (classification) history.val_accuracy.reserve(static_cast<std::size_t>(epochs));
  }
  return history;
}

// What one pass over the training data adds up.
struct EpochTotals {
  double loss_sum = 0.0;     // the batches' loss_report (with the L2 penalty) times their sizes
  double penalty_sum = 0.0;  // the batches' L2 penalties times their sizes
  Index correct = 0;         // classification: correctly predicted samples
  bool interrupted = false;
  std::optional<DivergenceError> divergence;  // set when a step's loss or gradient was not finite

  // A batch of `rows` whose step was finite: its loss (with the penalty) and its correct rows.
  void add_batch(double loss, double penalty, Index rows, Index correct_rows) {
    loss_sum += loss * static_cast<double>(rows);
    penalty_sum += penalty * static_cast<double>(rows);
    correct += correct_rows;
  }
};

// A batch's sample weights into t.r (r_n), gathered from rows `source` (or from `start` on when
// source is null); returns S, their sum (the batch's size without weights).
template <class Scalar>
double batch_row_weights(FitScratch<Scalar>& t, const Index* source, Index start, Index rows) {
  if (t.weights.empty()) return static_cast<double>(rows);
  for (Index i = 0; i < rows; ++i)
    t.batch_weights[static_cast<std::size_t>(i)] =
        t.weights[static_cast<std::size_t>(source != nullptr ? source[i] : start + i)];
  return row_weights<Scalar>(std::span<const double>(t.batch_weights.data(), rows), t.r.data());
}

// One step of minibatch descent on rows [first, first + rows) of the epoch (in its shuffled order
// when shuffled), the `batch`-th (1-based) batch: forward, error, backward, a check that the loss
// and gradients are finite, update, and the step's loss and correct predictions into `totals`
// (or its divergence). forward_backward(Xb, Yb, r, l2_over_S, into, between, progress) runs the
// network's forward pass on a batch into t.ws, then between(), then the backward pass (the
// gradient into `into`, or gradients() when null), which tells `progress` (when not null) as each
// layer's gradient becomes final.
// Local SGD's steps (`parts` ranks, each on 1 / parts of a batch) count the L2 penalty
// l2 / (2 S) ||W||^2 with S = parts x their rows' weight: the global batch's S when the parts are
// equal, so that the ranks' mean step has plain fit's penalty.
template <class Scalar, class ForwardBackward>
void train_batch(Sequential<Scalar>& net, ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                 FitScratch<Scalar>& t, TrainingState<Scalar>& s, const FitOptions& options,
                 ForwardBackward& forward_backward, Index first, Index rows, Index batch,
                 EpochTotals& totals, int parts = 1) {
  const Activation out = net.output_activation();
  const std::size_t last = net.layers().size() - 1;
  const Index* source = t.shuffled ? s.order.data() + first : nullptr;
  const double S = batch_row_weights(t, source, first, rows);
  const double S_penalty = S * parts;
  const Scalar* r = t.weights.empty() ? nullptr : t.r.data();
  auto step = [&](ConstMatrixRef<Scalar> Xb, ConstMatrixRef<Scalar> Yb) {
    forward_backward(
        Xb, Yb, r, static_cast<Scalar>(options.l2 / S_penalty), nullptr, [] {}, nullptr);
    const auto A = t.ws.A(last, rows);
    const double penalty = net.l2_penalty(options.l2, S_penalty);
    const double loss = static_cast<double>(loss_report<Scalar>(net.loss(), A, Yb, r)) + penalty;
    if (!std::isfinite(loss) || !all_finite(net.gradients())) {
      const DivergencePoint point{s.epochs_done + 1, batch, s.optimizer.spec().learning_rate, loss,
                                  t.good_epoch};
      totals.divergence = divergence_error<Scalar>(net, t.ws, Xb, Yb, point);
      return;
    }
    // The loss where this fit starts (its first batch's, before any update) is the bar the
    // first good epoch must get under.
    if (!std::isfinite(t.good_loss)) t.good_loss = loss;
    totals.add_batch(loss, penalty, rows,
                     t.classification ? count_correct<Scalar>(out, A, Yb) : Index(0));
    s.optimizer.step(net.parameters(), net.gradients());
  };
  if (S <= 0.0) return;  // a batch whose weights are all 0 teaches nothing: skipped
  if (t.shuffled) {
    auto Xb = t.ws.batch_inputs(rows);
    auto Yb = t.ws.batch_targets(rows);
    gather_rows<Scalar>(X, Y, source, Xb, Yb);
    step(Xb, Yb);
  } else {
    step(X.middleRows(first, rows), Y.middleRows(first, rows));
  }
}

// One epoch of minibatch descent: train_batch on each batch.
template <class Scalar, class ForwardBackward>
EpochTotals train_epoch(Sequential<Scalar>& net, ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                        FitScratch<Scalar>& t, TrainingState<Scalar>& s, const FitOptions& options,
                        ForwardBackward& forward_backward) {
  EpochTotals totals;
  for (Index start = 0; start < t.n && !totals.interrupted && !totals.divergence;
       start += t.batch) {
    const Index rows = std::min(t.batch, t.n - start);
    train_batch(net, X, Y, t, s, options, forward_backward, start, rows, start / t.batch + 1,
                totals);
    if (options.on_batch_end && !options.on_batch_end(start + rows, t.n)) totals.interrupted = true;
  }
  return totals;
}

// Local SGD's epoch (FitOptions::sync_every = K >= 1): rank r of N takes train_batch's steps on
// its share of each global batch, rows [B r / N, B (r + 1) / N); after every K batches and at the
// epoch's end, the ranks agree on stopping (a divergence on any rank, a callback's request) and,
// when none stops, replace their models by the mean (nn/local_sgd.hpp). The epoch's loss and
// correct predictions are summed over the ranks: the totals are the same on every rank.
template <class Scalar, class ForwardBackward>
EpochTotals train_epoch_local(Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                              ConstMatrixRef<Scalar> Y, FitScratch<Scalar>& t,
                              TrainingState<Scalar>& s, const FitOptions& options,
                              ForwardBackward& forward_backward, ModelAverage<Scalar>& average) {
  Communicator& comm = *options.communicator;
  const int N = comm.size(), me = comm.rank();
  const bool first_of_fit = !std::isfinite(t.good_loss);
  double first_loss = 0.0, first_rows = 0.0;  // this rank's first step of the fit
  EpochTotals totals;
  bool stop_requested = false;
  int since_sync = 0;
  for (Index start = 0; start < t.n; start += t.batch) {
    const Index rows = std::min(t.batch, t.n - start);
    const Index lo = rows * me / N, hi = rows * (me + 1) / N;
    if (!totals.divergence && !stop_requested && hi > lo) {
      train_batch(net, X, Y, t, s, options, forward_backward, start + lo, hi - lo,
                  start / t.batch + 1, totals, N);
      if (first_of_fit && first_rows == 0.0 && std::isfinite(t.good_loss)) {
        first_loss = t.good_loss * static_cast<double>(hi - lo);
        first_rows = static_cast<double>(hi - lo);
      }
    }
    if (options.on_batch_end && !options.on_batch_end(start + rows, t.n)) stop_requested = true;
    if (++since_sync < options.sync_every && start + rows < t.n) continue;
    since_sync = 0;
    const LocalAgreement agreed = average.agree(totals.divergence.has_value(), stop_requested);
    if (agreed.diverged && !totals.divergence) {  // on another rank: its step's point
      const DivergencePoint point{s.epochs_done + 1, start / t.batch + 1,
                                  s.optimizer.spec().learning_rate, totals.loss_sum, t.good_epoch};
      totals.divergence = divergence_error<Scalar>(net, t.ws, X.topRows(0), Y.topRows(0), point);
    }
    if (agreed.diverged) return totals;
    if (agreed.stop) {
      totals.interrupted = true;
      return totals;
    }
    average.average(net.parameters(), s.optimizer);
  }
  // The epoch's totals, and the fit's first loss (the first good epoch's bar), over all ranks.
  std::array<double, 5> sums{totals.loss_sum, totals.penalty_sum,
                             static_cast<double>(totals.correct), first_loss, first_rows};
  average.sum_over_ranks(sums);
  totals.loss_sum = sums[0];
  totals.penalty_sum = sums[1];
  totals.correct = static_cast<Index>(sums[2]);
  if (first_of_fit && sums[4] > 0.0) t.good_loss = sums[3] / sums[4];
  return totals;
}

// Whether a loss's gradient is a mean over the batch's rows (every loss but sse, whose E and
// dE/dA are sums): a block's mean gradient then counts in the batch's with weight rows_g / B.
bool gradient_is_mean(Loss loss) {
  return loss != Loss::sse;
}

// The weights of a block's rows of dE/dZ (the output layer's) that make its backward pass give
// its part of the batch's gradient, the block's weight folded into its rows (no pass over the
// gradient): row i of a block of m of the batch's B rows, with r_i its sample weight's r_n (1
// without sample weights), weighs
//   (m / B) r_i   for a mean loss (gradient_is_mean)
//   r_i           for sse, whose gradient is a sum.
// Written into `out` (m values); null when every weight is 1 (the backward pass then scales
// nothing).
template <class Scalar>
const Scalar* block_row_weights(Loss loss, const Scalar* r, Index m, Index B, Scalar* out) {
  if (!gradient_is_mean(loss) || m == B) return r;
  const auto share = static_cast<Scalar>(static_cast<double>(m) / static_cast<double>(B));
  for (Index i = 0; i < m; ++i) out[i] = r == nullptr ? share : share * r[i];
  return out;
}

// The L2 penalty's part of the gradient, (l2 / S) W for every layer's W (as backward_impl adds
// it), added once to the gradient summed over the batch's blocks: to its values [first, first +
// count), held in `gradients` (a rank's slice of them, or all), each value as it would be alone.
template <class Scalar>
void add_l2_gradient(const Sequential<Scalar>& net, Scalar* gradients, Index first, Index count,
                     Scalar l2_over_S) {
  if (l2_over_S == Scalar(0)) return;
  const Scalar* w = net.parameters().data();
  for (const DenseLayer& layer : net.layers()) {
    const Index from = std::max(layer.offset, first);
    const Index to = std::min(layer.offset + layer.weight_count(), first + count);
    for (Index i = from; i < to; ++i) gradients[i - first] += l2_over_S * w[i];
  }
}

// The first values of the block sum's buckets by messages (BlockSum), the last first: whole
// layers, from the last (whose bucket also holds the loss and correct count after the gradient),
// each bucket closed once it holds at least exchange_bucket_bytes x ranks of values of
// `scalar_bytes` each (each of its messages carries 1 / ranks of it), the first layer's in any
// case.
std::vector<Index> exchange_buckets(const std::vector<DenseLayer>& layers, std::size_t scalar_bytes,
                                    const FitOptions& options) {
  const Index bytes = options.exchange_bucket_bytes * options.communicator->size();
  std::vector<Index> starts;
  Index end = layers.back().offset + layers.back().parameter_count() + 2;
  for (std::size_t l = layers.size(); l-- > 0;) {
    const Index first = layers[l].offset;
    if (l == 0 || (end - first) * static_cast<Index>(scalar_bytes) >= bytes) {
      starts.push_back(first);
      end = first;
    }
  }
  return starts;
}

// One step on the tree's sum of a batch's blocks (nn/block_sum.hpp), the batch of `rows` rows
// being the `batch`-th (1-based) and S its sum of sample weights: each rank adds the L2 term to
// its slice of the batch's gradient (its slice of the sum: P gradient values, then the batch's
// loss and correct predictions), checks it, and, when every rank's is finite and the loss too,
// updates its slice of the parameters; the ranks then share the parameters. A divergence is
// diagnosed by diagnose(point), which runs the network on the last block this rank ran, with the
// whole gradient in `gradients`. Each value's arithmetic is the one a single process makes: the
// same bits on any number of ranks, the update made once instead of on every rank. The
// optimizer's state is left current on each rank's slice only: share_optimizer_state makes it
// whole.
template <class Scalar, class Leaf, class Diagnose>
void step_on_sliced_sum(Sequential<Scalar>& net, FitScratch<Scalar>& t, TrainingState<Scalar>& s,
                        const FitOptions& options, BlockSum<Scalar>& blocks, Index G, Leaf& leaf,
                        double S, Index rows, Index batch, Scalar* gradients, EpochTotals& totals,
                        Diagnose diagnose) {
  const Index P = net.parameter_count();
  const auto slice = blocks.slice_of_sum(G, leaf);
  const Index count = std::clamp<Index>(P - slice.first, 0, slice.count);  // its parameters
  add_l2_gradient(net, slice.values, slice.first, count, static_cast<Scalar>(options.l2 / S));
  const Eigen::Map<const Vector<Scalar>> gradient(slice.values, count);
  const bool finite = blocks.publish_slice(all_finite(gradient));
  const double penalty = net.l2_penalty(options.l2, S);
  const double loss = static_cast<double>(blocks.root_value(P)) + penalty;
  if (!std::isfinite(loss) || !finite) {
    blocks.copy_root(gradients, P);  // where the diagnosis looks
    const DivergencePoint point{s.epochs_done + 1, batch, s.optimizer.spec().learning_rate, loss,
                                t.good_epoch};
    totals.divergence = diagnose(point);
    return;
  }
  if (!std::isfinite(t.good_loss)) t.good_loss = loss;
  totals.add_batch(loss, penalty, rows, static_cast<Index>(blocks.root_value(P + 1)));
  s.optimizer.step_part(net.parameters().segment(slice.first, count), gradient, slice.first);
  blocks.share_slice(net.parameters().data(), P);
}

// After an epoch (or part of one) of step_on_sliced_sum: each rank's slice of the optimizer's
// state shared, so that every rank holds the whole state (for checkpoints, rollbacks and the next
// fit), in t's scratch.
template <class Scalar>
void share_optimizer_state(FitScratch<Scalar>& t, Optimizer<Scalar>& optimizer,
                           BlockSum<Scalar>& blocks, Index P) {
  if (t.shared_first.size() != P) return;  // one rank, or no state (gradient descent)
  t.shared_first = optimizer.first_moment();
  t.shared_second = optimizer.second_moment();
  blocks.share_slice(t.shared_first.data(), P);
  if (t.shared_second.size() == P) blocks.share_slice(t.shared_second.data(), P);
  optimizer.restore(P, t.shared_first, t.shared_second, optimizer.steps());
}

// Block g's values for the block sum, into `values`: the block's weighted gradient (its m rows,
// Xb and Yb, of a batch of `rows` rows, with r their r_n or null), then its share of the batch's
// loss and its correct predictions, written after the forward pass so that the backward pass can
// tell `progress` (when not null) that the values after each layer's are final.
template <class Scalar, class ForwardBackward>
void block_values(const Sequential<Scalar>& net, FitScratch<Scalar>& t,
                  ForwardBackward& forward_backward, ConstMatrixRef<Scalar> Xb,
                  ConstMatrixRef<Scalar> Yb, const Scalar* r, Index rows, Scalar* values,
                  GradientProgress* progress) {
  const Index P = net.parameter_count(), m = Xb.rows();
  const std::size_t last = net.layers().size() - 1;
  const double share = static_cast<double>(m) / static_cast<double>(rows);
  auto loss_and_correct = [&] {
    const auto A = t.ws.A(last, m);
    values[P] = static_cast<Scalar>(share) * loss_report<Scalar>(net.loss(), A, Yb, r);
    values[P + 1] = t.classification
                        ? static_cast<Scalar>(count_correct<Scalar>(net.output_activation(), A, Yb))
                        : Scalar(0);
  };
  forward_backward(Xb, Yb, block_row_weights(net.loss(), r, m, rows, t.block_r.data()), Scalar(0),
                   values, loss_and_correct, progress);
}

// The data-parallel epoch (FitOptions::communicator): for each global batch, this rank's blocks
// forward and backward, each block's gradient (weighted by its share of the batch) with its share
// of the loss and its correct predictions appended; the ranks' sums added in the tree's order
// (nn/block_sum.hpp); then, on every rank, the same checks and the same update as train_epoch.
template <class Scalar, class ForwardBackward>
EpochTotals train_epoch_parallel(Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                                 ConstMatrixRef<Scalar> Y, FitScratch<Scalar>& t,
                                 TrainingState<Scalar>& s, const FitOptions& options,
                                 ForwardBackward& forward_backward, BlockSum<Scalar>& blocks,
                                 Scalar* gradients) {
  Communicator& comm = *options.communicator;
  EpochTotals totals;
  for (Index start = 0; start < t.n && !totals.interrupted && !totals.divergence;
       start += t.batch) {
    const Index rows = std::min(t.batch, t.n - start);
    const Index* source = t.shuffled ? s.order.data() + start : nullptr;
    const double S = batch_row_weights(t, source, start, rows);  // r_n = B w_n / S
    const Scalar* r = t.weights.empty() ? nullptr : t.r.data();
    const Index G = blocks.blocks(rows);
    Index ran = 0, ran_rows = 0;  // the last block this rank ran, for a divergence's diagnosis
    auto leaf = [&](Index g, Scalar* values, GradientProgress* progress) {
      const Index b0 = BlockSum<Scalar>::block_start(rows, G, g);
      const Index m = BlockSum<Scalar>::block_start(rows, G, g + 1) - b0;
      const Scalar* rb = r == nullptr ? nullptr : r + b0;
      if (t.shuffled) {
        auto Xb = t.ws.batch_inputs(m);
        auto Yb = t.ws.batch_targets(m);
        gather_rows<Scalar>(X, Y, source + b0, Xb, Yb);
        block_values<Scalar>(net, t, forward_backward, Xb, Yb, rb, rows, values, progress);
      } else {
        block_values<Scalar>(net, t, forward_backward, X.middleRows(start + b0, m),
                             Y.middleRows(start + b0, m), rb, rows, values, progress);
      }
      ran = start + b0;
      ran_rows = m;
    };
    auto diagnose = [&](const DivergencePoint& point) {
      const bool gathered = t.shuffled && ran_rows > 0;
      return divergence_error<Scalar>(net, t.ws,
                                      gathered ? ConstMatrixRef<Scalar>(t.ws.batch_inputs(ran_rows))
                                               : X.middleRows(ran, ran_rows),
                                      gathered
                                          ? ConstMatrixRef<Scalar>(t.ws.batch_targets(ran_rows))
                                          : Y.middleRows(ran, ran_rows),
                                      point);
    };
    if (S > 0.0)  // a batch whose weights are all 0 is skipped
      step_on_sliced_sum(net, t, s, options, blocks, G, leaf, S, rows, start / t.batch + 1,
                         gradients, totals, diagnose);
    if (totals.divergence) break;
    // Every rank stops at the same batch when one's callback asks to.
    const bool stop = options.on_batch_end && !options.on_batch_end(start + rows, t.n);
    if (comm.any(stop)) totals.interrupted = true;
  }
  share_optimizer_state(t, s.optimizer, blocks, net.parameter_count());
  return totals;
}

// With sample weights (on any rank): the r_n = B w_n / S (loss.hpp) of this rank's rows of batch k
// (B `rows` rows) into t.r, its blocks one after the other, with S the sum of the batch's weights
// over every stripe, added in stripe order (one allgather), the same bits on every rank; returns S
// (without weights: B).
template <class Scalar>
double striped_row_weights(FitScratch<Scalar>& t, const TrainingState<Scalar>& s, StripePlan& plan,
                           Communicator& comm, Index k, Index rows) {
  if (!plan.weighted) return static_cast<double>(rows);
  Index at = 0;
  for (Index g = plan.mine.first; g < plan.mine.last; ++g) {
    const auto j = static_cast<std::size_t>(g - plan.mine.first);
    const Index m = plan.block_rows(g, k), first = plan.offset[j] + k * plan.take[g];
    double S_g = 0.0;
    for (Index i = 0; i < m; ++i, ++at) {
      const auto row = static_cast<std::size_t>(t.shuffled ? s.order[first + i] : first + i);
      t.batch_weights[static_cast<std::size_t>(at)] = t.weights[row];
      S_g += t.weights[row];
    }
    plan.mine_sums[j] = S_g;
  }
  const double* S_all = plan.gather(comm, 1);
  const double S = std::accumulate(S_all, S_all + plan.G, 0.0);
  for (Index i = 0; i < at; ++i) {  // row_weights' r_n = B w_n / S
    const double w = t.batch_weights[static_cast<std::size_t>(i)];
    t.r[static_cast<std::size_t>(i)] =
        S > 0.0 ? static_cast<Scalar>(static_cast<double>(rows) * w / S) : Scalar(0);
  }
  return S;
}

// The data-parallel epoch on sharded data (FitOptions::stripe_rows): batch k's block g is the next
// rows of stripe g (StripePlan::block_rows), an empty block adding zero; this rank computes the
// blocks of its stripes, and the rest is train_epoch_parallel's: the tree's sum, the checks and
// the update, the same on every rank.
template <class Scalar, class ForwardBackward>
EpochTotals train_epoch_striped(Sequential<Scalar>& net, ConstMatrixRef<Scalar> X,
                                ConstMatrixRef<Scalar> Y, FitScratch<Scalar>& t,
                                TrainingState<Scalar>& s, const FitOptions& options,
                                ForwardBackward& forward_backward, BlockSum<Scalar>& blocks,
                                StripePlan& plan, Scalar* gradients) {
  const Index P = net.parameter_count();
  Communicator& comm = *options.communicator;
  EpochTotals totals;
  Index done = 0;  // rows of the epoch's batches so far
  for (Index k = 0; k < plan.batches && !totals.interrupted && !totals.divergence; ++k) {
    Index rows = 0;
    for (Index g = 0; g < plan.G; ++g) rows += plan.block_rows(g, k);
    const double S = striped_row_weights(t, s, plan, comm, k, rows);
    const Scalar* r = plan.weighted ? t.r.data() : nullptr;
    Index at = 0;                 // this rank's rows of the batch before block g
    Index ran = 0, ran_rows = 0;  // the last block this rank ran, for a divergence's diagnosis
    auto leaf = [&](Index g, Scalar* values, GradientProgress* progress) {
      const Index m = plan.block_rows(g, k);
      const Index first = plan.offset[static_cast<std::size_t>(g - plan.mine.first)] +
                          k * plan.take[static_cast<std::size_t>(g)];
      if (m == 0) {
        std::fill(values, values + P + 2, Scalar(0));
        return;
      }
      const Scalar* rb = r == nullptr ? nullptr : r + at;
      if (t.shuffled) {
        auto Xb = t.ws.batch_inputs(m);
        auto Yb = t.ws.batch_targets(m);
        gather_rows<Scalar>(X, Y, s.order.data() + first, Xb, Yb);
        block_values<Scalar>(net, t, forward_backward, Xb, Yb, rb, rows, values, progress);
      } else {
        block_values<Scalar>(net, t, forward_backward, X.middleRows(first, m),
                             Y.middleRows(first, m), rb, rows, values, progress);
      }
      at += m;
      ran = first;
      ran_rows = m;
    };
    auto diagnose = [&](const DivergencePoint& point) {
      const bool gathered = t.shuffled && ran_rows > 0;
      return divergence_error<Scalar>(net, t.ws,
                                      gathered ? ConstMatrixRef<Scalar>(t.ws.batch_inputs(ran_rows))
                                               : X.middleRows(ran, ran_rows),
                                      gathered
                                          ? ConstMatrixRef<Scalar>(t.ws.batch_targets(ran_rows))
                                          : Y.middleRows(ran, ran_rows),
                                      point);
    };
    if (S > 0.0)  // a batch whose weights are all 0 is skipped
      step_on_sliced_sum(net, t, s, options, blocks, plan.G, leaf, S, rows, k + 1, gradients,
                         totals, diagnose);
    if (totals.divergence) break;
    done += rows;
    const bool stop = options.on_batch_end && !options.on_batch_end(done, t.n);
    if (comm.any(stop)) totals.interrupted = true;
  }
  share_optimizer_state(t, s.optimizer, blocks, net.parameter_count());
  return totals;
}

// Validation on sharded data: the loss and correct predictions of each of this rank's stripes'
// validation rows, every stripe's gathered and added in stripe order: the same bits on every rank
// and for any number of ranks.
template <class Scalar>
Evaluation evaluate_stripes(const Sequential<Scalar>& net, ConstMatrixRef<Scalar> X_val,
                            ConstMatrixRef<Scalar> Y_val, Workspace<Scalar>& ws, StripePlan& plan,
                            Communicator& comm, bool classification) {
  for (Index g = plan.mine.first; g < plan.mine.last; ++g) {
    const auto j = static_cast<std::size_t>(g - plan.mine.first);
    const Index first = plan.val_offset[j], count = plan.val_offset[j + 1] - first;
    const EvaluationSums mine = evaluation_sums<Scalar>(net, X_val.middleRows(first, count),
                                                        Y_val.middleRows(first, count), ws);
    plan.mine_sums[2 * j] = mine.loss_sum;
    plan.mine_sums[2 * j + 1] = static_cast<double>(mine.correct);
  }
  const double* all = plan.gather(comm, 2);
  EvaluationSums sums;
  for (Index g = 0; g < plan.G; ++g) {
    sums.loss_sum += all[2 * g];
    sums.correct += static_cast<Index>(all[2 * g + 1]);
  }
  return evaluation_of(sums, plan.val_rows, classification);
}

// The epoch's log, with the validation data's loss and accuracy when there is validation data
// (sharded, with `plan` and `comm`: summed over the stripes), recorded in `history`.
template <class Scalar>
EpochLog record_epoch(const Sequential<Scalar>& net, int epoch, const EpochTotals& totals,
                      FitScratch<Scalar>& t, const ConstMatrixRef<Scalar>* X_val,
                      const ConstMatrixRef<Scalar>* Y_val, History& history,
                      StripePlan* plan = nullptr, Communicator* comm = nullptr) {
  EpochLog log;
  log.epoch = epoch;
  log.loss = totals.loss_sum / static_cast<double>(t.n);
  log.l2_penalty = totals.penalty_sum / static_cast<double>(t.n);
  history.loss.push_back(log.loss);
  history.learning_rate.push_back(net.training_state().optimizer.spec().learning_rate);
  if (t.classification) {
    log.accuracy = static_cast<double>(totals.correct) / static_cast<double>(t.n);
    history.accuracy.push_back(log.accuracy);
  }
  if (X_val != nullptr) {
    const Evaluation val =
        plan != nullptr
            ? evaluate_stripes<Scalar>(net, *X_val, *Y_val, t.ws, *plan, *comm, t.classification)
            : evaluation_of(evaluation_sums<Scalar>(net, *X_val, *Y_val, t.ws), X_val->rows(),
                            t.classification);
    log.val_loss = val.loss;
    log.val_accuracy = val.accuracy;
    history.val_loss.push_back(val.loss);
    if (t.classification) history.val_accuracy.push_back(val.accuracy);
  }
  history.best_epoch = epoch;
  return log;
}

// Early stopping after an epoch: keeps the parameters of the epoch with the lowest monitored
// loss, and says (true) when it has not improved for `patience` epochs. Patience 0: off.
template <class Scalar>
bool early_stop_after(TrainingState<Scalar>& s, int patience, int epoch, double monitored,
                      const Vector<Scalar>& parameters) {
  if (patience == 0) return false;
  if (monitored < s.best_monitored) {
    s.best_monitored = monitored;
    s.best_epoch = epoch;
    s.best_parameters = parameters;  // same size: no allocation
    s.epochs_since_best = 0;
    return false;
  }
  return ++s.epochs_since_best >= patience;
}

// Gives the network the best epoch's parameters, and history.best_epoch that epoch.
template <class Scalar>
void restore_best(const TrainingState<Scalar>& s, int patience, Vector<Scalar>& parameters,
                  History& history) {
  if (patience == 0 || !std::isfinite(s.best_monitored)) return;
  parameters = s.best_parameters;
  history.best_epoch = s.best_epoch;
}

enum class Convergence { go_on, reduce_learning_rate, stop };

// scikit-learn's convergence rule after an epoch whose monitored loss is `loss`: an epoch not
// below best - tol adds one to the count of epochs without improvement, a better one resets it;
// once the count exceeds n_iter_no_change, the adaptive schedule divides eta by 5 (unless eta is
// already at most 1e-6) and restarts the count, and any other schedule stops.
Convergence convergence_after(double& best_loss, int& no_improvement, const FitOptions& options,
                              double loss, double eta) {
  if (options.n_iter_no_change == 0) return Convergence::go_on;
  if (loss > best_loss - options.tol)
    ++no_improvement;
  else
    no_improvement = 0;
  if (loss < best_loss) best_loss = loss;
  if (no_improvement <= options.n_iter_no_change) return Convergence::go_on;
  if (options.schedule == LearningRateSchedule::adaptive && eta > 1e-6) {
    no_improvement = 0;
    return Convergence::reduce_learning_rate;
  }
  return Convergence::stop;
}

// The tiny path (nn/tiny_fit.hpp) for this fit, when it gives the general path's results: a
// network with one hidden layer that it accepts, gradient descent, momentum or Adam on the full
// batch,
// and none of the options that act within an epoch or on more than its training loss (sample
// weights, L2, validation data, early stopping, the convergence rule, a changing learning rate).
template <class Scalar>
std::optional<TinyNetwork> tiny_network_for(const Sequential<Scalar>& net,
                                            const FitScratch<Scalar>& t, bool validation,
                                            const FitOptions& o) {
  if (!o.tiny_path || o.communicator != nullptr || net.layers().size() != 2 || t.batch != t.n ||
      validation || !o.sample_weight.empty() || o.l2 != 0.0 || o.early_stopping_patience != 0 ||
      o.n_iter_no_change != 0 || o.schedule != LearningRateSchedule::constant || !t.classification)
    return std::nullopt;
  const std::vector<DenseLayer>& layers = net.layers();
  const TinyNetwork tiny{net.n_inputs(),       layers[0].n_out,      layers[1].n_out,
                         layers[0].activation, layers[1].activation, net.loss()};
  if (!tiny_fit_applies(tiny, t.n, std::is_same_v<Scalar, float>)) return std::nullopt;
  return tiny;
}

// The optimizer's state as the tiny path trains it (momentum's velocity; Adam's moments and step
// count), now and at the last good epoch: copied from the optimizers into `training`'s arrays, and
// given back to them after each run.
template <class Scalar>
class TinyMoments {
 public:
  TinyMoments(const Optimizer<Scalar>& now, const Optimizer<Scalar>& good, Index parameters,
              TinyTraining<Scalar>& training)
      : kind_(now.spec().kind), P_(parameters) {
    if (kind_ == OptimizerSpec::Kind::gradient_descent) return;
    first_ = sized(now.first_moment());
    good_first_ = sized(good.first_moment());
    if (kind_ == OptimizerSpec::Kind::momentum) {
      training.momentum = now.spec().momentum;
      training.nesterov = now.spec().nesterov;
      training.velocity = first_.data();
      training.good_velocity = good_first_.data();
      return;
    }
    second_ = sized(now.second_moment());
    good_second_ = sized(good.second_moment());
    steps_ = now.steps();
    good_steps_ = good.steps();
    training.beta1 = now.spec().beta1;
    training.beta2 = now.spec().beta2;
    training.epsilon = now.spec().epsilon;
    training.first_moment = first_.data();
    training.second_moment = second_.data();
    training.steps = &steps_;
    training.good_first_moment = good_first_.data();
    training.good_second_moment = good_second_.data();
    training.good_steps = &good_steps_;
  }

  void give_back(Optimizer<Scalar>& now) const { restore(now, first_, second_, steps_); }
  void give_back_good(Optimizer<Scalar>& good) const {
    restore(good, good_first_, good_second_, good_steps_);
  }

 private:
  // A moment as the optimizer holds it, or zeros before its first step.
  Vector<Scalar> sized(const Vector<Scalar>& moment) const {
    return moment.size() == P_ ? moment : Vector<Scalar>(Vector<Scalar>::Zero(P_));
  }
  void restore(Optimizer<Scalar>& o, const Vector<Scalar>& first, const Vector<Scalar>& second,
               std::int64_t steps) const {
    if (kind_ == OptimizerSpec::Kind::momentum)
      o.restore(P_, first, o.second_moment(), o.steps());
    else if (kind_ == OptimizerSpec::Kind::adam)
      o.restore(P_, first, second, steps);
  }

  OptimizerSpec::Kind kind_;
  Index P_;
  Vector<Scalar> first_, good_first_, second_, good_second_;
  std::int64_t steps_ = 0, good_steps_ = 0;
};

// The epochs of a fit run on the tiny path, which writes their loss and accuracy into the History
// as record_epoch would, and tracks the last good epoch; in runs of many epochs, or of one when a
// callback may look at the network after each (called here as the general loop calls them). Stops
// early, leaving the rest to the general loop, at an epoch whose loss or update is not finite
// (that loop then reports or undoes the divergence). Returns the epochs done; `stopped` when
// training ends there (a callback stopped it).
template <class Scalar>
int fit_tiny(Sequential<Scalar>& net, const TinyNetwork& tiny, ConstMatrixRef<Scalar> X,
             ConstMatrixRef<Scalar> Y, FitScratch<Scalar>& t, TrainingState<Scalar>& s,
             const FitOptions& options, Scalar* gradients, History& history, bool& stopped) {
  constexpr int kEpochsPerRun = 4096;
  count_tiny_path_fit();
  const bool each_epoch = options.on_epoch_end || options.on_batch_end || options.on_epoch_state;
  const int epochs_per_run = each_epoch ? 1 : kEpochsPerRun;
  // The learning rate is the same in every epoch (constant schedule, no divergence yet).
  s.optimizer.set_learning_rate(net.optimizer().learning_rate * s.learning_rate_scale *
                                schedule_factor(options.schedule, s.epochs_done + 1,
                                                s.schedule_epochs, s.samples_seen,
                                                options.power_t));
  TinyTraining<Scalar> training;
  training.learning_rate = s.optimizer.spec().learning_rate;
  training.gradients = gradients;
  training.good_parameters = t.good_parameters.data();
  TinyMoments<Scalar> moments(s.optimizer, t.good_optimizer, net.parameter_count(), training);
  int done = 0;
  while (done < options.epochs) {
    // The History has room for every epoch (reserved_history): no allocation.
    const std::size_t first = history.loss.size();
    training.epochs = std::min(epochs_per_run, options.epochs - done);
    history.loss.resize(first + static_cast<std::size_t>(training.epochs));
    history.accuracy.resize(history.loss.size());
    training.losses = history.loss.data() + first;
    training.accuracy = history.accuracy.data() + first;
    training.good_loss = t.good_loss;
    const int before = s.epochs_done;
    const TinyResult run =
        train_tiny<Scalar>(tiny, TinyKernel::best, X, Y, training, net.parameters().data());
    t.good_loss = run.good_loss;
    moments.give_back(s.optimizer);
    if (run.good_epochs > 0) {
      t.good_epoch = before + run.good_epochs;
      t.good_optimizer = s.optimizer;
      moments.give_back_good(t.good_optimizer);
    }
    const std::size_t recorded = first + static_cast<std::size_t>(run.epochs_done);
    history.loss.resize(recorded);
    history.accuracy.resize(recorded);
    history.learning_rate.resize(recorded, training.learning_rate);
    if (!each_epoch) {
      done += run.epochs_done;
      s.epochs_done += run.epochs_done;
      s.samples_seen += t.n * run.epochs_done;
      if (run.epochs_done > 0) history.best_epoch = s.epochs_done;
    }
    for (std::size_t e = first; each_epoch && e < recorded; ++e) {
      ++done;
      if (options.on_batch_end && !options.on_batch_end(t.n, t.n)) {
        // The interrupted epoch is not recorded.
        history.loss.resize(e);
        history.accuracy.resize(e);
        history.learning_rate.resize(e);
        history.stopped_early = stopped = true;
        return done;
      }
      EpochLog log;
      log.epoch = history.best_epoch = ++s.epochs_done;
      s.samples_seen += t.n;
      log.loss = history.loss[e];
      log.accuracy = history.accuracy[e];
      const bool stop = options.on_epoch_end && !options.on_epoch_end(log);
      if (options.on_epoch_state) options.on_epoch_state(history, false);
      if (stop) {
        history.stopped_early = stopped = true;
        return done;
      }
    }
    if (run.epochs_done < training.epochs) break;
  }
  return done;
}

}  // namespace

void check_fit_options(const FitOptions& options, Index samples) {
  if (options.epochs < 0)
    throw InvalidArgument("epochs must be >= 0, got " + std::to_string(options.epochs));
  if (options.batch_size < 0)
    throw InvalidArgument("batch size must be >= 0, got " + std::to_string(options.batch_size));
  if (options.early_stopping_patience < 0)
    throw InvalidArgument("early stopping patience must be >= 0");
  if (!(options.tol >= 0.0) || !std::isfinite(options.tol))
    throw InvalidArgument("tol must be a finite number >= 0");
  if (options.n_iter_no_change < 0) throw InvalidArgument("n_iter_no_change must be >= 0");
  if (options.schedule == LearningRateSchedule::adaptive && options.n_iter_no_change < 1)
    throw InvalidArgument(
        "the adaptive learning-rate schedule needs n_iter_no_change >= 1: it divides the "
        "learning rate by 5 after that many epochs without improvement");
  if (!(options.power_t >= 0.0) || !std::isfinite(options.power_t))
    throw InvalidArgument("power_t must be a finite number >= 0");
  if (options.max_rollbacks < 0) throw InvalidArgument("max_rollbacks must be >= 0");
  if (options.gradient_block_rows < 1)
    throw InvalidArgument("gradient_block_rows must be >= 1, got " +
                          std::to_string(options.gradient_block_rows));
  if (options.sync_every < 0)
    throw InvalidArgument("sync_every must be >= 0 (0: synchronous training), got " +
                          std::to_string(options.sync_every));
  check_loss_terms({options.sample_weight, options.l2}, samples, "training data");
}

std::string_view to_string(LearningRateSchedule schedule) {
  switch (schedule) {
    case LearningRateSchedule::constant:
      return "constant";
    case LearningRateSchedule::cosine:
      return "cosine";
    case LearningRateSchedule::linear:
      return "linear";
    case LearningRateSchedule::invscaling:
      return "invscaling";
    case LearningRateSchedule::adaptive:
      return "adaptive";
  }
  return "unknown";
}

LearningRateSchedule schedule_from_string(std::string_view name) {
  for (auto s :
       {LearningRateSchedule::constant, LearningRateSchedule::cosine, LearningRateSchedule::linear,
        LearningRateSchedule::invscaling, LearningRateSchedule::adaptive})
    if (name == to_string(s)) return s;
  throw InvalidArgument("unknown learning-rate schedule '" + std::string(name) +
                        "' (expected constant, cosine, linear, invscaling or adaptive)");
}

template <class Scalar>
History Sequential<Scalar>::fit_impl(ConstMatrixRef<Scalar> X, ConstMatrixRef<Scalar> Y,
                                     const ConstMatrixRef<Scalar>* X_val,
                                     const ConstMatrixRef<Scalar>* Y_val,
                                     const FitOptions& options) {
  check_fit_arguments(*this, X, Y, X_val, Y_val, options);
  // Everything training needs is allocated here, before the first step.
  TrainingState<Scalar>& s = training_state_;
  prepare_state(s, *this, X.rows(), options);
  FitScratch<Scalar> t(*this, training_rows(X, options), options, s);
  std::optional<StripePlan> plan;
  if (!options.stripe_rows.empty()) plan.emplace(options, t.batch, X_val != nullptr);
  History history = reserved_history(options.epochs, t.classification, X_val != nullptr);
  // The passes without their checks (check_fit_arguments checked the shapes once): train_batch.
  auto forward_backward = [this, &t](const auto& Xb, const auto& Yb, const Scalar* r,
                                     Scalar l2_over_S, Scalar* into, const auto& between,
                                     GradientProgress* progress) {
    forward_impl(Xb, t.ws);
    between();
    backward_impl(Xb, Yb, t.ws, r, l2_over_S, into, progress);
  };
  // Data-parallel: the sums over the blocks of each batch, with the loss and the correct
  // predictions after the gradient. Local SGD: the ranks' models averaged every sync_every steps.
  std::optional<BlockSum<Scalar>> blocks;
  std::optional<ModelAverage<Scalar>> average;
  if (options.communicator != nullptr && options.sync_every > 0)
    average.emplace(*options.communicator, s.optimizer);
  else if (options.communicator != nullptr)
    blocks.emplace(*options.communicator, parameter_count() + 2, t.batch, t.n,
                   options.gradient_block_rows, plan ? plan->G : 0,
                   exchange_buckets(layers_, sizeof(Scalar), options));

  // Tiny networks take the tiny path, which gives the same bits, for as long as it can.
  int first_run = 0;
  bool stopped = false;
  if (const std::optional<TinyNetwork> tiny = tiny_network_for(*this, t, X_val != nullptr, options))
    first_run = fit_tiny(*this, *tiny, X, Y, t, s, options, gradients_.data(), history, stopped);

  for (int run = first_run; !stopped && run < options.epochs; ++run) {
    const int epoch = s.epochs_done + 1;
    s.optimizer.set_learning_rate(optimizer_spec_.learning_rate * s.learning_rate_scale *
                                  schedule_factor(options.schedule, epoch, s.schedule_epochs,
                                                  s.samples_seen, options.power_t));
    order_epoch(s, plan ? &*plan : nullptr, options.seed, epoch, t.shuffled);
    EpochTotals totals =
        average  ? train_epoch_local(*this, X, Y, t, s, options, forward_backward, *average)
        : plan   ? train_epoch_striped(*this, X, Y, t, s, options, forward_backward, *blocks, *plan,
                                       gradients_.data())
        : blocks ? train_epoch_parallel(*this, X, Y, t, s, options, forward_backward, *blocks,
                                        gradients_.data())
                 : train_epoch(*this, X, Y, t, s, options, forward_backward);
    if (!totals.divergence && !all_finite(parameters_))  // the last update overflowed
      totals.divergence = divergence_error<Scalar>(
          *this, t.ws, X.topRows(0), Y.topRows(0),
          {epoch, plan ? plan->batches : (t.n + t.batch - 1) / t.batch,
           s.optimizer.spec().learning_rate, totals.loss_sum, epoch - 1, true});
    if (totals.divergence) {  // back to the last good epoch (same sizes: no allocation)
      parameters_ = t.good_parameters;
      s.optimizer = t.good_optimizer;
      if (history.rollbacks == options.max_rollbacks) throw *totals.divergence;
      ++history.rollbacks;
      s.learning_rate_scale /= 2.0;
      --run;
      continue;
    }
    if (totals.interrupted) {
      history.stopped_early = true;
      break;
    }
    ++s.epochs_done;
    s.samples_seen += t.n;
    const EpochLog log = record_epoch(*this, epoch, totals, t, X_val, Y_val, history,
                                      plan ? &*plan : nullptr, options.communicator);
    const double monitored = X_val != nullptr ? log.val_loss : log.loss;
    bool stop = early_stop_after(s, options.early_stopping_patience, epoch, monitored, parameters_);
    switch (convergence_after(s.best_loss, s.no_improvement, options, monitored,
                              s.optimizer.spec().learning_rate)) {
      case Convergence::go_on:
        break;
      case Convergence::reduce_learning_rate:
        s.learning_rate_scale /= 5.0;
        break;
      case Convergence::stop:
        stop = true;
    }
    const bool finished = stop;  // by the rules, not by a callback
    if (options.on_epoch_end && !options.on_epoch_end(log)) stop = true;
    // The rules stop every rank at the same epoch (they see the same numbers); a callback may not.
    if (options.communicator != nullptr) stop = options.communicator->any(stop);
    if (log.loss <= t.good_loss) {
      t.good_parameters = parameters_;
      t.good_optimizer = s.optimizer;
      t.good_loss = log.loss;
      t.good_epoch = epoch;
    }
    if (options.on_epoch_state) options.on_epoch_state(history, finished);
    if (stop) {
      history.stopped_early = true;
      break;
    }
  }
  restore_best(s, options.early_stopping_patience, parameters_, history);
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
