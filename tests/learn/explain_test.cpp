// mlp::explain_step: every number it shows is the library's own -- its gradients and updated
// weights equal what Sequential::compute_gradients and one epoch of Sequential::fit give -- and
// the chain-rule factors it shows multiply to those gradients. The chapter's 2-3-1 network is
// also recomputed here with the chapter's formulas written out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mlp/core/error.hpp"
#include "mlp/learn/explain.hpp"
#include "mlp/nn/network.hpp"

namespace {

using mlp::Activation;
using mlp::Index;
using mlp::Loss;
using mlp::Matrix;
using mlp::RowVector;

mlp::Sequential<double> network(Index inputs, std::initializer_list<Index> hidden,
                                Activation hidden_activation, Index outputs,
                                Activation output_activation, Loss loss,
                                const mlp::Initializer& init, std::uint64_t seed) {
  mlp::Sequential<double> net(inputs);
  for (Index units : hidden) net.add(units, hidden_activation);
  net.add(outputs, output_activation);
  net.initialize(init, seed);
  net.compile(loss, mlp::OptimizerSpec::adam());  // explain uses gradient descent whatever this is
  return net;
}

mlp::Sequential<double> chapter_network() {
  return network(2, {3}, Activation::sigmoid, 1, Activation::sigmoid, Loss::sse,
                 mlp::Initializer::uniform(0.0, 1.0), 0);
}

RowVector<double> row(std::initializer_list<double> values) {
  RowVector<double> v(static_cast<Index>(values.size()));
  Index i = 0;
  for (double value : values) v(i++) = value;
  return v;
}

// The checks every explanation must pass, whatever the network.
void expect_library_numbers(const mlp::Sequential<double>& net, const RowVector<double>& x,
                            const RowVector<double>& y, double eta) {
  const mlp::Explanation e = mlp::explain_step(net, x, y, eta);
  ASSERT_EQ(e.layers.size(), net.layers().size());
  const Matrix<double> X = x, Y = y;

  // Gradients: what compute_gradients gives, bit for bit.
  mlp::Sequential<double> reference = net;
  mlp::Workspace<double> ws;
  const double E = reference.compute_gradients(X, Y, ws);
  EXPECT_EQ(e.error, E);

  // New weights: one epoch of full-batch gradient descent with fit, on this one example.
  mlp::Sequential<double> stepped = net;
  stepped.compile(net.loss(), mlp::OptimizerSpec::gradient_descent(eta));
  mlp::FitOptions options;
  options.epochs = 1;
  stepped.fit(X, Y, options);

  for (std::size_t l = 0; l < e.layers.size(); ++l) {
    const mlp::ExplainedLayer& L = e.layers[l];
    SCOPED_TRACE("layer " + L.label);
    EXPECT_EQ(L.W, Matrix<double>(net.weights(l)));
    EXPECT_EQ(L.b, RowVector<double>(net.bias(l)));
    EXPECT_EQ(L.dE_dW, Matrix<double>(reference.weight_gradients(l)));
    EXPECT_EQ(L.dE_db, RowVector<double>(reference.bias_gradients(l)));
    EXPECT_EQ(L.W_new, Matrix<double>(stepped.weights(l)));
    EXPECT_EQ(L.b_new, RowVector<double>(stepped.bias(l)));
    EXPECT_EQ(L.z, RowVector<double>(ws.Z(l, 1)));
    EXPECT_EQ(L.a, RowVector<double>(ws.A(l, 1)));
    EXPECT_EQ(L.dE_dz, RowVector<double>(ws.dZ(l, 1)));

    // The update as printed: w - eta dE/dw is exactly the new weight.
    EXPECT_EQ(Matrix<double>(L.W - eta * L.dE_dW), L.W_new);
    EXPECT_EQ(RowVector<double>(L.b - eta * L.dE_db), L.b_new);
    // The last factor of the chain rule: dz_j/dw_jk = input_k, dz_j/db_j = 1 (one example, so
    // each gradient is one product).
    const RowVector<double> input = l == 0 ? x : e.layers[l - 1].a;
    EXPECT_EQ(L.input, input);
    for (Index k = 0; k < L.W.rows(); ++k)
      for (Index j = 0; j < L.W.cols(); ++j) EXPECT_EQ(L.dE_dW(k, j), input(k) * L.dE_dz(j));
    EXPECT_EQ(L.dE_db, L.dE_dz);
    // The first factors: dE/dz = dE/da * da/dz, to rounding.
    if (L.activation != Activation::softmax) {
      for (Index j = 0; j < L.dE_dz.size(); ++j)
        EXPECT_NEAR(L.dE_da(j) * L.da_dz(j), L.dE_dz(j), 1e-14 * (1 + std::abs(L.dE_dz(j))));
    }
    // The hidden layers' sum over the next layer's units.
    if (l + 1 < e.layers.size()) {
      const mlp::ExplainedLayer& N = e.layers[l + 1];
      for (Index k = 0; k < L.dE_da.size(); ++k) {
        double sum = 0;
        for (Index j = 0; j < N.dE_dz.size(); ++j) {
          EXPECT_EQ(L.dE_da_terms(k, j), N.dE_dz(j) * N.W(k, j));
          sum += L.dE_da_terms(k, j);
        }
        EXPECT_NEAR(L.dE_da(k), sum, 1e-15 * (1 + std::abs(sum)));
      }
    }
  }
}

TEST(Explain, ChaptersNetworkIsTheLibrarysOwnStep) {
  expect_library_numbers(chapter_network(), row({1, 1}), row({0}), 0.1);
  expect_library_numbers(chapter_network(), row({0, 1}), row({1}), 0.5);
}

TEST(Explain, ChaptersFormulasWrittenOutByHandGiveTheSameNumbers) {
  const auto net = chapter_network();
  const RowVector<double> x = row({1, 0});
  const double y = 1, eta = 0.1;
  const mlp::Explanation e = mlp::explain_step(net, x, row({y}), eta);
  const auto W1 = net.weights(0);  // (2, 3): w_ki(L-1) is W1(i, k)
  const auto b1 = net.bias(0);
  const auto W2 = net.weights(1);  // (3, 1): w_jk(L) is W2(k, j)
  const double b2 = net.bias(1)(0);
  auto sigma = [](double z) { return 1 / (1 + std::exp(-z)); };
  const double tol = 1e-14;

  double a1[3], z2 = b2;
  for (int k = 0; k < 3; ++k) {
    const double z1 = b1(k) + x(0) * W1(0, k) + x(1) * W1(1, k);  // z_k = b + sum_i x_i w_ki
    EXPECT_NEAR(e.layers[0].z(k), z1, tol);
    a1[k] = sigma(z1);
    EXPECT_NEAR(e.layers[0].a(k), a1[k], tol);
    z2 += a1[k] * W2(k, 0);
  }
  const double a2 = sigma(z2);
  EXPECT_NEAR(e.layers[1].a(0), a2, tol);
  EXPECT_NEAR(e.error, 0.5 * (a2 - y) * (a2 - y), tol);  // E = 1/2 (a - y)^2

  // dE/dw_jk(L) = (a(L) - y) a(L) (1 - a(L)) a_k(L-1)
  const double delta2 = (a2 - y) * a2 * (1 - a2);
  EXPECT_NEAR(e.layers[1].dE_da(0), a2 - y, tol);
  EXPECT_NEAR(e.layers[1].da_dz(0), a2 * (1 - a2), tol);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(e.layers[1].dE_dW(k, 0), delta2 * a1[k], tol);
    EXPECT_NEAR(e.layers[1].W_new(k, 0), W2(k, 0) - eta * delta2 * a1[k], tol);
  }
  EXPECT_NEAR(e.layers[1].dE_db(0), delta2, tol);
  // dE/dw_ki(L-1) = (a(L) - y) a(L) (1 - a(L)) w_jk(L) a_k(L-1) (1 - a_k(L-1)) x_i
  for (int k = 0; k < 3; ++k) {
    const double delta1 = delta2 * W2(k, 0) * a1[k] * (1 - a1[k]);
    EXPECT_NEAR(e.layers[0].dE_da(k), delta2 * W2(k, 0), tol);
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(e.layers[0].dE_dW(i, k), delta1 * x(i), tol);
      EXPECT_NEAR(e.layers[0].W_new(i, k), W1(i, k) - eta * delta1 * x(i), tol);
    }
    EXPECT_NEAR(e.layers[0].dE_db(k), delta1, tol);
  }
}

