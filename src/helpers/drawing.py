"""Drawing: the computational graphs of :mod:`helpers.graph` and layered network diagrams.

* :func:`draw_graph` draws a scalar graph the way the lecture's slides do: gates as
  circles, each wire with its name, its forward value above and its gradient below.
* :func:`draw_network` draws a fully connected network as the lecture's pp. 47, 49
  and 62 do: neurons as circles in columns, every connection, each layer's size
  under it, large layers elided with "⋮".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ._layout import (  # noqa: F401  (_fmt, _local_symbol: used by the tests)
    _GAP,
    _INCH,
    _MAX_FILL,
    _NET_INCH,
    _NET_R,
    _STACKED,
    _box_inches,
    _char_width,
    _fmt,
    _Geometry,
    _geometry,
    _local_symbol,
    _local_texts,
    _Net,
    _network_layout,
    _ports,
    _select,
    _symbol,
)
from .graph import Node
from .plotting import PALETTE, ROLE_COLORS

__all__ = ["draw_graph", "draw_network"]

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
    if not isinstance(output, Node):
        raise TypeError(f"draw_graph needs the output Node, got {type(output).__name__}")
    if local not in (None, "symbol", "value"):
        raise ValueError(f"local must be None, 'symbol' or 'value', got {local!r}")
    value_text, grad_text, local_text = value_text or {}, grad_text or {}, local_text or {}
    ax, geo = _place(output, ax, values=values, grads=grads, local=local,
                     local_text=local_text, enclose=enclose, title=title, fontsize=fontsize,
                     max_width=max_width)
    show_grad = _select(grads, geo.order)
    show_grad.discard(id(output))
    if output_grad:
        show_grad.add(id(output))
    rings_grad, rings_local = _rings(geo.order, highlight, value_text, grad_text, local_text)
    style = _Style(fontsize, show_grad, rings_grad, rings_local, value_text, grad_text)
    _paint_wires(ax, geo, style, values)
    _paint_forks(ax, geo, style)
    _paint_gates(ax, geo, style, local, local_text)
    if enclose:
        _paint_enclosure(ax, geo, enclose)
    return ax.figure


def _place(output: Node, ax, *, values, grads, local, local_text, enclose, title, fontsize,
           max_width) -> tuple:
    """The axes to draw on (a new figure sized to fit if ``ax`` is None) and the layout.

    The spacing does not depend on WHICH gradients are shown (only on whether any can
    be), so the frames of a step-by-step slider keep the same layout.
    """
    import matplotlib.pyplot as plt

    def geometry(spread: float, inch: float) -> _Geometry:
        """The layout with rows spread by ``spread``, for a unit drawn ``inch`` wide."""
        return _geometry(output, local, local_text, local is not None, spread,
                         _char_width(fontsize, inch), bool(enclose))

    spread = _STACKED if (values and grads is not False) else 1.0
    geo = geometry(spread, _INCH)         # a first guess, to size the figure
    given = ax is not None
    if not given:
        inch = min(_INCH, max_width / geo.width)
        _, ax = plt.subplots(figsize=(geo.width * inch, geo.height * inch
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
    if not given:                         # the figure as wide as the final layout needs
        inch = min(_INCH, max_width / geo.width)
        ax.figure.set_size_inches(geo.width * inch,
                                  geo.height * inch + (0.45 if title else 0.1))
    x_lo, x_hi, y_lo, y_hi = geo.limits
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    return ax, geo


def _rings(order: list[Node], highlight, *texts: dict) -> tuple[set, set]:
    """Check the names in the text options; the gradients and local gradients to ring."""
    by_name = {n.name: n for n in order if n.name}
    for key in [k for t in texts for k in t]:
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
    return rings_grad, rings_local


@dataclass
class _Style:
    """What the painting steps share: sizes, which labels to show, which to ring."""
    fontsize: float
    show_grad: set
    rings_grad: set
    rings_local: set
    value_text: dict
    grad_text: dict


def _name_color(n: Node) -> str:
    return ROLE_COLORS.get(n.name, "black") if n.name in ("w", "h", "E") else "black"


def _ring(ax, x: float, y: float, w: float, h: float) -> None:
    from matplotlib.patches import Ellipse
    ax.add_patch(Ellipse((x, y), w, h, fill=False, color=PALETTE["orange"], lw=2, zorder=6))


def _paint_wires(ax, geo: _Geometry, style: _Style, values: bool) -> None:
    """Each wire and its stack of labels: value above, name on the wire, gradient below.

    The texts carry gid "wire<j>:value/name/grad" so that tests can find them.
    """
    fs = style.fontsize
    for j, wire in enumerate(geo.wires):
        n = wire.node
        ax.plot([p[0] for p in wire.path], [p[1] for p in wire.path],
                color="0.25", lw=1.6, zorder=1, solid_capstyle="round")
        mx, my = (wire.seg0[0] + wire.seg1[0]) / 2, wire.seg0[1]
        if n.name and n.op != "const":
            ax.text(mx, my, n.name, ha="center", va="center", fontsize=fs,
                    fontstyle="italic", fontweight="bold", color=_name_color(n), zorder=4,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                    gid=f"wire{j}:name")
        if values or n.op == "const":
            ax.text(mx, my + _GAP, style.value_text.get(n.name, _fmt(n.value)), ha="center",
                    va="bottom", fontsize=fs, color=ROLE_COLORS["forward"], fontweight="bold",
                    zorder=4, gid=f"wire{j}:value")
        if id(n) in style.show_grad:
            many = len(geo.consumers[id(n)]) > 1
            text = _fmt(wire.grad) if many else style.grad_text.get(n.name, _fmt(wire.grad))
            ax.text(mx, my - _GAP, text, ha="center", va="top", fontsize=fs,
                    color=ROLE_COLORS["gradient"], fontweight="bold", zorder=4,
                    gid=f"wire{j}:grad")
            if id(n) in style.rings_grad:
                _ring(ax, mx, my - _GAP - 0.15, 0.16 * len(text) + 0.35, 0.45)


def _paint_forks(ax, geo: _Geometry, style: _Style) -> None:
    """Dots where a value splits; an input used by several gates gets its name and Σ grad."""
    for x, y in geo.dots:                 # a gate's output used by several gates
        ax.plot([x], [y], "o", color="0.25", ms=5, zorder=3)
    for j, n in enumerate(geo.forks):     # one input used by several gates: the sum of its wires
        x, y = geo.pos[id(n)]
        ax.plot([x], [y], "o", color="0.25", ms=5, zorder=3)
        ax.text(x - 0.15, y, n.name or _fmt(n.value), ha="right", va="center",
                fontsize=style.fontsize, fontstyle="italic", fontweight="bold",
                color=_name_color(n), gid=f"fork{j}:name")
        if id(n) in style.show_grad:
            ax.text(x - 0.15, y - 0.3, style.grad_text.get(n.name, "Σ " + _fmt(n.grad)),
                    ha="right", va="top", fontsize=style.fontsize,
                    color=ROLE_COLORS["gradient"], fontweight="bold", gid=f"fork{j}:grad")


def _paint_gates(ax, geo: _Geometry, style: _Style, local, local_text: dict) -> None:
    """Gates as circles with their symbol, capsules as rounded boxes with their formula."""
    from matplotlib.patches import Circle, FancyBboxPatch

    for n in geo.order:
        if not n.parents:
            continue
        cx, cy = geo.pos[id(n)]
        hw, hh = geo.size[id(n)]
        ports = _ports(n, geo.pos, geo.size, local is not None)
        if n.op == "capsule":
            ax.add_patch(FancyBboxPatch((cx - hw, cy - hh), 2 * hw, 2 * hh,
                                        boxstyle="round,pad=0,rounding_size=0.35",
                                        fc="white", ec="black", lw=1.6, zorder=2))
            sx, sy = (cx, cy + hh - 0.32) if local else (cx, cy)
            symbol = n.label or "capsule"
        else:
            ax.add_patch(Circle((cx, cy), hw, fc="white", ec="black", lw=1.6, zorder=2))
            one = len(ports) == 1
            sx, sy = ((cx, cy + 0.3 * hw) if (local and one) else
                      (cx + 0.42 * hw, cy) if local else (cx, cy))
            symbol = _symbol(n)
        big = style.fontsize + (0 if n.op == "capsule" or len(symbol) > 2 else 5)
        ax.text(sx, sy, symbol, ha="center", va="center", fontsize=big, zorder=3)
        if local is not None:
            _paint_local_grads(ax, n, (cx, cy, hw), ports, _local_texts(n, local, local_text),
                               style)


def _paint_local_grads(ax, n: Node, gate: tuple, ports: list, texts: list[str],
                       style: _Style) -> None:
    """The local gradients written inside a gate, each beside its input."""
    cx, cy, hw = gate
    small = max(style.fontsize - 1, 10)
    for i, ((px, py), text) in enumerate(zip(ports, texts, strict=True)):
        if n.op == "capsule":
            lx, ly, lha = px + 0.12, py, "left"
        elif len(ports) == 1:
            lx, ly, lha = cx, cy - 0.35 * hw, "center"
        else:
            lx, ly, lha = cx - 0.38 * hw, cy + 0.75 * (py - cy), "center"
        ax.text(lx, ly, text, ha=lha, va="center", fontsize=small, color="0.15",
                fontstyle="italic", zorder=5)
        if (id(n), i) in style.rings_local:
            w = 0.15 * len(text) + 0.3
            _ring(ax, lx + (w / 2 - 0.15 if lha == "left" else 0), ly, w, 0.42)


def _paint_enclosure(ax, geo: _Geometry, enclose: Sequence[Node]) -> None:
    """One dashed rounded capsule around the given gates (p. 15 of the lecture)."""
    from matplotlib.patches import FancyBboxPatch

    if any(id(n) not in geo.size for n in enclose):
        raise ValueError("enclose must list gates of this graph (nodes with inputs)")
    pts = [(geo.pos[id(n)][0] + sx * geo.size[id(n)][0], geo.pos[id(n)][1] + sy * geo.size[id(n)][1])
           for n in enclose for sx in (-1, 1) for sy in (-1, 1)]
    x0, x1 = min(p[0] for p in pts) - 0.3, max(p[0] for p in pts) + 0.3
    y0, y1 = min(p[1] for p in pts) - 0.3, max(p[1] for p in pts) + 0.3
    ax.add_patch(FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0,"
                                "rounding_size=0.6", fill=False, ec="0.35", lw=1.8,
                                ls="--", zorder=0))


# --- network diagrams ---------------------------------------------------------------------
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

    net = _network_layout(sizes, labels, activations, one_hot, max_shown, size_labels, fontsize)
    x_lo, x_hi, y_lo, y_hi = net.limits
    if ax is None:
        _, ax = plt.subplots(figsize=((x_hi - x_lo) * _NET_INCH,
                                      (y_hi - y_lo) * _NET_INCH + (0.35 if title else 0)),
                             layout="constrained")
    ax.axis("off")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    _paint_connections(ax, net)
    _paint_layers(ax, net)
    if net.target is not None:
        _paint_one_hot(ax, net)
    return ax


def _paint_connections(ax, net: _Net) -> None:
    """Every connection between two drawn neurons of neighbouring layers."""
    for i in range(len(net.slots) - 1):
        for y0, a in zip(net.ys(net.slots[i]), net.slots[i], strict=True):
            for y1, b in zip(net.ys(net.slots[i + 1]), net.slots[i + 1], strict=True):
                if a is not None and b is not None:
                    ax.plot([net.xs[i], net.xs[i + 1]], [y0, y1], color="0.6",
                            lw=0.6, alpha=0.7, zorder=1)


def _paint_layers(ax, net: _Net) -> None:
    """The neurons (or "⋮") of each layer, its name and activation above, its size below."""
    from matplotlib.patches import Circle

    n, fs = len(net.slots), net.fontsize
    colors = [PALETTE["sky"]] + [PALETTE["blue"]] * (n - 2) + [ROLE_COLORS["h"]]
    for i, (x, layer) in enumerate(zip(net.xs, net.slots, strict=True)):
        for y, j in zip(net.ys(layer), layer, strict=True):
            if j is None:
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=fs + 3, zorder=3,
                        gid=f"layer{i}:ellipsis")
            else:
                ax.add_patch(Circle((x, y), _NET_R, fc=colors[i], ec="0.2", lw=1.0, zorder=2))
        if net.labels[i]:
            ax.text(x, net.limits[3] - 0.2, net.labels[i], ha="center", va="top", fontsize=fs,
                    fontweight="bold", gid=f"layer{i}:name")
        if net.activations[i]:
            ax.text(x, net.half + 0.55, net.activations[i], ha="center", va="bottom",
                    fontsize=fs - 1, fontstyle="italic", color=PALETTE["vermillion"],
                    gid=f"layer{i}:activation")
        ax.text(x, -net.half - 0.5, net.sizes_text[i], ha="center", va="top", fontsize=fs,
                color=PALETTE["blue"], gid=f"layer{i}:size")


def _paint_one_hot(ax, net: _Net) -> None:
    """The one-hot target right of the output layer: the output's wires end at its 0s and 1."""
    fs, x_hot = net.fontsize, net.x_hot
    for y, j in zip(net.ys(net.slots[-1]), net.slots[-1], strict=True):
        if j is None:
            ax.text(x_hot, y, "⋮", ha="center", va="center", fontsize=fs + 3,
                    gid="one_hot:ellipsis")
            continue
        ax.plot([net.xs[-1] + _NET_R, x_hot - 0.45], [y, y], color="0.6", lw=0.8, zorder=1)
        hot = j == net.target
        ax.text(x_hot, y, "1" if hot else "0", ha="center", va="center", fontsize=fs,
                fontweight="bold" if hot else "normal",
                color=PALETTE["vermillion"] if hot else "0.3", gid=f"one_hot:{j}")
    ax.text(x_hot, net.limits[3] - 0.2, "one-hot", ha="center", va="top", fontsize=fs - 1,
            fontstyle="italic", gid="one_hot:name")
    ax.text(x_hot, -net.half - 0.5, f"class {net.target}", ha="center", va="top",
            fontsize=fs - 1, color="0.3", gid="one_hot:class")
