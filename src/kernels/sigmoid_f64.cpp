// The portable sigmoid_f64 (equations in sigmoid_f64.hpp).
#include "kernels/sigmoid_f64.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace mlp::sigmoid_detail {

namespace {

// e^-a = 2^-n (1 + q) for 0 <= a <= kUnderflowLimit; n is an integer held in a double.
struct ExpParts {
  double n, q;
};

ExpParts exp_parts(double a) {
  const double n = (a * kLog2e + kRound) - kRound;
  const double r = (a - n * kC1) - n * kC2;
  const double r2 = r * r;
  const double r4 = r2 * r2;
  const double r8 = r4 * r4;
  const double A = r2 * (kC[2] + kC[3] * r) - r;
  const double B1 = (kC[4] + kC[5] * r) + r2 * (kC[6] + kC[7] * r);
  const double B2 = ((kC[8] + kC[9] * r) + r2 * (kC[10] + kC[11] * r)) + r4 * kC[12];
  return {n, (A + r4 * B1) + r8 * B2};
}

// |z| > kMainLimit or NaN.
double sigmoid_far(double z) {
  if (std::isnan(z)) return z;
  if (z > 0.0) return 1.0;
  const ExpParts e = exp_parts(std::min(-z, kUnderflowLimit));
  return std::ldexp(1.0 + e.q, -static_cast<int>(e.n));
}

}  // namespace

double exp_neg_f64(double a) {
  const ExpParts e = exp_parts(a);
  // 2^-n from its bits: kRoundBias - n holds 1023 - n in its low bits (0 <= n <= 1023).
  const double scale =
      std::bit_cast<double>(std::bit_cast<std::uint64_t>(kRoundBias - e.n) << kExponentShift);
  return (1.0 + e.q) * scale;
}

double sigmoid_f64(double z) {
  const double a = std::fabs(z);
  if (!(a <= kMainLimit)) return sigmoid_far(z);
  const ExpParts e = exp_parts(a);
  const auto bits = std::bit_cast<std::uint64_t>(e.n + kRoundBias);
  const double s = std::bit_cast<double>(bits << kExponentShift);  // 2^n
  const double d = (s + 1.0) + e.q;
  return (std::signbit(z) ? 1.0 + e.q : s) / d;
}

}  // namespace mlp::sigmoid_detail
