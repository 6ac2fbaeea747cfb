// AVX-512 loops of the optimizers' kernels (optimizer_kernels.hpp), compiled as gemm_avx512.cpp is
// (the library's copy on zmm registers, the test binary's on emulated ones: entry_points.hpp) and
// called only when the AVX-512 set is in force. Like it, this file includes nothing with inline
// code but its register header, and keeps its helpers in an anonymous namespace.
//
// Adam: 16 floats (8 doubles) at a time, the last ones under a mask: each parameter through the
// operations optimizer_kernels.hpp lists, in its order, each correctly rounded, as the portable
// and AVX2 loops take it, so the same bits.
#include "kernels/x86/avx512/entry_points.hpp"

#include "kernels/x86/avx512/zmm.hpp"

#if defined(MLP_HAVE_ZMM)

namespace mlp::optimizer_detail {

namespace {

using avx512::F32;
using avx512::F64;

// Adam on the `count` parameters at i (all of a register, or the first `count` under a mask).
template <class K, class T = typename K::Scalar>
void adam_lanes(Size i, typename K::Mask mask, T* w, const T* g, T* m, T* v, T b1, T b2, T s, T r,
                T eps) {
  using Reg = typename K::Reg;
  const Reg gi = K::maskload(g + i, mask);
  const Reg mi =
      K::add(K::mul(K::set1(b1), K::maskload(m + i, mask)), K::mul(K::set1(T(1) - b1), gi));
  const Reg vi = K::add(K::mul(K::set1(b2), K::maskload(v + i, mask)),
                        K::mul(K::set1(T(1) - b2), K::mul(gi, gi)));
  K::maskstore(m + i, mask, mi);
  K::maskstore(v + i, mask, vi);
  const Reg step =
      K::div(K::mul(K::set1(s), mi), K::add(K::mul(K::sqrt(vi), K::set1(r)), K::set1(eps)));
  K::maskstore(w + i, mask, K::sub(K::maskload(w + i, mask), step));
}

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
  if (i < n) adam_lanes<K>(i, K::mask(n - i), w, g, m, v, b1, b2, s, r, eps);
}

}  // namespace

void MLP_AVX512_ENTRY(adam_avx512_f32)(Size n, float* w, const float* g, float* m, float* v,
                                       float b1, float b2, float s, float r, float eps) {
  adam<F32>(n, w, g, m, v, b1, b2, s, r, eps);
}

void MLP_AVX512_ENTRY(adam_avx512_f64)(Size n, double* w, const double* g, double* m, double* v,
                                       double b1, double b2, double s, double r, double eps) {
  adam<F64>(n, w, g, m, v, b1, b2, s, r, eps);
}

}  // namespace mlp::optimizer_detail

#endif  // MLP_HAVE_ZMM
