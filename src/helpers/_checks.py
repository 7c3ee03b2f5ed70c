"""Argument checks of :mod:`helpers.nn`, one per kind, kept apart so the model reads plainly.

Each check raises ``TypeError`` or ``ValueError`` with a message naming the argument and
what was wrong, and returns the checked value (or the facts the caller needs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np


def positive_int(value: Any, name: str) -> int:
    """An int >= 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)


def one_of(kind: str, name: Any, valid: Sequence[str]) -> str:
    """A name from ``valid``, e.g. an activation or an initialization scheme."""
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid names are: {', '.join(valid)}")
    return name


def dropout_rate(rate: Any) -> float:
    """A probability in [0, 1)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)):
        raise TypeError(f"dropout_rate must be a number in [0, 1), got {rate!r}")
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"dropout_rate must be in [0, 1), got {rate}")
    return float(rate)


def sizes(value: Any) -> list[int]:
    """Layer widths, input first: at least two positive ints."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"sizes must be a sequence of ints such as [784, 256, 10], got {value!r}")
    if len(value) < 2:
        raise ValueError(f"sizes needs at least 2 layer widths (input and output), got {value}")
    for s in value:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"every layer width in sizes must be a positive int, got {value}")
    return [int(s) for s in value]


def uint8_images(x: Any) -> tuple[int, ...]:
    """uint8 images of shape (n, 28, 28) or (n, 784); returns the shape."""
    dtype, shape = getattr(x, "dtype", None), getattr(x, "shape", None)
    if dtype is None or shape is None:
        raise TypeError(f"prepare_images expects a uint8 array, got {type(x).__name__}")
    if dtype != np.uint8:
        raise TypeError(f"prepare_images expects uint8 pixels (0..255) as load_mnist() returns "
                        f"them, got dtype {dtype}")
    if not (len(shape) == 3 and shape[1:] == (28, 28)) and not (
            len(shape) == 2 and shape[1] == 784):
        raise ValueError(f"prepare_images expects images of shape (n, 28, 28) or (n, 784), "
                         f"got {tuple(shape)}")
    return tuple(shape)


def params(value: Any) -> tuple[int, int]:
    """A chain of (W, b) layers; returns (input width, output width)."""
    if not isinstance(value, (list, tuple)) or len(value) == 0:
        raise TypeError("params must be a non-empty list of (W, b) tuples, as init_mlp returns")
    prev = None
    for i, layer in enumerate(value):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"params[{i}] must be a (W, b) tuple, got {type(layer).__name__}")
        w, b = layer
        if jnp.ndim(w) != 2 or jnp.ndim(b) != 1 or jnp.shape(b)[0] != jnp.shape(w)[1]:
            raise ValueError(f"params[{i}] must be W of shape (fan_in, fan_out) and b of shape "
                             f"(fan_out,), got W {jnp.shape(w)} and b {jnp.shape(b)}")
        if prev is not None and jnp.shape(w)[0] != prev:
            raise ValueError(f"params[{i}] has fan_in {jnp.shape(w)[0]} but the layer before it "
                             f"outputs {prev}")
        prev = jnp.shape(w)[1]
    return int(jnp.shape(value[0][0])[0]), int(prev)


def inputs(x: Any, n_in: int, name: str = "x") -> None:
    """Float inputs of shape (n, n_in)."""
    if getattr(x, "dtype", None) is None:
        raise TypeError(f"{name} must be an array of shape (n, {n_in}), got {type(x).__name__}")
    if jnp.ndim(x) != 2 or jnp.shape(x)[1] != n_in:
        raise ValueError(
            f"{name} must have shape (n, {n_in}) to match the first layer, got {jnp.shape(x)}"
            + (" (use prepare_images to flatten 28x28 images)" if jnp.ndim(x) == 3 else ""))
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(
            f"{name} must hold floats (float32 in [0, 1]), got dtype {x.dtype}"
            + ("; call prepare_images(x) on uint8 images first" if x.dtype == np.uint8 else ""))


def logits_and_labels(logits: Any, labels: Any) -> None:
    """Logits (n, k) and integer labels (n,)."""
    if jnp.ndim(logits) != 2:
        raise ValueError(f"logits must have shape (n, n_classes), got {jnp.shape(logits)}")
    if jnp.ndim(labels) != 1 or jnp.shape(labels)[0] != jnp.shape(logits)[0]:
        raise ValueError(f"labels must have shape ({jnp.shape(logits)[0]},) to match logits "
                         f"{jnp.shape(logits)}, got {jnp.shape(labels)}")
    if not jnp.issubdtype(jnp.result_type(labels), jnp.integer):
        raise TypeError(f"labels must be integer class indices, got dtype "
                        f"{jnp.result_type(labels)}")


def data(params_: Any, x: Any, y: Any, names: tuple[str, str]) -> int:
    """x (n, n_in) floats and y (n,) integer labels in [0, n_out); returns n."""
    n_in, n_out = params(params_)
    inputs(x, n_in, names[0])
    labels(y, int(jnp.shape(x)[0]), n_out, names)
    return int(jnp.shape(x)[0])


