// Google Benchmark micro-benchmarks of the matrix-product kernels at the shapes of an MNIST
// training step (784-256-128-10, batch 128) and at a large square size, for each available
// kernel set (the one in force, and each SIMD set by name), the Adam update, one whole training
// step, and the chapter's XOR on the tiny path alone and through Sequential::fit.
//
//   build-perf/bench/mlp_kernel_bench --benchmark_filter=Gemm
//
// Reported counters: FLOP/s (2 m n k per product).
#include <benchmark/benchmark.h>

#include "kernels/gemm.hpp"
#include "mlp/core/random.hpp"
#include "mlp/learn/xor.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/optimizer.hpp"
#include "mlp/nn/threads.hpp"
#include "nn/sparse_input.hpp"
#include "nn/tiny_fit.hpp"

namespace {

template <class Scalar>
void BM_Gemm(benchmark::State& state, mlp::Transpose ta, mlp::Transpose tb,
             mlp::GemmKernel kernel) {
  if (!mlp::gemm_kernel_available(kernel)) {
    state.SkipWithError("this CPU lacks the kernel set");
    return;
  }
  const mlp::Index m = state.range(0), n = state.range(1), k = state.range(2);
  mlp::set_threads(static_cast<int>(state.range(3)));
  const mlp::Matrix<Scalar> A = ta == mlp::Transpose::no ? mlp::Matrix<Scalar>::Random(m, k)
                                                         : mlp::Matrix<Scalar>::Random(k, m);
  const mlp::Matrix<Scalar> B = tb == mlp::Transpose::no ? mlp::Matrix<Scalar>::Random(k, n)
                                                         : mlp::Matrix<Scalar>::Random(n, k);
  mlp::Matrix<Scalar> C(m, n);
  for (auto _ : state) {
    mlp::gemm<Scalar>(ta, tb, m, n, k, A.data(), A.cols(), B.data(), B.cols(), C.data(), n, {},
                      kernel);
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m * n * k),
                                                benchmark::Counter::kIsIterationInvariantRate);
}

using mlp::GemmKernel;
using mlp::Transpose;

void BM_GemmF32(benchmark::State& state, Transpose ta, Transpose tb, GemmKernel kernel) {
  BM_Gemm<float>(state, ta, tb, kernel);
}
void BM_GemmF64(benchmark::State& state, Transpose ta, Transpose tb, GemmKernel kernel) {
  BM_Gemm<double>(state, ta, tb, kernel);
}

// {m, n, k, threads}: the forward product of layer 1, dW of layer 1, dX of layer 2, a large one.
void Shapes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    b->Args({128, 256, 784, threads});
    b->Args({1024, 1024, 1024, threads});
  }
  b->UseRealTime();
}
void ShapesTransA(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) b->Args({784, 256, 128, threads});
  b->UseRealTime();
}
void ShapesTransB(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) b->Args({128, 256, 128, threads});
  b->UseRealTime();
}
void Gemv(benchmark::internal::Benchmark* b) {
  b->Args({1, 256, 784, 1});
}

BENCHMARK_CAPTURE(BM_GemmF32, f32_nn_best, Transpose::no, Transpose::no, GemmKernel::best)
    ->Apply(Shapes);
BENCHMARK_CAPTURE(BM_GemmF32, f32_nn_generic, Transpose::no, Transpose::no, GemmKernel::generic)
    ->Args({128, 256, 784, 1});
// Each SIMD set by name (skipped, with a message, on CPUs without it), whichever is in force.
BENCHMARK_CAPTURE(BM_GemmF32, f32_nn_avx2, Transpose::no, Transpose::no, GemmKernel::avx2)
    ->Apply(Shapes);
BENCHMARK_CAPTURE(BM_GemmF32, f32_nn_avx512, Transpose::no, Transpose::no, GemmKernel::avx512)
    ->Apply(Shapes);
BENCHMARK_CAPTURE(BM_GemmF64, f64_nn_avx512, Transpose::no, Transpose::no, GemmKernel::avx512)
    ->Args({128, 256, 784, 1})
    ->Args({1024, 1024, 1024, 1});
BENCHMARK_CAPTURE(BM_GemmF32, f32_tn_best, Transpose::yes, Transpose::no, GemmKernel::best)
    ->Apply(ShapesTransA);
BENCHMARK_CAPTURE(BM_GemmF32, f32_nt_best, Transpose::no, Transpose::yes, GemmKernel::best)
    ->Apply(ShapesTransB);
BENCHMARK_CAPTURE(BM_GemmF32, f32_gemv_best, Transpose::no, Transpose::no, GemmKernel::best)
    ->Apply(Gemv);
BENCHMARK_CAPTURE(BM_GemmF32, f32_nn_reference, Transpose::no, Transpose::no, GemmKernel::reference)
    ->Args({128, 256, 784, 1});
