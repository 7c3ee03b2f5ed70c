"""Tests of helpers.labs: the labs' settings are the author's scripts', and a tiny run."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import helpers.labs as labs
import helpers.nn as nn
from helpers.labs import LABS, RECIPES, SEEDS, Lab, final_accuracy, recorded, run_lab, table


def test_settings_match_the_scripts():
    # github.com/yungbyun/myml: tf.random_normal is N(0, 1); xavier_initializer() is uniform.
    expected = {   # sizes, weights, biases, epochs, dropout, slide %, script log %
        "21": ((784, 10), "normal", "normal", 15, 0.0, 90.23, ()),
        "22": ((784, 256, 256, 10), "normal", "normal", 15, 0.0, 94.55, (94.55,)),
        "23": ((784, 256, 256, 10), "xavier_uniform", "normal", 15, 0.0, 97.23, (97.83,)),
        "24": ((784, 512, 512, 512, 512, 10), "xavier_uniform", "normal", 15, 0.0, 97.83, ()),
        "24 (3 epochs)": ((784, 512, 512, 512, 512, 10), "xavier_uniform", "normal", 3, 0.0,
                          97.83, (97.24,)),
        "25": ((784, 512, 512, 512, 512, 10), "xavier_uniform", "normal", 15, 0.3, 98.13,
               (98.04, 98.13)),
    }
    assert list(LABS) == list(expected)
    for key, (sizes, weights, biases, epochs, rate, slide, logs) in expected.items():
        lab = LABS[key]
        assert (lab.sizes, lab.weights, lab.biases, lab.num_epochs, lab.dropout_rate,
                lab.lecture, lab.logs) == (sizes, weights, biases, epochs, rate, slide, logs), key
        assert (lab.batch_size, lab.lr) == (100, 1e-3)
        assert lab.script.startswith(key[:2] + "_") and lab.script.endswith(".py")
    assert LABS["24"].script == LABS["24 (3 epochs)"].script == "24_mnist_nn_deep.py"
    # the slides' 23/24 figures match the other script's log (the swap chapter 9 explains)
    assert round(LABS["23"].lecture, 1) == round(LABS["24 (3 epochs)"].logs[0], 1) == 97.2
    assert LABS["24"].lecture == LABS["23"].logs[0] == 97.83
    assert max(LABS["25"].logs) == LABS["25"].lecture            # the lecture's best network
    assert [LABS[k].num_params for k in ("21", "22", "24")] == [7_850, 269_322, 1_195_018]
    assert LABS["22"].network == "784-256-256-10"


def _blobs(n=300, d=8, k=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 3
    y = rng.integers(0, k, size=n).astype(np.int32)
    x = (centres[y] + rng.normal(size=(n, d)) * 0.3).astype(np.float32)
    return jnp.asarray(x), jnp.asarray(y)


TINY = Lab("tiny", "none.py", 0, (8, 16, 3), "xavier_uniform", "zeros", 3, 50.0,
           batch_size=50, lr=1e-2)


def test_a_tiny_run():
    data = _blobs()
    params, history = run_lab(TINY, 0, data, eval_data=data)
    assert [w.shape for w, _ in params] == [(8, 16), (16, 3)]
    assert len(history["train_loss"]) == len(history["eval_accuracy"]) == 3
    assert final_accuracy(history) == 100 * history["eval_accuracy"][-1] > 90
    # the same as init_mlp + fit with the keys split from key(seed)
    k_init, k_fit = jax.random.split(jax.random.key(0))
    by_hand = nn.init_mlp(k_init, TINY.sizes, weights=TINY.weights, biases=TINY.biases)
    by_hand, _ = nn.fit(by_hand, *data, key=k_fit, num_epochs=3, batch_size=50, lr=1e-2,
                        progress=False)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(by_hand), strict=True):
        np.testing.assert_array_equal(a, b)
    # another seed, another result; dropout and the epochs come from the lab
    other, _ = run_lab(TINY, 1, data)
    assert not np.array_equal(other[0][0], params[0][0])
    dropped, h = run_lab(TINY._replace(dropout_rate=0.5, num_epochs=2), 0, data)
    assert len(h["train_loss"]) == 2 and not np.array_equal(dropped[0][0], params[0][0])


def test_table():
    text = table([(LABS["22"], [94.74]), (LABS["23"], [97.9, 98.0, 98.1])])
    lines = text.splitlines()
    assert len(lines) == 3 and "script log" in lines[0]
    assert lines[1].startswith("lab 22") and "94.55" in lines[1] and "94.74 % (1 seed)" in lines[1]
    assert "N(0, 1)" in lines[1] and "Xavier" in lines[2]
    assert lines[2].endswith("98.00 ± 0.10 % (3 seeds)") and "97.83" in lines[2]


def test_bad_input_raises_clear_errors():
    data = _blobs(n=100)
    with pytest.raises(TypeError, match="lab must be a Lab"):
        run_lab("22", 0, data)
    with pytest.raises(TypeError, match="seed must be an int"):
        run_lab(TINY, 0.5, data)
    with pytest.raises(TypeError, match=r"data must be the pair \(x_train, y_train\)"):
        run_lab(TINY, 0, data[0])
    with pytest.raises(ValueError, match="train with eval_data"):
        final_accuracy({"train_loss": [1.0]})
    with pytest.raises(ValueError, match="non-empty"):
        table([(LABS["21"], [])])
    with pytest.raises(TypeError, match="each row must be"):
        table([("lab 21", [90.0])])
    with pytest.raises(ValueError, match="schedule must be 'constant' or 'cosine'"):
        run_lab(TINY._replace(schedule="linear"), 0, data)


def test_the_first_epochs_of_a_longer_run_are_a_shorter_run():
    # Chapter 9 reads lab 23 after 10 of its 15 epochs as a 10-epoch run: with a constant
    # learning rate, each epoch's key and steps do not depend on num_epochs.
    data = _blobs()
    _, short = run_lab(TINY._replace(num_epochs=2), 5, data, eval_data=data)
    _, long = run_lab(TINY._replace(num_epochs=3), 5, data, eval_data=data)
    assert long["eval_accuracy"][:2] == short["eval_accuracy"]
    assert long["train_loss"][:2] == short["train_loss"]


def test_a_cosine_lab_decays_adams_learning_rate_over_all_its_steps():
    data = _blobs()
    params, _ = run_lab(TINY._replace(schedule="cosine"), 0, data)
    k_init, k_fit = jax.random.split(jax.random.key(0))
    by_hand = nn.init_mlp(k_init, TINY.sizes, weights=TINY.weights, biases=TINY.biases)
    schedule = optax.cosine_decay_schedule(init_value=1e-2, decay_steps=3 * (300 // 50))
    by_hand, _ = nn.fit(by_hand, *data, key=k_fit, num_epochs=3, batch_size=50, lr=schedule,
                        progress=False)
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(by_hand), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    constant, _ = run_lab(TINY, 0, data)
    assert not np.allclose(constant[0][0], params[0][0])
    assert RECIPES["He, cosine"] == RECIPES["He"]._replace(name="He, b = 0, cosine",
                                                           schedule="cosine")
    assert (RECIPES["He"].sizes, RECIPES["He"].num_epochs) == (LABS["23"].sizes, 10)


def test_the_seed_record_holds_every_recorded_run_with_todays_settings():
    # recorded() refuses a record whose settings differ from the lab's: then it is stale
    for name, lab in labs.recorded_runs().items():
        run = recorded(name)
        assert len(run["histories"]) == len(SEEDS), name
        for history in run["histories"]:
            assert set(history) == {"train_loss", "eval_loss", "eval_accuracy", "val_loss",
                                    "val_accuracy"}, name
            assert all(len(curve) == lab.num_epochs for curve in history.values()), name
        np.testing.assert_array_equal(run["accuracy"],
                                      [final_accuracy(h) for h in run["histories"]])
        assert np.all(np.abs(run["accuracy"] - lab.lecture) < 2), name  # near its slide
        assert run["command"] == "python scripts/lab_seeds.py"
    assert set(labs.recorded_runs()) == {"21", "22", "23", "24", "24 (3 epochs)", "25", "He",
                                      "He, cosine"}


def test_a_stale_or_unknown_record_is_refused(monkeypatch):
    with pytest.raises(KeyError, match="no recorded run 'lab 99'"):
        recorded("lab 99")
    monkeypatch.setitem(labs._RECORDED, "25", LABS["25"]._replace(num_epochs=14))
    with pytest.raises(ValueError, match="run scripts/lab_seeds.py"):
        recorded("25")
