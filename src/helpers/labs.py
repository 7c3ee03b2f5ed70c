"""The lecture's MNIST labs 21–25, with the settings of the author's scripts, in one place.

Each :class:`Lab` holds what the script ``github.com/yungbyun/myml/<script>`` sets
(layer sizes, how weights and biases are drawn, dropout, epochs, batch 100, Adam 0.001),
the recognition rate the slide states, and the accuracies the script's own log records.
Chapters 8, 9 and 11 train them with :func:`run_lab`::

    from helpers.labs import LABS, run_lab
    params, history = run_lab(LABS["22"], seed=0, data=(x_train, y_train),
                              eval_data=(x_test, y_test))

Where a slide and a script disagree, both numbers are here: the slides give lab 23
97.23 % and lab 24 97.83 %, while ``23_mnist_nn_xavier.py`` (15 epochs) logs 0.9783 and
``24_mnist_nn_deep.py``, run with ``training_epochs = 3 #15``, logs 0.9724: the two
figures look swapped, and lab 24's came from 3 epochs. So lab 24 appears twice, with the
15 epochs its script meant (``"24"``) and with the 3 it ran (``"24 (3 epochs)"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import numpy as np
import optax

from . import nn

__all__ = ["INIT_NAMES", "LABS", "RECIPES", "RECORD_VAL_IMAGES", "SEEDS", "Lab",
           "final_accuracy", "recorded", "recorded_runs", "run_lab", "settings", "table"]

#: How the book writes the initialization schemes of :func:`helpers.nn.init_mlp`.
INIT_NAMES = {"normal": "N(0, 1)", "xavier_uniform": "Xavier", "xavier_normal": "Xavier",
              "he_normal": "He", "he_uniform": "He", "zeros": "0"}


class Lab(NamedTuple):
    """One lab: the script's settings, the slide's figure and the script log's figures."""

    name: str                       # "lab 22"
    script: str                     # the author's file in github.com/yungbyun/myml
    page: int                       # the lecture page with the slide's figure
    sizes: tuple[int, ...]          # layer sizes, input first
    weights: str                    # how helpers.nn.init_mlp draws W
    biases: str                     # ... and b
    num_epochs: int
    lecture: float                  # the recognition rate on the slide, in %
    logs: tuple[float, ...] = ()    # the accuracies in the script's log, in %
    dropout_rate: float = 0.0       # 1 - keep_prob, after every hidden ReLU while training
    batch_size: int = 100
    lr: float = 1e-3                # Adam's learning rate
    schedule: str = "constant"      # or "cosine": lr decays to 0 along a cosine over the run

    @property
    def network(self) -> str:
        """The layer sizes as the book writes them: ``"784-256-256-10"``."""
        return "-".join(map(str, self.sizes))

    @property
    def num_params(self) -> int:
        """Weights and biases: fan_in · fan_out + fan_out per layer."""
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:], strict=True))


_DEEP = (784, 512, 512, 512, 512, 10)
#: The labs by number, as strings: ``LABS["21"]`` … ``LABS["25"]`` and ``LABS["24 (3 epochs)"]``.
LABS: dict[str, Lab] = {
    "21": Lab("lab 21", "21_mnist_softmax_placeholder.py", 46, (784, 10), "normal", "normal",
              15, 90.23),
    "22": Lab("lab 22", "22_mnist_nn.py", 49, (784, 256, 256, 10), "normal", "normal", 15,
              94.55, logs=(94.55,)),
    "23": Lab("lab 23", "23_mnist_nn_xavier.py", 50, (784, 256, 256, 10), "xavier_uniform",
              "normal", 15, 97.23, logs=(97.83,)),
    "24": Lab("lab 24", "24_mnist_nn_deep.py", 51, _DEEP, "xavier_uniform", "normal", 15,
              97.83),
    "24 (3 epochs)": Lab("lab 24 (3 epochs)", "24_mnist_nn_deep.py", 51, _DEEP,
                         "xavier_uniform", "normal", 3, 97.83, logs=(97.24,)),
    "25": Lab("lab 25", "25_mnist_nn_dropout.py", 57, _DEEP, "xavier_uniform", "normal", 15,
              98.13, logs=(98.04, 98.13), dropout_rate=0.3),
}


#: Chapter 9's recipe, not the lecture's: lab 23's network with He weights and zero biases,
#: 10 epochs, with Adam's constant learning rate and with a cosine schedule.
RECIPES: dict[str, Lab] = {
    "He": LABS["23"]._replace(name="He, b = 0", weights="he_normal", biases="zeros",
                              num_epochs=10, logs=()),
}
RECIPES["He, cosine"] = RECIPES["He"]._replace(name="He, b = 0, cosine", schedule="cosine")

#: The seeds every MNIST run of the book uses.
SEEDS = (0, 1, 2)


