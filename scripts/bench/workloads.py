"""What the benchmark trains, and what one training step computes.

The networks are the book's own: the lecture's labs from :mod:`helpers.labs` (layer sizes,
initialisation, dropout, batch 100, Adam 0.001) and chapter 12's convolutional network from
:mod:`helpers.cnn`, trained as the chapter trains it (one-cycle schedule to 0.003).

FLOPs of one training step: per layer, the forward product, the weight gradient (the
transposed input times the output gradient) and the input gradient (the output gradient times
the transposed weights; not needed by the first layer), 2*m*k*n each. A convolution counts as
the matrix product it amounts to (im2col: one column per output pixel, one row per kernel
weight, as ``helpers.cnn.fast_predict`` computes it). Bias, activation, pooling, softmax and
dropout work is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers import cnn as hcnn
from helpers import labs as hlabs

BATCH, LR = hlabs.LABS["24"].batch_size, hlabs.LABS["24"].lr  # every lab's: 100 and 0.001
CNN_CHANNELS, CNN_HIDDEN = hcnn.CHANNELS, hcnn.HIDDEN  # chapter 12's network
CNN_EPOCHS, CNN_PEAK_LR = 4, 3e-3  # and its training: 4 epochs, one-cycle schedule to 0.003


@dataclass(frozen=True)
class Lab:
    """One row of the benchmark: a lab of :mod:`helpers.labs` (``source``) or the CNN."""

    name: str
    sizes: tuple[int, ...]  # layer sizes; the CNN's: its input, then its dense part
    weights: str
    biases: str
    dropout_rate: float
    cnn: bool = False
    source: hlabs.Lab | None = None


def _lab(name: str, source: hlabs.Lab) -> Lab:
    return Lab(name, source.sizes, source.weights, source.biases, source.dropout_rate,
               source=source)


LABS = {
    "21": _lab("21 (softmax)", hlabs.LABS["21"]),
    # labs 22 and 23 train the same network (N(0, 1) and Xavier weights): lab 23's here
    "22": _lab("22/23 (784-256-256-10)", hlabs.LABS["23"]),
    "24": _lab("24 (784-512x4-10)", hlabs.LABS["24"]),
    "25": _lab("25 (24 + dropout 0.3)", hlabs.LABS["25"]),
    "cnn": Lab("CNN (chapter 12)", (784, 7 * 7 * CNN_CHANNELS[1], CNN_HIDDEN, 10), "he_normal",
               "zeros", 0.0, cnn=True),
}
assert all(lab.source.batch_size == BATCH and lab.source.lr == LR
           for lab in LABS.values() if lab.source)


def products(lab: Lab, batch: int = BATCH) -> list[dict]:
    """The matrix products of one training step: ``{"m", "k", "n", "kind", "what"}``.

    ``kind`` is "nn" for (m, k) @ (k, n), "tn" for (k, m)^T @ (k, n) and "nt" for
    (m, k) @ (n, k)^T; each costs 2*m*k*n FLOPs. The labs' layers run with the batch as rows
    (the weight gradient "tn", the input gradient "nt"); the CNN's, as ``fast_predict`` runs
    them, with the batch as columns.
    """
    out = []

    def layer(m, k, n, what, first):
        out.append({"m": m, "k": k, "n": n, "kind": "nn", "what": f"{what} forward"})
        out.append({"m": k, "k": m, "n": n, "kind": "tn", "what": f"{what} weight gradient"})
        if not first:
            out.append({"m": m, "k": n, "n": k, "kind": "nt", "what": f"{what} input gradient"})

    def batch_last(rows, k, n, what, first):
        """A layer as ``helpers.cnn.fast_predict`` computes it, the batch (and the pixels)
        as columns: forward W^T (n, k) @ x (k, rows), weight gradient x (k, rows) @ g^T,
        input gradient W (k, n) @ g (n, rows)."""
        out.append({"m": n, "k": k, "n": rows, "kind": "tn", "what": f"{what} forward"})
        out.append({"m": k, "k": rows, "n": n, "kind": "nt", "what": f"{what} weight gradient"})
        if not first:
            out.append({"m": k, "k": n, "n": rows, "kind": "nn", "what": f"{what} input gradient"})

    if not lab.cnn:
        for i, (a, b) in enumerate(zip(lab.sizes[:-1], lab.sizes[1:], strict=True)):
            layer(batch, a, b, f"dense {a}x{b}", first=(i == 0))
        return out
    c1, c2 = CNN_CHANNELS
    batch_last(batch * 28 * 28, 9 * 1, c1, "conv 1 (im2col)", first=True)
    batch_last(batch * 14 * 14, 9 * c1, c2, "conv 2 (im2col)", first=False)
    for a, b in zip(lab.sizes[1:-1], lab.sizes[2:], strict=True):
        batch_last(batch, a, b, f"dense {a}x{b}", first=False)
    return out


def num_params(lab: Lab) -> int:
    return hcnn.num_params(CNN_CHANNELS, CNN_HIDDEN) if lab.cnn else lab.source.num_params


def flops_per_step(lab: Lab) -> int:
    return sum(2 * p["m"] * p["k"] * p["n"] for p in products(lab))


def flops_per_example(sizes) -> int:
    """Matmul FLOPs of one example of an MLP: forward 2*in*out, backward 4*in*out (2*in*out
    for the first layer, which needs no input gradient)."""
    total = 0
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        total += 2 * fan_in * fan_out + (2 if i == 0 else 4) * fan_in * fan_out
    return total


def initial_params(lab: Lab, seed: int = 0):
    """Parameters of the lab's shapes, drawn as its training draws them (to time its optimizer)."""
    import jax

    import helpers.nn as hnn

    if lab.cnn:
        return hcnn.init_cnn(jax.random.key(seed))
    return hnn.init_mlp(jax.random.key(seed), lab.sizes, weights=lab.weights, biases=lab.biases)


def learning_rate(lab: Lab, steps: int):
    """What the lab's training passes as ``lr`` to ``helpers.nn.fit`` for ``steps`` steps in
    all: the labs' constant rate, or chapter 12's one-cycle schedule."""
    import optax

    if not lab.cnn:
        return LR
    return optax.cosine_onecycle_schedule(steps, CNN_PEAK_LR, pct_start=0.2)


def optimizer(lab: Lab, steps: int):
    """The optimizer the lab's training runs: the one ``helpers.nn.fit`` picks for its ``lr``
    (the fused Adam of ``helpers._fast`` for a constant rate, ``optax.adam`` for a schedule)."""
    import helpers.nn as hnn

    return hnn._default_optimizer(learning_rate(lab, steps))
