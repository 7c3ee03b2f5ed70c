"""Shared fixtures: the repository root and the built book (built once per test run)."""

from __future__ import annotations

import fcntl
import importlib.util
import json
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


def load_script(name: str):
    """A module of scripts/ (not a package), e.g. ``load_script("colab_check")``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def skip_unless_index_reachable(what: str) -> None:
    """Skip (fail under CI=true) when pip's configured package index does not answer."""
    try:
        answered = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "jax"],
                                  capture_output=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        answered = False
    if not answered:
        message = f"the package index is unreachable: {what} installs from it"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (under CI a skip is a failure)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def _once(request, tmp_path_factory, name: str, build) -> tuple[Path, str]:
    """Run ``build()`` once per test run: under pytest-xdist the first worker to take the lock
    builds, and the others find the result it left in their shared temporary folder."""
    if not hasattr(request.config, "workerinput"):  # a single process
        return build()
    shared = tmp_path_factory.getbasetemp().parent  # this run's folder, shared by the workers
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / f"{name}.json"
        if not done.exists():
            try:
                out, log = build()
                done.write_text(json.dumps({"out": str(out), "log": log}))
            except pytest.fail.Exception as failure:
                done.write_text(json.dumps({"failure": str(failure)}))
        result = json.loads(done.read_text())
    if "failure" in result:
        pytest.fail(result["failure"])
    return Path(result["out"]), result["log"]


@pytest.fixture(scope="session")
def built_book(request: pytest.FixtureRequest, tmp_path_factory) -> tuple[Path, str]:
    """Build the book exactly as the README says; return (_build/html, build log)."""
    return _once(request, tmp_path_factory, "book", _build_book)


@pytest.fixture(scope="session")
def korean_book(request: pytest.FixtureRequest, built_book, tmp_path_factory) -> tuple[Path, str]:
    """Build the Korean edition as the README says, into _build/html/ko; return (it, log)."""
    return _once(request, tmp_path_factory, "korean-book", lambda: _run_build(
        [sys.executable, "scripts/edition.py", "html", "ko"], ROOT / "_build" / "html" / "ko"))


def _build_book() -> tuple[Path, str]:
    return _run_build([_tool("jupyter-book"), *BUILD_COMMAND[1:]], ROOT / "_build" / "html")


def _run_build(command: list[str], out: Path) -> tuple[Path, str]:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    log = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command[-3:])} failed (exit {result.returncode}):\n{log[-6000:]}")
    return out, log
