"""Benchmark helpers.nn.fit against PyTorch on the lecture's MNIST models (labs 21-25).

Usage::

    .venv/bin/python scripts/benchmark.py                 # all labs, table on stdout
    .venv/bin/python scripts/benchmark.py --json out.json --rounds 3 --epochs 2
    .venv/bin/python scripts/benchmark.py --labs 24 25 --no-torch

Everything is measured side by side in one run, on whatever machine runs it:

1. the float32 matmul peak: numpy (BLAS) and jax.numpy on 2048x2048 @ 2048x2048;
2. per lab, ``helpers.nn.fit`` (JAX) and the same model in PyTorch (eager, ``Adam(fused=True)``,
   ``torch.set_num_threads`` = the number of CPU cores, in a worker process of its own so
   that the two frameworks' thread pools never share a process) trained on the 60,000 MNIST
   training images, batch 100, Adam lr 1e-3, seconds per epoch. The frameworks alternate in
   ``--rounds`` rounds of ``--epochs`` epochs each, and the median epoch is reported, so a
   change in the machine's load hits both. PyTorch rows are skipped when torch is missing
   (``pip install torch`` or ``pip install -e .[bench]``).

FLOPs of one training epoch (stated in the table's notes): per example and layer with
``in`` inputs and ``out`` outputs, the forward matmul costs 2*in*out, the backward costs
4*in*out (input gradient 2*in*out plus weight gradient 2*in*out), except the first layer,
which needs no input gradient (2*in*out). Bias, activation, softmax, dropout and optimizer
work are not counted (they are O(out) per example or O(params) per step: a few percent).
For lab 24 that is 6,354,944 FLOP per example, 381.3 GFLOP per epoch of 60,000 images.

The machine's load average (``os.getloadavg``) is printed beside every figure: timings on a
shared machine are only meaningful when the load is low (the benchmark itself adds about 1-2
to it; the CPU share used by others just before the run is printed too).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

import helpers.nn as hnn
from helpers import load_mnist

BATCH, LR = 100, 1e-3


@dataclass(frozen=True)
class Lab:
    name: str
    sizes: tuple[int, ...]
    weights: str
    dropout_rate: float


LABS = {
    "21": Lab("21 (softmax)", (784, 10), "normal", 0.0),
    "22": Lab("22/23 (784-256-256-10)", (784, 256, 256, 10), "xavier_uniform", 0.0),
    "24": Lab("24 (784-512x4-10)", (784, 512, 512, 512, 512, 10), "xavier_uniform", 0.0),
    "25": Lab("25 (24 + dropout 0.3)", (784, 512, 512, 512, 512, 10), "xavier_uniform", 0.3),
}


def load() -> float:
    """The 1-minute load average (it includes this benchmark's own threads, about 1-2)."""
    return os.getloadavg()[0]


def busy_before(seconds: float = 2.0) -> float | None:
    """Fraction of all CPU time used (by others) while this script sleeps: Linux only."""
    try:

        def snap():
            with open("/proc/stat") as f:
                v = [int(t) for t in f.readline().split()[1:]]
            return v[3] + v[4], sum(v)

        idle0, total0 = snap()
        time.sleep(seconds)
        idle1, total1 = snap()
        return 1.0 - (idle1 - idle0) / max(1, total1 - total0)
    except OSError:
        return None


def flops_per_example(sizes) -> int:
    """Matmul FLOPs of one training example: forward 2*in*out, backward 4*in*out (2*in*out
    for the first layer, which needs no input gradient)."""
    total = 0
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        total += 2 * fan_in * fan_out + (2 if i == 0 else 4) * fan_in * fan_out
    return total


# ----------------------------------------------------------------------------- matmul peak


def matmul_peak(n: int = 2048, repeats: int = 10) -> dict[str, float]:
    """Best GFLOP/s of an n x n float32 matmul in numpy (BLAS) and in jax.numpy."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    flop = 2 * n**3
    a @ b
    best_np = min(_timed(lambda: a @ b) for _ in range(repeats))
    ja, jb = jnp.asarray(a), jnp.asarray(b)
    mm = jax.jit(jnp.matmul)
    mm(ja, jb).block_until_ready()
    best_jnp = min(_timed(lambda: mm(ja, jb).block_until_ready()) for _ in range(repeats))
    return {"numpy": flop / best_np / 1e9, "jax": flop / best_jnp / 1e9}


def _timed(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


# ----------------------------------------------------------------------------- JAX (helpers.nn)


def jax_epochs(lab: Lab, x, y, epochs: int, seed: int) -> list[float]:
    params = hnn.init_mlp(jax.random.key(seed), lab.sizes, weights=lab.weights)
    _, history = hnn.fit(
        params, x, y, key=jax.random.key(seed + 1), num_epochs=epochs, batch_size=BATCH,
        lr=LR, dropout_rate=lab.dropout_rate, progress=False,
    )  # fmt: skip
    return history["epoch_time"]


# ----------------------------------------------------------------------------- PyTorch


class TorchWorker:
    """PyTorch in a separate process, so that its OpenMP threads and JAX's never share one
    process (or spin against each other); one request per (lab, epochs, seed)."""

    def __init__(self, threads: int):
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--torch-worker", str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.info = json.loads(self.proc.stdout.readline())

    def epochs(self, lab_id: str, epochs: int, seed: int) -> list[float]:
        self.proc.stdin.write(json.dumps({"lab": lab_id, "epochs": epochs, "seed": seed}) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("the PyTorch worker process died (see its error above)")
        return json.loads(reply)["times"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def torch_worker(threads: int) -> int:
    """The worker's loop: MNIST as float32 x/255 like prepare_images, then serve requests."""
    import torch

    torch.set_num_threads(threads)
    mnist = load_mnist()
    x_np = mnist.x_train.reshape(-1, 784).astype(np.float32) / np.float32(255)
    y_np = mnist.y_train
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        times = torch_epochs(torch, LABS[req["lab"]], x_np, y_np, req["epochs"], req["seed"])
        print(json.dumps({"times": times}), flush=True)
    return 0


def torch_epochs(torch, lab: Lab, x_np, y_np, epochs: int, seed: int) -> list[float]:
    """The same model and training in eager PyTorch (fused Adam), seconds per epoch."""
    nn = torch.nn
    torch.manual_seed(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(lab.sizes[:-1], lab.sizes[1:], strict=True)):
        linear = nn.Linear(fan_in, fan_out)
        if lab.weights == "xavier_uniform":
            nn.init.xavier_uniform_(linear.weight)
        else:
            nn.init.normal_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers.append(linear)
        if i < len(lab.sizes) - 2:
            layers.append(nn.ReLU())
            if lab.dropout_rate > 0:
                layers.append(nn.Dropout(lab.dropout_rate))
    model = nn.Sequential(*layers)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np.astype(np.int64))
    n = x.shape[0]
    nb = n // BATCH
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(nb):
            idx = perm[i * BATCH : (i + 1) * BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        loss.item()  # wait for the last step
        times.append(time.perf_counter() - start)
    return times


# ----------------------------------------------------------------------------- the run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labs", nargs="+", default=list(LABS), choices=list(LABS))
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating JAX/torch rounds")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch rows")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--torch-worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_worker:
        return torch_worker(args.torch_worker)

    threads = os.cpu_count() or 1
    torch = None
    if not args.no_torch:
        if importlib.util.find_spec("torch") is None:
            print("torch is not installed: skipping the PyTorch rows (pip install torch)\n")
        else:
            torch = TorchWorker(threads)

    print(
        f"machine: {platform.processor() or platform.machine()}, {threads} CPU threads; "
        f"jax {jax.__version__} on {jax.devices()[0].platform}"
        + (
            f"; torch {torch.info['torch']} with {torch.info['threads']} threads (own process)"
            if torch
            else ""
        )
    )
    print(f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")

    busy = busy_before()
    if busy is not None:
        print(f"CPU busy with other work just before the run: {100 * busy:.0f} %")
    load_before = load()
    peak = matmul_peak()
    print(
        f"matmul peak (2048^3 float32, load {load_before:.2f}): numpy {peak['numpy']:.1f} "
        f"GFLOP/s, jax.numpy {peak['jax']:.1f} GFLOP/s\n"
    )

    mnist = load_mnist()
    x = hnn.prepare_images(mnist.x_train)
    y = jnp.asarray(mnist.y_train)
    n_trained = (x.shape[0] // BATCH) * BATCH

    rows = []
    for lab_id in args.labs:
        lab = LABS[lab_id]
        jax_times, torch_times, loads = [], [], []
        for r in range(args.rounds):
            loads.append(load())
            jax_times += jax_epochs(lab, x, y, args.epochs, seed=r)
            if torch is not None:
                loads.append(load())
                torch_times += torch.epochs(lab_id, args.epochs, seed=r)
        loads.append(load())
        t_jax = statistics.median(jax_times)
        t_torch = statistics.median(torch_times) if torch_times else None
        gflop = flops_per_example(lab.sizes) * n_trained / 1e9
        row = {
            "lab": lab.name,
            "sizes": list(lab.sizes),
            "dropout_rate": lab.dropout_rate,
            "jax_s_per_epoch": t_jax,
            "jax_epoch_times": jax_times,
            "torch_s_per_epoch": t_torch,
            "torch_epoch_times": torch_times,
            "speedup_vs_torch": (t_torch / t_jax) if t_torch else None,
            "gflop_per_epoch": gflop,
            "jax_gflops": gflop / t_jax,
            "percent_of_numpy_peak": 100 * gflop / t_jax / peak["numpy"],
            "load_min": min(loads),
            "load_max": max(loads),
        }
        rows.append(row)
        print(
            f"  {lab.name}: jax {t_jax:.2f} s/epoch"
            + (f", torch {t_torch:.2f} s/epoch" if t_torch else "")
            + f" (load {min(loads):.2f}-{max(loads):.2f})",
            flush=True,
        )

    if torch is not None:
        torch.close()
    print()
    print(table(rows, peak, torch is not None))
    if args.json:
        result = {
            "peak_gflops": peak,
            "load_before": load_before,
            "cpu_busy_before": busy,
            "load_after": load(),
            "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "jax_version": jax.__version__,
            "torch_version": torch.info["torch"] if torch else None,
            "threads": threads,
            "epochs_per_round": args.epochs,
            "rounds": args.rounds,
            "rows": rows,
        }
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
        print(f"\nwrote {args.json}")
    return 0


def table(rows, peak, with_torch: bool) -> str:
    head = "| lab | JAX s/epoch | PyTorch s/epoch | speed-up | GFLOP/epoch | JAX GFLOP/s | % of peak | load |"
    lines = [head, "|" + "---|" * 8]
    for r in rows:
        t_torch = f"{r['torch_s_per_epoch']:.2f}" if r["torch_s_per_epoch"] else "skipped"
        ratio = f"{r['speedup_vs_torch']:.2f}x" if r["speedup_vs_torch"] else "-"
        lines.append(
            f"| {r['lab']} | {r['jax_s_per_epoch']:.2f} | {t_torch} | {ratio} | "
            f"{r['gflop_per_epoch']:.1f} | {r['jax_gflops']:.1f} | "
            f"{r['percent_of_numpy_peak']:.0f} % | {r['load_min']:.2f}-{r['load_max']:.2f} |"
        )
    lines.append("")
    lines.append(
        "Load: 1-minute load average during the row, including the benchmark's own threads. "
        f"Peak: numpy {peak['numpy']:.1f} GFLOP/s, jax.numpy {peak['jax']:.1f} GFLOP/s "
        "(2048x2048 float32). % of peak is against numpy's. FLOPs per example: forward "
        "2*in*out per layer, backward 4*in*out (2*in*out for the first layer)."
    )
    if not with_torch:
        lines.append("PyTorch rows skipped (torch not installed or --no-torch).")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