BENCHMARK_CAPTURE(BM_GemmF64, f64_nn_best, Transpose::no, Transpose::no, GemmKernel::best)
    ->Args({128, 256, 784, 1})
    ->Args({1024, 1024, 1024, 1});

// The first layer on sparse inputs (784 -> 256, batch 128), at a density of range(0) per
// thousand nonzero inputs, against BM_GemmF32/f32_nn_best/128/256/784 for the dense product.
// Reported FLOP/s count the dense product's 2 m n k, so they compare directly with it.
mlp::Matrix<float> sparse_batch(mlp::Index rows, mlp::Index cols, double density) {
  mlp::Random rng(7);
  mlp::Matrix<float> X(rows, cols);
  for (mlp::Index i = 0; i < rows; ++i)
    for (mlp::Index j = 0; j < cols; ++j)
      X(i, j) = rng.uniform(0.0, 1.0) < density ? static_cast<float>(rng.uniform(0.0, 1.0)) : 0.f;
  return X;
}

// Indexing a batch by sample (what inference needs), and by input too (training).
void BM_SparseIndex(benchmark::State& state) {
  const mlp::Matrix<float> X = sparse_batch(128, 784, static_cast<double>(state.range(0)) / 1000);
  mlp::SparseBatch<float> sparse;
  sparse.reserve(128, 784, 1.0);
  for (auto _ : state) {
    benchmark::DoNotOptimize(sparse.index(X, 1.0));
    if (state.range(1) != 0) sparse.index_inputs();
  }
}
BENCHMARK(BM_SparseIndex)->Args({190, 0})->Args({190, 1})->Args({500, 1});

void BM_SparseForward(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(1)));
  const mlp::Matrix<float> X = sparse_batch(128, 784, static_cast<double>(state.range(0)) / 1000);
  const mlp::Matrix<float> W = mlp::Matrix<float>::Random(784, 256);
  const mlp::RowVector<float> b = mlp::RowVector<float>::Random(256);
  mlp::Matrix<float> Z(128, 256);
  mlp::SparseBatch<float> sparse;
  sparse.index(X, 1.0);
  for (auto _ : state) {
    mlp::sparse_dense_forward_relu<float>(sparse, X, W, b, Z, Z);
    benchmark::DoNotOptimize(Z.data());
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * 128 * 256 * 784, benchmark::Counter::kIsIterationInvariantRate);
}

// Inference's form (predict_proba): W packed in panels once, bias and ReLU in the kernel.
void BM_SparseForwardPanels(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(1)));
  const mlp::Matrix<float> X = sparse_batch(128, 784, static_cast<double>(state.range(0)) / 1000);
  const mlp::Matrix<float> W = mlp::Matrix<float>::Random(784, 256);
  const mlp::RowVector<float> b = mlp::RowVector<float>::Random(256);
  mlp::Matrix<float> Z(128, 256);
  mlp::SparseBatch<float> sparse;
  sparse.index(X, 1.0);
  mlp::WeightPanels<float> panels;
  panels.pack(W);
  for (auto _ : state) {
    mlp::sparse_dense_forward_panels<float>(sparse, panels, b, true, Z);
    benchmark::DoNotOptimize(Z.data());
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * 128 * 256 * 784, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_SparseBackward(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(1)));
  const mlp::Matrix<float> X = sparse_batch(128, 784, static_cast<double>(state.range(0)) / 1000);
  const mlp::Matrix<float> dZ = mlp::Matrix<float>::Random(128, 256);
  mlp::Matrix<float> dW(784, 256);
  mlp::RowVector<float> db(256);
  mlp::SparseBatch<float> sparse;
  sparse.index(X, 1.0);
  for (auto _ : state) {
    mlp::sparse_dense_backward_weights<float>(sparse, X, dZ, dW, db);
    benchmark::DoNotOptimize(dW.data());
  }
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * 128 * 256 * 784, benchmark::Counter::kIsIterationInvariantRate);
}
void Densities(benchmark::internal::Benchmark* b) {
  for (int density : {100, 190, 300, 500, 700}) b->Args({density, 1});
  b->Args({190, 2});
  b->UseRealTime();
}
BENCHMARK(BM_SparseForward)->Apply(Densities);
BENCHMARK(BM_SparseForwardPanels)->Apply(Densities);
BENCHMARK(BM_SparseBackward)->Apply(Densities);

