"""Helpers for *Deep Learning with JAX: from one neuron to dropout*.

Only what repeats across chapters lives here: the data sets, the book's figure
style and its slider figures (later: the computational-graph engine and the
training loop). Each chapter first shows a mechanism in full, then may call the
helper that does the same.
"""

from .data import MNIST, load_mnist
from .plotting import PALETTE, ROLE_COLORS, set_style
from .slider import SliderFigure, slider_figure

__version__ = "0.1.0"
__all__ = [
    "MNIST",
    "PALETTE",
    "ROLE_COLORS",
    "SliderFigure",
    "load_mnist",
    "set_style",
    "slider_figure",
]
