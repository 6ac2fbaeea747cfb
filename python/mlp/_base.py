"""The part of MLPClassifier and MLPRegressor they share: parameters, the training loop around
the library's fit, scikit-learn's stopping rules, the fitted attributes, pickling."""

import numbers
import warnings
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from mlp import _core
from mlp._lbfgs import fit_lbfgs
from mlp._scaling import loss_scale
from mlp._sparse import predict_in_blocks
from mlp._sequential import Sequential
from mlp._trained_model import network_model

# scikit-learn's names of the hidden activations -> the library's.
_HIDDEN_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
# scikit-learn's out_activation_ -> the library's output activation.
_OUTPUT_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "softmax": "softmax",
                       "exp": "exponential"}
_SOLVERS = ("lbfgs", "sgd", "adam", "gd")
_SCHEDULES = ("constant", "invscaling", "adaptive")
_INITS = ("sklearn", "uniform", "normal", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal")
_DTYPES = {"float32": np.float32, "float64": np.float64}
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_number(name, value, low=None, high=None, integer=False, low_open=False, high_open=False):
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(f"The '{name}' parameter must be {'an int' if integer else 'a float'}; got {value!r}.")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"The '{name}' parameter must be {'>' if low_open else '>='} {low}; got {value!r}.")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"The '{name}' parameter must be {'<' if high_open else '<='} {high}; got {value!r}.")


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"The '{name}' parameter must be one of {', '.join(map(repr, choices))}; got {value!r}.")


@contextmanager
def _thread_count(n_threads):
    """The library's thread count set to n_threads (None: leave it) for the block."""
    if n_threads is None:
        yield
        return
    before = _core.threads()
    _core.set_threads(int(n_threads))
    try:
        yield
    finally:
        _core.set_threads(before)


class _EpochMonitor:
    """The per-epoch callback: records scikit-learn's attributes and applies its stopping rule.

    After each epoch: loss_curve_ (the loss on scikit-learn's scale, with the L2 penalty), n_iter_,
    t_; then, as scikit-learn's _update_no_improvement_count, either the validation score
    (early_stopping: keeping the best parameters) or the training loss is compared with the best
    so far; more than n_iter_no_change epochs in a row without an improvement of tol stop training.
    """

    def __init__(self, est, n_samples, scale, validation):
        self.est = est
        self.n_samples = n_samples
        self.scale = scale
        self.validation = validation  # (X_val, y_val, sample_weight_val) or None
        self.best_parameters = None
        self.converged = False

    def __call__(self, log):
        est = self.est
        # The library's loss includes its penalty s * alpha / (2 n) ||W||^2; on scikit-learn's
        # scale the penalty is alpha / (2 n) ||W||^2 (equal when report * s = 1, i.e. one output).
        correction = (1.0 - self.scale.report * self.scale.gradient) * est._l2_penalty(self.n_samples)
        loss = log["loss"] * self.scale.report + correction
        est.loss_curve_.append(loss)
        est.loss_ = loss
        est.n_iter_ += 1
        est.t_ += self.n_samples
        if est.verbose:
            print("Iteration %d, loss = %.8f" % (est.n_iter_, loss))
        self._update_no_improvement_count()
        if est._no_improvement_count > est.n_iter_no_change:
            if est.solver == "sgd" and est.learning_rate == "adaptive":
                # The library divides the learning rate by 5 itself (FitOptions::tol).
                est._no_improvement_count = 0
                return True
            if est.verbose:
                what = "Validation score" if self.validation else "Training loss"
                print(f"{what} did not improve more than tol={est.tol:f} for "
                      f"{est.n_iter_no_change} consecutive epochs. Stopping.")
            self.converged = True
            return False
        return True

    def _update_no_improvement_count(self):
        est = self.est
        if self.validation is not None:
            X_val, y_val, sw_val = self.validation
            score = est._validation_score(X_val, y_val, sw_val)
            est.validation_scores_.append(score)
            if est.verbose:
                print("Validation score: %f" % score)
            if score < est.best_validation_score_ + est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best_parameters = est._net.parameters.copy()
        else:
            if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if est.loss_curve_[-1] < est.best_loss_:
                est.best_loss_ = est.loss_curve_[-1]


