"""Helpers for *Deep Learning with JAX: from one neuron to dropout*.

Only what repeats across chapters lives here: the data sets, the book's figure
style, its slider figures, the scalar computational-graph engine
(:mod:`helpers.graph`), its drawing and the network diagrams (:mod:`helpers.drawing`),
the network training loop (:mod:`helpers.nn`), the lecture's MNIST labs
(:mod:`helpers.labs`), many small XOR networks trained at once (:mod:`helpers.sweep`),
chapter 12's convolutional network (:mod:`helpers.cnn`) and what JAX runs on
(:mod:`helpers.runtime`). Each chapter first shows a mechanism in full, then may call the
helper that does the same.
"""

from . import cnn, drawing, graph, labs, nn, runtime, sweep
from .data import MNIST, load_mnist
from .drawing import draw_graph, draw_network
from .graph import Node, capsule
from .plotting import PALETTE, ROLE_COLORS, set_style
from .runtime import float64, show_devices
from .slider import SliderFigure, slider_figure

__version__ = "0.1.0"
__all__ = [
    "MNIST",
    "Node",
    "PALETTE",
    "ROLE_COLORS",
    "SliderFigure",
    "capsule",
    "cnn",
    "draw_graph",
    "draw_network",
    "drawing",
    "float64",
    "graph",
    "labs",
    "nn",
    "runtime",
    "load_mnist",
    "set_style",
    "show_devices",
    "slider_figure",
    "sweep",
]
