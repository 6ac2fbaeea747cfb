// Local SGD's exchange (FitOptions::sync_every, docs/distributed.md): every K local steps the ranks
// agree on stopping and replace their models by the mean over the ranks. Internal to the library:
// fit uses it when FitOptions::communicator is set and sync_every >= 1.
//
// The mean of the ranks' parameters, and of the optimizer's moments (momentum's velocity, Adam's m
// and v):
//   w = (1 / N) sum over r of w_r
// added in rank order, in double, on every rank from one allgather: the same bits on every rank,
// whatever the order of MPI's own reductions. The moments are averaged, not kept per rank, so
// that every rank holds the same training state (rank 0's checkpoint is every rank's, and resumes
// with another N), and so that with gradient descent or momentum, whose updates are linear in the
// gradient, K = 1 is synchronous training up to rounding (each rank's share of a batch equal).
// Adam's update is not linear in the gradient: its K = 1 is close to synchronous training, not
// equal.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "mlp/nn/communicator.hpp"
#include "mlp/nn/optimizer.hpp"

namespace mlp {

// What the ranks agreed on at an averaging step.
struct LocalAgreement {
  bool diverged = false;  // a step diverged on some rank
  bool stop = false;      // a callback asked some rank to stop
};

template <class Scalar>
class ModelAverage {
 public:
  // Allocates every buffer here, for the optimizer's moments as they are now (reset).
  ModelAverage(Communicator& comm, const Optimizer<Scalar>& optimizer)
      : comm_(comm),
        first_(optimizer.first_moment().size()),
        second_(optimizer.second_moment().size()),
        counts_(static_cast<std::size_t>(comm.size())),
        small_all_(static_cast<std::size_t>(comm.size()) * kSmall) {}

  // Whether some rank's step diverged or some rank was asked to stop (one collective call).
  LocalAgreement agree(bool diverged, bool stop) {
    std::array<double, 2> flags{diverged ? 1.0 : 0.0, stop ? 1.0 : 0.0};
    sum_over_ranks(flags);
    return {flags[0] > 0.0, flags[1] > 0.0};
  }

  // Every rank's parameters and optimizer moments replaced by their mean (the rule above).
  void average(Eigen::Ref<Vector<Scalar>> parameters, Optimizer<Scalar>& optimizer) {
    const Index P = parameters.size(), M1 = first_.size(), M2 = second_.size();
    const Index length = P + M1 + M2;
    if (mine_.empty()) {  // the first call: the sizes are known now (no allocation after it)
      mine_.resize(static_cast<std::size_t>(length));
      all_.resize(static_cast<std::size_t>(length * comm_.size()));
    }
    std::copy(parameters.data(), parameters.data() + P, mine_.data());
    std::copy(optimizer.first_moment().data(), optimizer.first_moment().data() + M1,
              mine_.data() + P);
    std::copy(optimizer.second_moment().data(), optimizer.second_moment().data() + M2,
              mine_.data() + P + M1);
    for (auto& count : counts_) count = length;
    comm_.allgather(std::span<const Scalar>(mine_), std::span<Scalar>(all_), counts_);
    mean_of_ranks(length, mine_.data());
    std::copy(mine_.data(), mine_.data() + P, parameters.data());
    std::copy(mine_.data() + P, mine_.data() + P + M1, first_.data());
    std::copy(mine_.data() + P + M1, mine_.data() + length, second_.data());
    optimizer.restore(P, first_, second_, optimizer.steps());
  }

  // values = their sum over the ranks, added in rank order (the same bits on every rank); at most
  // kSmall values.
  void sum_over_ranks(std::span<double> values) {
    const auto n = static_cast<Index>(values.size());
    for (auto& count : counts_) count = n;
    comm_.allgather(
        std::span<const double>(values),
        std::span<double>(small_all_.data(), static_cast<std::size_t>(n * comm_.size())), counts_);
    for (Index i = 0; i < n; ++i) {
      double sum = small_all_[static_cast<std::size_t>(i)];
      for (int r = 1; r < comm_.size(); ++r) sum += small_all_[static_cast<std::size_t>(r * n + i)];
      values[static_cast<std::size_t>(i)] = sum;
    }
  }

  static constexpr Index kSmall = 8;

 private:
  // out[i] = (1 / N) sum over r of all_[r length + i], added in rank order in double.
  void mean_of_ranks(Index length, Scalar* out) const {
    const int N = comm_.size();
    for (Index i = 0; i < length; ++i) {
      double sum = static_cast<double>(all_[static_cast<std::size_t>(i)]);
      for (int r = 1; r < N; ++r)
        sum += static_cast<double>(all_[static_cast<std::size_t>(r * length + i)]);
      out[i] = static_cast<Scalar>(sum / N);
    }
  }

  Communicator& comm_;
  std::vector<Scalar> mine_;       // (P + moments) this rank's parameters and moments
  std::vector<Scalar> all_;        // (ranks, P + moments) every rank's
  Vector<Scalar> first_, second_;  // (moments) the averaged moments, given to the optimizer
  std::vector<Index> counts_;      // (ranks)
  std::vector<double> small_all_;  // (ranks, kSmall) sum_over_ranks' gathered values
};

}  // namespace mlp
