"""Benchmark helpers.nn.fit (and chapter 12's small CNN) against PyTorch on MNIST, with a roofline.

Usage::

    .venv/bin/python scripts/benchmark.py --json benchmarks/cpu.json --page benchmarks/performance.md
    .venv/bin/python scripts/benchmark.py --quick --json /tmp/quick.json    # a fast check
    .venv/bin/python scripts/benchmark.py --labs 24 cnn --no-torch

Everything is measured side by side in one run, on whatever machine runs it:

1. the machine: the float32 matmul peak (numpy and jax.numpy, 2048x2048 @ 2048x2048), the
   memory bandwidth (numpy copy and triad, and a jitted jax triad, over arrays far larger
   than the caches), and the matmul ceiling at every product shape a lab's training step
   computes (a 100-row batch times its weights, and the two transposed products of the
   backward pass), each timed in a jitted loop;
2. per lab, ``helpers.nn.fit`` (JAX) and the same model in PyTorch, in two configurations:
   eager (``Adam(fused=True)``) and ``torch.compile`` of the whole training step; both with
   ``torch.set_num_threads`` = the number of CPU cores, in a worker process of their own so
   that the frameworks' thread pools never share a process. The faster PyTorch configuration
   is the peer of each row. Protocol: the 60,000 MNIST training images, batch 100, Adam lr
   1e-3, seconds per epoch; the frameworks alternate in ``--rounds`` rounds of ``--epochs``
   epochs each and the median epoch is reported, so that a change in the machine's load hits
   all of them. PyTorch rows are skipped when torch is missing (``pip install torch``);
3. chapter 12's convolutional network ("cnn", the one definition in ``helpers.cnn``), trained
   as the chapter trains it (``helpers.nn.fit`` with ``predict=cnn.predict`` and the chapter's
   one-cycle learning-rate schedule) for ``CNN_EPOCHS`` epochs from each of ``--rounds`` seeds,
   recording the test accuracy of every seed, against the same network in PyTorch (timed with
   a constant learning rate, like the labs; the schedule costs nothing measurable).

FLOPs of one training step: per layer, the forward product, the weight gradient (the
transposed input times the output gradient) and the input gradient (the output gradient
times the transposed weights; not needed by the first layer), 2*m*k*n each. A convolution
counts as the matrix product it amounts to (im2col: one row per output pixel, one column per
kernel weight). Bias, activation, pooling, softmax and dropout work is not counted.

Roofline time of one epoch = sum over the step's products of FLOPs / (that product's
measured ceiling) + Adam's memory traffic / bandwidth, times the steps of an epoch. Adam
reads the parameters, gradients, m and v and writes the parameters, m and v: 7 float32 arrays
the size of the parameters, 28 bytes per parameter per step. The measured epoch divided by
the roofline time says how far the training is from what this machine's products and memory
allow (1.0 = nothing left to win, under this model).

``--quick`` runs every part on 6,000 training images, smaller arrays and one round, to
check that the script works (minutes, not a measurement). ``--page`` renders the appendix
page from the record (:func:`render_page`); ``tests/test_benchmark_record.py`` checks that
the committed page is exactly what the committed record renders to.

The machine's load average is printed beside every figure: timings on a shared machine
are only meaningful when the load is low (the benchmark itself adds about 1-2 to it).
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

import numpy as np

from helpers import cnn as hcnn

BATCH, LR = 100, 1e-3
CNN_CHANNELS, CNN_HIDDEN = hcnn.CHANNELS, hcnn.HIDDEN  # chapter 12's network (helpers.cnn)
CNN_EPOCHS, CNN_PEAK_LR = 4, 3e-3  # and its training: 4 epochs, one-cycle schedule to 0.003
ADAM_BYTES_PER_PARAM = 7 * 4  # reads p, g, m, v and writes p, m, v: 7 float32 arrays


@dataclass(frozen=True)
class Lab:
    name: str
    sizes: tuple[int, ...]
    weights: str
    dropout_rate: float
    cnn: bool = False


LABS = {
    "21": Lab("21 (softmax)", (784, 10), "normal", 0.0),
    "22": Lab("22/23 (784-256-256-10)", (784, 256, 256, 10), "xavier_uniform", 0.0),
    "24": Lab("24 (784-512x4-10)", (784, 512, 512, 512, 512, 10), "xavier_uniform", 0.0),
    "25": Lab("25 (24 + dropout 0.3)", (784, 512, 512, 512, 512, 10), "xavier_uniform", 0.3),
    "cnn": Lab("CNN (chapter 12)", (784, 7 * 7 * CNN_CHANNELS[1], CNN_HIDDEN, 10), "he_normal",
               0.0, cnn=True),
}


# ----------------------------------------------------------------------------- counting


def products(lab: Lab, batch: int = BATCH) -> list[dict]:
    """The matrix products of one training step: ``{"m", "k", "n", "kind", "what"}``.

    ``kind`` is "nn" for (m, k) @ (k, n), "tn" for (k, m)^T @ (k, n) (weight gradient) and
    "nt" for (m, k) @ (n, k)^T (input gradient); each costs 2*m*k*n FLOPs.
    """
    out = []

    def layer(m, k, n, what, first):
        out.append({"m": m, "k": k, "n": n, "kind": "nn", "what": f"{what} forward"})
        out.append({"m": k, "k": m, "n": n, "kind": "tn", "what": f"{what} weight gradient"})
        if not first:
            out.append({"m": m, "k": n, "n": k, "kind": "nt", "what": f"{what} input gradient"})

    dense = lab.sizes
    if lab.cnn:
        c1, c2 = CNN_CHANNELS
        layer(batch * 28 * 28, 9 * 1, c1, "conv 1 (im2col)", first=True)
        layer(batch * 14 * 14, 9 * c1, c2, "conv 2 (im2col)", first=False)
        dense = lab.sizes[1:]
    for i, (a, b) in enumerate(zip(dense[:-1], dense[1:], strict=True)):
        layer(batch, a, b, f"dense {a}x{b}", first=(i == 0 and not lab.cnn))
    return out


def num_params(lab: Lab) -> int:
    dense = sum(a * b + b for a, b in zip(lab.sizes[:-1], lab.sizes[1:], strict=True))
    if not lab.cnn:
        return dense
    return hcnn.num_params(CNN_CHANNELS, CNN_HIDDEN)


def flops_per_step(lab: Lab) -> int:
    return sum(2 * p["m"] * p["k"] * p["n"] for p in products(lab))


def flops_per_example(sizes) -> int:
    """Matmul FLOPs of one example of an MLP: forward 2*in*out, backward 4*in*out (2*in*out
    for the first layer, which needs no input gradient)."""
    total = 0
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        total += 2 * fan_in * fan_out + (2 if i == 0 else 4) * fan_in * fan_out
    return total


# ----------------------------------------------------------------------------- the machine


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


def _timed(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def matmul_peak(n: int = 2048, repeats: int = 10) -> dict[str, float]:
    """Best GFLOP/s of an n x n float32 matmul in numpy (BLAS) and in jax.numpy."""
    import jax
    import jax.numpy as jnp

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
    copy_s = min(_timed(lambda: np.copyto(a, b)) for _ in range(repeats))
    triad_s = min(_timed(triad) for _ in range(repeats))
    jb, jc = jax.device_put(b), jax.device_put(c)
    jtriad = jax.jit(lambda b, c: b + 3.0 * c)
    jtriad(jb, jc).block_until_ready()
    jax_s = min(_timed(lambda: jtriad(jb, jc).block_until_ready()) for _ in range(repeats))
    return {"numpy_copy": 8 * n / copy_s / 1e9, "numpy_triad": 20 * n / triad_s / 1e9,
            "jax_triad": 12 * n / jax_s / 1e9}


def product_ceiling(m: int, k: int, n: int, kind: str, seconds: float = 0.2) -> float:
    """GFLOP/s of one float32 product shape in jax, repeated in a jitted loop (as in training).

    Each repetition depends on the last (one entry of the first operand changes), so that
    XLA cannot hoist the product out of the loop; the best of 3 timings is kept.
    """
    import jax
    import jax.numpy as jnp

    key_a, key_b = jax.random.split(jax.random.key(0))
    a_shape = {"nn": (m, k), "tn": (k, m), "nt": (m, k)}[kind]
    b_shape = {"nn": (k, n), "tn": (k, n), "nt": (n, k)}[kind]
    a = jax.random.normal(key_a, a_shape, jnp.float32)
    b = jax.random.normal(key_b, b_shape, jnp.float32)

    def prod(a, b):
        if kind == "tn":
            return a.T @ b
        if kind == "nt":
            return a @ b.T
        return a @ b

    @jax.jit
    def loop(a, b, reps):
        def body(_, carry):
            a, c = carry
            a = a.at[0, 0].add(c)
            return a, prod(a, b)[0, 0] * 1e-30

        return jax.lax.fori_loop(0, reps, body, (a, jnp.float32(0)))[1]

    flop = 2 * m * k * n
    loop(a, b, 1).block_until_ready()
    one = _timed(lambda: loop(a, b, 3).block_until_ready()) / 3
    reps = max(3, min(2000, int(seconds / max(one, 1e-6))))
    best = min(_timed(lambda: loop(a, b, reps).block_until_ready()) for _ in range(3))
    return flop * reps / best / 1e9


# ----------------------------------------------------------------------------- JAX


def jax_mlp_epochs(lab: Lab, x, y, epochs: int, seed: int) -> list[float]:
    import jax

    import helpers.nn as hnn

    params = hnn.init_mlp(jax.random.key(seed), lab.sizes, weights=lab.weights)
    _, history = hnn.fit(
        params, x, y, key=jax.random.key(seed + 1), num_epochs=epochs, batch_size=BATCH,
        lr=LR, dropout_rate=lab.dropout_rate, progress=False,
    )  # fmt: skip
    return history["epoch_time"]


def jax_cnn(x, y, x_test, y_test, epochs: int, seed: int) -> tuple[list[float], float]:
    """Chapter 12's network, trained as the chapter trains it; returns (seconds per epoch,
    test accuracy). Seed 0 is the chapter's run (keys 0 and 1)."""
    import jax
    import optax

    import helpers.nn as hnn

    schedule = optax.cosine_onecycle_schedule(epochs * (x.shape[0] // BATCH), CNN_PEAK_LR,
                                              pct_start=0.2)
    params, history = hnn.fit(
        hcnn.init_cnn(jax.random.key(seed)), x, y, key=jax.random.key(seed + 1),
        num_epochs=epochs, batch_size=BATCH, lr=schedule, predict=hcnn.predict, progress=False,
    )  # fmt: skip
    return history["epoch_time"], hnn.evaluate(params, x_test, y_test, predict=hcnn.predict)[1]


# ----------------------------------------------------------------------------- PyTorch


class TorchWorker:
    """PyTorch in a separate process, so that its OpenMP threads and JAX's never share one
    process (or spin against each other); one request per (lab, mode, epochs, seed)."""

    def __init__(self, threads: int, n_train: int):
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--torch-worker", str(threads), "--n-train", str(n_train)],
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

    torch.set_num_threads(threads)
    mnist = load_mnist()
    x_np = mnist.x_train[:n_train].reshape(-1, 784).astype(np.float32) / np.float32(255)
    y_np = mnist.y_train[:n_train]
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
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


# ----------------------------------------------------------------------------- the run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labs", nargs="+", default=list(LABS), choices=list(LABS))
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (CNN seeds)")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch rows")
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--quick", action="store_true",
                        help="check the script: 6,000 images, 1 round, 1 epoch (not a measurement)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--page", help="also render the appendix page from the results here")
    parser.add_argument("--render", metavar="JSON", help="only render --page from this record")
    parser.add_argument("--torch-worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--n-train", type=int, default=60_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_worker:
        return torch_worker(args.torch_worker, args.n_train)
    if args.render:
        with open(args.render) as f:
            record = json.load(f)
        with open(args.page or "/dev/stdout", "w") as f:
            f.write(render_page(record))
        return 0
    if args.quick:
        args.rounds, args.epochs = 1, 1
    started = time.perf_counter()
    record = run(args)
    record["run_minutes"] = (time.perf_counter() - started) / 60
    print(f"\nthe run took {record['run_minutes']:.1f} minutes")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(record, f, indent=2)
        print(f"wrote {args.json}")
    if args.page:
        with open(args.page, "w") as f:
            f.write(render_page(record))
        print(f"wrote {args.page}")
    return 0


def run(args) -> dict:
    import jax
    import jax.numpy as jnp

    import helpers.nn as hnn
    from helpers import load_mnist

    n_train = 6_000 if args.quick else 60_000
    threads = os.cpu_count() or 1
    torch = None
    if not args.no_torch:
        if importlib.util.find_spec("torch") is None:
            print("torch is not installed: skipping the PyTorch rows (pip install torch)\n")
        else:
            torch = TorchWorker(threads, n_train)
    modes = ["eager"] + ([] if args.no_compile else ["compiled"])

    print(
        f"machine: {platform.processor() or platform.machine()}, {threads} CPU threads; "
        f"jax {jax.__version__} on {jax.devices()[0].platform}"
        + (f"; torch {torch.info['torch']} with {torch.info['threads']} threads (own process)"
           if torch else "")
        + ("; QUICK CHECK, not a measurement" if args.quick else "")
    )  # fmt: skip
    busy = busy_before()
    if busy is not None:
        print(f"CPU busy with other work just before the run: {100 * busy:.0f} %")
    load_before = load()
    peak = matmul_peak(repeats=3 if args.quick else 10)
    print(f"matmul peak (2048^3 float32, load {load_before:.2f}): numpy {peak['numpy']:.1f} "
          f"GFLOP/s, jax.numpy {peak['jax']:.1f} GFLOP/s")
    n_bw = 2**24 if args.quick else 2**26
    bw = bandwidth(n_bw)
    bw_best = max(bw.values())
    print(f"memory bandwidth ({4 * n_bw / 2**20:.0f} MiB arrays): "
          + ", ".join(f"{k} {v:.1f} GB/s" for k, v in bw.items()))

    mnist = load_mnist()
    x = hnn.prepare_images(mnist.x_train[:n_train])
    y = jnp.asarray(mnist.y_train[:n_train])
    x_img = x.reshape(-1, 28, 28, 1)
    x_test = hnn.prepare_images(mnist.x_test).reshape(-1, 28, 28, 1)
    y_test = jnp.asarray(mnist.y_test)
    steps = n_train // BATCH

    ceilings: dict[str, float] = {}
    rows = []
    compile_error = None
    for lab_id in args.labs:
        lab = LABS[lab_id]
        prods = products(lab)
        for p in prods:
            name = f"{p['kind']} {p['m']}x{p['k']}x{p['n']}"
            if name not in ceilings:
                ceilings[name] = product_ceiling(p["m"], p["k"], p["n"], p["kind"],
                                                 seconds=0.05 if args.quick else 0.3)
            p["shape"] = name
            p["gflops"] = ceilings[name]
        jax_times, torch_times, loads = [], {m: [] for m in modes}, []
        accuracies = []
        for r in range(args.rounds):
            loads.append(load())
            if lab.cnn:
                epochs = 1 if args.quick else CNN_EPOCHS
                times, acc = jax_cnn(x_img, y, x_test, y_test, epochs, seed=r)
                jax_times += times
                accuracies.append(acc)
            else:
                jax_times += jax_mlp_epochs(lab, x, y, args.epochs, seed=r)
            for mode in modes if torch is not None else []:
                if mode == "compiled" and compile_error:
                    continue
                loads.append(load())
                reply = torch.epochs(lab_id, mode, args.epochs, seed=r)
                if "error" in reply:
                    compile_error = reply["error"]
                    print(f"  torch.compile failed: {compile_error}")
                else:
                    torch_times[mode] += reply["times"]
        loads.append(load())
        t_jax = statistics.median(jax_times)
        med = {m: statistics.median(t) if t else None for m, t in torch_times.items()}
        timed = {m: t for m, t in med.items() if t is not None}
        peer = min(timed, key=timed.get) if timed else None
        t_torch = timed[peer] if peer else None
        flop_step = flops_per_step(lab)
        gflop = flop_step * steps / 1e9
        matmul_s = steps * sum(2 * p["m"] * p["k"] * p["n"] / (p["gflops"] * 1e9) for p in prods)
        opt_bytes = ADAM_BYTES_PER_PARAM * num_params(lab) * steps
        roofline = matmul_s + opt_bytes / (bw_best * 1e9)
        row = {
            "lab": lab.name,
            "id": lab_id,
            "sizes": list(lab.sizes),
            "cnn": lab.cnn,
            "params": num_params(lab),
            "dropout_rate": lab.dropout_rate,
            "jax_s_per_epoch": t_jax,
            "jax_epoch_times": jax_times,
            "torch_eager_s_per_epoch": med.get("eager"),
            "torch_eager_epoch_times": torch_times.get("eager", []),
            "torch_compiled_s_per_epoch": med.get("compiled"),
            "torch_compiled_epoch_times": torch_times.get("compiled", []),
            "torch_peer": peer,
            "torch_s_per_epoch": t_torch,
            "speedup_vs_torch": (t_torch / t_jax) if t_torch else None,
            "gflop_per_epoch": gflop,
            "jax_gflops": gflop / t_jax,
            "percent_of_numpy_peak": 100 * gflop / t_jax / peak["numpy"],
            "products": prods,
            "roofline_matmul_s": matmul_s,
            "optimizer_bytes_per_epoch": opt_bytes,
            "roofline_optimizer_s": opt_bytes / (bw_best * 1e9),
            "roofline_s": roofline,
            "epoch_over_roofline": t_jax / roofline,
            "test_accuracies": accuracies,
            "load_min": min(loads),
            "load_max": max(loads),
        }
        rows.append(row)
        print(f"  {lab.name}: jax {t_jax:.2f} s/epoch"
              + "".join(f", torch {m} {t:.2f}" for m, t in timed.items())
              + f"; roofline {roofline:.2f} s, epoch/roofline {t_jax / roofline:.2f}"
              + (f"; test accuracy {', '.join(f'{a:.4f}' for a in accuracies)}" if accuracies
                 else "")
              + f" (load {min(loads):.2f}-{max(loads):.2f})", flush=True)  # fmt: skip

    if torch is not None:
        torch.close()
    return {
        "quick": bool(args.quick),
        "n_train": n_train,
        "steps_per_epoch": steps,
        "peak_gflops": peak,
        "bandwidth_gbs": bw,
        "bandwidth_best_gbs": bw_best,
        "bandwidth_array_mib": 4 * n_bw / 2**20,
        "product_gflops": ceilings,
        "load_before": load_before,
        "cpu_busy_before": busy,
        "load_after": load(),
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "jax_version": jax.__version__,
        "torch_version": torch.info["torch"] if torch else None,
        "torch_compile": None if args.no_compile or torch is None else (compile_error or "ok"),
        "threads": threads,
        "machine": platform.processor() or platform.machine(),
        "epochs_per_round": args.epochs,
        "rounds": args.rounds,
        "cnn_epochs": 1 if args.quick else CNN_EPOCHS,
        "rows": rows,
    }


# ----------------------------------------------------------------------------- the page


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _s(t) -> str:
    return "–" if t is None else f"{t:.2f}"


def _range(times) -> str:
    return f"{min(times):.2f}–{max(times):.2f}" if times else "–"


def timing_table(record: dict) -> str:
    lines = ["| lab | JAX s/epoch | JAX range | PyTorch eager | PyTorch compiled | peer | "
             "speed-up | GFLOP/epoch | JAX GFLOP/s | % of peak |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in record["rows"]:
        ratio = f"{r['speedup_vs_torch']:.2f}×" if r["speedup_vs_torch"] else "–"
        lines.append(
            f"| {r['lab']} | {r['jax_s_per_epoch']:.2f} | {_range(r['jax_epoch_times'])} | "
            f"{_s(r['torch_eager_s_per_epoch'])} | {_s(r['torch_compiled_s_per_epoch'])} | "
            f"{r['torch_peer'] or '–'} | {ratio} | {r['gflop_per_epoch']:.1f} | "
            f"{r['jax_gflops']:.1f} | {r['percent_of_numpy_peak']:.0f} % |")
    return "\n".join(lines)


def roofline_table(record: dict) -> str:
    lines = ["| lab | parameters | matmul s | Adam s | roofline s | JAX s/epoch | "
             "epoch ÷ roofline |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in record["rows"]:
        lines.append(
            f"| {r['lab']} | {r['params']:,} | {r['roofline_matmul_s']:.2f} | "
            f"{r['roofline_optimizer_s']:.2f} | {r['roofline_s']:.2f} | "
            f"{r['jax_s_per_epoch']:.2f} | {r['epoch_over_roofline']:.2f} |")
    return "\n".join(lines)


def ceiling_table(record: dict) -> str:
    lines = ["| product (as in the step) | m × k × n | GFLOP/s | % of peak |",
             "| --- | --- | --- | --- |"]
    seen = set()
    for r in record["rows"]:
        for p in r["products"]:
            if p["shape"] in seen:
                continue
            seen.add(p["shape"])
            lines.append(f"| {p['what']} | {p['m']:,} × {p['k']:,} × {p['n']:,} | "
                         f"{p['gflops']:.1f} | "
                         f"{100 * p['gflops'] / record['peak_gflops']['numpy']:.0f} % |")
    return "\n".join(lines)


def render_page(record: dict) -> str:
    """The appendix page, every number read from ``record`` (the JSON that the run wrote)."""
    rows = record["rows"]
    peak, bw = record["peak_gflops"], record["bandwidth_gbs"]
    mlp = [r for r in rows if not r["cnn"]]
    cnn = next((r for r in rows if r["cnn"]), None)
    out = ["# Appendix: how fast the helpers train", ""]
    if record["quick"]:
        out += ["```{warning}",
                "PLACEHOLDER. The numbers on this page come from a `--quick` check of the "
                "benchmark script on a small part of MNIST, on a machine shared with other "
                "heavy jobs: they show the page's shape, not the machine's speed. The real "
                "record is made with the command at the end of the page.",
                "```", ""]
    torch_text = (f"torch {record['torch_version']}" if record["torch_version"]
                  else "PyTorch not installed (its columns are empty)")
    out += [
        "Every MNIST chapter from chapter 8 on trains through `helpers.nn.fit`, whose whole "
        "epoch is one compiled call (`jax.lax.scan` over the batches, data kept on the device); "
        "chapter 12 trains a small convolutional network through the same loop. "
        "This page records what that costs on the machine the book is built and tested on, "
        "measured by `scripts/benchmark.py` in one run, side by side with the same networks "
        "in PyTorch on the same cores, and against what the machine's own matrix products and "
        "memory allow. The numbers come from `benchmarks/cpu.json`, which that run wrote, and "
        "this page is rendered from it; a test (`tests/test_benchmark_record.py`) checks both.",
        "",
        f"**Machine**: {record['threads']} CPU threads ({record['machine']}), no GPU; "
        f"jax {record['jax_version']} (CPU), {torch_text}. Its float32 matrix-multiply peak, "
        f"measured in the same run on 2048×2048 matrices, was "
        f"**{peak['numpy']:.1f} GFLOP/s** with numpy and {peak['jax']:.1f} GFLOP/s with "
        f"`jax.numpy`. Its memory bandwidth, over arrays of "
        f"{record['bandwidth_array_mib']:.0f} MiB (far larger than the caches), was "
        f"**{record['bandwidth_best_gbs']:.1f} GB/s** at best (numpy copy "
        f"{bw['numpy_copy']:.1f}, numpy triad {bw['numpy_triad']:.1f}, jitted jax triad "
        f"{bw['jax_triad']:.1f} GB/s).",
        "",
        "**Workload**: the lecture's labs and chapter 12's network, "
        f"{record['n_train']:,} training images, batch 100, Adam with learning rate 0.001; "
        f"the median of {_n(record['rounds'] * record['epochs_per_round'], 'timed epoch')} per "
        "framework and configuration (the CNN's JAX epochs are those of its seeds' runs), alternating between them so that a change in the "
        "machine's load hits all. PyTorch runs in a process of its own with as many threads as "
        "cores, in two configurations: eager with `torch.optim.Adam(..., fused=True)`, and the "
        "whole training step compiled with `torch.compile`. The faster of the two is the "
        "*peer* of each row, and the speed-up is the peer's time over JAX's. Lab 25 is lab 24 "
        "with dropout 0.3.",
        "",
    ]
    tc = record["torch_compile"]
    if tc not in (None, "ok"):
        out += [f"`torch.compile` could not run on this machine ({tc}), so the compiled column "
                "is empty and the eager configuration is the peer.", ""]
    out += ["## Time per epoch", "", timing_table(record), ""]
    faster = [r for r in rows if r["speedup_vs_torch"] and r["speedup_vs_torch"] >= 1]
    slower = [r for r in rows if r["speedup_vs_torch"] and r["speedup_vs_torch"] < 1]
    if faster:
        out += ["JAX is faster than the better PyTorch configuration on "
                + ", ".join(f"lab {r['lab']}" if not r["cnn"] else r["lab"] for r in faster)
                + "."]
    if slower:
        out += ["PyTorch is faster on " + ", ".join(
            f"{'lab ' if not r['cnn'] else ''}{r['lab']} (JAX takes "
            f"{1 / r['speedup_vs_torch']:.2f}× as long)" for r in slower)
            + "."]
    if faster or slower:
        out += [""]
    out += [
        "## Where the time goes: a roofline",
        "",
        "Matrix-multiply peak is measured on large square matrices. A training step of these "
        "labs multiplies a batch of 100 rows by the weights, and its backward pass computes "
        "two transposed products per layer (the weight gradient, input transposed times output "
        "gradient, and the input gradient, output gradient times the transposed weights; the "
        "first layer needs no input gradient). Such small products run below the peak, so the "
        "run measured each shape on its own, repeated in a jitted loop as in training "
        "(a convolution counted as the matrix product it amounts to, one row per output pixel):",
        "",
        ceiling_table(record),
        "",
        "The optimizer is not a matrix product: Adam reads the parameters, their gradients and "
        "its two running averages and writes three of them back, 7 arrays of 4 bytes per "
        "parameter at every step, bound by the memory bandwidth. The **roofline time** of an "
        "epoch adds, over its steps, each product's FLOPs divided by that product's measured "
        "speed and Adam's bytes divided by the bandwidth; it leaves out biases, activations, "
        "pooling and the loss, so it is a lower bound. The measured epoch divided by it says "
        "how much is left to win: 1.00 would mean nothing, under this model.",
        "",
        roofline_table(record),
        "",
    ]
    if mlp:
        ratios = [r["epoch_over_roofline"] for r in mlp]
        span = (f"{min(ratios):.2f}" if f"{min(ratios):.2f}" == f"{max(ratios):.2f}"
                else f"{min(ratios):.2f}–{max(ratios):.2f}")
        out += [f"The fully connected labs run at {span} times their roofline time.", ""]
    if cnn:
        accs = [100 * a for a in cnn["test_accuracies"]]
        convs = [p for p in cnn["products"] if p["what"].startswith("conv") and p["kind"] == "nn"]
        spread = (f"{statistics.mean(accs):.2f} ± {statistics.stdev(accs):.2f} % "
                  f"(mean ± standard deviation)" if len(accs) > 1 else f"{accs[0]:.2f} %")
        out += [
            "## Chapter 12's convolutional network",
            "",
            f"{cnn['params']:,} parameters; trained as in the chapter for "
            f"{_n(record['cnn_epochs'], 'epoch')} from each of {_n(len(accs), 'seed')}, it "
            "reached " + ", ".join(f"{a:.2f} %" for a in accs) + f" test accuracy: {spread}. "
            f"Its epoch took {cnn['jax_s_per_epoch']:.2f} s in JAX, "
            f"{cnn['epoch_over_roofline']:.2f} times its roofline time. Its convolutions are "
            f"thin products ({' and '.join(str(p['n']) for p in convs)} channels, "
            f"{' and '.join(str(p['k']) for p in convs)} kernel weights per output pixel; see "
            "the conv rows of the table above), and the pooling and ReLU on its full-size "
            "feature maps are not in the roofline at all.",
            "",
        ]
    out += [
        "**How the FLOPs are counted.** Per layer with `in` inputs and `out` outputs and a batch "
        "of 100: forward 2·100·in·out, weight gradient the same, input gradient the same except "
        "for the first layer. For lab 24 that is "
        f"{flops_per_example(LABS['24'].sizes):,} FLOP per example. Biases, activations, "
        "softmax, dropout and the optimizer are not counted in the GFLOP/s.",
        "",
        "**Reproduce it**: `pip install torch` (optional: without PyTorch its columns are "
        "empty), then on a quiet machine",
        "`python scripts/benchmark.py --json benchmarks/cpu.json --page benchmarks/performance.md`"
        f" (this run took {record['run_minutes']:.0f} minutes). "
        "Timings on a shared machine move by 10–20 % between runs and more under load; the "
        "script prints the load average beside every row (here "
        f"{min(r['load_min'] for r in rows):.2f}–{max(r['load_max'] for r in rows):.2f}). "
        "`--quick` checks the script in a few minutes without measuring anything. On a GPU the "
        "same script runs unchanged.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
