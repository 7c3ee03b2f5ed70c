"""The same networks and training in PyTorch, in a worker process of its own.

PyTorch runs in a separate process, so that its OpenMP threads and JAX's never share one
process (or spin against each other), with ``torch.set_num_threads`` = the number of CPU
cores; :class:`TorchWorker` starts it (``scripts/benchmark.py --torch-worker``) and sends it
one request per (lab, mode, epochs, seed). Denormal floats are flushed to zero, as XLA
flushes them. Two modes: ``eager`` (``Adam(fused=True)``) and
``compiled`` (``torch.compile`` of the whole training step). torch is imported only in the
worker.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .workloads import BATCH, CNN_CHANNELS, CNN_HIDDEN, LABS, LR, Lab

ENTRY = Path(__file__).resolve().parents[1] / "benchmark.py"


class TorchWorker:
    """The worker process: ``info`` has its torch version and threads."""

    def __init__(self, threads: int, n_train: int):
        self.proc = subprocess.Popen(
            [sys.executable, str(ENTRY), "--torch-worker", str(threads), "--n-train", str(n_train)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.info = json.loads(self.proc.stdout.readline())

    def epochs(self, lab_id: str, mode: str, epochs: int, seed: int) -> dict:
        request = {"lab": lab_id, "mode": mode, "epochs": epochs, "seed": seed}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError("the PyTorch worker process died (see its error above)")
        return json.loads(reply)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def torch_worker(threads: int, n_train: int) -> int:
    """The worker's loop: MNIST as float32 x/255 like prepare_images, then serve requests."""
    import torch

    from helpers import load_mnist

    # Denormal floats flushed to zero, as XLA does on the CPU: set before the thread pool
    # exists, so that its threads inherit it. Without it, Adam's running averages for rarely
    # lit pixels decay into denormals in the second epoch, and lab 24's later epochs took
    # 1.6-2x as long on the book's machine.
    flush = torch.set_flush_denormal(True)
    torch.set_num_threads(threads)
    mnist = load_mnist()
    x_np = mnist.x_train[:n_train].reshape(-1, 784).astype(np.float32) / np.float32(255)
    y_np = mnist.y_train[:n_train]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "flush_denormal": flush}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        try:
            reply = torch_epochs(torch, LABS[req["lab"]], x_np, y_np, req["mode"],
                                 req["epochs"], req["seed"])
        except Exception as exc:  # noqa: BLE001 - report any failure (e.g. no compiler) upward
            reply = {"error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]}"}
        print(json.dumps(reply), flush=True)
    return 0


def torch_model(torch, lab: Lab):
    """The lab's network in ``torch.nn``, initialised as in JAX (``helpers.nn.init_mlp``'s
    schemes; the CNN's He-normal kernels and zero biases)."""
    nn = torch.nn
    if lab.cnn:
        c1, c2 = CNN_CHANNELS
        convs = [nn.Conv2d(1, c1, 3, padding=1), nn.Conv2d(c1, c2, 3, padding=1)]
        dense = [nn.Linear(7 * 7 * c2, CNN_HIDDEN), nn.Linear(CNN_HIDDEN, 10)]
        for layer in convs + dense:
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            convs[0], nn.MaxPool2d(2), nn.ReLU(), convs[1], nn.MaxPool2d(2), nn.ReLU(),
            nn.Flatten(), dense[0], nn.ReLU(), dense[1],
        )  # fmt: skip
    init = {"normal": nn.init.normal_, "xavier_uniform": nn.init.xavier_uniform_,
            "zeros": nn.init.zeros_}
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(lab.sizes[:-1], lab.sizes[1:], strict=True)):
        linear = nn.Linear(fan_in, fan_out)
        init[lab.weights](linear.weight)
        init[lab.biases](linear.bias)
        layers.append(linear)
        if i < len(lab.sizes) - 2:
            layers.append(nn.ReLU())
            if lab.dropout_rate > 0:
                layers.append(nn.Dropout(lab.dropout_rate))
    return nn.Sequential(*layers)


def torch_epochs(torch, lab: Lab, x_np, y_np, mode: str, epochs: int, seed: int) -> dict:
    """The same model and training in PyTorch (fused Adam), eager or with the whole training
    step compiled by ``torch.compile``; seconds per epoch (compilation not timed)."""
    torch.manual_seed(seed)
    model = torch_model(torch, lab)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    if mode == "compiled":
        # a fresh compile for every request: the worker serves many, and after 8 new
        # closures of `step` dynamo would stop compiling and silently run it eagerly
        torch._dynamo.reset()
        step = torch.compile(step)
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np.astype(np.int64))
    n = x.shape[0]
    nb = n // BATCH
    start = time.perf_counter()
    for i in range(3):  # warm-up (and, compiled, compilation): not timed
        step(x[i * BATCH : (i + 1) * BATCH], y[i * BATCH : (i + 1) * BATCH]).item()
    warmup = time.perf_counter() - start
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(nb):
            idx = perm[i * BATCH : (i + 1) * BATCH]
            loss = step(x[idx], y[idx])
        loss.item()  # wait for the last step
        times.append(time.perf_counter() - start)
    return {"times": times, "warmup_s": warmup}
