"""NumPy in and out: float32 and float64, C and F order, read-only and memory-mapped arrays, and
the inputs the library refuses."""

import numpy as np
import pytest

import mlp


def trained_network(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    net = mlp.Sequential(3, dtype=dtype).add(4, "tanh").add(2, "identity")
    net.initialize("glorot_uniform", seed=1)
    net.compile("mse", "sgd", learning_rate=0.01)
    net.fit(X, X[:, :2], epochs=3, batch_size=16)
    return net, X


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_layout_gives_the_same_predictions(dtype, tmp_path):
    net, X = trained_network(dtype)
    expected = net.predict_proba(np.ascontiguousarray(X, dtype=dtype))
    assert expected.dtype == np.dtype(dtype) and expected.flags.c_contiguous
    read_only = np.array(X, dtype=dtype)
    read_only.flags.writeable = False
    memmap = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=dtype, shape=X.shape)
    memmap[:] = X
    memmap.flush()
    memmap = np.load(tmp_path / "x.npy", mmap_mode="r")
    layouts = {
        "F order": np.asfortranarray(X, dtype=dtype),
        "read-only": read_only,
        "memory-mapped": memmap,
        "strided": np.repeat(X.astype(dtype), 2, axis=0)[::2],
        "other dtype": X.astype(np.float64 if dtype == "float32" else np.float32),
        "list": X.astype(dtype).tolist(),
    }
    for name, array in layouts.items():
        got = net.predict_proba(array)
        tolerance = 1e-3 if name == "other dtype" else 1e-6
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance, err_msg=name)
    integers = np.round(X * 10).astype(np.int64)
    np.testing.assert_array_equal(net.predict_proba(integers), net.predict_proba(integers.astype(dtype)))


def test_training_reads_read_only_and_memory_mapped_data(tmp_path):
    X = np.random.default_rng(1).normal(size=(32, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    frozen = X.copy()
    frozen.flags.writeable = False
    a = mlp.Sequential(3).add(2, "identity")
    b = mlp.Sequential(3).add(2, "identity")
    for net, data in ((a, mapped), (b, frozen)):
        net.initialize("glorot_uniform", seed=2)
        net.compile("mse", "sgd", learning_rate=0.01)
        net.fit(data, data[:, :2], epochs=2, batch_size=8, shuffle=False)
    np.testing.assert_array_equal(a.parameters, b.parameters)


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (np.array([["a", "b", "c"]]), TypeError, "must hold numbers"),
        (np.array([[object(), 1, 2]], dtype=object), TypeError, "must hold numbers"),
        (np.zeros(3), ValueError, "must have 2 dimensions"),
        (np.zeros((2, 5)), ValueError, "5"),
        ("text", TypeError, "must hold numbers"),
    ],
)
def test_bad_inputs_raise_clean_exceptions(bad, error, message):
    net, _ = trained_network("float32")
    with pytest.raises(error, match=message):
        net.predict_proba(bad)


def test_training_on_no_samples_or_mismatched_rows_is_a_value_error():
    net, X = trained_network("float64")
    with pytest.raises(ValueError, match="no samples"):
        net.fit(np.zeros((0, 3)), np.zeros((0, 2)))
    with pytest.raises(ValueError):
        net.fit(X, X[:10, :2])
