"""mlp.MLPClassifier and mlp.MLPRegressor as drop-ins for scikit-learn's: parameters, fitted
attributes, solvers, stopping rules, and the results next to scikit-learn's own."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from mlp import MLPClassifier, MLPRegressor

PAIRS = [(MLPClassifier, neural_network.MLPClassifier), (MLPRegressor, neural_network.MLPRegressor)]
OURS = {"init": "sklearn", "dtype": "float32", "n_threads": None}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_every_scikit_learn_parameter_with_the_same_default(ours, theirs):
    mine = inspect.signature(ours).parameters
    for name, parameter in inspect.signature(theirs).parameters.items():
        assert name in mine, name
        assert mine[name].default == parameter.default, name
        assert mine[name].kind == parameter.kind, name
    extra = dict(OURS, **({"class_weight": None, "loss": "log_loss"} if ours is MLPClassifier else {}))
    assert {n: p.default for n, p in mine.items() if n not in inspect.signature(theirs).parameters} == extra


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_initial_weights_are_scikit_learns_for_the_same_random_state(ours, theirs):
    X, y = load_iris(return_X_y=True)
    settings = dict(hidden_layer_sizes=(7, 5), max_iter=1, learning_rate_init=1e-9, random_state=3,
                    alpha=0.0, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = ours(dtype="float64", **settings).fit(X, y)
        b = theirs(**settings).fit(X, y)
    for mine, theirs_ in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_allclose(mine, theirs_, atol=1e-7)


def test_classifier_fitted_attributes(iris):
    X_train, X_test, y_train, y_test = iris
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=300, random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 4 and clf.n_layers_ == 4 and clf.n_outputs_ == 3
    assert clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(4, 16), (16, 8), (8, 3)]
    assert [b.shape for b in clf.intercepts_] == [(16,), (8,), (3,)]
    assert len(clf.loss_curve_) == clf.n_iter_ and clf.loss_ == clf.loss_curve_[-1]
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.t_ == clf.n_iter_ * len(X_train)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    proba = clf.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(clf.predict_log_proba(X_test), np.log(proba), rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X_test, y_test) >= 0.75  # scikit-learn's scores 0.78 with these settings


FULL_BATCH = {
    "adam": dict(),
    "adam, alpha": dict(alpha=0.1),
    "sgd, nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "sgd, momentum": dict(solver="sgd", learning_rate_init=0.05, nesterovs_momentum=False),
    "sgd, no momentum": dict(solver="sgd", learning_rate_init=0.1, momentum=0.0),
    "sgd, invscaling": dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.5, alpha=0.01),
    "sgd, adaptive": dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.05, tol=1e-3,
                          n_iter_no_change=2),
    "tanh": dict(activation="tanh"),
    "logistic": dict(activation="logistic", learning_rate_init=0.01),
    "sample_weight": dict(sample_weight=True),
}


def _full_batch_pair(task, settings):
    """The same full-batch problem (one minibatch: no shuffling) for mlp and scikit-learn."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    if task == "multiclass":
        y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    elif task == "binary":
        y = np.where(X[:, 0] + X[:, 2] > 0, "yes", "no")
    elif task == "multilabel":
        y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] + X[:, 3] > 0]).astype(int)
    elif task == "regression":
        y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=120)
    elif task == "poisson regression":  # counts with a log-linear rate
        y = rng.poisson(np.exp(0.5 * X[:, 0] - 0.3 * X[:, 1])).astype(float)
    elif task == "multi-output poisson regression":
        y = rng.poisson(np.exp(np.column_stack([0.5 * X[:, 0], -0.4 * X[:, 2]]))).astype(float)
    else:  # multi-output regression
        y = np.column_stack([X[:, 0] - X[:, 1], X[:, 2] * 0.5])
    settings = dict(settings)
    weights = rng.uniform(0.2, 2.0, size=120) if settings.pop("sample_weight", False) else None
    settings = dict(dict(hidden_layer_sizes=(12, 6), max_iter=60, batch_size=500, random_state=1),
                    **settings)
    if "poisson" in task:
        # At invscaling's 0.5 the exponential output overflows on these counts: scikit-learn's loss
        # turns NaN at epoch 9 and it trains on, the library stops with a DivergenceError
        # (docs/python.md). Both follow the same steps at a tenth of the rate.
        settings["loss"] = "poisson"
        settings["learning_rate_init"] = min(settings.get("learning_rate_init", 0.001), 0.05)
    ours = (MLPRegressor if "regression" in task else MLPClassifier)(dtype="float64", **settings)
    theirs = (neural_network.MLPRegressor if "regression" in task else neural_network.MLPClassifier)(**settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ours.fit(X, y, sample_weight=weights), theirs.fit(X, y, sample_weight=weights), X


@pytest.mark.parametrize("task", ["multiclass", "binary", "multilabel", "regression", "multi-output regression",
                                  "poisson regression", "multi-output poisson regression"])
@pytest.mark.parametrize("name", list(FULL_BATCH))
def test_full_batch_training_follows_scikit_learn_step_by_step(task, name):
    ours, theirs, X = _full_batch_pair(task, FULL_BATCH[name])
    assert ours.n_iter_ == theirs.n_iter_
    # The library's Adam adds epsilon after the bias correction (Kingma and Ba's algorithm),
    # scikit-learn's before, so that a weight whose gradient is as small as epsilon moves
    # differently (by at most the learning rate per step); SGD's steps differ only by rounding.
    # A wrong scale of the loss, the penalty or the learning rate would differ by percents.
    adam = FULL_BATCH[name].get("solver", "adam") == "adam"
    rtol, atol = (1e-3, 0.02) if adam else (1e-4, 1e-6)
    # With several regression outputs the penalty's share of loss_curve_ is estimated from the
    # weights at the epoch's end (docs/python.md): the curve, not the training, differs slightly.
    penalised = task == "multi-output regression" and "alpha" in FULL_BATCH[name]
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-3 if penalised else rtol)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=rtol, atol=atol)
    if hasattr(theirs, "predict_proba"):
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=rtol, atol=atol / 10)


