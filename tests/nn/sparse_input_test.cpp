// The first layer on sparse inputs: SparseBatch indexes exactly the nonzero entries, in order,
// both ways; the sparse kernels give the dense product's values bit for bit (and agree with the
// naive reference loops) over odd shapes, densities and both kernel sets; the thread count
// changes no bit; and a network whose input is sparse enough to take this path trains exactly as
// on the dense path and has the gradients of its error (finite differences).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "kernels/gemm.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/dense.hpp"
#include "mlp/nn/gradcheck.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/threads.hpp"
#include "nn/sparse_input.hpp"

namespace {

using mlp::GemmKernel;
using mlp::Index;

// Uniform in [-1, 1) with a fraction `density` of the entries nonzero (at random places).
template <class Scalar>
mlp::Matrix<Scalar> sparse_matrix(Index rows, Index cols, double density, std::uint64_t seed) {
  mlp::Random rng(seed);
  mlp::Matrix<Scalar> M(rows, cols);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j)
      M(i, j) =
          rng.uniform(0.0, 1.0) < density ? static_cast<Scalar>(rng.uniform(-1.0, 1.0)) : Scalar(0);
  return M;
}

template <class Scalar>
mlp::Matrix<Scalar> dense_matrix(Index rows, Index cols, std::uint64_t seed) {
  return sparse_matrix<Scalar>(rows, cols, 1.0, seed);
}

std::vector<GemmKernel> kernels() {
  std::vector<GemmKernel> out{GemmKernel::generic, GemmKernel::best};
  if (mlp::gemm_kernel_available(GemmKernel::avx2)) out.push_back(GemmKernel::avx2);
  if (mlp::gemm_kernel_available(GemmKernel::avx512)) out.push_back(GemmKernel::avx512);
  return out;
}

// A sum of k products differs from the reference's only by rounding.
template <class Scalar>
double tolerance(Index k) {
  const double eps = std::is_same_v<Scalar, float> ? 1.2e-7 : 2.3e-16;
  return 4.0 * eps * static_cast<double>(k + 2);
}

template <class Scalar>
void check_index(Index rows, Index cols, double density, GemmKernel kernel) {
  SCOPED_TRACE(testing::Message() << rows << "x" << cols << " density " << density);
  const auto X = sparse_matrix<Scalar>(rows, cols, density, 11);
  mlp::SparseBatch<Scalar> sparse;
  ASSERT_TRUE(sparse.index(X, 1.0, kernel));
  sparse.index_inputs();
  ASSERT_EQ(sparse.rows(), rows);
  ASSERT_EQ(sparse.cols(), cols);
  // By sample: every nonzero entry of row i, inputs ascending, and nothing else.
  Index expected_total = 0;
  for (Index i = 0; i < rows; ++i) {
    Index t = sparse.sample_begin(i);
    for (Index n = 0; n < cols; ++n) {
      if (X(i, n) == Scalar(0)) continue;
      ASSERT_LT(t, sparse.sample_end(i)) << "sample " << i << " misses input " << n;
      EXPECT_EQ(sparse.by_sample_index()[t], n);
      EXPECT_EQ(sparse.by_sample_value()[t], X(i, n));
      ++t;
      ++expected_total;
    }
    ASSERT_EQ(t, sparse.sample_end(i)) << "sample " << i << " has extra entries";
  }
  EXPECT_EQ(sparse.nonzeros(), expected_total);
  // By input: every nonzero entry of column n, samples ascending.
  for (Index n = 0; n < cols; ++n) {
    Index t = sparse.input_start(n);
    for (Index i = 0; i < rows; ++i) {
      if (X(i, n) == Scalar(0)) continue;
      ASSERT_LT(t, sparse.input_start(n + 1));
      EXPECT_EQ(sparse.by_input_index()[t], i);
      EXPECT_EQ(sparse.by_input_value()[t], X(i, n));
      ++t;
    }
    ASSERT_EQ(t, sparse.input_start(n + 1));
  }
}

TEST(SparseInput, IndexesExactlyTheNonzeroEntriesBothWays) {
  for (GemmKernel kernel : kernels())
    for (double density : {0.0, 0.05, 0.3, 1.0}) {
      check_index<float>(1, 1, density, kernel);
      check_index<float>(7, 13, density, kernel);
      check_index<float>(33, 100, density, kernel);
      check_index<double>(7, 13, density, kernel);
      check_index<double>(33, 101, density, kernel);
      check_index<float>(128, 784, density, kernel);  // indexed by the threads in ranges of rows
    }
}

