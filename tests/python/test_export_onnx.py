"""`mlp export --format onnx`: the file passes ONNX's full checker, and ONNX Runtime, fed the raw
columns, gives what `mlp predict --proba` prints, to 1e-5, for every hidden activation, every
output kind (softmax, sigmoid, identity) and the tables' preprocessing (imputation, one-hot,
yes/no, ordinal, missing indicators). Tiny models are trained by the real `mlp train`."""

import csv
import json
import math
import struct
import subprocess

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason="onnx is not installed (python/requirements-test.txt)")
ort = pytest.importorskip(
    "onnxruntime", reason="onnxruntime is not installed (python/requirements-test.txt)"
)


def run(*args):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def train(mlp_cli, data, target, path, *flags):
    run(mlp_cli, "train", data, "--target", target, "-o", path, "--epochs", "15",
        "--layers", "6,5", "--seed", "3", "-q", *flags)
    return path


def safetensors_header(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def with_activation(path, layer, activation, out):
    """A copy of the model at `path` whose layer `layer` computes `activation` (same weights):
    the activations `mlp train` does not offer (identity hidden, sigmoid or identity output)."""
    header, data = safetensors_header(path)
    arch = json.loads(header["__metadata__"]["architecture"])
    arch["layers"][layer]["activation"] = activation
    arch["loss"] = "sse"  # fits any output layer
    header["__metadata__"]["architecture"] = json.dumps(arch)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    out.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return out


def model_columns(path):
    header, _ = safetensors_header(path)
    extra = json.loads(header["__metadata__"]["extra"])
    return [c for c in extra["columns"]["columns"] if c["role"] != "ignored"]


def number(text):
    try:
        return float(text)
    except ValueError:
        return math.nan  # a gap or a missing-value marker


def onnx_feeds(session, columns, data):
    """The raw columns of the CSV `data` as the exported graph's inputs."""
    with open(data, newline="") as f:
        rows = list(csv.DictReader(f))
    names = [i.name for i in session.get_inputs()]
    if names == ["X"]:
        X = [[number(r[c["name"]]) for c in columns] for r in rows]
        return {"X": np.array(X, dtype=np.float32)}
    feeds = {}
    for c in columns:
        values = [r[c["name"]].strip() for r in rows]
        if c["role"] == "numeric":
            feeds[c["name"]] = np.array([[number(v)] for v in values], dtype=np.float32)
        else:
            feeds[c["name"]] = np.array([[v] for v in values], dtype=object)
    assert sorted(feeds) == sorted(names)
    return feeds


def mlp_predictions(mlp_cli, model, data, proba):
    out = run(mlp_cli, "predict", model, data, *(["--proba"] if proba else []), "-o", "-").stdout
    rows = list(csv.reader(out.splitlines()))
    return rows[0], rows[1:]


def exported_session(mlp_cli, model, tmp_path):
    path = tmp_path / "model.onnx"
    run(mlp_cli, "export", model, "--format", "onnx", "-o", path)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    assert proto.ir_version <= 8
    assert all(o.version <= 17 for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def check_classifier(mlp_cli, model, data, tmp_path):
    session = exported_session(mlp_cli, model, tmp_path)
    label, proba = session.run(["label", "probabilities"],
                               onnx_feeds(session, model_columns(model), data))
    header, rows = mlp_predictions(mlp_cli, model, data, proba=True)
    expected = np.array([[float(v) for v in r[1:]] for r in rows])
    assert proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5)
    assert list(label) == [r[0] for r in rows]
    assert np.ptp(expected, axis=0).max() > 1e-3  # the rows differ: a real comparison


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_iris_softmax_classifier_matches_predict(mlp_cli, datasets, tmp_path, activation):
    model = train(mlp_cli, datasets / "iris.csv", "species", tmp_path / "m.safetensors",
                  "--activation", activation)
    check_classifier(mlp_cli, model, datasets / "iris.csv", tmp_path)


def test_identity_hidden_layer_matches_predict(mlp_cli, datasets, tmp_path):
    trained = train(mlp_cli, datasets / "iris.csv", "species", tmp_path / "m.safetensors",
                    "--activation", "tanh")
    model = with_activation(trained, 0, "identity", tmp_path / "identity.safetensors")
    check_classifier(mlp_cli, model, datasets / "iris.csv", tmp_path)


@pytest.mark.parametrize("output", ["sigmoid", "identity"])
def test_sigmoid_and_identity_outputs_match_predict(mlp_cli, datasets, tmp_path, output):
    trained = train(mlp_cli, datasets / "iris.csv", "species", tmp_path / "m.safetensors",
                    "--activation", "tanh")
    model = with_activation(trained, -1, output, tmp_path / f"{output}.safetensors")
    check_classifier(mlp_cli, model, datasets / "iris.csv", tmp_path)


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_tips_text_columns_are_encoded_in_the_graph(mlp_cli, datasets, tmp_path, activation):
    # sex, day: categorical (one-hot); smoker: yes/no; size: ordinal; time is the target.
    model = train(mlp_cli, datasets / "tips.csv", "time", tmp_path / "m.safetensors",
                  "--activation", activation, "--ordinal", "size")
    roles = {c["name"]: c["role"] for c in model_columns(model)}
    assert roles["sex"] == "categorical" and roles["smoker"] == "boolean"
    assert roles["size"] == "ordinal"
    check_classifier(mlp_cli, model, datasets / "tips.csv", tmp_path)


def test_planets_gaps_are_imputed_with_indicators(mlp_cli, datasets, tmp_path):
    model = train(mlp_cli, datasets / "planets.csv", "method", tmp_path / "m.safetensors",
                  "--missing-indicators", "--min-category-count", "1")
    assert any(c["indicator"] for c in model_columns(model))
    check_classifier(mlp_cli, model, datasets / "planets.csv", tmp_path)


def test_tips_with_gaps_and_rare_categories(mlp_cli, datasets, tmp_path):
    # A copy of tips with gaps in every kind of column and markers in any case.
    with open(datasets / "tips.csv", newline="") as f:
        rows = list(csv.reader(f))
    markers = ["", "NA", "nan", "Null", "?"]
    for i, row in enumerate(rows[1:], start=1):
        if i % 7 == 0:
            row[2] = markers[i % 5]  # sex: the "(missing)" slot
        if i % 11 == 0:
            row[3] = markers[(i + 1) % 5]  # smoker: the training fraction of yes
        if i % 13 == 0:
            row[0] = markers[(i + 2) % 5]  # total_bill: the training mean
    data = tmp_path / "tips_gaps.csv"
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    model = train(mlp_cli, data, "time", tmp_path / "m.safetensors", "--missing-indicators",
                  "--min-category-count", "70")
    check_classifier(mlp_cli, model, data, tmp_path)


@pytest.mark.parametrize("data,target", [("tips.csv", "tip"), ("diabetes.csv", "target")])
def test_regression_value_matches_predict(mlp_cli, datasets, tmp_path, data, target):
    model = train(mlp_cli, datasets / data, target, tmp_path / "m.safetensors",
                  "--activation", "tanh")
    session = exported_session(mlp_cli, model, tmp_path)
    (value,) = session.run(["variable"],
                           onnx_feeds(session, model_columns(model), datasets / data))
    _, rows = mlp_predictions(mlp_cli, model, datasets / data, proba=False)
    expected = np.array([[float(r[0])] for r in rows])
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5)


