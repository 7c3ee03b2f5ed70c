"""Chapter 12's small convolutional network for MNIST, in plain JAX.

Two 3×3 convolutions (:func:`conv`, padding "SAME"), each followed by
2×2 max pooling and ReLU, then a fully connected hidden layer and the 10 logits:

    (n, 28, 28, 1) -conv-> (n, 28, 28, c1) -pool-> (n, 14, 14, c1)
                   -conv-> (n, 14, 14, c2) -pool-> (n, 7, 7, c2) -> 7·7·c2 -> hidden -> 10

Parameters are a list of ``(W, b)`` pairs as in :mod:`helpers.nn`: kernels of shape
``(3, 3, c_in, c_out)`` ("HWIO"), dense weights ``(fan_in, fan_out)``. :func:`predict`
maps images ``(n, 28, 28, 1)`` in [0, 1] to logits, so ``helpers.nn.fit(...,
predict=predict)`` trains it with the book's training loop. Chapter 12 and
``scripts/benchmark.py`` both use this one definition.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp

__all__ = ["CHANNELS", "HIDDEN", "conv", "init_cnn", "max_pool", "num_params", "predict"]

CHANNELS = (16, 32)  #: feature maps of the two convolutions
HIDDEN = 128  #: units of the fully connected hidden layer
DIMENSIONS = ("NHWC", "HWIO", "NHWC")  # batch, height, width, channels; kernel h, w, in, out

Params = list[tuple[jax.Array, jax.Array]]


def init_cnn(key: jax.Array, channels: tuple[int, int] = CHANNELS,
             hidden: int = HIDDEN) -> Params:
    """He-normal weights N(0, 2 / fan_in) (the ReLU scale of chapter 9) and zero biases.

    ``fan_in`` of a 3×3 kernel from ``c_in`` channels is 9·c_in: the inputs one output sees.
    """
    c1, c2 = channels
    return _init(key, (int(c1), int(c2)), int(hidden))


@functools.partial(jax.jit, static_argnums=(1, 2))
def _init(key, channels, hidden):  # compiled once per shape: eager, it compiles every op
    c1, c2 = channels
    shapes = [(3, 3, 1, c1), (3, 3, c1, c2), (7 * 7 * c2, hidden), (hidden, 10)]
    keys = jax.random.split(key, len(shapes))
    return [(jax.random.normal(k, shape) * math.sqrt(2.0 / math.prod(shape[:-1])),
             jnp.zeros(shape[-1])) for k, shape in zip(keys, shapes, strict=True)]


def num_params(channels: tuple[int, int] = CHANNELS, hidden: int = HIDDEN) -> int:
    """The parameter count of :func:`init_cnn`'s network, from its shapes."""
    c1, c2 = channels
    return (9 * c1 + c1) + (9 * c1 * c2 + c2) + (49 * c2 * hidden + hidden) + (hidden * 10 + 10)


def max_pool(x: jax.Array) -> jax.Array:
    """2×2 max pooling: (n, h, w, c) -> (n, h/2, w/2, c), the largest of each 2×2 block."""
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def predict(params: Params, images: jax.Array) -> jax.Array:
    """Logits (n, 10) of the network on images (n, 28, 28, 1) in [0, 1]."""
    (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
    h = jax.nn.relu(max_pool(conv(images, w1)) + b1)  # (n, 14, 14, c1)
    h = jax.nn.relu(max_pool(conv(h, w2)) + b2)       # (n, 7, 7, c2)
    h = h.reshape(h.shape[0], -1)                     # (n, 49·c2)
    h = jax.nn.relu(h @ w3 + b3)
    return h @ w4 + b4


def conv(x: jax.Array, w: jax.Array) -> jax.Array:
    """A k×k convolution (k odd) with padding "SAME": the output has the input's size.

    ``x`` is (n, h, w, c_in), ``w`` (k, k, c_in, c_out); returns (n, h, w, c_out), what
    ``jax.lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=DIMENSIONS)``
    returns. It is computed as one matrix product ("im2col"): every output pixel's
    k×k×c_in patch of the (zero-padded) input, in HWIO order, times the kernel reshaped
    to (k·k·c_in, c_out). Inside the ``jax.lax.scan`` of :func:`helpers.nn.fit`, XLA's
    CPU compiler runs the gradients of ``conv_general_dilated`` as naive loops; the
    product's gradients are two more products. With the forward pass by
    ``conv_general_dilated`` and only the gradients as products, the default network's
    epoch took 19.8 s instead of 11.6 s (best epochs of an A/B run on the book's CPU).
    ``tests/test_nn.py`` checks the value and both gradients against JAX's own.
    """
    k, _, c_in, c_out = w.shape
    p = k // 2
    padded = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    h, wd = x.shape[1:3]
    patches = jnp.concatenate([padded[:, i:i + h, j:j + wd, :]
                               for i in range(k) for j in range(k)], axis=-1)
    return patches @ w.reshape(k * k * c_in, c_out)
