#!/usr/bin/python3
"""Independent reference values for the chapter's 2-3-1 XOR network, written straight from the
chapter's equations in NumPy (no code shared with the C++ library).

Writes tests/fixtures/xor_reference.json, which tests/nn/golden_test.cpp compares against:
  - the forward pass (Z1, A1, Z2, A2), the listing's error mean((A - y)^2) / 2 and
    E = 1/2 sum (A - y)^2 for fixed initial weights;
  - every gradient dE/dW1, dE/db1, dE/dW2, dE/db2;
  - the weights after 5,000 full-batch gradient-descent iterations at eta = 0.1, where every
    gradient of an iteration comes from the same forward pass (the chapter's equations; the
    chapter's listing updates W2 before it computes delta1, which we do not follow), and the
    error history at a few iterations.

Run: /usr/bin/python3 tests/golden/xor_reference.py [OUTPUT.json]
"""
import json
import sys

import numpy as np

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = np.array([[0.0], [1.0], [1.0], [0.0]])

# Fixed initial parameters in [0, 1), as the chapter's init_parameters would draw them.
W1 = np.array([[0.5488135, 0.71518937, 0.60276338], [0.54488318, 0.4236548, 0.64589411]])
b1 = np.array([[0.43758721, 0.891773, 0.96366276]])
W2 = np.array([[0.38344152], [0.79172504], [0.52889492]])
b2 = np.array([[0.56804456]])

ETA = 0.1
ITERATIONS = 5000


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    A2 = sigmoid(Z2)
    return Z1, A1, Z2, A2


def gradients(W1, b1, W2, b2):
    Z1, A1, Z2, A2 = forward(W1, b1, W2, b2)
    delta2 = (A2 - y) * A2 * (1.0 - A2)          # dE/dZ2 = dE/dA2 * dA2/dZ2
    dW2 = A1.T @ delta2                           # dZ2/dW2 = A1
    db2 = delta2.sum(axis=0, keepdims=True)
    delta1 = (delta2 @ W2.T) * A1 * (1.0 - A1)    # sum over output units, then dA1/dZ1
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0, keepdims=True)
    return (Z1, A1, Z2, A2), (dW1, db1, dW2, db2)


def as_list(a):
    return np.asarray(a).tolist()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/xor_reference.json"
    (Z1, A1, Z2, A2), (dW1, db1, dW2, db2) = gradients(W1, b1, W2, b2)
    result = {
        "X": as_list(X), "y": as_list(y), "eta": ETA, "iterations": ITERATIONS,
        "initial": {"W1": as_list(W1), "b1": as_list(b1), "W2": as_list(W2), "b2": as_list(b2)},
        "forward": {"Z1": as_list(Z1), "A1": as_list(A1), "Z2": as_list(Z2), "A2": as_list(A2)},
        "error": float(np.mean((A2 - y) ** 2) / 2),
        "E": float(0.5 * np.sum((A2 - y) ** 2)),
        "gradients": {"W1": as_list(dW1), "b1": as_list(db1), "W2": as_list(dW2),
                      "b2": as_list(db2)},
    }
    w1, c1, w2, c2 = W1.copy(), b1.copy(), W2.copy(), b2.copy()
    errors = []
    for _ in range(ITERATIONS):
        (_, _, _, a2), (g1, h1, g2, h2) = gradients(w1, c1, w2, c2)
        errors.append(float(np.mean((a2 - y) ** 2) / 2))
        w1 -= ETA * g1
        c1 -= ETA * h1
        w2 -= ETA * g2
        c2 -= ETA * h2
    checkpoints = [0, 1, 10, 100, 1000, ITERATIONS - 1]
    result["trained"] = {
        "W1": as_list(w1), "b1": as_list(c1), "W2": as_list(w2), "b2": as_list(c2),
        "errors_at": {str(i): errors[i] for i in checkpoints},
        "A2": as_list(forward(w1, c1, w2, c2)[3]),
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
