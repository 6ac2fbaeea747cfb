#!/usr/bin/env python3
"""bench/scaling_model.py: predicted scaling of data-parallel training on many nodes.

A model, not a measurement (docs/distributed.md, "Scaling model"): the compute time of a step
measured on this machine, the alpha-beta cost of the exchange, and the efficiency that follows at
2 to 64 nodes on 10, 25 and 100 Gbit/s, for synchronous training (the exact exchange: a
reduce-scatter of the tree's nodes by parameter slices and an allgather of the slices, which costs
what a ring allreduce does) and for local SGD (--sync-every K, the parameters and Adam's two
moments averaged every K steps). Then what overlapping the reduce-scatter with the backward pass
buys (buckets of layers, FitOptions::exchange_bucket_bytes), for three MNIST networks.

    bench/scaling_model.py              # the Markdown tables of docs/distributed.md
    bench/scaling_model.py --alpha-us 5 # another per-message latency

Every constant below was measured here (2-core AMD EPYC Zen 1, ~2 GHz, Open MPI 4.1) or is an
assumption named as such.
"""
import argparse

# --- Measured here -------------------------------------------------------------------------
# Compute of one training step on one node (this 2-core machine, 1 process x 2 threads):
# t(b) = OVERHEAD + b x PER_ROW. From mlp_bench train (MNIST 784-128-10, Adam, f32, 1 thread,
# CPU seconds per epoch of 60,000 rows: 0.784 at batch 32, 0.537 at batch 128), fitted as
# steps x overhead + rows x per-row, then divided by the 2-thread speed-up (0.537 / 0.34 s).
TWO_THREAD_SPEEDUP = 0.537 / 0.34
MNIST_OVERHEAD_S = 176e-6 / TWO_THREAD_SPEEDUP  # the step's fixed part (the Adam update, ...)
MNIST_PER_ROW_S = 7.6e-6 / TWO_THREAD_SPEEDUP
MNIST_PARAMETERS = 784 * 128 + 128 + 128 * 10 + 10  # 101,770
MNIST_ROWS = 60_000
# Dense products: mlp_bench train --synthetic (784-256-128-10 on dense inputs, 1 thread) ran at
# 31-33 GFLOP/s; the tabular network's training FLOPs per row are counted as mlp_bench counts
# them (2 x (2 x forward + backward to the hidden layers' inputs) multiply-adds).
DENSE_GFLOPS_PER_CORE = 32.0
# Loopback (shared memory, 2 ranks): the allgather of the communicator, fitted up to 1 MB:
# t = 1 us + bytes / 11 GB/s (docs/distributed.md's table). Not a network's numbers: shown for
# comparison, the network's are below.
LOOPBACK_ALPHA_S = 1e-6
LOOPBACK_BYTES_PER_S = 11e9

# The backward pass's products, for the overlap: 784-512-512-512-10 by messages on 2 ranks x 1
# thread (mlp_bench train --deep --width 512 --ranks --messages, 16 interleaved rounds on the
# Zen 5 of docs/performance.md, 2026-12-04): a rank's CPU time per step outside the exchange,
# 3.45 ms for its 2 blocks of 32 rows, whose products are 111 MFLOP each (counting the first
# layer's nonzero pixels only): 65 GFLOP/s.
BACKWARD_GFLOPS_PER_CORE = 65.0
# The share of MNIST's training pixels that are not 0 (the first layer's weight gradient
# touches only their rows of W: nn/sparse_input.hpp).
MNIST_PIXEL_DENSITY = 0.191
# Data-parallel fit's gradient blocks (FitOptions::gradient_block_rows) and exchange buckets
# (FitOptions::exchange_bucket_bytes).
BLOCK_ROWS = 32
BUCKET_BYTES = 64 << 10

# --- Assumed (not measured here) -----------------------------------------------------------
# Per-message latency of MPI over TCP on Ethernet: ~10-30 us in published osu_latency runs; 20 us.
ALPHA_S = 20e-6
# The share of the link rate a large MPI message reaches over TCP.
LINK_EFFICIENCY = 0.8
# The 10M-row tabular workload: 64 standardised features, 256-128 ReLU, one output (mse),
# Adam, f32, global batch 1,024.
TABULAR_SHAPE = (64, 256, 128, 1)
TABULAR_ROWS = 10_000_000
TABULAR_BATCH = 1024
MNIST_BATCH = 128


def parameter_count(shape):
    return sum(a * b + b for a, b in zip(shape, shape[1:]))


def training_flops_per_row(shape):
    forward = sum(a * b for a, b in zip(shape, shape[1:]))
    backward_input = sum(a * b for a, b in zip(shape[1:], shape[2:]))
    return 2.0 * (2 * forward + backward_input)


