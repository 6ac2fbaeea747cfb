"""mlp.Sequential, mlp.load and Sequential.save: the library's network from Python."""

import numpy as np
import pytest

import mlp

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def xor_network(dtype="float64", seed=0):
    net = mlp.Sequential(2, dtype=dtype).add(3, "sigmoid").add(1, "sigmoid")
    net.initialize("uniform", seed=seed)
    net.compile("sse", "gd", learning_rate=0.1)
    return net


def test_builds_trains_and_predicts_xor():
    net = mlp.Sequential(2, dtype="float64").add(8, "tanh").add(1, "sigmoid")
    net.initialize("glorot_uniform", seed=3)
    net.compile("binary_crossentropy", "adam", learning_rate=0.05)
    history = net.fit(XOR_X, XOR_Y, epochs=500)
    assert len(history.history["loss"]) == 500
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]
    np.testing.assert_array_equal(net.predict(XOR_X), XOR_Y)
    proba = net.predict_proba(XOR_X)
    assert proba.shape == (4, 1) and proba.dtype == np.float64


def test_layers_and_parameters_describe_the_network():
    net = mlp.Sequential(4, dtype="float32").add(5, "relu").add(3, "softmax")
    assert net.layers == [(5, "relu"), (3, "softmax")]
    assert (net.n_inputs, net.n_outputs, net.dtype) == (4, 3, np.float32)
    assert net.parameters.shape == (4 * 5 + 5 + 5 * 3 + 3,)
    W1, b1, W2, b2 = net.get_weights()
    assert W1.shape == (4, 5) and b1.shape == (5,) and W2.shape == (5, 3) and b2.shape == (3,)


def test_parameters_are_a_writable_view_without_copy():
    net = xor_network()
    view = net.parameters
    view[:] = 0.5
    assert np.all(net.get_weights()[0] == 0.5)
    # a view keeps the network alive after the last Python reference to it goes
    del net
    assert np.all(view == 0.5)


def test_no_layer_can_be_added_once_views_exist():
    net = mlp.Sequential(2).add(3, "relu")
    _ = net.parameters
    with pytest.raises(ValueError, match="cannot add a layer"):
        net.add(1, "identity")


def test_set_weights_checks_shapes():
    net = xor_network()
    with pytest.raises(ValueError, match="layer 0 W must have shape"):
        net.set_weights([np.zeros((3, 2)), np.zeros(3), np.zeros((3, 1)), np.zeros(1)])


def test_callback_sees_every_epoch_and_can_stop_training():
    seen = []

    def callback(log):
        seen.append(log)
        return log["epoch"] < 7

    history = xor_network().fit(XOR_X, XOR_Y, epochs=100, callback=callback)
    assert [log["epoch"] for log in seen] == list(range(1, 8))
    assert history.stopped_early and len(history.history["loss"]) == 7
    assert seen[-1]["loss"] == history.history["loss"][-1]


def test_exception_in_callback_reaches_the_caller():
    def callback(log):
        raise RuntimeError("from the callback")

    with pytest.raises(RuntimeError, match="from the callback"):
        xor_network().fit(XOR_X, XOR_Y, epochs=5, callback=callback)


def test_callback_may_predict_but_not_train_again():
    net = xor_network()
    predictions = []

    def callback(log):
        predictions.append(net.predict_proba(XOR_X))
        if log["epoch"] == 2:
            net.fit(XOR_X, XOR_Y, epochs=1)

    with pytest.raises(ValueError, match="cannot fit from fit's own callback"):
        net.fit(XOR_X, XOR_Y, epochs=3, callback=callback)
    assert len(predictions) == 2


def test_validation_data_gives_val_loss():
    history = xor_network().fit(XOR_X, XOR_Y, epochs=3, validation_data=(XOR_X, XOR_Y))
    assert len(history.history["val_loss"]) == 3


