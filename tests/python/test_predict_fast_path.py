"""The estimators' prediction fast path (BaseMLP._forward): a plain float array with the fitted
number of features skips scikit-learn's validate_data, and the library checks it for NaN and
infinity itself. Everything else must behave exactly as through validate_data."""

import warnings

import numpy as np
import pytest

import mlp


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    model = mlp.MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    return model, X


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_gives_the_validated_results(fitted, dtype, tmp_path):
    model, X = fitted
    X = X.astype(dtype)
    assert model._takes_as_is(X)
    validated = model.predict_proba(X.tolist())  # a list: validate_data's path
    np.testing.assert_array_equal(model.predict_proba(X), validated)
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert model._takes_as_is(mapped)
    np.testing.assert_array_equal(model.predict_proba(mapped), validated)
    np.testing.assert_array_equal(model.predict(X), model.predict(X.tolist()))


@pytest.mark.parametrize("value, message", [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_values_raise_scikit_learns_error(fitted, value, message, dtype):
    model, X = fitted
    bad = X.astype(dtype)
    bad[len(bad) - 1, 2] = value  # the last value: the check must read the whole array
    assert model._takes_as_is(bad)
    with pytest.raises(ValueError, match=message):
        model.predict_proba(bad)
    with pytest.raises(ValueError, match=message):
        model.predict(bad)


def test_the_library_reports_non_finite_inputs_without_predicting(fitted):
    model, X = fitted
    net = model._net._net
    assert net.predict_proba(X, finite_only=True) is not None
    for value in (np.nan, np.inf):
        bad = X.copy()
        bad[0, 0] = value
        assert net.predict_proba(bad, finite_only=True) is None
        assert net.predict(bad, finite_only=True) is None
    huge = X.copy()
    huge[5, 1] = 1e300  # finite in float64, infinite once in the float32 network
    with np.errstate(over="ignore"):
        assert net.predict_proba(huge, finite_only=True) is None


def test_other_inputs_take_scikit_learns_validation(fitted):
    model, X = fitted
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 4"):
        model.predict_proba(X[:, :3])
    with pytest.raises(ValueError, match="0 sample"):
        model.predict_proba(X[:0])
    with pytest.raises(ValueError, match="2D array"):
        model.predict_proba(X[0])
    with pytest.raises(ValueError, match="convert"):
        model.predict_proba(np.full((2, 4), "a"))
    with pytest.raises(TypeError, match="float"):
        model.predict_proba(np.array([[object()] * 4] * 2, dtype=object))
    for other in (X.astype(">f8"), X.astype(np.int64), np.asfortranarray(X), X[::2]):
        np.testing.assert_allclose(model.predict_proba(other), model.predict_proba(np.array(other, dtype=np.float64)),
                                   rtol=1e-6)


def test_feature_names_are_still_checked(fitted):
    model, X = fitted
    named = mlp.MLPClassifier()
    named.__setstate__(model.__getstate__())
    named.feature_names_in_ = np.array(["a", "b", "c", "d"], dtype=object)  # as fit(DataFrame) sets
    assert model._takes_as_is(X) and not named._takes_as_is(X)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        named.predict_proba(X)
