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
    X = rng.normal(size=(2000, 256)).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 2000)]
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


SCRIPT = textwrap.dedent("""
    import sys, time
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
