// The portable softmax_f32 (softmax_f32.hpp).
#include "kernels/softmax_f32.hpp"

#include <algorithm>

#include "kernels/sigmoid_f64.hpp"

namespace mlp::softmax_detail {

float exp_nonpositive(float x) {
  const double a = -static_cast<double>(x);
  if (a != a) return x;  // NaN
  return static_cast<float>(sigmoid_detail::exp_neg_f64(std::min(a, kFloatUnderflowLimit)));
}

void softmax_f32(const float* z, std::ptrdiff_t ldz, float* a, std::ptrdiff_t lda,
                 std::ptrdiff_t rows, std::ptrdiff_t cols) {
  for (std::ptrdiff_t i = 0; i < rows; ++i, z += ldz, a += lda) {
    float max_z = z[0];
    for (std::ptrdiff_t j = 1; j < cols; ++j) max_z = z[j] > max_z ? z[j] : max_z;
    for (std::ptrdiff_t j = 0; j < cols; ++j) a[j] = exp_nonpositive(z[j] - max_z);
    float sum = 0.0F;
    for (std::ptrdiff_t j = 0; j < cols; ++j) sum += a[j];
    for (std::ptrdiff_t j = 0; j < cols; ++j) a[j] /= sum;
  }
}

}  // namespace mlp::softmax_detail