def float_pytree(value: Any) -> None:
    """A non-empty pytree of float arrays (the parameters of any model)."""
    leaves = jax.tree.leaves(value)
    if not leaves:
        raise TypeError("params must be a non-empty pytree of float arrays (such as a list "
                        "of (W, b)) to train")
    for leaf in leaves:
        dtype = getattr(leaf, "dtype", None)
        if dtype is None or isinstance(leaf, (str, bytes)) or not jnp.issubdtype(
                dtype, jnp.floating):
            raise TypeError(f"params must be a pytree of float arrays, found a leaf "
                            f"{type(leaf).__name__} {leaf!r:.40}")


def labels(y: Any, n: int, n_out: int, names: tuple[str, str]) -> None:
    """y (n,) integer labels in [0, n_out), one per example of names[0]."""
    if getattr(y, "dtype", None) is None or jnp.ndim(y) != 1:
        raise ValueError(f"{names[1]} must be a 1-D array of integer labels, got {jnp.shape(y)}")
    if not jnp.issubdtype(y.dtype, jnp.integer):
        raise TypeError(f"{names[1]} must hold integer class labels, got dtype {y.dtype}")
    if jnp.shape(y)[0] != n:
        raise ValueError(f"{names[0]} has {n} examples but {names[1]} has "
                         f"{jnp.shape(y)[0]} labels")
    lo, hi = int(jnp.min(y)), int(jnp.max(y))
    if lo < 0 or hi >= n_out:
        raise ValueError(f"{names[1]} must be class indices in [0, {n_out - 1}] for a network "
                         f"with {n_out} outputs, found labels from {lo} to {hi}")


def model_data(predict: Any, params_: Any, x: Any, y: Any, names: tuple[str, str]) -> int:
    """Data for the model: the MLP ``params_`` (``predict`` None) or ``predict(params_, x)``.

    With ``predict``, x is any float array whose first axis counts the examples; one example
    is traced through ``predict`` (no computation) to find the number of classes. Returns n.
    """
    if predict is None:
        return data(params_, x, y, names)
    if not callable(predict):
        raise TypeError(f"predict must be a function (params, x) -> logits, got "
                        f"{type(predict).__name__}")
    float_pytree(params_)
    if getattr(x, "dtype", None) is None or jnp.ndim(x) < 1:
        raise TypeError(f"{names[0]} must be an array whose first axis counts the examples, "
                        f"got {type(x).__name__}")
    if not jnp.issubdtype(x.dtype, jnp.floating):
        raise TypeError(
            f"{names[0]} must hold floats (float32 in [0, 1]), got dtype {x.dtype}"
            + ("; divide uint8 pixels by 255 first" if x.dtype == np.uint8 else ""))
    one = jax.ShapeDtypeStruct((1, *jnp.shape(x)[1:]), jnp.float32)
    try:
        out = jax.eval_shape(predict, params_, one)
    except Exception as exc:  # any failure inside the user's function: say where it came from
        raise ValueError(f"predict(params, x) fails on {names[0]} of shape {jnp.shape(x)} "
                         f"(one example: {one.shape}): {type(exc).__name__}: {exc}") from exc
    shape = getattr(out, "shape", None)
    if shape is None or len(shape) != 2 or shape[0] != 1 or not jnp.issubdtype(
            out.dtype, jnp.floating):
        raise ValueError(f"predict(params, x) must return float logits of shape (n, n_classes); "
                         f"on {one.shape} it returned "
                         f"{shape if shape is not None else type(out).__name__}")
    n = int(jnp.shape(x)[0])
    labels(y, n, int(shape[1]), names)
    return n


def pair(params_: Any, value: Any, name: str, predict: Any = None) -> None:
    """None or a data pair (x, y) that fits the network."""
    if value is None:
        return
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (x, y) or None")
    model_data(predict, params_, value[0], value[1], (f"{name}[0]", f"{name}[1]"))


def fit_args(params_: Any, x: Any, y: Any, *, activation: str, activations: Sequence[str],
             dropout: Any, predict: Any, num_epochs: Any, batch_size: Any, eval_data: Any,
             val_data: Any, patience: Any) -> float:
    """Every argument of :func:`helpers.nn.fit`; returns the dropout rate as a float."""
    one_of("activation", activation, activations)
    rate = dropout_rate(dropout)
    if predict is not None and rate > 0.0:
        raise ValueError("dropout_rate > 0 needs the MLP of init_mlp: with a custom predict, "
                         "put dropout inside your model or leave dropout_rate=0")
    n = model_data(predict, params_, x, y, ("x_train", "y_train"))
    positive_int(num_epochs, "num_epochs")
    if positive_int(batch_size, "batch_size") > n:
        raise ValueError(f"batch_size {batch_size} is larger than the {n} training examples")
    pair(params_, eval_data, "eval_data", predict)
    pair(params_, val_data, "val_data", predict)
    if patience is not None:
        positive_int(patience, "patience")
        if val_data is None:
            raise ValueError("early stopping (patience) needs val_data=(x_val, y_val): "
                             "it watches the validation loss")
    return rate
