"""Tests of helpers.sweep: many XOR networks trained at once."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from helpers import sweep

SIZES = (2, 2, 2, 1)


@pytest.fixture(scope="module")
def keys():
    return jax.random.split(jax.random.key(1), 8)


@pytest.fixture(scope="module")
def small_run(keys):
    return sweep.train_many(keys, SIZES, activation="sigmoid", lr=0.2, num_steps=53,
                            record_every=10)


def plain_loop(key, sizes, activation, lr, num_steps):
    """One network, trained step by step with jax.grad: what the sweep must reproduce."""
    params = sweep.init_params(key, sizes)
    x, y = jnp.asarray(sweep.XOR_X), jnp.asarray(sweep.XOR_Y)

    @jax.jit  # one network's step, compiled once (an eager jax.grad re-traces every step)
    def step(params):
        grads = jax.grad(sweep.loss)(params, x, y, activation)
        params = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads, strict=True)]
        return params, sweep.loss(params, x, y, activation)

    losses = [float(sweep.loss(params, x, y, activation))]
    for _ in range(num_steps):
        params, loss = step(params)
        losses.append(float(loss))
    return params, np.array(losses)


def test_loss_is_the_binary_cross_entropy():
    params = sweep.init_params(jax.random.key(3), (2, 2, 1))
    x, y = jnp.asarray(sweep.XOR_X), jnp.asarray(sweep.XOR_Y)
    h = jax.nn.sigmoid(sweep.logits(params, x))
    naive = -jnp.mean(y * jnp.log(h) + (1 - y) * jnp.log(1 - h))
    assert float(sweep.loss(params, x, y)) == pytest.approx(float(naive), rel=1e-5)


def test_init_normal_is_standard_normal_for_weights_and_biases():
    keys = jax.random.split(jax.random.key(0), 4000)
    params = jax.vmap(lambda k: sweep.init_params(k, (2, 2, 1)))(keys)
    values = np.concatenate([np.ravel(a) for layer in params for a in layer])
    assert abs(values.mean()) < 0.03 and abs(values.std() - 1.0) < 0.03
    he = sweep.init_params(jax.random.key(0), (2, 8, 1), init="he_normal")
    assert np.all(np.asarray(he[0][1]) == 0.0)


def plain_loss(params, x, y, activation):
    """One network written the obvious way, with @: the reference for the sweep's layout."""
    h = x
    for w, b in params[:-1]:
        h = sweep.ACTIVATIONS[activation](h @ w + b)
    z = (h @ params[-1][0] + params[-1][1])[:, 0]
    return jnp.mean(jax.nn.softplus(z) - y * z)


@pytest.mark.parametrize("sizes, activation", [((2, 2, 1), "sigmoid"),
                                               ((2, 4, 4, 4, 1), "relu"),
                                               ((2, 3, 1), "tanh")])