TEST(SparseInput, NegativeZeroIsZeroAndNaNIsKept) {
  mlp::Matrix<float> X(2, 9);
  X.setZero();
  X(0, 1) = -0.0f;
  X(0, 8) = std::numeric_limits<float>::quiet_NaN();
  X(1, 3) = 2.0f;
  for (GemmKernel kernel : kernels()) {
    mlp::SparseBatch<float> sparse;
    ASSERT_TRUE(sparse.index(X, 1.0, kernel));
    ASSERT_EQ(sparse.nonzeros(), 2);
    ASSERT_EQ(sparse.sample_end(0) - sparse.sample_begin(0), 1);
    EXPECT_EQ(sparse.by_sample_index()[sparse.sample_begin(0)], 8);
    EXPECT_TRUE(std::isnan(sparse.by_sample_value()[sparse.sample_begin(0)]));
    ASSERT_EQ(sparse.sample_end(1) - sparse.sample_begin(1), 1);
    EXPECT_EQ(sparse.by_sample_index()[sparse.sample_begin(1)], 3);
  }
}

TEST(SparseInput, DenseBatchesAreLeftToTheDenseKernels) {
  const auto X = sparse_matrix<float>(20, 30, 0.5, 3);
  mlp::SparseBatch<float> sparse;
  EXPECT_FALSE(sparse.index(X, 0.3));
  EXPECT_FALSE(sparse.indexed());
  EXPECT_TRUE(sparse.index(X, 0.6));
  EXPECT_TRUE(sparse.indexed());
  sparse.clear();
  EXPECT_FALSE(sparse.indexed());
}

TEST(SparseInput, AnEmptyBatchGivesNothingAndZeroGradients) {
  const mlp::Matrix<float> X(0, 30), dZ(0, 20);
  const auto W = dense_matrix<float>(30, 20, 1);
  const mlp::RowVector<float> b = dense_matrix<float>(1, 20, 2);
  mlp::Matrix<float> Z(0, 20), dW = mlp::Matrix<float>::Constant(30, 20, 7.0f);
  mlp::RowVector<float> db(20);
  mlp::SparseBatch<float> sparse;
  ASSERT_TRUE(sparse.index(X, 1.0));
  mlp::sparse_dense_forward<float>(sparse, X, W, b, Z);
  mlp::sparse_dense_backward_weights<float>(sparse, X, dZ, dW, db);
  EXPECT_TRUE(dW.isZero());
  EXPECT_TRUE(db.isZero());
}

struct Shape {
  Index rows, n_in, n_out;
};
// Output widths around the kernels' register blocks (8 or 16 floats, 4 or 8 doubles, blocks of 16,
// 12 and 8 registers, column blocks of 96 or 256 floats, 48 or 128 doubles) and their tails.
const std::vector<Shape> kShapes = {{1, 1, 1},     {3, 17, 5},     {4, 100, 8},   {5, 31, 13},
                                    {2, 64, 48},   {7, 40, 95},    {9, 50, 96},   {6, 70, 97},
                                    {1, 784, 256}, {33, 300, 200}, {17, 23, 257}, {5, 60, 300},
                                    {40, 8, 1}};

