"""Tests of helpers.graph: gradients against jax.grad, capsules, errors, drawing."""

from __future__ import annotations

import math
from types import SimpleNamespace

import jax
import jax.numpy as jnp
import matplotlib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import drawing as D
from helpers import graph as G
from helpers.drawing import draw_graph
from helpers.graph import Node, backward_order, capsule, formula

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The same expression is written once and evaluated with either set of gates.
ENGINE = SimpleNamespace(sigmoid=G.sigmoid, log=G.log, exp=G.exp, relu=G.relu)
JAX = SimpleNamespace(sigmoid=jax.nn.sigmoid, log=jnp.log, exp=jnp.exp, relu=jax.nn.relu)

EXPRESSIONS = {
    "L2 error (w·x − y)²": lambda F, x, w, y: (w * x - y) ** 2,
    "fork: (w·x − y)² + 0.1·w²": lambda F, x, w, y: (w * x - y) ** 2 + 0.1 * w ** 2,
    "x·x": lambda F, x, w, y: x * x,
    "x + x": lambda F, x, w, y: x + x,
    "x·x·x − x + w": lambda F, x, w, y: x * x * x - x + w,
    "constants: 2·w, w − 1, 1 − w, 3 + w": lambda F, x, w, y: 2 * w * (w - 1) + (1 - w) * (3 + w),
    "unary minus": lambda F, x, w, y: -(w * x) + (-y) * w,
    "powers": lambda F, x, w, y: x ** 3 + (w * w + 1) ** 0.5 + (y * y + 1) ** -1,
    "sigmoid": lambda F, x, w, y: F.sigmoid(w * x + y),
    "log": lambda F, x, w, y: F.log(x * x + 1) + F.log(F.sigmoid(w)),
    "exp": lambda F, x, w, y: F.exp(-0.5 * x * x) * w,
    "relu": lambda F, x, w, y: F.relu(w - x) * y + F.relu(x),
    "binary cross-entropy": lambda F, x, w, y: (
        -(y * F.log(F.sigmoid(w * x + 0.5)) + (1 - y) * F.log(1 - F.sigmoid(w * x + 0.5)))),
    "20 sigmoids": lambda F, x, w, y: _chain(F, w * x, 20),
    "division": lambda F, x, w, y: (w * x - y) / (x * x + 1) + 1 / (w * w + 0.5) - y / 3,
    "quotient of quotients": lambda F, x, w, y: (x / (y * y + 1)) / (2 + w / (x * x + 1)),
}


def _chain(F, z, n):
    for _ in range(n):
        z = F.sigmoid(z)
    return z


def engine_grads(f, x, w, y):
    nodes = [Node(v, name) for v, name in ((x, "x"), (w, "w"), (y, "y"))]
    out = f(ENGINE, *nodes)
    out.backward()
    return out.value, [n.grad for n in nodes]


def jax_grads(f, x, w, y):
    with jax.enable_x64(True):
        args = [jnp.float64(v) for v in (x, w, y)]
        value = float(f(JAX, *args))
        grads = jax.grad(lambda *a: f(JAX, *a), argnums=(0, 1, 2))(*args)
        return value, [float(g) for g in grads]


# No subnormal numbers: XLA on CPU flushes them to zero (relu'(5e-324) would be 0 there).
numbers = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False).filter(
    lambda v: v == 0 or abs(v) > 1e-30)


@pytest.mark.parametrize("name", list(EXPRESSIONS))
@settings(max_examples=15, deadline=None)
@given(x=numbers, w=numbers, y=numbers)
def test_gradients_match_jax_grad(name, x, w, y):
    f = EXPRESSIONS[name]
    value, grads = engine_grads(f, x, w, y)
    jvalue, jgrads = jax_grads(f, x, w, y)
    assert value == pytest.approx(jvalue, rel=1e-9, abs=1e-12)
    assert grads == pytest.approx(jgrads, rel=1e-8, abs=1e-12), name


def lecture_graph(w=3.0, x=1.0, y=1.0):
    x, w, y = Node(x, "x"), Node(w, "w"), Node(y, "y")
    h = (w * x).named("h")
    d = (h - y).named("d")
    E = (d ** 2).named("E")
    return x, w, y, h, d, E


def test_lecture_numbers():
    x, w, y, h, d, E = lecture_graph()
    assert (h.value, d.value, E.value) == (3, 2, 4)
    assert h.local_grads == (1.0, 3.0)          # dh/dw = x, dh/dx = w
    assert d.local_grads == (1.0, -1.0)
    assert E.local_grads == (4.0,)              # 2d
    E.backward()
    assert (E.grad, d.grad, h.grad, w.grad, x.grad, y.grad) == (1, 4, 4, 4, 12, -4)


