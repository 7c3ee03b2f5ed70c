"""Benchmark helpers.nn.fit (and chapter 12's small CNN) against PyTorch on MNIST, with a roofline.

Usage::

    .venv/bin/python scripts/benchmark.py --json benchmarks/cpu.json --page benchmarks/performance.md
    .venv/bin/python scripts/benchmark.py --quick --json /tmp/quick.json    # a fast check
    .venv/bin/python scripts/benchmark.py --labs 24 cnn --no-torch
    .venv/bin/python scripts/benchmark.py --render benchmarks/cpu.json --page benchmarks/performance.md

Everything is measured side by side in one run, on whatever machine runs it: the machine's
float32 matmul peak and memory bandwidth; the ceilings of the roofline (every product shape a
training step computes, and one optimizer step at each lab's parameter shapes); then, per lab,
``helpers.nn.fit`` and the same model in PyTorch (eager and ``torch.compile``, in a worker
process of its own; skipped when torch is missing). The parts live in ``scripts/bench/``: the
protocol in :mod:`bench.run`, the roofline model and what it leaves out in
:mod:`bench.roofline`, the FLOP counting in :mod:`bench.workloads`.

``--quick`` runs every part on 6,000 training images, smaller arrays and one round, to check
that the script works (minutes, not a measurement). ``--page`` renders the appendix page from
the record (:func:`bench.page.render_page`); ``tests/test_benchmark_record.py`` checks that the
committed page is exactly what the committed record renders to.

The machine's load average is printed beside every figure: timings on a shared machine
are only meaningful when the load is low (the benchmark itself adds about 1-2 to it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # loaded from elsewhere (the tests)
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.page import render_page  # noqa: E402
from bench.torch_side import torch_model, torch_worker  # noqa: E402
from bench.workloads import (  # noqa: E402
    BATCH,
    LABS,
    flops_per_example,
    flops_per_step,
    num_params,
    products,
)

__all__ = ["BATCH", "LABS", "flops_per_example", "flops_per_step", "main", "num_params",
           "products", "render_page", "torch_model"]


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
    from bench.run import run

    started = time.perf_counter()
    record = run(args.labs, args.epochs, args.rounds, args.quick, use_torch=not args.no_torch,
                 compile_=not args.no_compile)
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


if __name__ == "__main__":
    sys.exit(main())
