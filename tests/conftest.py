"""Shared fixtures: the repository root and the built book (built once per test run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_COMMAND = ["jupyter-book", "build", ".", "-W", "-n", "--keep-going"]  # as in README.md


def _tool(name: str) -> str:
    """A console script of the running environment (works without activating it)."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_book() -> tuple[Path, str]:
    """Build the book exactly as the README says; return (_build/html, build log)."""
    result = subprocess.run(
        [_tool("jupyter-book"), *BUILD_COMMAND[1:]],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"the book build failed (exit {result.returncode}):\n{log[-6000:]}")
    return ROOT / "_build" / "html", log
