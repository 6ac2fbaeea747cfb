// Sequential::fit against scikit-learn's MLP on fixed problems: the L2 penalty (alpha), sample
// weights, Nesterov's momentum, the invscaling and adaptive schedules, the convergence rule (tol,
// n_iter_no_change) and partial_fit. The reference numbers in tests/fixtures/sklearn_reference.json
// are the output of tests/golden/sklearn_reference.py (scikit-learn 1.9.1, NumPy 2.4): the same
// data, the same initial weights, no shuffling, minibatches of 10.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "mlp/nn/network.hpp"

namespace {

using mlp::Matrix;
using mlp::Vector;
using nlohmann::json;

const json& reference() {
  static const json j = [] {
    std::ifstream in(std::string(MLP_TEST_FIXTURES) + "/sklearn_reference.json");
    return json::parse(in);
  }();
  return j;
}

Matrix<double> matrix(const json& rows) {
  Matrix<double> M(static_cast<mlp::Index>(rows.size()), static_cast<mlp::Index>(rows[0].size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      M(static_cast<mlp::Index>(i), static_cast<mlp::Index>(j)) = rows[i][j].get<double>();
  return M;
}

Vector<double> vector(const json& values) {
  Vector<double> v(static_cast<mlp::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    v(static_cast<mlp::Index>(i)) = values[i].get<double>();
  return v;
}

// A case trained our way: the same network, weights and settings as scikit-learn's.
struct Trained {
  mlp::Sequential<double> net{3};
  mlp::History history;  // all epochs (partial_fit: one History per call, joined)
};

// scikit-learn's regressor minimises mean((a - y)^2) / 2, our mse mean((a - y)^2): twice the loss,
// so twice alpha and half the learning rate give the same updates, and a loss curve twice as high.
Trained train_like_sklearn(const json& c) {
  const json& ref = reference();
  const json& p = c["params"];
  const bool classifier = c["kind"] == "classifier";
  Trained t;
  t.net.add(5, mlp::Activation::tanh)
      .add(classifier ? 3 : 1, classifier ? mlp::Activation::softmax : mlp::Activation::identity);
  t.net.parameters() = vector(c["initial"]);
  const double scale = classifier ? 1.0 : 2.0;
  const double eta = p["learning_rate_init"].get<double>() / scale;
  const double mu = p["momentum"].get<double>();
  t.net.compile(classifier ? mlp::Loss::categorical_crossentropy : mlp::Loss::mse,
                mu > 0 ? mlp::OptimizerSpec::with_momentum(eta, mu, p["nesterovs_momentum"])
                       : mlp::OptimizerSpec::gradient_descent(eta));
  const Matrix<double> X = matrix(ref["X"]);
  Matrix<double> Y = Matrix<double>::Zero(X.rows(), classifier ? 3 : 1);
  for (mlp::Index i = 0; i < X.rows(); ++i) {
    if (classifier)
      Y(i, ref["labels"][static_cast<std::size_t>(i)].get<int>()) = 1.0;
    else
      Y(i, 0) = ref["target"][static_cast<std::size_t>(i)].get<double>();
  }
  mlp::FitOptions options;
  options.epochs = p["max_iter"];
  options.batch_size = 10;
  options.shuffle = false;
  options.l2 = scale * p["alpha"].get<double>();
  if (c["weighted"]) options.sample_weight = ref["sample_weight"].get<std::vector<double>>();
  options.schedule = mlp::schedule_from_string(p.value("learning_rate", "constant"));
  options.power_t = p.value("power_t", 0.5);
  options.tol = scale * p["tol"].get<double>();
  options.n_iter_no_change = p["n_iter_no_change"];
  const int partial_fits = c["partial_fits"];
  if (partial_fits == 0) {
    t.history = t.net.fit(X, Y, options);
    return t;
  }
  for (int call = 0; call < partial_fits; ++call) {
    const mlp::History h = t.net.partial_fit(X, Y, options);
    t.history.loss.insert(t.history.loss.end(), h.loss.begin(), h.loss.end());
  }
  return t;
}

void expect_like_sklearn(const std::string& name, double tolerance = 1e-11) {
  SCOPED_TRACE(name);
  const json& c = reference()["cases"][name];
  const Trained t = train_like_sklearn(c);
  const double scale = c["kind"] == "classifier" ? 1.0 : 2.0;
  const auto curve = c["loss_curve"].get<std::vector<double>>();
  ASSERT_EQ(t.history.loss.size(), curve.size());  // scikit-learn's n_iter_ (summed over calls)
  for (std::size_t e = 0; e < curve.size(); ++e)
    EXPECT_NEAR(t.history.loss[e], scale * curve[e], tolerance * scale * curve[e]) << "epoch " << e;
  const Vector<double> expected = vector(c["final"]);
  ASSERT_EQ(t.net.parameters().size(), expected.size());
  const double error = (t.net.parameters() - expected).cwiseAbs().maxCoeff();
  EXPECT_LT(error, tolerance) << "largest parameter difference";
  // The samples seen: scikit-learn's t_.
  EXPECT_EQ(t.net.training_state().samples_seen, c["t"].get<std::int64_t>());
}

TEST(SklearnReference, L2PenaltyIsAlpha) {
  expect_like_sklearn("l2");
}
TEST(SklearnReference, SampleWeightsAndL2) {
  expect_like_sklearn("sample_weight");
}
TEST(SklearnReference, NesterovMomentum) {
  expect_like_sklearn("nesterov");
}
TEST(SklearnReference, InvscalingSchedule) {
  expect_like_sklearn("invscaling");
}
TEST(SklearnReference, AdaptiveScheduleDividesByFiveOnAPlateau) {
  expect_like_sklearn("adaptive");
}
TEST(SklearnReference, TolStopsAfterNIterNoChangePlusOneEpochs) {
  expect_like_sklearn("tol_stop");
}
TEST(SklearnReference, PartialFitKeepsTheOptimizerState) {
  expect_like_sklearn("partial_fit");
}
TEST(SklearnReference, WeightedRegressionWithL2) {
  expect_like_sklearn("regression");
}

// The fixture is not trivially satisfied: the cases differ from each other and from the start.
TEST(SklearnReference, CasesMoveTheWeights) {
  const json& cases = reference()["cases"];
  const Vector<double> l2 = vector(cases["l2"]["final"]);
  EXPECT_GT((l2 - vector(cases["l2"]["initial"])).norm(), 0.1);
  EXPECT_GT((l2 - vector(cases["sample_weight"]["final"])).norm(), 1e-3);
  EXPECT_GT((vector(cases["nesterov"]["final"]) - vector(cases["l2"]["final"])).norm(), 1e-3);
  EXPECT_LT(cases["tol_stop"]["n_iter"].get<int>(), cases["tol_stop"]["params"]["max_iter"]);
}

}  // namespace
