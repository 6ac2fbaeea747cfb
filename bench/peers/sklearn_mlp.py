"""scikit-learn's MLPClassifier as its users call it: hidden_layer_sizes=(256, 128), ReLU, Adam
(lr 1e-3), batch 128, one epoch (max_iter=1; the convergence warning is expected), float32 input.
Threads come from the environment (OPENBLAS_NUM_THREADS, set by bench/compare).

    sklearn_mlp.py DATA_DIR [samples]
"""
import json
import sys
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import mnist_data


def main():
    folder = sys.argv[1]
    samples = int(sys.argv[2]) if len(sys.argv) > 2 else 60000
    X, _, labels = mnist_data.load(folder, samples)
    model = MLPClassifier(hidden_layer_sizes=(256, 128), activation="relu", solver="adam",
                          learning_rate_init=1e-3, batch_size=128, max_iter=1, shuffle=True,
                          random_state=0)
    warnings.simplefilter("ignore", ConvergenceWarning)
    start = time.perf_counter()
    model.fit(X, labels)
    print(json.dumps({"workload": "train", "samples": samples,
                      "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
