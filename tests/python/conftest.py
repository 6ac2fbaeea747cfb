"""Shared fixtures of the Python package's tests: the data sets in ../shared/datasets and the
`mlp` program, both found as the C++ tests find them."""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def datasets():
    """The folder of the shared data sets (MLP_DATASETS_DIR, else ../shared/datasets)."""
    folder = pathlib.Path(os.environ.get("MLP_DATASETS_DIR", ROOT.parent / "shared" / "datasets"))
    if not (folder / "iris.csv").exists():
        pytest.fail(f"the data sets are not in {folder}: set MLP_DATASETS_DIR")
    return folder


@pytest.fixture(scope="session")
def mlp_cli():
    """The `mlp` program built from this tree (MLP_CLI, else build/mlp)."""
    path = pathlib.Path(os.environ.get("MLP_CLI", ROOT / "build" / "mlp"))
    if not path.exists():
        pytest.fail(f"the mlp program is not at {path}: build it (scripts/build) or set MLP_CLI")
    return path
