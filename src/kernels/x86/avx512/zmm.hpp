// The AVX-512 registers of each precision, for the kernels of this folder: F32 (16 floats) and F64
// (8 doubles), with the names of avx2/lanes.hpp for the same operations, so that a kernel written
// once over a register type (x86/gemm_register_kernels.hpp, sparse_register_kernels.hpp) runs on
// either.
//
// Two implementations of the same operations:
//   - with __AVX512F__ (the library's copy, compiled with -mavx512f -mavx512vl -mavx512bw
//     -mavx512dq -mfma): one zmm register and the _mm512_* intrinsics;
//   - with MLP_AVX512_EMULATED (the test binary's second copy of this folder, compiled with -mavx2
//     -mfma, tests/CMakeLists.txt): two AVX2 registers, low lanes first, each operation performing
//     per lane the very IEEE operation of the AVX-512 instruction (the comments cite the Intel
//     Intrinsics Guide's "Operation" of each), so that a machine without AVX-512 runs the AVX-512
//     kernels' logic, lane for lane and bit for bit.
// Masked loads read no lane outside the mask and masked stores write none (AVX-512: fault
// suppression; AVX2: vmaskmov's), so tails never touch memory past the end of a row.
//
// Included only by the files of src/kernels/x86/avx512/. Everything here is in an anonymous
// namespace: each of those files gets its own copy, and no AVX-512 instruction can reach code that
// runs on other CPUs (see gemm_kernels.hpp).
#pragma once

#if defined(__x86_64__) && (defined(__AVX512F__) || defined(MLP_AVX512_EMULATED)) && \
    defined(__AVX2__) && defined(__FMA__)
#define MLP_HAVE_ZMM 1
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace mlp::avx512 {

namespace {

#if defined(__AVX512F__) && !defined(MLP_AVX512_EMULATED)

struct F32 {
  using Scalar = float;
  using Reg = __m512;
  using Mask = __mmask16;  // bit i: lane i
  static constexpr int lanes = 16;
  static constexpr int registers = 32;  // zmm0 - zmm31
  // Every lane: sqrt and max take their zero-masked forms with it (the same operation on every
  // lane), because GCC 12's unmasked ones warn (-Wmaybe-uninitialized on their
  // _mm512_undefined_ps source).
  static constexpr Mask kAll = 0xffff;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg broadcast(const float* x) { return _mm512_set1_ps(*x); }
  static Reg load(const float* p) { return _mm512_load_ps(p); }  // 64-byte aligned
  static Reg loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, Reg r) { _mm512_storeu_ps(p, r); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  static Reg sqrt(Reg a) { return _mm512_maskz_sqrt_ps(kAll, a); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }  // a b + c
  // b > a ? b : a, lane by lane (vmaxps returns its second operand unless the first is greater,
  // so a NaN a is kept): max(c, 0) is c < 0 ? 0 : c.
  static Reg max(Reg a, Reg b) { return _mm512_maskz_max_ps(kAll, b, a); }
  // a > 0 ? c : +0, lane by lane (false for a NaN a): a zero-masked move.
  static Reg where_positive(Reg a, Reg c) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_GT_OQ), c);
  }
  static float fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
  // The first `count` lanes (count < lanes) set, for masked tails.
  static Mask mask(std::ptrdiff_t count) { return static_cast<Mask>((1u << count) - 1u); }
  static Reg maskload(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void maskstore(float* p, Mask m, Reg r) { _mm512_mask_storeu_ps(p, m, r); }
  // The lanes that are not zero (NaN included), and the lanes in `m` stored one after another.
  static Mask nonzero(Reg r) { return _mm512_cmp_ps_mask(r, _mm512_setzero_ps(), _CMP_NEQ_UQ); }
  static void compress_store(float* p, Mask m, Reg r) { _mm512_mask_compressstoreu_ps(p, m, r); }
  // The lanes' positions as 32-bit integers: 0, 1, ... then advanced a register at a time.
  using Positions = __m512i;
  static Positions first_positions() {
    return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  }
  static Positions advance(Positions p) { return _mm512_add_epi32(p, _mm512_set1_epi32(lanes)); }
  static void compress_store(std::int32_t* p, Mask m, Positions r) {
    _mm512_mask_compressstoreu_epi32(p, m, r);
  }
};

