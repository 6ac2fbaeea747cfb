#!/usr/bin/python3
"""Regenerates the NumPy reference values and checks that the committed fixture still holds
them (to 1e-12 relative: BLAS builds may round the last bit differently), so the fixture the
C++ tests read is the output of tests/golden/xor_reference.py and nothing else.

Run: /usr/bin/python3 tests/golden/check_fixture.py FIXTURE
"""
import json
import os
import subprocess
import sys
import tempfile


def compare(a, b, path, tolerance=1e-12):
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{path}: keys differ"
        for key in a:
            compare(a[key], b[key], f"{path}.{key}", tolerance)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", tolerance)
    else:
        scale = max(abs(a), abs(b), 1e-300)
        assert abs(a - b) / scale <= tolerance, f"{path}: {a} != {b}"


def main():
    fixture = sys.argv[1]
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xor_reference.py")
    with tempfile.TemporaryDirectory() as folder:
        fresh = os.path.join(folder, "fresh.json")
        subprocess.run([sys.executable, script, fresh], check=True)
        with open(fresh) as f:
            regenerated = json.load(f)
    with open(fixture) as f:
        committed = json.load(f)
    compare(regenerated, committed, "fixture")
    print("fixture matches a fresh run of xor_reference.py")


if __name__ == "__main__":
    main()
