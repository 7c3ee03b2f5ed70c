"""Fully connected networks (MLPs) for MNIST: initialization, forward pass, loss and training.

Parameters are a plain list of ``(W, b)`` tuples, one per layer, with ``W`` of shape
``(fan_in, fan_out)`` so that a layer is ``h @ W + b`` on a batch ``h`` of shape
``(n, fan_in)``. Everything is a pure function of its arguments and explicit PRNG keys,
in the style of JAX's ``examples/mnist_classifier_fromscratch.py``:
:func:`init_mlp`, :func:`forward`, :func:`cross_entropy`, :func:`accuracy`,
:func:`evaluate` and :func:`fit`.

:func:`fit` runs a *whole epoch* as one jitted call: the training data stay on the
device, each epoch draws a fresh permutation, and ``jax.lax.scan`` walks over its
mini-batches, so Python is only visited once per epoch. The same code runs on CPU
and GPU. Given ``predict=``, a function ``(params, x) -> logits``, :func:`fit` and
:func:`evaluate` train and score any other model the same way (chapter 12's
convolutional network, :mod:`helpers.cnn`).

Argument checks live in :mod:`helpers._checks`, and the speed-only pieces (dropout
masks and a fused Adam, equal to ``jax.random`` and ``optax.adam``, and the compiler
options a model may ask for on the CPU) in :mod:`helpers._fast`.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import optax
from jax.nn import initializers
from tqdm.auto import tqdm

from . import _checks
from ._fast import adam, compiler_options, dropout, threefry2x32

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

#: Weight initializations by name (see :func:`init_mlp`).
WEIGHT_INITS = {
    "normal": initializers.normal(1.0),                                     # N(0, 1)
    "xavier_uniform": initializers.variance_scaling(1.0, "fan_avg", "uniform"),
    "xavier_normal": initializers.variance_scaling(1.0, "fan_avg", "normal"),
    "he_normal": initializers.variance_scaling(2.0, "fan_in", "normal"),
    "he_uniform": initializers.variance_scaling(2.0, "fan_in", "uniform"),
}
#: Bias initializations by name.
BIAS_INITS = {"zeros": initializers.zeros, "normal": initializers.normal(1.0)}
#: Hidden-layer activations by name.
ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "identity": lambda z: z,
}


def prepare_images(x: Any) -> jax.Array:
    """uint8 images ``(n, 28, 28)`` or ``(n, 784)`` -> float32 ``(n, 784)`` in [0, 1] (``x / 255``)."""
    shape = _checks.uint8_images(x)
    return jnp.asarray(x).reshape(shape[0], 784).astype(jnp.float32) / jnp.float32(255.0)


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


# ----------------------------------------------------------------------------- the model


def init_mlp(key: jax.Array, sizes: Sequence[int], *, weights: str = "xavier_uniform",
             biases: str = "zeros") -> Params:
    """Random parameters ``[(W1, b1), (W2, b2), ...]`` of an MLP with layer widths ``sizes``.

    ``sizes`` lists the widths from the input to the output, e.g. ``[784, 256, 256, 10]``;
    ``W`` has shape ``(fan_in, fan_out)``. ``weights`` is one of

    - ``"normal"``: N(0, 1), like the lecture's ``tf.random_normal``;
    - ``"xavier_uniform"`` (Glorot): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)),
      variance 2 / (fan_in + fan_out);
    - ``"xavier_normal"``: N(0, 2 / (fan_in + fan_out));
    - ``"he_normal"``: N(0, 2 / fan_in);
    - ``"he_uniform"``: U(-a, a) with a = sqrt(6 / fan_in), variance 2 / fan_in.

    ``biases`` is ``"zeros"`` or ``"normal"`` (N(0, 1)). All arrays are float32; the
    schemes are ``jax.nn.initializers``.
    """
    _checks.one_of("weight initialization", weights, tuple(WEIGHT_INITS))
    _checks.one_of("bias initialization", biases, tuple(BIAS_INITS))
    sizes = _checks.sizes(sizes)
    keys = jax.random.split(key, len(sizes) - 1)
    return [_init_layer(k, fan_in, fan_out, weights, biases)
            for k, fan_in, fan_out in zip(keys, sizes[:-1], sizes[1:], strict=True)]


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _init_layer(key, fan_in: int, fan_out: int, weights: str, biases: str):
    """One layer's (W, b), compiled once per shape and scheme."""
    k_w, k_b = jax.random.split(key)
    w = WEIGHT_INITS[weights](k_w, (fan_in, fan_out), jnp.float32)
    return w, BIAS_INITS[biases](k_b, (fan_out,), jnp.float32)


