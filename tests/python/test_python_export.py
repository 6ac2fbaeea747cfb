"""The exports and the import from Python (docs/export.md, "From Python"): `export_onnx` and
`export_c` of fitted MLPClassifier / MLPRegressor, of mlp.Sequential and of loaded model files,
and `mlp.import_onnx`. The ONNX files pass ONNX's full checker and ONNX Runtime gives the
estimator's predict_proba / predict to 1e-5; the generated C, compiled, gives the same; imports of
skl2onnx files predict as scikit-learn; bad paths and graphs raise the package's exceptions,
naming the path or the node."""

import shutil
import subprocess

import numpy as np
import pytest

import mlp

onnx = pytest.importorskip("onnx", reason="onnx is not installed (python/requirements-test.txt)")
ort = pytest.importorskip(
    "onnxruntime", reason="onnxruntime is not installed (python/requirements-test.txt)"
)
skl2onnx = pytest.importorskip(
    "skl2onnx", reason="skl2onnx is not installed (python/requirements-test.txt)"
)
from onnx import TensorProto, helper  # noqa: E402
from sklearn.datasets import load_diabetes, load_iris  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y


def run_onnx(path, X):
    """ONNX's full checker, then ONNX Runtime on X: the outputs by name."""
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    session = ort.InferenceSession(str(path))
    assert [i.name for i in session.get_inputs()] == ["X"]
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X.astype(np.float32)})))


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_classifier_onnx_gives_predict_proba(iris, tmp_path, activation, dtype):
    X, y = iris
    clf = mlp.MLPClassifier(hidden_layer_sizes=(7, 5), activation=activation, max_iter=60,
                            random_state=0, dtype=dtype).fit(X, y)
    clf.export_onnx(tmp_path / "clf.onnx")
    out = run_onnx(tmp_path / "clf.onnx", X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), rtol=0, atol=1e-5)
    assert out["label"].dtype == np.int64  # integer classes_: int64 labels, as skl2onnx's
    np.testing.assert_array_equal(out["label"], clf.predict(X))


def test_binary_classifier_with_text_classes(iris, tmp_path):
    # One logistic output unit: exported as two softmax units [0, z], exactly [1 - p, p].
    X, y = iris
    names = np.where(y == 0, "setosa", "other")
    clf = mlp.MLPClassifier(hidden_layer_sizes=(6,), max_iter=200, learning_rate_init=0.01,
                            random_state=1).fit(X, names)
    assert clf.coefs_[-1].shape[1] == 1
    clf.export_onnx(tmp_path / "binary.onnx")
    out = run_onnx(tmp_path / "binary.onnx", X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), rtol=0, atol=1e-5)
    assert list(out["label"]) == list(clf.predict(X))
    assert set(out["label"]) == {"setosa", "other"}


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_regressor_onnx_gives_predict(diabetes, tmp_path, activation):
    X, y = diabetes
    y = (y - y.mean()) / y.std()  # values near 1, so that 1e-5 is a relative bound too
    reg = mlp.MLPRegressor(hidden_layer_sizes=(10,), activation=activation, max_iter=60,
                           random_state=0).fit(X, y)
    reg.export_onnx(tmp_path / "reg.onnx")
    out = run_onnx(tmp_path / "reg.onnx", X)
    assert out["variable"].shape == (len(X), 1)
    np.testing.assert_allclose(out["variable"].ravel(), reg.predict(X), rtol=0, atol=1e-5)


def test_feature_names_of_a_dataframe_name_the_input(iris, tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["sepal_l", "sepal_w", "petal_l", "petal_w"])
    clf = mlp.MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(frame, y)
    clf.export_onnx(tmp_path / "named.onnx")
    doc = onnx.load(str(tmp_path / "named.onnx")).graph.input[0].doc_string
    assert "sepal_l" in doc and "petal_w" in doc


def test_replaced_coefs_are_exported(iris, tmp_path):
    X, y = iris
    clf = mlp.MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0).fit(X, y)
    clf.coefs_ = [c * 2 for c in clf.coefs_]  # honoured by predict, so by the export too
    clf.export_onnx(tmp_path / "c.onnx")
    out = run_onnx(tmp_path / "c.onnx", X)
    np.testing.assert_allclose(out["probabilities"], clf.predict_proba(X), rtol=0, atol=1e-5)


