"""`mlp import model.onnx -o model.safetensors`: MLPs written by skl2onnx (scikit-learn's
MLPClassifier / MLPRegressor, with a StandardScaler) and by torch.onnx.export (an nn.Sequential)
load into mlp, and `mlp predict` gives the source framework's predictions to 1e-5; graphs that
are not MLPs are refused naming the node."""

import csv
import io
import subprocess
import textwrap

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="onnx is not installed (python/requirements-test.txt)")
skl2onnx = pytest.importorskip(
    "skl2onnx", reason="skl2onnx is not installed (python/requirements-test.txt)"
)
from onnx import TensorProto, helper  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def run(*args, ok=True):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def imported(mlp_cli, onnx_bytes, tmp_path, *flags):
    source = tmp_path / "model.onnx"
    source.write_bytes(onnx_bytes)
    model = tmp_path / "model.safetensors"
    run(mlp_cli, "import", source, "-o", model, *flags)
    return model


def predictions(mlp_cli, model, data, proba):
    out = run(mlp_cli, "predict", model, data, *(["--proba"] if proba else []), "-o", "-").stdout
    rows = list(csv.reader(io.StringIO(out)))
    return rows[1:]


def iris(datasets):
    header, rows = read_table(datasets / "iris.csv")
    X = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32)
    return header, X, np.array([r[4] for r in rows])


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_sklearn_classifier_pipeline_predicts_the_same(mlp_cli, datasets, tmp_path, activation):
    header, X, y = iris(datasets)
    source = make_pipeline(StandardScaler(), MLPClassifier(
        hidden_layer_sizes=(7, 5), activation=activation, max_iter=400, random_state=0))
    source.fit(X, y)
    proto = skl2onnx.to_onnx(source, X[:1], options={"zipmap": False})
    model = imported(mlp_cli, proto.SerializeToString(), tmp_path,
                     "--feature-names", ",".join(header[:4]), "--target", "species")
    rows = predictions(mlp_cli, model, datasets / "iris.csv", proba=True)
    got = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(got, source.predict_proba(X), rtol=0, atol=1e-5)
    assert [r[0] for r in rows] == list(source.predict(X))
    assert "accuracy" in run(mlp_cli, "evaluate", model, datasets / "iris.csv").stdout
    if activation == "relu":  # the other commands, once
        info = run(mlp_cli, "info", model).stdout
        assert "4 inputs -> 7 relu -> 5 relu -> 3 softmax" in info and "skl2onnx" in info
        assert run(mlp_cli, "gradcheck", model).returncode == 0
        run(mlp_cli, "explain", "--init", model, "--x", "5.1,3.5,1.4,0.2", "--y", "1,0,0")
        run(mlp_cli, "evaluate", model, datasets / "iris.csv", "--report", tmp_path / "report")
        assert (tmp_path / "report" / "index.html").exists()


def test_sklearn_binary_classifier_with_zipmap(mlp_cli, datasets, tmp_path):
    # One logistic output unit: mlp holds it as two softmax units [0, z].
    header, X, y = iris(datasets)
    binary = (y == "virginica").astype(np.int64)
    source = MLPClassifier(hidden_layer_sizes=(6,), max_iter=500, random_state=1).fit(X, binary)
    proto = skl2onnx.to_onnx(source, X[:1])  # with ZipMap: the class labels 0 and 1
    model = imported(mlp_cli, proto.SerializeToString(), tmp_path,
                     "--feature-names", ",".join(header[:4]))
    rows = predictions(mlp_cli, model, datasets / "iris.csv", proba=True)
    got = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(got, source.predict_proba(X), rtol=0, atol=1e-5)
    assert [int(r[0]) for r in rows] == list(source.predict(X))


def test_sklearn_regressor_predicts_the_same(mlp_cli, datasets, tmp_path):
    header, rows = read_table(datasets / "diabetes.csv")
    X = np.array([[float(v) for v in r[:-1]] for r in rows], dtype=np.float32)
    y = np.array([float(r[-1]) for r in rows])
    source = make_pipeline(StandardScaler(), MLPRegressor(
        hidden_layer_sizes=(10,), activation="tanh", max_iter=300, random_state=0)).fit(X, y)
    proto = skl2onnx.to_onnx(source, X[:1])
    model = imported(mlp_cli, proto.SerializeToString(), tmp_path,
                     "--feature-names", ",".join(header[:-1]))
    got = np.array([float(r[0]) for r in predictions(mlp_cli, model, datasets / "diabetes.csv",
                                                        proba=False)])
    np.testing.assert_allclose(got, source.predict(X), rtol=1e-5, atol=1e-5 * np.abs(y).max())


