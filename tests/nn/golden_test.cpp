// The chapter's 2-3-1 XOR network against values computed independently in NumPy
// (tests/golden/xor_reference.py, output committed as tests/fixtures/xor_reference.json).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "mlp/nn/network.hpp"

namespace {

using mlp::Matrix;

nlohmann::json load_fixture() {
  std::ifstream in(std::string(MLP_TEST_FIXTURES) + "/xor_reference.json");
  EXPECT_TRUE(in.good()) << "missing fixture xor_reference.json";
  return nlohmann::json::parse(in);
}

Matrix<double> to_matrix(const nlohmann::json& rows) {
  Matrix<double> m(static_cast<mlp::Index>(rows.size()), static_cast<mlp::Index>(rows[0].size()));
  for (mlp::Index i = 0; i < m.rows(); ++i)
    for (mlp::Index j = 0; j < m.cols(); ++j) m(i, j) = rows[i][j].get<double>();
  return m;
}

// Largest |a - b| / max(|b|, 1e-300) over the entries.
double max_relative_error(const Eigen::Ref<const Matrix<double>>& a, const Matrix<double>& b) {
  EXPECT_EQ(a.rows(), b.rows());
  EXPECT_EQ(a.cols(), b.cols());
  double worst = 0.0;
  for (mlp::Index i = 0; i < b.rows(); ++i)
    for (mlp::Index j = 0; j < b.cols(); ++j)
      worst = std::max(worst, std::abs(a(i, j) - b(i, j)) / std::max(std::abs(b(i, j)), 1e-300));
  return worst;
}

mlp::Sequential<double> chapter_network(const nlohmann::json& params) {
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  net.weights(0) = to_matrix(params["W1"]);
  net.bias(0) = to_matrix(params["b1"]);
  net.weights(1) = to_matrix(params["W2"]);
  net.bias(1) = to_matrix(params["b2"]);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  return net;
}

TEST(GoldenXor, ForwardErrorAndGradientsEqualNumPy) {
  const auto fx = load_fixture();
  auto net = chapter_network(fx["initial"]);
  const Matrix<double> X = to_matrix(fx["X"]);
  const Matrix<double> y = to_matrix(fx["y"]);

  mlp::Workspace<double> ws;
  const double E = net.compute_gradients(X, y, ws);
  EXPECT_LT(max_relative_error(ws.Z(0, 4), to_matrix(fx["forward"]["Z1"])), 1e-14);
  EXPECT_LT(max_relative_error(ws.A(0, 4), to_matrix(fx["forward"]["A1"])), 1e-14);
  EXPECT_LT(max_relative_error(ws.Z(1, 4), to_matrix(fx["forward"]["Z2"])), 1e-14);
  EXPECT_LT(max_relative_error(ws.A(1, 4), to_matrix(fx["forward"]["A2"])), 1e-14);
  EXPECT_NEAR(E, fx["E"].get<double>(), 1e-15);
  EXPECT_NEAR(mlp::loss_report<double>(mlp::Loss::sse, ws.A(1, 4), y), fx["error"].get<double>(),
              1e-15);

  const auto& g = fx["gradients"];
  EXPECT_LT(max_relative_error(net.weight_gradients(0), to_matrix(g["W1"])), 1e-12);
  EXPECT_LT(max_relative_error(net.bias_gradients(0), to_matrix(g["b1"])), 1e-12);
  EXPECT_LT(max_relative_error(net.weight_gradients(1), to_matrix(g["W2"])), 1e-12);
  EXPECT_LT(max_relative_error(net.bias_gradients(1), to_matrix(g["b2"])), 1e-12);
}

TEST(GoldenXor, FiveThousandIterationsEqualNumPy) {
  const auto fx = load_fixture();
  auto net = chapter_network(fx["initial"]);
  const Matrix<double> X = to_matrix(fx["X"]);
  const Matrix<double> y = to_matrix(fx["y"]);

  mlp::FitOptions options;
  options.epochs = fx["iterations"].get<int>();
  const mlp::History history = net.fit(X, y, options);

  const auto& t = fx["trained"];
  EXPECT_LT(max_relative_error(net.weights(0), to_matrix(t["W1"])), 1e-12);
  EXPECT_LT(max_relative_error(net.bias(0), to_matrix(t["b1"])), 1e-12);
  EXPECT_LT(max_relative_error(net.weights(1), to_matrix(t["W2"])), 1e-12);
  EXPECT_LT(max_relative_error(net.bias(1), to_matrix(t["b2"])), 1e-12);
  ASSERT_EQ(history.loss.size(), 5000u);
  for (const auto& [iteration, error] : t["errors_at"].items()) {
    EXPECT_NEAR(history.loss[std::stoul(iteration)], error.get<double>(),
                1e-12 * error.get<double>())
        << "iteration " << iteration;
  }
  EXPECT_LT(max_relative_error(net.predict_proba(X), to_matrix(t["A2"])), 1e-12);
  EXPECT_EQ(net.predict(X), y);  // this start solves XOR
}

}  // namespace
