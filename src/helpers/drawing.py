"""Drawing: the computational graphs of :mod:`helpers.graph` and layered network diagrams.

* :func:`draw_graph` draws a scalar graph the way the lecture's slides do: gates as
  circles, each wire with its name, its forward value above and its gradient below.
* :func:`draw_network` draws a fully connected network as the lecture's pp. 47, 49
  and 62 do: neurons as circles in columns, every connection, each layer's size
  under it, large layers elided with "⋮".
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .graph import _SUPERSCRIPT, Node, _depths, _num, backward_order, topological_order

__all__ = ["draw_graph", "draw_network"]

_GATE_SYMBOLS = {"*": "×", "+": "+", "-": "−", "neg": "−", "sigmoid": "σ", "log": "log",
                 "exp": "exp", "relu": "ReLU"}
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
    return _GATE_SYMBOLS[node.op]


def _local_symbol(node: Node, i: int) -> str:
    """The local gradient of ``node`` for input ``i`` as the slides write it (w, x, 1, −1, 2d)."""
    def nm(p: Node) -> str:
        return p.name if (p.name and p.op != "const") else _fmt(p.value)
    p = node.parents[i]
    if node.op == "*":
        return nm(node.parents[1 - i])
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


def draw_graph(output: Node, ax=None, *, values: bool = True, grads=True, local=None,
               value_text: dict | None = None, grad_text: dict | None = None,
               local_text: dict | None = None, highlight: Iterable = (),
               enclose: Sequence[Node] = (), output_grad: bool = False,
               title: str | None = None, fontsize: float = 11, max_width: float = 10.0):
    """Draw the graph of ``output`` left to right, the way the lecture's slides do.

    Gates are circles with their symbol (×, +, −, (·)², σ, log, exp, ReLU), capsules
    rounded boxes with their formula. Each wire carries its name (in a box on the wire),
    its forward value above (blue) and its gradient below (green); constants carry
    just their value.

    * ``values``: show forward values.
    * ``grads``: ``True`` (all but constants), ``False`` (none), an int k (the first k
      wires in :func:`backward_order`, for a step-by-step reveal), or a collection of
      names/nodes. The output's own gradient (1) is shown only with ``output_grad=True``.
    * ``local``: ``None``, ``"symbol"`` (the slides' w, x, 1, −1, 2d) or ``"value"`` --
      the local gradient written inside each gate next to its input.
    * ``value_text`` / ``grad_text``: ``{name: text}`` to replace a wire's label
      (e.g. ``{"w": "x·1·4"}``); ``local_text``: ``{gate output name: [text per input]}``.
    * ``highlight``: names whose gradient label gets an orange ring, or
      ``(gate output name, input index)`` pairs to ring a local gradient.
    * ``enclose``: gates to draw one rounded capsule around (p. 15 of the lecture).

    When wires carry both values and gradients, their lanes are spread wider, so that
    each wire's (value, name, gradient) stack stands apart from its neighbour's. On a
    given ``ax`` the rows are also spread (up to a limit) to fill the axes' height.

    Returns the figure. Draws on ``ax`` if given, else on a new figure sized to fit.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Ellipse, FancyBboxPatch

    from .plotting import PALETTE, ROLE_COLORS

    if not isinstance(output, Node):
        raise TypeError(f"draw_graph needs the output Node, got {type(output).__name__}")
    if local not in (None, "symbol", "value"):
        raise ValueError(f"local must be None, 'symbol' or 'value', got {local!r}")
    header = local is not None            # capsules then show their formula on a top row
    value_text, grad_text, local_text = value_text or {}, grad_text or {}, local_text or {}

    def geometry(spread: float, inch: float) -> _Geometry:
        """The layout with rows spread by ``spread``, for a unit drawn ``inch`` wide."""
        return _geometry(output, local, local_text, header, spread,
                         _char_width(fontsize, inch), bool(enclose))

    # The spacing does not depend on WHICH gradients are shown (only on whether any can
    # be), so the frames of a step-by-step slider keep the same layout.
    spread = _STACKED if (values and grads is not False) else 1.0
    geo = geometry(spread, _INCH)         # a first guess, to size the figure
    given = ax is not None
    if not given:
        inch = min(_INCH, max_width / geo.width)
        fig, ax = plt.subplots(figsize=(geo.width * inch, geo.height * inch
                                        + (0.45 if title else 0.1)))
    ax.axis("off")
    if title:
        ax.set_title(title)               # before measuring the box: the title takes room
    box_w, box_h = _box_inches(ax)
    inch = min(box_w / geo.width, box_h / geo.height)   # as drawn, with equal aspect
    if given and box_h / box_w > geo.height / geo.width:
        # room to spare below: spread the rows to fill the axes (height is linear in spread)
        per_spread = (geometry(2 * spread, inch).height - geo.height) / spread
        if per_spread > 0:
            wanted = spread + (box_h / box_w * geo.width - geo.height) / per_spread
            spread = min(wanted, _MAX_FILL * spread)
    geo = geometry(spread, inch)          # capsules sized for their text as drawn
    order, consumers, pos, size = geo.order, geo.consumers, geo.pos, geo.size
    show_grad = _select(grads, order)
    show_grad.discard(id(output))
    if output_grad:
        show_grad.add(id(output))
    by_name = {n.name: n for n in order if n.name}
    for key in [*value_text, *grad_text, *local_text]:
        if key not in by_name:
            raise ValueError(f"no node named {key!r} in the graph; names: {', '.join(by_name)}")
    rings_grad, rings_local = set(), set()
    for item in highlight:
        if isinstance(item, tuple):
            rings_local.add((id(by_name[item[0]]), item[1]) if item[0] in by_name else None)
        elif item in by_name:
            rings_grad.add(id(by_name[item]))
        else:
            raise ValueError(f"no node named {item!r} in the graph to highlight")
    rings_local.discard(None)

    blue, green, orange = ROLE_COLORS["forward"], ROLE_COLORS["gradient"], PALETTE["orange"]
    small = max(fontsize - 1, 10)

    def name_color(n: Node) -> str:
        return ROLE_COLORS.get(n.name, "black") if n.name in ("w", "h", "E") else "black"

    x_lo, x_hi, y_lo, y_hi = geo.limits
    fig = ax.figure
    if not given:                         # the figure as wide as the final layout needs
        inch = min(_INCH, max_width / geo.width)
        fig.set_size_inches(geo.width * inch, geo.height * inch + (0.45 if title else 0.1))
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")

    def ring(x: float, y: float, w: float, h: float) -> None:
        ax.add_patch(Ellipse((x, y), w, h, fill=False, color=orange, lw=2, zorder=6))

    # Each wire's labels form one stack: value above, name on the wire, gradient below.
    # The texts carry gid "wire<j>:value/name/grad" (and "fork<j>:...") so tests can find them.
    for j, wire in enumerate(geo.wires):
        n = wire.node
        ax.plot([p[0] for p in wire.path], [p[1] for p in wire.path],
                color="0.25", lw=1.6, zorder=1, solid_capstyle="round")
        mx, my = (wire.seg0[0] + wire.seg1[0]) / 2, wire.seg0[1]
        if n.name and n.op != "const":
            ax.text(mx, my, n.name, ha="center", va="center", fontsize=fontsize,
                    fontstyle="italic", fontweight="bold", color=name_color(n), zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                    gid=f"wire{j}:name")
        if values or n.op == "const":
            ax.text(mx, my + _GAP, value_text.get(n.name, _fmt(n.value)), ha="center",
                    va="bottom", fontsize=fontsize, color=blue, fontweight="bold", zorder=4,
                    gid=f"wire{j}:value")
        if id(n) in show_grad:
            many = len(consumers[id(n)]) > 1
            text = grad_text.get(n.name, _fmt(wire.grad)) if not many else _fmt(wire.grad)
            ax.text(mx, my - _GAP, text, ha="center", va="top", fontsize=fontsize,
                    color=green, fontweight="bold", zorder=4, gid=f"wire{j}:grad")
            if id(n) in rings_grad:
                ring(mx, my - _GAP - 0.15, 0.16 * len(text) + 0.35, 0.45)

    for x, y in geo.dots:                 # a gate's output used by several gates
        ax.plot([x], [y], "o", color="0.25", ms=5, zorder=3)
    for j, n in enumerate(geo.forks):     # one input used by several gates: the sum of its wires
        x, y = pos[id(n)]
        ax.plot([x], [y], "o", color="0.25", ms=5, zorder=3)
        ax.text(x - 0.15, y, n.name or _fmt(n.value), ha="right", va="center",
                fontsize=fontsize, fontstyle="italic", fontweight="bold", color=name_color(n),
                gid=f"fork{j}:name")
        if id(n) in show_grad:
            ax.text(x - 0.15, y - 0.3, grad_text.get(n.name, "Σ " + _fmt(n.grad)), ha="right",
                    va="top", fontsize=fontsize, color=green, fontweight="bold",
                    gid=f"fork{j}:grad")

    for n in order:
        if not n.parents:
            continue
        cx, cy = pos[id(n)]
        hw, hh = size[id(n)]
        ports = _ports(n, pos, size, header)
        if n.op == "capsule":
            ax.add_patch(FancyBboxPatch((cx - hw, cy - hh), 2 * hw, 2 * hh,
                                        boxstyle="round,pad=0,rounding_size=0.35",
                                        fc="white", ec="black", lw=1.6, zorder=2))
            sx, sy, ha = (cx, cy + hh - 0.32, "center") if local else (cx, cy, "center")
            symbol = n.label or "capsule"
        else:
            ax.add_patch(Circle((cx, cy), hw, fc="white", ec="black", lw=1.6, zorder=2))
            one = len(ports) == 1
            sx, sy, ha = ((cx, cy + 0.3 * hw, "center") if (local and one) else
                          (cx + 0.42 * hw, cy, "center") if local else (cx, cy, "center"))
            symbol = _symbol(n)
        big = fontsize + (0 if n.op == "capsule" or len(symbol) > 2 else 5)
        ax.text(sx, sy, symbol, ha=ha, va="center", fontsize=big, zorder=3)
        if local is None:
            continue
        texts = _local_texts(n, local, local_text)
        for i, ((px, py), text) in enumerate(zip(ports, texts, strict=True)):
            if n.op == "capsule":
                lx, ly, lha = px + 0.12, py, "left"
            elif len(ports) == 1:
                lx, ly, lha = cx, cy - 0.35 * hw, "center"
            else:
                lx, ly, lha = cx - 0.38 * hw, cy + 0.75 * (py - cy), "center"
            ax.text(lx, ly, text, ha=lha, va="center", fontsize=small, color="0.15",
                    fontstyle="italic", zorder=5)
            if (id(n), i) in rings_local:
                w = 0.15 * len(text) + 0.3
                ring(lx + (w / 2 - 0.15 if lha == "left" else 0), ly, w, 0.42)

    if enclose:
        if any(id(n) not in size for n in enclose):
            raise ValueError("enclose must list gates of this graph (nodes with inputs)")
        pts = [(pos[id(n)][0] + sx * size[id(n)][0], pos[id(n)][1] + sy * size[id(n)][1])
               for n in enclose for sx in (-1, 1) for sy in (-1, 1)]
        x0, x1 = min(p[0] for p in pts) - 0.3, max(p[0] for p in pts) + 0.3
        y0, y1 = min(p[1] for p in pts) - 0.3, max(p[1] for p in pts) + 0.3
        ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,"
                                    "rounding_size=0.6", fill=False, ec="0.35", lw=1.8,
                                    ls="--", zorder=0))
    return fig


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


