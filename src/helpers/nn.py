"""Fully connected networks (MLPs) for MNIST: initialisation, forward pass, loss and training.

Parameters are a plain list of ``(W, b)`` tuples, one per layer, with ``W`` of shape
``(fan_in, fan_out)`` so that a layer is ``h @ W + b`` on a batch ``h`` of shape
``(n, fan_in)``. Everything is a pure function of its arguments and explicit PRNG keys.

:func:`fit` runs a *whole epoch* as one jitted call: the training data stay on the
device, each epoch draws a fresh permutation, and ``jax.lax.scan`` walks over its
mini-batches, so Python is only visited once per epoch. The same code runs on CPU
and GPU.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = [
    "ACTIVATIONS",
    "BIAS_INITS",
    "WEIGHT_INITS",
    "accuracy",
    "adam",
    "count_params",
    "cross_entropy",
    "evaluate",
    "fit",
    "forward",
    "init_mlp",
    "prepare_images",
    "threefry2x32",
]

Params = list[tuple[jax.Array, jax.Array]]

#: Weight initialisations (see :func:`init_mlp`).
WEIGHT_INITS = ("normal", "xavier_uniform", "xavier_normal", "he_normal", "he_uniform")
#: Bias initialisations.
BIAS_INITS = ("zeros", "normal")
#: Hidden-layer activations by name.
ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "identity": lambda z: z,
}


# ----------------------------------------------------------------------------- data


def prepare_images(x: Any) -> jax.Array:
    """uint8 images ``(n, 28, 28)`` or ``(n, 784)`` -> float32 ``(n, 784)`` in [0, 1] (``x / 255``)."""
    dtype = getattr(x, "dtype", None)
    shape = getattr(x, "shape", None)
    if dtype is None or shape is None:
        raise TypeError(f"prepare_images expects a uint8 array, got {type(x).__name__}")
    if dtype != np.uint8:
        raise TypeError(
            f"prepare_images expects uint8 pixels (0..255) as load_mnist() returns them, "
            f"got dtype {dtype}"
        )
    if not (len(shape) == 3 and shape[1:] == (28, 28)) and not (
        len(shape) == 2 and shape[1] == 784
    ):
        raise ValueError(
            f"prepare_images expects images of shape (n, 28, 28) or (n, 784), got {tuple(shape)}"
        )
    x = jnp.asarray(x).reshape(shape[0], 784)
    return x.astype(jnp.float32) / jnp.float32(255.0)


# ----------------------------------------------------------------------------- parameters


def _check_name(kind: str, name: Any, valid: Sequence[str]) -> None:
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid names are: {', '.join(valid)}")


def init_mlp(
    key: jax.Array,
    sizes: Sequence[int],
    *,
    weights: str = "xavier_uniform",
    biases: str = "zeros",
) -> Params:
    """Random parameters ``[(W1, b1), (W2, b2), ...]`` of an MLP with layer widths ``sizes``.

    ``sizes`` lists the widths from the input to the output, e.g. ``[784, 256, 256, 10]``;
    ``W`` has shape ``(fan_in, fan_out)``. ``weights`` is one of

    - ``"normal"``: N(0, 1), like the lecture's ``tf.random_normal``;
    - ``"xavier_uniform"`` (Glorot): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)),
      variance 2 / (fan_in + fan_out);
    - ``"xavier_normal"``: N(0, 2 / (fan_in + fan_out));
    - ``"he_normal"``: N(0, 2 / fan_in);
    - ``"he_uniform"``: U(-a, a) with a = sqrt(6 / fan_in), variance 2 / fan_in.

    ``biases`` is ``"zeros"`` or ``"normal"`` (N(0, 1)). All arrays are float32.
    """
    _check_name("weight initialisation", weights, WEIGHT_INITS)
    _check_name("bias initialisation", biases, BIAS_INITS)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of ints such as [784, 256, 10], got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least 2 layer widths (input and output), got {sizes}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"every layer width in sizes must be a positive int, got {sizes}")
    params: Params = []
    keys = jax.random.split(key, len(sizes) - 1)
    for k, fan_in, fan_out in zip(keys, sizes[:-1], sizes[1:], strict=True):
        w, b = _init_layer(k, int(fan_in), int(fan_out), weights, biases)
        params.append((w, b))
    return params


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _init_layer(key, fan_in: int, fan_out: int, weights: str, biases: str):
    """One layer's (W, b), compiled once per shape and method."""
    kw, kb = jax.random.split(key)
    shape = (fan_in, fan_out)
    if weights == "normal":
        w = jax.random.normal(kw, shape, jnp.float32)
    elif weights == "xavier_normal":
        w = jax.random.normal(kw, shape, jnp.float32) * math.sqrt(2.0 / (fan_in + fan_out))
    elif weights == "he_normal":
        w = jax.random.normal(kw, shape, jnp.float32) * math.sqrt(2.0 / fan_in)
    else:
        bound = 6.0 / (fan_in + fan_out) if weights == "xavier_uniform" else 6.0 / fan_in
        limit = math.sqrt(bound)
        w = jax.random.uniform(kw, shape, jnp.float32, -limit, limit)
    if biases == "zeros":
        b = jnp.zeros((fan_out,), jnp.float32)
    else:
        b = jax.random.normal(kb, (fan_out,), jnp.float32)
    return w, b


