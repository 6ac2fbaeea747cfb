// Internal to the library: what the CPU the process runs on can do, for choosing between the
// portable code and the kernels compiled with extra instruction sets.
#pragma once

namespace mlp::detail {

// True when the CPU has AVX2, all that sigmoid_f64_avx2.cpp and tiny_fit_avx2.cpp need.
inline bool cpu_has_avx2() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

// True when the CPU has AVX2 and FMA, all that gemm_avx2.cpp, sparse_avx2.cpp and
// optimizer_avx2.cpp need.
inline bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace mlp::detail
