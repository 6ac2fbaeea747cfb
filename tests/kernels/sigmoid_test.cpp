// The library's double-precision sigmoid, with its own exponential (src/kernels/sigmoid_f64.hpp):
// the AVX2 code activate<double> runs gives the bits of sigmoid<double> for every input, both are
// within 2.5 ulp of the exact value (1 / (1 + std::exp(-z)) is within 2.3), and where 1 + e^z
// rounds to 1 they are e^z within 1.5 ulp, down to the subnormals.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mlp/core/random.hpp"
#include "mlp/nn/activation.hpp"

namespace {

using mlp::Index;
using mlp::Matrix;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// |x - exact| in units of the last place of exact (at least the smallest subnormal).
double ulps(double x, long double exact) {
  int exponent = 0;
  std::frexp(static_cast<double>(exact), &exponent);
  const long double ulp = std::ldexp(1.0L, std::max(exponent - 53, -1074));
  return static_cast<double>(std::fabs(static_cast<long double>(x) - exact) / ulp);
}

long double exact_sigmoid(long double z) {
  if (z >= 0) return 1.0L / (1.0L + std::exp(-z));
  const long double e = std::exp(z);
  return e / (1.0L + e);
}

// Where the sigmoid changes, where it saturates, the limits of its parts, and any double at all.
std::vector<double> inputs() {
  std::vector<double> z = {0.0,       -0.0,   1e-300, -1e-300, 5e-324, -5e-324, 0.5,
                           -0.5,      36.0,   -36.0,  708.9,   709.0,  -709.0,  709.0001,
                           -709.0001, -745.0, -745.2, -746.0,  -800.0, 1e4,     -1e4,
                           1e300,     -1e300, kInf,   -kInf,   kNaN,   -kNaN};
  mlp::Random rng(7);
  for (int i = 0; i < 100000; ++i) z.push_back(rng.uniform(-40.0, 40.0));
  for (int i = 0; i < 20000; ++i) z.push_back(rng.uniform(-800.0, 800.0));
  for (int i = 0; i < 20000; ++i) z.push_back(std::bit_cast<double>(rng.below(UINT64_MAX)));
  return z;
}

bool same_bits_or_both_nan(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

TEST(Sigmoid, ActivateGivesTheBitsOfTheScalarSigmoid) {
  const std::vector<double> z = inputs();
  const auto n = static_cast<Index>(z.size());
  // One contiguous matrix, and the first 3 columns of a wider one (rows apart in memory).
  Matrix<double> Z(1, n), wide(n, 5);
  for (Index i = 0; i < n; ++i) {
    Z(0, i) = z[static_cast<std::size_t>(i)];
    wide.row(i).setConstant(z[static_cast<std::size_t>(i)]);
  }
  Matrix<double> A(1, n);
  mlp::activate<double>(mlp::Activation::sigmoid, Z, A);
  Matrix<double> block_out(n, 5);
  mlp::activate<double>(mlp::Activation::sigmoid, wide.leftCols(3), block_out.leftCols(3));
  int mismatches = 0;
  for (Index i = 0; i < n; ++i) {
    const double expected = mlp::sigmoid(Z(0, i));
    mismatches += !same_bits_or_both_nan(A(0, i), expected);
    for (Index j = 0; j < 3; ++j) mismatches += !same_bits_or_both_nan(block_out(i, j), expected);
    if (mismatches > 0) {
      ADD_FAILURE() << "z = " << Z(0, i) << ": " << A(0, i) << " vs " << expected;
      break;
    }
  }
}

TEST(Sigmoid, WithinTwoAndAHalfUlpOfTheExactValue) {
  double worst = 0.0, worst_z = 0.0;
  for (const double z : inputs()) {
    if (std::isnan(z)) continue;
    const double error = ulps(mlp::sigmoid(z), exact_sigmoid(z));
    if (error > worst) {
      worst = error;
      worst_z = z;
    }
  }
  EXPECT_LE(worst, 2.5) << "at z = " << worst_z;
}

TEST(Sigmoid, IsTheExponentialWhereOnePlusItRoundsToOne) {
  // For z < -38, e^z < 2^-54: sigma(z) = e^z. Over [-745, -38] the reduced argument covers its
  // whole interval many times, so this checks the exponential itself.
  mlp::Random rng(3);
  double worst = 0.0, worst_z = 0.0;
  for (int i = 0; i < 200000; ++i) {
    const double z = rng.uniform(-745.0, -38.0);
    const double error = ulps(mlp::sigmoid(z), std::exp(static_cast<long double>(z)));
    if (error > worst) {
      worst = error;
      worst_z = z;
    }
    const double e = std::exp(z);
    ASSERT_LE(std::fabs(mlp::sigmoid(z) - e), 2.0 * (std::nextafter(e, kInf) - e)) << "z = " << z;
  }
  EXPECT_LE(worst, 1.5) << "at z = " << worst_z;
}

TEST(Sigmoid, SaturatesAndKeepsNaN) {
  EXPECT_EQ(mlp::sigmoid(0.0), 0.5);
  EXPECT_EQ(mlp::sigmoid(-0.0), 0.5);
  EXPECT_EQ(mlp::sigmoid(1e4), 1.0);
  EXPECT_EQ(mlp::sigmoid(-1e4), 0.0);
  EXPECT_EQ(mlp::sigmoid(kInf), 1.0);
  EXPECT_EQ(mlp::sigmoid(-kInf), 0.0);
  EXPECT_EQ(mlp::sigmoid(-745.0), std::exp(-745.0));  // the smallest subnormal
  EXPECT_EQ(mlp::sigmoid(-746.0), 0.0);
  EXPECT_TRUE(std::isnan(mlp::sigmoid(kNaN)));
  // Both sides of the far path's limit |z| = 709.
  for (const double z : {-709.0, std::nextafter(-709.0, -kInf)})
    EXPECT_LE(ulps(mlp::sigmoid(z), std::exp(static_cast<long double>(z))), 1.5) << z;
}

}  // namespace
