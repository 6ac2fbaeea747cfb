// Internal to the library: the optimizers' elementwise arithmetic over the flat parameter buffer,
// vectorised. Optimizer::step (src/nn/optimizer.cpp) has the update rules and calls these.
//
//   optimizer_kernels.cpp          the portable loops, and the choice of kernel for this CPU
//   x86/avx2/optimizer_avx2.cpp    the AVX2 loops, compiled with -mavx2 -mfma
//   x86/avx512/optimizer_avx512.cpp  the AVX-512 loops
//
// Only plain declarations live here: optimizer_avx2.cpp includes this header, and a translation
// unit built with extra -m flags must share no inline function or template instantiation with
// the rest of the library (see gemm_kernels.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlp::optimizer_detail {

using Size = std::ptrdiff_t;

// Elementwise Adam update over n parameters (see optimizer.hpp for the formula):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w = w - (s m) / (sqrt(v) r + eps)
// Every kernel takes each parameter through these operations in this order, none fused (the AVX2
// ones 8 floats or 4 doubles at a time, the AVX-512 ones 16 or 8), so the result does not depend
// on how the buffer is split nor on the kernel set.
template <class T>
using AdamKernel = void (*)(Size n, T* w, const T* g, T* m, T* v, T b1, T b2, T s, T r, T eps);

// The factors of Adam's step number `step` (1 for the first), in double, as every caller of the
// kernels above takes them (Optimizer::step, fit's tiny path):
//   s = eta / (1 - b1^step),  r = 1 / sqrt(1 - b2^step)
struct AdamScales {
  double s, r;
};
AdamScales adam_scales(double eta, double beta1, double beta2, std::int64_t step);

// The AVX2 + FMA loops (optimizer_avx2.cpp). Call only when the CPU has AVX2 and FMA.
void adam_avx2_f32(Size n, float* w, const float* g, float* m, float* v, float b1, float b2,
                   float s, float r, float eps);
void adam_avx2_f64(Size n, double* w, const double* g, double* m, double* v, double b1, double b2,
                   double s, double r, double eps);

// The AVX-512 loops (x86/avx512/optimizer_avx512.cpp). Call only when cpu_has_avx512().
void adam_avx512_f32(Size n, float* w, const float* g, float* m, float* v, float b1, float b2,
                     float s, float r, float eps);
void adam_avx512_f64(Size n, double* w, const double* g, double* m, double* v, double b1, double b2,
                     double s, double r, double eps);

// The Adam kernel for T in the kernel set in force (kernel_choice.hpp), or the portable loop
// (defined in optimizer_kernels.cpp).
template <class T>
AdamKernel<T> best_adam_kernel();

}  // namespace mlp::optimizer_detail
