/* The machine's sgemm ceiling: OpenBLAS cblas_sgemm on N x N x N float matrices (default 2048),
 * best of several repetitions, with openblas_set_num_threads(THREADS).
 *
 *   sgemm_ceiling THREADS [N]
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? atoi(argv[1]) : 1;
  const int n = argc > 2 ? atoi(argv[2]) : 2048;
  openblas_set_num_threads(threads);
  float* a = malloc(sizeof(float) * (size_t)n * (size_t)n);
  float* b = malloc(sizeof(float) * (size_t)n * (size_t)n);
  float* c = malloc(sizeof(float) * (size_t)n * (size_t)n);
  for (size_t i = 0; i < (size_t)n * (size_t)n; ++i) {
    a[i] = (float)(i % 7) * 0.25f;
    b[i] = (float)(i % 5) * 0.5f;
  }
  double best = 1e30;
  for (int r = 0; r < 5; ++r) {
    const double t0 = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    const double t = now() - t0;
    if (t < best) best = t;
  }
  printf(
      "{\"workload\": \"sgemm\", \"threads\": %d, \"size\": %d, \"seconds\": %.9g, "
      "\"gflops\": %.6g, \"core\": \"%s\"}\n",
      threads, n, best, 2.0 * n * n * n / best / 1e9, openblas_get_corename());
  free(a);
  free(b);
  free(c);
  return 0;
}
