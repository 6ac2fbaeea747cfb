// The float softmax with the library's exponential (src/kernels/softmax_f32.hpp): the AVX2 code
// gives the bits of the portable code for every input (rows of every width, so that the masked
// tail is covered, and the edges: 0, -0, far below -104, -inf, NaN); each exponential is within
// 1 ulp of e^x (correctly rounded almost always); rows sum to 1; and activate<float> is that
// kernel.
#include "kernels/softmax_f32.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cpu_features.hpp"
#include "mlp/nn/activation.hpp"

namespace {

using mlp::softmax_detail::exp_nonpositive;

constexpr float kInfF = std::numeric_limits<float>::infinity();
constexpr float kNaNF = std::numeric_limits<float>::quiet_NaN();

// |x - exact| in units of the last place of the float nearest exact (subnormals included).
double ulps(float x, long double exact) {
  const float nearest = static_cast<float>(exact);
  const float next = std::nextafter(nearest, kInfF);
  const long double ulp = static_cast<long double>(next) - static_cast<long double>(nearest);
  return static_cast<double>(std::fabs(static_cast<long double>(x) - exact) / ulp);
}

TEST(SoftmaxF32, ExponentialIsWithinOneUlpAndMostlyCorrectlyRounded) {
  std::mt19937 gen(5);
  std::uniform_real_distribution<float> uniform(-110.0F, 0.0F);
  int rounded = 0, total = 0;
  std::vector<float> xs = {0.0F, -0.0F, -1e-30F, -0.5F, -1.0F, -87.0F, -103.0F, -104.0F};
  for (int t = 0; t < 200000; ++t) xs.push_back(uniform(gen));
  for (const float x : xs) {
    const long double exact = std::exp(static_cast<long double>(x));
    const float got = exp_nonpositive(x);
    ASSERT_LE(ulps(got, exact), 1.0) << "x = " << x;
    rounded += got == static_cast<float>(exact);
    ++total;
  }
  EXPECT_GE(rounded, total - total / 10000) << rounded << " of " << total;
  EXPECT_EQ(exp_nonpositive(0.0F), 1.0F);
  EXPECT_EQ(exp_nonpositive(-200.0F), 0.0F);
  EXPECT_EQ(exp_nonpositive(-kInfF), 0.0F);
  EXPECT_TRUE(std::isnan(exp_nonpositive(kNaNF)));
}

// Rows of `cols` values: random, with some values far below the others, some equal, and edges.
std::vector<float> rows_of(std::ptrdiff_t rows, std::ptrdiff_t cols, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0F, 8.0F);
  std::vector<float> z(static_cast<std::size_t>(rows * cols));
  for (float& v : z) v = normal(gen);
  const float edges[] = {-0.0F, -150.0F, -kInfF, 1e-30F, 30.0F};
  for (std::size_t i = 0; i < z.size(); i += 7) z[i] = edges[i % 5];
  return z;
}

TEST(SoftmaxF32, Avx2GivesThePortableBitsForEveryWidth) {
  if (!mlp::detail::cpu_has_avx2()) GTEST_SKIP() << "this CPU has no AVX2";
  for (std::ptrdiff_t cols = 1; cols <= 21; ++cols) {
    const std::ptrdiff_t rows = 37;
    const std::vector<float> z = rows_of(rows, cols, static_cast<std::uint32_t>(cols));
    std::vector<float> portable(z.size()), avx2(z.size()), in_place = z;
    mlp::softmax_detail::softmax_f32(z.data(), cols, portable.data(), cols, rows, cols);
    mlp::softmax_detail::softmax_f32_avx2(z.data(), cols, avx2.data(), cols, rows, cols);
    mlp::softmax_detail::softmax_f32_avx2(in_place.data(), cols, in_place.data(), cols, rows, cols);
    for (std::size_t i = 0; i < z.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(avx2[i]), std::bit_cast<std::uint32_t>(portable[i]))
          << cols << " columns, value " << i;
      ASSERT_EQ(std::bit_cast<std::uint32_t>(in_place[i]), std::bit_cast<std::uint32_t>(avx2[i]));
    }
  }
}

TEST(SoftmaxF32, RowsAreProbabilitiesCloseToTheExactSoftmax) {
  const std::ptrdiff_t rows = 50, cols = 10;
  const std::vector<float> z = rows_of(rows, cols, 99);
  mlp::Matrix<float> Z(rows, cols), A(rows, cols);
  std::copy(z.begin(), z.end(), Z.data());
  mlp::activate<float>(mlp::Activation::softmax, Z, A);  // the kernel this CPU takes
  for (std::ptrdiff_t i = 0; i < rows; ++i) {
    // The differences z - max z as the kernel takes them, in float (their rounding, up to
    // 2^-24 |z - max z|, is the input's, not the kernel's); the rest exactly.
    float max_z = -kInfF;
    for (std::ptrdiff_t j = 0; j < cols; ++j) max_z = std::max(max_z, Z(i, j));
    long double sum = 0;
    for (std::ptrdiff_t j = 0; j < cols; ++j)
      sum += std::exp(static_cast<long double>(Z(i, j) - max_z));
    float total = 0;
    for (std::ptrdiff_t j = 0; j < cols; ++j) {
      const long double exact = std::exp(static_cast<long double>(Z(i, j) - max_z)) / sum;
      EXPECT_NEAR(A(i, j), static_cast<double>(exact), 4e-7 * static_cast<double>(exact) + 1e-45)
          << i << ", " << j;
      total += A(i, j);
    }
    EXPECT_NEAR(total, 1.0F, 1e-6F);
  }
  Z(0, 3) = kNaNF;
  mlp::activate<float>(mlp::Activation::softmax, Z, A);
  EXPECT_TRUE(std::isnan(A(0, 0)) && std::isnan(A(0, 3)));
}

}  // namespace
