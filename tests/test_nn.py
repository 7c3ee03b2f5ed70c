"""Tests of helpers.nn (shapes, initialization statistics, training, dropout, input checks) and helpers.cnn."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import helpers.cnn as cnn
import helpers.nn as nn

KEY = jax.random.key(0)


# ----------------------------------------------------------------------------- prepare_images


def test_prepare_images_scales_and_flattens():
    x = np.array([[[0] * 28] * 28, [[255] * 28] * 28], dtype=np.uint8)
    x[0, 3, 5] = 51
    out = nn.prepare_images(x)
    assert out.shape == (2, 784) and out.dtype == jnp.float32
    assert float(out[0, 3 * 28 + 5]) == pytest.approx(0.2)
    assert float(out.min()) == 0.0 and float(out.max()) == 1.0
    np.testing.assert_array_equal(nn.prepare_images(x.reshape(2, 784)), out)


@pytest.mark.parametrize(
    "x, error, match",
    [
        (np.zeros((2, 28, 28), np.float32), TypeError, "uint8"),
        (np.zeros((2, 28, 27), np.uint8), ValueError, r"\(n, 28, 28\) or \(n, 784\)"),
        (np.zeros((784,), np.uint8), ValueError, "shape"),
        ([[1, 2]], TypeError, "uint8 array"),
    ],
)
def test_prepare_images_rejects_bad_input(x, error, match):
    with pytest.raises(error, match=match):
        nn.prepare_images(x)


# ----------------------------------------------------------------------------- init_mlp


def test_init_shapes_and_dtypes():
    params = nn.init_mlp(KEY, [784, 256, 256, 10])
    assert [(w.shape, b.shape) for w, b in params] == [
        ((784, 256), (256,)),
        ((256, 256), (256,)),
        ((256, 10), (10,)),
    ]
    assert all(w.dtype == jnp.float32 and b.dtype == jnp.float32 for w, b in params)
    assert all(float(jnp.abs(b).max()) == 0.0 for _, b in params)
    # Different layers get different random numbers; the same key gives the same params.
    again = nn.init_mlp(KEY, [784, 256, 256, 10])
    np.testing.assert_array_equal(params[1][0], again[1][0])
    assert not np.allclose(params[1][0][:10, :10], params[2][0][:10, :10])


@pytest.mark.parametrize(
    "weights, variance",
    [
        ("normal", lambda i, o: 1.0),
        ("xavier_uniform", lambda i, o: 2.0 / (i + o)),
        ("xavier_normal", lambda i, o: 2.0 / (i + o)),
        ("he_normal", lambda i, o: 2.0 / i),
        ("he_uniform", lambda i, o: 2.0 / i),
    ],
)
def test_init_weight_variance(weights, variance):
    fan_in, fan_out = 400, 300
    ((w, b),) = nn.init_mlp(KEY, [fan_in, fan_out], weights=weights)
    expected = variance(fan_in, fan_out)
    # 120,000 samples: the relative standard error of the sample variance is
    # sqrt(2/n) ~ 0.4 % for a normal (less for a uniform); allow 2 %.
    assert float(jnp.var(w)) == pytest.approx(expected, rel=0.02)
    assert abs(float(jnp.mean(w))) < 4 * np.sqrt(expected / w.size)
    if weights.endswith("uniform"):
        limit = np.sqrt(3 * expected)
        assert float(jnp.abs(w).max()) <= limit
        assert float(jnp.abs(w).max()) > 0.99 * limit


def test_init_normal_biases():
    ((_, b),) = nn.init_mlp(KEY, [3, 20_000], biases="normal")
    assert float(jnp.var(b)) == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"weights": "glorot"},
            ValueError,
            r"unknown weight initialization 'glorot'.*xavier_uniform",
        ),
        ({"biases": "ones"}, ValueError, r"unknown bias initialization 'ones'.*zeros, normal"),
        ({"sizes": [784]}, ValueError, "at least 2"),
        ({"sizes": [784, 0, 10]}, ValueError, "positive int"),
        ({"sizes": [784, 2.5, 10]}, ValueError, "positive int"),
        ({"sizes": 784}, TypeError, "sequence"),
    ],
)
def test_init_rejects_bad_arguments(kwargs, error, match):
    kwargs = {"sizes": [784, 10], **kwargs}
    with pytest.raises(error, match=match):
        nn.init_mlp(KEY, kwargs.pop("sizes"), **kwargs)


# ----------------------------------------------------------------------------- forward, loss


def test_forward_matches_a_hand_written_mlp():
    params = nn.init_mlp(KEY, [5, 4, 3], biases="normal")
    x = jax.random.normal(jax.random.key(1), (7, 5))
    (w1, b1), (w2, b2) = params
    for name, f in [("relu", jax.nn.relu), ("sigmoid", jax.nn.sigmoid), ("tanh", jnp.tanh)]:
        expected = f(x @ w1 + b1) @ w2 + b2
        np.testing.assert_allclose(nn.forward(params, x, activation=name), expected, rtol=1e-5)
    np.testing.assert_allclose(
        nn.forward(params, x, activation="identity"), (x @ w1 + b1) @ w2 + b2, rtol=1e-5
    )
    assert nn.forward(nn.init_mlp(KEY, [5, 3]), x).shape == (7, 3)


def test_cross_entropy_and_accuracy():
    logits = jnp.array([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 5.0, 1.0]])
    labels = jnp.array([0, 2, 2])
    logp = jax.nn.log_softmax(logits)
    expected = -(logp[0, 0] + logp[1, 2] + logp[2, 2]) / 3
    assert float(nn.cross_entropy(logits, labels)) == pytest.approx(float(expected), rel=1e-6)
    assert float(nn.cross_entropy(jnp.zeros((4, 10)), jnp.arange(4))) == pytest.approx(np.log(10))
    # argmax of row 1 is 0 (ties go to the first), so only row 0 is right.
    assert float(nn.accuracy(logits, labels)) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        nn.cross_entropy(logits, jnp.array([0, 1]))
    with pytest.raises(TypeError, match="integer class indices"):
        nn.accuracy(logits, jnp.array([0.0, 1.0, 2.0]))


# ----------------------------------------------------------------------------- dropout


def _identity_net(width):
    """A 1-hidden-layer net whose hidden layer copies its input and whose output sums it."""
    return [(jnp.eye(width), jnp.zeros(width)), (jnp.ones((width, 1)), jnp.zeros(1))]


def test_threefry_matches_jax_and_the_reference_vectors():
    import jax.extend.random as jex_random

    seed = jax.random.bits(KEY, (2,), jnp.uint32)
    c0 = jnp.arange(1001, dtype=jnp.uint32)
    c1 = c0 * jnp.uint32(7) + jnp.uint32(3)
    ours = jnp.concatenate(nn.threefry2x32(seed[0], seed[1], c0, c1))
    np.testing.assert_array_equal(ours, jex_random.threefry_2x32(seed, jnp.concatenate([c0, c1])))
    # Known-answer tests of Threefry-2x32-20 from the Random123 distribution.
    u32 = partial(jnp.asarray, dtype=jnp.uint32)
    for key, counter, expected in [
        ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
        ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
    ]:
        out = nn.threefry2x32(*map(u32, key), *map(u32, counter))
        assert [int(v) for v in out] == list(expected)


def test_dropout_rate_zero_is_identity():
    params = nn.init_mlp(KEY, [6, 8, 8, 3])
    x = jax.random.uniform(jax.random.key(2), (5, 6))
    plain = nn.forward(params, x)
    np.testing.assert_array_equal(nn.forward(params, x, dropout_rate=0.0, key=KEY), plain)


def test_dropout_preserves_expectation_and_drops_the_right_fraction():
    width, rate = 1000, 0.3
    params = _identity_net(width)
    x = jnp.ones((50, width))
    # The hidden activations themselves: each is 0 or 1 / (1 - rate).
    hidden = nn.forward(
        params[:1] + [(jnp.eye(width), jnp.zeros(width))],
        x,
        activation="identity",
        dropout_rate=rate,
        key=KEY,
    )
    values = np.unique(np.round(np.asarray(hidden), 5))
    np.testing.assert_allclose(values, [0.0, round(1 / (1 - rate), 5)])
    # 50,000 Bernoulli draws: the dropped fraction is within ~4 standard errors of 0.3.
    assert float(jnp.mean(hidden == 0)) == pytest.approx(rate, abs=4 * np.sqrt(0.21 / 50_000))
    # The output sums 1000 hidden units: its expectation is still 1000 (inverted dropout).
    out = nn.forward(params, x, activation="identity", dropout_rate=rate, key=KEY)
    assert float(out.mean()) == pytest.approx(width, rel=0.01)
    # Different keys give different masks; the same key the same mask.
    other = nn.forward(params, x, activation="identity", dropout_rate=rate, key=jax.random.key(9))
    assert not np.array_equal(out, other)
    np.testing.assert_array_equal(
        out, nn.forward(params, x, activation="identity", dropout_rate=rate, key=KEY)
    )


def test_dropout_leaves_inputs_and_logits_alone():
    # Without hidden layers there is nothing to drop.
    params = nn.init_mlp(KEY, [6, 3])
    x = jnp.ones((4, 6))
    np.testing.assert_array_equal(
        nn.forward(params, x, dropout_rate=0.5, key=KEY), nn.forward(params, x)
    )


def test_dropout_needs_a_key_and_a_valid_rate():
    params = nn.init_mlp(KEY, [6, 8, 3])
    x = jnp.ones((4, 6))
    with pytest.raises(ValueError, match="needs a PRNG key"):
        nn.forward(params, x, dropout_rate=0.5)
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"dropout_rate must be in \[0, 1\)"):
            nn.forward(params, x, dropout_rate=bad, key=KEY)
    with pytest.raises(TypeError, match="dropout_rate must be a number"):
        nn.forward(params, x, dropout_rate="0.5", key=KEY)


# ----------------------------------------------------------------------------- bad input


def test_forward_rejects_bad_input():
    params = nn.init_mlp(KEY, [784, 16, 10])
    with pytest.raises(ValueError, match=r"shape \(n, 784\).*prepare_images"):
        nn.forward(params, jnp.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match=r"shape \(n, 784\)"):
        nn.forward(params, jnp.zeros((2, 100)))
    with pytest.raises(TypeError, match="prepare_images"):
        nn.forward(params, np.zeros((2, 784), np.uint8))
    with pytest.raises(ValueError, match=r"unknown activation 'softplus'.*relu, sigmoid, tanh"):
        nn.forward(params, jnp.zeros((2, 784)), activation="softplus")
    with pytest.raises(
        ValueError, match="params.1. has fan_in 784 but the layer before it outputs 16"
    ):
        nn.forward([params[0], params[0]], jnp.zeros((2, 784)))
    with pytest.raises(TypeError, match=r"list of \(W, b\) tuples"):
        nn.forward([], jnp.zeros((2, 784)))


# ----------------------------------------------------------------------------- adam


def test_adam_matches_optax_adam():
    params = nn.init_mlp(KEY, [6, 5, 3])
    ours, theirs = nn.adam(1e-2), optax.adam(1e-2)

    @jax.jit
    def step(i, state):
        p1, s1, p2, s2 = state
        # Gradients of varying size and sign, including exact zeros every third step.
        g = jax.tree.map(lambda a: jnp.sin(a * (i + 1)) * (i % 3), p1)
        u1, s1 = ours.update(g, s1, p1)
        u2, s2 = theirs.update(g, s2, p2)
        return optax.apply_updates(p1, u1), s1, optax.apply_updates(p2, u2), s2

    state = (params, ours.init(params), params, theirs.init(params))
    p1, _, p2, _ = jax.lax.fori_loop(0, 50, step, state)
    for a, b in zip(jax.tree.leaves(p1), jax.tree.leaves(p2), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(p1[0][0], params[0][0])  # it did move


# ----------------------------------------------------------------------------- fit, evaluate


def _toy_problem(n=256, d=8, k=3, seed=0):
    """Gaussian blobs around k well separated centres: easily learned."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 3
    y = rng.integers(0, k, size=n).astype(np.int32)
    x = (centres[y] + rng.normal(size=(n, d)) * 0.3).astype(np.float32)
    return jnp.asarray(x), jnp.asarray(y)


