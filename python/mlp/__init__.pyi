# Type stubs of the package mlp's public API.
import os
from typing import Any, Callable, Literal, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from mlp import datasets as datasets
from mlp._core import DataError as DataError, DivergenceError as DivergenceError
from mlp._core import ModelFileError as ModelFileError

__version__: str
_Path = str | os.PathLike[str]
_DType = Literal["float32", "float64"] | type[np.float32] | type[np.float64]
# The estimators' X: an array, or a scipy.sparse matrix (made dense: docs/python.md).
_X = npt.ArrayLike | scipy.sparse.spmatrix | scipy.sparse.sparray

class History:
    history: dict[str, list[float]]
    best_epoch: int
    stopped_early: bool
    rollbacks: int

class Sequential:
    extra: dict[str, Any]
    def __init__(self, n_inputs: int, dtype: _DType = ...) -> None: ...
    def add(self, units: int, activation: str) -> Sequential: ...
    def initialize(self, init: str = ..., seed: int = ..., **settings: float) -> None: ...
    def compile(self, loss: str, optimizer: str = ..., learning_rate: float | None = ...,
                **settings: Any) -> None: ...
    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike, epochs: int = ..., batch_size: int | None = ...,
            shuffle: bool = ..., seed: int = ...,
            validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = ...,
            schedule: str = ..., early_stopping_patience: int = ...,
            callback: Callable[[dict[str, float]], bool | None] | None = ..., **options: Any) -> History: ...
    def partial_fit(self, X: npt.ArrayLike, y: npt.ArrayLike,
                    callback: Callable[[dict[str, float]], bool | None] | None = ...,
                    **options: Any) -> History: ...
    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray: ...
    def predict(self, X: npt.ArrayLike) -> np.ndarray: ...
    @property
    def parameters(self) -> np.ndarray: ...
    def get_weights(self) -> list[np.ndarray]: ...
    def set_weights(self, weights: Sequence[npt.ArrayLike]) -> None: ...
    @property
    def layers(self) -> list[tuple[int, str]]: ...
    @property
    def n_inputs(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    @property
    def dtype(self) -> np.dtype[Any]: ...
    @property
    def loss(self) -> str: ...
    @property
    def optimizer(self) -> dict[str, Any]: ...
    def save(self, path: _Path, extra: Mapping[str, Any] | None = ...) -> None: ...
    def export_onnx(self, path: _Path, *, feature_names: Sequence[str] | None = ...,
                    class_names: Sequence[str] | None = ...) -> None: ...
    def export_c(self, dir: _Path, name: str = ..., scratch: Literal["static", "caller"] = ...,
                 quantize: Literal["int8"] | None = ..., *, feature_names: Sequence[str] | None = ...,
                 class_names: Sequence[str] | None = ...) -> dict[str, int]: ...

class TrainedModel:
    @property
    def task(self) -> Literal["classification", "regression"]: ...
    @property
    def feature_names(self) -> list[str]: ...
    @property
    def classes_(self) -> np.ndarray: ...
    @property
    def network(self) -> Sequential: ...
    def predict_proba(self, X: npt.ArrayLike) -> np.ndarray: ...
    def predict(self, X: npt.ArrayLike) -> np.ndarray: ...
    def save(self, path: _Path) -> None: ...
    def export_onnx(self, path: _Path) -> None: ...
    def export_c(self, dir: _Path, name: str = ..., scratch: Literal["static", "caller"] = ...,
                 quantize: Literal["int8"] | None = ...) -> dict[str, int]: ...

def load(path: _Path) -> Sequential: ...
def import_onnx(path: _Path, feature_names: Sequence[str] | None = ...,
                target: str = ...) -> TrainedModel: ...
def set_threads(count: int) -> None: ...
def get_threads() -> int: ...
def kernel_set() -> str: ...

class _BaseMLP(BaseEstimator):
    hidden_layer_sizes: int | Sequence[int]
    activation: Literal["identity", "logistic", "tanh", "relu"]
    solver: Literal["lbfgs", "sgd", "adam", "gd"]
    alpha: float
    batch_size: int | Literal["auto"]
    learning_rate: Literal["constant", "invscaling", "adaptive"]
    learning_rate_init: float
    power_t: float
    max_iter: int
    shuffle: bool
    random_state: int | np.random.RandomState | None
    tol: float
    verbose: bool
    warm_start: bool
    momentum: float
    nesterovs_momentum: bool
    early_stopping: bool
    validation_fraction: float
    beta_1: float
    beta_2: float
    epsilon: float
    n_iter_no_change: int
    max_fun: int
    init: str
    dtype: _DType
    n_threads: int | None
    # fitted
    coefs_: list[np.ndarray]
    intercepts_: list[np.ndarray]
    loss_: float
    loss_curve_: list[float]
    best_loss_: float | None
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    n_iter_: int
    t_: int
    n_features_in_: int
    feature_names_in_: np.ndarray
    n_layers_: int
    n_outputs_: int
    out_activation_: str
    def export_onnx(self, path: _Path) -> None: ...
    def export_c(self, dir: _Path, name: str = ..., scratch: Literal["static", "caller"] = ...,
                 quantize: Literal["int8"] | None = ...) -> dict[str, int]: ...

class MLPClassifier(ClassifierMixin, _BaseMLP):
    loss: Literal["log_loss", "squared_error"]
    class_weight: Mapping[Any, float] | Literal["balanced"] | None
    classes_: np.ndarray
    def __init__(self, hidden_layer_sizes: int | Sequence[int] = ..., activation: str = ..., *,
                 solver: str = ..., alpha: float = ..., batch_size: int | str = ...,
                 learning_rate: str = ..., learning_rate_init: float = ..., power_t: float = ...,
                 max_iter: int = ..., shuffle: bool = ..., random_state: Any = ..., tol: float = ...,
                 verbose: bool = ..., warm_start: bool = ..., momentum: float = ...,
                 nesterovs_momentum: bool = ..., early_stopping: bool = ...,
                 validation_fraction: float = ..., beta_1: float = ..., beta_2: float = ...,
                 epsilon: float = ..., n_iter_no_change: int = ..., max_fun: int = ...,
                 loss: str = ..., init: str = ..., dtype: _DType = ..., n_threads: int | None = ...,
                 class_weight: Mapping[Any, float] | str | None = ...) -> None: ...
    def fit(self, X: _X, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> MLPClassifier: ...
    def partial_fit(self, X: _X, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...,
                    classes: npt.ArrayLike | None = ...) -> MLPClassifier: ...
    def predict(self, X: _X) -> np.ndarray: ...
    def predict_proba(self, X: _X) -> np.ndarray: ...
    def predict_log_proba(self, X: _X) -> np.ndarray: ...

class MLPRegressor(RegressorMixin, _BaseMLP):
    loss: Literal["squared_error", "poisson"]
    def __init__(self, loss: str = ..., hidden_layer_sizes: int | Sequence[int] = ...,
                 activation: str = ..., *, solver: str = ..., alpha: float = ...,
                 batch_size: int | str = ..., learning_rate: str = ..., learning_rate_init: float = ...,
                 power_t: float = ..., max_iter: int = ..., shuffle: bool = ..., random_state: Any = ...,
                 tol: float = ..., verbose: bool = ..., warm_start: bool = ..., momentum: float = ...,
                 nesterovs_momentum: bool = ..., early_stopping: bool = ...,
                 validation_fraction: float = ..., beta_1: float = ..., beta_2: float = ...,
                 epsilon: float = ..., n_iter_no_change: int = ..., max_fun: int = ...,
                 init: str = ..., dtype: _DType = ..., n_threads: int | None = ...) -> None: ...
    def fit(self, X: _X, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> MLPRegressor: ...
    def partial_fit(self, X: _X, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = ...) -> MLPRegressor: ...
    def predict(self, X: _X) -> np.ndarray: ...