def run_lab(lab: Lab, seed: int, data: tuple[Any, Any], *,
            eval_data: tuple[Any, Any] | None = None, val_data: tuple[Any, Any] | None = None,
            patience: int | None = None, optimizer=None, progress: bool = False):
    """Train ``lab`` from ``seed`` on ``data = (x_train, y_train)``; return (params, history).

    The seed fixes both the initial parameters and the order of the mini-batches
    (``key(seed)`` is split into an init key and a training key). The history is
    :func:`helpers.nn.fit`'s; with ``eval_data=(x_test, y_test)`` it holds the test
    accuracy after every epoch. ``optimizer`` replaces the script's Adam(``lab.lr``);
    for other settings, change the lab: ``run_lab(lab._replace(num_epochs=3), ...)``.
    """
    if not isinstance(lab, Lab):
        raise TypeError(f"lab must be a Lab, such as LABS['22'], got {type(lab).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError("data must be the pair (x_train, y_train)")
    if lab.schedule not in ("constant", "cosine"):
        raise ValueError(f"{lab.name}: schedule must be 'constant' or 'cosine', got {lab.schedule!r}")
    lr = lab.lr
    if lab.schedule == "cosine":
        steps = lab.num_epochs * (len(data[1]) // lab.batch_size)
        lr = optax.cosine_decay_schedule(init_value=lab.lr, decay_steps=steps)
    k_init, k_fit = jax.random.split(jax.random.key(int(seed)))
    params = nn.init_mlp(k_init, lab.sizes, weights=lab.weights, biases=lab.biases)
    return nn.fit(params, *data, key=k_fit, num_epochs=lab.num_epochs,
                  batch_size=lab.batch_size, lr=lr, optimizer=optimizer,
                  dropout_rate=lab.dropout_rate, eval_data=eval_data, val_data=val_data,
                  patience=patience, progress=progress)


def final_accuracy(history: dict) -> float:
    """The test accuracy after the last epoch, in %, from a history with ``eval_data``."""
    if "eval_accuracy" not in history:
        raise ValueError("the history has no test accuracy: train with eval_data=(x_test, y_test)")
    return 100 * history["eval_accuracy"][-1]



def table(rows: Sequence[tuple[Lab, Sequence[float]]]) -> str:
    """A text table of labs and their measured accuracies (in %), one row per lab.

    Columns: the lab, its network, weights, epochs, the slide's figure, the script log's
    figure(s), and the mean ± standard deviation over the seeds measured.
    """
    lines = [f"{'':19s}{'network':25s}{'weights':>8s}{'epochs':>7s}{'slide':>8s}"
             f"{'script log':>13s}   measured"]
    for lab, accuracies in rows:
        if not isinstance(lab, Lab):
            raise TypeError(f"each row must be (Lab, accuracies), got {type(lab).__name__}")
        acc = np.asarray(accuracies, dtype=float)
        if acc.ndim != 1 or acc.size == 0:
            raise ValueError(f"{lab.name}: accuracies must be a non-empty list of numbers in %")
        spread = f" ± {acc.std(ddof=1):.2f}" if acc.size > 1 else ""
        logs = ", ".join(f"{v:.2f}" for v in lab.logs) or "-"
        lines.append(f"{lab.name:19s}{lab.network:25s}{INIT_NAMES[lab.weights]:>8s}"
                     f"{lab.num_epochs:7d}{lab.lecture:7.2f}%{logs:>13s}   {acc.mean():.2f}"
                     f"{spread} % ({acc.size} seed{'s' if acc.size > 1 else ''})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the seed record
# Every MNIST run the chapters show on three seeds: three seeds of all of them would take the
# test run far past its budget on a two-core CPU (lab 25 alone: about 90 s per seed). A chapter
# trains seed 0 itself, checks it against this record's seed 0 and reads seeds 1 and 2 from it.
# ``python scripts/lab_seeds.py`` writes the record.

#: The runs the record holds, by name: ``recorded_runs()[name]`` is their Lab.
_RECORDED = {name: LABS[name] for name in ("21", "22", "23", "24", "24 (3 epochs)", "25")}
_RECORDED.update(RECIPES)
_RECORD = "lab_seeds.json"
#: The data every recorded run evaluated after each epoch: the first 10,000 training images
#: (``val_*``, seen in training, evaluated with all neurons on) and the 10,000 test images.
RECORD_VAL_IMAGES = 10_000


def recorded_runs() -> dict[str, Lab]:
    """The runs :func:`recorded` knows, by name."""
    return dict(_RECORDED)


def settings(lab: Lab) -> dict:
    """What a run's result depends on (names and figures are not part of it)."""
    return {"sizes": list(lab.sizes), "weights": lab.weights, "biases": lab.biases,
            "num_epochs": lab.num_epochs, "dropout_rate": lab.dropout_rate,
            "batch_size": lab.batch_size, "lr": lab.lr, "schedule": lab.schedule}


def recorded(name: str) -> dict:
    """The recorded run ``name`` (a key of :func:`recorded_runs`) on :data:`SEEDS`.

    Returns ``{"histories": [history per seed], "accuracy": final test accuracy per seed
    in %, "machine": ..., "command": ...}``; each history is what :func:`run_lab` returned
    with ``eval_data`` the test images and ``val_data`` the first :data:`RECORD_VAL_IMAGES`
    training images (``train_loss``, ``eval_accuracy``, ``eval_loss``, ``val_accuracy``,
    ``val_loss``, one number per epoch). Raises if the record was made with other settings
    than the lab's today: then it is stale, and ``python scripts/lab_seeds.py`` makes it
    again.
    """
    import json
    from importlib import resources

    if name not in _RECORDED:
        raise KeyError(f"no recorded run {name!r}; recorded: {', '.join(_RECORDED)}")
    record = json.loads(resources.files("helpers").joinpath("data", _RECORD).read_text())
    if name not in record["runs"]:
        raise ValueError(f"the record has no run {name!r}: run scripts/lab_seeds.py")
    run = record["runs"][name]
    if run["settings"] != settings(_RECORDED[name]):
        raise ValueError(f"the record of {name!r} was made with {run['settings']}, but the "
                         f"lab now has {settings(_RECORDED[name])}: run scripts/lab_seeds.py")
    if [int(s) for s in run["seeds"]] != list(SEEDS):
        raise ValueError(f"the record of {name!r} has seeds {list(run['seeds'])}, not {SEEDS}")
    histories = [run["seeds"][str(s)]["history"] for s in SEEDS]
    return {"histories": histories,
            "accuracy": np.array([final_accuracy(h) for h in histories]),
            "machine": record["machine"], "command": record["command"]}
