"""The one graph builder: nodes by handle with sharing (CSE), constants, optional folding,
and the naming that turns them into the networkx DAG every pass reads.

:class:`GraphBuilder` serves the parser (lark callbacks add nodes; :mod:`graphviz_ad.core.parse`)
and the gradient graph (the reverse sweep's graph algebra adds nodes to a parsed graph;
:func:`graphviz_ad.core.calculus.gradient_graph`).  :meth:`GraphBuilder.to_graph` names the
nodes: inputs keep their names, a name's last binding gets the name and earlier ones versioned
ids (``c#1``, ``c#2``, shown ``c⁽¹⁾``, ``c⁽²⁾``),
constants are named by their number, other nodes are ``f1, f2, …`` (or ``g1, g2, …``) in
the order they were made, and (for a parse) constants nobody uses are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import networkx as nx

from .nodes import node_data
from .ops import ALIAS, CONSTANT, is_constant, is_input
from .program import Program, attach, program_of
from .simplify import Apply, Number, Operand, rewrite


class GraphBuilder:
    """Nodes as parallel lists indexed by an integer handle.

    ``node(op, args, pos, params)`` shares identical nodes when ``cse``; with ``fold``
    it also drops ×1, +0, −0, /1, ^1 and computes ops of constants (never shaping
    ones), so a written gradient stays readable.  :meth:`from_graph` starts from an
    existing graph, whose nodes keep their ids and are shared too."""

    def __init__(self, cse: bool = True, fold: bool = False) -> None:
        self.cse, self.fold = cse, fold
        self.op: list[str] = []
        self.operands: list[tuple[int, ...]] = []
        self.pos: list[tuple[int, int]] = []
        self.constants: dict[int, tuple[float, str]] = {}  # handle -> (value, text)
        self.params: dict[int, tuple] = {}
        self.memo: dict[tuple, int] = {}
        self.inputs: dict[str, int] = {}  # input name -> handle
        self.names: list[tuple[str, int]] = []  # bound names in order (re-bindings version)
        self.user_name: dict[int, str] = {}
        self.dropped: set[int] = set()
        self.base: nx.DiGraph | None = None  # from_graph: its nodes are handles 0…k−1
        self.handles: dict[str, int] = {}  # from_graph: node id -> handle
        self.ids: list[str] = []  # after to_graph: handle -> node id

    @classmethod
    def from_graph(cls, G: nx.DiGraph, fold: bool = True) -> GraphBuilder:
        """A builder holding G's nodes (in graph order, ids kept) to add nodes to."""
        b = cls(cse=True, fold=fold)
        b.base = G
        nodes, order = node_data(G), program_of(G).order
        handles = b.handles = {n: h for h, n in enumerate(order)}
        b.op = [nodes[n]["op"] for n in order]
        handle = handles.__getitem__
        b.operands = [tuple(map(handle, nodes[n]["operands"])) for n in order]
        b.pos = [(nodes[n]["line"], nodes[n]["column"]) for n in order]
        memo = b.memo
        for h, n in enumerate(order):
            d = nodes[n]
            op = d["op"]
            if is_constant(op):
                b.constants[h] = (float(d["value"]), d["name"])
                memo.setdefault(const_key(d["value"]), h)
            elif not is_input(op):
                params = d.get("params", ())
                if params:
                    b.params[h] = params
                memo.setdefault((op, b.operands[h], params), h)
        return b

    # -- nodes ------------------------------------------------------------------------
    def new(self, op: str, args: tuple[int, ...], pos: tuple[int, int]) -> int:
        """A new node, never shared."""
        self.op.append(op)
        self.operands.append(args)
        self.pos.append(pos)
        return len(self.op) - 1

    def node(self, op: str, args: tuple[int, ...], pos: tuple[int, int],
             params: tuple = ()) -> int:
        """The node ``op(*args, **params)``: an identical one if there is one (CSE), and
        with ``fold`` an operand or a constant where the op is trivial."""
        if self.fold:
            folded = self._fold(op, args, pos, params)
            if folded is not None:
                return folded
        key = (op, args, params)
        handle = self.memo.get(key) if self.cse else None
        if handle is None:
            handle = self.new(op, args, pos)
            if params:
                self.params[handle] = params
            if self.cse:
                self.memo[key] = handle
        return handle

    def const(self, value: float, text: str | None, pos: tuple[int, int]) -> int:
        """The constant ``value`` (written ``text``; default: its shortest form)."""
        key = const_key(value)
        if self.cse and key in self.memo:
            return self.memo[key]
        handle = self.new(CONSTANT, (), pos)
        if text is None:
            text = _const_text(float(value))
        self.constants[handle] = (float(value), text)
        if self.cse:
            self.memo[key] = handle
        return handle

    def value_of(self, handle: int) -> float | None:
        """A constant's value (None for any other node)."""
        const = self.constants.get(handle)
        return None if const is None else const[0]

    def named(self, handle: int, name: str, pos: tuple[int, int]) -> int:
        """A node called ``name`` holding ``handle``'s value (an ``id`` node, as for an
        alias ``b = a`` in source text)."""
        new = self.new(ALIAS, (handle,), pos)
        self.user_name[new] = name
        self.names.append((name, new))
        return new

    def _fold(self, op: str, args: tuple[int, ...], pos: tuple[int, int],
              params: tuple) -> int | None:
        """The handle ``op(*args)`` simplifies to (:func:`~graphviz_ad.core.simplify.rewrite`,
        the rewrites that keep values and shapes), or None to make the node.  Operands'
        ops are not passed: −(−x) → x would leave the inner −x behind, a node nobody reads."""
        done = rewrite(op, [self.value_of(a) for a in args], params)
        if done is None:
            return None
        if isinstance(done, Operand):
            return args[done.operand]
        if isinstance(done, Number):
            return self.const(done.value, None, pos)
        if isinstance(done, Apply):
            return self.node(done.op, tuple(args[i] for i in done.operands), pos)
        raise AssertionError(f"{done!r} needs operands' ops or a display")

    # -- naming ---------------------------------------------------------------------------
    def to_graph(self, prefix: str = "f", outputs: list[int] | None = None,
                 source: str | None = None, drop_unused: bool = True) -> nx.DiGraph:
        """Name the nodes and build the networkx DiGraph (from a copy of the base graph,
        if any): ``drop_unused`` drops constants nobody uses and nobody named."""
        keep = self._kept(drop_unused)
        ids = self.ids = self._node_ids(prefix, keep)
        G = self.base.copy() if self.base is not None else nx.DiGraph()
        self._fill(G, ids, keep)
        order = [ids[h] for h in range(len(self.op)) if keep[h]]
        attach(G, Program(inputs=tuple(ids[h] for h in self.inputs.values()), order=tuple(order),
                          outputs=tuple(ids[h] for h in outputs or []), source=source))
        return G

    def _kept(self, drop_unused: bool) -> list[bool]:
        """Per handle, whether its node goes into the graph."""
        count = len(self.op)
        keep = [h not in self.dropped for h in range(count)]
        if not drop_unused:
            return keep
        used = [False] * count
        for args in self.operands:
            for a in args:
                used[a] = True
        return [k and (used[h] or not is_constant(self.op[h]) or h in self.user_name)
                for h, k in enumerate(keep)]

    def _node_ids(self, prefix: str, keep: list[bool]) -> list[str]:
        """Per handle, its node id.  One name, one node: a name's LAST binding gets the plain
        id (c), earlier ones are numbered in statement order (c#1, c#2, shown c⁽¹⁾, c⁽²⁾); an
        input re-bound by an assignment is its name's first binding (x#1), as a Python
        parameter would be.  Constants are named by their number, the rest ``prefix``1, 2, …"""
        count, first = len(self.op), len(self.handles)  # base nodes keep their ids
        ids: list[str] = list(self.handles) + [""] * (count - first)
        taken: set[str] = set(self.handles)
        versions: dict[str, int] = {}  # name -> last version handed out, so claims stay O(1)

        def claim(name: str) -> str:
            node_id, k = name, versions.get(name, 1)
            while node_id in taken:
                k += 1
                node_id = f"{name}#{k}"
            versions[name] = k
            taken.add(node_id)
            return node_id

        last = {name: h for name, h in self.names}
        for name, h in self.inputs.items():
            if not ids[h]:
                ids[h] = claim(f"{name}#1" if name in last else name)
        version = {name: 1 for name in self.inputs if name in last}
        for name, h in self.names:
            if not ids[h]:
                version[name] = version.get(name, 0) + 1
                ids[h] = claim(name if last[name] == h else f"{name}#{version[name]}")
        user_names = {name for name, _ in self.names} | set(self.inputs)
        counter = 0
        for h in range(first, count):
            if ids[h] or not keep[h]:
                continue
            if is_constant(self.op[h]):
                ids[h] = claim(_const_id(self.constants[h]))
                continue
            while True:
                counter += 1
                if f"{prefix}{counter}" not in user_names and f"{prefix}{counter}" not in taken:
                    break
            ids[h] = claim(f"{prefix}{counter}")
        return ids

    def _fill(self, G: nx.DiGraph, ids: list[str], keep: list[bool]) -> None:
        """The new nodes and their edges added to ``G``, through networkx's own dicts
        (add_node/add_edges_from check and copy per call)."""
        nodes, succ, pred = graph_dicts(G)
        op, operands, pos, user_name = self.op, self.operands, self.pos, self.user_name
        new = [h for h in range(len(self.handles), len(op)) if keep[h]]
        for h in new:
            node_id = ids[h]
            line, column = pos[h]
            kind = op[h]
            name = user_name.get(h) or (node_id.split("#")[0] if "#" in node_id else node_id)
            attrs: dict[str, Any] = {"op": kind, "operands": tuple([ids[a] for a in operands[h]]),
                                     "name": name, "line": line, "column": column}
            if h in self.params:
                attrs["params"] = self.params[h]
            if is_constant(kind):
                attrs["value"] = self.constants[h][0]
                attrs["name"] = name = node_id.split("#")[0] if "#" in node_id else node_id
                attrs["label"] = name  # shown as its number: duplicates need no version
            else:
                attrs["label"] = version_label(name, node_id) if "#" in node_id else name
            nodes[node_id] = attrs
            succ[node_id] = {}
            pred[node_id] = {}
        for h in new:
            v = ids[h]
            into = pred[v]
            for position, a in enumerate(operands[h]):
                u = ids[a]
                edge = into.get(u)
                positions = (position,) if edge is None else edge["positions"] + (position,)
                into[u] = succ[u][v] = edge_data(positions)