TEST(Explain, OtherActivationsLossesAndDepthsAreTheLibrarysOwnStep) {
  const auto glorot = mlp::Initializer::glorot_uniform();
  expect_library_numbers(network(3, {4, 3}, Activation::tanh, 2, Activation::sigmoid, Loss::mse,
                                 mlp::Initializer::normal(0, 0.8), 4),
                         row({0.5, -1, 2}), row({1, 0}), 0.3);
  expect_library_numbers(network(2, {5}, Activation::relu, 1, Activation::identity, Loss::mse,
                                 mlp::Initializer::he_uniform(), 2),
                         row({1.5, -0.5}), row({0.7}), 0.05);
  expect_library_numbers(network(4, {3}, Activation::sigmoid, 3, Activation::softmax,
                                 Loss::categorical_crossentropy, glorot, 9),
                         row({0.1, 0.2, -0.3, 0.4}), row({0, 0, 1}), 1.0);
  expect_library_numbers(network(2, {2, 2, 2}, Activation::sigmoid, 1, Activation::sigmoid,
                                 Loss::binary_crossentropy, mlp::Initializer::uniform(-1, 1), 5),
                         row({1, 0}), row({1}), 0.1);
  expect_library_numbers(network(2, {}, Activation::sigmoid, 1, Activation::sigmoid, Loss::sse,
                                 mlp::Initializer::uniform(0, 1), 0),
                         row({1, 1}), row({0}), 0.1);
}

