"""Where the drawings of :mod:`helpers.drawing` put things, in layout units; nothing is drawn.

* :func:`_geometry` lays out a computational graph (columns, rows, wires, room for labels)
  as a :class:`_Geometry` (a gate circle has radius about 0.42).
* :func:`_network_layout` checks :func:`helpers.drawing.draw_network`'s arguments and
  lays out a network diagram as a :class:`_Net` (neurons 1 unit apart).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from .graph import _SUPERSCRIPT, _SYMBOLS, Node, _depths, _num, backward_order, topological_order

_DX, _SEGMENT, _DY = 3.2, 1.35, 1.6      # column spacing, labelled wire length, row spacing
_LANE, _GAP = 1.1, 0.22                   # distance between input wires, label to wire
_STACKED = 1.5       # rows and lanes spread this much when wires carry values AND gradients
_MAX_FILL = 1.6      # on a given axes, rows spread at most this much more to fill its height
_TRUNK = 0.25        # a gate output used by several gates splits this far right of the gate
_INCH = 0.72                              # inches per layout unit, before shrinking to fit


def _fmt(v: float) -> str:
    return f"{v + 0.0:.4g}".replace("-", "−")   # + 0.0 turns −0 into 0


def _symbol(node: Node) -> str:
    if node.op == "pow":
        return "(·)" + _num(node.exponent).translate(_SUPERSCRIPT)
    return _SYMBOLS[node.op]


def _local_symbol(node: Node, i: int) -> str:
    """The local gradient of ``node`` for input ``i`` as the slides write it (w, x, 1, −1, 2d)."""
    def nm(p: Node) -> str:
        return p.name if (p.name and p.op != "const") else _fmt(p.value)
    p = node.parents[i]
    if node.op == "*":
        return nm(node.parents[1 - i])
    if node.op == "/":
        a, b = node.parents
        return f"1/{nm(b)}" if i == 0 else f"−{nm(a)}/{nm(b)}²"
    if node.op in ("+", "-", "neg"):
        return "−1" if (node.op == "neg" or (node.op == "-" and i == 1)) else "1"
    if node.op == "pow":
        n = node.exponent
        rest = "" if n == 2 else (_num(n - 1).translate(_SUPERSCRIPT))
        base = nm(p) if (p.name and p.op != "const") else f"·{_fmt(p.value)}"
        return f"{_num(n)}{base}{rest}"
    return {"sigmoid": "σ(1−σ)", "log": f"1/{nm(p)}", "exp": f"e^{nm(p)}",
            "relu": f"[{nm(p)}>0]"}.get(node.op, _fmt(node.local_grads[i]))


def _select(spec, order: list[Node]) -> set[int]:
    """Which nodes a bool / int / collection-of-names-or-nodes spec switches on.

    ``True`` and a number of backward steps leave constants out: a constant is not
    something we learn, and it is drawn without a name, so its gradient would be a
    stray number. Name a constant's node in a collection to show its gradient anyway.
    """
    if spec is True or spec is False:
        return {id(n) for n in order if n.op != "const"} if spec else set()
    if isinstance(spec, int):
        if spec < 0:
            raise ValueError(f"grads as a number of backward steps must be >= 0, got {spec}")
        steps = [n for n in backward_order(order[-1])
                 if n is not order[-1] and n.op != "const"]
        return {id(n) for n in steps[:spec]}
    chosen = set()
    names = {n.name: n for n in order if n.name}
    for item in spec:
        if isinstance(item, Node):
            chosen.add(id(item))
        elif item in names:
            chosen.add(id(names[item]))
        else:
            raise ValueError(f"no node named {item!r} in the graph; names: {', '.join(names)}")
    return chosen


def _char_width(fontsize: float, inch: float) -> float:
    """About how wide one character is, in layout units, when a unit is drawn ``inch`` wide."""
    return 0.65 * fontsize / 72 / inch     # 0.6 em on average, and a little to spare


def _local_texts(node: Node, local: str, local_text: dict) -> list[str]:
    """The local gradients written inside a gate, one per input."""
    return local_text.get(node.name) or [
        _local_symbol(node, i) if local == "symbol" else _fmt(g)
        for i, g in enumerate(node.local_grads)]


def _layout(output: Node, local: str | None, local_text: dict, spread: float, char: float):
    """Positions: a column per node by longest path from the inputs, rows by a tidy-tree pass.

    ``spread`` scales the spacing of the rows (the lanes of the wires scale with it);
    ``char`` is the width of a character in layout units, to size capsules to their text.
    """
    order = topological_order(output)
    depth = _depths(order)
    consumers: dict[int, list[tuple[Node, int]]] = {id(n): [] for n in order}
    for n in order:
        for i, p in enumerate(n.parents):
            consumers[id(p)].append((n, i))
    col = {}
    for n in order:                       # inputs sit just left of their first consumer
        col[id(n)] = depth[id(n)] if n.parents else max(
            0, min(depth[id(c)] for c, _ in consumers[id(n)]) - 1) if consumers[id(n)] else 0
    row, slot = {}, [0.0]

    def place(n: Node) -> None:
        if id(n) in row:
            return
        mine = [p for p in n.parents if id(p) not in row]
        for p in n.parents:
            place(p)
        if not n.parents or not mine:     # a leaf, or a gate whose inputs are all shared
            row[id(n)] = slot[0]
            slot[0] += 1 if not n.parents else 0.7
        else:
            row[id(n)] = sum(row[id(p)] for p in mine) / len(mine)

    place(output)
    radius = 0.42                         # all circles alike, wide enough for their texts
    if local:
        longest = max((len(t) for n in order if n.parents and n.op != "capsule"
                       for t in _local_texts(n, local, local_text)), default=0)
        radius = max(0.62, 0.5 * char * longest + 0.12)
    size = {}                             # half width, half height of every gate
    for n in order:
        if n.op == "capsule":             # wide enough for its formula and local gradients
            texts = [n.label or "capsule"]
            if local:
                texts += [t + "  " for t in _local_texts(n, local, local_text)]
            size[id(n)] = (max(1.0, 0.5 * char * max(map(len, texts)) + 0.3),
                           max(0.55, 0.42 * len(n.parents)) + (0.3 if local else 0))
        elif n.parents:
            size[id(n)] = (radius, radius)
    ncol = max(col.values()) + 1
    widths = [max([2 * size[id(n)][0] for n in order if col[id(n)] == c and n.parents],
                  default=0) for c in range(ncol)]
    # Extra room right of a column where a gate's output fans out (drawn along a trunk)
    # and an input forks too: the input's fork point and labels go between trunk and wires.
    room = [0.0] * ncol
    fanning = {col[id(n)] for n in order if n.parents and len(consumers[id(n)]) > 1}
    for n in order:
        if not n.parents and len(consumers[id(n)]) > 1 and col[id(n)] in fanning:
            labels = (n.name or _fmt(n.value), "Σ " + _fmt(n.grad))
            room[col[id(n)]] = max(room[col[id(n)]], char * max(map(len, labels)) + 1.0)
    x_of, x = [], 0.0
    for c in range(ncol):                 # the centre of each column
        x_of.append(x + widths[c] / 2)
        x += widths[c] + _DX - 2 * 0.42 + room[c]
    pos = {id(n): (x_of[col[id(n)]], -_DY * spread * row[id(n)]) for n in order}
    return order, consumers, pos, size


def _ports(node: Node, pos, size, header: bool = False) -> list[tuple[float, float]]:
    """Where each input wire meets the gate: spread over its left side."""
    cx, cy = pos[id(node)]
    hw, hh = size[id(node)]
    k = len(node.parents)
    if node.op == "capsule":
        top = cy + hh - (0.6 if header else 0)   # room for the formula on top
        return [(cx - hw, top - (top - cy + hh) * (i + 1) / (k + 1)) for i in range(k)]
    angles = [math.pi] if k == 1 else [math.pi - 0.6 + 1.2 * i / (k - 1) for i in range(k)]
    return [(cx + hw * math.cos(a), cy + hw * math.sin(a)) for a in angles]


@dataclass
class _Wire:
    """One wire: ``path`` from its source to the gate it feeds (or past the output).

    Its name and labels sit on the straight piece ``seg0``–``seg1`` of the path;
    ``grad`` is the gradient flowing back along it.
    """
    node: Node
    path: list[tuple[float, float]]
    seg0: tuple[float, float]
    seg1: tuple[float, float]
    grad: float


@dataclass
class _Geometry:
    """Everything :func:`draw_graph` places, in layout units, before anything is drawn."""
    order: list[Node]
    consumers: dict
    pos: dict                             # id(node) -> centre of a gate / fork point of an input
    size: dict                            # id(gate) -> (half width, half height)
    wires: list[_Wire]
    forks: list[Node]                     # inputs used by several gates: a dot at pos
    dots: list[tuple[float, float]]       # where a gate's output splits for several gates
    limits: tuple[float, float, float, float]

    @property
    def width(self) -> float:
        return self.limits[1] - self.limits[0]

    @property
    def height(self) -> float:
        return self.limits[3] - self.limits[2]


def _geometry(output: Node, local: str | None, local_text: dict, header: bool, spread: float,
              char: float, enclose: bool) -> _Geometry:
    """Lay out the gates and route every wire; ``spread`` scales rows and lanes."""
    order, consumers, pos, size = _layout(output, local, local_text, spread, char)
    lane_step = _LANE * spread
    wires = []
    dots = []
    for n in order:
        if n is output:
            x0 = pos[id(n)][0] + (size[id(n)][0] if n.parents else 0.0)
            seg0, seg1 = (x0, pos[id(n)][1]), (x0 + _SEGMENT, pos[id(n)][1])
            wires.append(_Wire(n, [seg0, seg1], seg0, seg1, n.grad))
        branches = consumers[id(n)]
        if n.parents and len(branches) > 1:   # a gate's output used by several gates
            out = (pos[id(n)][0] + size[id(n)][0], pos[id(n)][1])
            trunk_x = out[0] + _TRUNK
            dots.append((trunk_x, out[1]))
        for c, i in branches:
            port = _ports(c, pos, size, header)[i]
            k = len(c.parents)            # each input wire gets its own lane for its labels
            lane = pos[id(c)][1] + lane_step * ((k - 1) / 2 - i)
            seg1 = (pos[id(c)][0] - size[id(c)][0] - 0.3, lane)
            seg0 = (seg1[0] - _SEGMENT, lane)
            if n.parents and len(branches) > 1:
                # along a vertical trunk: branches to other lanes cannot cross each other,
                # and an input forking between this gate's branches is not crossed either
                lead = [out, (trunk_x, out[1]), (trunk_x, lane)]
            elif n.parents:
                lead = [(pos[id(n)][0] + size[id(n)][0], pos[id(n)][1])]
            else:
                lead = []                 # an input: its fork point is added below
                if len(branches) == 1:
                    pos[id(n)] = seg0     # a leaf with one wire: all of it labelled
            wires.append(_Wire(n, [*lead, seg0, seg1, port], seg0, seg1, c.edge_grad(i)))

    forks = [n for n in order if not n.parents and len(consumers[id(n)]) > 1]
    for n in forks:                       # the fork point: left of its wires, between them
        mine = [w for w in wires if w.node is n]
        pos[id(n)] = (min(w.seg0[0] for w in mine) - 0.9,
                      sum(w.seg0[1] for w in mine) / len(mine))
        for w in mine:
            w.path.insert(0, pos[id(n)])

    xs = [p[0] for w in wires for p in w.path]
    ys = [p[1] for w in wires for p in w.path]
    for n in order:
        if n.parents:
            ys += [pos[id(n)][1] + size[id(n)][1], pos[id(n)][1] - size[id(n)][1]]
    margin = 0.9 if enclose else 0.6
    limits = (min(xs) - 0.6, max(xs) + 0.4, min(ys) - margin, max(ys) + margin)
    return _Geometry(order, consumers, pos, size, wires, forks, dots, limits)


def _box_inches(ax) -> tuple[float, float]:
    """Width and height (inches) of the box ``ax`` is drawn in, once titles have their room."""
    fig = ax.figure
    engine = fig.get_layout_engine()
    if engine is not None:                # e.g. constrained layout: where it will put ax
        engine.execute(fig)
    box = ax.get_position(original=True)
    fig_w, fig_h = fig.get_size_inches()
    return box.width * fig_w, box.height * fig_h


# --- network diagrams ---------------------------------------------------------------------
_NET_DX = 3.0            # layout units between two layers' columns
_NET_R = 0.28            # neuron radius (the neurons of a column are 1 unit apart)
_NET_INCH = 0.42         # inches per layout unit on a figure draw_network makes
_ONE_HOT_DX = 1.9        # the one-hot target column, right of the output layer


def _positive_int(value, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{what} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _per_layer(value, what: str, n: int, kind=str) -> list:
    """``None`` or a sequence of ``n`` entries (each ``kind`` or None) -> a list of n."""
    if value is None:
        return [None] * n
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != n:
        raise ValueError(f"{what} must be a sequence of {n} entries (one per layer), "
                         f"got {value!r}")
    for v in value:
        if v is not None and not isinstance(v, kind):
            raise TypeError(f"every entry of {what} must be a {kind.__name__} or None, "
                            f"got {v!r}")
    return list(value)


def _slots(size: int, shown: int) -> list[int | None]:
    """The neurons drawn for a layer of ``size``: their indices, ``None`` for the "⋮"."""
    if size <= shown:
        return list(range(size))
    top = shown // 2                      # e.g. 6 shown of 784: 0, 1, 2, ⋮, 782, 783
    bottom = shown - 1 - top
    return [*range(top), None, *range(size - bottom, size)]


@dataclass
class _Net:
    """A network diagram laid out: what each column shows and where, in layout units."""
    slots: list            # per layer: the indices of the drawn neurons, None for the "⋮"
    labels: list
    activations: list
    sizes_text: list
    target: int | None     # the class of the one-hot column, or None
    xs: list               # the x of each column
    x_hot: float           # the x of the one-hot column
    half: float            # half the height of the tallest column
    limits: tuple
    fontsize: float

    def ys(self, layer: list) -> list[float]:   # centered columns, neurons 1 unit apart
        return [(len(layer) - 1) / 2 - j for j in range(len(layer))]


def _network_layout(sizes, labels, activations, one_hot, max_shown, size_labels,
                    fontsize) -> _Net:
    """Check draw_network's arguments and place the columns far enough apart for their text."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer sizes such as [784, 10], "
                        f"got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least 2 layers (input and output), got {list(sizes)}")
    sizes = [_positive_int(s, "every layer size in sizes") for s in sizes]
    n = len(sizes)
    if isinstance(max_shown, numbers.Integral) and not isinstance(max_shown, bool):
        max_shown = [max_shown] * n
    shown = [_positive_int(m, "max_shown", minimum=3)
             for m in _per_layer(max_shown, "max_shown", n, numbers.Integral)]
    if labels is None:
        labels = ["Input", *(f"Hidden {i}" for i in range(1, n - 1)), "Output"]
    labels = _per_layer(labels, "labels", n)
    if activations is not None and len(activations) == n - 1:
        activations = [None, *activations]
    activations = _per_layer(activations, "activations", n)
    sizes_text = [t or f"{s:,}" for t, s in
                  zip(_per_layer(size_labels, "size_labels", n), sizes, strict=True)]
    if isinstance(one_hot, bool):
        target = 0 if one_hot else None
    elif isinstance(one_hot, numbers.Integral) and 0 <= one_hot < sizes[-1]:
        target = int(one_hot)
    else:
        raise ValueError(f"one_hot must be True, False or a class index in "
                         f"[0, {sizes[-1] - 1}], got {one_hot!r}")
    slots = [_slots(s, m) for s, m in zip(sizes, shown, strict=True)]
    half = (max(map(len, slots)) - 1) / 2
    em = 0.65 * fontsize / 72 / _NET_INCH        # about 0.65 em per character

    def width(*texts) -> float:
        return em * max((len(line) for t in texts if t for line in t.split("\n")), default=0)

    widths = [width(*t) for t in zip(labels, activations, sizes_text, strict=True)]
    xs = [0.0]
    for a, b in zip(widths[:-1], widths[1:], strict=True):
        xs.append(xs[-1] + max(_NET_DX, (a + b) / 2 + 0.6))
    x_hot = xs[-1] + max(_ONE_HOT_DX, (widths[-1] + width("one-hot", f"class {target}")) / 2
                         + 0.5)
    x_right = x_hot + 0.3 if target is not None else xs[-1]
    top = half + (1.95 if any(activations) else 1.4) + 0.45 * max(
        (t.count("\n") for t in labels if t), default=0)
    limits = (-max(1.3, widths[0] / 2 + 0.2), x_right + max(1.3, widths[-1] / 2 + 0.2),
              -half - 1.25 - 0.45 * max(t.count("\n") for t in sizes_text), top)
    return _Net(slots, labels, activations, sizes_text, target, xs, x_hot, half, limits,
                fontsize)
