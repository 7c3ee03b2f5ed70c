"""The roofline: a lower bound on the time of an epoch, from ceilings measured in the same run.

Two kinds of ceiling, each timed in a jitted loop of many repetitions (:mod:`bench.timing`):

- every matrix product a training step computes (:func:`bench.workloads.products`), at its own
  shape, in GFLOP/s (:func:`bench.machine.product_loop`);
- one step of the optimizer the training runs (:func:`bench.workloads.optimizer`: the fused Adam
  of ``helpers._fast``, or ``optax.adam`` under the CNN's schedule) at the lab's parameter
  shapes, in seconds (:func:`bench.machine.optimizer_loop`).

All of them are timed in turn, once before the training and once before each of its rounds
(alternating with the frameworks, so that a change in the machine's load hits them too), and
each keeps its fastest timing.

Roofline time of one epoch = steps x (sum over the step's products of FLOPs / that product's
fastest speed + the fastest optimizer step). Not counted, although every step does them: bias
adds, activations, pooling, softmax and loss, dropout masks, and slicing the shuffled batch
out of the data. Every counted part is taken at its fastest, so under this model the roofline
time is a lower bound on an epoch, and roofline / epoch is the share of the machine's limit
that the training reaches.
"""

from __future__ import annotations

from .machine import optimizer_loop, product_loop
from .timing import loop_timer
from .workloads import LABS, initial_params, num_params, optimizer, products

ADAM_BYTES_PER_PARAM = 7 * 4  # the least Adam moves: reads p, g, m, v, writes p, m, v (float32)


def shape(p: dict) -> str:
    """A product's name in the record: ``"tn 784x100x256"``."""
    return f"{p['kind']} {p['m']}x{p['k']}x{p['n']}"


class Ceilings:
    """The ceilings of the labs ``lab_ids``: every product shape and every lab's optimizer
    step (one for labs of the same shapes), as loops compiled and sized once; :meth:`take`
    times them all once more."""

    def __init__(self, lab_ids, steps: int, cnn_epochs: int, quick: bool):
        seconds = 0.05 if quick else 0.2
        self.timers, self.flop, self.adam = {}, {}, {}
        for lab_id in lab_ids:
            lab = LABS[lab_id]
            for p in products(lab):
                name = shape(p)
                if name not in self.timers:
                    self.timers[name] = loop_timer(
                        *product_loop(p["m"], p["k"], p["n"], p["kind"]), seconds)
                    self.flop[name] = 2 * p["m"] * p["k"] * p["n"]
            self.adam[lab_id] = f"adam {'cnn' if lab.cnn else lab.sizes}"  # 24, 25: one
            if self.adam[lab_id] not in self.timers:
                total_steps = steps * (cnn_epochs if lab.cnn else 1)  # the schedule's length
                self.timers[self.adam[lab_id]] = loop_timer(
                    *optimizer_loop(initial_params(lab), optimizer(lab, total_steps)), seconds)
        self.times = {name: [] for name in self.timers}

    def take(self) -> None:
        """One pass: every loop timed once, in turn."""
        for name, timer in self.timers.items():
            self.times[name].append(timer())

    def record(self) -> dict:
        """For the record: ``ceiling_passes``, ``product_gflops`` (the fastest of
        ``product_gflops_repeats``, by shape) and ``adam_step_times`` (seconds per optimizer
        step, every pass, by lab)."""
        gflops = {name: [f / t / 1e9 for t in self.times[name]] for name, f in self.flop.items()}
        return {"ceiling_passes": len(next(iter(self.times.values()))),
                "product_gflops": {name: max(g) for name, g in gflops.items()},
                "product_gflops_repeats": gflops,
                "adam_step_times": {i: self.times[name] for i, name in self.adam.items()}}


def roofline(lab_id: str, ceilings: dict, steps: int) -> dict:
    """A row's roofline fields: its products with their ceilings, the matmul and optimizer
    terms and their sum, in seconds per epoch of ``steps`` steps."""
    lab = LABS[lab_id]
    prods = products(lab)
    for p in prods:
        p["shape"] = shape(p)
        p["gflops"] = ceilings["product_gflops"][p["shape"]]
    matmul_s = steps * sum(2 * p["m"] * p["k"] * p["n"] / (p["gflops"] * 1e9) for p in prods)
    adam_times = ceilings["adam_step_times"][lab_id]
    optimizer_s = steps * min(adam_times)
    return {
        "products": prods,
        "roofline_matmul_s": matmul_s,
        "optimizer_bytes_per_epoch": ADAM_BYTES_PER_PARAM * num_params(lab) * steps,
        "adam_step_times": adam_times,
        "adam_s_per_step": min(adam_times),
        "roofline_optimizer_s": optimizer_s,
        "roofline_s": matmul_s + optimizer_s,
    }
