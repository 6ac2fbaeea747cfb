"""mlp: multilayer perceptrons trained with backpropagation, from a fast C++ library.

A drop-in for scikit-learn's neural networks::

    from mlp import MLPClassifier      # instead of sklearn.neural_network.MLPClassifier

and the library's Keras-like network: ``mlp.Sequential``, ``mlp.load``, ``mlp.datasets``;
models that travel: ``export_onnx`` / ``export_c`` of networks and estimators, ``mlp.import_onnx``.
"""

from mlp import _core
from mlp._core import DataError, DivergenceError, ModelFileError
from mlp import datasets
from mlp._classifier import MLPClassifier
from mlp._regressor import MLPRegressor
from mlp._sequential import History, Sequential, load
from mlp._trained_model import TrainedModel, import_onnx

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "DivergenceError",
    "History",
    "MLPClassifier",
    "MLPRegressor",
    "ModelFileError",
    "datasets",
    "Sequential",
    "get_threads",
    "import_onnx",
    "kernel_set",
    "load",
    "set_threads",
    "thread_use",
    "TrainedModel",
]


def set_threads(count):
    """Set the number of threads of the library's parallel kernels (0: one per core)."""
    _core.set_threads(int(count))


def get_threads():
    """Return the number of threads the library's parallel kernels use."""
    return _core.threads()


def thread_use():
    """Return how the library's parallel jobs have run since the process started, as a dict:
    'shared_jobs', shared among the threads, and 'alone_jobs', run on the calling thread alone
    because the other threads did not pay there (another process held their cores, or they
    shared one physical core with it: the library checks now and then, docs/performance.md).
    Subtract two readings for what ran between them."""
    return _core.thread_use()


def kernel_set():
    """Return the SIMD kernel set the library runs: 'avx512', 'avx2' or 'portable', the best
    this CPU has unless the environment variable MLP_KERNELS names one (docs/performance.md)."""
    return _core.kernel_set()


# A MLP_KERNELS that names no set, or one this CPU lacks, is refused here, at import, with the
# message the command line gives (ValueError), rather than ignored.
kernel_set()
