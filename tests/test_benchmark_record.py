"""The appendix's performance page agrees with the benchmark run that produced it.

``benchmarks/performance.md`` is rendered from ``benchmarks/cpu.json`` by
``scripts/benchmark.py``; these tests check that the committed page is exactly what the
committed record renders to, that every derived number in the record follows from the
measured ones (so neither file can be edited by hand without the other), and that the
roofline is a lower bound on every measured epoch.
"""

from __future__ import annotations

import json
import statistics

import pytest

from conftest import ROOT, load_script

RECORD = json.loads((ROOT / "benchmarks" / "cpu.json").read_text())
PAGE = (ROOT / "benchmarks" / "performance.md").read_text()

benchmark = load_script("benchmark")  # puts scripts/ on sys.path: its package bench too
from bench import machine, workloads  # noqa: E402


def test_page_is_rendered_from_the_record():
    assert PAGE == benchmark.render_page(RECORD), (
        "benchmarks/performance.md is not what benchmarks/cpu.json renders to: run "
        "python scripts/benchmark.py --render benchmarks/cpu.json --page benchmarks/performance.md"
    )


def test_page_states_the_record_in_its_own_words():
    assert f"**{RECORD['peak_gflops']['numpy']:.1f} GFLOP/s**" in PAGE
    assert f"**{RECORD['bandwidth_best_gbs']:.1f} GB/s**" in PAGE
    assert "6,354,944 FLOP per example" in PAGE  # lab 24, counted by hand below
    assert ("PLACEHOLDER" in PAGE) == RECORD["quick"]
    assert "| roofline ÷ epoch |" in PAGE
    for left_out in ("bias adds", "activations", "pooling", "softmax and loss", "dropout masks",
                     "slicing each batch"):  # what the roofline does not count, said so
        assert left_out in PAGE
    for r in RECORD["rows"]:
        assert f"| {r['lab']} | {r['jax_s_per_epoch']:.2f} |" in PAGE


def test_flops_per_example_by_hand():
    # lab 24: forward 2·in·out per layer; backward 4·in·out, 2·in·out for the first layer
    sizes = (784, 512, 512, 512, 512, 10)
    hand = 4 * 784 * 512 + 6 * (3 * 512 * 512 + 512 * 10)
    assert benchmark.flops_per_example(sizes) == hand == 6_354_944
    lab24 = benchmark.LABS["24"]
    assert benchmark.flops_per_step(lab24) == benchmark.BATCH * hand


def test_cnn_matches_chapter_12():
    # conv 3x3 1->16, conv 3x3 16->32, dense 1568->128, dense 128->10 (chapter 12 asserts the same)
    lab = benchmark.LABS["cnn"]
    assert benchmark.num_params(lab) == (9 * 16 + 16) + (9 * 16 * 32 + 32) + (1568 * 128 + 128) + (
        128 * 10 + 10) == 206_922
    prods = benchmark.products(lab, batch=1)
    # conv 1 as im2col, as fast_predict runs it: 16 channels x 9 kernel weights x 784 output
    # pixels (the kernel transposed times the patches), no input gradient
    assert prods[0] == {"m": 16, "k": 9, "n": 784, "kind": "tn", "what": "conv 1 (im2col) forward"}
    assert [p["what"].split()[-2] for p in prods].count("input") == 3  # conv 2 and two dense


def test_cnn_is_the_same_in_pytorch():
    torch = pytest.importorskip("torch")
    import jax

    import helpers.cnn as cnn

    model = benchmark.torch_model(torch, benchmark.LABS["cnn"])
    ours = [w.shape for w, _ in cnn.init_cnn(jax.random.key(0))]
    theirs = [tuple(p.shape) for name, p in model.named_parameters() if name.endswith("weight")]
    # PyTorch stores kernels as (out, in, h, w) and dense weights as (out, in)
    assert theirs == [(o, i, h, w) for h, w, i, o in ours[:2]] + [(o, i) for i, o in ours[2:]]
    assert sum(p.numel() for p in model.parameters()) == cnn.num_params() == 206_922
    assert model(torch.zeros(3, 784)).shape == (3, 10)