def test_fit_trains_a_tiny_problem_to_near_zero_loss():
    x, y = _toy_problem()
    params = nn.init_mlp(KEY, [8, 16, 3])
    before = nn.evaluate(params, x, y)
    params, history = nn.fit(
        params,
        x,
        y,
        key=jax.random.key(1),
        num_epochs=30,
        batch_size=32,
        lr=1e-2,
        eval_data=(x, y),
        progress=False,
    )
    assert set(history) == {"train_loss", "eval_loss", "eval_accuracy", "epoch_time"}
    assert all(len(v) == 30 for v in history.values())
    assert history["train_loss"][-1] < 0.01 < before[0]
    loss, acc = nn.evaluate(params, x, y, batch_size=100)  # 100, 100, 56: batching is exact
    assert loss == pytest.approx(history["eval_loss"][-1], rel=1e-4)
    assert loss < 0.01 and acc == 1.0
    assert loss == pytest.approx(float(nn.cross_entropy(nn.forward(params, x), y)), rel=1e-4)
    assert all(t > 0 for t in history["epoch_time"])


def test_fit_with_dropout_a_custom_optimizer_and_no_eval_data():
    x, y = _toy_problem(seed=1)
    params = nn.init_mlp(KEY, [8, 32, 32, 3], weights="he_normal")
    kwargs = {"key": jax.random.key(1), "num_epochs": 15, "batch_size": 50,
              "optimizer": optax.sgd(0.1), "dropout_rate": 0.2, "progress": False}  # fmt: skip
    trained, history = nn.fit(params, x, y, **kwargs)
    assert set(history) == {"train_loss", "epoch_time"}
    assert history["train_loss"][-1] < 0.25 * history["train_loss"][0]
    assert nn.evaluate(trained, x, y)[1] > 0.95
    # The caller's parameters are not modified (fit copies before donating buffers).
    assert np.isfinite(np.asarray(params[0][0])).all()
    assert not np.array_equal(params[0][0], trained[0][0])
    # Same key, same result: training is reproducible (and reuses the compiled epoch).
    again, _ = nn.fit(params, x, y, **kwargs)
    np.testing.assert_array_equal(again[0][0], trained[0][0])
    # A different key shuffles and drops differently.
    other, _ = nn.fit(params, x, y, **{**kwargs, "key": jax.random.key(2)})
    assert not np.array_equal(other[0][0], trained[0][0])


