// softmax_f32_avx2 (softmax_f32.hpp), compiled with -mavx2 and no FMA (see CMakeLists.txt) and
// called only on x86-64 CPUs with AVX2: the exponentials 4 at a time, the same operations as
// softmax_f32's, so the same bits.
#include "kernels/softmax_f32.hpp"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/avx2/sigmoid_f64_avx2.hpp"

namespace mlp::softmax_detail {

namespace {

// exp_nonpositive of 4 floats: a = min(-x, limit) in double (NaN kept), e^-a = (1 + q) 2^-n,
// rounded to float; NaN lanes give NaN.
__m128 exp_nonpositive4(__m128 x) {
  using namespace sigmoid_detail;
  const __m256d minus_x = _mm256_sub_pd(_mm256_setzero_pd(), _mm256_cvtps_pd(x));
  const __m256d a = _mm256_min_pd(broadcast(kFloatUnderflowLimit), minus_x);  // NaN: minus_x
  __m256d n, q;
  exp_parts_avx2<1>(&a, &n, &q);
  const __m256i bits = _mm256_castpd_si256(sub(broadcast(kRoundBias), n));
  const __m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(bits, kExponentShift));
  const __m256d e = mul(add(broadcast(1.0), q), scale);
  const __m256d nan = _mm256_cmp_pd(a, a, _CMP_UNORD_Q);
  return _mm256_cvtpd_ps(_mm256_blendv_pd(e, _mm256_cvtps_pd(x), nan));
}

}  // namespace

void softmax_f32_avx2(const float* z, std::ptrdiff_t ldz, float* a, std::ptrdiff_t lda,
                      std::ptrdiff_t rows, std::ptrdiff_t cols) {
  const std::ptrdiff_t tail = cols % 4;
  const __m128i mask =
      _mm_cmpgt_epi32(_mm_set1_epi32(static_cast<int>(tail)), _mm_setr_epi32(0, 1, 2, 3));
  for (std::ptrdiff_t i = 0; i < rows; ++i, z += ldz, a += lda) {
    float max_z = z[0];
    for (std::ptrdiff_t j = 1; j < cols; ++j) max_z = z[j] > max_z ? z[j] : max_z;
    const __m128 shift = _mm_set1_ps(max_z);
    std::ptrdiff_t j = 0;
    for (; j + 4 <= cols; j += 4)
      _mm_storeu_ps(a + j, exp_nonpositive4(_mm_sub_ps(_mm_loadu_ps(z + j), shift)));
    if (tail != 0)
      _mm_maskstore_ps(a + j, mask,
                       exp_nonpositive4(_mm_sub_ps(_mm_maskload_ps(z + j, mask), shift)));
    float sum = 0.0F;
    for (j = 0; j < cols; ++j) sum += a[j];
    for (j = 0; j < cols; ++j) a[j] /= sum;
  }
}

}  // namespace mlp::softmax_detail
#endif