def _forward(params: Params, x: jax.Array, act: Callable, dropout_rate: float = 0.0,
             key: jax.Array | None = None) -> jax.Array:
    """The logits of the MLP, without checks (used inside the jitted training step)."""
    *hidden, (w_out, b_out) = params                 # hidden layers, then the last one
    if dropout_rate > 0.0 and hidden:                # one pair of seed words per layer
        seeds = jax.random.bits(key, (len(hidden), 2), jnp.uint32)
    for i, (w, b) in enumerate(hidden):
        x = act(x @ w + b)
        if dropout_rate > 0.0:
            x = dropout(x, dropout_rate, seeds[i])
    return x @ w_out + b_out                         # logits: softmax lives in the loss


_forward_jit = jax.jit(_forward, static_argnums=(2, 3))


def forward(params: Params, x: jax.Array, *, activation: str = "relu",
            dropout_rate: float = 0.0, key: jax.Array | None = None) -> jax.Array:
    """Logits ``(n, n_out)`` of the MLP ``params`` on the batch ``x`` of shape ``(n, n_in)``.

    Every hidden layer is ``activation(h @ W + b)``; the last layer has no activation (the
    softmax lives in :func:`cross_entropy`). With ``dropout_rate > 0`` (training) each
    hidden activation is zeroed with probability ``dropout_rate`` and the survivors are
    scaled by ``1 / (1 - dropout_rate)`` (inverted dropout), so the expected activation
    is unchanged and evaluation simply uses ``dropout_rate=0``. Dropout needs ``key``.
    """
    _checks.one_of("activation", activation, tuple(ACTIVATIONS))
    rate = _checks.dropout_rate(dropout_rate)
    _checks.inputs(x, _checks.params(params)[0])
    if rate > 0.0 and key is None:
        raise ValueError("dropout_rate > 0 needs a PRNG key (key=jax.random.key(...)) to draw "
                         "the dropout masks; for evaluation use dropout_rate=0")
    return _forward_jit(params, x, ACTIVATIONS[activation], rate, key)


