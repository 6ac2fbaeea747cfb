#include "mlp/nn/optimizer.hpp"

#include <cmath>

#include "kernels/optimizer_kernels.hpp"
#include "kernels/thread_pool.hpp"
#include "mlp/core/error.hpp"

namespace mlp {

namespace {

// Updates of at least this many parameters are split over the threads.
constexpr Index kParallelElements = 1 << 16;

}  // namespace

std::string to_string(OptimizerSpec::Kind kind) {
  switch (kind) {
    case OptimizerSpec::Kind::gradient_descent:
      return "gd";
    case OptimizerSpec::Kind::momentum:
      return "momentum";
    case OptimizerSpec::Kind::adam:
      return "adam";
  }
  return "unknown";
}

OptimizerSpec::Kind optimizer_kind_from_string(const std::string& name) {
  if (name == "gd" || name == "sgd") return OptimizerSpec::Kind::gradient_descent;
  if (name == "momentum") return OptimizerSpec::Kind::momentum;
  if (name == "adam") return OptimizerSpec::Kind::adam;
  throw InvalidArgument("unknown optimizer '" + name + "' (expected gd, sgd, momentum or adam)");
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
void Optimizer<Scalar>::step(Eigen::Ref<Vector<Scalar>> w, Eigen::Ref<const Vector<Scalar>> g) {
  const auto eta = static_cast<Scalar>(spec_.learning_rate);
  switch (spec_.kind) {
    case OptimizerSpec::Kind::gradient_descent:
      w -= eta * g;
      return;
    case OptimizerSpec::Kind::momentum: {
      if (first_moment_.size() != w.size()) reset(w.size());
      auto& v = first_moment_;
      v = static_cast<Scalar>(spec_.momentum) * v - eta * g;
      w += v;
      return;
    }
    case OptimizerSpec::Kind::adam: {
      if (first_moment_.size() != w.size()) reset(w.size());
      ++steps_;
      const auto b1 = static_cast<Scalar>(spec_.beta1);
      const auto b2 = static_cast<Scalar>(spec_.beta2);
      const auto eps = static_cast<Scalar>(spec_.epsilon);
      const auto t = static_cast<double>(steps_);
      // s = eta / (1 - b1^t) and r = 1 / sqrt(1 - b2^t), once per step.
      const auto s = static_cast<Scalar>(spec_.learning_rate / (1.0 - std::pow(spec_.beta1, t)));
      const auto r = static_cast<Scalar>(1.0 / std::sqrt(1.0 - std::pow(spec_.beta2, t)));
      // One pass over [w | m | v | g], each parameter taken through
      //   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w = w - (s m) / (sqrt(v) r + eps)
      // by the kernel for this CPU (src/kernels/optimizer_kernels.hpp); large buffers are split
      // over the threads in contiguous ranges (each element's arithmetic is the same whatever the
      // split).
      const auto adam = optimizer_detail::best_adam_kernel<Scalar>();
      Scalar* const wp = w.data();
      const Scalar* const gp = g.data();
      Scalar* const mp = first_moment_.data();
      Scalar* const vp = second_moment_.data();
      const Index n = w.size();
      detail::ThreadPool& pool = detail::ThreadPool::global();
      const Index chunks = n >= kParallelElements ? 2 * pool.size() : 1;
      auto chunk = [&](int c) {
        constexpr Index align = 16;
        const Index first = (n * c / chunks) / align * align;
        const Index last = c + 1 == chunks ? n : (n * (c + 1) / chunks) / align * align;
        adam(last - first, wp + first, gp + first, mp + first, vp + first, b1, b2, s, r, eps);
      };
      pool.run(static_cast<int>(chunks), chunk);
      return;
    }
  }
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace mlp
