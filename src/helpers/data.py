"""Data sets that ship with the book, so that nothing is ever downloaded.

MNIST is stored as ``data/mnist.npz`` inside this package: the official 60,000
training and 10,000 test images as uint8 arrays, converted exactly by
``scripts/convert_mnist.py`` (see its docstring for the provenance).
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

#: SHA-256 of ``data/mnist.npz``; checked before the file is used.
MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
MNIST_FILE = "mnist.npz"


class MNIST(NamedTuple):
    """MNIST as uint8 images ``(n, 28, 28)`` and uint8 labels ``(n,)``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def _mnist_path():
    return resources.files("helpers").joinpath("data", MNIST_FILE)


def load_mnist(*, path=None) -> MNIST:
    """Load MNIST from the package (or ``path``), after checking its SHA-256.

    Returns uint8 pixels; divide by 255 (``x / 255``) for the lecture's inputs.
    Raises ``FileNotFoundError`` when the file is missing and ``ValueError`` when
    its checksum or contents are wrong, saying what to do about it.
    """
    source = _mnist_path() if path is None else Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"MNIST data file not found at {source}. It ships inside the helpers package "
            "(src/helpers/data/mnist.npz); reinstall the package, or regenerate the file "
            "with scripts/convert_mnist.py."
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MNIST_SHA256:
        raise ValueError(
            f"MNIST data file {source} is corrupted or not the book's copy: its SHA-256 is "
            f"{digest}, expected {MNIST_SHA256}. Reinstall the package or regenerate the "
            "file with scripts/convert_mnist.py."
        )
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        data = MNIST(**{name: npz[name] for name in MNIST._fields})
    return data