def _losses(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Softmax cross-entropy of each row: −log softmax(logits)[label]."""
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels)


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of ``logits`` ``(n, k)`` against integer ``labels`` ``(n,)``."""
    _checks.logits_and_labels(logits, labels)
    return jnp.mean(_losses(logits, labels))


def accuracy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    """Fraction of rows whose largest logit is at the true label."""
    _checks.logits_and_labels(logits, labels)
    return jnp.mean(jnp.argmax(logits, axis=1) == labels)


def _sums(logits, y):
    return jnp.sum(_losses(logits, y)), jnp.sum(jnp.argmax(logits, axis=1) == y)


@functools.partial(jax.jit, static_argnums=3)
def _eval_sums(params, x, y, act):
    return _sums(_forward(params, x, act), y)


@functools.partial(jax.jit, static_argnums=0)
def _eval_sums_of(predict, params, x, y):
    return _sums(predict(params, x), y)


def evaluate(params: Params, x: jax.Array, y: jax.Array, *, activation: str = "relu",
             batch_size: int = 10_000, predict: Callable | None = None) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``params`` on ``(x, y)``, ``batch_size`` rows at a time.

    ``x`` is float ``(n, n_in)`` (see :func:`prepare_images`), ``y`` integer labels ``(n,)``.
    With ``predict(params, x) -> logits`` any model is scored instead of the MLP, and ``x``
    may have any shape whose first axis counts the examples, e.g. images ``(n, 28, 28, 1)``.
    Batching only bounds the memory; the result does not depend on ``batch_size``.
    Returns two Python floats.
    """
    _checks.one_of("activation", activation, tuple(ACTIVATIONS))
    _checks.model_data(predict, params, x, y, ("x", "y"))
    return _evaluate(params, x, y, ACTIVATIONS[activation],
                     _checks.positive_int(batch_size, "batch_size"), predict)


def _evaluate(params, x, y, act, batch_size: int = 10_000,
              predict: Callable | None = None) -> tuple[float, float]:
    x, y = jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.int32)
    sums = [_eval_sums(params, x[i:i + batch_size], y[i:i + batch_size], act) if predict is None
            else _eval_sums_of(predict, params, x[i:i + batch_size], y[i:i + batch_size])
            for i in range(0, len(y), batch_size)]
    return (sum(float(loss) for loss, _ in sums) / len(y),
            sum(int(correct) for _, correct in sums) / len(y))


# ----------------------------------------------------------------------------- training


@functools.lru_cache(maxsize=16)
def _make_epoch(optimizer, activation: str, dropout_rate: float, num_batches: int,
                batch_size: int, predict: Callable | None = None):
    """A jitted function that trains one epoch: shuffle, then scan over the mini-batches.

    Cached, so that fitting the same architecture again with the same optimizer object
    (the default Adam is cached per ``lr``) reuses the compiled code.
    """
    act = ACTIVATIONS[activation]

    def loss_fn(params, xb, yb, key):
        if predict is not None:                      # any model: logits = predict(params, x)
            return jnp.mean(_losses(predict(params, xb), yb))
        return jnp.mean(_losses(_forward(params, xb, act, dropout_rate, key), yb))

    def epoch(params, opt_state, x, y, key):
        def step(carry, batch):
            params, opt_state = carry
            idx, k = batch
            loss, grads = jax.value_and_grad(loss_fn)(params, x[idx], y[idx], k)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), loss

        k_perm, k_drop = jax.random.split(key)
        order = jax.random.permutation(k_perm, x.shape[0])[: num_batches * batch_size]
        batches = (order.reshape(num_batches, batch_size), jax.random.split(k_drop, num_batches))
        # unroll=2: two steps per loop iteration measured a few % faster on CPU
        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), batches, unroll=2)
        return params, opt_state, jnp.mean(losses)

    return jax.jit(epoch, donate_argnums=(0, 1))


def _cached(make, *args):
    """``make(*args)``, cached when the arguments can be hashed."""
    try:
        return make(*args)
    except TypeError:                 # e.g. an array as lr: build afresh
        return make.__wrapped__(*args)


@functools.lru_cache(maxsize=16)
def _default_optimizer(lr) -> optax.GradientTransformation:
    return optax.adam(lr) if callable(lr) else adam(lr)     # a schedule, or the fused Adam


def fit(params: Params, x_train: jax.Array, y_train: jax.Array, *, key: jax.Array,
        num_epochs: int, batch_size: int = 100, lr: float = 1e-3,
        optimizer: optax.GradientTransformation | None = None, activation: str = "relu",
        dropout_rate: float = 0.0, predict: Callable | None = None,
        eval_data: tuple[jax.Array, jax.Array] | None = None,
        val_data: tuple[jax.Array, jax.Array] | None = None, patience: int | None = None,
        progress: bool = True) -> tuple[Params, dict[str, Any]]:
    """Train ``params`` by mini-batch gradient descent on softmax cross-entropy.

    ``x_train`` is float32 ``(n, n_in)`` (see :func:`prepare_images`) and ``y_train``
    integer labels ``(n,)``. Each epoch is **one jitted call**: a permutation drawn from
    a key split off ``key`` reshuffles the data, and ``jax.lax.scan`` runs
    ``n // batch_size`` steps (the last ``n % batch_size`` examples of each permutation
    are left out, a different few each epoch). ``optimizer`` defaults to Adam(``lr``)
    (any optax optimizer works; ``lr`` is then ignored; ``lr`` may also be an optax
    schedule). ``dropout_rate`` applies inverted dropout to the hidden activations during
    training only.

    Any other model: pass ``predict``, a function ``(params, x) -> logits (n, n_classes)``.
    ``params`` may then be any pytree of float arrays and ``x_train`` any float array
    whose first axis counts the examples, e.g. images ``(n, 28, 28, 1)``; ``activation``
    and ``dropout_rate`` belong to the MLP and are not used (dropout needs the MLP).
    If ``predict`` has an attribute ``xla_cpu_options`` (a dict, as
    :func:`helpers.cnn.fast_predict` has), the epoch is compiled with those XLA options on a
    CPU whose jaxlib knows them.

    Returns the trained parameters and a history of lists with one entry per epoch:
    ``"train_loss"`` (mean over the epoch's batches), ``"epoch_time"`` (seconds of
    training, excluding compilation and evaluation), ``"eval_loss"`` and
    ``"eval_accuracy"`` with ``eval_data=(x, y)``, ``"val_loss"`` and ``"val_accuracy"``
    with ``val_data=(x, y)``. ``progress`` shows a tqdm bar, one tick per epoch.

    Early stopping: with ``val_data`` and ``patience=k``, training stops once ``k``
    epochs in a row brought no lower validation loss than the best so far, and the
    parameters of the best epoch are returned (not the last ones); the history then
    also holds ``"best_epoch"`` and ``"stopped_epoch"`` (the last epoch trained), both
    counted from 1.
    """
    rate = _checks.fit_args(params, x_train, y_train, activation=activation,
                            activations=tuple(ACTIVATIONS), dropout=dropout_rate,
                            predict=predict, num_epochs=num_epochs, batch_size=batch_size,
                            eval_data=eval_data, val_data=val_data, patience=patience)
    optimizer = optimizer or _cached(_default_optimizer, lr)
    x, y = jnp.asarray(x_train, jnp.float32), jnp.asarray(y_train, jnp.int32)
    # A copy: the epoch function donates (reuses) the buffers of params and opt_state.
    params = ([(jnp.array(w, jnp.float32), jnp.array(b, jnp.float32)) for w, b in params]
              if predict is None else jax.tree.map(lambda a: jnp.array(a, jnp.float32), params))
    opt_state = optimizer.init(params)
    watched = {name: pair for name, pair in (("eval", eval_data), ("val", val_data)) if pair}
    key, sub = jax.random.split(key)
    run_epoch = _cached(_make_epoch, optimizer, activation, rate, len(y) // batch_size,
                        batch_size, predict).lower(params, opt_state, x, y, sub).compile(
                            compiler_options=compiler_options(predict))
    history: dict[str, Any] = {"train_loss": [], "epoch_time": []}
    best = (math.inf, 0, params)              # (validation loss, epoch, those parameters)
    epochs = tqdm(range(num_epochs), desc="epochs", unit="epoch", disable=not progress)
    for epoch in epochs:
        if epoch > 0:
            key, sub = jax.random.split(key)
        start = time.perf_counter()
        params, opt_state, loss = run_epoch(params, opt_state, x, y, sub)
        history["train_loss"].append(float(loss))          # float() waits for the epoch
        history["epoch_time"].append(time.perf_counter() - start)
        for name, (x_w, y_w) in watched.items():
            w_loss, w_acc = _evaluate(params, x_w, y_w, ACTIVATIONS[activation],
                                      predict=predict)
            history.setdefault(f"{name}_loss", []).append(w_loss)
            history.setdefault(f"{name}_accuracy", []).append(w_acc)
        epochs.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items() if k != "epoch_time"})
        if patience is not None:
            if history["val_loss"][-1] < best[0]:  # a copy: the next epoch reuses the buffers
                best = (history["val_loss"][-1], epoch + 1, jax.tree.map(jnp.copy, params))
            elif epoch + 1 - best[1] >= patience:
                break
    if patience is not None:
        params, history["best_epoch"], history["stopped_epoch"] = best[2], best[1], epoch + 1
    return params, history
