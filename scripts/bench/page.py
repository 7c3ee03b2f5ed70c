"""The appendix page ``benchmarks/performance.md``, every number read from the record.

:func:`render_page` also renders records written before the optimizer step was measured
(see :mod:`bench.tables`).
"""

from __future__ import annotations

import statistics

from .roofline import ADAM_BYTES_PER_PARAM
from .tables import ceiling_table, percent_of_roofline, plural, roofline_table, span, timing_table
from .workloads import LABS, flops_per_example


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
        f"the median of {plural(record['rounds'] * record['epochs_per_round'], 'timed epoch')} per "
        "framework and configuration (the CNN's JAX epochs are those of its seeds' runs), alternating between them so that a change in the "
        "machine's load hits all. PyTorch runs in a process of its own with as many threads as "
        "cores, in two configurations: eager with `torch.optim.Adam(..., fused=True)`, and the "
        "whole training step compiled with `torch.compile`. The faster of the two is the "
        "*peer* of each row, and the speed-up is the peer's time over JAX's. Lab 25 is lab 24 "
        "with dropout 0.3." + _denormals(record),
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
    for r in rows:  # a margin under 10 %: compare the fastest epochs too, and say so
        if r["speedup_vs_torch"] and 1 / 1.1 < r["speedup_vs_torch"] < 1.1:
            torch_best = min(r["torch_eager_epoch_times"] + r["torch_compiled_epoch_times"])
            jax_best = min(r["jax_epoch_times"])
            out += [f"On {'lab ' if not r['cnn'] else ''}{r['lab']} the margin is smaller than "
                    "the spread between runs on this machine: the fastest epochs were "
                    f"{jax_best:.2f} s in JAX and {torch_best:.2f} s in PyTorch "
                    f"({torch_best / jax_best:.2f}×), so call it even."]
    if faster or slower:
        out += [""]
    out += ["## Where the time goes: a roofline", "", *_roofline_text(record), "",
            roofline_table(record), ""]
    if mlp:
        out += [f"The fully connected labs reach {span([percent_of_roofline(r) for r in mlp], '.0f')} % "
                "of their roofline in their median epoch and "
                f"{span([percent_of_roofline(r, 'fastest') for r in mlp], '.0f')} % in their "
                "fastest: the same compiled epoch, run again on this shared machine, took up to "
                f"{max(max(r['jax_epoch_times']) / min(r['jax_epoch_times']) for r in mlp):.2f} "
                "times as long as its fastest run.", ""]
        out += _least_lead(record, mlp)
    if cnn:
        accs = [100 * a for a in cnn["test_accuracies"]]
        convs = [p for p in cnn["products"]
                 if p["what"].startswith("conv") and p["what"].endswith("forward")]
        spread = (f"{statistics.mean(accs):.2f} ± {statistics.stdev(accs):.2f} % "
                  f"(mean ± standard deviation)" if len(accs) > 1 else f"{accs[0]:.2f} %")
        out += [
            "## Chapter 12's convolutional network",
            "",
            f"{cnn['params']:,} parameters; trained as in the chapter for "
            f"{plural(record['cnn_epochs'], 'epoch')} from each of {plural(len(accs), 'seed')}, it "
            "reached " + ", ".join(f"{a:.2f} %" for a in accs) + f" test accuracy: {spread}. "
            f"Its epoch took {cnn['jax_s_per_epoch']:.2f} s in JAX, "
            f"{percent_of_roofline(cnn):.0f} % of its roofline. Its convolutions are "
            f"thin products ({' and '.join(str(p['m']) for p in convs)} channels, "
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


def _least_lead(record: dict, mlp: list[dict]) -> list[str]:
    """Where the fully connected lab with the smallest lead over PyTorch spends its roofline,
    and the most that the roofline lets that lead grow."""
    r = min((r for r in mlp if r["speedup_vs_torch"]), key=lambda r: r["speedup_vs_torch"],
            default=None)
    if r is None:
        return []
    def seconds(p):
        return 2 * p["m"] * p["k"] * p["n"] / p["gflops"]
    peak = record["peak_gflops"]["numpy"]
    near_peak = sum(seconds(p) for p in r["products"] if p["gflops"] >= 0.9 * peak)
    near_peak_s = r["roofline_matmul_s"] * near_peak / sum(seconds(p) for p in r["products"])
    peer_s = min(t for t in (r["torch_eager_s_per_epoch"], r["torch_compiled_s_per_epoch"]) if t)
    return [f"Lab {r['lab']} leads PyTorch by the least, {r['speedup_vs_torch']:.2f}×. "
            f"{100 * near_peak_s / r['roofline_s']:.0f} % of its roofline is matrix products "
            "that this machine runs at 90 % of its peak or more, and "
            f"{100 * r['roofline_optimizer_s'] / r['roofline_s']:.0f} % is Adam's pass over "
            f"{r['params']:,} parameters: work that both frameworks do, with the same FLOPs "
            "and the same bytes. JAX's median epoch took "
            f"{r['jax_s_per_epoch'] / r['roofline_s']:.2f} times its roofline time (its fastest "
            f"{min(r['jax_epoch_times']) / r['roofline_s']:.2f} times) and PyTorch's "
            f"{r['torch_peer']} epoch {peer_s / r['roofline_s']:.2f} times, so even a JAX epoch "
            f"at the roofline would lead by no more than {peer_s / r['roofline_s']:.2f}×.", ""]


def _denormals(record: dict) -> str:
    """How each framework treats denormal floats, which Adam's running averages reach."""
    flush = record.get("torch_flush_denormal")
    if flush is None:
        return ""
    if flush:
        return (" Both flush denormal floats to zero: XLA does so on the CPU, and the PyTorch "
                "process calls `torch.set_flush_denormal(True)` before its threads start. "
                "(PyTorch's default keeps them, and Adam's running averages for pixels that are "
                "rarely lit decay into denormals, on which a CPU's arithmetic is slow.)")
    return (" XLA flushes denormal floats to zero on the CPU; PyTorch could not on this "
            "machine, so it computes on them where Adam's running averages decay that far.")


def _roofline_text(record: dict) -> list[str]:
    """The roofline section's explanation, up to its table."""
    rows, passes = record["rows"], record["ceiling_passes"]
    rates = [r["optimizer_bytes_per_epoch"] / r["roofline_optimizer_s"] / 1e9 for r in rows]
    bw = record["bandwidth_best_gbs"]
    adam = ("The optimizer is not a matrix product: Adam reads the parameters, their gradients "
            "and its two running averages and writes three of them back, at least 28 bytes per "
            "parameter at every step. The run timed the very step the training runs (the fused "
            "Adam of `helpers.nn`; `optax.adam` under the CNN's schedule) at each lab's "
            "parameter shapes, many steps in one compiled loop, and kept the fastest of "
            f"{passes} timings: {span(rates, '.0f')} GB/s, counted in those 28 bytes"
            + (f", above the memory's {bw:.1f} GB/s: arrays this small stay in the caches."
               if min(rates) > bw else
               f", the faster ones above the memory's {bw:.1f} GB/s: Adam's arrays, "
               f"{ADAM_BYTES_PER_PARAM * max(r['params'] for r in rows) / 1e6:.0f} MB at most, "
               "stay in the caches." if max(rates) > bw else "."))
    return [
        "Matrix-multiply peak is measured on large square matrices. A training step of these "
        "labs multiplies a batch of 100 rows by the weights, and its backward pass computes "
        "two transposed products per layer (the weight gradient, input transposed times output "
        "gradient, and the input gradient, output gradient times the transposed weights; the "
        "first layer needs no input gradient). Such small products run at speeds of their own, "
        "most below the peak and some above it, when their operands stay in the caches, so the "
        "run measured each shape on its own, repeated in a jitted loop as in training (a "
        "convolution counted as the matrix product it amounts to, one column per output pixel), "
        f"and kept the fastest of {passes} timings, one before the training and one before "
        "each of its rounds:",
        "",
        ceiling_table(record),
        "",
        adam,
        "",
        "The **roofline time** of an epoch adds, over its steps, each product's FLOPs divided "
        "by that product's fastest measured speed and the fastest Adam step. It counts nothing else a step does: not the bias adds, activations, pooling, "
        "softmax and loss, dropout masks, or slicing each batch out of the data. Every part it "
        "counts is taken at its fastest, so under this model it is a lower bound on the epoch, "
        "and **roofline ÷ epoch** is the share of the machine's limit that the training "
        "reaches: 100 % would leave nothing to win.",
    ]