TORCH_EXPORT = textwrap.dedent("""
    import sys, numpy as np, torch
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 5),
                              torch.nn.ReLU(), torch.nn.Linear(5, 3), torch.nn.Softmax(dim=1))
    X = torch.from_numpy(np.load(sys.argv[1]))
    torch.onnx.export(net, X[:1], sys.argv[2], input_names=["X"], output_names=["p"],
                      dynamic_axes={"X": {0: "N"}, "p": {0: "N"}}, opset_version=13)
    np.save(sys.argv[3], net(X).detach().numpy())
""")


def torch_import_failure():
    """None when the system Python imports torch, else why not (its last line of error)."""
    try:
        probe = subprocess.run(["/usr/bin/python3", "-c", "import torch"], capture_output=True,
                               text=True)
    except OSError as error:
        return f"/usr/bin/python3 cannot run: {error}"
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {probe.returncode}"


def test_torch_sequential_predicts_the_same(mlp_cli, datasets, tmp_path):
    # Debian's python3-torch (the system Python's, installed by scripts/install-deps --test),
    # never PyPI's multi-GB build. Skipped only when torch cannot be imported, saying why.
    failure = torch_import_failure()
    if failure is not None:
        pytest.skip(f"/usr/bin/python3 cannot import torch ({failure}): install Debian's "
                    "python3-torch (scripts/install-deps --test)")
    header, X, _ = iris(datasets)
    np.save(tmp_path / "X.npy", X)
    script = tmp_path / "export.py"
    script.write_text(TORCH_EXPORT)
    run("/usr/bin/python3", script, tmp_path / "X.npy", tmp_path / "torch.onnx",
        tmp_path / "expected.npy")
    model = tmp_path / "torch.safetensors"
    run(mlp_cli, "import", tmp_path / "torch.onnx", "-o", model,
        "--feature-names", ",".join(header[:4]))
    rows = predictions(mlp_cli, model, datasets / "iris.csv", proba=True)
    got = np.array([[float(v) for v in r[1:]] for r in rows])
    np.testing.assert_allclose(got, np.load(tmp_path / "expected.npy"), rtol=0, atol=1e-5)
    assert [r[0] for r in rows] == [str(k) for k in got.argmax(axis=1)]


def gemm_graph(extra_nodes, extra_inits=()):
    W = helper.make_tensor("W", TensorProto.FLOAT, [2, 3], np.arange(6, dtype=np.float32))
    b = helper.make_tensor("b", TensorProto.FLOAT, [3], np.zeros(3, dtype=np.float32))
    nodes = [helper.make_node("Gemm", ["X", "W", "b"], ["z"], name="dense")] + extra_nodes
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, ["N", 3])],
        [W, b, *extra_inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("node,message", [
    (helper.make_node("LeakyRelu", ["z"], ["a"], name="leaky"), "'leaky' (LeakyRelu)"),
    (helper.make_node("Softmax", ["z"], ["a"], name="sm0", axis=0), "'sm0' (Softmax)"),
    (helper.make_node("Mul", ["z", "z"], ["a"], name="square"), "'square' (Mul)"),
])
def test_graphs_that_are_not_mlps_are_refused_naming_the_node(mlp_cli, tmp_path, node, message):
    source = tmp_path / "bad.onnx"
    source.write_bytes(gemm_graph([node]).SerializeToString())
    result = run(mlp_cli, "import", source, "-o", tmp_path / "m.safetensors", ok=False)
    assert result.returncode == 1
    assert message in result.stderr and "bad.onnx" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "m.safetensors").exists()


def test_mlp_export_with_imputation_is_refused_naming_it(mlp_cli, datasets, tmp_path):
    # Our own exports start with the imputation of gaps (IsNaN, Where): not an MLP layer.
    model = tmp_path / "m.safetensors"
    run(mlp_cli, "train", datasets / "iris.csv", "--target", "species", "-o", model, "-q",
        "--epochs", "2")
    run(mlp_cli, "export", model, "--format", "onnx", "-o", tmp_path / "m.onnx")
    result = run(mlp_cli, "import", tmp_path / "m.onnx", "-o", tmp_path / "back.safetensors",
                 ok=False)
    assert result.returncode == 1 and "(IsNaN)" in result.stderr


@pytest.mark.parametrize("content", [b"", b"not an onnx file at all", b"\x08\x08\x3a\xff\xff\xff\x0f"])
def test_malformed_files_are_refused_cleanly(mlp_cli, tmp_path, content):
    source = tmp_path / "broken.onnx"
    source.write_bytes(content)
    result = run(mlp_cli, "import", source, "-o", tmp_path / "m.safetensors", ok=False)
    assert result.returncode == 1
    assert result.stderr.startswith("mlp: error: ") and "broken.onnx" in result.stderr
    assert not (tmp_path / "m.safetensors").exists()
