"""Data sets of the book, so that nothing is ever downloaded.

:func:`two_class_2d` generates a small noisy two-class set in the plane from a PRNG key
(lecture pp. 52-55). MNIST is stored as ``data/mnist.npz`` inside this package: the official 60,000
training and 10,000 test images as uint8 arrays, converted exactly by
``scripts/convert_mnist.py`` (see its docstring for the provenance).
"""

from __future__ import annotations

import hashlib
import io
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
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


# ---------------------------------------------------------------- a two-class set in the plane

#: The clean boundary of :func:`two_class_2d`: class 1 where (x1 + 1)(x2 + 1) > C.
#: C = 0.75 splits the square [-1, 1]^2 into two nearly equal areas (4 - C - C ln(4/C) = 2).
BOUNDARY_C = 0.75


def two_class_boundary(x: jax.Array) -> jax.Array:
    """The clean score of :func:`two_class_2d`: positive where class 1 (upper right) lives.

    ``x`` has shape ``(n, 2)``; the clean decision boundary is where the score is 0,
    the hyperbola ``(x1 + 1)(x2 + 1) = 0.75`` that bends around the lower-left corner.
    """
    x = jnp.asarray(x)
    return (x[..., 0] + 1.0) * (x[..., 1] + 1.0) - BOUNDARY_C


def two_class_2d(
    key: jax.Array, num_points: int, *, noise: float = 0.25
) -> tuple[jax.Array, jax.Array]:
    """A small noisy two-class data set in the plane, like the lecture's pp. 52-55 pictures.

    Class 0 (the slide's red points) fills the left and the bottom of the square
    ``[-1, 1]^2`` in an L shape, class 1 (blue) its upper right; the clean boundary is
    :func:`two_class_boundary`. Each point is drawn uniformly on its class's side of
    the boundary, and then moved by Gaussian noise of standard deviation ``noise``, so
    that near the boundary the classes overlap and no smooth curve separates them.

    Exactly half of the points (``num_points // 2``) are class 0, the rest class 1, in
    a shuffled order. The same key gives the same set. Returns ``x`` float32 of shape
    ``(num_points, 2)`` and ``y`` int32 of shape ``(num_points,)``.
    """
    _check_two_class_args(key, num_points, noise)
    n0 = num_points // 2
    n1 = num_points - n0
    k_pool, k_noise, k_order = jax.random.split(key, 3)
    # A pool of uniform points, far more than needed; take the first n0 of each side.
    pool_size = 4 * num_points + 64
    pool = np.asarray(jax.random.uniform(k_pool, (pool_size, 2), jnp.float32, -1.0, 1.0))
    side = np.asarray(two_class_boundary(pool)) > 0
    class0, class1 = pool[~side][:n0], pool[side][:n1]
    if len(class0) < n0 or len(class1) < n1:  # about 1e-15 likely; say so rather than lie
        raise RuntimeError("two_class_2d: the pool of points was too small; use another key")
    x = np.concatenate([class0, class1])
    y = np.concatenate([np.zeros(n0, np.int32), np.ones(n1, np.int32)])
    x = x + noise * np.asarray(jax.random.normal(k_noise, x.shape, jnp.float32))
    order = np.asarray(jax.random.permutation(k_order, num_points))
    return jnp.asarray(x[order], jnp.float32), jnp.asarray(y[order], jnp.int32)


def _check_two_class_args(key: Any, num_points: Any, noise: Any) -> None:
    is_typed_key = isinstance(key, jax.Array) and jnp.issubdtype(key.dtype, jax.dtypes.prng_key)
    is_raw_key = (
        isinstance(key, (jax.Array, np.ndarray))
        and key.dtype == np.uint32
        and key.shape == (2,)
    )
    if not (is_typed_key and key.shape == ()) and not is_raw_key:
        raise TypeError(
            f"key must be one PRNG key such as jax.random.key(0), got {type(key).__name__}"
            + (f" of shape {key.shape}" if hasattr(key, "shape") else "")
        )
    if isinstance(num_points, bool) or not isinstance(num_points, (int, np.integer)):
        raise TypeError(f"num_points must be an int, got {num_points!r}")
    if num_points < 2:
        raise ValueError(f"num_points must be at least 2 (one point per class), got {num_points}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.floating)):
        raise TypeError(f"noise must be a number (a standard deviation), got {noise!r}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite standard deviation >= 0, got {noise}")
