"""A scalar computational graph (계산 그래프) you can read in one sitting.

Every value is a :class:`Node`. A node remembers

* ``value``  -- its forward value (앞으로 전파),
* ``parents`` -- the nodes it was computed from (its inputs),
* ``local_grads`` -- the local gradients (지역 영향) d(node)/d(parent), one per parent,
* ``name``   -- a label for drawing (``"w"``, ``"h"``, ``"E"``), and
* ``grad``   -- dE/d(node), filled in by :meth:`Node.backward` (역전파).

The lecture's error graph ``h = w·x, d = h − y, E = d²`` is written::

    x, w, y = Node(1.0, "x"), Node(3.0, "w"), Node(1.0, "y")
    h = (w * x).named("h")
    d = (h - y).named("d")
    E = (d ** 2).named("E")
    E.backward()              # w.grad == 4.0, the product x·1·2d of the local gradients

``backward`` walks the graph from E back to the inputs. Each node's gradient is
its consumers' gradients times the local gradient on the wire between them,
SUMMED where wires fork (a node used twice gets both contributions). Gradients
are reset at the start of every ``backward``, so calling it twice gives the
same numbers (not double).

:func:`capsule` merges a sub-graph into one gate (연산 게이트 합치기);
:func:`draw_graph` draws a graph the way the lecture's slides do.

Values are plain Python floats. Inputs must be finite real numbers (int or
float, not bool, not NaN or infinity); anything else raises ``TypeError`` or
``ValueError`` naming the problem, and so does a gate whose result would not be
a finite number (``log`` of a number <= 0, ``exp`` overflowing).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "GATES",
    "Node",
    "backward_order",
    "capsule",
    "draw_graph",
    "exp",
    "formula",
    "gate",
    "log",
    "relu",
    "sigmoid",
    "square",
    "topological_order",
]


def _check_number(value, what: str = "value") -> float:
    """Return ``value`` as a float if it is a finite real number, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), got "
                        f"{type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value} (NaN and infinity are not allowed)")
    return value


class Node:
    """One value in the graph: an input, a constant or the output of a gate."""

    def __init__(self, value, name: str | None = None, *, op: str = "input",
                 parents: Sequence[Node] = (), local_grads: Sequence[float] = (),
                 exponent: float | None = None, label: str | None = None):
        self.value = _check_number(value, f"the value of {name or op!r}")
        self.name = None
        if name is not None:
            self.named(name)
        self.op = op                      # "input", "const", "*", "+", "-", "neg", "pow", ...
        self.parents = tuple(parents)
        self.local_grads = tuple(float(g) for g in local_grads)
        if len(self.parents) != len(self.local_grads):
            raise ValueError("a node needs exactly one local gradient per parent")
        self.exponent = exponent          # only for op == "pow"
        self.label = label                # only for capsules: the merged formula, for drawing
        self.grad = 0.0

    def named(self, name: str) -> Node:
        """Give the node a name for drawing and return it: ``h = (w * x).named("h")``."""
        if not isinstance(name, str) or not name.strip():
            raise TypeError(f"a name must be a non-empty string, got {name!r}")
        self.name = name
        return self

    def __repr__(self) -> str:
        name = f"{self.name}: " if self.name else ""
        return f"Node({name}{self.op}, value={self.value:.6g}, grad={self.grad:.6g})"

    # --- gates --------------------------------------------------------------------------
    def __add__(self, other) -> Node:
        other = _as_node(other)
        return Node(self.value + other.value, op="+", parents=(self, other), local_grads=(1, 1))

    def __mul__(self, other) -> Node:
        other = _as_node(other)          # multiply swaps: d(a·b)/da = b, d(a·b)/db = a
        return Node(self.value * other.value, op="*", parents=(self, other),
                    local_grads=(other.value, self.value))

    def __sub__(self, other) -> Node:
        other = _as_node(other)
        return Node(self.value - other.value, op="-", parents=(self, other), local_grads=(1, -1))

    def __neg__(self) -> Node:
        return Node(-self.value, op="neg", parents=(self,), local_grads=(-1,))

    def __pow__(self, exponent) -> Node:
        if isinstance(exponent, Node):
            raise TypeError("power by a non-constant: the exponent must be a Python number, "
                            "not a Node (x ** 2 is supported, x ** w is not)")
        n = _check_number(exponent, "the exponent")
        if self.value == 0 and n < 1 and n != 0:
            raise ValueError(f"0 ** {n:g} has no finite gradient")
        if self.value < 0 and n != int(n):
            raise ValueError(f"a negative number ({self.value:g}) to a non-integer power "
                             f"({n:g}) is not a real number")
        return Node(self.value ** n, op="pow", parents=(self,),
                    local_grads=(n * self.value ** (n - 1),), exponent=n)

    def __radd__(self, other) -> Node:
        return _as_node(other) + self

    def __rmul__(self, other) -> Node:
        return _as_node(other) * self

    def __rsub__(self, other) -> Node:
        return _as_node(other) - self

    def sigmoid(self) -> Node:
        s = 0.5 * (1 + math.tanh(0.5 * self.value))   # = 1/(1+e^-v), without overflow
        return Node(s, op="sigmoid", parents=(self,), local_grads=(s * (1 - s),))

    def log(self) -> Node:
        if self.value <= 0:
            raise ValueError(f"log of a non-positive number: log({self.value:g}) is undefined")
        return Node(math.log(self.value), op="log", parents=(self,),
                    local_grads=(1 / self.value,))

    def exp(self) -> Node:
        if self.value > 709:
            raise ValueError(f"exp({self.value:g}) overflows a float")
        e = math.exp(self.value)
        return Node(e, op="exp", parents=(self,), local_grads=(e,))

    def relu(self) -> Node:
        return Node(max(self.value, 0.0), op="relu", parents=(self,),
                    local_grads=(1.0 if self.value > 0 else 0.0,))

    # --- backward pass ------------------------------------------------------------------
    def backward(self) -> None:
        """Fill in ``node.grad = d(self)/d(node)`` for every node this one depends on."""
        order = topological_order(self)
        for node in order:                # reset: a second backward must not add up
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):      # consumers before the nodes they consume
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += local * node.grad   # chain rule; += sums at forks

    def edge_grad(self, parent_index: int) -> float:
        """The gradient flowing back along one input wire: local gradient × self.grad."""
        return self.local_grads[parent_index] * self.grad


