"""What graphviz-ad knows about a parsed graph beyond its nodes: a :class:`Program`.

Every graph the package builds carries exactly one, stored under one key of ``G.graph`` and
read through :func:`program_of`:

>>> import graphviz_ad as ad
>>> P = ad.program_of(ad.parse("y = x*w + x"))
>>> P.inputs, P.outputs, P.order
(('x', 'w'), ('y',), ('x', 'w', 'f1', 'y'))

It is frozen and holds tuples, so ``G.copy()`` (which copies ``G.graph`` shallowly) may share
it safely; build a changed one with :func:`dataclasses.replace` and :func:`attach` it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import GraphvizAdError

_KEY = "program"  # the one key of G.graph graphviz-ad writes


@dataclass(frozen=True, slots=True)
class Program:
    """A graph's metadata.

    ``inputs``: the input node ids, in order of first use (the order values are asked for).
    ``order``: every node id in evaluation order (a topological order, inputs and constants
    where first used); the order of the forward pass and, reversed, of the reverse pass.
    ``outputs``: the output node ids (the final bindings no later statement uses), in source
    order; ``of=`` defaults to the first.
    ``source``: the program text it was parsed from (for error carets), or None.
    ``gradient_of`` / ``gradient_wrt``: for a graph built by ``gradient_graph``, the node
    differentiated and the inputs it was differentiated with respect to; None / () otherwise.
    """

    inputs: tuple[str, ...]
    order: tuple[str, ...]
    outputs: tuple[str, ...]
    source: str | None = None
    gradient_of: str | None = None
    gradient_wrt: tuple[str, ...] = ()


def program_of(G: Any) -> Program:
    """The :class:`Program` of a graph built by graphviz-ad; GraphvizAdError for any other."""
    found = getattr(G, "graph", None)
    found = found.get(_KEY) if isinstance(found, dict) else None
    if not isinstance(found, Program):
        raise GraphvizAdError(f"expected a graph from graphviz_ad.parse(), got "
                              f"{type(G).__name__} without graphviz-ad's Program: "
                              f"parse the source first")
    return found


def attach(G: Any, meta: Program) -> None:
    """Store ``meta`` as G's :class:`Program` (replacing any it had)."""
    G.graph[_KEY] = meta
