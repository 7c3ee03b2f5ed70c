"""Train many small networks at once: one XOR network per PRNG key.

The lecture's labs 18–20 train one tiny network from one random start (TensorFlow's
seed 777, which JAX cannot reproduce). Whether such a network learns depends on that
start, so the book trains the same network from a thousand starts at once and counts:

* :func:`loss` is one network's mean binary cross-entropy, ``params`` a list of ``(W, b)``;
* the networks are stored side by side, the network axis last, and the gradient of the
  *sum* of their losses is every network's own gradient, in one call (what
  ``jax.vmap(jax.grad(loss))`` computes, but several times faster on a CPU: see the
  note at ``_nets_last``);
* ``jax.lax.scan`` walks over the gradient-descent steps inside one ``jax.jit``-compiled
  call, so Python is not visited between steps.

Example (lab 19 as the author's script runs it, 1,000 starts)::

    keys = jax.random.split(jax.random.key(0), 1000)
    run = train_many(keys, (2, 2, 2, 1), XOR_X, XOR_Y, activation="sigmoid",
                     lr=0.2, num_steps=10_001, record_every=100)
    run.solved.mean()          # fraction of starts that solve XOR
    run.loss[:, -1]            # final loss of every start

Run ``i`` starts from ``init_params(keys[i], sizes)``, as a single network would (the labs'
N(0, 1) start bit for bit; He and Xavier starts to float32 rounding).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .nn import init_mlp

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "XOR_X",
    "XOR_Y",
    "Sweep",
    "dead_units",
    "gradient_norms",
    "init_params",
    "initial_gradient_norms",
    "initial_gradient_norms_sizes",
    "logits",
    "loss",
    "steps_to_loss",
    "train_many",
    "train_many_sizes",
]

Params = list[tuple[jax.Array, jax.Array]]

#: The four XOR inputs and their targets, as in the lecture's labs 18–20.
XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0], dtype=np.float32)

#: Hidden-layer activations by name (the output is always a sigmoid).
ACTIVATIONS = {
    "sigmoid": jax.nn.sigmoid,
    "relu": jax.nn.relu,
    "leaky_relu": lambda z: jax.nn.leaky_relu(z, 0.01),
    "tanh": jnp.tanh,
}

#: Initializations by name: (weights, biases) as :func:`helpers.nn.init_mlp` names them.
INITS = {
    "normal": ("normal", "normal"),  # every weight and bias N(0, 1): tf.random_normal
    "xavier_normal": ("xavier_normal", "zeros"),  # N(0, 2/(fan_in+fan_out)), zero biases
    "he_normal": ("he_normal", "zeros"),  # N(0, 2/fan_in), zero biases
}


# ----------------------------------------------------------------------------- one network


def init_params(key: jax.Array, sizes: Sequence[int], init: str = "normal") -> Params:
    """Parameters ``[(W1, b1), ...]`` of one network with layer widths ``sizes``, e.g. (2, 2, 1).

    ``init="normal"`` draws every weight *and* bias from N(0, 1), like the labs'
    ``tf.random_normal``; ``"xavier_normal"`` and ``"he_normal"`` scale the weights by
    the layer's fan-in/fan-out and start the biases at 0 (see :data:`INITS`).
    """
    _check_name("init", init, INITS)
    weights, biases = INITS[init]
    return init_mlp(key, list(sizes), weights=weights, biases=biases)


def logits(params: Params, x: jax.Array, activation: str = "sigmoid") -> jax.Array:
    """The output neuron's input z, shape ``(n,)``; the network's output is ``sigmoid(z)``."""
    one = [(w[..., None], b[..., None]) for w, b in params]  # a batch of one network
    return _logits(one, jnp.asarray(x, jnp.float32), activation)[:, 0]


def loss(params: Params, x: jax.Array, y: jax.Array, activation: str = "sigmoid") -> jax.Array:
    """Mean binary cross-entropy ``-mean(y log h + (1 - y) log(1 - h))`` with ``h = sigmoid(z)``.

    Written as ``mean(softplus(z) - y z)``, the same function, which stays finite when
    ``h`` rounds to exactly 0 or 1 in float32 (where ``log`` would give ``-inf``).
    """
    one = [(w[..., None], b[..., None]) for w, b in params]
    return _losses(one, jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32), activation)[0]


def gradient_norms(params: Params, x: jax.Array, y: jax.Array,
                   activation: str = "sigmoid") -> jax.Array:
    """Size of the loss gradient for each layer's weights: ``||dE/dW_l||``, shape ``(layers,)``."""
    grads = jax.grad(loss)(params, x, y, activation)
    return jnp.stack([jnp.sqrt(jnp.sum(gw**2)) for gw, _ in grads])


