"""mlp.MLPRegressor: scikit-learn's MLPRegressor on the C++ library."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from mlp import _docs
from mlp._base import BaseMLP
from mlp._sparse import dense_for_fit


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""Multi-layer perceptron regressor: scikit-learn's MLPRegressor, trained by mlp's
    C++ library.

    It minimises the squared error (an identity output layer) or half the Poisson deviance (an
    exponential output layer) with L-BFGS, minibatch SGD or Adam, or the full-batch gradient
    descent 'gd'.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson'}}, default='squared_error'
        The loss: half the mean squared error, or half the Poisson deviance of counts, with the
        exponential as the output activation (a log link), which needs ``y >= 0``.

{_docs.PARAMETERS}
    Attributes
    ----------
{_docs.ATTRIBUTES}
    See Also
    --------
    sklearn.neural_network.MLPRegressor : the model this one replaces.
    MLPClassifier : Multi-layer perceptron classifier.

    Examples
    --------
    >>> from mlp import MLPRegressor
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_samples=200, random_state=1)
    >>> regr = MLPRegressor(random_state=1, max_iter=2000, tol=0.1).fit(X, y)
    >>> regr.predict(X[:2]).shape
    (2,)
    """

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, init="sklearn", dtype="float32", n_threads=None):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.init = init
        self.dtype = dtype
        self.n_threads = n_threads

    _score_function = staticmethod(r2_score)

    def _is_classifier(self):
        return False

    def _check_params(self):
        if self.loss not in ("squared_error", "poisson"):
            raise ValueError("The 'loss' parameter must be 'squared_error' or 'poisson'; "
                             f"got {self.loss!r}.")
        return super()._check_params()

    def _library_loss(self):
        return "poisson" if self.loss == "poisson" else "mse"

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _export_classes(self):
        if self.n_outputs_ != 1:
            raise ValueError(f"a multi-output MLPRegressor ({self.n_outputs_} outputs) cannot be "
                             "exported: the ONNX and C exports hold one value per sample")
        return None

    def _integer_labels(self):
        return False

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                             dtype=(np.float64, np.float32), reset=reset, accept_sparse="csr")
        if sp.issparse(X):
            X = dense_for_fit(X, self._dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = (y.reshape(-1, 1) if y.ndim == 1 else y).astype(self._dtype)
        if self.loss == "poisson" and not np.all(Y >= 0):
            raise ValueError("loss='poisson' needs targets y >= 0 (counts or rates); y has negative "
                             "values. Use loss='squared_error' for targets of any sign.")
        return X, Y, y

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The trained model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The trained model.
        """
        if self.solver not in ("sgd", "adam", "gd"):
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic.")
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _predict(self, X, check_input=True):
        y_pred = self._forward(X, check_input=check_input)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        check_is_fitted(self)
        return self._predict(X)
