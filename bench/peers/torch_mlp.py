"""PyTorch (eager), written as its users write it: nn.Sequential 784-256-128-10 with ReLU,
CrossEntropyLoss, Adam (lr 1e-3), batch 128, float32, one epoch over shuffled data, with
torch.set_num_threads(THREADS).

    torch_mlp.py train|infer-batch|infer-one DATA_DIR THREADS [samples [synthetic [width]]]
"""
import json
import sys
import time

import numpy as np
import torch

import mnist_data


def main():
    mode, folder, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    samples = int(sys.argv[4]) if len(sys.argv) > 4 else 60000
    synthetic = len(sys.argv) > 5 and sys.argv[5] == "synthetic"
    width = int(sys.argv[6]) if len(sys.argv) > 6 else 256
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, width), torch.nn.ReLU(),
                                torch.nn.Linear(width, max(width // 2, 1)), torch.nn.ReLU(),
                                torch.nn.Linear(max(width // 2, 1), 10))
    if mode == "train":
        X, _, labels = mnist_data.load(folder, samples, synthetic)
        X = torch.from_numpy(X)
        y = torch.from_numpy(labels.astype(np.int64))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        start = time.perf_counter()
        order = torch.randperm(X.shape[0])
        for i in range(0, X.shape[0], 128):
            idx = order[i:i + 128]
            optimizer.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
        print(json.dumps({"workload": "train", "samples": samples, "threads": threads,
                          "seconds": seconds, "torch": torch.__version__}))
        return
    X, _, _ = mnist_data.load(folder, 10000 if mode == "infer-batch" else 2000)
    X = torch.from_numpy(X)
    with torch.inference_mode():
        model(X[:256])
        if mode == "infer-batch":
            start = time.perf_counter()
            torch.softmax(model(X), dim=1)
            print(json.dumps({"workload": "infer-batch", "samples": X.shape[0],
                              "seconds": time.perf_counter() - start,
                              "torch": torch.__version__}))
        else:
            latencies = []
            for i in range(X.shape[0]):
                start = time.perf_counter()
                torch.softmax(model(X[i:i + 1]), dim=1)
                latencies.append(time.perf_counter() - start)
            latencies.sort()
            print(json.dumps({"workload": "infer-one",
                              "median_seconds": latencies[len(latencies) // 2],
                              "torch": torch.__version__}))


if __name__ == "__main__":
    main()