def initial_gradient_norms(keys: jax.Array, sizes: Sequence[int], x: Any = XOR_X,
                           y: Any = XOR_Y, *, activation: str = "sigmoid",
                           init: str = "normal") -> jax.Array:
    """:func:`gradient_norms` at initialization for one network per key: ``(runs, layers)``."""
    return initial_gradient_norms_sizes(keys, [sizes], x, y, activation=activation,
                                        init=init)[0]


def initial_gradient_norms_sizes(keys: jax.Array, sizes_list: Sequence[Sequence[int]],
                                 x: Any = XOR_X, y: Any = XOR_Y, *, activation: str = "sigmoid",
                                 init: str = "normal") -> list[jax.Array]:
    """:func:`initial_gradient_norms` for several network sizes, in one compiled call (see
    :func:`train_many_sizes`): one ``(runs, layers)`` array per entry of ``sizes_list``."""
    checked = _check_sizes_list(keys, sizes_list, x, y, activation, 1.0, 1, 1, init)
    keys, _, x, y = checked[0]
    params = [_init_all(keys, sizes, init) for _, sizes, _, _ in checked]
    return [norms.T for norms in _norms_all(params, x, y, activation)]


@functools.partial(jax.jit, static_argnums=3)
def _norms_all(param_sets, x, y, activation):
    return [_losses_and_norms(params, x, y, activation)[1] for params in param_sets]


def _init_all(keys: jax.Array, sizes: tuple[int, ...], init: str) -> Params:
    """:func:`init_params` for every key, stored side by side: the same numbers, drawn faster.

    Compiling random draws is slow on a CPU (one to two seconds per layer shape for a batch
    of keys), and a depth sweep meets many small shapes. JAX's Threefry is counter-based
    (partitionable, the default since JAX 0.5): ``normal(k, (a, b))`` is the first ``a * b``
    numbers of ``normal(k, (n,))`` for any ``n >= a * b``, in row-major order, and
    ``split(k, n)`` the first ``n`` keys of ``split(k, m)`` for ``m >= n``. So every small
    layer is cut from draws of one size, compiled once, and scaled as
    ``jax.nn.initializers`` scales it. ``tests/test_sweep.py`` checks the result against
    :func:`init_params`: the labs' N(0, 1) bit for bit, the scaled schemes to float32
    rounding (a compiled ``init_params`` folds the scale into the draw, which can change
    the last bit).
    """
    weights, biases = INITS[init]
    num = len(sizes) - 1
    layer_keys = _split_all(keys, _bucket(num))
    params = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        w, b = _normals_all(layer_keys, i, _bucket(fan_in * fan_out), _bucket(fan_out))
        # cut, scale and lay out on the host: on the device each new shape compiles a program
        # (the copy to the host waits for any computation queued before the draws)
        w = np.asarray(w)[:, :fan_in * fan_out].reshape(-1, fan_in, fan_out)
        w = w * np.float32(_WEIGHT_STD[weights](fan_in, fan_out))  # one float32 product, as XLA
        b = np.asarray(b)[:, :fan_out] if biases == "normal" else np.zeros((len(w), fan_out),
                                                                           np.float32)
        params.append((jnp.asarray(np.moveaxis(w, 0, -1)), jnp.asarray(np.moveaxis(b, 0, -1))))
    return params


#: The standard deviation of each scheme's weights, computed as jax.nn.initializers does.
_WEIGHT_STD = {
    "normal": lambda fan_in, fan_out: 1.0,
    "xavier_normal": lambda fan_in, fan_out: jnp.sqrt(jnp.float32(1 / ((fan_in + fan_out) / 2))),
    "he_normal": lambda fan_in, fan_out: jnp.sqrt(jnp.float32(2.0 / fan_in)),
}


def _bucket(n: int) -> int:
    """How many numbers to draw for ``n``: 64 up to 64, else the next power of two."""
    return max(64, 1 << (n - 1).bit_length())


@functools.partial(jax.jit, static_argnums=1)
def _split_all(keys, num):
    return jax.vmap(lambda k: jax.random.split(k, num))(keys)


@functools.partial(jax.jit, static_argnums=(2, 3))
def _normals_all(layer_keys, layer, num_w, num_b):
    """For every run's key of ``layer``, N(0, 1) draws for the weights and the biases, as
    ``_init_layer`` splits that key."""
    def one(key):
        k_w, k_b = jax.random.split(key)
        return jax.random.normal(k_w, (num_w,)), jax.random.normal(k_b, (num_b,))
    return jax.vmap(one)(layer_keys[:, layer])


