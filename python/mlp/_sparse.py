"""scipy.sparse X, which scikit-learn's MLP accepts (OneHotEncoder's default output, a
ColumnTransformer's sparse result, TF-IDF): the library trains and predicts on dense arrays, so a
sparse X becomes dense, for fit all at once when its dense copy fits in half of the memory this
machine has available, for predict a block of rows at a time. The library's first layer skips
the zeros of a dense X by itself (docs/performance.md), so a one-hot table trains at the pace of
its nonzero entries."""

import os

import numpy as np
import scipy.sparse as sp

# Rows made dense at a time by predict: 8,192 rows of 10,000 float32 features are 330 MB.
PREDICT_BLOCK_ROWS = 8192


def available_memory_bytes():
    """Memory the system could give this process now (Linux: free and reclaimable pages), or None
    where the system does not say."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def dense_for_fit(X, dtype):
    """X (scipy.sparse) as a dense C-ordered array of `dtype`; MemoryError, before allocating,
    when the dense copy would take more than half of the available memory."""
    dense_bytes = X.shape[0] * X.shape[1] * np.dtype(dtype).itemsize
    available = available_memory_bytes()
    if available is not None and dense_bytes > available // 2:
        density = X.nnz / max(1, X.shape[0] * X.shape[1])
        raise MemoryError(
            f"X is a sparse matrix of {X.shape[0]} x {X.shape[1]} ({density:.2%} nonzero); mlp "
            f"trains on dense arrays and its dense copy would take {dense_bytes / 2**30:.1f} GiB, "
            f"more than half of the {available / 2**30:.1f} GiB available. Reduce the features "
            "(e.g. sklearn.feature_selection.SelectKBest or sklearn.decomposition.TruncatedSVD), "
            "or train on fewer rows at a time with partial_fit.")
    return X.astype(dtype).toarray(order="C")


def predict_in_blocks(predict, X, dtype):
    """predict(dense block) over X (scipy.sparse) PREDICT_BLOCK_ROWS rows at a time, stacked."""
    X = sp.csr_matrix(X)
    blocks = [predict(X[i:i + PREDICT_BLOCK_ROWS].astype(dtype).toarray(order="C"))
              for i in range(0, X.shape[0], PREDICT_BLOCK_ROWS)]
    return np.vstack(blocks)
