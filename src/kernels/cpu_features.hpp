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

// True when the CPU has AVX-512 F, VL, BW and DQ (the flags x86/avx512/ is compiled with) besides
// AVX2 and FMA. GCC's check includes the operating system's support (XCR0 saves the zmm and mask
// registers), so a kernel set chosen by it can run.
inline bool cpu_has_avx512() {
#if defined(__x86_64__)
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  return has;
#else
  return false;
#endif
}

}  // namespace mlp::detail