TEST(Explain, FusedOutputsSayTheFactorsSimplify) {
  const auto net = network(2, {3}, Activation::sigmoid, 1, Activation::sigmoid,
                           Loss::binary_crossentropy, mlp::Initializer::uniform(0, 1), 1);
  const auto e = mlp::explain_step(net, row({1, 1}), row({0}), 0.1);
  EXPECT_TRUE(e.fused_output);
  const auto& L = e.layers.back();
  EXPECT_DOUBLE_EQ(L.dE_dz(0), L.a(0) - 0.0);  // (a - y) / N with N = 1
  EXPECT_NE(mlp::explanation_text(e).find("simplify"), std::string::npos);
}

TEST(Explain, TextShowsTheChaptersNotationWithTheNumbers) {
  const auto e = mlp::explain_step(chapter_network(), row({1, 1}), row({0}), 0.1);
  const std::string text = mlp::explanation_text(e);
  for (const char* part :
       {"1. Forward pass", "2. Error", "3. Backward pass", "4. Update", "z_1(L-1) = b_1(L-1) + ",
        "a_1(L) = sigmoid(z_1(L)) = ", "E = 1/2 sum_j (a_j(L) - y_j)^2 = ",
        "dE/da_1(L) = a_1(L) - y_1 = ", "da_1(L)/dz_1(L) = a_1(L) (1 - a_1(L)) = ",
        "dE/dz_1(L) = dE/da_1(L) * da_1(L)/dz_1(L) = ", "dz_1(L)/dw_1k(L) = a_k(L-1)",
        "dE/da_2(L-1) = sum_j dE/dz_j(L) w_j2(L) = ", "dE/dw_31(L-1) = dE/dz_3(L-1) * x_1 = ",
        "w_13(L) = ", "b_3(L-1) = "})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  // The numbers printed are the library's, to 6 digits.
  char error[64];
  std::snprintf(error, sizeof error, "= %.6g\n", e.error);
  EXPECT_NE(text.find(error), std::string::npos) << text;
  char weight[64];
  std::snprintf(weight, sizeof weight, "= %.6g\n", e.layers[1].W_new(2, 0));
  EXPECT_NE(text.find(std::string("w_13(L) = ")), std::string::npos);
  EXPECT_NE(text.find(weight), std::string::npos) << text;
}

TEST(Explain, MarkdownIsTables) {
  const auto e = mlp::explain_step(chapter_network(), row({1, 1}), row({0}), 0.1);
  const std::string md = mlp::explanation_markdown(e, 4);
  for (const char* part : {"## One training step", "### 1. Forward pass",
                           "| layer | unit | z = b + Σ input × w | z | a = f(z) |",
                           "### 3. Backward pass: the chain rule",
                           "| w<sub>11</sub><sup>(L)</sup> |", "|---|---|---|---|---|"})
    EXPECT_NE(md.find(part), std::string::npos) << part << "\n" << md;
  // 3 + 1 forward rows, 4 chain-rule rows, 9 + 4 parameter rows, 3 separators.
  std::size_t rows = 0;
  for (std::size_t at = md.find("\n|"); at != std::string::npos; at = md.find("\n|", at + 1))
    ++rows;
  EXPECT_EQ(rows, 3u + (4 + 1) + (4 + 1) + (13 + 1));
}

TEST(Explain, BadInputThrows) {
  const auto net = chapter_network();
  EXPECT_THROW(mlp::explain_step(net, row({1, 1, 1}), row({0}), 0.1), mlp::InvalidArgument);
  EXPECT_THROW(mlp::explain_step(net, row({1, 1}), row({0, 1}), 0.1), mlp::InvalidArgument);
  EXPECT_THROW(mlp::explain_step(net, row({1, 1}), row({0}), 0.0), mlp::InvalidArgument);
  EXPECT_THROW(mlp::explain_step(mlp::Sequential<double>(2), row({1, 1}), row({0}), 0.1),
               mlp::InvalidArgument);
}

}  // namespace
