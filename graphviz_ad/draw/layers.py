"""Program lines drawn as one node: ``Z1 = X @ W1 + b1`` as a layer, not two nodes.

A line whose intermediate results (the parser's ``f1``, ``f2``, … inside it) are each
read once, inside the same line, can be drawn as one node showing the line as written;
its intermediates are still computed (and written into the story) but not drawn.  Slides
use it only when the graph would otherwise not reach the legibility floor whole.

>>> import graphviz_ad as ad
>>> G = ad.parse("Z = X @ W + b\\nL = sum(tanh(Z))")
>>> sorted(fold_lines(G, set(G.nodes)).items()), line_definitions(G)["Z"]
([('f1', 'Z'), ('f2', 'L')], 'X @ W + b')
"""

from __future__ import annotations

import re

import networkx as nx

from ..core.formula import node_label
from ..core.nodes import node_data
from ..core.ops import is_leaf
from ..core.program import program_of

_ASSIGNMENT = re.compile(r"^\s*([^\W\d]\w*)\s*=(?!=)\s*(.+?)\s*(?:#.*)?$")


def line_definitions(G: nx.DiGraph) -> dict[str, str]:
    """Each name assigned exactly once in the program → its right-hand side as written."""
    seen: dict[str, list[str]] = {}
    for line in (program_of(G).source or "").splitlines():
        m = _ASSIGNMENT.match(line)
        if m:
            seen.setdefault(m.group(1), []).append(m.group(2))
    return {name: rhs[0] for name, rhs in seen.items() if len(rhs) == 1}


def fold_lines(G: nx.DiGraph, drawn: set[str]) -> dict[str, str]:
    """Intermediate node → the line's node it is drawn inside, for every line whose
    intermediates are each read once, inside that line."""
    lines = line_definitions(G)
    data = node_data(G)
    targets = {n for n in drawn if not is_leaf(data[n]["op"])
               and node_label(G, n) in lines}
    folded: dict[str, str] = {}
    for target in targets:
        inside: set[str] = set()
        stack = [p for p in G.predecessors(target)]
        ok = True
        while stack:
            p = stack.pop()
            if p in inside or p not in drawn or p in targets \
                    or is_leaf(data[p]["op"]):
                continue
            if G.out_degree(p) != 1:
                ok = False
                break
            inside.add(p)
            stack.extend(G.predecessors(p))
        if ok:
            folded.update((p, target) for p in inside)
    return folded
