#include "mlp/nn/optimizer.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "kernels/optimizer_kernels.hpp"
#include "kernels/thread_pool.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/names.hpp"

namespace mlp {

namespace {

// Updates of at least this many parameters are split over the threads.
constexpr Index kParallelElements = 1 << 16;

using Kind = OptimizerSpec::Kind;

// name, minibatch name, default learning rate on minibatches and on the full batch (gradient
// descent: 0.1 on the full batch as the chapter, 0.01 on minibatches; Adam: Keras' 0.001).
constexpr std::array<OptimizerInfo, 3> kOptimizers{{
    {Kind::gradient_descent, "gd", "sgd", 0.01, 0.1},
    {Kind::momentum, "momentum", "", 0.01, 0.01},
    {Kind::adam, "adam", "", 0.001, 0.001},
}};

static_assert(in_enum_order(kOptimizers, &OptimizerInfo::kind),
              "kOptimizers must list the optimizers in the enum's order");

}  // namespace

std::span<const OptimizerInfo> optimizers() {
  return kOptimizers;
}

const OptimizerInfo& optimizer_info(OptimizerSpec::Kind kind) {
  return kOptimizers.at(static_cast<std::size_t>(kind));
}

std::vector<std::string> optimizer_names(bool with_minibatch_names) {
  std::vector<std::string> names;
  for (const OptimizerInfo& o : kOptimizers) {
    names.emplace_back(o.name);
    if (with_minibatch_names && !o.minibatch_name.empty()) names.emplace_back(o.minibatch_name);
  }
  return names;
}

std::string optimizer_name(OptimizerSpec::Kind kind, bool full_batch) {
  const OptimizerInfo& o = optimizer_info(kind);
  return std::string(full_batch || o.minibatch_name.empty() ? o.name : o.minibatch_name);
}

double default_learning_rate(OptimizerSpec::Kind kind, bool full_batch) {
  const OptimizerInfo& o = optimizer_info(kind);
  return full_batch ? o.full_batch_learning_rate : o.learning_rate;
}

std::string default_learning_rates_text() {
  // (rate, name) for every name; names with the same rate share it: "0.01 sgd/momentum".
  std::vector<std::pair<double, std::string>> rates;
  for (const OptimizerInfo& o : kOptimizers) {
    if (o.minibatch_name.empty()) {
      rates.emplace_back(o.learning_rate, o.name);
    } else {
      rates.emplace_back(o.full_batch_learning_rate, o.name);
      rates.emplace_back(o.learning_rate, o.minibatch_name);
    }
  }
  std::stable_sort(rates.begin(), rates.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::string text;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    if (i > 0 && rates[i].first == rates[i - 1].first) {
      text += "/" + rates[i].second;
      continue;
    }
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", rates[i].first);
    text += (i > 0 ? ", " : "") + std::string(rate) + " " + rates[i].second;
  }
  return text;
}

std::string to_string(OptimizerSpec::Kind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kOptimizers.size() ? std::string(kOptimizers[i].name) : "unknown";
}

OptimizerSpec::Kind optimizer_kind_from_string(const std::string& name) {
  for (const OptimizerInfo& o : kOptimizers)
    if (name == o.name || (!o.minibatch_name.empty() && name == o.minibatch_name)) return o.kind;
  throw InvalidArgument("unknown optimizer '" + name + "' (expected " +
                        join_names(optimizer_names()) + ")");
}

void validate(const OptimizerSpec& spec) {
  if (!(spec.learning_rate > 0.0) || !std::isfinite(spec.learning_rate))
    throw InvalidArgument("learning rate must be a positive number, got " +
                          std::to_string(spec.learning_rate));
  if (!(spec.momentum >= 0.0 && spec.momentum < 1.0))
    throw InvalidArgument("momentum must be in [0, 1), got " + std::to_string(spec.momentum));
  if (!(spec.beta1 >= 0.0 && spec.beta1 < 1.0) || !(spec.beta2 >= 0.0 && spec.beta2 < 1.0))
    throw InvalidArgument("Adam's beta1 and beta2 must be in [0, 1)");
  if (!(spec.epsilon > 0.0)) throw InvalidArgument("Adam's epsilon must be positive");
}

template <class Scalar>
Optimizer<Scalar>::Optimizer(const OptimizerSpec& spec) : spec_(spec) {
  validate(spec_);
}

template <class Scalar>
void Optimizer<Scalar>::reset(Index n_parameters) {
  steps_ = 0;
  first_moment_.setZero(spec_.kind == OptimizerSpec::Kind::gradient_descent ? 0 : n_parameters);
  second_moment_.setZero(spec_.kind == OptimizerSpec::Kind::adam ? n_parameters : 0);
}

template <class Scalar>
void Optimizer<Scalar>::restore(Index n_parameters, const Vector<Scalar>& first,
                                const Vector<Scalar>& second, std::int64_t steps) {
  reset(n_parameters);
  if (first.size() != first_moment_.size() || second.size() != second_moment_.size() || steps < 0)
    throw InvalidArgument("the saved optimizer state does not fit a " + to_string(spec_.kind) +
                          " optimizer of " + std::to_string(n_parameters) + " parameters");
  first_moment_ = first;
  second_moment_ = second;
  steps_ = steps;
}

template <class Scalar>
void Optimizer<Scalar>::step(Eigen::Ref<Vector<Scalar>> w, Eigen::Ref<const Vector<Scalar>> g) {
  if (spec_.kind != OptimizerSpec::Kind::gradient_descent && first_moment_.size() != w.size())
    reset(w.size());
  update(w, g, 0);
}

template <class Scalar>
void Optimizer<Scalar>::step_part(Eigen::Ref<Vector<Scalar>> w, Eigen::Ref<const Vector<Scalar>> g,
                                  Index first) {
  if (spec_.kind != OptimizerSpec::Kind::gradient_descent &&
      first + w.size() > first_moment_.size())
    throw InvalidArgument("Optimizer::step_part: parameters [" + std::to_string(first) + ", " +
                          std::to_string(first + w.size()) + ") beyond the state of " +
                          std::to_string(first_moment_.size()) + ": reset() it first");
  update(w, g, first);
}

template <class Scalar>
void Optimizer<Scalar>::update(Eigen::Ref<Vector<Scalar>> w, Eigen::Ref<const Vector<Scalar>> g,
                               Index first) {
  const auto eta = static_cast<Scalar>(spec_.learning_rate);
  const Index n = w.size();
  switch (spec_.kind) {
    case OptimizerSpec::Kind::gradient_descent:
      w -= eta * g;
      return;
    case OptimizerSpec::Kind::momentum: {
      auto v = first_moment_.segment(first, n);
      const auto mu = static_cast<Scalar>(spec_.momentum);
      v = mu * v - eta * g;
      if (spec_.nesterov)
        w += mu * v - eta * g;
      else
        w += v;
      return;
    }
    case OptimizerSpec::Kind::adam: {
      ++steps_;
      const auto b1 = static_cast<Scalar>(spec_.beta1);
      const auto b2 = static_cast<Scalar>(spec_.beta2);
      const auto eps = static_cast<Scalar>(spec_.epsilon);
      // s = eta / (1 - b1^t) and r = 1 / sqrt(1 - b2^t), once per step.
      const optimizer_detail::AdamScales scales =
          optimizer_detail::adam_scales(spec_.learning_rate, spec_.beta1, spec_.beta2, steps_);
      const auto s = static_cast<Scalar>(scales.s);
      const auto r = static_cast<Scalar>(scales.r);
      // One pass over [w | m | v | g], each parameter taken through
      //   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w = w - (s m) / (sqrt(v) r + eps)
      // by the kernel for this CPU (src/kernels/optimizer_kernels.hpp); large buffers are split
      // over the threads in contiguous ranges (each element's arithmetic is the same whatever the
      // split).
      const auto adam = optimizer_detail::best_adam_kernel<Scalar>();
      Scalar* const wp = w.data();
      const Scalar* const gp = g.data();
      Scalar* const mp = first_moment_.data() + first;
      Scalar* const vp = second_moment_.data() + first;
      detail::ThreadPool& pool = detail::ThreadPool::global();
      const Index chunks = n >= kParallelElements ? 2 * pool.threads_now() : 1;
      auto chunk = [&](int c) {
        constexpr Index align = 16;
        const Index from = (n * c / chunks) / align * align;
        const Index to = c + 1 == chunks ? n : (n * (c + 1) / chunks) / align * align;
        adam(to - from, wp + from, gp + from, mp + from, vp + from, b1, b2, s, r, eps);
      };
      pool.run(static_cast<int>(chunks), chunk);
      return;
    }
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace mlp