def test_fit_and_evaluate_reject_bad_input():
    x, y = _toy_problem(n=64)
    params = nn.init_mlp(KEY, [8, 4, 3])
    fit_kwargs = {"key": KEY, "num_epochs": 1, "batch_size": 32, "progress": False}
    cases = [
        ((params, x[:, :5], y), {}, ValueError, r"x_train must have shape \(n, 8\)"),
        ((params, x, y[:10]), {}, ValueError, "64 examples but y_train has 10 labels"),
        ((params, x, y + 1), {}, ValueError, r"class indices in \[0, 2\].*from 1 to 3"),
        ((params, x, y.astype(jnp.float32)), {}, TypeError, "integer class labels"),
        ((params, x, y), {"num_epochs": 0}, ValueError, "num_epochs must be an int >= 1"),
        ((params, x, y), {"batch_size": 65}, ValueError, "larger than the 64 training"),
        ((params, x, y), {"activation": "gelu"}, ValueError, "unknown activation 'gelu'"),
        ((params, x, y), {"dropout_rate": 1.0}, ValueError, r"in \[0, 1\)"),
        ((params, x, y), {"eval_data": (x, y[:3])}, ValueError, "eval_data"),
    ]
    for args, kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            nn.fit(*args, **{**fit_kwargs, **kwargs})
    with pytest.raises(ValueError, match="batch_size must be an int >= 1"):
        nn.evaluate(params, x, y, batch_size=0)
    with pytest.raises(ValueError, match=r"y must be class indices in \[0, 2\]"):
        nn.evaluate(params, x, y - 1)


