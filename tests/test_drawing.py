"""Tests of helpers.drawing.draw_network: the chapters' networks drawn legibly, bad input."""

from __future__ import annotations

import matplotlib
import pytest

import helpers
from helpers.drawing import draw_network

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

NETWORKS = {   # the networks the chapters draw
    "2-2-1 (lab 18)": dict(sizes=[2, 2, 1], activations=["σ", "σ"]),
    "2-2-2-1 (labs 19, 20)": dict(sizes=[2, 2, 2, 1], activations=["ReLU", "ReLU", "σ"]),
    "784→10 (lab 21)": dict(sizes=[784, 10], activations=["softmax"], one_hot=4,
                            max_shown=(8, 10), labels=["Input (28×28 pixels)", "Output"]),
    "784-256-256-10 (lab 22)": dict(sizes=[784, 256, 256, 10],
                                    activations=["ReLU", "ReLU", "softmax"]),
    "25-16-16-9-9 (p. 62)": dict(
        sizes=[25, 16, 16, 9, 9], max_shown=11,
        labels=["Input", "Hidden1", "Hidden2", "Hidden3", "Output"],
        size_labels=["25 (5×5)", "16 (4×4)", "16 (4×4)", "9 (3×3)", "9 (3×3)"]),
}


def text_boxes(ax):
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]


def overlapping(boxes):
    return [(a, b) for i, (a, A) in enumerate(boxes) for b, B in boxes[i + 1:]
            if A.overlaps(B)]


@pytest.fixture(autouse=True)
def _style():
    helpers.set_style()
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(NETWORKS))
def test_no_text_overlaps_another(name):
    ax = draw_network(title=name, **NETWORKS[name])
    boxes = text_boxes(ax)
    assert len(boxes) >= 2 * len(NETWORKS[name]["sizes"])
    assert overlapping(boxes) == []
    # every text inside the figure
    fig_box = ax.figure.bbox
    for text, box in boxes:
        assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1, text
        assert fig_box.y0 <= box.y0 and box.y1 <= fig_box.y1, text


def test_long_labels_push_the_columns_apart():
    ax = draw_network([3, 3], labels=["a very long input label", "another long output label"])
    assert overlapping(text_boxes(ax)) == []


def test_the_check_can_fail():
    ax = draw_network([3, 3])
    ax.text(0, 0, "on top of the input")
    ax.text(0, 0, "the same place")
    assert overlapping(text_boxes(ax))


def test_sizes_elision_and_one_hot():
    ax = draw_network([784, 256, 256, 10], activations=["ReLU", "ReLU", "softmax"])
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert [texts[f"layer{i}:size"] for i in range(4)] == ["784", "256", "256", "10"]
    assert [texts[f"layer{i}:name"] for i in range(4)] == ["Input", "Hidden 1", "Hidden 2",
                                                           "Output"]
    assert [texts[f"layer{i}:activation"] for i in (1, 2, 3)] == ["ReLU", "ReLU", "softmax"]
    assert all(texts[f"layer{i}:ellipsis"] == "⋮" for i in range(4))   # 10 > 6 shown
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 4 * 5                  # 6 slots each: 5 neurons and the "⋮"
    assert len(ax.lines) == 3 * 5 * 5             # every connection between drawn neurons

    ax = draw_network([784, 10], one_hot=4, max_shown=(8, 10))
    texts = {t.get_gid(): t.get_text() for t in ax.texts}
    assert [texts[f"one_hot:{j}"] for j in range(10)] == ["0"] * 4 + ["1"] + ["0"] * 5
    assert "layer1:ellipsis" not in texts and texts["layer1:size"] == "10"
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 7 + 10


def test_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    assert draw_network([2, 2, 1], axes[1]) is axes[1]
    assert len(axes[1].patches) == 5 and not axes[0].patches


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(sizes=784), TypeError, "sequence of layer sizes"),
    (dict(sizes="784"), TypeError, "sequence of layer sizes"),
    (dict(sizes=[784]), ValueError, "at least 2 layers"),
    (dict(sizes=[784, 0]), ValueError, "layer size in sizes must be an int >= 1"),
    (dict(sizes=[784, 2.5]), ValueError, "layer size"),
    (dict(sizes=[784, True]), ValueError, "layer size"),
    (dict(sizes=[4, 2], max_shown=2), ValueError, "max_shown must be an int >= 3"),
    (dict(sizes=[4, 2], max_shown=[6]), ValueError, "max_shown must be a sequence of 2"),
    (dict(sizes=[4, 2], labels=["in"]), ValueError, "labels must be a sequence of 2"),
    (dict(sizes=[4, 2], labels=["in", 3]), TypeError, "labels must be a str"),
    (dict(sizes=[4, 3, 2], activations=["ReLU"]), ValueError, "activations"),
    (dict(sizes=[4, 2], size_labels="4 2"), ValueError, "size_labels"),
    (dict(sizes=[4, 2], one_hot=2), ValueError, r"class index in \[0, 1\]"),
    (dict(sizes=[4, 2], one_hot=-1), ValueError, "one_hot"),
    (dict(sizes=[4, 2], one_hot="4"), ValueError, "one_hot"),
])
def test_bad_input_raises_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        draw_network(**kwargs)


def test_exported():
    assert helpers.draw_network is draw_network
    assert helpers.draw_graph is helpers.drawing.draw_graph
    assert not hasattr(helpers.graph, "draw_graph")  # the engine never imports drawing