class Workload:
    def __init__(self, name, parameters, rows, batch, overhead_s, per_row_s):
        self.name, self.parameters, self.rows, self.batch = name, parameters, rows, batch
        self.overhead_s, self.per_row_s = overhead_s, per_row_s

    def compute_s(self, rows):
        """One node's step on `rows` rows."""
        return self.overhead_s + rows * self.per_row_s


def workloads():
    tab_p = parameter_count(TABULAR_SHAPE)
    tab_per_row = training_flops_per_row(TABULAR_SHAPE) / (DENSE_GFLOPS_PER_CORE * 1e9 * 2)
    # The fixed part scales with the parameters the optimizer updates (MNIST's measured).
    tab_overhead = MNIST_OVERHEAD_S * tab_p / MNIST_PARAMETERS
    return [
        Workload("MNIST 784-128-10", MNIST_PARAMETERS, MNIST_ROWS, MNIST_BATCH, MNIST_OVERHEAD_S,
                 MNIST_PER_ROW_S),
        Workload("tabular 64-256-128-1, 10M rows", tab_p, TABULAR_ROWS, TABULAR_BATCH,
                 tab_overhead, tab_per_row),
    ]


def ring_allreduce_s(nodes, nbytes, alpha, bandwidth):
    """Ring allreduce: 2 (N - 1) messages of bytes / N each (reduce-scatter, then allgather). The
    exact exchange costs the same: an alltoall of each node's tree node by slices (N - 1 messages
    of bytes / N, N a power of two dividing the blocks), then an allgather of the root's slices."""
    if nodes == 1:
        return 0.0
    return 2 * (nodes - 1) * alpha + 2 * (nodes - 1) / nodes * nbytes / bandwidth


def efficiencies(w, nodes, gbit, alpha, sync_every):
    """Strong scaling (global batch fixed, split over the nodes) and weak scaling (each node's
    batch fixed), synchronous and local SGD: efficiency = one node's time / (N x N nodes' time)
    for the same work."""
    bandwidth = gbit * 1e9 / 8 * LINK_EFFICIENCY
    grad_bytes = 4 * w.parameters
    rows_each = w.batch / nodes
    one = w.compute_s(w.batch)  # one node, the whole batch
    out = {}
    exchange = ring_allreduce_s(nodes, grad_bytes, alpha, bandwidth)
    out["strong ring"] = one / (nodes * (w.compute_s(rows_each) + exchange))
    out["weak ring"] = one / (w.compute_s(w.batch) + exchange)
    # Local SGD: parameters and Adam's m and v (3 P) averaged by a ring allreduce every K steps.
    avg = ring_allreduce_s(nodes, 3 * grad_bytes, alpha, bandwidth) / sync_every
    out["strong local"] = one / (nodes * (w.compute_s(rows_each) + avg))
    out["weak local"] = one / (w.compute_s(w.batch) + avg)
    return out


def table(w, gbits, node_counts, alpha, sync_every):
    lines = [
        f"**{w.name}** ({w.parameters:,} parameters, {4 * w.parameters / 1e6:.2f} MB of f32 "
        f"gradient; global batch {w.batch}; one node's step {1e3 * w.compute_s(w.batch):.3f} ms, "
        f"epoch {w.rows / w.batch * w.compute_s(w.batch):.1f} s)",
        "",
        f"| Gbit/s | nodes | strong, synchronous | strong, local SGD K={sync_every} "
        f"| weak, synchronous | weak, local SGD K={sync_every} |",
        "|---|---|---|---|---|---|",
    ]
    for gbit in gbits:
        for n in node_counts:
            e = efficiencies(w, n, gbit, alpha, sync_every)
            cells = [e[k] for k in ("strong ring", "strong local", "weak ring", "weak local")]
            lines.append(f"| {gbit} | {n} | " + " | ".join(f"{100 * c:.0f} %" for c in cells) +
                         " |")
    return "\n".join(lines)


def stops_paying(w, gbit, alpha, sync_every):
    """The node count (power of two up to 64) at which strong scaling's epoch is fastest: beyond
    it, more nodes make synchronous training slower."""
    result = {}
    for mode in ("ring", "local"):
        best, best_n = None, 1
        for n in (1, 2, 4, 8, 16, 32, 64):
            e = efficiencies(w, n, gbit, alpha, sync_every)["strong " + mode]
            time = w.compute_s(w.batch) / (n * e)  # per step
            if best is None or time < best:
                best, best_n = time, n
        result[mode] = (best_n, w.compute_s(w.batch) / best)
    return result


def backward_seconds(shape):
    """Each layer's part of the backward pass of one block (BLOCK_ROWS rows), the last layer
    first: (seconds of its weight gradient, seconds of its input's gradient), at
    BACKWARD_GFLOPS_PER_CORE; the first layer's weight gradient on MNIST's nonzero pixels only."""
    rate = BACKWARD_GFLOPS_PER_CORE * 1e9
    out = []
    for layer in range(len(shape) - 2, -1, -1):
        n_in, n_out = shape[layer], shape[layer + 1]
        flops = 2.0 * BLOCK_ROWS * n_in * n_out
        weights = flops * (MNIST_PIXEL_DENSITY if layer == 0 else 1.0) / rate
        out.append((weights, flops / rate if layer > 0 else 0.0))
    return out