def _as_node(x) -> Node:
    """Wrap a Python number as a constant node; pass nodes through."""
    if isinstance(x, Node):
        return x
    return Node(_check_number(x, "a constant"), op="const")


def sigmoid(x) -> Node:
    """σ(x) = 1/(1 + e^−x); local gradient σ(1 − σ)."""
    return _as_node(x).sigmoid()


def log(x) -> Node:
    """Natural log; local gradient 1/x."""
    return _as_node(x).log()


def exp(x) -> Node:
    """e^x; local gradient e^x."""
    return _as_node(x).exp()


def relu(x) -> Node:
    """max(x, 0); local gradient 1 if x > 0 else 0."""
    return _as_node(x).relu()


def square(x) -> Node:
    """x²; local gradient 2x."""
    return _as_node(x) ** 2


#: The gates by name, for :func:`gate`.
GATES = {
    "mul": lambda a, b: _as_node(a) * b, "add": lambda a, b: _as_node(a) + b,
    "sub": lambda a, b: _as_node(a) - b, "neg": lambda a: -_as_node(a),
    "square": square, "sigmoid": sigmoid, "log": log, "exp": exp, "relu": relu,
}


def gate(name: str, *inputs) -> Node:
    """Apply a gate by name, e.g. ``gate("sigmoid", z)``; see :data:`GATES` for the names."""
    if name not in GATES:
        raise ValueError(f"unknown gate {name!r}; known gates: {', '.join(GATES)}")
    return GATES[name](*inputs)