def test_backward_twice_gives_the_same_gradients():
    x, w, y, h, d, E = lecture_graph()
    E.backward()
    first = [n.grad for n in (x, w, y, h, d)]
    E.backward()
    assert [n.grad for n in (x, w, y, h, d)] == first
    w2 = Node(2.0, "w")
    F = w2 * w2 + w2
    F.backward()
    F.backward()
    assert w2.grad == 5.0                       # 2w + 1, not doubled


def test_backward_order_puts_consumers_first():
    x, w, y, h, d, E = lecture_graph()
    order = backward_order(E)
    assert [n.name for n in order][:3] == ["E", "d", "h"]
    rank = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            assert rank[id(p)] > rank[id(n)]


@settings(max_examples=15, deadline=None)
@given(x=numbers, w=numbers, y=numbers)
def test_capsule_gives_the_same_gradients_as_its_parts(x, w, y):
    X, W, Y = Node(x, "x"), Node(w, "w"), Node(y, "y")
    E = (W * X - Y) ** 2 + G.sigmoid(W * Y)
    E.backward()
    parts = [X.grad, W.grad, Y.grad]
    C = capsule(E, [X, W, Y], "E")
    assert C.value == E.value
    assert list(C.local_grads) == pytest.approx(parts, rel=1e-12, abs=1e-15)
    C.backward()
    assert [X.grad, W.grad, Y.grad] == pytest.approx(parts, rel=1e-12, abs=1e-15)
    # a capsule used as a gate inside a larger graph, with w also outside it
    inner = W * X - Y
    C2 = capsule(inner, [W, X, Y])
    out = C2 ** 2 + 0.1 * W ** 2
    out.backward()
    expected = [2 * (w * x - y) * w, 2 * (w * x - y) * x + 0.2 * w, -2 * (w * x - y)]
    assert [X.grad, W.grad, Y.grad] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_capsule_of_the_lecture_graph():
    x, w, y, h, d, E = lecture_graph()
    C = capsule(E, [w], "E")                    # x and y become constants inside
    assert C.label == "(w·1 − 1)²"
    assert C.local_grads == (4.0,)              # x·1·2d = 2(w − 1) at w = 3
    C3 = capsule(E, [x, w, y], "E")
    assert C3.label == "(w·x − y)²"
    assert C3.local_grads == (12.0, 4.0, -4.0)


def test_formula():
    x, w, y, h, d, E = lecture_graph()
    assert formula(E) == "(w·x − y)²"
    assert formula(E, substitute={"x", "y"}) == "(w·1 − 1)²"
    z = Node(0.5, "z")
    assert formula(G.sigmoid(2 * z - 1)) == "σ(2·z − 1)"
    assert formula(w - (x - y)) == "w − (x − y)"
    assert formula(w * (x + y)) == "w·(x + y)"


def test_division_gate():
    a, b = Node(3.0, "a"), Node(2.0, "b")
    q = a / b
    assert q.value == 1.5 and q.op == "/"
    assert q.local_grads == (0.5, -0.75)                  # 1/b and −a/b²
    q.backward()
    assert (a.grad, b.grad) == (0.5, -0.75)
    assert (1 / b).value == 0.5 and (a / 4).value == 0.75  # constants on either side
    assert formula(a / (b + 1)) == "a/(b + 1)"
    assert formula((a + 1) / (a * b)) == "(a + 1)/(a·b)"
    assert formula(a * b / 2) == "a·b/2"
    assert D._local_symbol(q, 0) == "1/b" and D._local_symbol(q, 1) == "−a/b²"
    assert not hasattr(G, "gate") and not hasattr(G, "GATES")   # dropped: no chapter used them


