"""mlp.kernel_set() and the environment variable MLP_KERNELS from Python: the set in force is
named, a set the CPU has can be forced, and a bad value is refused at import with the command
line's message (docs/performance.md), not ignored."""

import os
import subprocess
import sys

import mlp


def import_with(value):
    env = dict(os.environ, MLP_KERNELS=value)
    return subprocess.run([sys.executable, "-c", "import mlp; print(mlp.kernel_set())"],
                          capture_output=True, text=True, env=env, timeout=120)


def test_the_set_in_force_is_named_and_portable_can_be_forced():
    assert mlp.kernel_set() in ("avx512", "avx2", "portable")
    forced = import_with("portable")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.strip() == "portable"


def test_an_unknown_set_is_refused_at_import_with_the_clis_message():
    refused = import_with("sse9")
    assert refused.returncode != 0
    assert "ValueError: environment variable MLP_KERNELS=sse9: no such kernel set" in refused.stderr
    assert "set it to portable, avx2 or avx512" in refused.stderr
