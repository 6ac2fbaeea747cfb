"""mlp.Sequential: the library's Keras-like network, and mlp.load for its model files."""

import json
import os

import numpy as np

from mlp import _core
from mlp._trained_model import file_model, network_model

_NETWORKS = {np.dtype(np.float32): _core.Sequential_f32, np.dtype(np.float64): _core.Sequential_f64}


def _network_dtype(dtype):
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from error
    if dtype not in _NETWORKS:
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


class History:
    """What ``Sequential.fit`` recorded, as Keras' History.

    Attributes
    ----------
    history : dict of str to list of float
        ``loss``, ``learning_rate`` and, where they apply, ``accuracy``, ``val_loss`` and
        ``val_accuracy``, one value per finished epoch.
    best_epoch : int
        The 1-based epoch whose parameters the network holds (after early stopping, the best).
    stopped_early : bool
        True when early stopping, the convergence rule or the callback ended training.
    rollbacks : int
        Divergences undone by halving the learning rate (``max_rollbacks``).
    """

    def __init__(self, record):
        self.history = {k: list(record[k]) for k in ("loss", "accuracy", "val_loss", "val_accuracy",
                                                     "learning_rate") if record[k]}
        self.best_epoch = record["best_epoch"]
        self.stopped_early = record["stopped_early"]
        self.rollbacks = record["rollbacks"]

    def __repr__(self):
        return f"History(epochs={len(self.history.get('loss', []))}, best_epoch={self.best_epoch})"


