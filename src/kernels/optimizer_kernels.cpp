// The portable loops of the optimizers' kernels, and the choice of kernel for this CPU (see
// optimizer_kernels.hpp).
#include "kernels/optimizer_kernels.hpp"

#include <cmath>
#include <type_traits>

#include "kernels/kernel_choice.hpp"

namespace mlp::optimizer_detail {

namespace {

template <class T>
void adam_generic(Size n, T* w, const T* g, T* m, T* v, T b1, T b2, T s, T r, T eps) {
  for (Size i = 0; i < n; ++i) {
    const T gi = g[i];
    const T mi = b1 * m[i] + (T(1) - b1) * gi;
    const T vi = b2 * v[i] + (T(1) - b2) * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - (s * mi) / (std::sqrt(vi) * r + eps);
  }
}

}  // namespace

template <class T>
AdamKernel<T> best_adam_kernel() {
#if defined(__x86_64__)
  switch (detail::kernel_isa()) {
    case detail::KernelIsa::avx512:
      if constexpr (std::is_same_v<T, float>)
        return adam_avx512_f32;
      else
        return adam_avx512_f64;
    case detail::KernelIsa::avx2:
      if constexpr (std::is_same_v<T, float>)
        return adam_avx2_f32;
      else
        return adam_avx2_f64;
    case detail::KernelIsa::portable:
      break;
  }
#endif
  return adam_generic<T>;
}

template AdamKernel<float> best_adam_kernel<float>();
template AdamKernel<double> best_adam_kernel<double>();

AdamScales adam_scales(double eta, double beta1, double beta2, std::int64_t step) {
  const auto t = static_cast<double>(step);
  return {eta / (1.0 - std::pow(beta1, t)), 1.0 / std::sqrt(1.0 - std::pow(beta2, t))};
}

}  // namespace mlp::optimizer_detail
