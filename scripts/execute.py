"""Re-execute notebooks top to bottom in one fresh kernel and save them with outputs.

Usage (from the repository root)::

    python scripts/execute.py chapters/01_neuron.ipynb [more.ipynb ...]

Each notebook runs in its own directory, like nbval runs it in the tests.

Re-executing an unchanged notebook leaves it byte-for-byte unchanged (where its outputs
do not depend on the machine), so a pull request shows only real changes:

- no widget state is stored, and live-widget views are dropped from the outputs: their
  model ids are random per run, and the book renders the sliders' static HTML instead
  (``helpers.slider_figure``); running the notebook recreates the live widgets;
- consecutive stream outputs (print calls) are merged into one, however the kernel
  happened to chunk them;
- no timing metadata is recorded.

``tests/test_execute.py`` checks this on a short chapter.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _stable_outputs(outputs: list) -> list:
    """Outputs without live-widget views, with consecutive same-name streams merged."""
    kept: list = []
    for out in outputs:
        if out.output_type in ("display_data", "execute_result"):
            out.data.pop(WIDGET_VIEW, None)
            if not out.data:
                continue
        if (out.output_type == "stream" and kept and kept[-1].output_type == "stream"
                and kept[-1].name == out.name):
            kept[-1].text += out.text
            continue
        kept.append(out)
    return kept


def stabilize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Make an executed notebook independent of the run's random ids and stream chunking."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _stable_outputs(cell.outputs)
            cell.metadata.pop("execution", None)
    return nb


def execute(path: Path, timeout: int = 3600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    client.execute()
    nbformat.write(stabilize(nb), path)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for name in sys.argv[1:]:
        seconds = execute(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")
