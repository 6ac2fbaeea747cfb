"""MNIST's training images as float32 in [0, 1] and one-hot labels, read with the standard
library (gzip) and NumPy: shared by the Python peers."""
import gzip
import os

import numpy as np


def load(folder, samples=60000, synthetic=False):
    if synthetic:
        rng = np.random.default_rng(1)
        X = rng.random((samples, 784), dtype=np.float32)
        labels = rng.integers(0, 10, samples)
    else:
        with gzip.open(os.path.join(folder, "train-images-idx3-ubyte.gz")) as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
        with gzip.open(os.path.join(folder, "train-labels-idx1-ubyte.gz")) as f:
            all_labels = np.frombuffer(f.read(), np.uint8, offset=8)
        index = np.arange(samples) % images.shape[0]
        X = images[index].astype(np.float32) / np.float32(255)
        labels = all_labels[index]
    Y = np.zeros((samples, 10), np.float32)
    Y[np.arange(samples), labels] = 1
    return X, Y, labels
