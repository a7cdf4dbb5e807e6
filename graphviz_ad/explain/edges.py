"""One edge's local derivative as text, from a :class:`~graphviz_ad.core.trace.Contribution`.

:func:`local_formula` writes ``∂f4/∂f3 = exp(f3)`` (Unicode or LaTeX); a matrix op's edge
carries a linear map rather than a number, written as the map a pass applies along it
(:func:`map_shown`): ``∂z/∂W: G ↦ G · xᵀ``.  The display trees behind them,
:func:`local_tree` and :func:`rule_tree`, come from the rule table, over the names of the
target's operands.

>>> import graphviz_ad as ad
>>> step = ad.reverse_mode(ad.parse("y = sin(x) * x"), {"x": 1.0}).steps[-1]
>>> [local_formula(c) for c in step.contributions]
['∂f1/∂x = cos(x)', '∂y/∂x = f1']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx

from ..core.formula import definition_leaves, derivative_symbol, fmt_name, show, show_leaves
from ..core.nodes import node_data
from ..core.ops import PRIMITIVES
from ..core.rules import (
    OPERAND_NAMES,
    TANGENT_NAMES,
    Tree,
    name_leaf,
    number_leaf,
    op_tree,
    partial_tree,
    rule_program,
    simplify,
)
from ..core.rules import (
    rule_tree as rule_display,
)

if TYPE_CHECKING:
    from ..core.trace import Contribution


def label(G: nx.DiGraph, node: str | None) -> str:
    """What displays call ``node`` (its label, else its name; ``?`` for none), read in
    place: a report asks 10⁵ times."""
    if node is None:
        return "?"
    data = node_data(G)[node]
    return str(data.get("label") or data["name"])


def local_formula(c: Contribution, style: str = "text", kind: str = "adjoint") -> str:
    """``∂f4/∂f3 = exp(f3)`` (or its LaTeX); a matrix op's as the map a ``kind`` pass
    applies along the edge (see :func:`map_shown`), ``∂z/∂W: G ↦ G · xᵀ``."""
    symbol = derivative_symbol(label(c.graph, c.target), label(c.graph, c.source), style)
    if PRIMITIVES[node_data(c.graph)[c.target]["op"]].matrix:  # a map, not a number
        return f"{symbol} \\colon {map_shown(c, kind, style)}" if style == "latex" \
            else f"{symbol}: {map_shown(c, kind, style)}"
    return f"{symbol} = {local_shown(c, style)}"


def map_shown(c: Contribution, kind: str = "adjoint", style: str = "text") -> str:
    """A linear-map op's edge as the map a pass applies along it, from the rule table:
    ``kind`` "tangent" (forward) its JVP, ``dW ↦ dW · x``; "adjoint" (reverse) its
    pullback (VJP), ``G ↦ G · xᵀ``."""
    carried, rule = "G", "g"
    if kind == "tangent":
        source, rule = label(c.graph, c.source), "d"
        carried = (rf"\mathrm{{d}}{fmt_name(source, style)}" if style == "latex"
                   else f"d{source}")  # a LaTeX leaf that is no identifier stays as is
    body = show(rule_tree(c, rule, name_leaf(carried)), style)
    return rf"{carried} \mapsto {body}" if style == "latex" else f"{carried} ↦ {body}"


def local_shown(c: Contribution, style: str = "text") -> str:
    """``show(local_tree(c), style)``, laid out once per op, operand positions and
    constants (see :func:`graphviz_ad.core.formula.show_leaves`)."""
    op = node_data(c.graph)[c.target]["op"]
    if PRIMITIVES[op].linear:
        return show(local_tree(c), style)
    positions = c.positions
    return show_leaves(("partial", op, positions),
                       lambda leaves: _partials(op, positions, leaves),
                       definition_leaves(c.graph, c.target), style)


def local_tree(c: Contribution) -> Tree:
    """Display tree of ∂target/∂source in terms of the target's operands."""
    op = node_data(c.graph)[c.target]["op"]
    if PRIMITIVES[op].linear:  # the pullback of 𝟙, as the numbers of `local`
        return rule_tree(c, "g", number_leaf(1.0))
    return _partials(op, c.positions, definition_leaves(c.graph, c.target))


def rule_tree(c: Contribution, carried: str, leaf: Tree) -> Tree:
    """A linear-map op's rule as written, over the target's operands, with the carried
    factor (``"g"`` for the VJP, ``"d"`` for the JVP) shown as ``leaf``."""
    data = node_data(c.graph)[c.target]
    leaves = definition_leaves(c.graph, c.target)
    env = {**dict(zip(OPERAND_NAMES, leaves)), "g": leaf,
           "out": name_leaf(label(c.graph, c.target)), **dict(data.get("params", ()))}
    kind = "show" if carried == "g" else "jvp"
    trees = [rule_display(rule_program(data["op"], kind, p), {**env, TANGENT_NAMES[p]: leaf})
             for p in c.positions]
    tree = trees[0]
    for extra in trees[1:]:
        tree = op_tree("add", (tree, extra))
    return simplify(tree)


def _partials(op: str, positions: tuple[int, ...], leaves: Sequence[Tree]) -> Tree:
    """∂op/∂operand summed over ``positions`` (x·x: both slots are x), over ``leaves``."""
    tree = partial_tree(op, positions[0], leaves)
    for p in positions[1:]:
        tree = op_tree("add", (tree, partial_tree(op, p, leaves)))
    return simplify(tree)
