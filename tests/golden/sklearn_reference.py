#!/usr/bin/env python3
"""scikit-learn's MLP on fixed small problems: the reference numbers of tests/nn/sklearn_test.cpp.

Each case trains scikit-learn's MLPClassifier or MLPRegressor from initial weights drawn here
(scikit-learn's own _init_coef is replaced by one that hands them out), without shuffling, and
records the data, the initial weights, the loss curve, n_iter_ and the final weights. The C++ test
starts our Sequential from the same weights with the same settings and compares.

Needs scikit-learn >= 1.7 (sample_weight in MLP.fit) and NumPy. Run:
    python3 tests/golden/sklearn_reference.py > tests/fixtures/sklearn_reference.json
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

N_SAMPLES, N_FEATURES, HIDDEN = 30, 3, 5


def data():
    rng = np.random.RandomState(7)
    X = rng.normal(size=(N_SAMPLES, N_FEATURES))
    # three classes from a noisy linear rule, and a smooth regression target
    labels = np.argmax(X @ rng.normal(size=(N_FEATURES, 3)) + 0.5 * rng.normal(size=(N_SAMPLES, 3)),
                       axis=1)
    target = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=N_SAMPLES)
    weights = rng.uniform(0.0, 3.0, size=N_SAMPLES)
    weights[::7] = 0.0  # some samples do not count at all
    return X, labels, target, weights


def initial_weights(n_outputs):
    rng = np.random.RandomState(11)
    shapes = [(N_FEATURES, HIDDEN), (HIDDEN, n_outputs)]
    return [(rng.uniform(-0.5, 0.5, size=s), rng.uniform(-0.5, 0.5, size=s[1])) for s in shapes]


def with_initial_weights(cls, init):
    """cls whose _init_coef hands out `init` layer by layer instead of drawing."""

    class Seeded(cls):
        def _init_coef(self, fan_in, fan_out, dtype):
            W, b = init[self._next_layer]
            self._next_layer = (self._next_layer + 1) % len(init)
            assert W.shape == (fan_in, fan_out)
            return W.astype(dtype), b.astype(dtype)

    Seeded._next_layer = 0
    return Seeded


def train(kind, params, X, y, sample_weight=None, partial_fits=0):
    n_outputs = 3 if kind == "classifier" else 1
    init = initial_weights(n_outputs)
    cls = with_initial_weights(MLPClassifier if kind == "classifier" else MLPRegressor, init)
    common = dict(hidden_layer_sizes=(HIDDEN,), activation="tanh", batch_size=10, shuffle=False,
                  random_state=0)
    common.update(params)
    model = cls(**common)
    if partial_fits:
        for _ in range(partial_fits):
            if kind == "classifier":
                model.partial_fit(X, y, sample_weight=sample_weight, classes=[0, 1, 2])
            else:
                model.partial_fit(X, y, sample_weight=sample_weight)
    else:
        model.fit(X, y, sample_weight=sample_weight)
    final = []
    for W, b in zip(model.coefs_, model.intercepts_):
        final += list(W.ravel()) + list(b.ravel())
    start = []
    for W, b in init:
        start += list(W.ravel()) + list(b.ravel())
    return {"initial": start, "final": final, "loss_curve": list(model.loss_curve_),
            "n_iter": int(model.n_iter_), "t": int(model.t_)}


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is small on purpose
    X, labels, target, weights = data()
    sgd = dict(solver="sgd", momentum=0.0, nesterovs_momentum=False, learning_rate_init=0.1,
               max_iter=6, tol=0.0, n_iter_no_change=1000)
    cases = {
        "l2": ("classifier", dict(sgd, alpha=0.3), None, 0),
        "sample_weight": ("classifier", dict(sgd, alpha=0.05), weights, 0),
        "nesterov": ("classifier", dict(sgd, alpha=0.0, momentum=0.9, nesterovs_momentum=True),
                     None, 0),
        "invscaling": ("classifier", dict(sgd, alpha=0.0, learning_rate="invscaling",
                                          learning_rate_init=0.5, power_t=0.3), None, 0),
        # tol 0.05: the loss stops improving by that much after a few epochs
        "adaptive": ("classifier", dict(sgd, alpha=0.0, learning_rate="adaptive", max_iter=25,
                                        tol=0.05, n_iter_no_change=2), None, 0),
        "tol_stop": ("classifier", dict(sgd, alpha=0.0, max_iter=50, tol=0.05,
                                        n_iter_no_change=3), None, 0),
        "partial_fit": ("classifier", dict(sgd, alpha=0.01, momentum=0.5,
                                           nesterovs_momentum=True), weights, 4),
        "regression": ("regressor", dict(sgd, alpha=0.2, learning_rate_init=0.05), weights, 0),
    }
    out = {"sklearn_version": sklearn.__version__, "X": X.tolist(), "labels": labels.tolist(),
           "target": target.tolist(), "sample_weight": weights.tolist(), "cases": {}}
    for name, (kind, params, sw, partial) in cases.items():
        y = labels if kind == "classifier" else target
        result = train(kind, params, X, y, sw, partial)
        result.update(kind=kind, params={k: v for k, v in params.items() if k != "solver"},
                      weighted=sw is not None, partial_fits=partial)
        out["cases"][name] = result
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
