"""The attributes of a program's node, typed: read them through :func:`node_data` / :func:`node`.

A graph's nodes stay plain dicts (``G.nodes["f3"]`` is what users and networkx see); these
accessors give the type checker their keys, so a misspelt attribute is a type error.
"""

from __future__ import annotations

from typing import Any, Required, TypedDict

import networkx as nx


class NodeData(TypedDict, total=False):
    """One node: what the parser writes and what the passes add."""

    op: Required[str]  # a key of ops.PRIMITIVES, or "input" / "const"
    operands: Required[tuple[str, ...]]  # node ids, in argument order
    name: Required[str]  # the program's name (``c`` for every binding of ``c``)
    label: str  # what displays call it: ``c⁽¹⁾`` for an earlier binding
    line: int  # source position of the definition (1-based)
    column: int
    params: tuple[tuple[str, Any], ...]  # keyword parameters (axis, stride, …)
    value: Any  # a float or an ndarray, once evaluated
    tangent: Any  # ∂node/∂wrt, after a forward pass
    adjoint: Any  # ∂of/∂node, after a reverse pass
    nonfinite: bool  # a value or derivative is nan/inf (or meaningless)
    through: str  # the undefined node a meaningless derivative was computed through


def node_data(G: nx.DiGraph) -> dict[str, NodeData]:
    """G's own node → attributes dict: ``G.nodes[n]`` goes through a view per lookup, and
    a report looks nodes up hundreds of thousands of times."""
    # networkx's stubs declare no private attributes; _node is stable since nx 2.0 (as in
    # build.graph_dicts)
    return G._node  # type: ignore[attr-defined]


def node(G: nx.DiGraph, n: str) -> NodeData:
    """The attributes of node ``n`` of ``G``."""
    return node_data(G)[n]


def quantity(data: NodeData, kind: str) -> Any:
    """``data``'s ``kind`` (a :class:`~graphviz_ad.core.modes.Kind`: ``"value"``,
    ``"tangent"`` or ``"adjoint"``), for code that reads the quantity a pass names."""
    return data[kind]  # type: ignore[literal-required]