def test_same_seed_same_weights_and_float32_close_to_float64():
    a, b = xor_network(seed=4), xor_network(seed=4)
    a.fit(XOR_X, XOR_Y, epochs=50)
    b.fit(XOR_X, XOR_Y, epochs=50)
    np.testing.assert_array_equal(a.parameters, b.parameters)
    c = xor_network("float32", seed=4)
    c.fit(XOR_X, XOR_Y, epochs=50)
    np.testing.assert_allclose(c.parameters, a.parameters, rtol=1e-4, atol=1e-5)


def test_save_and_load_round_trip(tmp_path):
    net = xor_network()
    net.fit(XOR_X, XOR_Y, epochs=20)
    path = tmp_path / "xor.safetensors"
    net.save(path, extra={"note": "from python"})
    loaded = mlp.load(path)
    assert loaded.layers == net.layers and loaded.dtype == np.float64
    assert loaded.extra == {"note": "from python"}
    assert loaded.loss == "sse" and loaded.optimizer["kind"] == "gd"
    np.testing.assert_array_equal(loaded.parameters, net.parameters)
    np.testing.assert_array_equal(loaded.predict_proba(XOR_X), net.predict_proba(XOR_X))


def test_load_reports_a_damaged_file(tmp_path):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}      ")
    with pytest.raises(mlp.ModelFileError, match="bad.safetensors"):
        mlp.load(path)
    with pytest.raises(ValueError, match="missing.safetensors"):
        mlp.load(tmp_path / "missing.safetensors")


def test_invalid_settings_are_value_errors():
    with pytest.raises(ValueError, match="activation"):
        mlp.Sequential(2).add(3, "swish")
    with pytest.raises(ValueError, match="units"):
        mlp.Sequential(2).add(0, "relu")
    net = mlp.Sequential(2).add(3, "relu").add(2, "softmax")
    with pytest.raises(ValueError):
        net.compile("categorical_crossentropy", "adam", learning_rate=-1.0)
    with pytest.raises(ValueError):
        net.compile("no_such_loss", "adam")
    with pytest.raises(TypeError):
        mlp.Sequential(2, dtype="int32")


def test_divergence_is_a_value_error_saying_where():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)) * 1e3
    net = mlp.Sequential(4, dtype="float64").add(8, "relu").add(1, "identity")
    net.initialize("he_uniform", seed=0)
    net.compile("mse", "sgd", learning_rate=10.0)
    with pytest.raises(mlp.DivergenceError) as caught:
        net.fit(X, X[:, :1] * 1e3, epochs=50, batch_size=8)
    error = caught.value
    assert isinstance(error, ValueError) and error.epoch >= 1 and error.batch >= 1
    assert error.learning_rate == 10.0 and error.cause
    assert np.isfinite(net.parameters).all()  # the last completed epoch's parameters


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer, settings", [("adam", {}), ("sgd", {}), ("momentum", {"nesterov": True})])
@pytest.mark.parametrize("extra", ["none", "invscaling", "l2", "sample_weight"])
def test_k_partial_fits_equal_one_fit_of_k_epochs_bit_for_bit(dtype, optimizer, settings, extra):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = np.sin(X[:, :1])
    options = {"none": {}, "invscaling": {"schedule": "invscaling", "power_t": 0.5}, "l2": {"l2": 0.1},
               "sample_weight": {"sample_weight": rng.uniform(0.5, 2.0, 50)}}[extra]

    def network():
        net = mlp.Sequential(3, dtype=dtype).add(8, "relu").add(1, "identity")
        net.initialize("glorot_uniform", seed=1)
        net.compile("mse", optimizer, learning_rate=0.01, **settings)
        return net

    once, in_steps = network(), network()
    history = once.fit(X, y, epochs=6, batch_size=7, seed=3, **options)  # a last batch of 1
    losses = [in_steps.partial_fit(X, y, batch_size=7, seed=3, **options).history["loss"][0]
              for _ in range(6)]
    np.testing.assert_array_equal(in_steps.parameters, once.parameters)
    assert losses == history.history["loss"]
