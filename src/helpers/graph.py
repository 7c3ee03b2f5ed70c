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
:func:`helpers.drawing.draw_graph` draws a graph the way the lecture's slides do.

Values are plain Python floats. Inputs must be finite real numbers (int or
float, not bool, not NaN or infinity); anything else raises ``TypeError`` or
``ValueError`` naming the problem, and so does a gate whose result would not be
a finite number (``log`` of a number <= 0, ``exp`` overflowing).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

__all__ = [
    "Node",
    "backward_order",
    "capsule",
    "exp",
    "formula",
    "log",
    "relu",
    "sigmoid",
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
        self.op = op                      # "input", "const", "*", "/", "+", "-", "neg", "pow", ...
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

    def __truediv__(self, other) -> Node:
        other = _as_node(other)          # d(a/b)/da = 1/b, d(a/b)/db = −a/b²
        if other.value == 0:
            raise ValueError(f"division by zero: {self.name or _num(self.value)} / "
                             f"{other.name or '0'} is undefined")
        return Node(self.value / other.value, op="/", parents=(self, other),
                    local_grads=(1 / other.value, -self.value / other.value ** 2))

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

    def __rtruediv__(self, other) -> Node:
        return _as_node(other) / self

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
        grads = _backward_sweep(self, order)   # fresh numbers: a second backward gives the same
        for node in order:
            node.grad = grads[id(node)]

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


def _backward_sweep(output: Node, order: list[Node], stop: set[int] = frozenset()
                    ) -> dict[int, float]:
    """The backward pass, shared by :meth:`Node.backward` and :func:`capsule`.

    Returns d(output)/d(node) for every node of ``order`` (a topological order, inputs
    first), keyed by ``id(node)``; nodes in ``stop`` pass nothing on to their parents.
    """
    grads = {id(node): 0.0 for node in order}
    grads[id(output)] = 1.0
    for node in reversed(order):          # consumers before the nodes they consume
        if id(node) in stop:
            continue
        for parent, local in zip(node.parents, node.local_grads, strict=True):
            grads[id(parent)] += local * grads[id(node)]   # chain rule; += sums at forks
    return grads


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
    stop = {id(x) for x in inputs}
    grads = _backward_sweep(output, order, stop)   # the same sweep as backward
    if label is None:                          # inputs not listed are constants inside
        fixed = {n.name for n in order if not n.parents and id(n) not in stop and n.name}
        label = formula(output, substitute=fixed, stop_at=inputs)
    merged = Node(output.value, name, op="capsule", parents=inputs,
                  local_grads=[grads[id(x)] for x in inputs], label=label)
    merged.inner = output
    return merged


# --- formulas -----------------------------------------------------------------------------
#: How formulas and drawings write each gate.
_SYMBOLS = {"*": "×", "/": "÷", "+": "+", "-": "−", "neg": "−", "sigmoid": "σ", "log": "log",
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
        elif n.op == "/":
            s = f"{_wrap(args[0], n.parents[0], '/')}/{_wrap(args[1], n.parents[1], '/r')}"
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
    needs = {"*": ("+", "-", "neg"), "-": ("+", "-"), "/": ("+", "-", "neg"),
             "/r": ("*", "/", "+", "-", "neg"), "pow": ("*", "/", "+", "-", "neg", "pow")}
    op = node.op if node.op != "capsule" else node.inner.op
    return f"({s[1:]})" if op in needs[context] else s