def test_double_precision_model_is_exported_as_float32(mlp_cli, datasets, tmp_path):
    model = train(mlp_cli, datasets / "iris.csv", "species", tmp_path / "m.safetensors",
                  "--dtype", "f64")
    check_classifier(mlp_cli, model, datasets / "iris.csv", tmp_path)


def idx_pixels(path, count):
    """The first `count` images of a gzipped IDX file, as float32 pixel values 0..255."""
    import gzip

    with gzip.open(path, "rb") as f:
        raw = f.read(16 + 784 * count)
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, 784).astype(np.float32)


def test_idx_images_go_in_as_pixel_values(mlp_cli, datasets, tmp_path):
    images = datasets / "t10k-images-idx3-ubyte.gz"
    model = tmp_path / "digits.safetensors"
    run(mlp_cli, "train", images, "--labels", datasets / "t10k-labels-idx1-ubyte.gz", "-o", model,
        "--layers", "16", "--epochs", "1", "--seed", "1", "-q")
    session = exported_session(mlp_cli, model, tmp_path)
    assert [i.name for i in session.get_inputs()] == ["X"]
    label, proba = session.run(None, {"X": idx_pixels(images, 500)})
    header, rows = mlp_predictions(mlp_cli, model, images, proba=True)
    expected = np.array([[float(v) for v in r[1:]] for r in rows[:500]])
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-5)
    assert list(label) == [r[0] for r in rows[:500]]
    assert np.ptp(expected, axis=0).max() > 1e-3


def test_columns_named_like_the_graphs_own_tensors(mlp_cli, datasets, tmp_path):
    # The inputs are named as the columns; the nodes' names must step aside, not the columns.
    with open(datasets / "tips.csv", newline="") as f:
        rows = list(csv.reader(f))
    rows[0] = ["Where", "IsNaN", "LabelEncoder", "OneHot", "Concat", "time", "Gemm"]
    data = tmp_path / "renamed.csv"
    with open(data, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    model = train(mlp_cli, data, "time", tmp_path / "m.safetensors")
    check_classifier(mlp_cli, model, data, tmp_path)
