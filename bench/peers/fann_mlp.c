/* FANN (C), trained with its own algorithm as its users call it: fann_create_standard
 * 784-256-128-10, sigmoid-symmetric hidden units and sigmoid outputs (FANN has no softmax),
 * incremental (per-sample) backpropagation, one epoch with fann_train_epoch. Single-threaded.
 *
 *   fann_mlp DATA_DIR [samples]
 */
#include <fann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static unsigned char* read_gz(const char* path, size_t size) {
  gzFile f = gzopen(path, "rb");
  if (!f) {
    fprintf(stderr, "fann_mlp: cannot open %s\n", path);
    exit(1);
  }
  unsigned char* data = malloc(size);
  size_t done = 0;
  while (done < size) {
    int got =
        gzread(f, data + done, (unsigned)(size - done > (1u << 30) ? (1u << 30) : size - done));
    if (got <= 0) break;
    done += (size_t)got;
  }
  gzclose(f);
  if (done != size) {
    fprintf(stderr, "fann_mlp: %s is short\n", path);
    exit(1);
  }
  return data;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fann_mlp DATA_DIR [samples]\n");
    return 2;
  }
  const unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 60000u;
  char path[4096];
  snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", argv[1]);
  unsigned char* images = read_gz(path, 16 + 60000u * 784u);
  snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", argv[1]);
  unsigned char* labels = read_gz(path, 8 + 60000u);

  struct fann_train_data* data = fann_create_train(n, 784, 10);
  for (unsigned i = 0; i < n; ++i) {
    const unsigned s = i % 60000u;
    for (unsigned j = 0; j < 784; ++j) data->input[i][j] = images[16 + s * 784u + j] / 255.0f;
    for (unsigned j = 0; j < 10; ++j) data->output[i][j] = labels[8 + s] == j ? 1.0f : 0.0f;
  }
  struct fann* ann = fann_create_standard(4, 784, 256, 128, 10);
  fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
  fann_set_activation_function_output(ann, FANN_SIGMOID);
  fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
  fann_set_learning_rate(ann, 0.01f);
  fann_randomize_weights(ann, -0.05f, 0.05f);
  fann_shuffle_train_data(data);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const float mse = fann_train_epoch(ann, data);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("{\"workload\": \"train\", \"samples\": %u, \"seconds\": %.9g, \"mse\": %.6g}\n", n,
         seconds, (double)mse);
  fann_destroy(ann);
  fann_destroy_train(data);
  free(images);
  free(labels);
  return 0;
}
