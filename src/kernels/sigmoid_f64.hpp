// Internal to the library: the double-precision sigmoid sigma(z) = 1 / (1 + e^-z), with its own
// exponential, in two implementations that give the same bits for every input:
//   sigmoid_f64   portable C++ (sigmoid_f64.cpp): sigmoid<double>, and the values the other one
//                 hands back (|z| > kMainLimit or NaN)
//   sigmoid_avx2  4 values per AVX2 register (sigmoid_f64_avx2.hpp): the sweep's fast path's lanes
//                 and activate<double>
// Both perform the same IEEE operations in the same order, with no fused multiply-add (both are
// compiled with -ffp-contract=off, the AVX2 code without FMA instructions at all). Rounding to an
// integer is the one step written differently: (x + 1.5 2^52) - 1.5 2^52 in C++, vroundpd in
// AVX2; both round x (here 0 <= x < 2^51) to the nearest integer, ties to even.
//
// With a = |z|, sigma(z) = 1 / (1 + e^-a) for z >= 0 and e^-a / (1 + e^-a) for z < 0, and
//   e^-a = 2^-n (1 + q)                    the exponential in parts (exp_parts)
//     n = round(a log2(e))                 0 <= n <= 1023 while a <= kMainLimit
//     r = (a - n C1) - n C2                C1 + C2 = ln 2; n C1 and a - n C1 are exact
//     q = e^-r - 1 = -r + r^2 Q(r)         |r| <= ln(2) / 2, Q a degree-10 polynomial
//   sigma(z) = s / ((s + 1) + q)           z >= 0   both fractions multiplied through by
//   sigma(z) = (1 + q) / ((s + 1) + q)     z < 0    s = 2^n: one division, no e^-a on its own
// (the sign bit of z chooses, so z = -0 takes the second line: both numerators are 1 there).
// For a > kMainLimit (e^-a < 2^-1022), 1 + e^-a rounds to 1: sigma(z) = 1 for z > 0 and
// e^z = 2^-n (1 + q), scaled by std::ldexp, for z < 0 (a clamped to kUnderflowLimit, where e^-a
// rounds to 0).
//
// Accuracy: |q - (e^-r - 1)| <= 2.9e-19 from the polynomial; 2^-n (1 + q) is within 1.5 ulp of
// e^-a, and sigma within 2.5 ulp of the exact value (1 / (1 + std::exp(-z)) is within 2.3);
// sigmoid_test.cpp checks both.
#pragma once

#include <cstddef>

namespace mlp::sigmoid_detail {

// Inputs with |z| <= kMainLimit take the division above (2^n finite).
constexpr double kMainLimit = 709.0;
// Past it, e^-a < 2^-1075 rounds to 0.
constexpr double kUnderflowLimit = 746.0;

constexpr double kLog2e = 0x1.71547652b82fep+0;  // log2(e), rounded
constexpr double kC1 = 0x1.62e42fefa3800p-1;     // ln 2 to 42 bits: n C1 exact for n < 2^11
constexpr double kC2 = 0x1.ef35793c76730p-45;    // ln 2 - C1, rounded
// x + kRound - kRound rounds 0 <= x < 2^51 to an integer. The representation of n + kRoundBias
// holds n + 1023 in its low bits; shifted left by 52, they are the bits of the double 2^n.
constexpr double kRound = 0x1.8p52;
constexpr double kRoundBias = 0x1.8p52 + 1023.0;
constexpr int kExponentShift = 52;

// Q(r) = c2 + c3 r + ... + c12 r^10, the Chebyshev fit (mpmath.chebyfit, 11 terms) of
// (e^-r - 1 + r) / r^2 on |r| <= ln(2) / 2 + 1e-6; with these rounded coefficients
// |-r + r^2 Q(r) - (e^-r - 1)| <= 2.9e-19 there. kC[i] is c_i.
constexpr double kC[13] = {
    0.0,
    0.0,
    0x1.0000000000000p-1,
    -0x1.5555555555557p-3,
    0x1.5555555555556p-5,
    -0x1.11111111100dfp-7,
    0x1.6c16c16c162d6p-10,
    -0x1.a01a01abe63b3p-13,
    0x1.a01a01a6d7883p-16,
    -0x1.71de02372bdd3p-19,
    0x1.27e4db679bec4p-22,
    -0x1.af4ddddcf06d6p-26,
    0x1.1f72fca58cc92p-29,
};

// The order in which both implementations evaluate q (Estrin's scheme: short chains of
// dependent operations; r2 = r r, r4 = r2 r2, r8 = r4 r4):
//   A  = r2 (c2 + c3 r) - r
//   B1 = (c4 + c5 r) + r2 (c6 + c7 r)
//   B2 = ((c8 + c9 r) + r2 (c10 + c11 r)) + r4 c12
//   q  = (A + r4 B1) + r8 B2

// sigma(z) for one value.
double sigmoid_f64(double z);

// e^-a = 2^-n (1 + q) for 0 <= a <= kMainLimit, as the product of (1 + q) and the double 2^-n
// (exact): the exponential of softmax_f32.hpp.
double exp_neg_f64(double a);

// a[i] = sigmoid_f64(z[i]) for i < n, with sigmoid_avx2 (a may alias z). Call only when the CPU
// has AVX2.
void sigmoid_f64_avx2(const double* z, double* a, std::ptrdiff_t n);

}  // namespace mlp::sigmoid_detail
