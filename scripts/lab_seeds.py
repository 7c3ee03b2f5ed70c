"""Train the book's MNIST runs on every seed and record their histories.

Usage (from the repository root, on a quiet machine; about 14 minutes on two CPU cores)::

    python scripts/lab_seeds.py               # every run
    python scripts/lab_seeds.py --only 22 23  # these runs again; the others are kept

Lab 25 takes about 90 s per seed on a two-core CPU, and chapters 8, 9 and 11 show eight runs
on three seeds each: too much to train inside the chapters and the test run. So the chapters
train seed 0 themselves and check it against this record, and read seeds 1 and 2 from it
(``helpers.labs.recorded``); chapter 9 also reads lab 22 (trained in chapter 8), and chapter
11 lab 24's 15-epoch run, dropout's twin, from it. The record,
``src/helpers/data/lab_seeds.json``, keeps each run's settings: when a lab changes, the
record no longer matches it, ``recorded`` refuses it, and this script must be run again.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import helpers
import helpers.nn as nn
from helpers.labs import RECORD_VAL_IMAGES, SEEDS, recorded_runs, run_lab, settings

OUT = Path(__file__).resolve().parent.parent / "src" / "helpers" / "data" / "lab_seeds.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", choices=list(recorded_runs()), metavar="RUN",
                        help=f"train only these runs, keep the others ({', '.join(recorded_runs())})")
    names = parser.parse_args().only or list(recorded_runs())
    mnist = helpers.load_mnist()
    data = (nn.prepare_images(mnist.x_train), jnp.asarray(mnist.y_train, jnp.int32))
    test = (nn.prepare_images(mnist.x_test), jnp.asarray(mnist.y_test, jnp.int32))
    seen = (data[0][:RECORD_VAL_IMAGES], data[1][:RECORD_VAL_IMAGES])
    old = json.loads(OUT.read_text())["runs"] if OUT.exists() else {}
    runs = {name: old[name] for name in recorded_runs() if name in old and name not in names}
    for name in names:
        lab = recorded_runs()[name]
        seeds = {}
        for seed in SEEDS:
            t = time.perf_counter()
            _, history = run_lab(lab, seed, data, eval_data=test, val_data=seen)
            history = {key: [float(f"{v:.6g}") for v in values] for key, values in history.items()
                       if key != "epoch_time"}
            seeds[str(seed)] = {"history": history, "seconds": round(time.perf_counter() - t, 1)}
            print(f"{name:14s} seed {seed}: {100 * history['eval_accuracy'][-1]:.2f} % "
                  f"({seeds[str(seed)]['seconds']:.0f} s)", flush=True)
        final = np.array([100 * s["history"]["eval_accuracy"][-1] for s in seeds.values()])
        print(f"{name:14s} {final.mean():.2f} ± {final.std(ddof=1):.2f} %", flush=True)
        runs[name] = {"settings": settings(lab), "seeds": seeds}
    seconds = sum(s["seconds"] for run in runs.values() for s in run["seeds"].values())
    record = {
        "command": "python scripts/lab_seeds.py",
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {jax.devices()[0].device_kind}, jax {jax.__version__}",
        "minutes": round(seconds / 60, 1),  # training time of every run, as recorded
        "runs": {name: runs[name] for name in recorded_runs()},
    }
    OUT.write_text(json.dumps(record, indent=1) + "\n")
    print(f"wrote {OUT}: {len(names)} of {len(runs)} runs trained now; {record['minutes']} min "
          "of training in all")


if __name__ == "__main__":
    main()