class GraphDicts(NamedTuple):
    """networkx's own dicts behind a DiGraph: node → attributes, node → successor →
    edge attributes, node → predecessor → edge attributes (the same edge mappings).
    The engine reads and fills them directly: no view object per lookup, no checks
    and copies per ``add_node``."""

    nodes: dict[str, dict[str, Any]]
    succ: dict[str, dict[str, Mapping[str, Any]]]
    pred: dict[str, dict[str, Mapping[str, Any]]]


def graph_dicts(G: nx.DiGraph) -> GraphDicts:
    """G's :class:`GraphDicts` (its private ``_node``/``_succ``/``_pred``)."""
    # networkx's stubs declare no private attributes; these three are stable since nx 2.0
    return GraphDicts(G._node, G._succ, G._pred)  # type: ignore[attr-defined]


_EDGES: dict[tuple[int, ...], Mapping[str, Any]] = {}


def edge_data(positions: tuple[int, ...]) -> Mapping[str, Any]:
    """The attributes of an edge filling argument ``positions``: one read-only mapping per
    distinct ``positions``, shared by every such edge (a 100,000-node graph would
    otherwise hold 200,000 equal dicts).  ``G.copy()`` gives ordinary dicts."""
    data = _EDGES.get(positions)
    if data is None:
        data = _EDGES[positions] = MappingProxyType({"positions": positions})
    return data


