#!/usr/bin/env python3
"""bench/python_vs_sklearn.py: mlp.MLPClassifier against scikit-learn's MLPClassifier, same
parameters, same data, in the same process.

Run it with the Python that has both installed (scripts/test makes build/venv):

    build/venv/bin/python bench/python_vs_sklearn.py              # 3 repeats, about 8 minutes on 2 cores
    build/venv/bin/python bench/python_vs_sklearn.py --repeats 1 --mnist-samples 10000  # a quick look
    build/venv/bin/python bench/python_vs_sklearn.py --predict-only --repeats 7 --mnist-samples 10000

Workloads (docs/performance.md, "Python: mlp against scikit-learn"):
  mnist   784-256-128-10 (ReLU, softmax), adam, batch 200, 10 epochs on MNIST's 60,000 training
          images (scaled to [0, 1]); accuracy on the 10,000 test images
  digits  scikit-learn's digits (1,797 8x8 images, /16) at both estimators' defaults (100 ReLU
          units, adam, batch 200, up to 200 epochs, tol 1e-4), a stratified 30% held out

Each workload runs `repeats` times, the two libraries interleaved (the machine is shared), with
random_state = the repeat's index; the table gives the medians: accuracy, fit time,
predict_proba time on the test set, and scikit-learn's time over mlp's. predict_proba's time in
one repeat is the fastest of `--predict-calls` calls (as timeit advises: the slower calls measure
the machine's load, and under load scikit-learn's OpenBLAS threads wait for each other for up to
tens of milliseconds on digits' 540 rows). Each run is also printed to stderr as it ends.
--predict-only fits each estimator once and times only predict_proba, in interleaved rounds.
"""
import argparse
import os
import pathlib
import statistics
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn import neural_network
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

import mlp

ROOT = pathlib.Path(__file__).resolve().parents[1]


def mnist(folder, samples):
    X, y = mlp.datasets.read_idx(folder / "train-images-idx3-ubyte.gz",
                                 folder / "train-labels-idx1-ubyte.gz", return_X_y=True)
    train = X[:samples], y[:samples]
    test = mlp.datasets.read_idx(folder / "t10k-images-idx3-ubyte.gz",
                                 folder / "t10k-labels-idx1-ubyte.gz", return_X_y=True)
    return (*train, *test)


def digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, test_size=0.3, stratify=y,
                                                        random_state=0)
    return X_train, y_train, X_test, y_test


WORKLOADS = {
    "mnist": (dict(hidden_layer_sizes=(256, 128), solver="adam", batch_size=200, max_iter=10),
              lambda args: mnist(args.datasets, args.mnist_samples)),
    "digits": ({}, lambda args: digits()),
}


def run_once(estimator, data, predict_calls):
    X_train, y_train, X_test, y_test = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        estimator.fit(X_train, y_train)
        fit = time.perf_counter() - start
    predict = run_predict(estimator, X_test, predict_calls)
    proba = estimator.predict_proba(X_test)
    accuracy = float(np.mean(estimator.classes_[proba.argmax(axis=1)] == y_test))
    return {"accuracy": accuracy, "fit": fit, "predict_proba": predict, "epochs": estimator.n_iter_}


