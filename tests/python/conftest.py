"""Shared fixtures of the Python package's tests: the project root, the CLI
(EMBODIED_CLI, set by meson) and ../shared (skip when absent, fail under CI=true)."""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def root():
    return ROOT


@pytest.fixture
def cli():
    p = os.environ.get("EMBODIED_CLI")
    if not p:
        pytest.skip("EMBODIED_CLI not set (run through meson test)")
    return p


@pytest.fixture
def shared():
    d = ROOT.parent / "shared" / "testdata"
    if not d.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{d} missing and CI=true: the _shared tests must run")
        pytest.skip(f"{d} missing: ../shared test data not available")
    return d
