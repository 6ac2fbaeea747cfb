# Type stubs of mlp.datasets.
import os
from dataclasses import dataclass
from typing import Literal, Sequence, overload

import numpy as np

_Path = str | os.PathLike[str]

@dataclass
class Dataset:
    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    task: str

@overload
def read_csv(path: _Path, target: str, *, ignore: Sequence[str] = ..., delimiter: str | None = ...,
             task: Literal["classification", "regression"] | None = ..., dtype: str = ...,
             return_X_y: Literal[False] = ...) -> Dataset: ...
@overload
def read_csv(path: _Path, target: str, *, ignore: Sequence[str] = ..., delimiter: str | None = ...,
             task: Literal["classification", "regression"] | None = ..., dtype: str = ...,
             return_X_y: Literal[True]) -> tuple[np.ndarray, np.ndarray]: ...
@overload
def read_idx(images: _Path, labels: _Path, *, dtype: str = ...,
             return_X_y: Literal[False] = ...) -> Dataset: ...
@overload
def read_idx(images: _Path, labels: _Path, *, dtype: str = ...,
             return_X_y: Literal[True]) -> tuple[np.ndarray, np.ndarray]: ...
