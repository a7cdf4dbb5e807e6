"""The DOT source of a derivative story: every node with its label lines (definition,
value, derivative; a matrix as cells), every edge with its label, each text and colour a
slot (:mod:`graphviz_ad.draw.template`) or, for one frame, its plain value.

How the graph is laid out (rank direction, spacing, a long chain wrapped into rows) is
chosen by the layout search of :class:`~graphviz_ad.draw.derivatives.DerivativeFrames`,
which sets the attributes declared here.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np

from ..core.formula import node_label
from ..core.nodes import node
from ..core.number_format import fmt_shape
from ..core.ops import is_input, is_leaf
from ..core.program import program_of
from .derivative_story import DerivativeStory, edge_key
from .derivative_text import padded
from .matrix_cells import (
    cell_key,
    cell_size,
    channel_indices,
    grid_html,
    more_channels,
    number_key,
    tint_key,
)
from .palette import BACKGROUND, INK
from .template import SlotDot, dot_quote

NODE_FONT, EDGE_FONT = 20, 17
SPACINGS = ((0.3, 0.4), (0.2, 0.3), (0.15, 0.2))  # (nodesep, ranksep), inches; compact: all
MANY_NODES, NSLIMIT = 40, 3  # above 40 nodes, network simplex gets 3 × nodes iterations


class StoryDot(DerivativeStory):
    """A story that writes itself as DOT, in the layout the search chose."""

    _direction: str = "LR"  # rankdir
    _spacing: tuple[float, float] = SPACINGS[0]  # nodesep, ranksep
    _rows = 1  # a long chain wrapped into this many rows (columns when TB)
    _readers_row = False  # wrapped: inputs in their first reader's row (else row 0)
    _numbers = True  # small grids show their numbers (the layout search decides)
    _slots: SlotDot | None = None  # while writing: the slot DOT being built, if any
    _state: dict[str, str]  # while writing: the frame's state (a plain DOT)

    def dot(self, slots: SlotDot | None = None, state: dict[str, str] | None = None) -> str:
        """The DOT source: with ``slots``, slot sentinels and widest texts for the layout;
        with ``state``, the plain DOT of that frame (the last one by default)."""
        state = state if state is not None else self.states[-1]
        variants = self.variants()
        self._slots, self._state = slots, state  # for the matrix nodes' HTML labels

        def colour(key: str) -> str:
            return slots.color(key, self.states[0][key]) if slots else state[key]

        def text_lines(group: str, lines: list) -> str:
            if slots is not None:
                return slots.label(group, lines)
            shown = [state[line[0]] if isinstance(line, tuple) else line for line in lines]
            return dot_quote("\n".join(line for line in shown if line))

        # large graphs: bound dot's network simplex (x positions), which otherwise spends
        # minutes on the virtual nodes of long edges (x^x^…^x, 70 terms: 28 s → 1 s)
        limit = f" nslimit={NSLIMIT}," if len(self.nodes) > MANY_NODES else ""
        nodesep, ranksep = self._spacing
        out = ["digraph graphviz_ad {",
               f'  graph [rankdir={self._direction},{limit} nodesep={nodesep}, '
               f'ranksep={ranksep}, pad=0.2, '
               f'fontname="DejaVu Sans", bgcolor="{BACKGROUND}"];',
               f'  node [fontname="DejaVu Sans", fontsize={NODE_FONT}, shape=box, '
               'style="rounded,filled", penwidth=2.5, margin="0.14,0.06", id="n_\\N"];',
               f'  edge [fontname="DejaVu Sans", fontsize={EDGE_FONT}, penwidth=2.5, '
               f'arrowsize=0.9, fontcolor="{INK}"];']
        rows = self._row_of()
        for row in range(self._rows):
            if self._rows > 1:  # an invisible cluster keeps each row's nodes together
                out.append(f"  subgraph cluster_row{row} {{ graph [peripheries=0, margin=4];")
            out += self._node_lines_dot([n for n in self.nodes if rows[n] == row],
                                        text_lines, colour, variants)
            if self._rows > 1:
                out.append("  }")
        firsts = [next(n for n in self.nodes if rows[n] == r) for r in range(self._rows)
                  if r in rows.values()]
        for r, (a, b) in enumerate(zip(firsts, firsts[1:])):  # row r above (left of) row r+1
            out.append(f"  {{ rank=same; {dot_quote(a)}; {dot_quote(b)}; }} {dot_quote(a)} -> "
                       f'{dot_quote(b)} [style=invis, id="wrap_{r}"];')
        for u, v in self.edges:
            key = edge_key(u, v)
            lines = [(f"{key}.label{i}", [padded(text, self._direction)
                                          for text in variants[f"{key}.label{i}"]])
                     for i in range(self._edge_lines)
                     if any(variants.get(f"{key}.label{i}", [""]))]
            label = f", label={text_lines('e_' + key, lines)}" if lines else ""
            wrap = ", constraint=false" if rows[u] != rows[v] else ""  # from one row to the next
            out.append(f'  {dot_quote(u)} -> {dot_quote(v)} [id={dot_quote("e_" + key)}, '
                       f'color="{colour(key + ".color")}"{label}{wrap}];')
        out.append("}")
        return "\n".join(out) + "\n"

    def _depths(self) -> dict[str, int]:
        """Each drawn node's depth: the longest path to it from a node without drawn
        operands."""
        depth: dict[str, int] = {}
        for n in self.nodes:  # program order is topological
            depth[n] = 1 + max((depth[u] for u in self.graph.predecessors(n) if u in depth),
                               default=-1)
        return depth

    def _row_of(self) -> dict[str, int]:
        """Each drawn node's row when the graph wraps: its depth cut into ``self._rows``
        equal runs."""
        depth = self._depths()
        levels = max(depth.values(), default=0) + 1
        rows = {n: d * self._rows // levels for n, d in depth.items()}
        for n in self.nodes if self._rows > 1 and self._readers_row else ():  # inputs join
            readers = [rows[v] for v in self.graph.successors(n) if v in rows]
            if depth[n] == 0 and readers:
                rows[n] = min(readers)
        return rows

    def _node_lines_dot(self, nodes: list[str], text_lines, colour, variants) -> list[str]:
        """The DOT statements of ``nodes``."""
        G = self.graph
        out = []
        for n in nodes:
            data = node(G, n)
            if n in self.grids:
                out.append(self._grid_node(n, colour, variants))
                continue
            leaf = is_leaf(data["op"])
            head = node_label(G, n) if leaf else f"{node_label(G, n)} = {self.definition(n)}"
            # compact: an input's value slot heads its label ("x = 0.5")
            lines: list = [] if self.compact and leaf else [head]
            keys = [f"{n}.value"] + [f"{n}.{kind}{i}" for kind in self._slot_kinds
                                     for i in range(self._node_lines)]
            lines += [(key, variants[key]) for key in keys if any(variants.get(key, [""]))]
            shape = ""
            if is_input(data["op"]):
                shape = ", shape=ellipse, style=filled, margin=0.02"
            if n in program_of(G).outputs:
                shape += ", peripheries=2"
            out.append(f'  {dot_quote(n)} [label={text_lines("n_" + n, lines)}, '
                       f'fillcolor="{colour(n + ".fill")}", color="{colour(n + ".border")}"'
                       f'{shape}];')
        return out

    def _grid_node(self, n: str, colour: Callable[[str], str],
                   variants: dict[str, list[str]]) -> str:
        """A matrix node: an HTML-like table of its definition, its value's cells beside
        its shape, and its derivative's cells (slot colours, fixed-size cells)."""
        G = self.graph
        slots = self._slots
        rows, cols = self.cells(n)
        size = cell_size(len(rows))
        index = 0
        parts = []

        def text(key: str | None, fixed: str = "") -> str:
            nonlocal index
            if key is None or not any(variants.get(key, [""])):
                shown = fixed
            elif slots is not None:
                shown = slots.text(key, variants[key], group="n_" + n, index=index)
            else:
                shown = self._state[key]
            index += 1 if shown.strip() else 0
            return html.escape(shown, quote=False)

        shape = np.shape(self.traces[0].value(n))
        stack = channel_indices(shape)

        def grid(which: str) -> str:
            if self._numbers and n in self.numbered:  # one stack: a matrix or a vector
                return grid_html(
                    [[colour(tint_key(n, which, 0, i, j)) for j in range(len(cols))]
                     for i in range(len(rows))], size,
                    [[text(number_key(n, which, 0, i, j)) for j in range(len(cols))]
                     for i in range(len(rows))])
            grids = [grid_html([[colour(cell_key(n, which, k, i, j)) for j in range(len(cols))]
                                for i in range(len(rows))], size) for k in range(len(stack))]
            if len(grids) == 1:
                return grids[0]
            more = f"<TD>{text(None, '…')}</TD>" if more_channels(shape) else ""
            return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="0"><TR>'
                    + "".join(f"<TD>{g}</TD>" for g in grids) + more + "</TR></TABLE>")

        derivative = self._slot_kinds[:1]  # one derivative slot per node on a slide
        width = 6 if derivative else 3
        if not is_leaf(node(G, n)["op"]):
            head = text(None, f"{node_label(G, n)} = {self.definition(n)}")
            parts.append(f'<TR><TD COLSPAN="{width}">{head}</TD></TR>')
        value = (f'<TD ALIGN="RIGHT">{text(f"{n}.value")}</TD><TD>{grid("v")}</TD>'
                 f'<TD ALIGN="LEFT">{text(None, fmt_shape(shape))}'
                 "</TD>")
        if derivative:  # a spacer cell keeps the shape and the derivative apart
            value += (f'<TD WIDTH="8"></TD><TD ALIGN="RIGHT">{text(f"{n}.{derivative[0]}0")}</TD>'
                      f'<TD>{grid("d")}</TD>')
        parts.append(f"<TR>{value}</TR>")
        table = ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
                 + "".join(parts) + "</TABLE>")
        # an input keeps the default rounded box: an ellipse around a table is √2 times
        # the table's width, most of it empty
        shape = ", peripheries=2" if n in program_of(G).outputs else ""
        return (f'  {dot_quote(n)} [label=<{table}>, fillcolor="{colour(n + ".fill")}", '
                f'color="{colour(n + ".border")}"{shape}];')