def count_params(params: Any) -> int:
    """The number of numbers in ``params``: the sizes of all its arrays added up.

    Works on any pytree of arrays, e.g. the ``[(W, b), ...]`` of :func:`init_mlp`:
    784→10 has 784·10 weights + 10 biases = 7,850.
    """
    leaves = jax.tree.leaves(params)
    for leaf in leaves:
        if not hasattr(leaf, "shape") or isinstance(leaf, (str, bytes)):
            raise TypeError(f"count_params expects a pytree of arrays (such as a list of "
                            f"(W, b)), found a leaf {type(leaf).__name__} {leaf!r:.40}")
    return sum(math.prod(leaf.shape) for leaf in leaves)


def _check_params(params: Any) -> tuple[int, int]:
    """Check that params is a chain of (W, b) layers; return (input width, output width)."""
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise TypeError("params must be a non-empty list of (W, b) tuples, as init_mlp returns")
    prev = None
    for i, layer in enumerate(params):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"params[{i}] must be a (W, b) tuple, got {type(layer).__name__}")
        w, b = layer
        if jnp.ndim(w) != 2 or jnp.ndim(b) != 1 or jnp.shape(b)[0] != jnp.shape(w)[1]:
            raise ValueError(
                f"params[{i}] must be W of shape (fan_in, fan_out) and b of shape (fan_out,), "
                f"got W {jnp.shape(w)} and b {jnp.shape(b)}"
            )
        if prev is not None and jnp.shape(w)[0] != prev:
            raise ValueError(
                f"params[{i}] has fan_in {jnp.shape(w)[0]} but the layer before it outputs {prev}"
            )
        prev = jnp.shape(w)[1]
    return int(jnp.shape(params[0][0])[0]), int(prev)


# ----------------------------------------------------------------------------- forward pass


def _check_dropout_rate(dropout_rate: Any) -> float:
    if isinstance(dropout_rate, bool) or not isinstance(dropout_rate, (int, float, np.floating)):
        raise TypeError(f"dropout_rate must be a number in [0, 1), got {dropout_rate!r}")
    if not 0.0 <= float(dropout_rate) < 1.0:
        raise ValueError(f"dropout_rate must be in [0, 1), got {dropout_rate}")
    return float(dropout_rate)


def _check_inputs(x: Any, n_in: int, name: str = "x") -> None:
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        raise TypeError(f"{name} must be an array of shape (n, {n_in}), got {type(x).__name__}")
    if jnp.ndim(x) != 2 or jnp.shape(x)[1] != n_in:
        raise ValueError(
            f"{name} must have shape (n, {n_in}) to match the first layer, got {jnp.shape(x)}"
            + (" (use prepare_images to flatten 28x28 images)" if jnp.ndim(x) == 3 else "")
        )
    if not jnp.issubdtype(dtype, jnp.floating):
        raise TypeError(
            f"{name} must hold floats (float32 in [0, 1]), got dtype {dtype}"
            + ("; call prepare_images(x) on uint8 images first" if dtype == np.uint8 else "")
        )


def _rotl(x: jax.Array, r: int) -> jax.Array:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(k0, k1, x0, x1) -> tuple[jax.Array, jax.Array]:
    """The Threefry-2x32 counter-based hash (20 rounds; Salmon et al., 2011), unrolled.

    The same function as ``jax.random``'s default generator, written out so that XLA
    fuses it into one vectorised loop: on CPU, JAX lowers its own threefry to a rolled
    ``while`` loop, which made dropout masks cost about 15 % of an epoch.
    All arguments are uint32 arrays (or scalars) that broadcast together.
    """
    ks = (k0, k1, k0 ^ k1 ^ np.uint32(0x1BD11BDA))
    rotations = ((13, 15, 26, 6), (17, 29, 16, 24))
    x0, x1 = x0 + ks[0], x1 + ks[1]
    for i in range(5):
        for r in rotations[i % 2]:
            x0 = x0 + x1
            x1 = _rotl(x1, r) ^ x0
        x0 = x0 + ks[(i + 1) % 3]
        x1 = x1 + ks[(i + 2) % 3] + np.uint32(i + 1)
    return x0, x1


