"""Run the book's chapters on Colab's own package versions, as a reader there would.

Usage::

    python scripts/colab_check.py                # all twelve chapters; writes the record
    python scripts/colab_check.py --chapters 03 05 --no-record

A stand-in for Colab's GPU runtime on this machine's CPU: a fresh virtual environment gets the
packages that Colab's runtime has before a reader's first cell, at Colab's versions
(``tests/colab-constraints.txt``, from Google's public record). Then, as a reader's setup cell
does, pip installs the helpers' wheel there with no constraints, and must add nothing but the
helpers and packages Colab lacks (checked in pip's ``--dry-run --report`` JSON before the real
install). Each chapter is then copied out of the repository (Colab has only the notebook) and
run with ``nbval --nbval-lax``: every cell runs and every assert holds; printed outputs are
compared only in the main, pinned test run. The record, ``benchmarks/colab_check.json``, gives
each chapter's result and seconds. It takes about 20 minutes here; tests/test_colab_stack.py
runs a few chapters the same way in the routine test run.

Colab runs Python 3.12 or 3.13 on a GPU; this runs the Python it is started with (3.11 here)
on the CPU.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "tests" / "colab-constraints.txt"
RECORD = ROOT / "benchmarks" / "colab_check.json"

# What Colab's runtime has installed that the helpers or a notebook's kernel use; installing
# the helpers must change none of the first eight (the list; the CUDA plugin of
# Colab's GPU jax matches jaxlib's version exactly).
KEPT = ["jax", "jaxlib", "numpy", "matplotlib", "optax", "ipywidgets", "pillow", "tqdm"]
COLAB_HAS = [*KEPT, "scipy", "ipykernel", "ipython", "pip", "setuptools", "pytest"]
TEST_TOOLS = ["nbval"]  # Colab lacks it: this run's version


def run(*args, timeout=1800, **kwargs) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                            timeout=timeout, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} (exit {result.returncode}):\n"
                           f"{result.stdout[-8000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def colab_pins() -> dict[str, str]:
    """{name: version} of the constraints file (names in lower case, '_' as '-')."""
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def build_wheel(dest: Path) -> Path:
    """The helpers as a wheel (what a reader's ``pip install`` of the book builds)."""
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", dest, ROOT)
    return next(dest.glob("dljax_helpers-*.whl"))


def make_stack(folder: Path) -> Path:
    """A fresh venv in ``folder`` with Colab's packages at Colab's versions; its python."""
    venv = folder / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    tools = [f"{t}=={importlib.metadata.version(t)}" for t in TEST_TOOLS]
    uv = shutil.which("uv") or shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv:  # much faster than pip where it is installed; the same versions
        run(uv, "pip", "install", "--python", python, "-c", CONSTRAINTS, *COLAB_HAS, *tools)
    else:
        run(sys.executable, "-m", "pip", "--python", python, "install", "-c", CONSTRAINTS,
            *COLAB_HAS, *tools)
    return python


def installed(python: Path, names) -> dict[str, str]:
    out = run(python, "-c", "import importlib.metadata as m, sys\n"
              "for n in sys.argv[1:]: print(n, m.version(n))", *names)
    return dict(line.split() for line in out.splitlines())


def would_install(python: Path, wheel: Path) -> dict[str, str]:
    """{name: version} that ``pip install <wheel>`` would install there (pip's JSON report)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        run(python, "-m", "pip", "install", "--dry-run", "--quiet", "--report", report, wheel)
        entries = json.loads(report.read_text())["install"]
    return {e["metadata"]["name"].lower().replace("_", "-"): e["metadata"]["version"]
            for e in entries}


def check_install(python: Path, wheel: Path) -> dict[str, str]:
    """Install the helpers as Colab's setup cell would; fail if Colab's packages would move.

    Returns what was added. Raises RuntimeError naming the packages pip would replace.
    """
    before = installed(python, KEPT)
    added = would_install(python, wheel)
    pins = colab_pins()
    replaced = {n: v for n, v in added.items() if n in pins}
    if replaced:
        raise RuntimeError(f"installing the helpers would replace Colab's packages: "
                           f"{', '.join(f'{n} {pins[n]} -> {v}' for n, v in replaced.items())}")
    run(python, "-m", "pip", "install", "--quiet", wheel)
    after = installed(python, KEPT)
    if after != before:
        raise RuntimeError(f"the install changed Colab's packages: {before} -> {after}")
    return added


def run_notebooks(python: Path, notebooks, work: Path, timeout=3600):
    """pytest --nbval-lax on copies of ``notebooks`` in ``work`` (outside the repository)."""
    work.mkdir(parents=True, exist_ok=True)
    copies = []
    for notebook in notebooks:
        copies.append(work / notebook.name)
        shutil.copy(notebook, copies[-1])
    env = {"PATH": str(python.parent) + ":/usr/bin:/bin", "HOME": str(Path.home()),
           "JUPYTER_PLATFORM_DIRS": "1", "MPLBACKEND": "Agg"}
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         "--rootdir", str(work), "--nbval-lax", "--nbval-current-env",
         "--nbval-cell-timeout=1200", *map(str, copies)],
        cwd=work, capture_output=True, text=True, timeout=timeout, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="*", help="number prefixes (default: all)")
    parser.add_argument("--folder", type=Path, help="where to make the venv (default: a temporary one)")
    parser.add_argument("--no-record", action="store_true", help=f"do not write {RECORD.name}")
    args = parser.parse_args()

    folder = args.folder or Path(tempfile.mkdtemp(prefix="colab-"))
    start = time.perf_counter()
    python = make_stack(folder)
    added = check_install(python, build_wheel(folder / "dist"))
    print(f"stack ready in {time.perf_counter() - start:.0f} s; the helpers added: {added}")

    notebooks = sorted((ROOT / "chapters").glob("*.ipynb"))
    if args.chapters:
        notebooks = [p for p in notebooks if p.name.split("_")[0] in args.chapters]
    rows = []
    for notebook in notebooks:
        t0 = time.perf_counter()
        result = run_notebooks(python, [notebook], folder / "work")
        seconds = round(time.perf_counter() - t0, 1)
        rows.append({"chapter": notebook.stem, "passed": result.returncode == 0, "seconds": seconds})
        print(f"{notebook.stem:32s} {'pass' if rows[-1]['passed'] else 'FAIL'} {seconds:7.1f} s",
              flush=True)
        if result.returncode != 0:
            print(result.stdout[-6000:], result.stderr[-2000:], sep="\n")
    passed = sum(r["passed"] for r in rows)
    print(f"{passed}/{len(rows)} chapters pass on Colab's versions")
    if not args.no_record:
        RECORD.write_text(json.dumps({
            "what": "every chapter run with nbval --nbval-lax on Colab's GPU runtime's package "
                    "versions (tests/colab-constraints.txt), on this machine's CPU",
            "command": "python scripts/colab_check.py",
            "date": time.strftime("%Y-%m-%d"),
            "python": platform.python_version(),
            "versions": installed(python, KEPT),
            "installing_the_helpers_added": added,
            "chapters": rows,
        }, indent=1) + "\n")
        print(f"wrote {RECORD.relative_to(ROOT)}")
    sys.exit(0 if passed == len(rows) else 1)


if __name__ == "__main__":
    main()
