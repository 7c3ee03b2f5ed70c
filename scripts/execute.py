"""Re-execute notebooks top to bottom in one fresh kernel and save them with outputs.

Usage (from the repository root)::

    python scripts/execute.py chapters/01_neuron.ipynb [more.ipynb ...]

Each notebook runs in its own directory, like nbval runs it in the tests.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 3600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=True,
    )
    client.execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for name in sys.argv[1:]:
        seconds = execute(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")