def predict_only(args):
    """--predict-only: each estimator fitted once (random_state 0), then `repeats` interleaved
    rounds of predict_proba on the test set, each the fastest of `--predict-calls` calls."""
    print("| workload | library | accuracy | predict_proba (ms), median | fastest round | slowest round |")
    print("|---|---|---:|---:|---:|---:|")
    ratios = []
    for name in args.workloads:
        settings, load = WORKLOADS[name]
        X_train, y_train, X_test, y_test = load(args)
        fitted = {}
        for lib, estimator in (("mlp", mlp.MLPClassifier), ("scikit-learn", neural_network.MLPClassifier)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                fitted[lib] = estimator(random_state=0, **settings).fit(X_train, y_train)
        times = {lib: [] for lib in fitted}
        for repeat in range(args.repeats):
            for lib, clf in fitted.items():
                run = run_predict(clf, X_test, args.predict_calls)
                times[lib].append(run)
                print(f"{name} round {repeat} {lib}: {1e3 * run:.2f} ms", file=sys.stderr, flush=True)
        for lib, clf in fitted.items():
            accuracy = float(np.mean(clf.classes_[clf.predict_proba(X_test).argmax(axis=1)] == y_test))
            print(f"| {name} | {lib} | {100 * accuracy:.2f}% | {1e3 * statistics.median(times[lib]):.2f} | "
                  f"{1e3 * min(times[lib]):.2f} | {1e3 * max(times[lib]):.2f} |")
        ratios.append((name, statistics.median(times["scikit-learn"]) / statistics.median(times["mlp"])))
    print("\n| workload | predict_proba: scikit-learn / mlp (medians) |")
    print("|---|---:|")
    for name, ratio in ratios:
        print(f"| {name} | {ratio:.2f}x |")


def run_predict(estimator, X_test, predict_calls):
    """The fastest of predict_calls calls of predict_proba, in seconds."""
    best = float("inf")
    for _ in range(predict_calls):
        start = time.perf_counter()
        estimator.predict_proba(X_test)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mnist-samples", type=int, default=60000,
                        help="train on the first N of MNIST's 60,000 training images")
    parser.add_argument("--predict-calls", type=int, default=5,
                        help="predict_proba's time: the fastest of N calls")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    parser.add_argument("--datasets", type=pathlib.Path,
                        default=pathlib.Path(os.environ.get("MLP_DATASETS_DIR", ROOT.parent / "shared" / "datasets")))
    parser.add_argument("--predict-only", action="store_true",
                        help="fit each estimator once, then time only predict_proba, "
                             "--repeats interleaved rounds")
    args = parser.parse_args()
    print(f"mlp {mlp.__version__} ({mlp.get_threads()} threads), scikit-learn "
          f"{sklearn.__version__}, NumPy {np.__version__}, "
          f"{os.cpu_count()} CPUs, medians of {args.repeats}, MNIST on {args.mnist_samples} images, "
          f"predict_proba the fastest of {args.predict_calls} calls, load average "
          f"{os.getloadavg()[0]:.2f}\n")
    if args.predict_only:
        predict_only(args)
        return
    print("| workload | library | accuracy | epochs | fit (s) | predict_proba (s) |")
    print("|---|---|---:|---:|---:|---:|")
    ratios = []
    for name in args.workloads:
        settings, load = WORKLOADS[name]
        data = load(args)
        results = {"mlp": [], "scikit-learn": []}
        for repeat in range(args.repeats):
            for lib, estimator in (("mlp", mlp.MLPClassifier), ("scikit-learn", neural_network.MLPClassifier)):
                run = run_once(estimator(random_state=repeat, **settings), data, args.predict_calls)
                results[lib].append(run)
                print(f"{name} repeat {repeat} {lib}: {run}", file=sys.stderr, flush=True)
        medians = {lib: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                   for lib, runs in results.items()}
        for lib, m in medians.items():
            print(f"| {name} | {lib} | {100 * m['accuracy']:.2f}% | {m['epochs']:g} | {m['fit']:.3f} | "
                  f"{m['predict_proba']:.4f} |")
        ours, theirs = medians["mlp"], medians["scikit-learn"]
        ratios.append((name, 100 * (ours["accuracy"] - theirs["accuracy"]), theirs["fit"] / ours["fit"],
                       theirs["predict_proba"] / ours["predict_proba"]))
    print("\n| workload | accuracy, mlp - scikit-learn (points) | fit: scikit-learn / mlp | "
          "predict_proba: scikit-learn / mlp |")
    print("|---|---:|---:|---:|")
    for name, accuracy, fit, predict in ratios:
        print(f"| {name} | {accuracy:+.2f} | {fit:.1f}x | {predict:.1f}x |")


if __name__ == "__main__":
    main()