@pytest.mark.parametrize("make, error, match", [
    (lambda: Node("3"), TypeError, "real number"),
    (lambda: Node(True), TypeError, "real number"),
    (lambda: Node(None), TypeError, "real number"),
    (lambda: Node(float("nan")), ValueError, "finite"),
    (lambda: Node(math.inf), ValueError, "finite"),
    (lambda: Node(1.0) + "a", TypeError, "real number"),
    (lambda: Node(1.0) * float("nan"), ValueError, "finite"),
    (lambda: G.log(Node(0.0)), ValueError, "non-positive"),
    (lambda: G.log(Node(-1.0)), ValueError, "non-positive"),
    (lambda: G.exp(Node(1000.0)), ValueError, "overflows"),
    (lambda: Node(2.0) ** Node(2.0), TypeError, "non-constant"),
    (lambda: Node(-2.0) ** 0.5, ValueError, "non-integer power"),
    (lambda: Node(0.0) ** -1, ValueError, "0 \\*\\* -1"),
    (lambda: Node(1.0, "a") / Node(0.0, "b"), ValueError, "division by zero: a / b"),
    (lambda: 1 / Node(0.0), ValueError, "division by zero"),
    (lambda: Node(1.0).named(""), TypeError, "non-empty string"),
    (lambda: capsule(Node(1.0) * 2, [Node(3.0, "q")]), ValueError, "not in the graph"),
    (lambda: capsule(Node(1.0) * 2, [1.0]), TypeError, "must be Nodes"),
    (lambda: capsule(Node(1.0) * 2, []), ValueError, "at least one input"),
])
def test_bad_input_raises_clear_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_draw_the_chapter_graphs():
    x, w, y, h, d, E = lecture_graph()
    E.backward()
    fig = draw_graph(E, values=False, grads=False, title="bare")
    texts = _texts(fig)
    assert {"×", "−", "(·)²"} <= set(texts) and "4" not in texts
    plt.close(fig)
    fig = draw_graph(E, local="symbol", grads=False)
    assert {"w", "x", "1", "−1", "2d"} <= set(_texts(fig))
    plt.close(fig)
    for step, expected in enumerate([[], ["4"], ["4", "1·4"], ["4", "1·4", "x·1·4"]]):
        fig = draw_graph(E, grads=["d", "h", "w"][:step], highlight=["d"] if step else (),
                         grad_text={"h": "1·4", "w": "x·1·4"}, local="symbol")
        greens = [t.get_text() for t in fig.axes[0].texts
                  if matplotlib.colors.same_color(t.get_color(), "#009E73")
                  and t.get_text() != "h"]          # the name h is green too (lecture colour)
        assert sorted(greens) == sorted(expected)
        plt.close(fig)
    fig = draw_graph(E, grads=2)                 # the first two backward steps: d and h
    assert "−4" not in _texts(fig) and "12" not in _texts(fig)
    plt.close(fig)
    fig = draw_graph(capsule(E, [x, w, y], "E"), local="value", enclose=())
    assert "(w·x − y)²" in _texts(fig)
    plt.close(fig)
    fig = draw_graph(E, enclose=[h, d, E])
    plt.close(fig)
    W = Node(3.0, "w")
    E2 = ((W * 1 - 1) ** 2 + 0.1 * W ** 2).named("E")
    E2.backward()
    fig = draw_graph(E2, local="symbol")
    assert "Σ 4.6" in _texts(fig)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(10, 2))
    z = Node(0.5, "z")
    assert draw_graph(_chain(ENGINE, z, 20).named("a"), ax=ax) is fig
    plt.close(fig)


def test_draw_rejects_bad_options():
    x, w, y, h, d, E = lecture_graph()
    with pytest.raises(ValueError, match="local must be"):
        draw_graph(E, local="yes")
    with pytest.raises(ValueError, match="no node named 'q'"):
        draw_graph(E, grads=["q"])
    with pytest.raises(ValueError, match="no node named 'q'"):
        draw_graph(E, grad_text={"q": "1"})
    with pytest.raises(TypeError, match="output Node"):
        draw_graph(3.0)
    plt.close("all")


def bce_graph(merged=False):
    """The error graph of lecture p. 22 (chapter 4): h = σ(wx + b) used by two capsules."""
    x, w, b, y = Node(2.0, "x"), Node(0.5, "w"), Node(-0.5, "b"), Node(1.0, "y")
    if merged:
        h = capsule(G.sigmoid(x * w + b), [x, w, b], name="h", label="sigmoid(wx + b)")
    else:
        h = G.sigmoid((x * w + b).named("z")).named("h")
    e1 = capsule(-(y * G.log(h)), [h, y], name="E₁", label="−y·log(h)")
    e2 = capsule(-((1 - y) * G.log(1 - h)), [y, h], name="E₂", label="−(1−y)·log(1−h)")
    E = (e1 + e2).named("E")
    E.backward()
    return E


def fork_graph():
    """Chapter 3's fork: w feeds the error and the penalty λ·w²."""
    x, w, y, lam = Node(1.0, "x"), Node(3.0, "w"), Node(1.0, "y"), Node(0.1, "λ")
    e = ((w * x).named("h") - y).named("d") ** 2
    E = (e.named("e") + (lam * (w ** 2).named("p")).named("λp")).named("E")
    E.backward()
    return E


