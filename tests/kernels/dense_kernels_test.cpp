// Differential tests: the optimised matrix products and Dense kernels against the naive
// reference loops, in float and double, over odd shapes (1x1, 7x13, sizes that leave partial
// register tiles and partial cache blocks), every transpose combination, every kernel this CPU
// can run, with and without the fused epilogue; and the thread count never changes a result.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "kernels/gemm.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/dense.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/threads.hpp"

namespace {

using mlp::GemmKernel;
using mlp::Index;
using mlp::Transpose;

template <class Scalar>
mlp::Matrix<Scalar> random_matrix(Index rows, Index cols, std::uint64_t seed) {
  mlp::Random rng(seed);
  mlp::Matrix<Scalar> M(rows, cols);
  for (Index i = 0; i < rows; ++i)
    for (Index j = 0; j < cols; ++j) M(i, j) = static_cast<Scalar>(rng.uniform(-1.0, 1.0));
  return M;
}

// The products differ only by rounding: |C - C_ref| <= tol * sum_p |a_ip b_pj| (+ |bias|).
template <class Scalar>
double tolerance(Index k) {
  const double eps = std::is_same_v<Scalar, float> ? 1.2e-7 : 2.3e-16;
  return 4.0 * eps * static_cast<double>(k + 2);
}

struct Shape {
  Index m, n, k;
};

const std::vector<Shape> kShapes = {{1, 1, 1},     {7, 13, 5},    {13, 7, 29},    {6, 16, 256},
                                    {5, 17, 257},  {37, 61, 300}, {128, 10, 128}, {3, 300, 257},
                                    {1, 256, 784}, {4, 33, 65},   {97, 130, 70},  {200, 9, 513},
                                    {64, 64, 0},   {2, 5, 3},     {129, 257, 17}};

std::vector<GemmKernel> kernels() {
  std::vector<GemmKernel> out{GemmKernel::generic, GemmKernel::best};
  if (mlp::gemm_kernel_available(GemmKernel::avx2)) out.push_back(GemmKernel::avx2);
  if (mlp::gemm_kernel_available(GemmKernel::avx512)) out.push_back(GemmKernel::avx512);
  return out;
}

template <class Scalar>
void check_gemm(Transpose ta, Transpose tb, const Shape& s, GemmKernel kernel, bool epilogue) {
  const Index pad = 3;  // row strides larger than the rows: the kernels must honour lda/ldb/ldc
  const auto A = ta == Transpose::no ? random_matrix<Scalar>(s.m, s.k + pad, 1)
                                     : random_matrix<Scalar>(s.k, s.m + pad, 1);
  const auto B = tb == Transpose::no ? random_matrix<Scalar>(s.k, s.n + pad, 2)
                                     : random_matrix<Scalar>(s.n, s.k + pad, 2);
  const auto bias = random_matrix<Scalar>(1, s.n, 3);
  const auto gate = random_matrix<Scalar>(s.m, s.n, 4);
  mlp::Matrix<Scalar> C(s.m, s.n + pad), C_ref(s.m, s.n + pad);
  mlp::Matrix<Scalar> R(s.m, s.n), R_ref(s.m, s.n);
  C.setConstant(Scalar(7));
  C_ref.setConstant(Scalar(7));
  mlp::GemmEpilogue<Scalar> ep, ep_ref;
  if (epilogue) {
    ep.bias = ep_ref.bias = bias.data();
    ep.gate = ep_ref.gate = gate.data();
    ep.ld_gate = ep_ref.ld_gate = s.n;
    ep.relu_out = R.data();
    ep_ref.relu_out = R_ref.data();
    ep.ld_relu_out = ep_ref.ld_relu_out = s.n;
  }
  mlp::gemm<Scalar>(ta, tb, s.m, s.n, s.k, A.data(), A.cols(), B.data(), B.cols(), C.data(),
                    C.cols(), ep, kernel);
  mlp::gemm_reference<Scalar>(ta, tb, s.m, s.n, s.k, A.data(), A.cols(), B.data(), B.cols(),
                              C_ref.data(), C_ref.cols(), ep_ref);
  for (Index i = 0; i < s.m; ++i) {
    for (Index j = 0; j < s.n; ++j) {
      double scale = epilogue ? std::abs(static_cast<double>(bias(0, j))) : 0.0;
      for (Index p = 0; p < s.k; ++p) {
        const Scalar a = ta == Transpose::no ? A(i, p) : A(p, i);
        const Scalar b = tb == Transpose::no ? B(p, j) : B(j, p);
        scale += std::abs(static_cast<double>(a) * static_cast<double>(b));
      }
      const double tol = tolerance<Scalar>(s.k) * scale + 1e-30;
      ASSERT_NEAR(C(i, j), C_ref(i, j), tol)
          << "C(" << i << ", " << j << ") of " << s.m << "x" << s.n << "x" << s.k;
      if (epilogue) {
        ASSERT_NEAR(R(i, j), R_ref(i, j), tol);
      }
    }
    for (Index j = s.n; j < s.n + pad; ++j) ASSERT_EQ(C(i, j), Scalar(7)) << "wrote past n";
  }
}

template <class Scalar>
void check_all_gemm() {
  for (const Shape& s : kShapes)
    for (Transpose ta : {Transpose::no, Transpose::yes})
      for (Transpose tb : {Transpose::no, Transpose::yes})
        for (GemmKernel kernel : kernels())
          for (bool epilogue : {false, true}) {
            SCOPED_TRACE(testing::Message()
                         << "shape " << s.m << "x" << s.n << "x" << s.k << " ta "
                         << (ta == Transpose::yes) << " tb " << (tb == Transpose::yes) << " kernel "
                         << static_cast<int>(kernel) << " epilogue " << epilogue);
            check_gemm<Scalar>(ta, tb, s, kernel, epilogue);
          }
}

TEST(GemmKernels, AgreeWithTheReferenceLoopsInFloat) {
  check_all_gemm<float>();
}
TEST(GemmKernels, AgreeWithTheReferenceLoopsInDouble) {
  check_all_gemm<double>();
}

TEST(GemmKernels, ReferenceSumsEachTermInIndexOrder) {
  // 1 + 1e-8 + 1e-8 ... in float: summed in order from the first term, each small term is lost.
  const Index k = 5;
  std::vector<float> a{1.0f, 1e-8f, 1e-8f, 1e-8f, 1e-8f}, b(k, 1.0f);
  float c = 0.0f;
  mlp::gemm_reference<float>(Transpose::no, Transpose::no, 1, 1, k, a.data(), k, b.data(), 1, &c,
                             1);
  EXPECT_EQ(c, 1.0f);
}

// The chapter's arithmetic, term by term: each product rounded, then added, in index order (the
// product goes through a volatile so that no compiler flag can fuse it into the addition).
template <class Scalar>
Scalar naive_sum(Transpose ta, Transpose tb, const mlp::Matrix<Scalar>& A,
                 const mlp::Matrix<Scalar>& B, Index i, Index j, Index k) {
  Scalar s = 0;
  for (Index p = 0; p < k; ++p) {
    const Scalar a = ta == Transpose::no ? A(i, p) : A(p, i);
    const Scalar b = tb == Transpose::no ? B(p, j) : B(j, p);
    volatile Scalar product = a * b;
    s = p == 0 ? product : s + product;
  }
  return s;
}

template <class Scalar>
void check_reference_bits() {
  // Every width the reference loops block their columns by (16 and 8 floats, 8 doubles, the
  // tails 1 - 7), several rows, and sums long enough to round.
  for (Index n = 1; n <= 40; ++n)
    for (auto [ta, tb] :
         {std::pair{Transpose::no, Transpose::no}, std::pair{Transpose::yes, Transpose::no},
          std::pair{Transpose::no, Transpose::yes}}) {
      const Index m = 3, k = 37;
      const auto A =
          ta == Transpose::no ? random_matrix<Scalar>(m, k, 21) : random_matrix<Scalar>(k, m, 21);
      const auto B =
          tb == Transpose::no ? random_matrix<Scalar>(k, n, 22) : random_matrix<Scalar>(n, k, 22);
      mlp::Matrix<Scalar> C(m, n);
      mlp::gemm_reference<Scalar>(ta, tb, m, n, k, A.data(), A.cols(), B.data(), B.cols(), C.data(),
                                  n);
      for (Index i = 0; i < m; ++i)
        for (Index j = 0; j < n; ++j)
          ASSERT_EQ(C(i, j), naive_sum<Scalar>(ta, tb, A, B, i, j, k))
              << "C(" << i << ", " << j << ") of " << m << "x" << n << "x" << k;
    }
}

TEST(GemmKernels, ReferenceRoundsEachProductAndSumInIndexOrder) {
  check_reference_bits<float>();
  check_reference_bits<double>();
}

TEST(GemmKernels, ResultsDoNotDependOnTheThreadCount) {
  const int before = mlp::threads();
  for (auto [ta, tb] :
       {std::pair{Transpose::no, Transpose::no}, std::pair{Transpose::yes, Transpose::no},
        std::pair{Transpose::no, Transpose::yes}}) {
    const Index m = 300, n = 260, k = 700;
    const auto A =
        random_matrix<float>(ta == Transpose::no ? m : k, ta == Transpose::no ? k : m, 5);
    const auto B =
        random_matrix<float>(tb == Transpose::no ? k : n, tb == Transpose::no ? n : k, 6);
    mlp::Matrix<float> C1(m, n), C2(m, n), C3(m, n);
    mlp::set_threads(1);
    mlp::gemm<float>(ta, tb, m, n, k, A.data(), A.cols(), B.data(), B.cols(), C1.data(), n);
    mlp::set_threads(2);
    mlp::gemm<float>(ta, tb, m, n, k, A.data(), A.cols(), B.data(), B.cols(), C2.data(), n);
    mlp::set_threads(3);
    mlp::gemm<float>(ta, tb, m, n, k, A.data(), A.cols(), B.data(), B.cols(), C3.data(), n);
    EXPECT_EQ(C1, C2);
    EXPECT_EQ(C1, C3);
  }
  mlp::set_threads(before);
}

TEST(GemmKernels, FewRowsGiveTheSameValuesAsTheBlockedProduct) {
  // Batch-1 inference goes through its own kernel; a sample's output must not depend on it.
  const Index n = 100, k = 600;
  const auto X = random_matrix<float>(32, k, 7);
  const auto W = random_matrix<float>(k, n, 8);
  mlp::Matrix<float> all(32, n), one(1, n);
  mlp::gemm<float>(Transpose::no, Transpose::no, 32, n, k, X.data(), k, W.data(), n, all.data(), n);
  for (Index i = 0; i < 32; ++i) {
    mlp::gemm<float>(Transpose::no, Transpose::no, 1, n, k, X.row(i).data(), k, W.data(), n,
                     one.data(), n);
    ASSERT_EQ(one.row(0), all.row(i)) << "sample " << i;
  }
}

// ---- the Dense kernels -------------------------------------------------------------------------

template <class Scalar>
void check_dense(Index batch, Index n_in, Index n_out) {
  SCOPED_TRACE(testing::Message() << "batch " << batch << " n_in " << n_in << " n_out " << n_out);
  const auto X = random_matrix<Scalar>(batch, n_in, 11);
  const auto W = random_matrix<Scalar>(n_in, n_out, 12);
  const mlp::RowVector<Scalar> b = random_matrix<Scalar>(1, n_out, 13);
  const auto dZ = random_matrix<Scalar>(batch, n_out, 14);
  const auto A_prev = random_matrix<Scalar>(batch, n_in, 15);
  const double tol = tolerance<Scalar>(std::max({batch, n_in, n_out})) * 4.0 *
                     static_cast<double>(std::max({batch, n_in, n_out}));

  mlp::Matrix<Scalar> Z(batch, n_out), Z_ref(batch, n_out), A(batch, n_out), A_ref(batch, n_out);
  mlp::dense_forward<Scalar>(X, W, b, Z);
  mlp::reference::dense_forward<Scalar>(X, W, b, Z_ref);
  EXPECT_LE((Z - Z_ref).cwiseAbs().maxCoeff(), tol);
  mlp::dense_forward_relu<Scalar>(X, W, b, Z, A);
  mlp::reference::dense_forward_relu<Scalar>(X, W, b, Z_ref, A_ref);
  EXPECT_LE((Z - Z_ref).cwiseAbs().maxCoeff(), tol);
  EXPECT_LE((A - A_ref).cwiseAbs().maxCoeff(), tol);
  EXPECT_EQ(A, Z.cwiseMax(Scalar(0)));

  mlp::Matrix<Scalar> dW(n_in, n_out), dW_ref(n_in, n_out);
  mlp::RowVector<Scalar> db(n_out), db_ref(n_out);
  mlp::dense_backward_weights<Scalar>(X, dZ, dW, db);
  mlp::reference::dense_backward_weights<Scalar>(X, dZ, dW_ref, db_ref);
  EXPECT_LE((dW - dW_ref).cwiseAbs().maxCoeff(), tol);
  EXPECT_EQ(db, db_ref);  // both sum in sample order

  mlp::Matrix<Scalar> dX(batch, n_in), dX_ref(batch, n_in);
  mlp::dense_backward_input<Scalar>(dZ, W, dX);
  mlp::reference::dense_backward_input<Scalar>(dZ, W, dX_ref);
  EXPECT_LE((dX - dX_ref).cwiseAbs().maxCoeff(), tol);
  mlp::dense_backward_input_relu<Scalar>(dZ, W, A_prev, dX);
  mlp::reference::dense_backward_input_relu<Scalar>(dZ, W, A_prev, dX_ref);
  EXPECT_LE((dX - dX_ref).cwiseAbs().maxCoeff(), tol);
  for (Index i = 0; i < batch; ++i)
    for (Index k = 0; k < n_in; ++k)
      if (!(A_prev(i, k) > 0)) {
        EXPECT_EQ(dX(i, k), Scalar(0));
      }
}

TEST(DenseKernels, AgreeWithTheNaiveKernelsInFloatAndDouble) {
  for (auto [batch, n_in, n_out] : {std::tuple<Index, Index, Index>{1, 1, 1},
                                    {7, 13, 5},
                                    {13, 7, 1},
                                    {4, 2, 3},
                                    {33, 100, 17},
                                    {128, 784, 256},
                                    {1, 784, 256},
                                    {3, 257, 129},
                                    {70, 50, 300}}) {
    check_dense<float>(batch, n_in, n_out);
    check_dense<double>(batch, n_in, n_out);
  }
}

TEST(DenseKernels, TinyLayersUseTheNaiveArithmeticExactly) {
  // The chapter's 2-3-1 network: the optimised kernels take the reference loops, bit for bit.
  const auto X = random_matrix<double>(4, 2, 21);
  const auto W = random_matrix<double>(2, 3, 22);
  const mlp::RowVector<double> b = random_matrix<double>(1, 3, 23);
  mlp::Matrix<double> Z(4, 3), Z_ref(4, 3);
  mlp::dense_forward<double>(X, W, b, Z);
  mlp::reference::dense_forward<double>(X, W, b, Z_ref);
  EXPECT_EQ(Z, Z_ref);
}

TEST(DenseKernels, TrainingIsBitForBitTheSameOnOneAndTwoThreads) {
  const int before = mlp::threads();
  const auto X = random_matrix<float>(256, 300, 31);
  mlp::Matrix<float> Y = mlp::Matrix<float>::Zero(256, 10);
  for (Index i = 0; i < 256; ++i) Y(i, i % 10) = 1.0f;
  std::vector<mlp::Vector<float>> results;
  for (int threads : {1, 2}) {
    mlp::set_threads(threads);
    mlp::Sequential<float> net(300);
    net.add(200, mlp::Activation::relu)
        .add(100, mlp::Activation::tanh)
        .add(10, mlp::Activation::softmax);
    net.initialize(mlp::Initializer::he_uniform(), 3);
    net.compile(mlp::Loss::categorical_crossentropy, mlp::OptimizerSpec::adam(1e-3));
    mlp::FitOptions options;
    options.epochs = 2;
    options.batch_size = 64;
    net.fit(X, Y, options);
    results.push_back(net.parameters());
  }
  EXPECT_EQ(results[0], results[1]);
  mlp::set_threads(before);
}

}  // namespace