template <class Scalar>
void check_forward(const Shape& s, double density, GemmKernel kernel, bool relu) {
  SCOPED_TRACE(testing::Message() << s.rows << "x" << s.n_in << "x" << s.n_out << " density "
                                  << density << " kernel " << static_cast<int>(kernel) << " relu "
                                  << relu);
  const auto X = sparse_matrix<Scalar>(s.rows, s.n_in, density, 1);
  const auto W = dense_matrix<Scalar>(s.n_in, s.n_out, 2);
  const mlp::RowVector<Scalar> b = dense_matrix<Scalar>(1, s.n_out, 3);
  mlp::Matrix<Scalar> Z(s.rows, s.n_out), A(s.rows, s.n_out), Z_ref(s.rows, s.n_out),
      A_ref(s.rows, s.n_out);
  mlp::SparseBatch<Scalar> sparse;
  ASSERT_TRUE(sparse.index(X, 1.0, kernel));
  if (relu) {
    mlp::sparse_dense_forward_relu<Scalar>(sparse, X, W, b, Z, A, kernel);
    mlp::reference::dense_forward_relu<Scalar>(X, W, b, Z_ref, A_ref);
  } else {
    mlp::sparse_dense_forward<Scalar>(sparse, X, W, b, Z, kernel);
    mlp::reference::dense_forward<Scalar>(X, W, b, Z_ref);
  }
  // Inference's kernel on the packed weights: the same values, bit for bit.
  mlp::WeightPanels<Scalar> panels;
  panels.pack(W, kernel);
  mlp::Matrix<Scalar> P(s.rows, s.n_out);
  P.setConstant(Scalar(7));  // every entry must be written
  mlp::sparse_dense_forward_panels<Scalar>(sparse, panels, b, relu, P, kernel);
  ASSERT_EQ(P, relu ? A : Z);
  // Where the network would take this path, the dense product's very values.
  if (mlp::sparse_input_worthwhile(s.rows, s.n_in, s.n_out)) {
    mlp::Matrix<Scalar> Z_dense(s.rows, s.n_out), A_dense(s.rows, s.n_out);
    mlp::GemmEpilogue<Scalar> epilogue;
    epilogue.bias = b.data();
    epilogue.relu_out = A_dense.data();
    epilogue.ld_relu_out = s.n_out;
    mlp::gemm<Scalar>(mlp::Transpose::no, mlp::Transpose::no, s.rows, s.n_out, s.n_in, X.data(),
                      s.n_in, W.data(), s.n_out, Z_dense.data(), s.n_out, epilogue, kernel);
    ASSERT_EQ(Z, Z_dense);
    if (relu) {
      ASSERT_EQ(A, A_dense);
    }
  }
  for (Index i = 0; i < s.rows; ++i)
    for (Index m = 0; m < s.n_out; ++m) {
      double scale = std::abs(static_cast<double>(b(m)));
      for (Index n = 0; n < s.n_in; ++n)
        scale += std::abs(static_cast<double>(X(i, n)) * static_cast<double>(W(n, m)));
      const double tol = tolerance<Scalar>(s.n_in) * scale + 1e-30;
      ASSERT_NEAR(Z(i, m), Z_ref(i, m), tol) << "Z(" << i << ", " << m << ")";
      if (relu) {
        ASSERT_NEAR(A(i, m), A_ref(i, m), tol) << "A(" << i << ", " << m << ")";
      }
    }
}

template <class Scalar>
void check_backward(const Shape& s, double density, GemmKernel kernel) {
  SCOPED_TRACE(testing::Message() << s.rows << "x" << s.n_in << "x" << s.n_out << " density "
                                  << density << " kernel " << static_cast<int>(kernel));
  const auto X = sparse_matrix<Scalar>(s.rows, s.n_in, density, 4);
  const auto dZ = dense_matrix<Scalar>(s.rows, s.n_out, 5);
  mlp::Matrix<Scalar> dW(s.n_in, s.n_out), dW_ref(s.n_in, s.n_out);
  dW.setConstant(Scalar(7));  // every entry must be written, the all-zero inputs' rows too
  mlp::RowVector<Scalar> db(s.n_out), db_ref(s.n_out);
  mlp::SparseBatch<Scalar> sparse;
  ASSERT_TRUE(sparse.index(X, 1.0, kernel));
  mlp::sparse_dense_backward_weights<Scalar>(sparse, X, dZ, dW, db, kernel);
  mlp::reference::dense_backward_weights<Scalar>(X, dZ, dW_ref, db_ref);
  if (mlp::sparse_input_worthwhile(s.rows, s.n_in, s.n_out)) {
    mlp::Matrix<Scalar> dW_dense(s.n_in, s.n_out);
    mlp::gemm<Scalar>(mlp::Transpose::yes, mlp::Transpose::no, s.n_in, s.n_out, s.rows, X.data(),
                      s.n_in, dZ.data(), s.n_out, dW_dense.data(), s.n_out, {}, kernel);
    ASSERT_EQ(dW, dW_dense);
  }
  for (Index n = 0; n < s.n_in; ++n)
    for (Index m = 0; m < s.n_out; ++m) {
      double scale = 0.0;
      for (Index i = 0; i < s.rows; ++i)
        scale += std::abs(static_cast<double>(X(i, n)) * static_cast<double>(dZ(i, m)));
      ASSERT_NEAR(dW(n, m), dW_ref(n, m), tolerance<Scalar>(s.rows) * scale + 1e-30)
          << "dW(" << n << ", " << m << ")";
    }
  EXPECT_EQ(db, db_ref);  // the same sums in the same order
}

