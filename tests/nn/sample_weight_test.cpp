// Sample weights and the L2 penalty (loss.hpp's LossTerms): what they mean, checked against the
// definitions rather than against numbers: whole-number weights are duplicated samples, a
// common factor changes nothing, and the penalty is l2 / (2 S) times the squared weights.
#include <gtest/gtest.h>

#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/core/random.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Activation;
using mlp::Loss;
using mlp::Matrix;

struct Data {
  Matrix<double> X{6, 3}, Y{6, 2};
  Data() {
    mlp::Random rng(3);
    for (mlp::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.uniform(-1.0, 1.0);
    Y.setZero();
    for (mlp::Index i = 0; i < Y.rows(); ++i) Y(i, static_cast<mlp::Index>(rng.below(2))) = 1.0;
  }
};

mlp::Sequential<double> network(Loss loss, Activation output) {
  mlp::Sequential<double> net(3);
  net.add(4, Activation::tanh).add(2, output);
  net.initialize(mlp::Initializer::normal(0.0, 0.5), 9);
  net.compile(loss, mlp::OptimizerSpec::gradient_descent(0.1));
  return net;
}

// Each row i repeated counts[i] times.
Matrix<double> repeated(const Matrix<double>& M, const std::vector<int>& counts) {
  Matrix<double> out(0, M.cols());
  for (mlp::Index i = 0; i < M.rows(); ++i)
    for (int k = 0; k < counts[static_cast<std::size_t>(i)]; ++k) {
      out.conservativeResize(out.rows() + 1, Eigen::NoChange);
      out.row(out.rows() - 1) = M.row(i);
    }
  return out;
}

TEST(SampleWeight, WholeNumberWeightsAreRepeatedSamplesForEveryMeanLoss) {
  const Data d;
  const std::vector<int> counts{1, 3, 0, 2, 1, 2};
  const std::vector<double> weights(counts.begin(), counts.end());
  for (auto [loss, output] : {std::pair{Loss::mse, Activation::identity},
                              std::pair{Loss::binary_crossentropy, Activation::sigmoid},
                              std::pair{Loss::categorical_crossentropy, Activation::softmax}}) {
    SCOPED_TRACE(std::string(mlp::to_string(loss)));
    auto weighted = network(loss, output);
    auto copies = network(loss, output);
    mlp::Workspace<double> ws;
    const double E_weighted = weighted.compute_gradients(d.X, d.Y, ws, {weights, 0.3});
    const double E_copies =
        copies.compute_gradients(repeated(d.X, counts), repeated(d.Y, counts), ws, {{}, 0.3});
    EXPECT_NEAR(E_weighted, E_copies, 1e-14);
    EXPECT_LT((weighted.gradients() - copies.gradients()).cwiseAbs().maxCoeff(), 1e-14);
  }
}

TEST(SampleWeight, ACommonFactorChangesOnlyThePenaltysShare) {
  const Data d;
  const std::vector<double> w{0.5, 1.0, 2.0, 0.0, 1.5, 1.0}, w10{5, 10, 20, 0, 15, 10};
  auto a = network(Loss::mse, Activation::identity), b = a;
  mlp::Workspace<double> ws;
  // Without the penalty, weights are relative: multiplying them all changes nothing.
  EXPECT_NEAR(a.compute_gradients(d.X, d.Y, ws, {w, 0.0}),
              b.compute_gradients(d.X, d.Y, ws, {w10, 0.0}), 1e-15);
  EXPECT_LT((a.gradients() - b.gradients()).cwiseAbs().maxCoeff(), 1e-15);
  // With it, S grows tenfold and the penalty shrinks tenfold, as in scikit-learn.
  const double E = a.compute_gradients(d.X, d.Y, ws, {w, 0.0});
  const double squares = [&] {
    double sum = 0;
    for (std::size_t l = 0; l < a.layers().size(); ++l) sum += a.weights(l).squaredNorm();
    return sum;
  }();
  EXPECT_NEAR(a.compute_gradients(d.X, d.Y, ws, {w, 2.0}), E + 2.0 / (2 * 6.0) * squares, 1e-14);
  EXPECT_NEAR(b.compute_gradients(d.X, d.Y, ws, {w10, 2.0}), E + 2.0 / (2 * 60.0) * squares, 1e-14);
}

TEST(SampleWeight, BadWeightsAreRefusedWithTheirPosition) {
  const Data d;
  auto net = network(Loss::mse, Activation::identity);
  mlp::Workspace<double> ws;
  auto message = [&](std::vector<double> w, double l2) {
    try {
      net.compute_gradients(d.X, d.Y, ws, {w, l2});
    } catch (const mlp::InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({1, 1, 1}, 0).find("3 sample weights for 6 samples"), std::string::npos);
  EXPECT_NE(message({1, 1, -1, 1, 1, 1}, 0).find("sample weight 3 is -1"), std::string::npos);
  EXPECT_NE(message({1, 1, 1, 1, 1, std::nan("")}, 0).find("sample weight 6"), std::string::npos);
  EXPECT_NE(message({0, 0, 0, 0, 0, 0}, 0).find("every sample weight is 0"), std::string::npos);
  EXPECT_NE(message({}, -1).find("L2 penalty"), std::string::npos);
}

// In fit, a batch whose weights are all 0 is skipped, and zero-weight samples teach nothing.
TEST(SampleWeight, FitIgnoresZeroWeightSamples) {
  const Data d;
  std::vector<double> w{1, 1, 1, 0, 0, 0};
  auto weighted = network(Loss::mse, Activation::identity);
  auto first_half = weighted;
  mlp::FitOptions options;
  options.epochs = 3;
  options.batch_size = 3;
  options.shuffle = false;
  options.sample_weight = w;
  weighted.fit(d.X, d.Y, options);
  mlp::FitOptions plain = options;
  plain.sample_weight.clear();
  first_half.fit(d.X.topRows(3), d.Y.topRows(3), plain);
  EXPECT_EQ(weighted.parameters(), first_half.parameters());
}

}  // namespace
