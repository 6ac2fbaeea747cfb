"""The estimators inside scikit-learn's machinery: Pipeline, ColumnTransformer, GridSearchCV,
cross_val_score, clone, pickle (also into a new interpreter); and the bad inputs that must raise
clean exceptions."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlp import MLPClassifier, MLPRegressor

warnings.filterwarnings("ignore", category=ConvergenceWarning)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_pipeline_and_cross_val_score(iris):
    X, y = iris
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=300, random_state=0))
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() >= 0.9


def test_column_transformer_on_mixed_columns():
    rng = np.random.default_rng(0)
    colour = rng.choice(["red", "green", "blue"], size=300)
    size = rng.normal(size=300)
    X = np.empty((300, 2), dtype=object)
    X[:, 0], X[:, 1] = colour, size
    y = (colour == "red") ^ (size > 0)
    model = make_pipeline(
        ColumnTransformer([("colour", OneHotEncoder(), [0]), ("size", StandardScaler(), [1])]),
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=500, random_state=0))
    assert model.fit(X, y).score(X, y) >= 0.95


def test_grid_search_sets_and_clones_parameters(iris):
    X, y = iris
    search = GridSearchCV(make_pipeline(StandardScaler(), MLPClassifier(max_iter=200, random_state=0)),
                          {"mlpclassifier__hidden_layer_sizes": [(4,), (16,)],
                           "mlpclassifier__alpha": [1e-4, 1e-2]}, cv=3)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4 and search.best_score_ >= 0.7
    best = search.best_estimator_[-1]
    assert isinstance(best, MLPClassifier) and best.hidden_layer_sizes == search.best_params_[
        "mlpclassifier__hidden_layer_sizes"]


def test_clone_copies_parameters_not_the_fit(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(5,), dtype="float64", class_weight="balanced", max_iter=20).fit(X, y)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert not hasattr(copy, "coefs_")


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_pickle_round_trip_in_this_process(iris, estimator):
    X, y = iris
    model = estimator(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    # the restored model's coefs_ are again views of its own network
    restored.coefs_[0][...] = 0
    assert not np.array_equal(restored.predict(X), model.predict(X))
    assert np.array_equal(model.predict(X), pickle.loads(pickle.dumps(model)).predict(X))


@pytest.mark.parametrize("estimator, solver", [(MLPClassifier, "adam"), (MLPClassifier, "sgd"),
                                               (MLPRegressor, "adam")])
def test_partial_fit_after_unpickling_goes_on_with_the_optimizer_state(iris, estimator, solver):
    X, y = iris
    y = y if estimator is MLPClassifier else y.astype(float)
    model = estimator(hidden_layer_sizes=(8,), solver=solver, random_state=0)
    extra = {"classes": np.unique(y)} if estimator is MLPClassifier else {}
    for _ in range(3):
        model.partial_fit(X, y, **extra)
    restored = pickle.loads(pickle.dumps(model))
    model.partial_fit(X, y)
    restored.partial_fit(X, y)
    for a, b in zip(model.coefs_ + model.intercepts_, restored.coefs_ + restored.intercepts_):
        np.testing.assert_array_equal(a, b)
    # a network whose optimizer starts afresh takes another step: the state made the difference
    fresh = pickle.loads(pickle.dumps(restored))
    del fresh._compiled
    before = [np.array(c) for c in restored.coefs_]
    restored.partial_fit(X, y)
    fresh.partial_fit(X, y)
    assert not all(np.array_equal(a, b) for a, b in zip(restored.coefs_, fresh.coefs_))
    assert not all(np.array_equal(a, b) for a, b in zip(restored.coefs_, before))


def test_a_damaged_pickled_training_state_is_a_value_error(iris):
    X, y = iris
    model = MLPClassifier(hidden_layer_sizes=(4,), random_state=0).partial_fit(X, y, classes=np.unique(y))
    state = model.__getstate__()
    state["_training_state"] = state["_training_state"][:-20]
    with pytest.raises(ValueError, match="the pickled training state: checkpoint: "):
        MLPClassifier().__setstate__(state)


def test_pickle_loads_in_a_new_interpreter(iris, tmp_path):
    X, y = iris
    model = make_pipeline(StandardScaler(), MLPClassifier(max_iter=100, random_state=0)).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", model.predict_proba(X))
    script = (f"import pickle, numpy as np; m = pickle.loads(open({str(path)!r}, 'rb').read()); "
              f"X = np.load({str(tmp_path / 'X.npy')!r}); "
              f"assert np.array_equal(m.predict_proba(X), np.load({str(tmp_path / 'expected.npy')!r})); "
              "print('same')")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "same", result.stderr


BAD_X = {
    "NaN": (np.array([[np.nan, 1.0], [2.0, 3.0], [1.0, 1.0]]), ValueError, "NaN"),
    "inf": (np.array([[np.inf, 1.0], [2.0, 3.0], [1.0, 1.0]]), ValueError, "infinity"),
    "1-D": (np.array([1.0, 2.0, 3.0]), ValueError, "2D array"),
    "empty": (np.empty((0, 2)), ValueError, "0 sample"),
    "strings": (np.array([["a", "b"], ["c", "d"], ["e", "f"]]), ValueError, "convert"),
    "objects": (np.array([[object(), 1], [2, 3], [1, 1]], dtype=object), TypeError, "float"),
}


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_bad_training_inputs_raise_clean_exceptions(estimator, case):
    X, error, message = BAD_X[case]
    y = np.array([0, 1, 0])[: len(X)] if len(X) else np.array([])
    with pytest.raises(error, match=message):
        estimator(max_iter=5).fit(X, y)


def test_prediction_errors(iris):
    X, y = iris
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    clf = MLPClassifier(max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(np.full((2, 4), np.nan))


def test_one_class_and_bad_parameters(iris):
    X, _ = iris
    with pytest.raises(ValueError, match="class"):
        MLPClassifier().fit(X, np.zeros(len(X)))
    for bad in [dict(solver="newton"), dict(activation="swish"), dict(hidden_layer_sizes=(0,)),
                dict(learning_rate_init=0.0), dict(momentum=1.5), dict(dtype="float16"),
                dict(batch_size=0), dict(class_weight="equal")]:
        with pytest.raises(ValueError):
            MLPClassifier(**bad).fit(X, np.arange(len(X)) % 2)
    with pytest.raises(ValueError, match="'squared_error' or 'poisson'"):
        MLPRegressor(loss="absolute_error").fit(X, np.ones(len(X)))
