"""The machine's limits, measured: its float32 matmul peak and memory bandwidth, and jitted
loops that repeat one matrix product shape (:func:`product_loop`) or one optimizer step
(:func:`optimizer_loop`) as a training step runs them, for :mod:`bench.timing` to time.
"""

from __future__ import annotations

import numpy as np

from .timing import timed


def matmul_peak(n: int = 2048, repeats: int = 10) -> dict[str, float]:
    """Best GFLOP/s of an n x n float32 matmul in numpy (BLAS) and in jax.numpy."""
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    flop = 2 * n**3
    a @ b
    best_np = min(timed(lambda: a @ b) for _ in range(repeats))
    ja, jb = jnp.asarray(a), jnp.asarray(b)
    mm = jax.jit(jnp.matmul)
    mm(ja, jb).block_until_ready()
    best_jnp = min(timed(lambda: mm(ja, jb).block_until_ready()) for _ in range(repeats))
    return {"numpy": flop / best_np / 1e9, "jax": flop / best_jnp / 1e9}


def bandwidth(n: int, repeats: int = 5) -> dict[str, float]:
    """Memory bandwidth in GB/s over float32 arrays of n elements (far larger than the caches).

    Bytes are those the passes must move (STREAM's convention, no write-allocate):
    numpy copy ``a[:] = b`` 8n; numpy triad ``a = b + s*c`` in two passes (``a = s*c``, then
    ``a += b``) 20n; the jitted jax triad, one fused pass, 12n.
    """
    import jax

    rng = np.random.default_rng(0)
    a = np.empty(n, np.float32)
    b = rng.standard_normal(n, dtype=np.float32)
    c = rng.standard_normal(n, dtype=np.float32)
    s = np.float32(3.0)

    def triad():
        np.multiply(c, s, out=a)
        np.add(a, b, out=a)

    np.copyto(a, b)
    triad()
    copy_s = min(timed(lambda: np.copyto(a, b)) for _ in range(repeats))
    triad_s = min(timed(triad) for _ in range(repeats))
    jb, jc = jax.device_put(b), jax.device_put(c)
    jtriad = jax.jit(lambda b, c: b + 3.0 * c)
    jtriad(jb, jc).block_until_ready()
    jax_s = min(timed(lambda: jtriad(jb, jc).block_until_ready()) for _ in range(repeats))
    return {"numpy_copy": 8 * n / copy_s / 1e9, "numpy_triad": 20 * n / triad_s / 1e9,
            "jax_triad": 12 * n / jax_s / 1e9}


def product_loop(m: int, k: int, n: int, kind: str):
    """``(loop, args)``: ``loop(*args, reps)`` computes one float32 product ``reps`` times.

    ``kind`` is "nn" for (m, k) @ (k, n), "tn" for (k, m)^T @ (k, n) and "nt" for
    (m, k) @ (n, k)^T. Each repetition depends on the last (one entry of the first operand
    changes), so that XLA cannot hoist the product out of the loop.
    """
    import jax
    import jax.numpy as jnp

    key_a, key_b = jax.random.split(jax.random.key(0))
    a = jax.random.normal(key_a, {"nn": (m, k), "tn": (k, m), "nt": (m, k)}[kind], jnp.float32)
    b = jax.random.normal(key_b, {"nn": (k, n), "tn": (k, n), "nt": (n, k)}[kind], jnp.float32)

    def prod(a, b):
        return a.T @ b if kind == "tn" else a @ b.T if kind == "nt" else a @ b

    @jax.jit
    def loop(a, b, reps):
        def body(_, carry):
            a, c = carry
            a = a.at[0, 0].add(c)
            return a, prod(a, b)[0, 0] * 1e-30

        return jax.lax.fori_loop(0, reps, body, (a, jnp.float32(0)))[1]

    return loop, (a, b)


def optimizer_loop(params, optimizer):
    """``(loop, args)``: ``loop(*args, reps)`` runs ``reps`` steps of ``optimizer`` on
    ``params``, as a training step does (``optimizer.update``, then ``optax.apply_updates``).

    The gradients are a fixed random pytree scaled by a carried scalar that changes every step,
    so that nothing of the update (``g * g``, say) can be hoisted out of the loop; the loop
    returns all parameters and the optimizer's state, so that none of it is left out.
    """
    import jax
    import jax.numpy as jnp
    import optax

    leaves, tree = jax.tree.flatten(params)
    keys = jax.random.split(jax.random.key(1), len(leaves))
    grads = tree.unflatten([1e-3 * jax.random.normal(k, p.shape, p.dtype)
                            for k, p in zip(keys, leaves, strict=True)])

    @jax.jit
    def loop(params, state, grads, reps):
        def body(_, carry):
            params, state, s = carry
            updates, state = optimizer.update(jax.tree.map(lambda g: g * s, grads), state, params)
            return optax.apply_updates(params, updates), state, s + 1e-7

        return jax.lax.fori_loop(0, reps, body, (params, state, jnp.float32(1)))[:2]

    return loop, (params, optimizer.init(params), grads)
