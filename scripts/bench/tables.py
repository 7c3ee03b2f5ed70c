"""The tables of the appendix page, and the figures of a row that the page derives."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _s(t) -> str:
    return "–" if t is None else f"{t:.2f}"


def _range(times) -> str:
    return f"{min(times):.2f}–{max(times):.2f}" if times else "–"


def span(values, fmt: str) -> str:
    lo, hi = format(min(values), fmt), format(max(values), fmt)
    return lo if lo == hi else f"{lo}–{hi}"


def percent_of_roofline(r: dict, epoch: str = "median") -> float:
    """Roofline ÷ epoch, in %: the share of the machine's limit that the training reaches, in
    its median epoch or (``epoch="fastest"``) its fastest."""
    t = min(r["jax_epoch_times"]) if epoch == "fastest" else r["jax_s_per_epoch"]
    return 100 * r["roofline_s"] / t


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


def ceiling_table(record: dict) -> str:
    lines = ["| product (as in the step) | m × k × n | GFLOP/s | % of peak |",
             "| --- | --- | --- | --- |"]
    seen = set()
    for p in (p for r in record["rows"] for p in r["products"]):
        if p["shape"] not in seen:
            seen.add(p["shape"])
            lines.append(f"| {p['what']} | {p['m']:,} × {p['k']:,} × {p['n']:,} | "
                         f"{p['gflops']:.1f} | "
                         f"{100 * p['gflops'] / record['peak_gflops']['numpy']:.0f} % |")
    return "\n".join(lines)


def roofline_table(record: dict) -> str:
    lines = ["| lab | parameters | matmul s | Adam s | roofline s | JAX s/epoch | "
             "roofline ÷ epoch | fastest epoch | roofline ÷ fastest |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in record["rows"]:
        lines.append(
            f"| {r['lab']} | {r['params']:,} | {r['roofline_matmul_s']:.2f} | "
            f"{r['roofline_optimizer_s']:.2f} | {r['roofline_s']:.2f} | {r['jax_s_per_epoch']:.2f} | "
            f"{percent_of_roofline(r):.0f} % | {min(r['jax_epoch_times']):.2f} | "
            f"{percent_of_roofline(r, 'fastest'):.0f} % |")
    return "\n".join(lines)