def draw_network(sizes: Sequence[int], ax=None, *, labels: Sequence[str | None] | None = None,
                 activations: Sequence[str | None] | None = None, one_hot: bool | int = False,
                 max_shown: int | Sequence[int] = 6,
                 size_labels: Sequence[str | None] | None = None, title: str | None = None,
                 fontsize: float = 11):
    """Draw a layered fully connected network, e.g. ``draw_network([784, 256, 256, 10])``.

    Neurons are circles in one column per layer (input left), every connection
    between two drawn layers is a line, and each layer's size is written under it.
    A layer with more than ``max_shown`` neurons (an int, or one per layer) shows
    ``max_shown - 1`` of them, its first and last, with "⋮" between.

    * ``labels``: a name per layer, written above it (default Input, Hidden 1, …, Output).
    * ``activations``: a name per layer after the input ("ReLU", "softmax"), written
      under the layer's name; one entry per layer with ``None`` for the input also works.
    * ``one_hot``: draw the target as a one-hot column right of the output layer
      (1 for class ``one_hot`` if it is an int, class 0 for ``True``, 0 elsewhere).
    * ``size_labels``: the text under each layer instead of its size, e.g. "25 (5×5)".

    Returns the axes. Draws on ``ax`` if given, else on a new figure sized to fit.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle

    from .plotting import PALETTE, ROLE_COLORS

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
    size_labels = _per_layer(size_labels, "size_labels", n)
    if isinstance(one_hot, bool):
        target = 0 if one_hot else None
    elif isinstance(one_hot, numbers.Integral) and 0 <= one_hot < sizes[-1]:
        target = int(one_hot)
    else:
        raise ValueError(f"one_hot must be True, False or a class index in "
                         f"[0, {sizes[-1] - 1}], got {one_hot!r}")

    slots = [_slots(s, m) for s, m in zip(sizes, shown, strict=True)]
    tallest = max(map(len, slots))
    half = (tallest - 1) / 2
    sizes_text = [t or f"{s:,}" for t, s in zip(size_labels, sizes, strict=True)]
    # Columns far enough apart for their widest text (0.65 em per character).
    em = 0.65 * fontsize / 72 / _NET_INCH

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

    def ys(layer: list) -> list[float]:  # centred columns, neurons 1 unit apart
        return [(len(layer) - 1) / 2 - j for j in range(len(layer))]

    if ax is None:
        _, ax = plt.subplots(figsize=((limits[1] - limits[0]) * _NET_INCH,
                                      (limits[3] - limits[2]) * _NET_INCH
                                      + (0.35 if title else 0)), layout="constrained")
    ax.axis("off")
    ax.set_xlim(*limits[:2])
    ax.set_ylim(*limits[2:])
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)

    colors = [PALETTE["sky"]] + [PALETTE["blue"]] * (n - 2) + [ROLE_COLORS["h"]]
    for i in range(n - 1):                # every connection between drawn neurons
        for y0, a in zip(ys(slots[i]), slots[i], strict=True):
            for y1, b in zip(ys(slots[i + 1]), slots[i + 1], strict=True):
                if a is not None and b is not None:
                    ax.plot([xs[i], xs[i + 1]], [y0, y1], color="0.6",
                            lw=0.6, alpha=0.7, zorder=1)
    for i, layer in enumerate(slots):
        x = xs[i]
        for y, j in zip(ys(layer), layer, strict=True):
            if j is None:
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=fontsize + 3,
                        zorder=3, gid=f"layer{i}:ellipsis")
            else:
                ax.add_patch(Circle((x, y), _NET_R, fc=colors[i], ec="0.2", lw=1.0,
                                    zorder=2))
        if labels[i]:
            ax.text(x, limits[3] - 0.2, labels[i], ha="center", va="top", fontsize=fontsize,
                    fontweight="bold", gid=f"layer{i}:name")
        if activations[i]:
            ax.text(x, half + 0.55, activations[i], ha="center", va="bottom",
                    fontsize=fontsize - 1, fontstyle="italic", color=PALETTE["vermillion"],
                    gid=f"layer{i}:activation")
        ax.text(x, -half - 0.5, sizes_text[i], ha="center", va="top",
                fontsize=fontsize, color=PALETTE["blue"], gid=f"layer{i}:size")
    if target is not None:                # the output's wires end at the target's 0s and 1
        x_out = xs[-1]
        for y, j in zip(ys(slots[-1]), slots[-1], strict=True):
            if j is None:
                ax.text(x_hot, y, "⋮", ha="center", va="center", fontsize=fontsize + 3,
                        gid="one_hot:ellipsis")
                continue
            ax.plot([x_out + _NET_R, x_hot - 0.45], [y, y], color="0.6", lw=0.8, zorder=1)
            hot = j == target
            ax.text(x_hot, y, "1" if hot else "0", ha="center", va="center", fontsize=fontsize,
                    fontweight="bold" if hot else "normal",
                    color=PALETTE["vermillion"] if hot else "0.3", gid=f"one_hot:{j}")
        ax.text(x_hot, limits[3] - 0.2, "one-hot", ha="center", va="top", fontsize=fontsize - 1,
                fontstyle="italic", gid="one_hot:name")
        ax.text(x_hot, -half - 0.5, f"class {target}", ha="center", va="top",
                fontsize=fontsize - 1, color="0.3", gid="one_hot:class")
    return ax
