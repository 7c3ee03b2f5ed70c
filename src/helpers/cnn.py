"""Chapter 12's small convolutional network for MNIST, in plain JAX.

Two 3×3 convolutions (:func:`conv`, padding "SAME"), each followed by
2×2 max pooling and ReLU, then a fully connected hidden layer and the 10 logits:

    (n, 28, 28, 1) -conv-> (n, 28, 28, c1) -pool-> (n, 14, 14, c1)
                   -conv-> (n, 14, 14, c2) -pool-> (n, 7, 7, c2) -> 7·7·c2 -> hidden -> 10

Parameters are a list of ``(W, b)`` pairs as in :mod:`helpers.nn`: kernels of shape
``(3, 3, c_in, c_out)`` ("HWIO"), dense weights ``(fan_in, fan_out)``. :func:`predict`
maps images ``(n, 28, 28, 1)`` in [0, 1] to logits, so ``helpers.nn.fit(...,
predict=predict)`` trains it with the book's training loop.

:func:`fast_predict` computes the same logits in the arrangement that trains fastest on
XLA's CPU backend; chapter 12 and ``scripts/benchmark.py`` train with it. It is speed-only:
``tests/test_nn.py`` checks its values and gradients against :func:`predict`.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp

__all__ = ["CHANNELS", "HIDDEN", "conv", "fast_predict", "init_cnn", "max_pool", "num_params",
           "predict"]

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


def fast_predict(params: Params, images: jax.Array) -> jax.Array:
    """:func:`predict`'s logits, computed the way that trains fastest on a CPU.

    Three changes of arrangement, none of the arithmetic (one epoch of chapter 12 went from
    about 11.5 s to 6.5 s on the book's 2-core CPU; ``benchmarks/performance.md``):

    * the batch is the **last** axis, activations ``(channels, height, width, n)``, so the
      convolutions' products need no transposes for their gradients and pooling compares
      whole rows of n numbers;
    * each convolution writes its outputs grouped by their place in the 2×2 pooling block
      (:func:`_conv_pool`), so pooling is a maximum over one axis, not over interleaved pixels;
    * the pooling's gradient is written out (:func:`_max_of_4`) instead of JAX's generic rule
      for ``max``, which materialises a mask the size of the feature map several times: the
      forward pass keeps one byte per pooled output saying which entries were the largest.

    ``fast_predict.xla_cpu_options`` asks :func:`helpers.nn.fit` to leave everything but
    the matrix products to XLA's own code generator on the CPU (its YNNPACK fusions of
    elementwise and reduction ops were slower here); see ``helpers._fast.compiler_options``.
    """
    (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
    n = images.shape[0]
    h = images.transpose(3, 1, 2, 0)                               # (1, 28, 28, n)
    h = jax.nn.relu(_conv_pool(h, w1) + b1[:, None, None, None])   # (c1, 14, 14, n)
    h = jax.nn.relu(_conv_pool(h, w2) + b2[:, None, None, None])   # (c2, 7, 7, n)
    h = h.transpose(1, 2, 0, 3).reshape(-1, n)                     # (7·7·c2, n), predict's order
    h = jax.nn.relu(w3.T @ h + b3[:, None])                        # (hidden, n)
    return (w4.T @ h + b4[:, None]).T                              # (n, 10)


fast_predict.xla_cpu_options = {"xla_cpu_experimental_ynn_fusion_type": "LIBRARY_FUSION_TYPE_DOT"}


def _conv_pool(x: jax.Array, w: jax.Array) -> jax.Array:
    """``max_pool(conv(x, w))`` with the batch last: x ``(c_in, h, w, n)`` -> ``(c_out, h/2, w/2, n)``.

    The im2col product of :func:`conv`, with the output pixels ordered by their offset
    (di, dj) in their 2×2 pooling block: for offset (di, dj) and kernel tap (i, j), the
    patch rows are the padded input at rows di+i, di+i+2, … and columns dj+j, dj+j+2, ….
    The patches are one stack of slices (rows in (c_in, i, j) order, the kernel's rows
    permuted to match), which XLA writes in one pass.
    """
    k, _, c_in, c_out = w.shape
    c, h, wd, n = x.shape
    if h % 2 or wd % 2 or c != c_in:
        raise ValueError(f"_conv_pool needs even height and width and {c_in} input channels, "
                         f"got input shape {x.shape}")
    p = k // 2
    padded = jnp.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    patches = jnp.stack([padded[:, di + i: di + i + h: 2, dj + j: dj + j + wd: 2]
                         for i in range(k) for j in range(k) for di in (0, 1) for dj in (0, 1)],
                        axis=1)                          # (c_in, k·k·4, h/2, w/2, n): one copy
    kernel = w.transpose(2, 0, 1, 3).reshape(c_in * k * k, c_out)  # rows (c_in, i, j) as patches'
    out = kernel.T @ patches.reshape(c_in * k * k, -1)
    return _max_of_4(out.reshape(c_out, 4, h // 2, wd // 2, n))


@jax.custom_vjp
def _max_of_4(x: jax.Array) -> jax.Array:
    """The maximum over axis 1 (of length 4), with JAX's gradient for ``max``: the output's
    gradient goes to the largest entry, split equally between ties."""
    return x.max(axis=1)


def _max_of_4_fwd(x):
    y = x.max(axis=1)
    # Which of the four entries equal the maximum, as bits of one byte per output (bit k for
    # entry k): the backward pass reads a quarter byte per input, not the float inputs.
    where_max = sum((x[:, k] == y).astype(jnp.uint8) << k for k in range(4))
    return y, where_max


def _max_of_4_bwd(where_max, g):
    is_max = [((where_max >> k) & 1) == 1 for k in range(4)]
    share = g / sum(m.astype(g.dtype) for m in is_max)    # split equally between ties
    return (jnp.stack([jnp.where(m, share, 0.0) for m in is_max], axis=1),)


_max_of_4.defvjp(_max_of_4_fwd, _max_of_4_bwd)