class LocalEdge(Mapping):
    """A trace's edge attributes: ``positions`` and the ``local`` derivative, read-only,
    in two slots instead of a dict."""

    __slots__ = ("positions", "local")

    def __init__(self, positions: tuple[int, ...], local: Any) -> None:
        self.positions, self.local = positions, local

    def __getitem__(self, key: str) -> Any:
        if key == "positions":
            return self.positions
        if key == "local":
            return self.local
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("positions", "local"))

    def __len__(self) -> int:
        return 2

    def copy(self) -> dict[str, Any]:
        return {"positions": self.positions, "local": self.local}

    def __repr__(self) -> str:
        return repr(self.copy())


def const_key(value: float) -> tuple:
    """The sharing key of a constant: -0.0 == 0.0, but 1/-0.0 = -inf."""
    return (CONSTANT, float(value), math.copysign(1.0, value))


def version_label(name: str, node_id: str) -> str:
    """The display label of a binding: ``c`` for node ``c`` (the last binding of ``c``),
    ``c⁽²⁾`` for ``c#2`` (its second binding, when there are more; an input named ``c``
    that is re-bound is ``c#1``).

    >>> version_label("c", "c#3"), version_label("c", "c")
    ('c⁽³⁾', 'c')
    """
    _, sep, version = node_id.rpartition("#")
    if not sep or not version.isdigit():
        return name
    return f"{name}⁽{version.translate(_SUPERSCRIPT_DIGITS)}⁾"


_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _const_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _const_id(const: tuple[float, str]) -> str:
    value, text = const
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text