@pytest.mark.parametrize("r", RECORD["rows"], ids=lambda r: r["lab"])
def test_derived_numbers_follow_from_the_times(r):
    steps = RECORD["steps_per_epoch"]
    assert steps == RECORD["n_train"] // 100
    lab = benchmark.LABS[r["id"]]
    assert r["params"] == benchmark.num_params(lab)
    if not r["cnn"]:
        assert r["gflop_per_epoch"] == pytest.approx(
            benchmark.flops_per_example(r["sizes"]) * steps * 100 / 1e9)
    flop_step = sum(2 * p["m"] * p["k"] * p["n"] for p in r["products"])
    assert r["gflop_per_epoch"] == pytest.approx(flop_step * steps / 1e9)
    assert r["jax_s_per_epoch"] == pytest.approx(statistics.median(r["jax_epoch_times"]))
    medians = {}
    for mode in ("eager", "compiled"):
        times = r[f"torch_{mode}_epoch_times"]
        if times:
            medians[mode] = statistics.median(times)
            assert r[f"torch_{mode}_s_per_epoch"] == pytest.approx(medians[mode])
    if medians:
        assert r["torch_peer"] == min(medians, key=medians.get)  # the faster configuration
        assert r["torch_s_per_epoch"] == pytest.approx(min(medians.values()))
        assert r["speedup_vs_torch"] == pytest.approx(r["torch_s_per_epoch"] / r["jax_s_per_epoch"])
    assert r["jax_gflops"] == pytest.approx(r["gflop_per_epoch"] / r["jax_s_per_epoch"])
    assert r["percent_of_numpy_peak"] == pytest.approx(
        100 * r["jax_gflops"] / RECORD["peak_gflops"]["numpy"])
    # roofline: each product at its own fastest measured speed, plus the fastest Adam step
    for p in r["products"]:
        assert p["gflops"] == RECORD["product_gflops"][p["shape"]]
        repeats = RECORD["product_gflops_repeats"][p["shape"]]
        assert len(repeats) == RECORD["ceiling_passes"] and p["gflops"] == max(repeats)
    matmul_s = steps * sum(2 * p["m"] * p["k"] * p["n"] / (p["gflops"] * 1e9) for p in r["products"])
    assert r["roofline_matmul_s"] == pytest.approx(matmul_s)
    assert r["optimizer_bytes_per_epoch"] == 28 * r["params"] * steps
    assert RECORD["bandwidth_best_gbs"] == max(RECORD["bandwidth_gbs"].values())
    # the optimizer: the fastest of the timed Adam steps
    assert r["adam_step_times"] == RECORD["adam_step_times"][r["id"]]
    assert len(r["adam_step_times"]) == RECORD["ceiling_passes"]
    assert r["adam_s_per_step"] == min(r["adam_step_times"])
    assert r["roofline_optimizer_s"] == pytest.approx(r["adam_s_per_step"] * steps)
    assert r["roofline_s"] == pytest.approx(matmul_s + r["roofline_optimizer_s"])
    assert r["epoch_over_roofline"] == pytest.approx(r["jax_s_per_epoch"] / r["roofline_s"])
    if r["cnn"]:
        assert len(r["test_accuracies"]) == RECORD["rounds"]


@pytest.mark.parametrize("r", RECORD["rows"], ids=lambda r: r["lab"])
def test_roofline_is_a_lower_bound(r):
    # every part of the roofline is timed at its fastest and much of a step is not counted
    # (bias adds, activations, pooling, loss, dropout masks, batch slicing): no epoch beats it
    assert r["roofline_s"] < min(r["jax_epoch_times"]), (
        f"{r['lab']}: the roofline ({r['roofline_s']:.3f} s) is not below every JAX epoch "
        f"({min(r['jax_epoch_times']):.3f} s at best): it is not a lower bound")


def test_the_smallest_lead_is_bounded_by_the_roofline():
    # the page names the fully connected lab with the least lead and the most it could reach:
    # PyTorch's time over the roofline, which is above the lead because the roofline is below
    # JAX's epoch
    mlp = [r for r in RECORD["rows"] if not r["cnn"] and r["speedup_vs_torch"]]
    r = min(mlp, key=lambda r: r["speedup_vs_torch"])
    peer = min(t for t in (r["torch_eager_s_per_epoch"], r["torch_compiled_s_per_epoch"]) if t)
    assert f"Lab {r['lab']} leads PyTorch by the least, {r['speedup_vs_torch']:.2f}×" in PAGE
    assert f"would lead by no more than {peer / r['roofline_s']:.2f}×" in PAGE
    assert r["speedup_vs_torch"] < peer / r["roofline_s"]


def test_optimizer_loop_runs_the_training_step():
    # the loop that times Adam computes what as many training steps compute (each step's
    # gradients are scaled by 1 + 1e-7 * step, which rtol covers), and returns every array
    import jax
    import jax.numpy as jnp
    import optax

    lab = benchmark.LABS["22"]
    params = [(w[:5, :3], b[:3]) for w, b in workloads.initial_params(lab)]
    opt = workloads.optimizer(lab, steps=600)
    loop, (p, state, grads) = machine.optimizer_loop(params, opt)
    looped_params, looped_state = loop(p, state, grads, 4)
    for _ in range(4):
        updates, state = opt.update(grads, state, p)
        p = optax.apply_updates(p, updates)
    for a, b in zip(jax.tree.leaves((looped_params, looped_state)),
                    jax.tree.leaves((p, state)), strict=True):
        assert jnp.allclose(a, b, rtol=1e-5, atol=1e-9)
    assert int(looped_state.count) == 4


def test_both_frameworks_flush_denormals():
    # the page says both run with denormal floats flushed to zero: XLA on the CPU by itself
    import jax
    import jax.numpy as jnp

    tiny = jnp.array([1e-39, 1e-30], jnp.float32)  # a denormal and a normal float32
    if jax.default_backend() == "cpu":
        product = jax.jit(lambda v, s: v * s)(tiny, jnp.ones(2))
        assert float(product[0]) == 0.0 and float(product[1]) > 0.0
    # and the PyTorch worker of the recorded run reported that it flushed them too
    if RECORD["torch_version"]:
        assert RECORD["torch_flush_denormal"] is True
