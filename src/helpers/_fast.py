"""Speed-only code of :mod:`helpers.nn`: the same results as the library, computed faster.

Nothing here changes *what* is computed, only how fast it runs on a CPU, where the book
is tested (a GPU gains little from either). A reader can skip this module: replacing
:func:`dropout` by ``jax.random.bernoulli`` masks and :func:`adam` by ``optax.adam``
gives the same training (to float32 rounding), only slower.

* :func:`threefry2x32` and :func:`dropout`: JAX's own threefry generator lowers to a
  rolled ``while`` loop on CPU, which made lab 25's dropout masks cost about 15 % of an
  epoch; written out, XLA fuses the 20 rounds into one vectorised loop. Proven equal to
  ``jax.random``'s threefry (and to the published test vectors) by
  ``tests/test_nn.py::test_threefry_matches_jax_and_the_reference_vectors``; dropout's
  rate and expectation by ``test_dropout_preserves_expectation_and_drops_the_right_fraction``.
* :func:`adam`: optax's Adam divides by both bias corrections and then divides again;
  here they are folded into two scalars per step. Proven equal to ``optax.adam`` by
  ``tests/test_nn.py::test_adam_matches_optax_adam``.
* :func:`compiler_options`: the XLA options a model's training asks for on the CPU
  (:func:`helpers.cnn.fast_predict`'s: YNNPACK for the matrix products only), passed to
  the compilation of :func:`helpers.nn.fit`'s epoch when this jaxlib knows them.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["adam", "compiler_options", "dropout", "threefry2x32"]


def _rotl(x: jax.Array, r: int) -> jax.Array:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def threefry2x32(k0, k1, x0, x1) -> tuple[jax.Array, jax.Array]:
    """The Threefry-2x32 counter-based hash (20 rounds; Salmon et al., 2011), unrolled.

    The same function as ``jax.random``'s default generator. All arguments are uint32
    arrays (or scalars) that broadcast together.
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
    """Uniform uint32 bits of ``shape`` from a pair of uint32 ``seed`` words."""
    n = math.prod(shape)
    counter = jnp.arange((n + 1) // 2, dtype=jnp.uint32)
    y0, y1 = threefry2x32(seed[0], seed[1], counter, jnp.zeros_like(counter))
    return jnp.concatenate([y0, y1])[:n].reshape(shape)


def dropout(h: jax.Array, rate: float, seed: jax.Array) -> jax.Array:
    """Inverted dropout: zero each entry with probability ``rate``, scale the rest by 1/(1 − rate).

    ``seed`` is a pair of uint32 words (drawn with ``jax.random.bits`` from a key).
    """
    threshold = np.uint32(min(round(rate * 2.0**32), 2**32 - 1))
    keep = _random_bits(seed, h.shape) >= threshold  # P(keep) = 1 - rate (to 2**-32)
    return jnp.where(keep, h * (1.0 / (1.0 - rate)), 0.0)


def adam(lr: float, b1: float = 0.9, b2: float = 0.999,
         eps: float = 1e-8) -> optax.GradientTransformation:
    """Adam, the same algorithm and defaults as ``optax.adam(lr)``, in one fused update.

    With ``lr_t = lr * sqrt(1 - b2**t) / (1 - b1**t)`` and ``eps_t = eps * sqrt(1 - b2**t)``
    the update ``-lr_t * m / (sqrt(v) + eps_t)`` equals optax's
    ``-lr * m_hat / (sqrt(v_hat) + eps)`` in real arithmetic: one square root and one
    division per parameter instead of one square root and three divisions.
    """

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return optax.ScaleByAdamState(count=jnp.zeros([], jnp.int32), mu=zeros,
                                      nu=jax.tree.map(jnp.zeros_like, params))

    def update(grads, state, params=None):
        del params
        count = state.count + 1
        t = count.astype(jnp.float32)
        root_c2 = jnp.sqrt(1.0 - jnp.float32(b2) ** t)
        lr_t = lr * root_c2 / (1.0 - jnp.float32(b1) ** t)
        eps_t = eps * root_c2
        mu = jax.tree.map(lambda g, m: (1 - b1) * g + b1 * m, grads, state.mu)
        nu = jax.tree.map(lambda g, v: (1 - b2) * (g * g) + b2 * v, grads, state.nu)
        updates = jax.tree.map(lambda m, v: -lr_t * m / (jnp.sqrt(v) + eps_t), mu, nu)
        return updates, optax.ScaleByAdamState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


def compiler_options(predict) -> dict:
    """XLA compiler options for training the model ``predict``: its ``xla_cpu_options`` when
    JAX runs on the CPU and this jaxlib knows them, else none (a GPU, or an older jaxlib,
    compiles as usual). :func:`helpers.cnn.fast_predict` carries such options."""
    wanted = getattr(predict, "xla_cpu_options", None)
    if not wanted or jax.default_backend() != "cpu":
        return {}
    return dict(wanted) if _known(tuple(sorted(wanted.items()))) else {}


@functools.cache
def _known(options: tuple) -> bool:
    """Whether XLA accepts these compiler options (it rejects a name it does not know)."""
    try:
        jax.jit(lambda v: v + 1).lower(1.0).compile(compiler_options=dict(options))
    except Exception:  # noqa: BLE001 - XLA's error type differs between versions
        return False
    return True