def test_accuracy_and_loss_curve_close_to_scikit_learns_on_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.3, random_state=0)
    settings = dict(random_state=0, max_iter=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**settings).fit(X_train, y_train)
        theirs = neural_network.MLPClassifier(**settings).fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.02
    # the first epoch starts from the same weights; the curves then stay close
    np.testing.assert_allclose(ours.loss_curve_[:5], theirs.loss_curve_[:5], rtol=0.1)


def test_binary_and_string_labels(iris):
    X_train, _, y_train, _ = iris
    labels = np.where(y_train == 0, "setosa", "other")
    clf = MLPClassifier(max_iter=100, random_state=0).fit(X_train, labels)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert clf.predict_proba(X_train).shape == (len(X_train), 2)
    assert set(clf.predict(X_train)) <= {"setosa", "other"}
    assert clf.score(X_train, labels) >= 0.95


def test_multilabel_classification():
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    assert clf.predict(X).shape == (200, 4) and clf.predict_proba(X).shape == (200, 4)
    assert clf.score(X, Y) > 0.5


def test_multi_output_regression():
    X, Y = make_regression(n_samples=300, n_features=5, n_targets=3, noise=1.0, random_state=0)
    Y = Y / Y.std()
    reg = MLPRegressor(hidden_layer_sizes=(32,), max_iter=500, random_state=0, learning_rate_init=0.01)
    reg.fit(X, Y)
    assert reg.out_activation_ == "identity" and reg.n_outputs_ == 3
    assert reg.predict(X).shape == (300, 3)
    assert reg.score(X, Y) > 0.95


def test_poisson_regression_learns_counts_and_refuses_negative_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    rate = np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1])
    y = rng.poisson(rate).astype(float)
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
    assert reg.out_activation_ == "exp"
    predicted = reg.predict(X)
    assert np.all(predicted > 0)
    # close to the true rate: the mean Poisson deviance near the true rate's, far below a constant's
    from sklearn.metrics import mean_poisson_deviance
    assert mean_poisson_deviance(y, predicted) < 1.1 * mean_poisson_deviance(y, rate)
    assert mean_poisson_deviance(y, predicted) < 0.7 * mean_poisson_deviance(y, np.full_like(y, y.mean()))
    with pytest.raises(ValueError, match="needs targets y >= 0"):
        MLPRegressor(loss="poisson").fit(X, y - 1)
    with pytest.raises(ValueError, match="'squared_error' or 'poisson'"):
        MLPRegressor(loss="huber").fit(X, y)


