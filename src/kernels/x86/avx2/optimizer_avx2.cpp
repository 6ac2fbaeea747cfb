// AVX2 + FMA loops of the optimizers' kernels (optimizer_kernels.hpp), compiled with -mavx2
// -mfma (see CMakeLists.txt) and called only when the CPU has both (optimizer_kernels.cpp checks).
// Like gemm_avx2.cpp, this file includes nothing with inline code but lanes.hpp (the registers,
// in an anonymous namespace), and keeps its helpers in an anonymous namespace.
//
// Adam: 8 floats (4 doubles) at a time, then the same formula one by one for the tail.
#include "kernels/optimizer_kernels.hpp"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include "kernels/x86/avx2/lanes.hpp"

namespace mlp::optimizer_detail {

namespace {

using avx2::F32;
using avx2::F64;

template <class K, class T = typename K::Scalar>
void adam(Size n, T* w, const T* g, T* m, T* v, T b1, T b2, T s, T r, T eps) {
  using Reg = typename K::Reg;
  const Reg vb1 = K::set1(b1), vb1c = K::set1(T(1) - b1);
  const Reg vb2 = K::set1(b2), vb2c = K::set1(T(1) - b2);
  const Reg vs = K::set1(s), vr = K::set1(r), veps = K::set1(eps);
  Size i = 0;
  for (; i + K::lanes <= n; i += K::lanes) {
    const Reg gi = K::loadu(g + i);
    const Reg mi = K::add(K::mul(vb1, K::loadu(m + i)), K::mul(vb1c, gi));
    const Reg vi = K::add(K::mul(vb2, K::loadu(v + i)), K::mul(vb2c, K::mul(gi, gi)));
    K::storeu(m + i, mi);
    K::storeu(v + i, vi);
    const Reg step = K::div(K::mul(vs, mi), K::add(K::mul(K::sqrt(vi), vr), veps));
    K::storeu(w + i, K::sub(K::loadu(w + i), step));
  }
  for (; i < n; ++i) {
    const T gi = g[i];
    const T mi = b1 * m[i] + (T(1) - b1) * gi;
    const T vi = b2 * v[i] + (T(1) - b2) * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - (s * mi) / (K::sqrt(vi) * r + eps);
  }
}

}  // namespace

void adam_avx2_f32(Size n, float* w, const float* g, float* m, float* v, float b1, float b2,
                   float s, float r, float eps) {
  adam<F32>(n, w, g, m, v, b1, b2, s, r, eps);
}

void adam_avx2_f64(Size n, double* w, const double* g, double* m, double* v, double b1, double b2,
                   double s, double r, double eps) {
  adam<F64>(n, w, g, m, v, b1, b2, s, r, eps);
}

}  // namespace mlp::optimizer_detail

#endif  // x86-64 with -mavx2 -mfma
