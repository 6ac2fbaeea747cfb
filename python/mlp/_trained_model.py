"""mlp.TrainedModel: a network with what its data taught it, and the models that travel:
mlp.import_onnx, and the ONNX and C exports that Sequential and the estimators share
(docs/export.md)."""

import os

import numpy as np

from mlp import _core

_MODELS = {"float32": _core.TrainedModel_f32, "float64": _core.TrainedModel_f64}


class TrainedModel:
    """A network together with what its training data taught it: the feature columns it reads,
    the class names, the scaler (the library's ``mlp::TrainedModel``, what a model file of
    ``mlp train`` or ``mlp import`` holds).

    It takes raw features, as ``mlp predict`` does: the scaler is applied inside. Get one from
    :func:`mlp.import_onnx`; save it with :meth:`save` for the CLI (``mlp predict``, ``mlp
    evaluate``, ``mlp info``...), or export it again.

    Attributes
    ----------
    task : {'classification', 'regression'}
        What the model predicts.
    feature_names : list of str
        The features the model reads, in the order of X's columns.
    classes_ : ndarray of str of shape (n_classes,)
        The class names, in the order of ``predict_proba``'s columns (classifiers only).
    network : Sequential
        A copy of the network, which takes the standardised features.

    Examples
    --------
    >>> import mlp                                             # doctest: +SKIP
    >>> model = mlp.import_onnx("sklearn_mlp.onnx")            # doctest: +SKIP
    >>> model.predict_proba(X)                                 # doctest: +SKIP
    >>> model.save("model.safetensors")                        # doctest: +SKIP
    """

    def __init__(self, core):
        self._model = core

    task = property(lambda self: self._model.task, doc="'classification' or 'regression'.")
    feature_names = property(lambda self: list(self._model.feature_names),
                             doc="The features the model reads, in X's column order.")

    @property
    def classes_(self):
        """The class names, in the order of predict_proba's columns (classifiers only)."""
        self._require("classification", "classes_")
        return np.array(self._model.class_names)

    @property
    def network(self):
        """A copy of the network (it takes standardised features)."""
        from mlp._sequential import Sequential  # which imports this module

        return Sequential._wrap(self._model.network)

    def predict_proba(self, X):
        """Class probabilities of a classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Raw features, in the order of ``feature_names``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        self._require("classification", "predict_proba")
        return self._model.predict_proba(X)

    def predict(self, X):
        """The most probable class (classifier) or the predicted value (regression).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Raw features, in the order of ``feature_names``.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Class names (the first of equal probabilities), or values in the target's units.
        """
        if self.task == "classification":
            return self.classes_[self._model.predict_classes(X)]
        return self._model.predict_values(X)

    def save(self, path):
        """Write the model file (safetensors with mlp's metadata) that the CLI reads, atomically.

        Parameters
        ----------
        path : str or path-like
            The file to write.
        """
        self._model.save(os.fspath(path))

    def export_onnx(self, path):
        """Write the model as ONNX (opset 17, IR version 8, float32): ``X`` in, ``label`` and
        ``probabilities`` out for a classifier, ``variable`` for a regression model, with the
        scaler in the graph (docs/export.md).

        Parameters
        ----------
        path : str or path-like
            The .onnx file to write (atomically).
        """
        self._model.export_onnx(os.fspath(path))

    def export_c(self, dir, name="model", scratch="static", quantize=None):
        """Write ``NAME.h`` and ``NAME.c``: the model as C99 with no allocation and nothing
        beyond ``<math.h>`` (docs/export.md).

        Parameters
        ----------
        dir : str or path-like
            The folder to write into, created with its parents when missing.
        name : str, default='model'
            The files' name and the prefix of every C symbol (a C identifier).
        scratch : {'static', 'caller'}, default='static'
            Where the activations live: a static buffer in NAME.c, or the caller's
            ``NAME_SCRATCH_FLOATS`` floats.
        quantize : {None, 'int8'}, default=None
            'int8' stores the weights as int8 with one float scale per layer.

        Returns
        -------
        sizes : dict
            ``flash_bytes`` (the constant arrays) and ``ram_bytes`` (the scratch).
        """
        return dict(self._model.export_c(os.fspath(dir), str(name), str(scratch), quantize))

    def _require(self, task, what):
        if self.task != task:
            raise AttributeError(f"{what} is for {task} models; this one is a {self.task} model")

    def __repr__(self):
        layers = ", ".join(f"{u} {a}" for u, a in self._model.network.layers)
        return f"TrainedModel({self.task}: {len(self.feature_names)} features: {layers})"


def import_onnx(path, feature_names=None, target="target"):
    """Read an MLP-shaped ONNX model (what skl2onnx writes for scikit-learn's MLPClassifier and
    MLPRegressor, with their StandardScaler, and torch.onnx.export for an ``nn.Sequential`` of
    Linear layers and activations), as ``mlp import`` does.

    Parameters
    ----------
    path : str or path-like
        The .onnx file.
    feature_names : list of str, default=None
        The names of the input's columns (default ``x0, x1, ...``), as the model file records
        them for ``mlp predict``.
    target : str, default='target'
        The CSV column ``mlp evaluate`` compares with.

    Returns
    -------
    model : TrainedModel
        The model (float32), predicting as the source framework does to 1e-5.

    Raises
    ------
    mlp.ModelFileError
        When the file cannot be read or the graph is not an MLP: the message names the file and
        the node that cannot be mapped.
    """
    names = [] if feature_names is None else [str(n) for n in feature_names]
    return TrainedModel(_core.import_onnx(os.fspath(path), names, str(target)))


def file_model(net, extra_json, source):
    """The _core TrainedModel of a _core network and the metadata text of its model file."""
    return _MODELS[net.dtype].from_file_metadata(net, extra_json, source)


def network_model(net, feature_names=None, class_names=None):
    """The _core TrainedModel of a _core network without mlp's metadata: a classifier when
    class_names are given, else a regression model (see from_names in python/src)."""
    features = [] if feature_names is None else [str(n) for n in feature_names]
    classes = [] if class_names is None else [str(c) for c in class_names]
    if len(set(classes)) != len(classes):
        raise ValueError(f"the class names must differ as text, got {classes}")
    return _MODELS[net.dtype].from_names(net, features, classes)
