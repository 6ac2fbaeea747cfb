#!/usr/bin/env python3
"""The default `mlp train` against scikit-learn's default MLP in an expert pipeline, on the real
tables of ../shared/datasets: the same split, 5 seeds, accuracy or R^2 on the held-out rows, and
the training time.

    bench/tables_vs_sklearn.py MLP_BINARY DATASETS_DIR [--seeds 5] [--markdown]
    bench/tables_vs_sklearn.py MLP_BINARY DATASETS_DIR --mlp-only --mlp-flags "--l2 1"
                                           (an experiment: mlp alone, with extra flags)

mlp gets the raw CSV rows (written to a temporary folder) and no flag but --target: it infers
the column roles, imputes, one-hot encodes and standardises by itself. scikit-learn gets the
pipeline an expert writes by hand:

    ColumnTransformer([numbers: SimpleImputer(mean) + StandardScaler,
                       text:    SimpleImputer(most_frequent) + OneHotEncoder(ignore unknown)])
    + MLPClassifier() / MLPRegressor()   (defaults: 100 ReLU units, adam, 200 iterations)

with the columns typed by hand (numbers or text) and the same columns dropped that mlp drops by
itself (the taxis timestamps, which have one distinct value per row; see docs/tables.md).
The split: 20% held out, stratified by class for classification (each class keeps at least one
row in training), the same rows for both. Rows whose target is empty are dropped first (mlp
skips them too). Needs /usr/bin/python3 with python3-sklearn (scripts/install-deps --bench).
"""
import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
import warnings

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# file, target, task, the columns scikit-learn's pipeline leaves out (mlp drops the same ones
# by itself as identifier-like text).
TABLES = [
    ("iris.csv", "species", "classification", []),
    ("diabetes.csv", "target", "regression", []),
    ("tips.csv", "tip", "regression", []),
    ("taxis.csv", "payment", "classification", ["pickup", "dropoff"]),
    ("planets.csv", "method", "classification", []),
]
MISSING = {"", "NA", "N/A", "NaN", "null", "?", "#N/A"}


def read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def split(rows, target_index, task, seed):
    """Row indices (train, test): 20% held out, stratified by class for classification."""
    rng = random.Random(seed)
    groups = {}
    for i, row in enumerate(rows):
        key = row[target_index] if task == "classification" else ""
        groups.setdefault(key, []).append(i)
    train, test = [], []
    for key in sorted(groups):
        members = groups[key]
        rng.shuffle(members)
        n_test = min(round(0.2 * len(members)), len(members) - 1)
        test += members[:n_test]
        train += members[n_test:]
    return sorted(train), sorted(test)


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def run_mlp(binary, folder, header, rows, train, test, target, task, seed, flags):
    train_csv, test_csv = os.path.join(folder, "train.csv"), os.path.join(folder, "test.csv")
    model = os.path.join(folder, "model.safetensors")
    write_csv(train_csv, header, [rows[i] for i in train])
    write_csv(test_csv, header, [rows[i] for i in test])
    start = time.perf_counter()
    subprocess.run([binary, "train", train_csv, "--target", target, "-o", model, "-q",
                    "--seed", str(seed)] + flags, check=True)
    seconds = time.perf_counter() - start
    out = subprocess.run([binary, "evaluate", model, test_csv, "--json"], check=True,
                         capture_output=True, text=True).stdout
    metrics = json.loads(out)
    return metrics["accuracy" if task == "classification" else "r2"], seconds


def sklearn_matrix(header, rows, target, dropped):
    """The feature columns as an object array with NaN for gaps, and which are numbers."""
    columns = [j for j, name in enumerate(header) if name != target and name not in dropped]
    numeric = []
    for j in columns:
        present = [row[j] for row in rows if row[j].strip() not in MISSING]
        numeric.append(all(is_number(v) for v in present))
    X = np.empty((len(rows), len(columns)), dtype=object)
    for i, row in enumerate(rows):
        for k, j in enumerate(columns):
            value = row[j].strip()
            if value in MISSING:
                X[i, k] = np.nan
            else:
                X[i, k] = float(value) if numeric[k] else value
    return X, numeric


def run_sklearn(X, numeric, y, train, test, task, seed):
    num = [k for k, n in enumerate(numeric) if n]
    cat = [k for k, n in enumerate(numeric) if not n]
    prepare = ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore")), cat),
    ])
    estimator = (MLPClassifier(random_state=seed) if task == "classification"
                 else MLPRegressor(random_state=seed))
    model = make_pipeline(prepare, estimator)
    X_train = X[train]
    X_train[:, num] = X_train[:, num].astype(float)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y[train])
    seconds = time.perf_counter() - start
    predicted = model.predict(X[test])
    score = (accuracy_score(y[test], predicted) if task == "classification"
             else r2_score(y[test].astype(float), predicted))
    return score, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mlp")
    parser.add_argument("datasets")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--tables", default="", help="comma-separated file names (default: all)")
    parser.add_argument("--mlp-flags", default="", help="extra flags for mlp train (experiments)")
    parser.add_argument("--mlp-only", action="store_true",
                        help="skip scikit-learn (quick experiments with --mlp-flags)")
    args = parser.parse_args()
    results = []
    for file, target, task, dropped in TABLES:
        if args.tables and file not in args.tables.split(","):
            continue
        header, rows = read_table(os.path.join(args.datasets, file))
        t = header.index(target)
        rows = [row for row in rows if row[t].strip() not in MISSING]
        X, numeric = sklearn_matrix(header, rows, target, dropped)
        y = np.array([row[t] if task == "classification" else float(row[t]) for row in rows],
                     dtype=object if task == "classification" else float)
        scores = {"mlp": [], "sklearn": []}
        times = {"mlp": [], "sklearn": []}
        for seed in range(args.seeds):
            train, test = split(rows, t, task, seed)
            with tempfile.TemporaryDirectory() as folder:
                s, sec = run_mlp(args.mlp, folder, header, rows, train, test, target, task, seed,
                                 args.mlp_flags.split())
            scores["mlp"].append(s)
            times["mlp"].append(sec)
            s, sec = (run_sklearn(X, numeric, y, train, test, task, seed) if not args.mlp_only
                      else (float("nan"), float("nan")))
            scores["sklearn"].append(s)
            times["sklearn"].append(sec)
        results.append((file, target, task, len(rows), scores, times))
        if not args.markdown:
            print(file, target, {k: round(statistics.mean(v), 4) for k, v in scores.items()},
                  {k: round(statistics.mean(v), 2) for k, v in times.items()}, flush=True)
    if args.markdown:
        print("| table | target | rows | metric | mlp (mean ± sd) | scikit-learn (mean ± sd) "
              "| mlp train s | scikit-learn fit s |")
        print("|---|---|---|---|---|---|---|---|")
        for file, target, task, n, scores, times in results:
            metric = "accuracy" if task == "classification" else "R²"
            cell = lambda v: f"{statistics.mean(v):.3f} ± {statistics.stdev(v):.3f}"
            print(f"| {file} | {target} | {n} | {metric} | {cell(scores['mlp'])} | "
                  f"{cell(scores['sklearn'])} | {statistics.mean(times['mlp']):.2f} | "
                  f"{statistics.mean(times['sklearn']):.2f} |")


if __name__ == "__main__":
    main()
