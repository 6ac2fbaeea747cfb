"""The same network trained by the C++ program (`mlp demo xor`) and from Python, from one seed,
gives identical weights; and model files pass between them both ways."""

import subprocess

import numpy as np
import pytest

import mlp

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)


def run(cli, *args):
    result = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("dtype", ["f64", "f32"])
def test_chapter_network_same_weights_in_cpp_and_python(mlp_cli, tmp_path, dtype):
    path = tmp_path / "cpp.safetensors"
    run(mlp_cli, "demo", "xor", "--seed", 7, "--iterations", 300, "--dtype", dtype, "--save", path,
        "--print-every", 0)
    net = mlp.Sequential(2, dtype="float64" if dtype == "f64" else "float32")
    net.add(3, "sigmoid").add(1, "sigmoid")
    net.initialize("uniform", seed=7)
    net.compile("sse", "gd", learning_rate=0.1)
    net.fit(XOR_X, XOR_Y, epochs=300)
    cpp = mlp.load(path)
    assert cpp.dtype == net.dtype
    np.testing.assert_array_equal(cpp.parameters, net.parameters)


def test_keras_comparison_network_same_weights_in_cpp_and_python(mlp_cli, tmp_path):
    path = tmp_path / "cpp.safetensors"
    run(mlp_cli, "demo", "xor", "--keras", "--seed", 3, "--iterations", 200, "--save", path,
        "--print-every", 0)
    net = mlp.Sequential(2, dtype="float64").add(16, "sigmoid").add(1, "sigmoid")
    net.initialize("glorot_uniform", seed=3)
    net.compile("mse", "adam", learning_rate=0.001)
    net.fit(XOR_X, XOR_Y, epochs=200)
    np.testing.assert_array_equal(mlp.load(path).parameters, net.parameters)


def test_a_python_model_file_trains_on_in_cpp_as_in_python(mlp_cli, tmp_path):
    start = tmp_path / "python.safetensors"
    net = mlp.Sequential(2, dtype="float64").add(3, "sigmoid").add(1, "sigmoid")
    net.initialize("normal", seed=11, stddev=0.5)
    net.compile("sse", "gd", learning_rate=0.1)
    net.save(start)
    cpp = tmp_path / "cpp.safetensors"
    run(mlp_cli, "demo", "xor", "--init", start, "--iterations", 150, "--save", cpp, "--print-every", 0)
    net.fit(XOR_X, XOR_Y, epochs=150)
    np.testing.assert_array_equal(mlp.load(cpp).parameters, net.parameters)