class BaseMLP(BaseEstimator):
    """Base of MLPClassifier and MLPRegressor; use those."""

    # -- parameters ----------------------------------------------------------------------------
    def _check_params(self):
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size <= 0:
                raise ValueError(f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes}.")
        _check_choice("activation", self.activation, tuple(_HIDDEN_ACTIVATIONS))
        _check_choice("solver", self.solver, _SOLVERS)
        _check_number("alpha", self.alpha, low=0)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _check_number("batch_size", self.batch_size, low=1, integer=True)
        _check_choice("learning_rate", self.learning_rate, _SCHEDULES)
        _check_number("learning_rate_init", self.learning_rate_init, low=0, low_open=True)
        _check_number("power_t", self.power_t, low=0)
        _check_number("max_iter", self.max_iter, low=1, integer=True)
        _check_number("tol", self.tol, low=0)
        _check_number("momentum", self.momentum, low=0, high=1)
        _check_number("validation_fraction", self.validation_fraction, low=0, high=1, high_open=True)
        _check_number("beta_1", self.beta_1, low=0, high=1, high_open=True)
        _check_number("beta_2", self.beta_2, low=0, high=1, high_open=True)
        _check_number("epsilon", self.epsilon, low=0, low_open=True)
        if self.n_iter_no_change != np.inf:
            _check_number("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)
        _check_number("max_fun", self.max_fun, low=1, integer=True)
        _check_choice("init", self.init, _INITS)
        _check_choice("dtype", self.dtype if isinstance(self.dtype, str) else np.dtype(self.dtype).name,
                      tuple(_DTYPES))
        if self.n_threads is not None:
            _check_number("n_threads", self.n_threads, low=0, integer=True)
        return sizes

    @property
    def _dtype(self):
        return _DTYPES[self.dtype if isinstance(self.dtype, str) else np.dtype(self.dtype).name]

    # -- fitting -------------------------------------------------------------------------------
    def _fit(self, X, y, sample_weight=None, incremental=False):
        hidden = self._check_params()
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, Y, y_original = self._validate_input(X, y, incremental, reset=first_pass)
        sample_weight = self._sample_weights(X, y_original, sample_weight)
        self._random_state = check_random_state(self.random_state)
        layer_units = [X.shape[1]] + hidden + [Y.shape[1]]
        if first_pass:
            self._initialize(Y, layer_units)
        elif [u for u, _ in self._net.layers] != layer_units[1:]:
            raise ValueError(f"warm start: the network has layers {[u for u, _ in self._net.layers]}, "
                             f"the parameters and data ask for {layer_units[1:]}")
        scale = loss_scale(self._library_loss(), Y.shape[1])
        with _thread_count(self.n_threads):
            if self.solver == "lbfgs":
                fit_lbfgs(self, X, Y, sample_weight, scale)
            else:
                self._fit_stochastic(X, Y, y_original, sample_weight, incremental, scale)
        if not np.all(np.isfinite(self._net.parameters)):
            raise ValueError("Solver produced non-finite parameter weights. The input data may"
                             " contain large values and need to be preprocessed.")
        return self

    def _sample_weights(self, X, y, sample_weight):
        """The weight of each sample: sample_weight times the class weight (classifier), or None
        when all are 1."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        return sample_weight

    def _initialize(self, Y, layer_units):
        self._compiled = False  # a new network: the next partial_fit compiles it
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = Y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        net = Sequential(layer_units[0], dtype=self._dtype)
        for units in layer_units[1:-1]:
            net.add(units, _HIDDEN_ACTIVATIONS[self.activation])
        net.add(layer_units[-1], _OUTPUT_ACTIVATIONS[self.out_activation_])
        if self.init == "sklearn":
            net.set_weights(self._sklearn_initial_weights(layer_units))
        else:
            net.initialize(self.init, seed=int(self._random_state.randint(np.iinfo(np.int32).max)))
        self._set_network(net)
        if self.solver != "lbfgs":
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _sklearn_initial_weights(self, layer_units):
        """scikit-learn's initialisation, drawn as it draws it (the same random_state gives the
        same initial network): W and b of each layer ~ U(-l, l), l = sqrt(f / (n_in + n_out)),
        f = 2 for logistic hidden units, else 6."""
        factor = 2.0 if self.activation == "logistic" else 6.0
        weights = []
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            weights.append(self._random_state.uniform(-bound, bound, (fan_in, fan_out)))
            weights.append(self._random_state.uniform(-bound, bound, fan_out))
        return weights

    def _set_network(self, net):
        """Holds `net`; coefs_ and intercepts_ become NumPy views of its parameters."""
        self._net = net
        n_layers = len(net.layers)
        self.coefs_ = [net._net.weights(i) for i in range(n_layers)]
        self.intercepts_ = [net._net.bias(i) for i in range(n_layers)]
        self._views = self.coefs_ + self.intercepts_

    def _sync_network(self):
        """Copies coefs_ and intercepts_ into the network when the user has replaced them."""
        arrays = self.coefs_ + self.intercepts_
        if len(arrays) != len(self._views) or any(a is not b for a, b in zip(arrays, self._views)):
            n = len(self.coefs_)
            self._net.set_weights([a for i in range(n) for a in (self.coefs_[i], self.intercepts_[i])])
            self._set_network(self._net)

    def _compile(self, scale):
        """Compiles the network with the solver's settings, converted to the library's loss
        scale (see mlp._scaling)."""
        loss = self._library_loss()
        if self.solver == "adam":
            self._net.compile(loss, "adam", learning_rate=self.learning_rate_init, beta1=self.beta_1,
                              beta2=self.beta_2, epsilon=self.epsilon * scale.gradient)
        elif self.solver == "sgd" and self.momentum > 0:
            self._net.compile(loss, "momentum", learning_rate=self.learning_rate_init / scale.gradient,
                              momentum=self.momentum, nesterov=bool(self.nesterovs_momentum))
        else:  # sgd without momentum, gd
            self._net.compile(loss, "gd", learning_rate=self.learning_rate_init / scale.gradient)

    def _batch_size(self, n_samples):
        if self.solver == "gd":
            return n_samples
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be clipped")
        return int(np.clip(self.batch_size, 1, n_samples))

    def _split_validation(self, X, Y, y, sample_weight):
        """scikit-learn's early-stopping split (stratified for single-output classifiers)."""
        stratify = y if self._is_classifier() and self.n_outputs_ == 1 else None
        arrays = [X, Y, y] + ([] if sample_weight is None else [sample_weight])
        parts = train_test_split(*arrays, random_state=self._random_state,
                                 test_size=self.validation_fraction, stratify=stratify)
        X_train, X_val, Y_train, _, _, y_val = parts[:6]
        sw_train, sw_val = (parts[6], parts[7]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        return X_train, Y_train, sw_train, (X_val, y_val, sw_val)

    def _fit_stochastic(self, X, Y, y, sample_weight, incremental, scale):
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        validation = None
        if self.early_stopping:
            X, Y, sample_weight, validation = self._split_validation(X, Y, y, sample_weight)
        if not incremental or not getattr(self, "_compiled", False):
            # A new optimizer, as scikit-learn's fit makes; partial_fit keeps the library's state.
            self._compile(scale)
            self._compiled = True
        monitor = _EpochMonitor(self, X.shape[0], scale, validation)
        options = dict(batch_size=self._batch_size(X.shape[0]), shuffle=bool(self.shuffle),
                       seed=int(self._random_state.randint(np.iinfo(np.int32).max)))
        # The library's options beyond these only where they matter.
        if self.alpha != 0:
            options["l2"] = self.alpha * scale.gradient
        if sample_weight is not None:
            options["sample_weight"] = sample_weight
        if self.solver == "sgd" and self.learning_rate != "constant":
            options["schedule"] = self.learning_rate
            if self.learning_rate == "invscaling":
                options["power_t"] = self.power_t
            else:  # adaptive
                options.update(tol=self.tol / scale.report, n_iter_no_change=self.n_iter_no_change)
        self.n_iter_ = 0
        try:
            if incremental:
                self._net.partial_fit(X, Y, callback=monitor, **options)
            else:
                self._net.fit(X, Y, epochs=self.max_iter, callback=monitor, **options)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.")
        if monitor.best_parameters is not None:
            self._net.parameters[...] = monitor.best_parameters
        if not incremental and not monitor.converged and self.n_iter_ == self.max_iter:
            warnings.warn("Stochastic Optimizer: Maximum iterations (%d) reached and the "
                          "optimization hasn't converged yet." % self.max_iter, ConvergenceWarning)

    def _l2_penalty(self, n_samples):
        """scikit-learn's penalty term of the loss: alpha / (2 N) * sum of squared weights."""
        if self.alpha == 0:
            return 0.0
        return 0.5 * self.alpha * sum(float(np.dot(c.ravel(), c.ravel())) for c in self.coefs_) / n_samples

    # -- prediction ----------------------------------------------------------------------------
    def _forward(self, X, check_input=True):
        """The output layer's activations for X.

        The fast path: a plain 2-D float32 or float64 NumPy array (also memory-mapped) with the
        fitted number of features, for an estimator fitted without feature names, is all that
        scikit-learn's validate_data would accept unchanged but for NaN and infinity, which the
        library checks itself, without the GIL. Anything else, and an X with NaN or infinity, goes
        through validate_data, so every error and warning is scikit-learn's own.
        """
        if "_net" not in self.__dict__:
            check_is_fitted(self)
        self._sync_network()
        with _thread_count(self.n_threads):
            if check_input and self._takes_as_is(X):
                y = self._net._net.predict_proba(X, finite_only=True)
                if y is not None:
                    return y
            if check_input:
                X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32),
                                  accept_sparse="csr")
            if sp.issparse(X):
                return predict_in_blocks(self._net.predict_proba, X, self._dtype)
            return self._net.predict_proba(X)

    def _takes_as_is(self, X):
        """Whether validate_data would return X itself (up to its NaN and infinity check)."""
        return (type(X) in (np.ndarray, np.memmap) and X.ndim == 2 and X.dtype in _FLOAT_DTYPES
                and X.shape[0] > 0 and X.shape[1] == self.n_features_in_
                and "feature_names_in_" not in self.__dict__ and not get_config()["array_api_dispatch"])

    def _validation_score(self, X, y, sample_weight):
        """score() on validation data without validating it again (NaN predictions: NaN)."""
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return self._score_function(y, y_pred, sample_weight=sample_weight)

    # -- export --------------------------------------------------------------------------------
    def export_onnx(self, path):
        """Write the fitted model as ONNX (opset 17, IR version 8, float32; docs/export.md).

        The graph takes X as ``predict`` does (float32 ``[N, n_features_in_]``; the estimator
        holds no preprocessing, so none is in the graph). A classifier's outputs are ``label``
        (int64 when ``classes_`` are integers, else text: ``str`` of the class) and
        ``probabilities`` (``predict_proba``);
        a regressor's ``variable`` (``predict``, shape ``[N, 1]``). ONNX Runtime's outputs equal
        the estimator's to 1e-5.

        Parameters
        ----------
        path : str or path-like
            The .onnx file to write (atomically).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            For what the export cannot hold: multi-label classification, multi-output
            regression.
        """
        self._export_model().export_onnx(str(path), self._integer_labels())

    def export_c(self, dir, name="model", scratch="static", quantize=None):
        """Write ``NAME.h`` and ``NAME.c``: the fitted model as C99 with no allocation and nothing
        beyond ``<math.h>``; ``NAME_predict_proba(x, out)`` gives ``predict_proba``'s row (a
        regressor: ``out[0]`` the value). See docs/export.md.

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
        return dict(self._export_model().export_c(str(dir), str(name), str(scratch), quantize))

    def _export_model(self):
        """The library's TrainedModel of the fitted network: the columns of X (named by
        feature_names_in_ when fitted on a DataFrame), and the classes (classifier)."""
        check_is_fitted(self)
        self._sync_network()
        names = list(self.feature_names_in_) if hasattr(self, "feature_names_in_") else None
        return network_model(self._net._net, names, self._export_classes())

    # -- pickling ------------------------------------------------------------------------------
    def __getstate__(self):
        state = super().__getstate__()
        state = dict(state)
        state.pop("_net", None)
        state.pop("_views", None)
        compiled = state.pop("_compiled", False)
        if "coefs_" in state:
            state["coefs_"] = [np.array(c) for c in self.coefs_]
            state["intercepts_"] = [np.array(b) for b in self.intercepts_]
            if compiled:
                # The optimizer's moments and step, the shuffling's stream and order: partial_fit
                # after unpickling goes on as it would have, as scikit-learn's pickled _optimizer.
                state["_training_state"] = self._net._net.training_state_json()
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "coefs_" in state:
            coefs, intercepts = self.coefs_, self.intercepts_
            net = Sequential(coefs[0].shape[0], dtype=coefs[0].dtype)
            for i, c in enumerate(coefs):
                last = i == len(coefs) - 1
                net.add(c.shape[1], _OUTPUT_ACTIVATIONS[self.out_activation_] if last
                        else _HIDDEN_ACTIVATIONS[self.activation])
            net.set_weights([a for i in range(len(coefs)) for a in (coefs[i], intercepts[i])])
            self._set_network(net)
            training_state = self.__dict__.pop("_training_state", None)
            if training_state is not None:
                self._compile(loss_scale(self._library_loss(), self.n_outputs_))
                net._net.set_training_state_json(training_state)
                self._compiled = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
