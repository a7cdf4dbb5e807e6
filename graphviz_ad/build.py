"""The networkx graph of a parsed program: node ids, labels, edges and graph attributes.

:func:`to_graph` turns the parser's flat lists (ops, operands, positions, constants,
bindings) into the DAG every pass reads: inputs keep their names, re-bound names get
versioned ids (``c#2``, shown ``c⁽²⁾``), unnamed intermediates are ``f1, f2, …`` in the
order they were completed, and constants nobody uses are dropped.
"""

from __future__ import annotations

from typing import Any

import networkx as nx


def to_graph(b: Any) -> nx.DiGraph:
    """Name the nodes, drop unused constants and build the networkx DiGraph."""
    count = len(b.op)
    used = [False] * count
    for args in b.operands:
        for a in args:
            used[a] = True
    outputs = [bd.handle for bd in b.bindings if not bd.read and b.env[bd.name] is bd]
    keep = [(used[h] or b.op[h] != "const" or h in b.user_name) and h not in b.dropped
            for h in range(count)]

    ids: list[str] = [""] * count
    taken: set[str] = set()
    versions: dict[str, int] = {}  # name -> last version handed out, so claims stay O(1)

    def claim(name: str) -> str:
        node_id, k = name, versions.get(name, 1)
        while node_id in taken:
            k += 1
            node_id = f"{name}#{k}"
        versions[name] = k
        taken.add(node_id)
        return node_id

    for name, h in b.inputs.items():
        ids[h] = claim(name)
    for bd in b.bindings:  # user names in statement order: re-bindings get c#2, c#3, …
        if not ids[bd.handle]:
            ids[bd.handle] = claim(bd.name)
    user_names = {bd.name for bd in b.bindings} | set(b.inputs)
    counter = 0
    for h in range(count):
        if ids[h] or not keep[h]:
            continue
        if b.op[h] == "const":
            ids[h] = claim(_const_id(b.const[h]))
            continue
        while True:
            counter += 1
            if f"f{counter}" not in user_names and f"f{counter}" not in taken:
                break
        ids[h] = claim(f"f{counter}")

    G = nx.DiGraph()
    order = [ids[h] for h in range(count) if keep[h]]
    for h in range(count):
        if not keep[h]:
            continue
        line, column = b.pos[h]
        attrs = {"op": b.op[h], "operands": tuple(ids[a] for a in b.operands[h]),
                 "name": b.user_name.get(h, ids[h].split("#")[0]), "line": line,
                 "column": column}
        if h in b.params:
            attrs["params"] = b.params[h]
        if b.op[h] == "const":
            attrs["value"] = b.const[h][0]
            attrs["name"] = ids[h].split("#")[0]
            attrs["label"] = attrs["name"]  # shown as its number: duplicates need no version
        else:
            attrs["label"] = version_label(attrs["name"], ids[h])
        G.add_node(ids[h], **attrs)
    edges: dict[tuple[str, str], tuple[int, ...]] = {}
    for h in range(count):
        if keep[h]:
            for position, a in enumerate(b.operands[h]):
                key = (ids[a], ids[h])
                edges[key] = edges.get(key, ()) + (position,)
    G.add_edges_from((u, v, {"positions": p}) for (u, v), p in edges.items())
    G.graph.update(inputs=[ids[h] for h in b.inputs.values()],
                   outputs=[ids[h] for h in outputs], order=order, source=b.source)
    return G


def version_label(name: str, node_id: str) -> str:
    """The display label of a binding: ``c`` for node ``c``, ``c⁽²⁾`` for ``c#2`` (the
    second binding of ``c``, or the first binding of an input named ``c``).

    >>> version_label("c", "c#3"), version_label("c", "c")
    ('c⁽³⁾', 'c')
    """
    _, sep, version = node_id.rpartition("#")
    if not sep or not version.isdigit():
        return name
    return f"{name}⁽{version.translate(_SUPERSCRIPT_DIGITS)}⁾"


_SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _const_id(const: tuple[float, str]) -> str:
    value, text = const
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text