def label_stacks(fig):
    """{(axes, wire): bounding box in pixels of its value, name and gradient labels}."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    stacks: dict = {}
    for k, ax in enumerate(fig.axes):
        for t in ax.texts:
            if t.get_gid():
                wire = t.get_gid().split(":")[0]
                stacks.setdefault((k, wire), []).append(t.get_window_extent(renderer))
    return {key: matplotlib.transforms.Bbox.union(boxes) for key, boxes in stacks.items()}


def crowded_stacks(fig):
    """Pairs of label stacks closer than one line of text (or overlapping)."""
    line = max(t.get_window_extent().height for ax in fig.axes for t in ax.texts
               if (t.get_gid() or "").endswith(":value"))
    boxes = label_stacks(fig)
    keys = sorted(boxes)
    crowded = []
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            A, B = boxes[a], boxes[b]
            if a[0] != b[0] or A.x1 <= B.x0 or B.x1 <= A.x0:
                continue                        # other axes, or side by side
            if max(B.y0 - A.y1, A.y0 - B.y1) < line:
                crowded.append((a[1], b[1]))
    return crowded


GRAPHS_WITH_VALUES_AND_GRADS = {
    "lecture": lambda: lecture_graph()[-1],
    "fork": fork_graph,
    "p. 22": bce_graph,
    "p. 23": lambda: bce_graph(merged=True),
}


@pytest.mark.parametrize("name", list(GRAPHS_WITH_VALUES_AND_GRADS))
def test_label_stacks_of_different_wires_stand_apart(name, monkeypatch):
    E = GRAPHS_WITH_VALUES_AND_GRADS[name]()
    E.backward()
    fig = draw_graph(E, local="symbol", fontsize=10, max_width=13)
    assert len(label_stacks(fig)) >= 6
    assert crowded_stacks(fig) == []
    plt.close(fig)
    fig = plt.figure(figsize=(9.5, 3.6), dpi=80, layout="constrained")   # as in a slider
    draw_graph(E, ax=fig.add_subplot(), grads=[], local="symbol", title="a slider frame")
    assert crowded_stacks(fig) == []
    plt.close(fig)
    if name == "p. 22":                         # the check can fail: without the wider lanes
        monkeypatch.setattr(D, "_STACKED", 1.0)  # "−0.3775 / −0.5 / b" read as one stack
        fig = draw_graph(E, fontsize=10, max_width=13)
        assert crowded_stacks(fig)
        plt.close(fig)


def test_constants_get_no_gradient_label():
    W = Node(3.0, "w")
    E = ((W * 1 - 1) ** 2 + 0.1 * W ** 2).named("E")
    E.backward()
    consts = [n for n in G.topological_order(E) if n.op == "const"]
    const_grads = {D._fmt(c.grad) for c in consts}
    assert const_grads == {"12", "−4", "9"}

    def green(fig):
        return [t.get_text() for t in fig.axes[0].texts
                if matplotlib.colors.same_color(t.get_color(), "#009E73")]

    for grads in (True, 100):                   # all, and every backward step
        fig = draw_graph(E, grads=grads)
        texts = _texts(fig)
        assert {"1", "0.1"} <= set(texts)       # a constant still shows its value
        assert not const_grads & set(green(fig)), grads
        assert {"4", "0.6", "Σ 4.6"} <= set(green(fig))
        plt.close(fig)
    fig = draw_graph(E, grads=[consts[-1]])     # asked for by node: shown
    assert green(fig) == [D._fmt(consts[-1].grad)]
    plt.close(fig)


def _crossings(fig):
    """Pairs of wires (drawn lines) whose segments properly cross each other."""
    def cross(p, q, r, s):
        def side(a, b, c):
            return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (side(p, q, r) * side(p, q, s) < -1e-9) and (side(r, s, p) * side(r, s, q) < -1e-9)

    lines = [list(zip(*line.get_data(), strict=True)) for line in fig.axes[0].lines
             if len(line.get_xdata()) > 1]
    found = []
    for i, a in enumerate(lines):
        for b in lines[i + 1:]:
            if any(cross(a[k], a[k + 1], b[m], b[m + 1])
                   for k in range(len(a) - 1) for m in range(len(b) - 1)):
                found.append((a[0], b[0]))
    return found


@pytest.mark.parametrize("merged", [False, True])
def test_a_gate_output_used_twice_crosses_no_wire(merged):
    fig = draw_graph(bce_graph(merged), fontsize=10, max_width=13)
    assert _crossings(fig) == []
    plt.close(fig)
    fig = draw_graph(fork_graph())
    assert _crossings(fig) == []
    plt.close(fig)


def test_a_graph_on_given_axes_fills_their_height():
    E = lecture_graph()[-1]
    for kw in ({}, {"grads": False}, {"values": False, "grads": False}):
        fig = plt.figure(figsize=(9.5, 3.6), dpi=80, layout="constrained")
        ax = fig.add_subplot()
        draw_graph(E, ax=ax, local="symbol", title="a slider frame", **kw)
        fig.canvas.draw()
        drawn, room = ax.get_position(), ax.get_position(original=True)
        assert drawn.height > 0.9 * room.height and drawn.width > 0.9 * room.width, kw
        plt.close(fig)
