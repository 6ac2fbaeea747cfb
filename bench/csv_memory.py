#!/usr/bin/env python3
"""Peak memory of reading a CSV file for training, against the float32 matrix it yields.

    bench/csv_memory.py MLP_BINARY [--mb 100,1000] [--kinds numeric,text] [--dir DIR] [--keep]
                        [--pipe] [--markdown]

Writes generated CSV files of about the given sizes (in MB) into DIR (default: a temporary
folder, removed at the end unless --keep; files already there with the same name are reused),
then runs `mlp train FILE --target y --epochs 0 -o MODEL` under `/usr/bin/time -v` and prints its
peak RSS, the matrix it trained on (samples x features x 4 bytes, from mlp's own "training on"
line), and their ratio. With --pipe the file is given through a pipe (`cat FILE | mlp train -`).

The files (deterministic, seed 0):
  numeric  20 number columns (values like -1.2345, many distinct) and a 0/1 target
  text     10 number columns, 10 text columns (8 categories each, like "cat_3") and a 0/1 target
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

ROWS_PER_BLOCK = 20000


def number_pool(rng, n=100000):
    return ["%.4f" % rng.gauss(0.0, 1.0) for _ in range(n)]


def write_block(out, rng, pool, kind):
    n = ROWS_PER_BLOCK
    columns = [rng.choices(pool, k=n) for _ in range(20 if kind == "numeric" else 10)]
    if kind == "text":
        categories = ["cat_%d" % k for k in range(8)]
        columns += [rng.choices(categories, k=n) for _ in range(10)]
    columns.append(rng.choices(["0", "1"], k=n))
    out.write("\n".join(",".join(row) for row in zip(*columns)))
    out.write("\n")


def generate(path, kind, megabytes):
    if os.path.exists(path):
        return
    rng = random.Random(0)
    pool = number_pool(rng)
    width = 20 if kind == "numeric" else 10
    header = ["x%d" % i for i in range(width)]
    if kind == "text":
        header += ["t%d" % i for i in range(10)]
    with open(path + ".part", "w") as out:
        out.write(",".join(header + ["y"]) + "\n")
        while out.tell() < megabytes * 1000 * 1000:
            write_block(out, rng, pool, kind)
    os.rename(path + ".part", path)


def measure(mlp, path, model, pipe):
    command = ["/usr/bin/time", "-v", mlp, "train", "-" if pipe else path, "--target", "y",
               "--epochs", "0", "-o", model]
    stdin = open(path, "rb") if pipe else subprocess.DEVNULL
    result = subprocess.run(command, stdin=stdin, capture_output=True, text=True)
    if pipe:
        stdin.close()
    if result.returncode != 0:
        sys.exit("mlp train failed:\n" + result.stderr)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", result.stderr).group(1)
    seen = re.search(r"training on .*: (\d+) samples, (\d+) features", result.stdout)
    samples, features = int(seen.group(1)), int(seen.group(2))
    return rss_kb * 1024, samples, features, wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mlp")
    parser.add_argument("--mb", default="100")
    parser.add_argument("--kinds", default="numeric,text")
    parser.add_argument("--dir")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--pipe", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    folder = args.dir or tempfile.mkdtemp(prefix="mlp-csv-memory-")
    os.makedirs(folder, exist_ok=True)
    rows = []
    try:
        for kind in args.kinds.split(","):
            for mb in (int(m) for m in args.mb.split(",")):
                path = os.path.join(folder, "%s_%dmb.csv" % (kind, mb))
                generate(path, kind, mb)
                model = os.path.join(folder, "model.safetensors")
                rss, samples, features, wall = measure(args.mlp, path, model, args.pipe)
                matrix = samples * features * 4
                rows.append((os.path.basename(path), os.path.getsize(path), samples, features,
                             matrix, rss, wall))
    finally:
        if not args.keep and not args.dir:
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)
    mb = lambda b: "%.0f MB" % (b / 1e6)
    if args.markdown:
        print("| file | size | samples x features | float32 matrix | peak RSS | RSS / matrix | wall |")
        print("|---|---|---|---|---|---|---|")
    for name, size, samples, features, matrix, rss, wall in rows:
        fields = (name, mb(size), "%d x %d" % (samples, features), mb(matrix), mb(rss),
                  "%.2f" % (rss / matrix), wall)
        print(("| %s |" % " | ".join(fields)) if args.markdown else "  ".join(fields))


if __name__ == "__main__":
    main()