def buckets(shape, nodes):
    """The exchange's buckets as fit makes them: whole layers from the last, each closed once its
    message to each node holds BUCKET_BYTES (the last layer's also holds the loss and correct
    count): for each, the index (0 = the last layer) of the layer that closes it and its bytes."""
    out, held = [], 2
    layers = len(shape) - 1
    for k in range(layers):
        layer = layers - 1 - k
        held += shape[layer] * shape[layer + 1] + shape[layer + 1]
        if 4 * held >= nodes * BUCKET_BYTES or layer == 0:
            out.append((k, 4 * held))
            held = 0
    return out


def reduce_scatter_s(nodes, nbytes, alpha, bandwidth):
    """Half of the ring: each node sends (N - 1) / N of the bytes in N - 1 messages."""
    return (nodes - 1) * alpha + (nodes - 1) / nodes * nbytes / bandwidth


def overlapped_reduce_scatter_s(shape, nodes, alpha, bandwidth):
    """The reduce-scatter's time left after the backward pass of the rank's last block, when each
    bucket starts as soon as it is final and the network moves the buckets one after another
    without the CPU (RDMA, or sends within the socket buffers: an assumption; MPI without
    hardware progress moves them only inside its calls, at each layer's end here)."""
    times = backward_seconds(shape)
    ready, elapsed = {}, 0.0
    for k, (weights, inputs) in enumerate(times):
        elapsed += weights
        ready[k] = elapsed
        elapsed += inputs
    link_free = 0.0
    for k, nbytes in buckets(shape, nodes):
        link_free = max(link_free, ready[k]) + reduce_scatter_s(nodes, nbytes, alpha, bandwidth)
    return max(0.0, link_free - elapsed)


def overlap_table(gbits, node_counts, alpha):
    shapes = [(784, 128, 10), (784, 256, 128, 10), (784, 512, 512, 512, 10)]
    lines = [
        "| network | backward of the last block (ms) | Gbit/s | nodes | buckets "
        "| reduce-scatter after the pass (ms) | with overlap (ms) | whole exchange hidden |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for shape in shapes:
        nbytes = 4 * (parameter_count(shape) + 2)
        backward = sum(w + i for w, i in backward_seconds(shape))
        for gbit in gbits:
            bandwidth = gbit * 1e9 / 8 * LINK_EFFICIENCY
            for n in node_counts:
                plain = reduce_scatter_s(n, nbytes, alpha, bandwidth)
                overlapped = overlapped_reduce_scatter_s(shape, n, alpha, bandwidth)
                # The whole exchange: the reduce-scatter, the flags' allgather (N - 1 messages)
                # and the parameters' allgather.
                whole = plain + (n - 1) * alpha + reduce_scatter_s(n, nbytes, alpha, bandwidth)
                lines.append(
                    f"| {'-'.join(map(str, shape))} | {1e3 * backward:.2f} | {gbit} | {n} "
                    f"| {len(buckets(shape, n))} | {1e3 * plain:.2f} | {1e3 * overlapped:.2f} "
                    f"| {round(100 * (plain - overlapped) / whole)} % |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha-us", type=float, default=ALPHA_S * 1e6,
                        help="per-message latency in microseconds (assumed: 20)")
    parser.add_argument("--sync-every", type=int, default=8, help="local SGD's K")
    args = parser.parse_args()
    alpha = args.alpha_us * 1e-6
    gbits = (10, 25, 100)
    nodes = (2, 4, 8, 16, 32, 64)
    print(f"Loopback check: the exact exchange of MNIST's gradient between 2 ranks, "
          f"{1e6 * ring_allreduce_s(2, 4 * MNIST_PARAMETERS, LOOPBACK_ALPHA_S, LOOPBACK_BYTES_PER_S):.0f} us "
          f"by the fit (measured: 33 us as one allgather of the nodes, the same bytes)\n")
    for w in workloads():
        print(table(w, gbits, nodes, alpha, args.sync_every))
        print()
        for gbit in gbits:
            best = stops_paying(w, gbit, alpha, args.sync_every)
            print(f"- {gbit} Gbit/s: synchronous fastest at {best['ring'][0]} nodes "
                  f"({best['ring'][1]:.1f}x one node); local SGD K={args.sync_every} at "
                  f"{best['local'][0]} nodes ({best['local'][1]:.1f}x)")
        print()
    print("Overlap of the reduce-scatter with the backward pass (one node per rank):\n")
    print(overlap_table(gbits, (2, 8, 64), alpha))


if __name__ == "__main__":
    main()