def test_what_the_exports_cannot_hold_is_refused(iris, tmp_path):
    X, y = iris
    with pytest.raises(NotFittedError):
        mlp.MLPClassifier().export_onnx(tmp_path / "m.onnx")
    multilabel = mlp.MLPClassifier(max_iter=5, random_state=0).fit(X, np.eye(3)[y])
    with pytest.raises(ValueError, match="multi-label MLPClassifier cannot be exported"):
        multilabel.export_onnx(tmp_path / "m.onnx")
    outputs = mlp.MLPRegressor(max_iter=5, random_state=0).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="multi-output MLPRegressor \\(2 outputs\\)"):
        outputs.export_c(tmp_path / "c")
    assert not (tmp_path / "m.onnx").exists() and not (tmp_path / "c").exists()


def test_sequential_without_metadata(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    net = mlp.Sequential(3).add(4, "tanh").add(3, "softmax")
    net.initialize(seed=2)
    net.export_onnx(tmp_path / "s.onnx")
    out = run_onnx(tmp_path / "s.onnx", X)
    np.testing.assert_allclose(out["probabilities"], net.predict_proba(X), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(out["label"], net.predict(X).ravel())
    net.export_onnx(tmp_path / "named.onnx", class_names=["a", "b", "c"])
    assert set(run_onnx(tmp_path / "named.onnx", X)["label"]) <= {"a", "b", "c"}
    value = mlp.Sequential(3).add(4, "relu").add(1, "identity")
    value.initialize(seed=3)
    value.export_onnx(tmp_path / "v.onnx")
    np.testing.assert_allclose(run_onnx(tmp_path / "v.onnx", X)["variable"],
                               value.predict_proba(X), rtol=0, atol=1e-5)
    wide = mlp.Sequential(3).add(2, "tanh")
    with pytest.raises(ValueError, match="neither a classifier .* nor a regression model"):
        wide.export_onnx(tmp_path / "w.onnx")
    with pytest.raises(ValueError, match="2 class names for a network of 3 outputs"):
        net.export_onnx(tmp_path / "w.onnx", class_names=["a", "b"])
    assert not (tmp_path / "w.onnx").exists()


def test_loaded_model_file_exports_as_the_cli_does(mlp_cli, datasets, tmp_path):
    # tips: categorical, yes/no and ordinal columns, a scaler; the same bytes as `mlp export`.
    model = tmp_path / "tips.safetensors"
    subprocess.run([str(mlp_cli), "train", str(datasets / "tips.csv"), "--target", "time",
                    "--layers", "5", "--epochs", "3", "-q", "-o", str(model)], check=True)
    subprocess.run([str(mlp_cli), "export", str(model), "--format", "onnx", "-o",
                    str(tmp_path / "cli.onnx")], check=True, capture_output=True)
    mlp.load(model).export_onnx(tmp_path / "py.onnx")
    assert (tmp_path / "py.onnx").read_bytes() == (tmp_path / "cli.onnx").read_bytes()
    with pytest.raises(ValueError, match="names its features"):
        mlp.load(model).export_onnx(tmp_path / "x.onnx", feature_names=["a"])


def compile_and_run(folder, name, X, n_outputs):
    """The generated C compiled with a driver that prints NAME_predict_proba of each row."""
    driver = folder / "main.c"
    driver.write_text(f"""
#include <stdio.h>
#include "{name}.h"
int main(void) {{
  float x[{name}_N_INPUTS], out[{name}_N_OUTPUTS];
  while (1) {{
    for (int i = 0; i < {name}_N_INPUTS; ++i)
      if (scanf("%f", &x[i]) != 1) return 0;
    {name}_predict_proba(x, out);
    for (int k = 0; k < {name}_N_OUTPUTS; ++k) printf("%.9g ", out[k]);
    printf("\\n");
  }}
}}
""")
    program = folder / "run"
    subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O1",
                    "-o", str(program), str(driver), str(folder / f"{name}.c"), "-lm"], check=True)
    text = "\n".join(" ".join(repr(float(v)) for v in row) for row in X)
    out = subprocess.run([str(program)], input=text, capture_output=True, text=True, check=True)
    return np.array([[float(v) for v in line.split()] for line in out.stdout.splitlines()])


