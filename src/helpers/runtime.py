"""What JAX runs on, and the one feature whose name differs between the JAX versions in use.

The book is tested on the JAX pinned in requirements.txt and on Colab's own build (jax 0.7.2,
``tests/colab-constraints.txt``); a reader's notebook may start on either.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

import jax

__all__ = ["float64", "show_devices"]

NO_GPU_IN_COLAB = (
    "This Colab runtime has no GPU, so JAX runs on the CPU: every chapter still runs, the "
    "MNIST chapters (8-12) slowly. For a GPU: Runtime > Change runtime type > a GPU "
    "(e.g. T4) > Save, then run the notebook again from the top.")


def show_devices() -> str:
    """Print (and return) the JAX version, its backend and its devices.

    In Colab, also say when the runtime has no GPU and how to select one; this never fails,
    since every chapter runs on a CPU too.
    """
    backend = jax.default_backend()
    lines = [f"JAX {jax.__version__} on {backend}: {', '.join(map(str, jax.devices()))}"]
    if "google.colab" in sys.modules and backend == "cpu":
        lines.append(NO_GPU_IN_COLAB)
    text = "\n".join(lines)
    print(text)
    return text


def float64() -> AbstractContextManager:
    """A context in which JAX computes in float64 (JAX's "x64" mode), as ``with float64():``.

    The switch is ``jax.enable_x64`` from JAX 0.8 on and ``jax.experimental.enable_x64`` in
    JAX 0.7 (Colab's); each version has only its own name.
    """
    enable = getattr(jax, "enable_x64", None)
    if enable is None:
        from jax.experimental import enable_x64 as enable
    return enable(True)
