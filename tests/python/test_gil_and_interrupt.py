"""fit and predict release the GIL; Ctrl-C (SIGINT) stops a long fit with KeyboardInterrupt and
leaves a usable network."""

import subprocess
import sys
import textwrap
import threading
import time

import numpy as np

import mlp


def wide_network():
    net = mlp.Sequential(256).add(512, "relu").add(10, "softmax")
    net.initialize("he_uniform", seed=0)
    net.compile("categorical_crossentropy", "adam")
    return net


def test_other_python_threads_run_during_fit():
    rng = np.random.default_rng(0)
    # 20,000 rows: about 15 GFLOP, long enough to count ticks during on any CPU (0.14 s on a
    # Zen 5 core pair with AVX-512, where 2,000 rows took 14 ms: too short to tell)
    X = rng.normal(size=(20000, 256)).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 20000)]
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    start = time.perf_counter()
    wide_network().fit(X, Y, epochs=3, batch_size=100)
    elapsed = time.perf_counter() - start
    done.set()
    counter.join()
    # with the GIL held for the whole fit the counter could not run at all
    assert elapsed > 0.05 and ticks >= 5, (elapsed, ticks)


# Each script first restores Python's own Ctrl-C handler: a process started in the background by
# a non-interactive shell (a CI runner, nohup) inherits SIGINT ignored, and Python then installs
# none, as it does for an interactive user.
SCRIPT = textwrap.dedent("""
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import numpy as np
    import mlp
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 256)).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 20000)]
    net = mlp.Sequential(256).add(512, "relu").add(10, "softmax")
    net.initialize("he_uniform", seed=0)
    net.compile("categorical_crossentropy", "adam")
    print("training", flush=True)
    start = time.perf_counter()
    try:
        net.fit(X, Y, epochs=10000, batch_size=32)
        print("finished")
    except KeyboardInterrupt:
        print("interrupted after %.2f s" % (time.perf_counter() - start))
        assert np.isfinite(net.parameters).all()
        print("predicts", net.predict(X[:3]).shape)
""")


def test_ctrl_c_raises_keyboard_interrupt_and_leaves_the_network_usable():
    process = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "training"
    time.sleep(1.0)
    sent = time.perf_counter()
    process.send_signal(2)  # SIGINT, as Ctrl-C
    out, err = process.communicate(timeout=60)
    assert time.perf_counter() - sent < 5, "fit did not stop promptly"
    assert process.returncode == 0, err
    assert "interrupted after" in out and "predicts (3, 1)" in out, out


ESTIMATOR_SCRIPT = textwrap.dedent("""
    import signal, time, warnings
    signal.signal(signal.SIGINT, signal.default_int_handler)
    import numpy as np
    from mlp import MLPClassifier
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, 256)).astype(np.float32)
    y = rng.integers(0, 10, 20000)
    model = MLPClassifier(hidden_layer_sizes=(512,), batch_size=32, max_iter=10000, tol=0.0,
                          random_state=0)
    print("training", flush=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    print("warned", [str(w.message) for w in caught])
    assert model.n_iter_ < 10000 and len(model.loss_curve_) == model.n_iter_
    # consistent: predict_proba is the forward pass of the fitted coefs_ and intercepts_
    A = X[:50].astype(np.float64)
    A = np.maximum(A @ model.coefs_[0] + model.intercepts_[0], 0) @ model.coefs_[1] + model.intercepts_[1]
    P = np.exp(A - A.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X[:50]), P, rtol=1e-4, atol=1e-6)
    print("consistent")
""")


def test_ctrl_c_in_estimator_fit_warns_as_scikit_learn_and_keeps_a_consistent_model():
    process = subprocess.Popen([sys.executable, "-c", ESTIMATOR_SCRIPT], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "training"
    time.sleep(1.5)
    process.send_signal(2)  # SIGINT, as Ctrl-C
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Training interrupted by user." in out and "consistent" in out, out
