"""MNIST ships inside the helpers package: exact, verified, loaded without pickles.

The two-class 2-D set is generated from a key: balanced, deterministic, noisy."""

import hashlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import helpers
from helpers import data

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return helpers.load_mnist()


def test_shapes_and_dtypes(mnist):
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert mnist.y_train.shape == (60000,) and mnist.y_test.shape == (10000,)
    for array in mnist:
        assert array.dtype == np.uint8


def test_official_label_counts(mnist):
    assert np.bincount(mnist.y_train, minlength=10).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.y_test, minlength=10).tolist() == TEST_COUNTS


def test_official_order_and_pixel_statistics(mnist):
    # The first training digits are 5 0 4 1 (lecture p. 45), the first test digits 7 2 1 0.
    assert mnist.y_train[:4].tolist() == [5, 0, 4, 1]
    assert mnist.y_test[:4].tolist() == [7, 2, 1, 0]
    x = mnist.x_train.astype(np.float64) / 255
    assert round(x.mean(), 4) == 0.1307
    assert round(x.std(), 4) == 0.3081
    assert mnist.x_train.max() == 255 and mnist.x_train.min() == 0


def test_checksum_matches_the_shipped_file():
    raw = data._mnist_path().read_bytes()
    assert hashlib.sha256(raw).hexdigest() == data.MNIST_SHA256


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="MNIST data file not found.*reinstall"):
        helpers.load_mnist(path=tmp_path / "nope.npz")


def test_corrupted_file_is_refused(tmp_path):
    raw = bytearray(data._mnist_path().read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad = tmp_path / "mnist.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted or not the book's copy: its SHA-256"):
        helpers.load_mnist(path=bad)


# ------------------------------------------------------------------ two_class_2d


def test_two_class_2d_shapes_dtypes_and_balance():
    x, y = data.two_class_2d(jax.random.key(0), 101)
    assert x.shape == (101, 2) and x.dtype == jnp.float32
    assert y.shape == (101,) and y.dtype == jnp.int32
    assert np.bincount(np.asarray(y)).tolist() == [50, 51]  # exactly balanced
    assert 0 < np.asarray(y)[:50].sum() < 50  # and shuffled, not sorted by class


def test_two_class_2d_is_a_function_of_the_key():
    x1, y1 = data.two_class_2d(jax.random.key(3), 50)
    x2, y2 = data.two_class_2d(jax.random.key(3), 50)
    x3, _ = data.two_class_2d(jax.random.key(4), 50)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(x1, x3)
    # The older uint32 keys work too.
    x4, _ = data.two_class_2d(jax.random.PRNGKey(3), 50)
    assert x4.shape == (50, 2)


def test_two_class_2d_classes_sit_on_their_side_of_the_boundary():
    x, y = data.two_class_2d(jax.random.key(1), 2000, noise=0.0)
    assert np.all((np.asarray(data.two_class_boundary(x)) > 0) == (np.asarray(y) == 1))
    assert np.abs(np.asarray(x)).max() <= 1.0
    # Class 0 fills the lower left (the L), class 1 the upper right.
    x, y = np.asarray(x), np.asarray(y)
    assert x[y == 1].mean(axis=0).min() > 0.2 and x[y == 0].mean(axis=0).max() < -0.1


def test_two_class_2d_noise_makes_the_classes_overlap():
    x, y = data.two_class_2d(jax.random.key(2), 4000, noise=0.25)
    agree = np.mean((np.asarray(data.two_class_boundary(x)) > 0) == (np.asarray(y) == 1))
    assert 0.8 < agree < 0.95  # the clean boundary misclassifies some noisy points
    x_less, _ = data.two_class_2d(jax.random.key(2), 4000, noise=0.1)
    assert np.asarray(x_less).std() < np.asarray(x).std()


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((0, 10), {}, TypeError, "key must be one PRNG key"),
        ((None, 10), {}, TypeError, "key must be one PRNG key"),
        (("key", 10.0), {}, TypeError, "num_points must be an int"),
        (("key", 1), {}, ValueError, "num_points must be at least 2"),
        (("key", True), {}, TypeError, "num_points must be an int"),
        (("key", 10), {"noise": -0.1}, ValueError, "noise must be a finite"),
        (("key", 10), {"noise": float("nan")}, ValueError, "noise must be a finite"),
        (("key", 10), {"noise": "0.1"}, TypeError, "noise must be a number"),
    ],
)
def test_two_class_2d_bad_input(args, kwargs, error, match):
    args = tuple(jax.random.key(0) if a == "key" else a for a in args)
    with pytest.raises(error, match=match):
        data.two_class_2d(*args, **kwargs)


def test_two_class_2d_refuses_a_batch_of_keys():
    with pytest.raises(TypeError, match="key must be one PRNG key.*shape \\(2,\\)"):
        data.two_class_2d(jax.random.split(jax.random.key(0)), 10)
