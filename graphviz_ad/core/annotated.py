"""The annotated graph of a trace, sharing the parsed graph's structure.

A trace's graph has the parsed graph's nodes and edges plus numbers: each node's
``value`` and tangent or adjoint, each edge a step used its ``local`` derivative.  At
100,000 nodes a copy of the adjacency and of every attribute dict would cost more than
the numbers, so the trace graph instead

* keeps per node one :class:`Annotated` mapping: the parsed node's attributes (shared)
  plus the numbers in slots;
* shares the parsed graph's successor and predecessor dicts through read-only
  :class:`SharedAdjacency` views, whose edge attributes gain ``local`` when read: it is
  looked up in the contributions of the step that used the edge.

Reading works as with any DiGraph (``trace.graph.nodes[n]["value"]``,
``trace.graph.edges[u, v]["local"]``, ``copy()`` gives plain dicts); node attributes
may be added, the structure is read-only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import networkx as nx

from .build import LocalEdge, graph_dicts
from .trace import Deferred, Step


class Annotated(MutableMapping):
    """A trace node's attributes: the parsed node's ``base`` mapping (read, never
    changed), ``value`` and the ``attribute`` (``"tangent"``/``"adjoint"``, or None)
    holding ``derived``; keys written later live in a small dict.  ``step`` is the
    node's step (None without one), not a key."""

    __slots__ = ("base", "value", "attribute", "derived", "extra", "step")

    def __init__(self, base: Mapping[str, Any], value: Any, attribute: str | None = None,
                 derived: Any = None) -> None:
        self.base, self.value, self.attribute, self.derived = base, value, attribute, derived
        self.extra: dict[str, Any] | None = None
        self.step: Step | None = None

    def __getitem__(self, key: str) -> Any:
        if key == "value":
            return self.value
        if key == self.attribute:
            return self.derived
        extra = self.extra
        if extra is not None and key in extra:
            return extra[key]
        return self.base[key]

    def __contains__(self, key: object) -> bool:
        return (key == "value" or key == self.attribute or key in self.base
                or (self.extra is not None and key in self.extra))

    def get(self, key: str, default: Any = None) -> Any:  # reports call it 10⁵ times: one pass
        if key == "value":
            return self.value
        if key == self.attribute:
            return self.derived
        extra = self.extra
        if extra is not None and key in extra:
            return extra[key]
        return self.base.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "value":
            self.value = value
        elif key == self.attribute:
            self.derived = value
        else:
            if self.extra is None:
                self.extra = {}
            self.extra[key] = value

    def __delitem__(self, key: str) -> None:
        if self.extra is None or key not in self.extra:
            raise KeyError(f"{key!r} belongs to the trace's numbers or the parsed node")
        del self.extra[key]

    def _keys(self) -> list[str]:
        extra = self.extra or {}
        keys = [k for k in self.base if k not in extra and k != "value" and k != self.attribute]
        keys.append("value")
        if self.attribute is not None:
            keys.append(self.attribute)
        keys.extend(k for k in extra if k != "value" and k != self.attribute)
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def copy(self) -> dict[str, Any]:
        return {k: self[k] for k in self._keys()}

    def __repr__(self) -> str:
        return repr(self.copy())


class SharedAdjacency(Mapping):
    """node → neighbours, read through the parsed graph's ``adjacency`` dict
    (successors, or predecessors when ``incoming``); see :class:`Neighbours`."""

    __slots__ = ("adjacency", "nodes", "incoming", "forward")

    def __init__(self, adjacency: Mapping[str, Mapping[str, Mapping[str, Any]]],
                 nodes: Mapping[str, Annotated], incoming: bool, forward: bool) -> None:
        self.adjacency, self.nodes = adjacency, nodes
        self.incoming, self.forward = incoming, forward

    def __getitem__(self, node: str) -> Neighbours:
        return Neighbours(self, node, self.adjacency[node])

    def __contains__(self, node: object) -> bool:
        return node in self.adjacency

    def __iter__(self) -> Iterator[str]:
        return iter(self.adjacency)

    def __len__(self) -> int:
        return len(self.adjacency)

    def edge(self, u: str, v: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """The attributes of edge u→v: the parsed edge's, with the ``local`` derivative
        when the step that used the edge computed one (a linear map's is shown only)."""
        step = self.nodes[v if self.forward else u].step
        if step is not None:
            for c in step.contributions:
                if c.source == u and c.target == v:
                    if type(c.local_) is not Deferred:
                        return LocalEdge(c.positions, c.local_)
                    break
        return data


class Neighbours(Mapping):
    """One node's neighbours → edge attributes (see :meth:`SharedAdjacency.edge`)."""

    __slots__ = ("outer", "node", "neighbours")

    def __init__(self, outer: SharedAdjacency, node: str,
                 neighbours: Mapping[str, Mapping[str, Any]]) -> None:
        self.outer, self.node, self.neighbours = outer, node, neighbours

    def __getitem__(self, other: str) -> Mapping[str, Any]:
        data = self.neighbours[other]
        if self.outer.incoming:
            return self.outer.edge(other, self.node, data)
        return self.outer.edge(self.node, other, data)

    def __contains__(self, other: object) -> bool:
        return other in self.neighbours

    def __iter__(self) -> Iterator[str]:
        return iter(self.neighbours)

    def __len__(self) -> int:
        return len(self.neighbours)


def annotate(shown: nx.DiGraph, G: nx.DiGraph, values: Mapping[str, Any], steps: list[Step],
             derived: tuple[str, Mapping[str, Any], Any] | None = None,
             forward: bool = False) -> None:
    """Fill the empty ``shown`` (the graph the steps point to) as the trace graph of G:
    every node annotated with its ``value`` and, given
    ``derived`` = (attribute, numbers, zero_like), its tangent or adjoint (``zero_like``
    of the value where none was computed); edges shared with G, each edge's ``local``
    taken from ``steps`` (forward: the step of the edge's target, reverse: of its
    source)."""
    shown.graph.update(G.graph)
    nodes: dict[str, Any] = graph_dicts(shown).nodes  # filled with Annotated mappings
    source = graph_dicts(G)
    if derived is None:
        nodes.update({n: Annotated(data, values[n]) for n, data in source.nodes.items()})
    else:
        attribute, numbers, zero_like = derived
        nodes.update({n: Annotated(data, values[n], attribute,
                                   numbers[n] if n in numbers else zero_like(values[n]))
                      for n, data in source.nodes.items()})
        for step in steps:
            nodes[step.node].step = step
    # networkx's descriptors (not in its stubs): assigning _succ (= _adj) and _pred
    # resets the cached views
    graph: Any = shown
    graph._succ = SharedAdjacency(source.succ, nodes, False, forward)
    graph._pred = SharedAdjacency(source.pred, nodes, True, forward)
