"""scipy.sparse X in fit, partial_fit and predict (mlp._sparse): the same model and predictions
as its dense copy, in every sparse format, in a OneHotEncoder pipeline (whose output is sparse by
default), predicting across the blocks of rows, and a clear MemoryError, before allocating, when
the dense copy could not fit."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from mlp import MLPClassifier, MLPRegressor
from mlp import _sparse

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def sparse_problem(rows=600, features=40, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(rows, features, density=0.1, format="csr", random_state=seed, dtype=np.float64)
    y = (np.asarray(X[:, :5].sum(axis=1)).ravel() > 0.2).astype(int) + (X[:, 7].toarray().ravel() > 0)
    return X, y, rng.normal(size=rows)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr"])
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_every_sparse_format_trains_the_model_of_the_dense_array(fmt, estimator):
    X, y, t = sparse_problem()
    target = y if estimator is MLPClassifier else t
    settings = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
    on_sparse = estimator(**settings).fit(X.asformat(fmt), target)
    on_dense = estimator(**settings).fit(X.toarray(), target)
    for a, b in zip(on_sparse.coefs_ + on_sparse.intercepts_, on_dense.coefs_ + on_dense.intercepts_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(on_sparse.predict(X.asformat(fmt)), on_dense.predict(X.toarray()))


def test_a_one_hot_encoder_pipeline_trains_and_predicts():
    rng = np.random.default_rng(1)
    colour = rng.choice(["red", "green", "blue", "black"], size=(800, 1))
    shape = rng.choice(["disc", "square", "star"], size=(800, 1))
    X = np.hstack([colour, shape])
    y = (colour[:, 0] == "red") | (shape[:, 0] == "star")
    model = make_pipeline(OneHotEncoder(), MLPClassifier(hidden_layer_sizes=(8,), max_iter=300,
                                                         random_state=0))
    assert sp.issparse(model[0].fit_transform(X))  # what the estimator is given
    assert model.fit(X, y).score(X, y) == 1.0


def test_partial_fit_and_predict_across_the_blocks_of_rows(monkeypatch):
    X, y, _ = sparse_problem(rows=2500)
    monkeypatch.setattr(_sparse, "PREDICT_BLOCK_ROWS", 1000)  # 3 blocks, the last one short
    clf = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    dense = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=np.unique(y))
        dense.partial_fit(X.toarray(), y, classes=np.unique(y))
    np.testing.assert_array_equal(clf.predict_proba(X), dense.predict_proba(X.toarray()))
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X.toarray()))


def test_a_dense_copy_that_cannot_fit_is_a_memory_error_before_allocating():
    # 10^6 x 10^6, five nonzero entries: 3.6 TiB dense in float32.
    X = sp.csr_matrix((np.ones(5), (np.arange(5), np.arange(5))), shape=(10**6, 10**6))
    y = np.zeros(10**6)
    y[:2] = 1
    with pytest.raises(MemoryError, match=r"sparse matrix of 1000000 x 1000000 .* dense copy would take"):
        MLPRegressor(max_iter=1).fit(X, y)