# ----------------------------------------------------------------------------- count_params


def test_count_params():
    assert nn.count_params(nn.init_mlp(KEY, [784, 10])) == 7_850
    assert nn.count_params(nn.init_mlp(KEY, [784, 256, 256, 10])) == 269_322
    assert nn.count_params(nn.init_mlp(KEY, [25, 16, 16, 9, 9])) == 881 + 50   # p. 62
    assert nn.count_params({"a": np.zeros((2, 3)), "b": [jnp.ones(4)]}) == 10
    assert nn.count_params([]) == 0
    with pytest.raises(TypeError, match="pytree of arrays.*str"):
        nn.count_params([(np.zeros(3), "b")])
    with pytest.raises(TypeError, match="pytree of arrays.*int"):
        nn.count_params([3])


# ----------------------------------------------------------------------------- early stopping

_ES = {"key": jax.random.key(3), "batch_size": 32, "lr": 1e-2, "progress": False}


def test_early_stopping_stops_and_restores_the_best_parameters():
    x, y = _toy_problem(seed=2)
    # Validation labels that have nothing to do with x: the better the fit to the training
    # labels, the worse the validation loss, so it must stop early.
    y_val = jnp.roll(y, 1)
    params = nn.init_mlp(KEY, [8, 16, 3])
    best, history = nn.fit(params, x, y, num_epochs=40, val_data=(x, y_val), patience=3, **_ES)
    stopped, best_epoch = history["stopped_epoch"], history["best_epoch"]
    assert 1 <= best_epoch < stopped < 40
    assert stopped == best_epoch + 3
    assert len(history["val_loss"]) == len(history["train_loss"]) == stopped
    assert len(history["val_accuracy"]) == stopped
    assert best_epoch == 1 + int(np.argmin(history["val_loss"]))
    # The returned parameters are those of the best epoch, not of the last one.
    loss, acc = nn.evaluate(best, x, y_val)
    assert loss == pytest.approx(history["val_loss"][best_epoch - 1], rel=1e-5)
    assert acc == pytest.approx(history["val_accuracy"][best_epoch - 1])
    assert loss < history["val_loss"][-1] - 1e-3
    # ... and equal to training best_epoch epochs without early stopping (same key).
    plain, plain_history = nn.fit(params, x, y, num_epochs=best_epoch, val_data=(x, y_val), **_ES)
    assert "best_epoch" not in plain_history
    assert plain_history["val_loss"] == history["val_loss"][:best_epoch]
    for a, b in zip(jax.tree.leaves(plain), jax.tree.leaves(best), strict=True):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_does_not_stop_while_the_validation_loss_falls():
    x, y = _toy_problem(seed=4)
    x_val, y_val = _toy_problem(n=128, seed=4)   # the same blobs: learnable
    params = nn.init_mlp(KEY, [8, 16, 3])
    kwargs = {**_ES, "lr": 1e-3, "num_epochs": 8, "val_data": (x_val, y_val)}
    trained, history = nn.fit(params, x, y, patience=2, **kwargs)
    assert np.all(np.diff(history["val_loss"]) < 0)
    assert history["stopped_epoch"] == history["best_epoch"] == 8
    last, _ = nn.fit(params, x, y, **kwargs)
    for a, b in zip(jax.tree.leaves(last), jax.tree.leaves(trained), strict=True):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_rejects_bad_input():
    x, y = _toy_problem(n=64)
    params = nn.init_mlp(KEY, [8, 4, 3])
    kwargs = {**_ES, "num_epochs": 2}
    cases = [
        ({"patience": 2}, ValueError, "patience.*needs val_data"),
        ({"patience": 0, "val_data": (x, y)}, ValueError, "patience must be an int >= 1"),
        ({"patience": True, "val_data": (x, y)}, ValueError, "patience must be an int"),
        ({"patience": 1.5, "val_data": (x, y)}, ValueError, "patience must be an int"),
        ({"val_data": x}, TypeError, r"val_data must be a pair \(x, y\)"),
        ({"val_data": (x[:, :3], y)}, ValueError, r"val_data\[0\] must have shape \(n, 8\)"),
        ({"val_data": (x, y + 5)}, ValueError, r"val_data\[1\] must be class indices"),
    ]
    for extra, error, match in cases:
        with pytest.raises(error, match=match):
            nn.fit(params, x, y, **{**kwargs, **extra})


