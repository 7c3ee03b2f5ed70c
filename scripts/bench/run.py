"""The run: measure the machine and the ceilings, then train every lab in JAX and PyTorch.

Protocol: the 60,000 MNIST training images, batch 100, Adam lr 1e-3, seconds per epoch; the
frameworks alternate in ``rounds`` rounds of ``epochs`` epochs each and the median epoch is
reported, so that a change in the machine's load hits all of them; the roofline's ceilings
(:mod:`bench.roofline`) are timed once before the training and once before every round. The faster PyTorch
configuration (eager or compiled) is the peer of each row. The CNN trains as chapter 12 does,
``CNN_EPOCHS`` epochs from each round's seed, and records every seed's test accuracy (PyTorch
is timed with a constant learning rate, like the labs; the schedule costs nothing measurable).
``quick`` runs every part on 6,000 images, smaller arrays and one round: a check, not a
measurement. Returns the record (the JSON that :mod:`bench.page` renders).
"""

from __future__ import annotations

import importlib.util
import os
import platform
import statistics

from . import jax_side, machine, roofline
from .timing import busy_before, load
from .torch_side import TorchWorker
from .workloads import BATCH, CNN_EPOCHS, LABS, flops_per_step, num_params


def run(lab_ids, epochs: int, rounds: int, quick: bool, use_torch: bool, compile_: bool) -> dict:
    import jax

    n_train = 6_000 if quick else 60_000
    threads = os.cpu_count() or 1
    torch = None
    if use_torch:
        if importlib.util.find_spec("torch") is None:
            print("torch is not installed: skipping the PyTorch rows (pip install torch)\n")
        else:
            torch = TorchWorker(threads, n_train)
    modes = (["eager"] + (["compiled"] if compile_ else [])) if torch else []
    print(f"machine: {platform.processor() or platform.machine()}, {threads} CPU threads; "
          f"jax {jax.__version__} on {jax.devices()[0].platform}"
          + (f"; torch {torch.info['torch']} with {torch.info['threads']} threads (own process)"
             if torch else "") + ("; QUICK CHECK, not a measurement" if quick else ""))
    busy = busy_before()
    if busy is not None:
        print(f"CPU busy with other work just before the run: {100 * busy:.0f} %")
    load_before = load()
    peak = machine.matmul_peak(repeats=3 if quick else 10)
    print(f"matmul peak (2048^3 float32, load {load_before:.2f}): numpy {peak['numpy']:.1f} "
          f"GFLOP/s, jax.numpy {peak['jax']:.1f} GFLOP/s")
    n_bw = 2**24 if quick else 2**26
    bw = machine.bandwidth(n_bw)
    print(f"memory bandwidth ({4 * n_bw / 2**20:.0f} MiB arrays): "
          + ", ".join(f"{k} {v:.1f} GB/s" for k, v in bw.items()))
    steps, cnn_epochs = n_train // BATCH, 1 if quick else CNN_EPOCHS
    ceilings = roofline.Ceilings(lab_ids, steps, cnn_epochs, quick)
    ceilings.take()
    print(f"ceilings: {len(ceilings.flop)} product shapes and "
          f"{len(set(ceilings.adam.values()))} optimizer steps, "
          f"timed before every round (load {load():.2f})")
    data = jax_side.data(n_train)

    measured, compile_error = {}, None
    for lab_id in lab_ids:
        lab = LABS[lab_id]
        jax_times, torch_times, loads, accuracies = [], {m: [] for m in modes}, [], []
        for r in range(rounds):
            ceilings.take()
            loads.append(load())
            if lab.cnn:
                times, acc = jax_side.cnn_epochs(data, cnn_epochs, seed=r)
                jax_times += times
                accuracies.append(acc)
            else:
                jax_times += jax_side.mlp_epochs(lab, data, epochs, seed=r)
            for mode in modes:
                if mode == "compiled" and compile_error:
                    continue
                loads.append(load())
                reply = torch.epochs(lab_id, mode, epochs, seed=r)
                if "error" in reply:
                    compile_error = reply["error"]
                    print(f"  torch.compile failed: {compile_error}")
                else:
                    torch_times[mode] += reply["times"]
        loads.append(load())
        measured[lab_id] = (jax_times, torch_times, accuracies, loads)
        print(f"  {lab.name}: jax {statistics.median(jax_times):.2f} s/epoch"
              + "".join(f", torch {m} {statistics.median(t):.2f}"
                        for m, t in torch_times.items() if t)
              + (f"; test accuracy {', '.join(f'{a:.4f}' for a in accuracies)}" if accuracies
                 else "") + f" (load {min(loads):.2f}-{max(loads):.2f})", flush=True)
    fastest = ceilings.record()
    print(f"roofline, from the fastest of {fastest['ceiling_passes']} timings of each ceiling:")
    rows = [row(lab_id, *measured[lab_id], fastest, peak, steps) for lab_id in lab_ids]

    if torch is not None:
        torch.close()
    return {
        "quick": bool(quick), "n_train": n_train, "steps_per_epoch": steps,
        "peak_gflops": peak, "bandwidth_gbs": bw, "bandwidth_best_gbs": max(bw.values()),
        "bandwidth_array_mib": 4 * n_bw / 2**20, **fastest,
        "load_before": load_before, "cpu_busy_before": busy, "load_after": load(),
        "xla_flags": os.environ.get("XLA_FLAGS", ""), "jax_version": jax.__version__,
        "torch_version": torch.info["torch"] if torch else None,
        "torch_flush_denormal": torch.info["flush_denormal"] if torch else None,
        "torch_compile": (compile_error or "ok") if "compiled" in modes else None,
        "threads": threads, "machine": platform.processor() or platform.machine(),
        "epochs_per_round": epochs, "rounds": rounds, "cnn_epochs": cnn_epochs, "rows": rows,
    }  # fmt: skip


