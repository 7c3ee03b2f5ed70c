"""The timed training in JAX, with the chapters' own code: ``helpers.labs.run_lab`` for the
labs and ``helpers.nn.fit`` with chapter 12's schedule for the CNN. Seconds per epoch come
from the history ``fit`` returns (compilation and evaluation not timed)."""

from __future__ import annotations

from .workloads import BATCH, LABS, Lab, learning_rate


def data(n_train: int) -> dict:
    """MNIST as the chapters prepare it: the first ``n_train`` training images (flat and as
    28x28x1 images for the CNN) and the 10,000 test images as images."""
    import jax.numpy as jnp

    import helpers.nn as hnn
    from helpers import load_mnist

    mnist = load_mnist()
    x = hnn.prepare_images(mnist.x_train[:n_train])
    return {"x": x, "y": jnp.asarray(mnist.y_train[:n_train]), "x_img": x.reshape(-1, 28, 28, 1),
            "x_test_img": hnn.prepare_images(mnist.x_test).reshape(-1, 28, 28, 1),
            "y_test": jnp.asarray(mnist.y_test)}


def mlp_epochs(lab: Lab, d: dict, epochs: int, seed: int) -> list[float]:
    """Seconds per epoch of ``epochs`` epochs of the lab, as the chapters run it."""
    from helpers.labs import run_lab

    _, history = run_lab(lab.source._replace(num_epochs=epochs), seed, data=(d["x"], d["y"]))
    return history["epoch_time"]


def cnn_epochs(d: dict, epochs: int, seed: int) -> tuple[list[float], float]:
    """Chapter 12's network, trained as the chapter trains it; returns (seconds per epoch,
    test accuracy). Seed 0 is the chapter's run (keys 0 and 1)."""
    import jax

    import helpers.nn as hnn
    from helpers import cnn as hcnn

    x, y = d["x_img"], d["y"]
    lr = learning_rate(LABS["cnn"], epochs * (x.shape[0] // BATCH))
    params, history = hnn.fit(
        hcnn.init_cnn(jax.random.key(seed)), x, y, key=jax.random.key(seed + 1),
        num_epochs=epochs, batch_size=BATCH, lr=lr, predict=hcnn.fast_predict, progress=False,
    )  # fmt: skip
    accuracy = hnn.evaluate(params, d["x_test_img"], d["y_test"], predict=hcnn.fast_predict)[1]
    return history["epoch_time"], accuracy