# ----------------------------------------------------------------------------- the batched core
# Many networks of one shape, stored with the network axis LAST: W (fan_in, fan_out, runs),
# b (fan_out, runs). A layer of a few units is then a handful of element-wise products
# that XLA runs across all networks at once in vector registers. The same networks under
# jax.vmap (network axis first) become batched matrix products of 2x2 or 4x4 matrices,
# which XLA's CPU backend runs network by network: measured on 1,000 starts of a
# 2-4-4-4-4-1 network, 2,001 steps took 18.3 s that way and 1.2 s this way.


def _nets_last(params: Params) -> Params:
    return [(jnp.moveaxis(w, 0, -1), jnp.moveaxis(b, 0, -1)) for w, b in params]


def _runs_first(params: Params) -> Params:
    return [(jnp.moveaxis(w, -1, 0), jnp.moveaxis(b, -1, 0)) for w, b in params]


def _logits(params: Params, x: jax.Array, activation: str) -> jax.Array:
    """z of every network on every input, ``(n, runs)``; ``x`` is ``(n, fan_in)``."""
    act = ACTIVATIONS[activation]
    *hidden, (w_out, b_out) = params
    h = jnp.broadcast_to(x[:, :, None], (*x.shape, b_out.shape[-1]))  # (n, fan_in, runs)
    for w, b in hidden:
        h = act(_dense(h, w, b))
    return _dense(h, w_out, b_out)[:, 0, :]


def _dense(h: jax.Array, w: jax.Array, b: jax.Array) -> jax.Array:
    """``h @ w + b`` for every network: ``(n, fan_in, runs) -> (n, fan_out, runs)``, written
    out as ``fan_in`` products (XLA ran a ``jnp.sum`` or ``einsum`` form of it up to 10x
    slower at some widths)."""
    out = b + h[:, 0, None, :] * w[0]
    for k in range(1, w.shape[0]):
        out = out + h[:, k, None, :] * w[k]
    return out


def _losses(params: Params, x: jax.Array, y: jax.Array, activation: str) -> jax.Array:
    """:func:`loss` of every network, ``(runs,)``."""
    z = _logits(params, x, activation)
    return jnp.mean(jax.nn.softplus(z) - y[:, None] * z, axis=0)


def _losses_and_grads(params, x, y, activation):
    """Every network's loss and gradient. The networks share no parameter, so the gradient
    of the *sum* of their losses holds each network's own gradient."""
    def total(p):
        losses = _losses(p, x, y, activation)
        return jnp.sum(losses), losses
    (_, losses), grads = jax.value_and_grad(total, has_aux=True)(params)
    return losses, grads


def _losses_and_norms(params, x, y, activation):
    """Every network's loss and ``||dE/dW_l||`` per layer: ``(runs,)`` and ``(layers, runs)``."""
    losses, grads = _losses_and_grads(params, x, y, activation)
    return losses, jnp.stack([jnp.sqrt(jnp.sum(gw**2, axis=(0, 1))) for gw, _ in grads])


# ----------------------------------------------------------------------------- many networks


class Sweep(NamedTuple):
    """What :func:`train_many` returns; the first axis of every array is the run.

    - ``params``: final parameters, a list of ``(W, b)`` with a leading run axis;
    - ``steps``: the steps at which ``loss`` and ``grad_norms`` were recorded (numpy),
      0 (the start), ``record_every``, ``2 * record_every``, ... and always ``num_steps``;
    - ``loss``: ``(runs, records)`` mean binary cross-entropy after ``steps[k]`` updates;
    - ``grad_norms``: ``(runs, records, layers)``, ``||dE/dW_l||`` at those steps;
    - ``outputs``: ``(runs, n)`` final outputs ``sigmoid(z)`` on the inputs;
    - ``solved``: ``(runs,)`` True where every output is on the target's side of 0.5.
    """

    params: Params
    steps: np.ndarray
    loss: jax.Array
    grad_norms: jax.Array
    outputs: jax.Array
    solved: jax.Array

    @property
    def final_loss(self) -> jax.Array:
        """``(runs,)`` loss after the last step."""
        return self.loss[:, -1]