def row(lab_id, jax_times, torch_times, accuracies, loads, ceilings, peak, steps) -> dict:
    """One lab's row of the record: its times, their medians and everything derived."""
    lab = LABS[lab_id]
    t_jax = statistics.median(jax_times)
    med = {m: statistics.median(t) if t else None for m, t in torch_times.items()}
    timed = {m: t for m, t in med.items() if t is not None}
    peer = min(timed, key=timed.get) if timed else None
    t_torch = timed[peer] if peer else None
    gflop = flops_per_step(lab) * steps / 1e9
    roof = roofline.roofline(lab_id, ceilings, steps)
    print(f"  {lab.name}: {roof['roofline_s']:.2f} s, {100 * roof['roofline_s'] / t_jax:.0f} % "
          f"of the median epoch, {100 * roof['roofline_s'] / min(jax_times):.0f} % of the fastest")
    return {
        "lab": lab.name, "id": lab_id, "sizes": list(lab.sizes), "cnn": lab.cnn,
        "params": num_params(lab), "dropout_rate": lab.dropout_rate,
        "jax_s_per_epoch": t_jax, "jax_epoch_times": jax_times,
        "torch_eager_s_per_epoch": med.get("eager"),
        "torch_eager_epoch_times": torch_times.get("eager", []),
        "torch_compiled_s_per_epoch": med.get("compiled"),
        "torch_compiled_epoch_times": torch_times.get("compiled", []),
        "torch_peer": peer, "torch_s_per_epoch": t_torch,
        "speedup_vs_torch": (t_torch / t_jax) if t_torch else None,
        "gflop_per_epoch": gflop, "jax_gflops": gflop / t_jax,
        "percent_of_numpy_peak": 100 * gflop / t_jax / peak["numpy"],
        **roof, "epoch_over_roofline": t_jax / roof["roofline_s"],
        "test_accuracies": accuracies, "load_min": min(loads), "load_max": max(loads),
    }  # fmt: skip
