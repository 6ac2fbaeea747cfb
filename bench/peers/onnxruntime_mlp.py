"""ONNX Runtime, as a deployment runs it: the infer workloads' network (784-256-128-10, ReLU,
softmax) exported by mlp's own ONNX exporter (`mlp_bench onnx`, the code of `mlp export --format
onnx`), one InferenceSession with intra_op_num_threads = THREADS (inter-op 1, sequential
execution, all graph optimisations). The graph takes MNIST's pixel values 0..255 (it divides by
255, as mlp's IDX reader does).

Before timing, ONNX's checker validates the file (full_check), and the session's probabilities of the first samples are checked against mlp's
(PREFIX.probabilities, written by `mlp_bench onnx`): every one within 1e-5, or the script exits
with status 1, so that the table never times a model that computes something else.

    onnxruntime_mlp.py infer-batch|infer-one DATA_DIR THREADS PREFIX
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import onnx
import onnxruntime

TOLERANCE = 1e-5


def pixels(folder, samples):
    """The first `samples` training images as float32 pixel values 0..255."""
    with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    return images[np.arange(samples) % images.shape[0]].astype(np.float32)


def session(prefix, threads):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(prefix + ".onnx", options,
                                        providers=["CPUExecutionProvider"])


def check_against_mlp(sess, folder, prefix):
    expected = np.fromfile(prefix + ".probabilities", dtype=np.float32).reshape(-1, 10)
    (got,) = sess.run(["probabilities"], {"X": pixels(folder, expected.shape[0])})
    worst = float(np.max(np.abs(got - expected)))
    if not worst <= TOLERANCE:
        sys.exit(f"onnxruntime_mlp.py: ONNX Runtime's probabilities differ from mlp's by {worst:g} "
                 f"(more than {TOLERANCE:g}) on the first {expected.shape[0]} samples of {prefix}")
    return worst


def main():
    mode, folder, threads, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    onnx.checker.check_model(prefix + ".onnx", full_check=True)
    sess = session(prefix, threads)
    worst = check_against_mlp(sess, folder, prefix)
    X = pixels(folder, 10000 if mode == "infer-batch" else 2000)
    sess.run(["probabilities"], {"X": X[:256]})  # warm-up
    record = {"workload": mode, "threads": threads, "max_abs_difference_from_mlp": worst,
              "onnxruntime": onnxruntime.__version__}
    if mode == "infer-batch":
        start = time.perf_counter()
        sess.run(["probabilities"], {"X": X})
        record.update(samples=X.shape[0], seconds=time.perf_counter() - start)
    else:
        latencies = []
        for i in range(X.shape[0]):
            start = time.perf_counter()
            sess.run(["probabilities"], {"X": X[i:i + 1]})
            latencies.append(time.perf_counter() - start)
        latencies.sort()
        record["median_seconds"] = latencies[len(latencies) // 2]
    print(json.dumps(record))


if __name__ == "__main__":
    main()
