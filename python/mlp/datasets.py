"""Reading data files into NumPy arrays with the library's readers (the CLI's read_dataset)."""

from dataclasses import dataclass, field

import numpy as np

from mlp import _core


@dataclass
class Dataset:
    """A data set read from a file.

    Attributes
    ----------
    data : ndarray of shape (n_samples, n_features)
        The features.
    target : ndarray of shape (n_samples,)
        Class indices into ``target_names`` (int32) for classification, values for regression.
    feature_names : list of str
        The feature columns' names.
    target_names : list of str
        The class names (classification), else empty.
    task : {'classification', 'regression'}
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: list = field(default_factory=list)
    target_names: list = field(default_factory=list)
    task: str = "classification"


def _dataset(record, return_X_y):
    if return_X_y:
        return record["X"], record["y"]
    return Dataset(record["X"], record["y"], record["feature_names"], record["class_names"], record["task"])


def read_csv(path, target, *, ignore=(), delimiter=None, task=None, dtype="float64", return_X_y=False):
    """Read a CSV file with a header row: every column but ``target`` and ``ignore`` becomes
    features as ``mlp train`` makes them (numbers, yes/no as 0/1, one-hot text categories, gaps
    filled; identifier-like columns left out: docs/cli.md, "Tables").

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    target : str
        The column to predict.
    ignore : sequence of str, default=()
        Columns that are not features.
    delimiter : str or None, default=None
        The field separator (one character); None detects it from the first lines.
    task : {'classification', 'regression'} or None, default=None
        None guesses it from the target column as ``mlp train`` does.
    dtype : {'float32', 'float64'}, default='float64'
        The features' dtype.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Dataset.

    Returns
    -------
    Dataset, or (data, target)

    Raises
    ------
    mlp.DataError
        For a file that cannot be read or a bad value; the message names file, line and column.
    """
    if delimiter is not None and len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    record = _core.read_dataset(str(path), target=str(target), ignore=list(ignore), delimiter=delimiter,
                                task=task, dtype=np.dtype(dtype).name)
    return _dataset(record, return_X_y)


def read_idx(images, labels, *, dtype="float32", return_X_y=False):
    """Read IDX images (MNIST's format, raw or gzipped) and their labels file.

    Parameters
    ----------
    images, labels : str or path-like
        The images file (n x rows x columns unsigned bytes) and the labels file.
    dtype : {'float32', 'float64'}, default='float32'
        The features' dtype; pixels are scaled to [0, 1] as ``mlp train`` reads them.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Dataset.

    Returns
    -------
    Dataset, or (data, target)
    """
    record = _core.read_dataset(str(images), labels_path=str(labels), dtype=np.dtype(dtype).name)
    return _dataset(record, return_X_y)