struct F64 {
  using Scalar = double;
  using Reg = __m512d;
  using Mask = __mmask8;
  static constexpr int lanes = 8;
  static constexpr int registers = 32;
  static constexpr Mask kAll = 0xff;
  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg set1(double x) { return _mm512_set1_pd(x); }
  static Reg broadcast(const double* x) { return _mm512_set1_pd(*x); }
  static Reg load(const double* p) { return _mm512_load_pd(p); }  // 64-byte aligned
  static Reg loadu(const double* p) { return _mm512_loadu_pd(p); }
  static void storeu(double* p, Reg r) { _mm512_storeu_pd(p, r); }
  static Reg add(Reg a, Reg b) { return _mm512_add_pd(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_pd(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_pd(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_pd(a, b); }
  static Reg sqrt(Reg a) { return _mm512_maskz_sqrt_pd(kAll, a); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_pd(a, b, c); }
  static Reg max(Reg a, Reg b) { return _mm512_maskz_max_pd(kAll, b, a); }
  static Reg where_positive(Reg a, Reg c) {
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(a, _mm512_setzero_pd(), _CMP_GT_OQ), c);
  }
  static double fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
  static Mask mask(std::ptrdiff_t count) { return static_cast<Mask>((1u << count) - 1u); }
  static Reg maskload(const double* p, Mask m) { return _mm512_maskz_loadu_pd(m, p); }
  static void maskstore(double* p, Mask m, Reg r) { _mm512_mask_storeu_pd(p, m, r); }
  static Mask nonzero(Reg r) { return _mm512_cmp_pd_mask(r, _mm512_setzero_pd(), _CMP_NEQ_UQ); }
  static void compress_store(double* p, Mask m, Reg r) { _mm512_mask_compressstoreu_pd(p, m, r); }
  using Positions = __m256i;  // 8 x 32 bits (AVX-512 VL's compress store)
  static Positions first_positions() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static Positions advance(Positions p) { return _mm256_add_epi32(p, _mm256_set1_epi32(lanes)); }
  static void compress_store(std::int32_t* p, Mask m, Positions r) {
    _mm256_mask_compressstoreu_epi32(p, m, r);
  }
};

#else  // MLP_AVX512_EMULATED: each 512-bit register as two AVX2 registers, low lanes in `lo`

// A mask's bits as AVX2 lane masks (all ones where the bit is set), low half and high half.
struct HalfMasks {
  __m256i lo, hi;
};
inline HalfMasks half_masks_32(unsigned bits) {
  const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i lo = _mm256_set1_epi32(static_cast<int>(bits & 0xffu));
  const __m256i hi = _mm256_set1_epi32(static_cast<int>((bits >> 8) & 0xffu));
  return {_mm256_cmpeq_epi32(_mm256_and_si256(lo, lane_bit), lane_bit),
          _mm256_cmpeq_epi32(_mm256_and_si256(hi, lane_bit), lane_bit)};
}
inline HalfMasks half_masks_64(unsigned bits) {
  const __m256i lane_bit = _mm256_setr_epi64x(1, 2, 4, 8);
  const __m256i lo = _mm256_set1_epi64x(static_cast<long long>(bits & 0xfu));
  const __m256i hi = _mm256_set1_epi64x(static_cast<long long>((bits >> 4) & 0xfu));
  return {_mm256_cmpeq_epi64(_mm256_and_si256(lo, lane_bit), lane_bit),
          _mm256_cmpeq_epi64(_mm256_and_si256(hi, lane_bit), lane_bit)};
}

struct F32 {
  using Scalar = float;
  struct Reg {
    __m256 lo, hi;
  };
  using Mask = unsigned;  // bit i: lane i, as __mmask16
  static constexpr int lanes = 16;
  static constexpr int registers = 32;  // AVX-512's: the kernels block as they do there
  // _mm512_setzero_ps: every lane +0.
  static Reg zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  // _mm512_set1_ps: every lane x (*x).
  static Reg set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
  static Reg broadcast(const float* x) { return {_mm256_broadcast_ss(x), _mm256_broadcast_ss(x)}; }
  // _mm512_load_ps / loadu_ps / storeu_ps: 16 consecutive floats. load faults (#GP) unless p is
  // 64-byte aligned, where two ymm loads need only 32: the emulation traps as the real one faults.
  static Reg load(const float* p) {
    if (reinterpret_cast<std::uintptr_t>(p) % 64 != 0) __builtin_trap();
    return {_mm256_load_ps(p), _mm256_load_ps(p + 8)};
  }
  static Reg loadu(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static void storeu(float* p, Reg r) {
    _mm256_storeu_ps(p, r.lo);
    _mm256_storeu_ps(p + 8, r.hi);
  }
  // _mm512_add_ps, sub_ps, mul_ps, div_ps, sqrt_ps: dst[i] := a[i] op b[i] (sqrt(a[i])), each
  // correctly rounded in MXCSR's mode, as the ymm instructions round them.
  static Reg add(Reg a, Reg b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
  static Reg sub(Reg a, Reg b) { return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
  static Reg mul(Reg a, Reg b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
  static Reg div(Reg a, Reg b) { return {_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)}; }
  static Reg sqrt(Reg a) { return {_mm256_sqrt_ps(a.lo), _mm256_sqrt_ps(a.hi)}; }
  // _mm512_fmadd_ps: dst[i] := a[i] * b[i] + c[i], one rounding (as vfmadd ymm).
  static Reg fmadd(Reg a, Reg b, Reg c) {
    return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
  }
  // _mm512_max_ps(b, a): dst[i] := b[i] > a[i] ? b[i] : a[i] (vmaxps: the second operand on
  // equality, an unordered comparison or signed zeros), the rule of vmaxps ymm too.
  static Reg max(Reg a, Reg b) { return {_mm256_max_ps(b.lo, a.lo), _mm256_max_ps(b.hi, a.hi)}; }
  // _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, 0, _CMP_GT_OQ), c): dst[i] := a[i] > 0 ? c[i] : +0
  // (ordered, quiet: false for NaN); vcmpps ymm with the same predicate gives all ones or zero,
  // and the AND keeps c[i] or gives +0.
  static Reg where_positive(Reg a, Reg c) {
    const __m256 z = _mm256_setzero_ps();
    return {_mm256_and_ps(_mm256_cmp_ps(a.lo, z, _CMP_GT_OQ), c.lo),
            _mm256_and_ps(_mm256_cmp_ps(a.hi, z, _CMP_GT_OQ), c.hi)};
  }
  static float fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
  static Mask mask(std::ptrdiff_t count) { return (1u << count) - 1u; }
  // _mm512_maskz_loadu_ps(m, p): dst[i] := m[i] ? p[i] : 0, masked-off lanes not read
  // (vmaskmovps: the same, no fault on masked-off lanes).
  static Reg maskload(const float* p, Mask m) {
    const HalfMasks h = half_masks_32(m);
    return {_mm256_maskload_ps(p, h.lo), _mm256_maskload_ps(p + 8, h.hi)};
  }
  // _mm512_mask_storeu_ps(p, m, r): p[i] := r[i] where m[i], nothing written elsewhere.
  static void maskstore(float* p, Mask m, Reg r) {
    const HalfMasks h = half_masks_32(m);
    _mm256_maskstore_ps(p, h.lo, r.lo);
    _mm256_maskstore_ps(p + 8, h.hi, r.hi);
  }
  // _mm512_cmp_ps_mask(r, 0, _CMP_NEQ_UQ): bit i set when r[i] != 0 or is NaN (vcmpps ymm with
  // the same predicate, its sign bits gathered by vmovmskps).
  static Mask nonzero(Reg r) {
    const __m256 z = _mm256_setzero_ps();
    return static_cast<Mask>(_mm256_movemask_ps(_mm256_cmp_ps(r.lo, z, _CMP_NEQ_UQ))) |
           static_cast<Mask>(_mm256_movemask_ps(_mm256_cmp_ps(r.hi, z, _CMP_NEQ_UQ))) << 8;
  }
  // _mm512_mask_compressstoreu_ps(p, m, r): the lanes i in m, in order, to p[0], p[1], ...;
  // nothing else written.
  static void compress_store(float* p, Mask m, Reg r) {
    alignas(32) float lane[16];
    _mm256_store_ps(lane, r.lo);
    _mm256_store_ps(lane + 8, r.hi);
    for (int i = 0; i < lanes; ++i)
      if ((m >> i) & 1u) *p++ = lane[i];
  }
  struct Positions {
    __m256i lo, hi;
  };
  static Positions first_positions() {
    return {_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
            _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15)};
  }
  static Positions advance(Positions p) {
    const __m256i step = _mm256_set1_epi32(lanes);
    return {_mm256_add_epi32(p.lo, step), _mm256_add_epi32(p.hi, step)};
  }
  // _mm512_mask_compressstoreu_epi32, as compress_store above.
  static void compress_store(std::int32_t* p, Mask m, Positions r) {
    alignas(32) std::int32_t lane[16];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lane), r.lo);
    _mm256_store_si256(reinterpret_cast<__m256i*>(lane + 8), r.hi);
    for (int i = 0; i < lanes; ++i)
      if ((m >> i) & 1u) *p++ = lane[i];
  }
};

struct F64 {
  using Scalar = double;
  struct Reg {
    __m256d lo, hi;
  };
  using Mask = unsigned;  // bit i: lane i, as __mmask8
  static constexpr int lanes = 8;
  static constexpr int registers = 32;
  static Reg zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  static Reg set1(double x) { return {_mm256_set1_pd(x), _mm256_set1_pd(x)}; }
  static Reg broadcast(const double* x) { return {_mm256_broadcast_sd(x), _mm256_broadcast_sd(x)}; }
  static Reg load(const double* p) {
    if (reinterpret_cast<std::uintptr_t>(p) % 64 != 0) __builtin_trap();  // as F32::load
    return {_mm256_load_pd(p), _mm256_load_pd(p + 4)};
  }
  static Reg loadu(const double* p) { return {_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)}; }
  static void storeu(double* p, Reg r) {
    _mm256_storeu_pd(p, r.lo);
    _mm256_storeu_pd(p + 4, r.hi);
  }
  static Reg add(Reg a, Reg b) { return {_mm256_add_pd(a.lo, b.lo), _mm256_add_pd(a.hi, b.hi)}; }
  static Reg sub(Reg a, Reg b) { return {_mm256_sub_pd(a.lo, b.lo), _mm256_sub_pd(a.hi, b.hi)}; }
  static Reg mul(Reg a, Reg b) { return {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)}; }
  static Reg div(Reg a, Reg b) { return {_mm256_div_pd(a.lo, b.lo), _mm256_div_pd(a.hi, b.hi)}; }
  static Reg sqrt(Reg a) { return {_mm256_sqrt_pd(a.lo), _mm256_sqrt_pd(a.hi)}; }
  static Reg fmadd(Reg a, Reg b, Reg c) {
    return {_mm256_fmadd_pd(a.lo, b.lo, c.lo), _mm256_fmadd_pd(a.hi, b.hi, c.hi)};
  }
  static Reg max(Reg a, Reg b) { return {_mm256_max_pd(b.lo, a.lo), _mm256_max_pd(b.hi, a.hi)}; }
  static Reg where_positive(Reg a, Reg c) {
    const __m256d z = _mm256_setzero_pd();
    return {_mm256_and_pd(_mm256_cmp_pd(a.lo, z, _CMP_GT_OQ), c.lo),
            _mm256_and_pd(_mm256_cmp_pd(a.hi, z, _CMP_GT_OQ), c.hi)};
  }
  static double fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
  static Mask mask(std::ptrdiff_t count) { return (1u << count) - 1u; }
  static Reg maskload(const double* p, Mask m) {
    const HalfMasks h = half_masks_64(m);
    return {_mm256_maskload_pd(p, h.lo), _mm256_maskload_pd(p + 4, h.hi)};
  }
  static void maskstore(double* p, Mask m, Reg r) {
    const HalfMasks h = half_masks_64(m);
    _mm256_maskstore_pd(p, h.lo, r.lo);
    _mm256_maskstore_pd(p + 4, h.hi, r.hi);
  }
  static Mask nonzero(Reg r) {
    const __m256d z = _mm256_setzero_pd();
    return static_cast<Mask>(_mm256_movemask_pd(_mm256_cmp_pd(r.lo, z, _CMP_NEQ_UQ))) |
           static_cast<Mask>(_mm256_movemask_pd(_mm256_cmp_pd(r.hi, z, _CMP_NEQ_UQ))) << 4;
  }
  static void compress_store(double* p, Mask m, Reg r) {
    alignas(32) double lane[8];
    _mm256_store_pd(lane, r.lo);
    _mm256_store_pd(lane + 4, r.hi);
    for (int i = 0; i < lanes; ++i)
      if ((m >> i) & 1u) *p++ = lane[i];
  }
  using Positions = __m256i;  // 8 x 32 bits, as the real set's
  static Positions first_positions() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static Positions advance(Positions p) { return _mm256_add_epi32(p, _mm256_set1_epi32(lanes)); }
  // _mm256_mask_compressstoreu_epi32 (AVX-512 VL), as compress_store above.
  static void compress_store(std::int32_t* p, Mask m, Positions r) {
    alignas(32) std::int32_t lane[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lane), r);
    for (int i = 0; i < lanes; ++i)
      if ((m >> i) & 1u) *p++ = lane[i];
  }
};

#endif

}  // namespace

}  // namespace mlp::avx512

#endif