@pytest.mark.skipif(shutil.which("gcc") is None, reason="no gcc to compile the generated C")
def test_poisson_regressor_exports_its_exponential_output(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3)).astype(np.float32)
    y = rng.poisson(np.exp(0.8 * X[:, 0] - 0.5 * X[:, 1]))
    reg = mlp.MLPRegressor(loss="poisson", hidden_layer_sizes=(6,), max_iter=40,
                           random_state=0).fit(X, y)
    reg.export_onnx(tmp_path / "counts.onnx")
    out = run_onnx(tmp_path / "counts.onnx", X)
    np.testing.assert_allclose(out["variable"].ravel(), reg.predict(X), rtol=1e-5, atol=1e-6)
    reg.export_c(tmp_path / "c", name="counts")
    got = compile_and_run(tmp_path / "c", "counts", X, 1)
    np.testing.assert_allclose(got.ravel(), reg.predict(X), rtol=1e-5, atol=1e-6)
    # and back: Gemm, Relu, Gemm, Exp, then the output's Mul and Add (y * 1 + 0)
    imported = mlp.import_onnx(tmp_path / "counts.onnx")
    np.testing.assert_allclose(imported.predict(X).ravel(), reg.predict(X), rtol=1e-6)


def test_generated_c_gives_predict_proba(iris, diabetes, tmp_path):
    X, y = iris
    clf = mlp.MLPClassifier(hidden_layer_sizes=(6,), activation="tanh", max_iter=60,
                            random_state=0).fit(X, y == 1)  # binary: the softmax pair
    sizes = clf.export_c(tmp_path / "not/yet/there", name="iris_clf")
    assert sizes["flash_bytes"] == 4 * (4 * 6 + 6 + 6 * 2 + 2)
    got = compile_and_run(tmp_path / "not/yet/there", "iris_clf", X, 2)
    np.testing.assert_allclose(got, clf.predict_proba(X), rtol=0, atol=1e-5)
    Xd, yd = diabetes
    reg = mlp.MLPRegressor(hidden_layer_sizes=(8,), max_iter=40, random_state=0).fit(
        Xd, (yd - yd.mean()) / yd.std())
    reg.export_c(tmp_path / "reg", name="reg", scratch="static")
    got = compile_and_run(tmp_path / "reg", "reg", Xd, 1)
    np.testing.assert_allclose(got.ravel(), reg.predict(Xd), rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="not a C identifier"):
        clf.export_c(tmp_path / "bad", name="9lives")
    with pytest.raises(ValueError, match="quantize must be None or 'int8'"):
        clf.export_c(tmp_path / "bad", quantize="int4")
    assert not (tmp_path / "bad").exists()


def sklearn_pipeline_onnx(X, y, tmp_path, **params):
    source = make_pipeline(StandardScaler(), SkClassifier(max_iter=300, random_state=0, **params))
    source.fit(X, y)
    path = tmp_path / "sk.onnx"
    path.write_bytes(skl2onnx.to_onnx(source, X[:1]).SerializeToString())
    return source, path