// One Adam update of range(0) parameters on range(1) threads: 235146 is the 784-256-128-10
// network's count (split over the threads), 4096 a small layer's (one thread whatever the pool).
template <class Scalar>
void BM_Adam(benchmark::State& state) {
  const mlp::Index n = state.range(0);
  mlp::set_threads(static_cast<int>(state.range(1)));
  mlp::Optimizer<Scalar> optimizer(mlp::OptimizerSpec::adam(1e-3));
  optimizer.reset(n);
  mlp::Vector<Scalar> w = mlp::Vector<Scalar>::Random(n);
  const mlp::Vector<Scalar> g = mlp::Vector<Scalar>::Random(n);
  for (auto _ : state) {
    optimizer.step(w, g);
    benchmark::DoNotOptimize(w.data());
    benchmark::ClobberMemory();
  }
  state.counters["params/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
void AdamSizes(benchmark::internal::Benchmark* b) {
  b->Args({4096, 1})->Args({235146, 1})->Args({235146, 2})->UseRealTime();
}
BENCHMARK_TEMPLATE(BM_Adam, float)->Apply(AdamSizes);
BENCHMARK_TEMPLATE(BM_Adam, double)->Apply(AdamSizes);

// One training step (forward, backward, Adam) of 784-256-128-10 on a batch of 128.
void BM_TrainStep(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(0)));
  const mlp::Index batch = 128;
  mlp::Sequential<float> net(784);
  net.add(256, mlp::Activation::relu)
      .add(128, mlp::Activation::relu)
      .add(10, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 0);
  net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam(1e-3));
  const mlp::Matrix<float> X = mlp::Matrix<float>::Random(batch, 784).cwiseAbs();
  mlp::Matrix<float> Y = mlp::Matrix<float>::Zero(batch, 10);
  for (mlp::Index i = 0; i < batch; ++i) Y(i, i % 10) = 1.0f;
  mlp::FitOptions options;
  options.epochs = 1;
  options.batch_size = batch;
  options.shuffle = false;
  for (auto _ : state) net.fit(X, Y, options);
  state.counters["samples/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_TrainStep)->Arg(1)->Arg(2)->UseRealTime();

// The chapter's XOR (2-3-1 sigmoid, sse, full-batch gradient descent at eta 0.1), range(0)
// iterations per training: the tiny path's kernel alone (best for this CPU, nothing recorded),
// and Sequential::fit, which takes the same kernel and records the History (range(1) = 1: with an
// on_epoch_end callback, one epoch per kernel call). Counter: iterations per second.
void BM_XorTinyPath(benchmark::State& state) {
  const mlp::Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  const mlp::Sequential<double> initial = mlp::xor_network<double>(mlp::XorSetup{});
  mlp::TinyTraining<double> training;
  training.epochs = static_cast<int>(state.range(0));
  mlp::Vector<double> parameters;
  for (auto _ : state) {
    parameters = initial.parameters();
    mlp::train_tiny<double>(mlp::TinyNetwork{}, mlp::TinyKernel::best, X, Y, training,
                            parameters.data());
    benchmark::DoNotOptimize(parameters.data());
  }
  state.counters["iterations/s"] = benchmark::Counter(
      static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_XorTinyPath)->Arg(100000);

void BM_XorFit(benchmark::State& state) {
  const mlp::Matrix<double> X = mlp::xor_inputs<double>(), Y = mlp::xor_targets<double>();
  mlp::FitOptions options;
  options.epochs = static_cast<int>(state.range(0));
  if (state.range(1) == 1)
    options.on_epoch_end = [](const mlp::EpochLog& log) { return log.epoch > 0; };
  for (auto _ : state) {
    mlp::Sequential<double> net = mlp::xor_network<double>(mlp::XorSetup{});
    benchmark::DoNotOptimize(net.fit(X, Y, options).loss.data());
  }
  state.counters["iterations/s"] = benchmark::Counter(
      static_cast<double>(state.range(0)), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_XorFit)->Args({100000, 0})->Args({100000, 1});

// A mid-sized network on the general path, where the per-step work besides the products
// (callbacks, History, shuffling, the gathering of rows, thread wake-ups) shows: 64-32-1 (ReLU,
// sigmoid + binary cross-entropy, Adam) on 1,000 rows in batches of 32, one epoch per iteration,
// range(0) threads. Counter: steps (batches) per second.
void BM_FitMidSize(benchmark::State& state) {
  mlp::set_threads(static_cast<int>(state.range(0)));
  const mlp::Index rows = 1000, batch = 32;
  mlp::Sequential<float> net(64);
  net.add(32, mlp::Activation::relu).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer::he_uniform(), 0);
  net.compile(mlp::Loss::binary_crossentropy, mlp::OptimizerSpec::adam(1e-3));
  const mlp::Matrix<float> X = mlp::Matrix<float>::Random(rows, 64);
  mlp::Matrix<float> Y(rows, 1);
  for (mlp::Index i = 0; i < rows; ++i) Y(i, 0) = X(i, 0) + X(i, 1) > 0.0f ? 1.0f : 0.0f;
  mlp::FitOptions options;
  options.epochs = 1;
  options.batch_size = batch;
  options.keep_training_state = true;
  for (auto _ : state) benchmark::DoNotOptimize(net.fit(X, Y, options).loss.data());
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>((rows + batch - 1) / batch),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FitMidSize)->Arg(1)->Arg(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
