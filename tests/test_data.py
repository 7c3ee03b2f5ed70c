"""MNIST ships inside the helpers package: exact, verified, loaded without pickles."""

import hashlib

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
