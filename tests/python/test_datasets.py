"""mlp.datasets: the library's CSV and IDX readers into NumPy arrays."""

import numpy as np
import pytest

import mlp


def test_read_csv_gives_arrays_and_names(datasets):
    iris = mlp.datasets.read_csv(datasets / "iris.csv", target="species")
    assert iris.data.shape == (150, 4) and iris.data.dtype == np.float64
    assert iris.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert iris.target_names == ["setosa", "versicolor", "virginica"]
    assert iris.task == "classification"
    np.testing.assert_array_equal(np.bincount(iris.target), [50, 50, 50])
    np.testing.assert_allclose(iris.data[0], [5.1, 3.5, 1.4, 0.2])


def test_read_csv_regression_and_return_X_y(datasets):
    X, y = mlp.datasets.read_csv(datasets / "diabetes.csv", target="target", dtype="float32",
                                 return_X_y=True)
    assert X.shape == (442, 10) and X.dtype == np.float32
    assert y.dtype == np.float32 and y[0] == 151


def test_read_idx_reads_mnist_test_images(datasets):
    X, y = mlp.datasets.read_idx(datasets / "t10k-images-idx3-ubyte.gz",
                                 datasets / "t10k-labels-idx1-ubyte.gz", return_X_y=True)
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))


def test_bad_files_raise_data_errors_naming_the_place(tmp_path, datasets):
    bad = tmp_path / "bad.csv"
    # A column of numbers with one text cell (a two-valued text column would be a category).
    rows = [f"{i},{2 * i},{'xy'[i % 2]}" for i in range(30)]
    rows[1] = "1,oops,y"
    bad.write_text("a,b,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(mlp.DataError, match=r"bad.csv:3:2"):
        mlp.datasets.read_csv(bad, target="y")
    with pytest.raises(mlp.DataError, match="no_such_column"):
        mlp.datasets.read_csv(datasets / "iris.csv", target="no_such_column")
    with pytest.raises(ValueError, match="missing.csv"):
        mlp.datasets.read_csv(tmp_path / "missing.csv", target="y")


def test_text_columns_are_encoded_as_mlp_train_encodes_them(datasets):
    tips = mlp.datasets.read_csv(datasets / "tips.csv", target="tip")
    assert "sex=Female" in tips.feature_names and "day=Sun" in tips.feature_names
    assert "smoker" in tips.feature_names  # yes/no: one 0/1 feature
    assert tips.data.shape == (244, len(tips.feature_names))
    day = [tips.feature_names.index(f"day={d}") for d in ("Fri", "Sat", "Sun", "Thur")]
    assert (tips.data[:, day].sum(axis=1) == 1).all()  # one-hot
