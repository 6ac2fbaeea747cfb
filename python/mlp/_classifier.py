"""mlp.MLPClassifier: scikit-learn's MLPClassifier on the C++ library."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from mlp import _docs
from mlp._base import BaseMLP
from mlp._sparse import dense_for_fit


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""Multi-layer perceptron classifier: scikit-learn's MLPClassifier, trained by mlp's
    C++ library.

    It minimises the log-loss (softmax outputs for several classes, a sigmoid output for two
    classes and per label for multi-label y) with L-BFGS, minibatch SGD or Adam, or the
    full-batch gradient descent 'gd'.

    Parameters
    ----------
{_docs.PARAMETERS}
    loss : {{'log_loss', 'squared_error'}}, default='log_loss'
        The loss (mlp only): scikit-learn's log-loss, or the mean squared error of the
        probabilities.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes (mlp only), multiplying ``sample_weight``: a dict
        ``{{class: weight}}``, or 'balanced': ``n_samples / (n_classes * count(class))``.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        The class labels.

{_docs.ATTRIBUTES}
    See Also
    --------
    sklearn.neural_network.MLPClassifier : the model this one replaces.
    MLPRegressor : Multi-layer perceptron regressor.

    Examples
    --------
    >>> from mlp import MLPClassifier
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=1)
    >>> clf = MLPClassifier(random_state=1, max_iter=300).fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 2)
    >>> clf.score(X_test, y_test) > 0.8
    True
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000, loss="log_loss", init="sklearn", dtype="float32", n_threads=None,
                 class_weight=None):
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
        self.loss = loss
        self.init = init
        self.dtype = dtype
        self.n_threads = n_threads
        self.class_weight = class_weight

    _score_function = staticmethod(accuracy_score)

    def _is_classifier(self):
        return True

    def _check_params(self):
        if self.loss not in ("log_loss", "squared_error"):
            raise ValueError(f"The 'loss' parameter must be 'log_loss' or 'squared_error'; got {self.loss!r}.")
        if not (self.class_weight is None or self.class_weight == "balanced" or isinstance(self.class_weight, dict)):
            raise ValueError(f"class_weight must be None, 'balanced' or a dict; got {self.class_weight!r}.")
        return super()._check_params()

    def _library_loss(self):
        if self.loss == "squared_error":
            return "mse"
        return "categorical_crossentropy" if self.out_activation_ == "softmax" else "binary_crossentropy"

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _validate_input(self, X, y, incremental, reset):
        """X as a float array, the label-indicator matrix Y, and y (1-D unless multi-label), with
        classes_ (re)defined as scikit-learn's MLPClassifier does."""
        X, y = validate_data(self, X, y, multi_output=True, dtype=(np.float64, np.float32), reset=reset,
                             accept_sparse="csr")
        if sp.issparse(X):
            X = dense_for_fit(X, self._dtype)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
            if not self._label_binarizer.y_type_.startswith("multilabel") and len(self.classes_) < 2:
                raise ValueError(f"y has only one class ({self.classes_[0]!r}): a classifier needs "
                                 "samples of at least 2 classes")
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                                     f"previous call to fit. Previously got {self.classes_}, `y` has {classes}")
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        Y = self._label_binarizer.transform(y).astype(self._dtype)
        return X, Y, y

    def _sample_weights(self, X, y, sample_weight):
        sample_weight = super()._sample_weights(X, y, sample_weight)
        if self.class_weight is None:
            return sample_weight
        class_weights = compute_sample_weight(self.class_weight, y)
        return class_weights if sample_weight is None else sample_weight * class_weights

    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels; a label-indicator matrix for multi-label).

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The trained model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        classes : array of shape (n_classes,), default=None
            All the classes of y; required on the first call, ignored afterwards.

        Returns
        -------
        self : object
            The trained model.
        """
        if self.solver not in ("sgd", "adam", "gd"):
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic.")
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
            self.classes_ = self._label_binarizer.classes_
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _predict(self, X, check_input=True):
        y_pred = self._forward(X, check_input=check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

    def predict(self, X):
        """Predict the classes of X.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        check_is_fitted(self)
        return self._predict(X)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The probability of each class, in the order of ``classes_``.
        """
        y_pred = self._forward(X)
        if y_pred.shape[1] == 1:
            y_pred = y_pred.ravel()
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def predict_log_proba(self, X):
        """Log of the probability estimates.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def _export_classes(self):
        if self._label_binarizer.y_type_.startswith("multilabel"):
            raise ValueError("a multi-label MLPClassifier cannot be exported: the ONNX and C "
                             "exports hold one class per sample (softmax, or one sigmoid unit "
                             "for two classes)")
        return list(self.classes_)

    def _integer_labels(self):
        return bool(np.issubdtype(np.asarray(self.classes_).dtype, np.integer))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