@pytest.mark.parametrize("solver", ["adam", "sgd", "gd", "lbfgs"])
def test_every_solver_learns_iris(iris, solver):
    X_train, X_test, y_train, y_test = iris
    settings = {"gd": dict(learning_rate_init=0.5, max_iter=500), "sgd": dict(learning_rate_init=0.1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(solver=solver, random_state=0, **settings.get(solver, {})).fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.9
    assert clf.n_iter_ >= 1 and np.isfinite(clf.loss_)


def test_lbfgs_close_to_scikit_learns():
    X, y = make_regression(n_samples=200, n_features=4, noise=0.5, random_state=1)
    y = y / y.std()
    settings = dict(solver="lbfgs", hidden_layer_sizes=(10,), random_state=0, max_iter=300)
    ours = MLPRegressor(dtype="float64", **settings).fit(X, y)
    theirs = neural_network.MLPRegressor(**settings).fit(X, y)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=0.01)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=0.3, abs=1e-3)


def test_tol_stops_training_and_max_iter_warns(iris):
    X_train, _, y_train, _ = iris
    settings = dict(tol=0.05, n_iter_no_change=3, random_state=0)
    clf = MLPClassifier(dtype="float64", **settings).fit(X_train, y_train)
    # epochs 2 to 5 improve the loss by less than 0.05: the count exceeds 3 after the 5th
    assert clf.n_iter_ == neural_network.MLPClassifier(**settings).fit(X_train, y_train).n_iter_ == 5
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(max_iter=3, random_state=0).fit(X_train, y_train)


def test_early_stopping_keeps_the_best_validation_score(iris):
    X_train, _, y_train, _ = iris
    clf = MLPClassifier(early_stopping=True, n_iter_no_change=5, max_iter=500, random_state=0)
    clf.fit(X_train, y_train)
    assert len(clf.validation_scores_) == clf.n_iter_ < 500
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_warm_start_continues_from_the_last_weights(iris):
    X_train, _, y_train, _ = iris
    clf = MLPClassifier(max_iter=5, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
        first = [c.copy() for c in clf.coefs_]
        clf.fit(X_train, y_train)
    assert len(clf.loss_curve_) == 10 and clf.t_ == 10 * len(X_train)
    assert not np.allclose(first[0], clf.coefs_[0])


def test_partial_fit_needs_classes_first_and_k_calls_equal_k_epochs(iris):
    X_train, _, y_train, _ = iris
    clf = MLPClassifier(random_state=0)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X_train, y_train)
    for _ in range(20):
        clf.partial_fit(X_train, y_train, classes=[0, 1, 2])
    assert clf.t_ == 20 * len(X_train) and clf.n_iter_ == 1
    # the optimizer's state goes on from call to call: 20 calls are one fit of 20 epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = MLPClassifier(random_state=0, max_iter=20, tol=0.0, n_iter_no_change=100).fit(X_train, y_train)
    for a, b in zip(clf.coefs_ + clf.intercepts_, fitted.coefs_ + fitted.intercepts_):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(AttributeError, match="stochastic"):
        MLPClassifier(solver="lbfgs").partial_fit(X_train, y_train, classes=[0, 1, 2])


def test_replaced_coefs_are_used_by_predict(iris):
    X_train, X_test, y_train, _ = iris
    reg = MLPRegressor(max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X_train, y_train.astype(float))
    reg.coefs_ = [np.zeros_like(c) for c in reg.coefs_]
    np.testing.assert_allclose(reg.predict(X_test), reg.intercepts_[-1][0], rtol=1e-6)


def test_float64_and_memory_order(iris):
    X_train, X_test, y_train, _ = iris
    a = MLPClassifier(dtype="float64", max_iter=50, random_state=0)
    b = MLPClassifier(dtype="float64", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X_train, y_train)
        b.fit(np.asfortranarray(X_train), y_train)
    assert a.coefs_[0].dtype == np.float64
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(np.asfortranarray(X_test)))


def test_verbose_prints_each_epoch(iris, capsys):
    X_train, _, y_train, _ = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(max_iter=3, verbose=True, random_state=0).fit(X_train, y_train)
    assert capsys.readouterr().out.count("Iteration") == 3


def test_n_threads_gives_the_same_model(iris):
    import mlp

    X_train, _, y_train, _ = iris
    before = mlp.get_threads()
    models = []
    for n in (1, 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            models.append(MLPClassifier(max_iter=10, n_threads=n, random_state=0).fit(X_train, y_train))
    assert mlp.get_threads() == before
    np.testing.assert_array_equal(models[0].coefs_[0], models[1].coefs_[0])