# ----------------------------------------------------------------------------- fit: the MLP path


def _fit_before_predict(params, x, y, *, key, num_epochs, batch_size, optimizer, activation,
                        dropout_rate):
    """``nn.fit``'s training loop as it was before ``predict=`` came (a copy, without the
    checks, evaluation and early stopping), to prove that the MLP path did not change."""
    act = nn.ACTIVATIONS[activation]
    num_batches = len(y) // batch_size

    def loss_fn(params, xb, yb, key):
        return jnp.mean(nn._losses(nn._forward(params, xb, act, dropout_rate, key), yb))

    @jax.jit
    def epoch(params, opt_state, x, y, key):
        def step(carry, batch):
            params, opt_state = carry
            idx, k = batch
            loss, grads = jax.value_and_grad(loss_fn)(params, x[idx], y[idx], k)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), loss

        k_perm, k_drop = jax.random.split(key)
        order = jax.random.permutation(k_perm, x.shape[0])[: num_batches * batch_size]
        batches = (order.reshape(num_batches, batch_size), jax.random.split(k_drop, num_batches))
        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), batches, unroll=2)
        return params, opt_state, jnp.mean(losses)

    params = [(jnp.array(w, jnp.float32), jnp.array(b, jnp.float32)) for w, b in params]
    opt_state, losses = optimizer.init(params), []
    for _ in range(num_epochs):
        key, sub = jax.random.split(key)
        params, opt_state, loss = epoch(params, opt_state, x, y, sub)
        losses.append(float(loss))
    return params, losses


