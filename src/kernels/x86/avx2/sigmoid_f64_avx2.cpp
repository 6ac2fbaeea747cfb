// sigmoid_f64_avx2 (sigmoid_f64.hpp), compiled with -mavx2 and no FMA (see CMakeLists.txt) and
// called only on x86-64 CPUs with AVX2.
#include "kernels/sigmoid_f64.hpp"

#if defined(__x86_64__) && defined(__AVX2__)
#include "kernels/x86/avx2/sigmoid_f64_avx2.hpp"

namespace mlp::sigmoid_detail {

void sigmoid_f64_avx2(const double* z, double* a, std::ptrdiff_t n) {
  constexpr int kBlock = 4;  // registers per call of sigmoid_avx2
  std::ptrdiff_t i = 0;
  for (; i + 4 * kBlock <= n; i += 4 * kBlock) {
    __m256d in[kBlock], out[kBlock];
    for (int v = 0; v < kBlock; ++v) in[v] = _mm256_loadu_pd(z + i + 4 * v);
    sigmoid_avx2<kBlock>(in, out);
    for (int v = 0; v < kBlock; ++v) _mm256_storeu_pd(a + i + 4 * v, out[v]);
  }
  for (; i + 4 <= n; i += 4) {
    const __m256d in = _mm256_loadu_pd(z + i);
    __m256d out;
    sigmoid_avx2<1>(&in, &out);
    _mm256_storeu_pd(a + i, out);
  }
  for (; i < n; ++i) a[i] = sigmoid_f64(z[i]);
}

}  // namespace mlp::sigmoid_detail
#endif
