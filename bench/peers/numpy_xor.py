"""The chapter's NumPy listing (init_parameters, linear_function, sigmoid_function, cost_function,
fit), as printed, trained on XOR for 5,000 iterations at eta = 0.1. Prints one JSON line: the
time of fit() inside this process (imports and set-up excluded)."""
import json
import sys
import time

import numpy as np


def init_parameters(n_features, n_neurons, n_output):
    np.random.seed(0)
    W1 = np.random.uniform(size=(n_features, n_neurons))
    b1 = np.random.uniform(size=(1, n_neurons))
    W2 = np.random.uniform(size=(n_neurons, n_output))
    b2 = np.random.uniform(size=(1, n_output))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def linear_function(W, X, b):
    return (X @ W) + b


def sigmoid_function(Z):
    return 1 / (1 + np.exp(-Z))


def cost_function(A, y):
    return (np.mean(np.power(A - y, 2))) / 2


def fit(X, y, n_features=2, n_neurons=3, n_output=1, iterations=10, eta=0.001):
    param = init_parameters(n_features=n_features, n_neurons=n_neurons, n_output=n_output)
    errors = []
    for _ in range(iterations):
        Z1 = linear_function(param["W1"], X, param["b1"])
        S1 = sigmoid_function(Z1)
        Z2 = linear_function(param["W2"], S1, param["b2"])
        S2 = sigmoid_function(Z2)
        error = cost_function(S2, y)
        errors.append(error)
        delta2 = (S2 - y) * S2 * (1 - S2)
        W2_gradients = S1.T @ delta2
        param["W2"] = param["W2"] - W2_gradients * eta
        param["b2"] = param["b2"] - np.sum(delta2, axis=0, keepdims=True) * eta
        delta1 = (delta2 @ param["W2"].T) * S1 * (1 - S1)
        W1_gradients = X.T @ delta1
        param["W1"] = param["W1"] - W1_gradients * eta
        param["b1"] = param["b1"] - np.sum(delta1, axis=0, keepdims=True) * eta
    return errors, param


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    y = np.array([[0, 1, 1, 0]]).T
    start = time.perf_counter()
    errors, _ = fit(X, y, iterations=iterations, eta=0.1)
    seconds = time.perf_counter() - start
    print(json.dumps({"workload": "xor", "iterations": iterations, "seconds": seconds,
                      "final_error": errors[-1]}))


if __name__ == "__main__":
    main()