def test_networks_side_by_side_give_what_vmap_of_one_network_gives(sizes, activation):
    keys = jax.random.split(jax.random.key(7), 16)
    params = jax.vmap(lambda k: sweep.init_params(k, sizes))(keys)
    x, y = jnp.asarray(sweep.XOR_X), jnp.asarray(sweep.XOR_Y)
    one_by_one = jax.vmap(jax.value_and_grad(plain_loss), in_axes=(0, None, None, None))
    losses, grads = jax.jit(one_by_one, static_argnums=3)(params, x, y, activation)
    losses_2, grads_2 = jax.jit(sweep._losses_and_grads, static_argnums=3)(
        sweep._nets_last(params), x, y, activation)
    np.testing.assert_allclose(np.asarray(losses_2), np.asarray(losses), rtol=1e-5)
    for (gw, gb), (gw2, gb2) in zip(grads, sweep._runs_first(grads_2), strict=True):
        np.testing.assert_allclose(np.asarray(gw2), np.asarray(gw), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(np.asarray(gb2), np.asarray(gb), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("sizes, activation", [(SIZES, "sigmoid"), ((2, 3, 3, 3, 1), "relu")])
def test_one_run_of_the_sweep_equals_a_plain_single_network_loop(keys, sizes, activation):
    run = sweep.train_many(keys, sizes, activation=activation, lr=0.2, num_steps=53,
                           record_every=10)
    params, losses = plain_loop(keys[3], sizes, activation, 0.2, 53)
    assert len(run.params) == len(params) and run.grad_norms.shape[-1] == len(params)
    for (w, b), (wr, br) in zip(params, run.params, strict=True):
        np.testing.assert_allclose(np.asarray(wr[3]), np.asarray(w), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(br[3]), np.asarray(b), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(run.loss[3]), losses[run.steps], rtol=1e-4,
                               atol=1e-6)
    out = jax.nn.sigmoid(sweep.logits(params, jnp.asarray(sweep.XOR_X), activation))
    np.testing.assert_allclose(np.asarray(run.outputs[3]), np.asarray(out), atol=1e-5)


def test_history_shapes_and_recorded_steps(small_run):
    np.testing.assert_array_equal(small_run.steps, [0, 10, 20, 30, 40, 50, 53])
    assert small_run.loss.shape == (8, 7)
    assert small_run.grad_norms.shape == (8, 7, 3)
    assert small_run.outputs.shape == (8, 4) and small_run.solved.shape == (8,)
    np.testing.assert_array_equal(np.asarray(small_run.final_loss),
                                  np.asarray(small_run.loss[:, -1]))


@pytest.mark.parametrize("init", sorted(sweep.INITS))
@pytest.mark.parametrize("sizes", [(2, 2, 2, 2, 1), (3, 4, 9, 8, 1)])
def test_every_run_starts_from_init_params_number_for_number(keys, sizes, init):
    """The sweep cuts small layers from draws of one size (one compilation); that must give
    init_params's numbers, for layers below and above the 64-number draw: the labs' N(0, 1)
    bit for bit, the scaled schemes to float32 rounding (XLA folds the scale into the draw
    of a compiled init_params, so the last bit may differ)."""
    side_by_side = sweep._runs_first(sweep._init_all(keys, sizes, init))
    one_by_one = jax.vmap(lambda k: sweep.init_params(k, sizes, init))(keys)
    rtol = 0 if init == "normal" else 2.5e-7  # 2 units in the last place
    for (w, b), (w1, b1) in zip(side_by_side, one_by_one, strict=True):
        np.testing.assert_allclose(np.asarray(w), np.asarray(w1), rtol=rtol, atol=0)
        np.testing.assert_array_equal(np.asarray(b), np.asarray(b1))


def test_gradient_norms_at_the_start_are_those_of_the_initial_params(keys, small_run):
    params = sweep.init_params(keys[5], SIZES)
    norms = sweep.gradient_norms(params, sweep.XOR_X, sweep.XOR_Y)
    grads = jax.grad(sweep.loss)(params, sweep.XOR_X, sweep.XOR_Y)
    assert float(norms[0]) == pytest.approx(float(jnp.linalg.norm(grads[0][0])), rel=1e-5)
    np.testing.assert_allclose(np.asarray(small_run.grad_norms[5, 0]), np.asarray(norms),
                               rtol=1e-5)


def test_solved_means_every_output_on_the_right_side_of_one_half(small_run):
    expected = np.all((np.asarray(small_run.outputs) > 0.5) == (sweep.XOR_Y > 0.5), axis=1)
    np.testing.assert_array_equal(np.asarray(small_run.solved), expected)


def test_lab_18_solves_xor_from_a_known_start_and_not_from_every_start():
    keys = jax.random.split(jax.random.key(0), 16)
    run = sweep.train_many(keys, (2, 2, 1), activation="sigmoid", lr=0.1, num_steps=20_001,
                           record_every=1000)
    solved = np.asarray(run.solved)
    assert solved[0], "lab 18 from key 0 of split(key(0), 16) solves XOR"
    assert float(run.final_loss[0]) < 0.02
    outputs = np.asarray(run.outputs[0])
    assert np.all(outputs[[1, 2]] > 0.9) and np.all(outputs[[0, 3]] < 0.1)
    assert 0 < solved.sum() < 16, "some starts fail: that is what the sweep measures"
    # a solved run's loss went down from its start
    assert np.all(np.asarray(run.loss[solved, -1]) < np.asarray(run.loss[solved, 0]))


def test_dead_units_by_hand():
    # hidden unit 0 has a negative pre-activation on all four XOR points; unit 1 does not
    w1 = jnp.array([[-1.0, 1.0], [-1.0, 1.0]])
    b1 = jnp.array([-0.5, 0.5])
    params = [(w1, b1), (jnp.ones((2, 1)), jnp.zeros(1))]
    (dead,) = sweep.dead_units(params)
    np.testing.assert_array_equal(np.asarray(dead), [True, False])
    # a batch of runs: the first axis is the run
    batch = jax.tree.map(lambda a: jnp.stack([a, -a]), params)
    (dead,) = sweep.dead_units(batch)
    assert dead.shape == (2, 2)
    np.testing.assert_array_equal(np.asarray(dead[0]), [True, False])


def test_a_dead_unit_gets_no_gradient():
    w1 = jnp.array([[-1.0, 1.0], [-1.0, 1.0]])
    params = [(w1, jnp.array([-0.5, 0.5])), (jnp.ones((2, 1)), jnp.zeros(1))]
    grads = jax.grad(sweep.loss)(params, sweep.XOR_X, sweep.XOR_Y, "relu")
    assert np.all(np.asarray(grads[0][0][:, 0]) == 0.0) and float(grads[0][1][0]) == 0.0


def test_steps_to_loss(small_run):
    steps = sweep.steps_to_loss(small_run, 10.0)
    np.testing.assert_array_equal(steps, np.zeros(8))
    assert np.all(np.isinf(sweep.steps_to_loss(small_run, 1e-9)))
    with pytest.raises(ValueError, match="threshold"):
        sweep.steps_to_loss(small_run, 0)
    with pytest.raises(TypeError, match="Sweep"):
        sweep.steps_to_loss(np.zeros((2, 3)), 0.1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activation": "softmax"}, ValueError, "unknown activation 'softmax'"),
        ({"init": "zeros"}, ValueError, "unknown init 'zeros'"),
        ({"sizes": (2,)}, ValueError, "at least an input and an output"),
        ({"sizes": (2, 0, 1)}, ValueError, "positive int"),
        ({"sizes": (2, 2, 2)}, ValueError, "one sigmoid neuron"),
        ({"sizes": "221"}, TypeError, "sequence of layer widths"),
        ({"sizes": (3, 2, 1)}, ValueError, r"x must have shape \(n, 3\)"),
        ({"y": np.array([0, 1, 1], np.float32)}, ValueError, "one target per row"),
        ({"y": np.array([0, 2, 1, 0], np.float32)}, ValueError, "0/1 targets"),
        ({"lr": 0.0}, ValueError, "lr must be a positive number"),
        ({"lr": -0.1}, ValueError, "lr must be a positive number"),
        ({"num_steps": 0}, ValueError, "num_steps must be a positive int"),
        ({"num_steps": 10.5}, ValueError, "num_steps must be a positive int"),
        ({"record_every": 0}, ValueError, "record_every must be a positive int"),
        ({"record_every": 20}, ValueError, "must not exceed num_steps"),
        ({"keys": np.arange(3)}, TypeError, "PRNG keys"),
        ({"keys": jax.random.key(0)}, TypeError, "PRNG keys"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    args = {"keys": jax.random.split(jax.random.key(0), 2), "sizes": (2, 2, 1),
            "x": sweep.XOR_X, "y": sweep.XOR_Y, "lr": 0.1, "num_steps": 10,
            "record_every": 5}
    args.update(kwargs)
    keys, sizes = args.pop("keys"), args.pop("sizes")
    with pytest.raises(error, match=match):
        sweep.train_many(keys, sizes, **args)


def test_dead_units_bad_input():
    with pytest.raises(ValueError, match="unknown activation"):
        sweep.dead_units(sweep.init_params(jax.random.key(0), SIZES), activation="elu")
    with pytest.raises(ValueError, match="at least one hidden layer"):
        sweep.dead_units(sweep.init_params(jax.random.key(0), (2, 1)))
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\)"):
        sweep.dead_units(sweep.init_params(jax.random.key(0), SIZES), np.zeros((4, 3)))


def test_initial_gradient_norms_match_one_network(keys):
    norms = sweep.initial_gradient_norms(keys, SIZES, activation="relu")
    one = sweep.gradient_norms(sweep.init_params(keys[2], SIZES), sweep.XOR_X, sweep.XOR_Y,
                               "relu")
    assert norms.shape == (8, 3)
    np.testing.assert_allclose(np.asarray(norms[2]), np.asarray(one), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown activation"):
        sweep.initial_gradient_norms(keys, SIZES, activation="gelu")


def test_several_sizes_in_one_call_give_what_one_call_per_size_gives(keys):
    sizes_list = [(2, 2, 1), (2, 3, 3, 1), (2, 4, 1)]
    together = sweep.train_many_sizes(keys, sizes_list, activation="sigmoid", lr=0.2,
                                      num_steps=53, record_every=10)
    assert len(together) == len(sizes_list)
    for sizes, run in zip(sizes_list, together, strict=True):
        alone = sweep.train_many(keys, sizes, activation="sigmoid", lr=0.2, num_steps=53,
                                 record_every=10)
        np.testing.assert_array_equal(run.steps, alone.steps)
        for (w, b), (w1, b1) in zip(run.params, alone.params, strict=True):
            assert w.shape == w1.shape == (8, *w1.shape[1:])
            np.testing.assert_allclose(np.asarray(w), np.asarray(w1), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(np.asarray(b), np.asarray(b1), rtol=1e-5, atol=1e-6)
        for field in ("loss", "grad_norms", "outputs"):
            np.testing.assert_allclose(np.asarray(getattr(run, field)),
                                       np.asarray(getattr(alone, field)), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(np.asarray(run.solved), np.asarray(alone.solved))


def test_initial_gradient_norms_of_several_sizes(keys):
    sizes_list = [SIZES, (2, 5, 1)]
    norms = sweep.initial_gradient_norms_sizes(keys, sizes_list, activation="tanh")
    for sizes, n in zip(sizes_list, norms, strict=True):
        np.testing.assert_allclose(
            np.asarray(n), np.asarray(sweep.initial_gradient_norms(keys, sizes, activation="tanh")),
            rtol=1e-6)


@pytest.mark.parametrize(("sizes_list", "error", "match"), [
    ([], TypeError, "non-empty list of layer sizes"),
    ((2, 2, 1), TypeError, "non-empty list of layer sizes"),
    ("221", TypeError, "non-empty list of layer sizes"),
    ([(2, 2, 1), (2, 2, 2)], ValueError, "one sigmoid neuron"),
])
def test_bad_size_lists_are_named(keys, sizes_list, error, match):
    with pytest.raises(error, match=match):
        sweep.train_many_sizes(keys, sizes_list, lr=0.1, num_steps=10, record_every=5)
    with pytest.raises(error, match=match):
        sweep.initial_gradient_norms_sizes(keys, sizes_list)