@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_import_onnx_of_a_sklearn_pipeline_predicts_as_sklearn(iris, tmp_path, activation):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    source, path = sklearn_pipeline_onnx(X, names, tmp_path, hidden_layer_sizes=(8, 4),
                                         activation=activation)
    model = mlp.import_onnx(path, feature_names=["a", "b", "c", "d"], target="species")
    assert isinstance(model, mlp.TrainedModel) and model.task == "classification"
    assert list(model.classes_) == list(source.classes_)
    assert model.feature_names == ["a", "b", "c", "d"]
    np.testing.assert_allclose(model.predict_proba(X), source.predict_proba(X), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(model.predict(X), source.predict(X))
    # Saved, it is a model file of the CLI's; exported again, ONNX Runtime agrees.
    model.save(tmp_path / "m.safetensors")
    again = mlp.load(tmp_path / "m.safetensors")
    assert again.extra["target"] == "species"
    model.export_onnx(tmp_path / "back.onnx")
    session = ort.InferenceSession(str(tmp_path / "back.onnx"))
    _, proba = session.run(None, {"X": X})
    np.testing.assert_allclose(proba, source.predict_proba(X), rtol=0, atol=1e-5)


def test_import_onnx_of_a_binary_classifier_and_a_regressor(iris, diabetes, tmp_path):
    X, y = iris
    source = SkClassifier(hidden_layer_sizes=(5,), max_iter=300, random_state=1).fit(X, y == 2)
    (tmp_path / "b.onnx").write_bytes(skl2onnx.to_onnx(source, X[:1]).SerializeToString())
    model = mlp.import_onnx(tmp_path / "b.onnx")
    np.testing.assert_allclose(model.predict_proba(X), source.predict_proba(X), rtol=0, atol=1e-5)
    assert model.feature_names == ["x0", "x1", "x2", "x3"]
    from sklearn.neural_network import MLPRegressor as SkRegressor

    Xd, yd = diabetes
    reg = SkRegressor(hidden_layer_sizes=(6,), activation="tanh", max_iter=200,
                      random_state=0).fit(Xd, yd)
    (tmp_path / "r.onnx").write_bytes(skl2onnx.to_onnx(reg, Xd[:1]).SerializeToString())
    model = mlp.import_onnx(tmp_path / "r.onnx")
    assert model.task == "regression"
    np.testing.assert_allclose(model.predict(Xd), reg.predict(Xd), rtol=1e-5,
                               atol=1e-5 * np.abs(yd).max())
    with pytest.raises(AttributeError, match="predict_proba is for classification models"):
        model.predict_proba(Xd)


def test_import_onnx_errors_name_the_path_or_the_node(tmp_path):
    with pytest.raises(mlp.ModelFileError, match="absent.onnx"):
        mlp.import_onnx(tmp_path / "absent.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not an onnx file at all")
    with pytest.raises(mlp.ModelFileError, match="junk.onnx"):
        mlp.import_onnx(tmp_path / "junk.onnx")
    W = helper.make_tensor("W", TensorProto.FLOAT, [2, 3], np.arange(6, dtype=np.float32))
    b = helper.make_tensor("b", TensorProto.FLOAT, [3], np.zeros(3, dtype=np.float32))
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["X", "W", "b"], ["z"], name="dense"),
         helper.make_node("LeakyRelu", ["z"], ["a"], name="leaky")],
        "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 3])], [W, b])
    path = tmp_path / "leaky.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
                     .SerializeToString())
    with pytest.raises(mlp.ModelFileError, match=r"leaky.onnx: node 'leaky' \(LeakyRelu\)"):
        mlp.import_onnx(path)
    with pytest.raises(ValueError, match="3 names for a network of 2 inputs"):
        mlp.import_onnx(_gemm_model(tmp_path), feature_names=["a", "b", "c"])


def _gemm_model(tmp_path):
    W = helper.make_tensor("W", TensorProto.FLOAT, [2, 3], np.arange(6, dtype=np.float32))
    b = helper.make_tensor("b", TensorProto.FLOAT, [3], np.zeros(3, dtype=np.float32))
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["X", "W", "b"], ["z"], name="dense"),
         helper.make_node("Softmax", ["z"], ["p"], name="softmax")],
        "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 2])],
        [helper.make_tensor_value_info("p", TensorProto.FLOAT, ["N", 3])], [W, b])
    path = tmp_path / "gemm.onnx"
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
                     .SerializeToString())
    return path


def test_export_to_a_missing_folder_names_the_path(iris, tmp_path):
    X, y = iris
    clf = mlp.MLPClassifier(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="no/such"):
        clf.export_onnx(tmp_path / "no/such/m.onnx")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        clf.export_c(tmp_path / "file")


def test_the_stubs_declare_the_exports():
    import ast
    import pathlib

    stub = ast.parse((pathlib.Path(mlp.__file__).parent / "__init__.pyi").read_text())
    classes = {c.name: {f.name for f in c.body if isinstance(f, ast.FunctionDef)}
               for c in stub.body if isinstance(c, ast.ClassDef)}
    functions = {f.name for f in stub.body if isinstance(f, ast.FunctionDef)}
    assert {"import_onnx", "load"} <= functions
    for cls, stubbed in (("Sequential", mlp.Sequential), ("TrainedModel", mlp.TrainedModel),
                         ("_BaseMLP", mlp.MLPClassifier)):
        assert {"export_onnx", "export_c"} <= classes[cls]
        for name in classes[cls] - {"__init__"}:
            assert hasattr(stubbed, name), f"the stub of {cls} declares {name}, which is missing"
