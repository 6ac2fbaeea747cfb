"""A NumPy minibatch MLP, written as its users write one: 784-256-128-10, ReLU, softmax +
cross-entropy, Adam (lr 1e-3), batch 128, float32, one epoch over shuffled data. The BLAS thread
count comes from the environment (OPENBLAS_NUM_THREADS, set by bench/compare).

    numpy_mlp.py train DATA_DIR [samples]     one epoch
    numpy_mlp.py infer-batch DATA_DIR         predict 10,000 samples in one call
    numpy_mlp.py infer-one DATA_DIR           median latency of one-sample predictions
"""
import json
import sys
import time

import numpy as np

import mnist_data


def init(sizes, rng):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / n_in)
        params.append([rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32),
                       np.zeros((1, n_out), np.float32)])
    return params


def forward(params, X):
    activations = [X]
    A = X
    for i, (W, b) in enumerate(params):
        Z = A @ W + b
        if i + 1 < len(params):
            A = np.maximum(Z, 0)
        else:
            Z = Z - Z.max(axis=1, keepdims=True)
            E = np.exp(Z)
            A = E / E.sum(axis=1, keepdims=True)
        activations.append(A)
    return activations


def train_epoch(params, X, Y, batch, rng, state):
    order = rng.permutation(X.shape[0])
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    for start in range(0, X.shape[0], batch):
        idx = order[start:start + batch]
        xb, yb = X[idx], Y[idx]
        acts = forward(params, xb)
        delta = (acts[-1] - yb) / xb.shape[0]
        grads = []
        for i in range(len(params) - 1, -1, -1):
            W, _ = params[i]
            grads.append((acts[i].T @ delta, delta.sum(axis=0, keepdims=True)))
            if i > 0:
                delta = (delta @ W.T) * (acts[i] > 0)
        grads.reverse()
        state["t"] += 1
        t = state["t"]
        for (p, g, m, v) in zip([q for pair in params for q in pair],
                                [q for pair in grads for q in pair], state["m"], state["v"]):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    samples = int(sys.argv[3]) if len(sys.argv) > 3 else 60000
    synthetic = len(sys.argv) > 4 and sys.argv[4] == "synthetic"
    width = int(sys.argv[5]) if len(sys.argv) > 5 else 256
    rng = np.random.default_rng(0)
    params = init([784, width, max(width // 2, 1), 10], rng)
    if mode == "train":
        X, Y, _ = mnist_data.load(folder, samples, synthetic)
        state = {"t": 0, "m": [np.zeros_like(q) for pair in params for q in pair],
                 "v": [np.zeros_like(q) for pair in params for q in pair]}
        start = time.perf_counter()
        train_epoch(params, X, Y, 128, rng, state)
        seconds = time.perf_counter() - start
        print(json.dumps({"workload": "train", "samples": samples, "seconds": seconds}))
    elif mode == "infer-batch":
        X, _, _ = mnist_data.load(folder, 10000)
        forward(params, X[:256])
        start = time.perf_counter()
        forward(params, X)
        print(json.dumps({"workload": "infer-batch", "samples": 10000,
                          "seconds": time.perf_counter() - start}))
    elif mode == "infer-one":
        X, _, _ = mnist_data.load(folder, 2000)
        latencies = []
        for i in range(X.shape[0]):
            start = time.perf_counter()
            forward(params, X[i:i + 1])
            latencies.append(time.perf_counter() - start)
        latencies.sort()
        print(json.dumps({"workload": "infer-one", "median_seconds": latencies[len(latencies) // 2]}))


if __name__ == "__main__":
    main()