def train_many(
    keys: jax.Array,
    sizes: Sequence[int],
    x: Any = XOR_X,
    y: Any = XOR_Y,
    *,
    activation: str = "sigmoid",
    lr: float,
    num_steps: int,
    record_every: int = 100,
    init: str = "normal",
) -> Sweep:
    """Train one network of widths ``sizes`` per key in ``keys``, all at once.

    Every run does ``num_steps`` steps of plain full-batch gradient descent,
    ``params = params - lr * grad(loss)``, on the whole data set ``x`` (shape
    ``(n, sizes[0])``) with 0/1 targets ``y`` (shape ``(n,)``). The hidden layers use
    ``activation`` (a name in :data:`ACTIVATIONS`), the single output neuron a sigmoid;
    the loss is the mean binary cross-entropy. ``init`` names the initialization
    (:data:`INITS`; the labs' is ``"normal"``). The loss and the per-layer gradient
    norms are recorded every ``record_every`` steps (keep the history small).

    One compiled call does it all: a ``jax.lax.scan`` over the recording points, each
    followed by a ``jax.lax.fori_loop`` over the steps up to the next one. The number of
    steps is an input of that call, not part of its shape, so runs of the same network
    with different ``num_steps`` or ``record_every`` reuse one compilation.
    """
    keys, sizes, x, y = _check_args(keys, sizes, x, y, activation, lr, num_steps,
                                    record_every, init)
    return train_many_sizes(keys, [sizes], x, y, activation=activation, lr=lr,
                            num_steps=num_steps, record_every=record_every, init=init)[0]


def train_many_sizes(
    keys: jax.Array,
    sizes_list: Sequence[Sequence[int]],
    x: Any = XOR_X,
    y: Any = XOR_Y,
    *,
    activation: str = "sigmoid",
    lr: float,
    num_steps: int,
    record_every: int = 100,
    init: str = "normal",
) -> list[Sweep]:
    """:func:`train_many` for several network sizes, in one compiled call.

    Returns one :class:`Sweep` per entry of ``sizes_list``, each what
    ``train_many(keys, sizes, ...)`` returns. Each shape of network needs its own compiled
    code, and on a CPU XLA spends most of a second on every program it compiles, however
    small; one program holding many shapes pays that once. Measured on two CPU cores for
    chapter 6's twelve sizes (widths 2 and 4, 1 to 8 hidden layers, 200 starts, 10,001
    steps): 13 s as one program against 25 s as twelve for sigmoid networks, 24 s against
    42 s for ReLU networks, compiling included.
    """
    checked = _check_sizes_list(keys, sizes_list, x, y, activation, lr, num_steps,
                                record_every, init)
    keys, _, x, y = checked[0]
    params = [_init_all(keys, sizes, init) for _, sizes, _, _ in checked]
    steps = np.arange(0, num_steps + 1, record_every)
    if steps[-1] != num_steps:
        steps = np.append(steps, num_steps)
    # after recording at steps[k], take steps[k + 1] - steps[k] gradient-descent steps
    counts = jnp.asarray(np.diff(steps, append=num_steps), jnp.int32)
    return [Sweep(final, steps, *rest)
            for final, *rest in _train_all(params, x, y, jnp.float32(lr), counts, activation)]


@functools.partial(jax.jit, static_argnums=(5,))
def _train_all(param_sets, x, y, lr, counts, activation):
    """:func:`_train` for every entry of ``param_sets``, as one program, with each
    :class:`Sweep`'s arrays: everything in the compiled call, so that the call returns at
    once and Python can go on (an operation outside it would wait for the training)."""
    sweeps = []
    for params in param_sets:
        final, losses, norms, outputs = _train(params, x, y, lr, counts, activation)
        solved = jnp.all((outputs > 0.5) == (y > 0.5), axis=-1)
        sweeps.append((_runs_first(final), losses, norms, outputs, solved))
    return sweeps


def _train(params, x, y, lr, counts, activation):
    """The whole training of every run: record, then ``counts[k]`` steps, for every k.

    Each block is one loop whose first pass also records the loss and gradient norms it
    computes anyway; a block of 0 steps (the final record) makes one pass without
    updating. So the program holds one copy of the gradient, which halves compiling.
    """
    def block(params, count):
        def step(i, carry):
            params, record = carry
            losses, grads = _losses_and_grads(params, x, y, activation)
            norms = jnp.stack([jnp.sqrt(jnp.sum(gw**2, axis=(0, 1))) for gw, _ in grads])
            record = jax.tree.map(lambda new, old: jnp.where(i == 0, new, old),
                                  (losses, norms), record)
            params = jax.tree.map(lambda p, g: jnp.where(i < count, p - lr * g, p),
                                  params, grads)
            return params, record

        runs = params[0][1].shape[-1]
        empty = (jnp.zeros(runs), jnp.zeros((len(params), runs)))
        return jax.lax.fori_loop(0, jnp.maximum(count, 1), step, (params, empty))

    params, (losses, norms) = jax.lax.scan(block, params, counts)
    outputs = jax.nn.sigmoid(_logits(params, x, activation)).T
    return params, losses.T, jnp.transpose(norms, (2, 0, 1)), outputs