@pytest.mark.parametrize(
    "settings",
    [
        {"optimizer": nn.adam(1e-2), "activation": "relu", "dropout_rate": 0.0},
        {"optimizer": optax.sgd(0.1), "activation": "tanh", "dropout_rate": 0.25},
    ],
    ids=["adam", "sgd-dropout"],
)
def test_fit_trains_the_mlp_exactly_as_before(settings):
    x, y = _toy_problem(n=200, seed=5)
    params = nn.init_mlp(KEY, [8, 16, 16, 3], weights="he_normal")
    kwargs = {"key": jax.random.key(4), "num_epochs": 3, "batch_size": 32, **settings}
    expected, expected_losses = _fit_before_predict(params, x, y, **kwargs)
    trained, history = nn.fit(params, x, y, progress=False, **kwargs)
    assert history["train_loss"] == expected_losses  # bit for bit
    for a, b in zip(jax.tree.leaves(trained), jax.tree.leaves(expected), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [type(layer) for layer in trained] == [tuple] * 3


# ----------------------------------------------------------------------------- fit(predict=...)


def _toy_images(n=96, seed=0):
    """28x28 images with a bright 7x7 square in one of 4 quadrants; the label is the quadrant."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, size=n).astype(np.int32)
    x = rng.uniform(0, 0.3, size=(n, 28, 28, 1)).astype(np.float32)
    for i, label in enumerate(y):
        r, c = 14 * (label // 2) + rng.integers(0, 7), 14 * (label % 2) + rng.integers(0, 7)
        x[i, r:r + 7, c:c + 7, 0] = 1.0
    return jnp.asarray(x), jnp.asarray(y)


def test_fit_trains_a_conv_net_given_predict():
    x, y = _toy_images()
    x_val, y_val = _toy_images(n=48, seed=1)
    params = cnn.init_cnn(KEY, channels=(2, 4), hidden=8)
    before = nn.evaluate(params, x_val, y_val, predict=cnn.predict)
    kwargs = {"key": jax.random.key(1), "batch_size": 16, "lr": 1e-2, "predict": cnn.predict,
              "eval_data": (x_val, y_val), "progress": False}  # fmt: skip
    trained, history = nn.fit(params, x, y, num_epochs=6, **kwargs)
    assert set(history) == {"train_loss", "eval_loss", "eval_accuracy", "epoch_time"}
    assert all(len(v) == 6 for v in history.values())
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    loss, acc = nn.evaluate(trained, x_val, y_val, predict=cnn.predict, batch_size=20)
    assert loss == pytest.approx(history["eval_loss"][-1], rel=1e-4)
    assert acc == history["eval_accuracy"][-1] and acc > before[1] and acc >= 0.9
    assert jax.tree.structure(trained) == jax.tree.structure(params)
    # Early stopping works for any model: the best epoch's parameters come back.
    best, es = nn.fit(params, x, y, num_epochs=6, val_data=(x_val, y_val), patience=1, **kwargs)
    assert len(es["val_loss"]) == es["stopped_epoch"] and 1 <= es["best_epoch"] <= 6
    loss, _ = nn.evaluate(best, x_val, y_val, predict=cnn.predict)
    assert loss == pytest.approx(min(es["val_loss"]), rel=1e-5)


def test_fit_with_predict_rejects_bad_input():
    x, y = _toy_images(n=32)
    params = cnn.init_cnn(KEY, channels=(2, 4), hidden=8)
    kwargs = {"key": KEY, "num_epochs": 1, "batch_size": 16, "progress": False}

    def flat(p, x):  # logits of the wrong rank
        return jnp.sum(cnn.predict(p, x), axis=1)

    cases = [
        ({"predict": "cnn"}, TypeError, "predict must be a function"),
        ({"predict": cnn.predict, "dropout_rate": 0.5}, ValueError, "dropout_rate > 0 needs the MLP"),
        ({"predict": flat}, ValueError, r"float logits of shape \(n, n_classes\).*\(1,\)"),
        ({"predict": lambda p, x: x @ p[0][0]}, ValueError,
         r"predict\(params, x\) fails on x_train of shape \(32, 28, 28, 1\)"),
        ({"predict": cnn.predict, "eval_data": (x[:, :14], y)}, ValueError,
         r"fails on eval_data\[0\] of shape \(32, 14, 28, 1\)"),
        ({"predict": cnn.predict, "val_data": (x, y + 10), "patience": 1}, ValueError,
         r"val_data\[1\] must be class indices in \[0, 9\]"),
    ]  # fmt: skip
    for extra, error, match in cases:
        with pytest.raises(error, match=match):
            nn.fit(params, x, y, **{**kwargs, **extra})
    with pytest.raises(TypeError, match="divide uint8 pixels by 255"):
        nn.fit(params, np.zeros((32, 28, 28, 1), np.uint8), y, predict=cnn.predict, **kwargs)
    with pytest.raises(TypeError, match="pytree of float arrays.*int"):
        nn.fit([(1, 2)], x, y, predict=cnn.predict, **kwargs)
    with pytest.raises(ValueError, match="32 examples but y_train has 5 labels"):
        nn.fit(params, x, y[:5], predict=cnn.predict, **kwargs)
    # Without predict, images are still rejected with the MLP's message.
    with pytest.raises(ValueError, match=r"x_train must have shape \(n, 784\)"):
        nn.fit(nn.init_mlp(KEY, [784, 10]), x, y, **kwargs)


# ----------------------------------------------------------------------------- helpers.cnn


def test_cnn_conv_and_its_gradients_equal_jax():
    rng = np.random.default_rng(0)
    for c_in, c_out, side in [(1, 4, 12), (3, 5, 7)]:
        x, w, g = (jnp.asarray(rng.normal(size=shape), jnp.float32) for shape in
                   [(2, side, side, c_in), (3, 3, c_in, c_out), (2, side, side, c_out)])
        plain = partial(jax.lax.conv_general_dilated, window_strides=(1, 1), padding="SAME",
                        dimension_numbers=("NHWC", "HWIO", "NHWC"))
        ours, theirs = (jax.jit(lambda x, w, g, f=f: (f(x, w), *jax.vjp(f, x, w)[1](g)))(x, w, g)
                        for f in (cnn.conv, plain))  # value, input gradient, kernel gradient
        for a, b in zip(ours, theirs, strict=True):  # the same sums, in another order
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_cnn_fast_predict_equals_predict_in_value_and_gradient():
    """fast_predict is speed-only: the logits and every parameter gradient of predict, on
    MNIST-like images whose blank background makes ties in the pooling windows (JAX splits
    a tie's gradient equally; _max_of_4 must too), for the default and a narrow network."""
    rng = np.random.default_rng(1)
    images = rng.uniform(size=(6, 28, 28, 1)) * (rng.uniform(size=(6, 28, 28, 1)) < 0.3)
    images = jnp.asarray(images, jnp.float32)
    labels = jnp.arange(6) % 10
    for params in (cnn.init_cnn(KEY), cnn.init_cnn(jax.random.key(3), (2, 4), 8)):
        def loss(p, f):
            return optax.softmax_cross_entropy_with_integer_labels(f(p, images), labels).mean()
        (plain, g_plain), (fast, g_fast) = (
            jax.jit(lambda p, f=f: (f(p, images), jax.grad(loss)(p, f)))(params)
            for f in (cnn.predict, cnn.fast_predict))
        np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5)
        for a, b in zip(jax.tree.leaves(g_fast), jax.tree.leaves(g_plain), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    conv1_out = cnn.conv(images, params[0][0])  # ties are there to be split
    assert (conv1_out.reshape(6, 14, 2, 14, 2, 2) == 0).all(axis=(2, 4)).any()


def test_cnn_max_of_4_splits_the_gradient_of_ties_like_jax():
    x = jnp.array([[[1.0, 3.0], [3.0, 0.0], [2.0, 3.0], [0.0, -1.0]]])   # (1, 4, 2): axis 1 pooled
    weights = jnp.array([[10.0, 100.0]])
    ours = jax.grad(lambda v: (cnn._max_of_4(v) * weights).sum())(x)
    theirs = jax.grad(lambda v: (v.max(axis=1) * weights).sum())(x)
    np.testing.assert_allclose(ours, theirs)
    np.testing.assert_allclose(ours[0, :, 0], [0.0, 10.0, 0.0, 0.0])   # one largest entry
    np.testing.assert_allclose(ours[0, :, 1], [50.0, 0.0, 50.0, 0.0])  # a tie: half each


def test_compiler_options_only_those_this_jaxlib_knows():
    from helpers._fast import compiler_options

    def model(params, x):
        return x

    assert compiler_options(model) == {}                     # a model without options
    model.xla_cpu_options = {"xla_cpu_no_such_option": True}
    assert compiler_options(model) == {}                     # XLA rejects the name: none
    wanted = cnn.fast_predict.xla_cpu_options
    if jax.default_backend() != "cpu":
        assert compiler_options(cnn.fast_predict) == {}      # CPU options stay on the CPU
    elif jax.__version_info__ >= (0, 10):                    # the pinned jaxlib knows them
        assert compiler_options(cnn.fast_predict) == wanted


def test_cnn_fast_predict_rejects_odd_images():
    with pytest.raises(ValueError, match="even height and width"):
        cnn.fast_predict(cnn.init_cnn(KEY), jnp.zeros((2, 27, 27, 1)))


def test_cnn_shapes_and_parameter_count():
    params = cnn.init_cnn(KEY)
    assert [w.shape for w, _ in params] == [(3, 3, 1, 16), (3, 3, 16, 32), (1568, 128), (128, 10)]
    assert nn.count_params(params) == cnn.num_params() == 206_922
    assert cnn.num_params((8, 16), 128) == 80 + 1_168 + 100_480 + 1_290 == 103_018
    assert cnn.num_params((2, 4), 8) == nn.count_params(cnn.init_cnn(KEY, (2, 4), 8))
    assert jax.jit(cnn.predict)(params, jnp.zeros((3, 28, 28, 1))).shape == (3, 10)
    x = jnp.arange(16.0).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(cnn.max_pool(x)[0, :, :, 0], [[5.0, 7.0], [13.0, 15.0]])
