"""mlp.thread_use(): the library's parallel jobs, shared among its threads or run on one where the
others do not pay. Under `taskset -c 0` both threads share one CPU, so the second can never pay
and the library runs the work on one thread (docs/performance.md)."""
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mlp

# Fits a regressor with wide layers (products shared at all) on 2 threads, and prints the jobs
# that ran during the fit.
FIT = textwrap.dedent("""
    import json
    import numpy as np
    import mlp
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8000, 10)).astype(np.float32)
    y = X[:, 0] - X[:, 1]
    mlp.set_threads(2)
    before = mlp.thread_use()
    mlp.MLPRegressor(hidden_layer_sizes=(256, 256), batch_size=256, max_iter=5,
                     random_state=0).fit(X, y)
    after = mlp.thread_use()
    print(json.dumps({k: after[k] - before[k] for k in after}))
""")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 2 epochs
def test_the_counts_grow_by_the_jobs_a_fit_runs():
    use = mlp.thread_use()
    assert set(use) == {"shared_jobs", "alone_jobs"}
    assert all(isinstance(v, int) and v >= 0 for v in use.values())
    threads = mlp.get_threads()
    mlp.set_threads(2)
    try:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(2000, 10)).astype(np.float32)
        mlp.MLPRegressor(hidden_layer_sizes=(256, 256), batch_size=256, max_iter=2,
                         random_state=0).fit(X, X[:, 0])
    finally:
        mlp.set_threads(threads)
    again = mlp.thread_use()
    assert again["shared_jobs"] >= use["shared_jobs"] and again["alone_jobs"] >= use["alone_jobs"]
    assert sum(again.values()) > sum(use.values())


@pytest.mark.skipif(shutil.which("taskset") is None, reason="needs util-linux's taskset")
def test_two_threads_on_one_cpu_run_the_work_alone():
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", FIT], check=True,
                         capture_output=True, text=True, env=dict(os.environ)).stdout
    during = json.loads(out)
    jobs = during["shared_jobs"] + during["alone_jobs"]
    assert jobs >= 1000, during
    assert during["alone_jobs"] > jobs / 2, during