class Sequential:
    """A multilayer perceptron as a stack of Dense layers (the library's ``mlp::Sequential``).

    Parameters
    ----------
    n_inputs : int
        The number of input features.
    dtype : {'float32', 'float64'}, default='float32'
        The precision of the parameters and of the arithmetic.

    Examples
    --------
    >>> import numpy as np, mlp
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    >>> y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    >>> net = mlp.Sequential(2).add(3, "sigmoid").add(1, "sigmoid")
    >>> net.initialize("uniform", seed=1)
    >>> net.compile("sse", "gd", learning_rate=0.1)
    >>> history = net.fit(X, y, epochs=5000)
    """

    def __init__(self, n_inputs, dtype="float32"):
        self._net = _NETWORKS[_network_dtype(dtype)](int(n_inputs))

    @classmethod
    def _wrap(cls, net):
        self = cls.__new__(cls)
        self._net = net
        return self

    # -- building ------------------------------------------------------------------------------
    def add(self, units, activation):
        """Append a Dense layer of ``units`` units with ``activation`` (sigmoid, tanh, relu,
        identity, softmax). Returns self, so that calls chain."""
        self._net.add(int(units), str(activation))
        return self

    def initialize(self, init="glorot_uniform", seed=0, **settings):
        """Draw every layer's weights then biases from ``init`` (uniform, normal,
        glorot_uniform, glorot_normal, he_uniform, he_normal; ``low``/``high`` for uniform,
        ``mean``/``stddev`` for normal), from one generator seeded with ``seed``."""
        self._net.initialize(str(init), int(seed), **settings)

    def compile(self, loss, optimizer="adam", learning_rate=None, **settings):
        """Choose the loss (sse, mse, binary_crossentropy, categorical_crossentropy) and the
        optimizer (gd, sgd, momentum, adam; ``momentum``, ``beta1``, ``beta2``, ``epsilon``)."""
        self._net.compile(str(loss), str(optimizer), learning_rate, **settings)

    # -- training and prediction ---------------------------------------------------------------
    def fit(self, X, y, epochs=1, batch_size=None, shuffle=True, seed=0, validation_data=None,
            schedule="constant", early_stopping_patience=0, callback=None, **options):
        """Train with the compiled loss and optimizer; returns a History.

        ``y`` is samples x outputs (0/1 for sigmoid outputs, one-hot for softmax, values for
        regression); a 1-D ``y`` is one output. ``batch_size=None`` is the whole data set.
        ``callback(log)`` is called after each epoch with a dict (epoch, loss, accuracy,
        val_loss, val_accuracy); returning False stops training. Ctrl-C stops after the current
        batch and raises KeyboardInterrupt; the network keeps the last finished update.
        ``options``: the library's other FitOptions by name.
        """
        y = _as_2d(y)
        X_val = y_val = None
        if validation_data is not None:
            X_val, y_val = validation_data
            y_val = _as_2d(y_val)
        record = self._net.fit(X, y, X_val, y_val, epochs=int(epochs),
                               batch_size=0 if batch_size is None else int(batch_size),
                               shuffle=bool(shuffle), seed=int(seed), schedule=str(schedule),
                               early_stopping_patience=int(early_stopping_patience),
                               callback=callback, **options)
        return History(record)

    def partial_fit(self, X, y, callback=None, **options):
        """One epoch over (X, y) that continues the training state of the previous fit or
        partial_fit (the optimizer's moments and step count, the samples seen, the schedule, the
        shuffling): k calls on the same data equal one fit of k epochs. Returns a History.
        (It is ``fit(X, y, epochs=1, keep_training_state=True)``.)"""
        options.update(epochs=1, keep_training_state=True)
        return History(self._net.fit(X, _as_2d(y), callback=callback, **options))

    def predict_proba(self, X):
        """The output layer's activations for X (samples x outputs)."""
        return self._net.predict_proba(X)

    def predict(self, X):
        """Predictions by the output rule: 0/1 per output for sigmoid outputs, the class index
        (samples x 1) for softmax, the values for regression."""
        return self._net.predict(X)

    # -- parameters ----------------------------------------------------------------------------
    @property
    def parameters(self):
        """All parameters as one writable NumPy view [W1 | b1 | W2 | b2 | ...] (no copy)."""
        return self._net.parameters

    def get_weights(self):
        """Copies of [W1, b1, W2, b2, ...], each W n_in x n_out (as Keras' get_weights)."""
        weights = []
        for i in range(len(self._net.layers)):
            weights += [self._net.weights(i).copy(), self._net.bias(i).copy()]
        return weights

    def set_weights(self, weights):
        """Set the parameters from [W1, b1, W2, b2, ...] of the right shapes."""
        expected = 2 * len(self._net.layers)
        if len(weights) != expected:
            raise ValueError(f"set_weights needs {expected} arrays (W and b of each layer), got {len(weights)}")
        for i in range(len(self._net.layers)):
            for target, value, what in ((self._net.weights(i), weights[2 * i], "W"),
                                        (self._net.bias(i), weights[2 * i + 1], "b")):
                value = np.asarray(value)
                if value.shape != target.shape:
                    raise ValueError(f"layer {i} {what} must have shape {target.shape}, got {value.shape}")
                target[...] = value

    @property
    def layers(self):
        """[(units, activation), ...], first layer first."""
        return self._net.layers

    n_inputs = property(lambda self: self._net.n_inputs, doc="The number of input features.")
    n_outputs = property(lambda self: self._net.n_outputs, doc="The number of outputs.")
    dtype = property(lambda self: np.dtype(self._net.dtype), doc="float32 or float64.")
    loss = property(lambda self: self._net.loss, doc="The compiled loss's name.")
    optimizer = property(lambda self: self._net.optimizer, doc="The compiled optimizer's settings.")

    # -- files ---------------------------------------------------------------------------------
    def save(self, path, extra=None):
        """Write the network to a safetensors model file (the CLI's format), atomically.
        ``extra``: a JSON-serialisable dict stored in the file's metadata."""
        self._net.save(str(path), json.dumps({} if extra is None else extra))

    def export_onnx(self, path, *, feature_names=None, class_names=None):
        """Write the network as ONNX (opset 17, IR version 8, float32; docs/export.md).

        A network loaded from a model file of ``mlp train`` or ``mlp import`` is exported as
        ``mlp export`` exports that file: raw columns in, with its preprocessing in the graph.
        Any other network takes its inputs as ``X`` and gives, with a softmax output layer,
        ``label`` (int64: ``predict``'s class index) and ``probabilities``, with
        ``class_names`` ``label`` as their text; otherwise its one output as ``variable``.
        The outputs equal ``predict_proba`` to 1e-5.

        Parameters
        ----------
        path : str or path-like
            The .onnx file to write (atomically).
        feature_names : list of str, default=None
            The input's column names (default ``x0, x1, ...``), listed in the input's doc
            string. Not for a model file's network, which names its own.
        class_names : list of str, default=None
            The classes of the outputs (default for a softmax output ``0, 1, ...``); two names
            for one sigmoid output make it a binary classifier.

        Raises
        ------
        ValueError
            When the network is neither a classifier nor has one output, or the names do not fit.
        """
        integer_labels = class_names is None and self._softmax_output() and not self._has_metadata()
        self._trained_model(feature_names, class_names).export_onnx(os.fspath(path), integer_labels)

    def export_c(self, dir, name="model", scratch="static", quantize=None, *, feature_names=None,
                 class_names=None):
        """Write ``NAME.h`` and ``NAME.c``: the network as C99 with no allocation and nothing
        beyond ``<math.h>``, its outputs those of the ONNX export (docs/export.md).

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
        feature_names, class_names : list of str, default=None
            As for :meth:`export_onnx`.

        Returns
        -------
        sizes : dict
            ``flash_bytes`` (the constant arrays) and ``ram_bytes`` (the scratch).
        """
        model = self._trained_model(feature_names, class_names)
        return dict(model.export_c(os.fspath(dir), str(name), str(scratch), quantize))

    def _trained_model(self, feature_names, class_names):
        """The _core TrainedModel to export: the model file's metadata when the network was
        loaded with some, else one built from the names."""
        if self._has_metadata():
            if feature_names is not None or class_names is not None:
                raise ValueError("this network's model file names its features and classes: "
                                 "export it without feature_names and class_names")
            return file_model(self._net, json.dumps(self.extra), getattr(self, "_source", "the network"))
        if class_names is None and self._softmax_output():
            class_names = [str(k) for k in range(self.n_outputs)]
        return network_model(self._net, feature_names, class_names)

    def _has_metadata(self):
        """Whether the network came from a model file with mlp's metadata (mlp train, import)."""
        extra = getattr(self, "extra", None)
        return isinstance(extra, dict) and "format_version" in extra

    def _softmax_output(self):
        return bool(self.layers) and self.layers[-1][1] == "softmax"

    def __repr__(self):
        layers = ", ".join(f"{u} {a}" for u, a in self.layers)
        return f"Sequential({self.n_inputs} inputs: {layers}; dtype={self._net.dtype})"


def load(path):
    """Read a model file written by ``Sequential.save``, the CLI's ``mlp train`` or the C++
    ``save_model``; returns a Sequential in the file's precision (its extra metadata in
    ``.extra``)."""
    net, extra = _core.load(str(path))
    model = Sequential._wrap(net)
    model.extra = json.loads(extra)
    model._source = os.fspath(path)
    return model


def _as_2d(y):
    y = np.asarray(y)
    return y.reshape(-1, 1) if y.ndim == 1 else y
