// Training allocates nothing after its first step: every buffer is planned before the loop.
//
// This file replaces the C library's allocation functions for the whole test binary with ones
// that count calls while `counting` is on (and otherwise only forward to glibc). operator new,
// std::vector and Eigen all end up in malloc or aligned_alloc, so every heap allocation on any
// thread, the library's workers included, is seen.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <utility>

#include "mlp/core/random.hpp"
#include "mlp/nn/communicator.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/threads.hpp"
#include "support/address_sanitizer.hpp"

namespace {

// AddressSanitizer serves operator new and malloc from its own allocator, past the functions
// this file replaces: under it the counter sees nothing, and the tests say so instead of passing.
#if defined(MLP_UNDER_ADDRESS_SANITIZER)
#define SKIP_UNDER_ADDRESS_SANITIZER() \
  GTEST_SKIP() << "AddressSanitizer allocates past the replaced malloc"
#else
#define SKIP_UNDER_ADDRESS_SANITIZER() static_cast<void>(0)
#endif

std::atomic<bool> counting{false};
std::atomic<long> allocations{0};

void note_allocation() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
}

}  // namespace

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* pointer);

void* malloc(std::size_t size) noexcept {
  note_allocation();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
  note_allocation();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) noexcept {
  note_allocation();
  return __libc_realloc(pointer, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  note_allocation();
  return __libc_memalign(alignment, size);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  note_allocation();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  note_allocation();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* pointer) noexcept {
  __libc_free(pointer);
}
}

namespace {

// Uniform in [0, 1), with a fraction `density` of the entries nonzero.
template <class Scalar>
mlp::Matrix<Scalar> random_matrix(mlp::Index rows, mlp::Index cols, std::uint64_t seed,
                                  double density = 1.0) {
  mlp::Random rng(seed);
  mlp::Matrix<Scalar> M(rows, cols);
  for (mlp::Index i = 0; i < rows; ++i)
    for (mlp::Index j = 0; j < cols; ++j)
      M(i, j) =
          rng.uniform(0.0, 1.0) < density ? static_cast<Scalar>(rng.uniform(0.0, 1.0)) : Scalar(0);
  return M;
}

// Fits with counting switched on from the end of the first update to the end of fit; returns
// the number of allocations seen.
template <class Scalar>
long allocations_after_first_step(mlp::Sequential<Scalar>& net, const mlp::Matrix<Scalar>& X,
                                  const mlp::Matrix<Scalar>& Y, mlp::FitOptions options,
                                  bool validation) {
  allocations = 0;
  options.on_batch_end = [](mlp::Index, mlp::Index) {
    counting = true;
    return true;
  };
  options.on_epoch_end = [](const mlp::EpochLog&) { return true; };
  if (validation) {
    const mlp::Matrix<Scalar> X_val = X.topRows(X.rows() / 3);
    const mlp::Matrix<Scalar> Y_val = Y.topRows(Y.rows() / 3);
    net.fit(X, Y, X_val, Y_val, options);
  } else {
    net.fit(X, Y, options);
  }
  counting = false;
  return allocations.load();
}

TEST(FitAllocations, CounterSeesAllocations) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  allocations = 0;
  counting = true;
  auto* p = new std::vector<double>(1000);
  const mlp::Matrix<float> M(17, 19);
  counting = false;
  delete p;
  EXPECT_GE(allocations.load(), 3);  // the vector object, its buffer, the matrix
}

TEST(FitAllocations, NoneAfterTheFirstStepOfAnMnistShapedNetwork) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  // Dense inputs, and inputs as sparse as MNIST's (the first layer then indexes each batch).
  for (const auto& [threads, density] : {std::pair{1, 1.0}, {2, 1.0}, {1, 0.19}, {2, 0.19}}) {
    mlp::set_threads(threads);
    const auto X = random_matrix<float>(600, 784, 1, density);
    mlp::Matrix<float> Y = mlp::Matrix<float>::Zero(600, 10);
    for (mlp::Index i = 0; i < 600; ++i) Y(i, i % 10) = 1.0f;
    mlp::Sequential<float> net(784);
    net.add(256, mlp::Activation::relu)
        .add(128, mlp::Activation::relu)
        .add(10, mlp::Activation::softmax);
    net.initialize(mlp::Initializer::he_uniform(), 0);
    net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam(1e-3));
    mlp::FitOptions options;
    options.epochs = 2;
    options.batch_size = 128;  // 600 = 4 x 128 + 88: a partial last batch too
    options.schedule = mlp::LearningRateSchedule::cosine;
    options.early_stopping_patience = 5;
    EXPECT_EQ(allocations_after_first_step<float>(net, X, Y, options, true), 0)
        << threads << " threads, density " << density;
  }
  mlp::set_threads(0);
}

TEST(FitAllocations, NoneForOtherActivationsOptimizersAndDouble) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  const auto X = random_matrix<double>(90, 12, 2);
  const auto Y = random_matrix<double>(90, 3, 3);
  for (auto activation : {mlp::Activation::sigmoid, mlp::Activation::tanh, mlp::Activation::relu,
                          mlp::Activation::identity}) {
    for (const auto& optimizer :
         {mlp::OptimizerSpec::gradient_descent(0.1), mlp::OptimizerSpec::with_momentum(0.01),
          mlp::OptimizerSpec::adam()}) {
      mlp::Sequential<double> net(12);
      net.add(40, activation).add(3, mlp::Activation::sigmoid);
      net.initialize(mlp::Initializer::glorot_uniform(), 1);
      net.compile(mlp::Loss::mse, optimizer);
      mlp::FitOptions options;
      options.epochs = 3;
      options.batch_size = 16;
      EXPECT_EQ(allocations_after_first_step<double>(net, X, Y, options, false), 0)
          << mlp::to_string(activation);
    }
  }
}

// Data-parallel fit on sharded data (FitOptions::stripe_rows), with sample weights (the batch's S
// gathered by stripes) and validation (summed by stripes): its buffers are planned too.
TEST(FitAllocations, NoneOnShardedData) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  const auto X = random_matrix<double>(300, 20, 4);
  const auto Y = random_matrix<double>(300, 2, 5);
  mlp::Sequential<double> net(20);
  net.add(16, mlp::Activation::tanh).add(2, mlp::Activation::identity);
  net.initialize(mlp::Initializer::glorot_uniform(), 1);
  net.compile(mlp::Loss::mse, mlp::OptimizerSpec::adam());
  mlp::SingleProcessCommunicator one;
  mlp::FitOptions options;
  options.epochs = 3;
  options.batch_size = 64;  // 4 stripes of 16-row blocks
  options.gradient_block_rows = 16;
  options.communicator = &one;
  options.stripe_rows = {75, 75, 75, 75};
  options.validation_stripe_rows = {25, 25, 25, 25};  // the first 100 rows (validation = true)
  for (int i = 0; i < 300; ++i) options.sample_weight.push_back(1.0 + i % 3);
  EXPECT_EQ(allocations_after_first_step<double>(net, X, Y, options, true), 0);
}

TEST(FitAllocations, NoneInTheChaptersFullBatchXor) {
  SKIP_UNDER_ADDRESS_SANITIZER();
  mlp::Matrix<double> X(4, 2), Y(4, 1);
  X << 0, 0, 0, 1, 1, 0, 1, 1;
  Y << 0, 1, 1, 0;
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer::uniform(0.0, 1.0), 0);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  mlp::FitOptions options;
  options.epochs = 200;
  EXPECT_EQ(allocations_after_first_step<double>(net, X, Y, options, false), 0);
}

}  // namespace