template <class Scalar>
void check_all_kernels() {
  for (const Shape& s : kShapes)
    for (double density : {0.0, 0.1, 0.5, 1.0})
      for (GemmKernel kernel : kernels()) {
        check_forward<Scalar>(s, density, kernel, false);
        check_forward<Scalar>(s, density, kernel, true);
        check_backward<Scalar>(s, density, kernel);
      }
}

TEST(SparseInput, KernelsEqualTheDenseProductInFloat) {
  check_all_kernels<float>();
}
TEST(SparseInput, KernelsEqualTheDenseProductInDouble) {
  check_all_kernels<double>();
}

TEST(SparseInput, ThreadCountChangesNoBit) {
  // MNIST's first layer on a batch of 128: large enough to be split over the threads.
  const auto X = sparse_matrix<float>(128, 784, 0.19, 6);
  const auto W = dense_matrix<float>(784, 256, 7);
  const mlp::RowVector<float> b = dense_matrix<float>(1, 256, 8);
  const auto dZ = dense_matrix<float>(128, 256, 9);
  mlp::Matrix<float> Z[2], dW[2];
  mlp::RowVector<float> db[2];
  for (int threads : {1, 2}) {
    mlp::set_threads(threads);
    mlp::SparseBatch<float> sparse;
    ASSERT_TRUE(sparse.index(X, 1.0));
    Z[threads - 1].resize(128, 256);
    dW[threads - 1].resize(784, 256);
    db[threads - 1].resize(256);
    mlp::sparse_dense_forward<float>(sparse, X, W, b, Z[threads - 1]);
    mlp::sparse_dense_backward_weights<float>(sparse, X, dZ, dW[threads - 1], db[threads - 1]);
  }
  mlp::set_threads(0);
  EXPECT_EQ(Z[0], Z[1]);
  EXPECT_EQ(dW[0], dW[1]);
  EXPECT_EQ(db[0], db[1]);
}

// predict_proba takes the packed first layer on sparse inputs (in blocks over the threads):
// the values of forward(), which takes the training kernels, bit for bit, for any thread count.
TEST(SparseInput, PredictEqualsForwardBitForBit) {
  const Index rows = 600, inputs = 784;  // blocks of 256, 256 and 88 rows
  const auto X = sparse_matrix<float>(rows, inputs, 0.19, 14);
  mlp::Sequential<float> net(inputs);
  net.add(256, mlp::Activation::relu).add(10, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 6);
  for (Index start = 0; start < rows; start += 256) {
    const Index block = std::min<Index>(256, rows - start);
    mlp::Workspace<float> ws;
    ws.plan(net.layers(), block);
    net.forward(X.middleRows(start, block), ws);
    ASSERT_TRUE(ws.sparse_inputs().indexed()) << "the test must exercise the sparse path";
    for (int threads : {1, 2}) {
      mlp::set_threads(threads);
      EXPECT_EQ(net.predict_proba(X).middleRows(start, block), ws.A(1, block))
          << "rows from " << start << ", " << threads << " threads";
    }
  }
  mlp::set_threads(0);
}

// A call of a few rows takes gemm's few-rows kernel, not the packed panels (whose copy of all of
// W would cost a one-row call 7 times its product): the same values as forward(), bit for bit.
TEST(SparseInput, PredictOfAFewRowsEqualsForwardBitForBit) {
  const Index inputs = 784;
  const auto X = sparse_matrix<float>(8, inputs, 0.19, 15);
  mlp::Sequential<float> net(inputs);
  net.add(256, mlp::Activation::relu).add(10, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 7);
  for (Index rows = 1; rows <= 8; ++rows) {  // 1 - 4: the few-rows kernel; 5 - 8: the panels
    mlp::Workspace<float> ws;
    ws.plan(net.layers(), rows);
    net.forward(X.topRows(rows), ws);
    EXPECT_EQ(net.predict_proba(X.topRows(rows)), ws.A(1, rows)) << rows << " rows";
  }
}