def topological_order(output: Node, stop_at: Iterable[Node] = ()) -> list[Node]:
    """Every node ``output`` depends on, each after all of its parents (inputs first).

    Nodes in ``stop_at`` are treated as inputs: the walk does not go past them.
    """
    stop = {id(n) for n in stop_at}
    order, seen = [], set()

    def visit(node: Node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if id(node) not in stop:
            for parent in node.parents:
                visit(parent)
        order.append(node)

    visit(output)
    return order


def backward_order(output: Node) -> list[Node]:
    """The nodes in the order the backward pass reaches them, output first.

    Sorted by depth (longest path from an input), deepest first: every node comes
    after all the nodes that consume it, and the wires nearest the output come first.
    """
    order = topological_order(output)
    depth = _depths(order)
    rank = {id(n): i for i, n in enumerate(order)}
    return sorted(order, key=lambda n: (-depth[id(n)], -rank[id(n)]))


def _depths(order: list[Node], stop: set[int] = frozenset()) -> dict[int, int]:
    depth = {}
    for node in order:
        parents = [] if id(node) in stop else node.parents
        depth[id(node)] = 1 + max((depth[id(p)] for p in parents), default=-1)
    return depth


# --- combining gates (연산 게이트 합치기) -------------------------------------------------
def capsule(output: Node, inputs: Sequence[Node], name: str | None = None,
            label: str | None = None) -> Node:
    """Merge the sub-graph between ``inputs`` and ``output`` into one gate.

    The capsule's value is ``output.value``; its local gradient for each input is
    d(output)/d(input) inside the sub-graph: the product of the local gradients along
    each path, summed over paths. Inputs of the sub-graph not listed in ``inputs``
    become constants inside the capsule. ``label`` is the merged formula to draw
    (default: :func:`formula` of the sub-graph).
    """
    inputs = list(inputs)
    if not inputs:
        raise ValueError("a capsule needs at least one input")
    for x in inputs:
        if not isinstance(x, Node):
            raise TypeError(f"capsule inputs must be Nodes, got {type(x).__name__}")
    if len({id(x) for x in inputs}) != len(inputs):
        raise ValueError("capsule inputs must be distinct nodes")
    order = topological_order(output, stop_at=inputs)
    inside = {id(n) for n in order}
    for x in inputs:
        if id(x) not in inside:
            raise ValueError(f"capsule input {x.name or x!r} is not in the graph of "
                             f"{output.name or 'the output'}")
    grads = {id(n): 0.0 for n in order}       # the same sweep as backward, kept private
    grads[id(output)] = 1.0
    stop = {id(x) for x in inputs}
    for node in reversed(order):
        if id(node) in stop:
            continue
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            grads[id(parent)] += local * grads[id(node)]
    if label is None:                          # inputs not listed are constants inside
        fixed = {n.name for n in order if not n.parents and id(n) not in stop and n.name}
        label = formula(output, substitute=fixed, stop_at=inputs)
    merged = Node(output.value, name, op="capsule", parents=inputs,
                  local_grads=[grads[id(x)] for x in inputs], label=label)
    merged.inner = output
    return merged


# --- formulas -----------------------------------------------------------------------------
_SYMBOLS = {"*": "×", "+": "+", "-": "−", "neg": "−", "sigmoid": "σ", "log": "log",
            "exp": "exp", "relu": "ReLU"}
_SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def _num(v: float) -> str:
    return f"{v:.4g}"


def formula(node: Node, substitute: Iterable[str] = (), stop_at: Iterable[Node] = ()) -> str:
    """The expression that computes ``node``, written with the names of named inputs.

    Named nodes in ``stop_at`` and unnamed leaves stop the expansion; names in
    ``substitute`` are replaced by their values: ``formula(E, substitute={"x", "y"})``
    gives ``"(w·1 − 1)²"`` for the lecture's graph.
    """
    substitute, stop = set(substitute), {id(n) for n in stop_at}

    def text(n: Node, top: bool = False) -> str:
        if n.name in substitute:
            return _num(n.value)
        if n.op == "const" or not n.parents or (id(n) in stop) or (n.op == "capsule"
                                                                   and not top):
            return n.name if (n.name and n.op != "const") else _num(n.value)
        if n.op == "capsule":
            return text(n.inner, top)
        args = [text(p) for p in n.parents]
        if n.op == "*":
            s = f"{_wrap(args[0], n.parents[0], '*')}·{_wrap(args[1], n.parents[1], '*')}"
        elif n.op in "+-":
            right = _wrap(args[1], n.parents[1], "-") if n.op == "-" else args[1]
            s = f"{args[0]} {_SYMBOLS[n.op]} {right}"
        elif n.op == "neg":
            s = f"−{_wrap(args[0], n.parents[0], '*')}"
        elif n.op == "pow":
            s = f"{_wrap(args[0], n.parents[0], 'pow')}{_num(n.exponent).translate(_SUPERSCRIPT)}"
        else:
            s = f"{_SYMBOLS[n.op]}({args[0]})"
        return s if top else f"\x00{s}"   # mark compound sub-expressions for _wrap

    return text(node, top=True).replace("\x00", "")


def _wrap(s: str, node: Node, context: str) -> str:
    """Parenthesise a compound sub-expression where precedence needs it."""
    if not s.startswith("\x00"):
        return s
    needs = {"*": ("+", "-", "neg"), "-": ("+", "-"), "pow": ("*", "+", "-", "neg", "pow")}
    op = node.op if node.op != "capsule" else node.inner.op
    return f"({s[1:]})" if op in needs[context] else s


# --- drawing ------------------------------------------------------------------------------
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