# ----------------------------------------------------------------------------- reading a sweep


def dead_units(params: Params, x: Any = XOR_X, activation: str = "relu") -> list[jax.Array]:
    """Which hidden units are *dead*: pre-activation ``<= 0`` on every input in ``x``.

    A dead ReLU unit outputs 0 and passes back a zero gradient on every input, so
    gradient descent can never revive it. Returns one boolean array per hidden layer,
    shape ``(width,)`` for one network or ``(runs, width)`` for a sweep's ``params``.
    """
    _check_name("activation", activation, ACTIVATIONS)
    if not isinstance(params, (list, tuple)) or len(params) < 2:
        raise ValueError("dead_units needs params with at least one hidden layer, "
                         "a list of (W, b) as train_many or init_params returns")
    x = jnp.asarray(x, jnp.float32)
    if jnp.ndim(params[0][0]) == 3:
        return jax.vmap(lambda p: dead_units(p, x, activation))(params)
    if x.ndim != 2 or x.shape[1] != jnp.shape(params[0][0])[0]:
        raise ValueError(f"x must have shape (n, {jnp.shape(params[0][0])[0]}), got {x.shape}")
    act = ACTIVATIONS[activation]
    h, dead = x, []
    for w, b in params[:-1]:
        z = h @ w + b
        dead.append(jnp.all(z <= 0, axis=0))
        h = act(z)
    return dead


def steps_to_loss(run: Sweep, threshold: float) -> np.ndarray:
    """First recorded step at which each run's loss is ``<= threshold`` (``inf`` if never)."""
    if not isinstance(run, Sweep):
        raise TypeError(f"steps_to_loss needs a Sweep from train_many, got {type(run).__name__}")
    if not (isinstance(threshold, (int, float)) and threshold > 0):
        raise ValueError(f"threshold must be a positive number, got {threshold!r}")
    below = np.asarray(run.loss) <= threshold
    first = np.argmax(below, axis=1)
    return np.where(below.any(axis=1), run.steps[first], np.inf)


# ----------------------------------------------------------------------------- checks


def _check_name(kind: str, name: Any, valid: Any) -> None:
    if not isinstance(name, str) or name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid names are: {', '.join(valid)}")


def _check_positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _check_sizes_list(keys, sizes_list, *args):
    """:func:`_check_args` for every entry of ``sizes_list``."""
    if isinstance(sizes_list, (str, bytes)) or not isinstance(sizes_list, Sequence) or not (
            sizes_list and all(isinstance(s, Sequence) for s in sizes_list)):
        raise TypeError(f"sizes_list must be a non-empty list of layer sizes such as "
                        f"[(2, 2, 1), (2, 4, 1)], got {sizes_list!r}")
    return [_check_args(keys, sizes, *args) for sizes in sizes_list]


def _check_args(keys, sizes, x, y, activation, lr, num_steps, record_every, init):
    """Every argument check of :func:`train_many`; returns cleaned keys, sizes, x, y."""
    _check_name("activation", activation, ACTIVATIONS)
    _check_name("init", init, INITS)
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths such as (2, 2, 1), "
                        f"got {sizes!r}")
    sizes = tuple(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output width, got {sizes}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"every width in sizes must be a positive int, got {sizes}")
    if sizes[-1] != 1:
        raise ValueError(f"the output layer must be one sigmoid neuron (sizes[-1] == 1), "
                         f"got sizes {sizes}")
    if not (isinstance(keys, jax.Array) and jnp.issubdtype(keys.dtype, jax.dtypes.prng_key)
            and keys.ndim == 1 and keys.shape[0] >= 1):
        raise TypeError("keys must be a 1-D array of PRNG keys, e.g. "
                        "jax.random.split(jax.random.key(0), 1000)")
    # x and y are checked on the host: a check on the device would wait for every
    # computation queued before it, and a loop of train_many calls could not overlap
    # compiling one sweep with running the previous one
    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.float32)
    if x.ndim != 2 or x.shape[1] != sizes[0]:
        raise ValueError(f"x must have shape (n, {sizes[0]}) for sizes {sizes}, got {x.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must hold one target per row of x, shape ({x.shape[0]},), "
                         f"got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold 0/1 targets")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)) or not (
            math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    _check_positive_int("num_steps", num_steps)
    _check_positive_int("record_every", record_every)
    if record_every > num_steps:
        raise ValueError(f"record_every ({record_every}) must not exceed num_steps "
                         f"({num_steps})")
    return keys, sizes, jnp.asarray(x), jnp.asarray(y)