// predict_proba_if_finite: predict_proba's very values for finite X; nothing when any block holds
// NaN or infinity (the last block, or a block the other thread takes), whatever the thread count.
TEST(SparseInput, PredictIfFiniteRejectsNaNAndInfinityInAnyBlock) {
  const Index rows = 600, inputs = 784;
  auto X = sparse_matrix<float>(rows, inputs, 0.19, 15);
  mlp::Sequential<float> net(inputs);
  net.add(64, mlp::Activation::relu).add(10, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 7);
  for (int threads : {1, 2}) {
    mlp::set_threads(threads);
    const std::optional<mlp::Matrix<float>> finite = net.predict_proba_if_finite(X);
    ASSERT_TRUE(finite.has_value());
    EXPECT_EQ(*finite, net.predict_proba(X));
    for (const float bad :
         {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
          -std::numeric_limits<float>::infinity()})
      for (const Index row : {Index(0), Index(300), rows - 1}) {
        const float kept = X(row, 400);
        X(row, 400) = bad;
        EXPECT_FALSE(net.predict_proba_if_finite(X).has_value())
            << bad << " in row " << row << ", " << threads << " threads";
        X(row, 400) = kept;
      }
  }
  mlp::set_threads(0);
  EXPECT_TRUE(net.predict_proba_if_finite(mlp::Matrix<float>(0, inputs)).has_value());
}

// A training step on the sparse path: the first layer's outputs and every gradient equal those of
// the dense path (backward() takes the dense kernels when the workspace forgets the index).
TEST(SparseInput, NetworkStepEqualsTheDensePathBitForBit) {
  const Index rows = 64, inputs = 300;
  const auto X = sparse_matrix<float>(rows, inputs, 0.1, 13);
  mlp::Matrix<float> Y = mlp::Matrix<float>::Zero(rows, 10);
  for (Index i = 0; i < rows; ++i) Y(i, i % 10) = 1.0f;
  mlp::Sequential<float> net(inputs);
  net.add(64, mlp::Activation::relu).add(10, mlp::Activation::softmax);
  net.initialize(mlp::Initializer::he_uniform(), 5);
  net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam(1e-3));
  mlp::Workspace<float> ws;
  ws.plan(net.layers(), rows);

  net.forward(X, ws);
  ASSERT_TRUE(ws.sparse_inputs().indexed()) << "the test must exercise the sparse path";
  mlp::Matrix<float> Z_dense(rows, 64), A_dense(rows, 64);
  mlp::dense_forward_relu<float>(X, net.weights(0), net.bias(0), Z_dense, A_dense);
  EXPECT_EQ(mlp::Matrix<float>(ws.Z(0, rows)), Z_dense);
  EXPECT_EQ(mlp::Matrix<float>(ws.A(0, rows)), A_dense);
  net.backward(X, Y, ws);
  const mlp::Vector<float> sparse_gradients = net.gradients();

  net.forward(X, ws);
  ws.sparse_inputs().clear();
  net.backward(X, Y, ws);
  EXPECT_EQ(sparse_gradients, net.gradients());
}

// A network whose first layer takes the sparse path (inputs 10% nonzero, 24 x 64 x 64 multiply-
// adds): backpropagation still gives the derivative of the error, layer by layer.
TEST(SparseInput, NetworkGradientsMatchFiniteDifferences) {
  const Index rows = 24, inputs = 64;
  ASSERT_TRUE(mlp::sparse_input_worthwhile(rows, inputs, 64));
  const auto X = sparse_matrix<double>(rows, inputs, 0.1, 12);
  mlp::Matrix<double> Y = mlp::Matrix<double>::Zero(rows, 3);
  for (Index i = 0; i < rows; ++i) Y(i, i % 3) = 1.0;
  for (mlp::Activation hidden : {mlp::Activation::sigmoid, mlp::Activation::relu}) {
    SCOPED_TRACE(mlp::to_string(hidden));
    mlp::Sequential<double> net(inputs);
    net.add(64, hidden).add(3, mlp::Activation::softmax);
    net.initialize(mlp::Initializer::glorot_uniform(), 3);
    net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam(1e-3));
    mlp::Workspace<double> ws;
    ws.plan(net.layers(), rows);
    net.compute_gradients(X, Y, ws);
    ASSERT_TRUE(ws.sparse_inputs().indexed()) << "the test must exercise the sparse path";
    mlp::GradientCheckOptions options;
    options.max_per_layer = 200;
    // The central differences' rounding is about 1e-12 absolute here; many first-layer gradients
    // are tiny (their input is zero in most samples), so the floor of the relative error is set
    // above that noise.
    options.floor = 1e-5;
    const auto check = mlp::check_gradients(net, X, Y, options);
    EXPECT_LT(check.max_relative_error, 1e-6);
  }
}

}  // namespace
