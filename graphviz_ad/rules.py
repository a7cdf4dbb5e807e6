"""The partial derivatives of :mod:`graphviz_ad.ops`, parsed once and put to three uses.

A partial such as ``"-a/b^2"`` is parsed by the language's own parser into a tiny DAG
over the operands ``a`` and ``b``.  From that one DAG come

* :func:`partial_function`: a callable computing its number (closures over numpy
  functions; nothing is ``eval``-ed),
* :func:`partial_tree`: a display tree, shown as ``∂f4/∂f3 = exp(f3)``,
* :func:`partial_graph`: the DAG itself, which :mod:`graphviz_ad.calculus` inlines to
  build gradient graphs (and so Hessians) without a second rule table.

>>> import numpy as np
>>> float(partial_function("div", 1)(np.float64(3.0), np.float64(2.0)))
-0.75
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import networkx as nx
import numpy as np

from .ops import PRIMITIVES

OPERAND_NAMES = ("a", "b")

#: A display tree: ("leaf", text, is_number) or ("op", primitive name, children).
Tree = tuple


@cache
def partial_graph(op: str, position: int) -> nx.DiGraph:
    """The parsed DAG of ∂op/∂(operand ``position``), with inputs among ``a``, ``b``."""
    from .parse import parse  # parse imports ops; import here to keep the layers acyclic

    prim = PRIMITIVES[op]
    return parse(prim.partials[position])


@cache
def partial_function(op: str, position: int) -> Callable[..., object]:
    """A callable ``f(a[, b])`` giving the number of ∂op/∂(operand ``position``)."""
    G = partial_graph(op, position)
    (out,) = G.graph["outputs"]
    compiled = _compile(G, out)

    def partial(*operands):
        return compiled(operands)

    return partial


@cache
def local_function(op: str, position: int) -> Callable[..., object]:
    """Like :func:`partial_function`, called as ``f(operands, out)`` with the op's own
    result ``out``: wherever the partial recomputes ``op(a, b)`` (exp's ``exp(a)``,
    sigmoid's ``sigmoid(a)·(1 − sigmoid(a))``) it reads ``out`` instead, which on large
    arrays saves reverse mode a transcendental function per edge."""
    G = partial_graph(op, position)
    (out,) = G.graph["outputs"]
    compiled = _compile(G, out, op)
    return lambda operands, result: compiled((*operands, result))


def _compile(G: nx.DiGraph, node: str, reuse: str | None = None
             ) -> Callable[[Sequence[object]], object]:
    """Nested closures evaluating ``node`` of a partial's DAG from the operand tuple.

    With ``reuse=op`` the tuple ends with op's result, read for any ``op(a[, b])`` node."""
    data = G.nodes[node]
    op = data["op"]
    if reuse is not None and op == reuse and data["operands"] == OPERAND_NAMES[
            :PRIMITIVES[op].arity]:
        return lambda v: v[-1]
    if op == "input":
        index = OPERAND_NAMES.index(node)
        return lambda v: v[index]
    if op == "const":
        value = np.float64(data["value"])
        return lambda v: value
    if op == "id":
        return _compile(G, data["operands"][0], reuse)
    fn = PRIMITIVES[op].fn
    children = [_compile(G, child, reuse) for child in data["operands"]]
    if len(children) == 1:
        (c0,) = children
        return lambda v: fn(c0(v))
    c0, c1 = children
    return lambda v: fn(c0(v), c1(v))


def partial_tree(op: str, position: int, operands: Sequence[Tree]) -> Tree:
    """The display tree of ∂op/∂(operand ``position``) with ``a``, ``b`` replaced by
    ``operands`` (leaves or trees), constants folded and ×1, +0, ^1 simplified away."""
    G = partial_graph(op, position)
    (out,) = G.graph["outputs"]
    return simplify(_tree(G, out, operands))


def _tree(G: nx.DiGraph, node: str, operands: Sequence[Tree]) -> Tree:
    data = G.nodes[node]
    if data["op"] == "input":
        return operands[OPERAND_NAMES.index(node)]
    if data["op"] == "const":
        return number_leaf(data["value"])
    if data["op"] == "id":
        return _tree(G, data["operands"][0], operands)
    return ("op", data["op"], tuple(_tree(G, c, operands) for c in data["operands"]))


def number_leaf(value: float) -> Tree:
    """A leaf showing a number."""
    return ("leaf", float(value), True)


def name_leaf(name: str) -> Tree:
    """A leaf showing a node's name."""
    return ("leaf", name, False)


def _number(tree: Tree) -> float | None:
    return tree[1] if tree[0] == "leaf" and tree[2] else None


def simplify(tree: Tree) -> Tree:
    """Fold constant subtrees and drop identities, so ∂(f1^2)/∂f1 shows as 2·f1."""
    if tree[0] == "leaf":
        return tree
    op, children = tree[1], tuple(simplify(c) for c in tree[2])
    numbers = [_number(c) for c in children]
    if all(n is not None for n in numbers):
        with np.errstate(all="ignore"):
            value = float(PRIMITIVES[op].fn(*numbers))
        if np.isfinite(value):
            return number_leaf(value)
    a = numbers[0]
    b = numbers[1] if len(numbers) > 1 else None
    if op == "mul":
        if a == 1:
            return children[1]
        if b == 1:
            return children[0]
        if a == 0 or b == 0:
            return number_leaf(0.0)
        if a == -1:
            return simplify(("op", "neg", (children[1],)))
        if b is not None:  # numbers first: 2·f1, not f1·2
            return ("op", "mul", (children[1], children[0]))
    if op in ("add", "sub") and b == 0:
        return children[0]
    if op == "add" and a == 0:
        return children[1]
    if op == "sub" and a == 0:
        return simplify(("op", "neg", (children[1],)))
    if op == "div" and b == 1:
        return children[0]
    if op == "pow" and b == 1:
        return children[0]
    if op == "pow" and b == 0:
        return number_leaf(1.0)
    if op == "neg" and children[0][0] == "op" and children[0][1] == "neg":
        return children[0][2][0]
    return ("op", op, children)
