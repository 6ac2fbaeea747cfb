/* The machine's sgemm ceiling: OpenBLAS cblas_sgemm on N x N x N float matrices (default 2048),
 * best of several repetitions, with openblas_set_num_threads(THREADS).
 *
 *   sgemm_ceiling THREADS [N]
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
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
  /* The best wall time, and the best CPU time of the process (all its threads): on a shared
   * machine the CPU time of one thread hardly depends on the other work. */
  double best = 1e30, best_cpu = 1e30;
  for (int r = 0; r < 5; ++r) {
    const double t0 = clock_seconds(CLOCK_MONOTONIC);
    const double cpu0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    const double t = clock_seconds(CLOCK_MONOTONIC) - t0;
    const double cpu = clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    if (t < best) best = t;
    if (cpu < best_cpu) best_cpu = cpu;
  }
  printf(
      "{\"workload\": \"sgemm\", \"threads\": %d, \"size\": %d, \"seconds\": %.9g, "
      "\"cpu_seconds\": %.9g, \"gflops\": %.6g, \"core\": \"%s\"}\n",
      threads, n, best, best_cpu, 2.0 * n * n * n / best / 1e9, openblas_get_corename());
  free(a);
  free(b);
  free(c);
  return 0;
}