def _random_bits(seed: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Uniform uint32 bits of ``shape`` from a pair of uint32 ``seed`` words (threefry)."""
    n = math.prod(shape)
    half = (n + 1) // 2
    counter = jnp.arange(half, dtype=jnp.uint32)
    y0, y1 = threefry2x32(seed[0], seed[1], counter, jnp.zeros_like(counter))
    return jnp.concatenate([y0, y1])[:n].reshape(shape)


def _dropout(h: jax.Array, rate: float, seed: jax.Array) -> jax.Array:
    """Inverted dropout: zero each entry with probability ``rate``, scale the rest."""
    threshold = np.uint32(min(round(rate * 2.0**32), 2**32 - 1))
    keep = _random_bits(seed, h.shape) >= threshold  # P(keep) = 1 - rate (to 2**-32)
    return jnp.where(keep, h * (1.0 / (1.0 - rate)), 0.0)


def _forward(params: Params, x: jax.Array, act: Callable, dropout_rate: float, key) -> jax.Array:
    """The forward pass without any checks (used inside the jitted training step)."""
    h = x
    n_hidden = len(params) - 1
    if dropout_rate > 0.0 and n_hidden > 0:
        # One pair of seed words per hidden layer, drawn with jax.random from the key.
        seeds = jax.random.bits(key, (n_hidden, 2), jnp.uint32)
    for i, (w, b) in enumerate(params):
        z = h @ w + b
        if i == n_hidden:
            return z
        h = act(z)
        if dropout_rate > 0.0:
            h = _dropout(h, dropout_rate, seeds[i])
    return h  # unreachable


_forward_jit = jax.jit(_forward, static_argnums=(2, 3))


def forward(
    params: Params,
    x: jax.Array,
    *,
    activation: str = "relu",
    dropout_rate: float = 0.0,
    key: jax.Array | None = None,
) -> jax.Array:
    """Logits ``(n, n_out)`` of the MLP ``params`` on the batch ``x`` of shape ``(n, n_in)``.

    Every hidden layer is ``activation(h @ W + b)``; the last layer has no activation (the
    softmax lives in :func:`cross_entropy`). With ``dropout_rate > 0`` (training) each
    hidden activation is zeroed with probability ``dropout_rate`` and the survivors are
    scaled by ``1 / (1 - dropout_rate)`` (inverted dropout), so the expected activation
    is unchanged and evaluation simply uses ``dropout_rate=0``. Dropout needs ``key``.
    """
    _check_name("activation", activation, tuple(ACTIVATIONS))
    rate = _check_dropout_rate(dropout_rate)
    n_in, _ = _check_params(params)
    _check_inputs(x, n_in)
    if rate > 0.0 and key is None:
        raise ValueError(
            "dropout_rate > 0 needs a PRNG key (key=jax.random.key(...)) to draw the dropout "
            "masks; for evaluation use dropout_rate=0"
        )
    return _forward_jit(params, x, ACTIVATIONS[activation], rate, key)


# ----------------------------------------------------------------------------- loss and metrics


def _check_labels(logits: Any, labels: Any) -> None:
    if jnp.ndim(logits) != 2:
        raise ValueError(f"logits must have shape (n, n_classes), got {jnp.shape(logits)}")
    if jnp.ndim(labels) != 1 or jnp.shape(labels)[0] != jnp.shape(logits)[0]:
        raise ValueError(
            f"labels must have shape ({jnp.shape(logits)[0]},) to match logits "
            f"{jnp.shape(logits)}, got {jnp.shape(labels)}"
        )
    if not jnp.issubdtype(jnp.result_type(labels), jnp.integer):
        raise TypeError(
            f"labels must be integer class indices, got dtype {jnp.result_type(labels)}"
        )


def _cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None].astype(jnp.int32), axis=1))


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of ``logits`` ``(n, k)`` against integer ``labels`` ``(n,)``."""
    _check_labels(logits, labels)
    return _cross_entropy(logits, labels)


def accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Fraction of rows whose largest logit is at the true label."""
    _check_labels(logits, labels)
    return jnp.mean(jnp.argmax(logits, axis=1) == labels)


# ----------------------------------------------------------------------------- evaluation


def _check_data(params: Params, x: Any, y: Any, names: tuple[str, str]) -> tuple[int, int]:
    """Check x (n, n_in) floats and y (n,) integer labels in [0, n_out); return (n, n_out)."""
    n_in, n_out = _check_params(params)
    _check_inputs(x, n_in, names[0])
    if getattr(y, "dtype", None) is None or jnp.ndim(y) != 1:
        raise ValueError(f"{names[1]} must be a 1-D array of integer labels, got {jnp.shape(y)}")
    if not jnp.issubdtype(y.dtype, jnp.integer):
        raise TypeError(f"{names[1]} must hold integer class labels, got dtype {y.dtype}")
    if jnp.shape(y)[0] != jnp.shape(x)[0]:
        raise ValueError(
            f"{names[0]} has {jnp.shape(x)[0]} examples but {names[1]} has {jnp.shape(y)[0]} labels"
        )
    lo, hi = int(jnp.min(y)), int(jnp.max(y))
    if lo < 0 or hi >= n_out:
        raise ValueError(
            f"{names[1]} must be class indices in [0, {n_out - 1}] for a network with {n_out} "
            f"outputs, found labels from {lo} to {hi}"
        )
    return int(jnp.shape(x)[0]), n_out


def _eval_sums(params, x, y, act):
    logits = _forward(params, x, act, 0.0, None)
    logp = jax.nn.log_softmax(logits)
    loss = -jnp.sum(jnp.take_along_axis(logp, y[:, None], axis=1))
    correct = jnp.sum(jnp.argmax(logits, axis=1) == y)
    return loss, correct


_eval_chunk = jax.jit(_eval_sums, static_argnums=3)


def evaluate(
    params: Params,
    x: jax.Array,
    y: jax.Array,
    *,
    activation: str = "relu",
    batch_size: int = 10_000,
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``params`` on ``(x, y)``, ``batch_size`` rows at a time.

    ``x`` is float ``(n, n_in)`` (see :func:`prepare_images`), ``y`` integer labels ``(n,)``.
    Batching only bounds the memory; the result does not depend on ``batch_size``.
    Returns two Python floats.
    """
    _check_name("activation", activation, tuple(ACTIVATIONS))
    _check_data(params, x, y, ("x", "y"))
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    return _evaluate(params, x, y, ACTIVATIONS[activation], int(batch_size))


def _evaluate(params, x, y, act, batch_size: int) -> tuple[float, float]:
    n = int(jnp.shape(x)[0])
    x = jnp.asarray(x, jnp.float32)
    y = jnp.asarray(y, jnp.int32)
    total_loss, total_correct = 0.0, 0
    for start in range(0, n, batch_size):
        loss, correct = _eval_chunk(
            params, x[start : start + batch_size], y[start : start + batch_size], act
        )
        total_loss += float(loss)
        total_correct += int(correct)
    return total_loss / n, total_correct / n


# ----------------------------------------------------------------------------- training


def adam(
    lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> optax.GradientTransformation:
    """Adam, the same algorithm and defaults as ``optax.adam(lr)``, in one fused update.

    ``optax.adam`` divides the moments by their bias corrections and then divides once
    more; here the corrections are folded into two scalars per step,
    ``lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t)`` and ``eps_t = eps * sqrt(1 - b2**t)``,
    so that ``update = -lr_t * m / (sqrt(v) + eps_t)``, which equals optax's
    ``-lr * m_hat / (sqrt(v_hat) + eps)`` exactly in real arithmetic (float32 results
    agree to rounding). One square root and one division per parameter instead of one
    square root and three divisions: the update is memory- and divider-bound on a CPU.
    """

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return optax.ScaleByAdamState(
            count=jnp.zeros([], jnp.int32), mu=zeros, nu=jax.tree.map(jnp.zeros_like, params)
        )

    def update(grads, state, params=None):
        del params
        count = state.count + 1
        t = count.astype(jnp.float32)
        c1 = 1.0 - jnp.float32(b1) ** t
        root_c2 = jnp.sqrt(1.0 - jnp.float32(b2) ** t)
        lr_t = lr * root_c2 / c1
        eps_t = eps * root_c2
        mu = jax.tree.map(lambda g, m: (1 - b1) * g + b1 * m, grads, state.mu)
        nu = jax.tree.map(lambda g, v: (1 - b2) * (g * g) + b2 * v, grads, state.nu)
        updates = jax.tree.map(lambda m, v: -lr_t * m / (jnp.sqrt(v) + eps_t), mu, nu)
        return updates, optax.ScaleByAdamState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


@functools.lru_cache(maxsize=16)
def _default_optimizer(lr) -> optax.GradientTransformation:
    return optax.adam(lr) if callable(lr) else adam(lr)


@functools.lru_cache(maxsize=16)
def _make_epoch(optimizer, activation: str, dropout_rate: float, num_batches: int, batch_size: int):
    """A jitted function that trains one epoch: shuffle, then scan over the mini-batches.

    Cached, so that fitting the same architecture again with the same optimizer object
    (the default Adam is cached per ``lr``) reuses the compiled code.
    """
    act = ACTIVATIONS[activation]

    def loss_fn(params, xb, yb, key):
        return _cross_entropy(_forward(params, xb, act, dropout_rate, key), yb)

    grad_fn = jax.value_and_grad(loss_fn)

    def epoch(params, opt_state, x, y, key):
        k_perm, k_drop = jax.random.split(key)
        n = x.shape[0]
        order = jax.random.permutation(k_perm, n)[: num_batches * batch_size]
        order = order.reshape(num_batches, batch_size)
        drop_keys = jax.random.split(k_drop, num_batches)

        def step(carry, inputs):
            params, opt_state = carry
            idx, k = inputs
            loss, grads = grad_fn(params, x[idx], y[idx], k)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            return (params, opt_state), loss

        # unroll=2: two steps per loop iteration measured a few % faster on CPU (fewer
        # loop-carry copies of the weights per step); the result is the same.
        (params, opt_state), losses = jax.lax.scan(
            step, (params, opt_state), (order, drop_keys), unroll=2
        )
        return params, opt_state, jnp.mean(losses)

    return jax.jit(epoch, donate_argnums=(0, 1))


def fit(
    params: Params,
    x_train: jax.Array,
    y_train: jax.Array,
    *,
    key: jax.Array,
    num_epochs: int,
    batch_size: int = 100,
    lr: float = 1e-3,
    optimizer: optax.GradientTransformation | None = None,
    activation: str = "relu",
    dropout_rate: float = 0.0,
    eval_data: tuple[jax.Array, jax.Array] | None = None,
    val_data: tuple[jax.Array, jax.Array] | None = None,
    patience: int | None = None,
    progress: bool = True,
) -> tuple[Params, dict[str, Any]]:
    """Train ``params`` by mini-batch gradient descent on softmax cross-entropy.

    ``x_train`` is float32 ``(n, n_in)`` (see :func:`prepare_images`) and ``y_train``
    integer labels ``(n,)``. Each epoch is **one jitted call**: the data stay on the
    device, a permutation drawn from a key split off ``key`` reshuffles them, and
    ``jax.lax.scan`` runs ``n // batch_size`` steps; the last ``n % batch_size``
    examples of each permutation (a partial batch) are dropped, a different few each
    epoch. ``optimizer`` defaults to :func:`adam` ``(lr)``, the same algorithm as
    ``optax.adam(lr)`` with a fused update (``lr`` is ignored when an optimizer is given;
    any optax optimizer works). ``dropout_rate`` applies inverted dropout to the hidden
    activations during training only.

    Returns the trained parameters and a history, a dict of lists with one entry per
    epoch: ``"train_loss"`` (mean over the epoch's batches), ``"epoch_time"`` (seconds
    of training, excluding compilation and evaluation) and, when ``eval_data=(x, y)`` is
    given, ``"eval_loss"`` and ``"eval_accuracy"``; with ``val_data=(x, y)`` also
    ``"val_loss"`` and ``"val_accuracy"``. ``progress`` shows a tqdm bar that advances
    once per epoch.

    Early stopping: with ``val_data`` and ``patience=k``, training stops once ``k``
    epochs in a row brought no lower validation loss than the best so far, and the
    parameters of the best epoch are returned (not the last ones); the history then
    also holds ``"best_epoch"`` and ``"stopped_epoch"`` (the last epoch trained), both
    counted from 1.
    """
    _check_name("activation", activation, tuple(ACTIVATIONS))
    rate = _check_dropout_rate(dropout_rate)
    n, _ = _check_data(params, x_train, y_train, ("x_train", "y_train"))
    if (
        isinstance(num_epochs, bool)
        or not isinstance(num_epochs, (int, np.integer))
        or num_epochs < 1
    ):
        raise ValueError(f"num_epochs must be an int >= 1, got {num_epochs!r}")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if batch_size > n:
        raise ValueError(f"batch_size {batch_size} is larger than the {n} training examples")
    if eval_data is not None:
        if not isinstance(eval_data, (tuple, list)) or len(eval_data) != 2:
            raise TypeError("eval_data must be a pair (x, y) or None")
        _check_data(params, eval_data[0], eval_data[1], ("eval_data[0]", "eval_data[1]"))
    if val_data is not None:
        if not isinstance(val_data, (tuple, list)) or len(val_data) != 2:
            raise TypeError("val_data must be a pair (x, y) or None")
        _check_data(params, val_data[0], val_data[1], ("val_data[0]", "val_data[1]"))
    if patience is not None:
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or (
            patience < 1
        ):
            raise ValueError(f"patience must be an int >= 1 (epochs) or None, got {patience!r}")
        if val_data is None:
            raise ValueError("early stopping (patience) needs val_data=(x_val, y_val): "
                             "it watches the validation loss")
    if optimizer is None:
        try:
            optimizer = _default_optimizer(lr)
        except TypeError:  # an unhashable lr (e.g. an array): no caching
            optimizer = _default_optimizer.__wrapped__(lr)

    num_batches = n // batch_size
    act = ACTIVATIONS[activation]
    x = jnp.asarray(x_train, jnp.float32)
    y = jnp.asarray(y_train, jnp.int32)
    # Copy the parameters: the epoch function donates (reuses) their buffers.
    params = jax.tree.map(lambda a: jnp.array(a, jnp.float32, copy=True), list(params))
    params = [tuple(layer) for layer in params]
    opt_state = optimizer.init(params)
    if eval_data is not None:
        x_eval = jnp.asarray(eval_data[0], jnp.float32)
        y_eval = jnp.asarray(eval_data[1], jnp.int32)
    if val_data is not None:
        x_val = jnp.asarray(val_data[0], jnp.float32)
        y_val = jnp.asarray(val_data[1], jnp.int32)

    try:
        epoch_fn = _make_epoch(optimizer, activation, rate, num_batches, batch_size)
    except TypeError:  # an unhashable optimizer: build the epoch function afresh
        epoch_fn = _make_epoch.__wrapped__(optimizer, activation, rate, num_batches, batch_size)
    key, sub = jax.random.split(key)
    compiled = epoch_fn.lower(params, opt_state, x, y, sub).compile()

    history: dict[str, Any] = {"train_loss": [], "epoch_time": []}
    if eval_data is not None:
        history["eval_loss"] = []
        history["eval_accuracy"] = []
    if val_data is not None:
        history["val_loss"] = []
        history["val_accuracy"] = []
    best = (math.inf, 0, None)  # (validation loss, epoch, a copy of those parameters)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=num_epochs, desc="epochs", unit="epoch")
    for epoch in range(num_epochs):
        if epoch > 0:
            key, sub = jax.random.split(key)
        start = time.perf_counter()
        params, opt_state, loss = compiled(params, opt_state, x, y, sub)
        loss = float(loss)  # waits for the epoch to finish
        history["epoch_time"].append(time.perf_counter() - start)
        history["train_loss"].append(loss)
        postfix = {"train_loss": f"{loss:.4f}"}
        if eval_data is not None:
            e_loss, e_acc = _evaluate(params, x_eval, y_eval, act, 10_000)
            history["eval_loss"].append(e_loss)
            history["eval_accuracy"].append(e_acc)
            postfix.update(eval_loss=f"{e_loss:.4f}", eval_acc=f"{e_acc:.4f}")
        if val_data is not None:
            v_loss, v_acc = _evaluate(params, x_val, y_val, act, 10_000)
            history["val_loss"].append(v_loss)
            history["val_accuracy"].append(v_acc)
            postfix.update(val_loss=f"{v_loss:.4f}", val_acc=f"{v_acc:.4f}")
        if bar is not None:
            bar.set_postfix(postfix)
            bar.update(1)
        if patience is not None:
            if v_loss < best[0]:  # a copy: the next epoch reuses the buffers of params
                best = (v_loss, epoch + 1, jax.tree.map(jnp.copy, params))
            elif epoch + 1 - best[1] >= patience:
                break
    if bar is not None:
        bar.close()
    if patience is not None:
        history["best_epoch"], history["stopped_epoch"] = best[1], epoch + 1
        params = best[2]
    return params, history
