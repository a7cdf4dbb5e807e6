"""A story's matrix nodes drawn as grids of cells: which nodes, on which colour scales,
and the slots of their cells (a colour per cell; small grids also a lighter tint and a
number per cell) as a frame's picture fills them in.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence

import numpy as np

from ..core.trace import Trace
from .matrix_cells import (
    cell_colours,
    cell_key,
    cell_number,
    cell_values,
    channel_indices,
    grid_indices,
    is_grid,
    number_key,
    numbered,
    scale_of,
    tint_key,
)
from .palette import NO_COLOUR, NUMBERED_STRENGTH

Slots = MutableMapping[str, str]


class GridNodes:
    """The nodes (of ``nodes``; none unless ``enabled``) whose value is an array."""

    def __init__(self, traces: Sequence[Trace], nodes: Sequence[str], enabled: bool) -> None:
        self.traces = traces
        #: node → whether a vector is a row, the colour scales of its value and derivative
        self.grids = self._find(nodes) if enabled else {}
        #: grid nodes small enough to show their numbers in their cells
        self.numbered = {n for n in self.grids if numbered(np.shape(traces[0].value(n)))}

    def _find(self, nodes: Sequence[str]) -> dict[str, tuple[bool, float, float]]:
        """The nodes whose value is an array: whether a vector is a row (a matrix it meets
        has its size as columns), and the colour scales of its value and of its
        derivative over all passes."""
        first = self.traces[0]
        out = {}
        for n in nodes:
            value = first.shown(n)
            if not is_grid(value):
                continue
            size = np.size(value)
            row = np.ndim(value) == 1 and any(
                np.ndim(first.value(v)) == 2 and np.shape(first.value(v))[1] == size
                and np.shape(first.value(v))[0] != size
                for v in first.graph.successors(n) if v in first.graph)
            derivatives = [t.shown_derivative(n) for t in self.traces if t.derivative_attribute]
            out[n] = (row, scale_of([value]), scale_of(derivatives))
        return out

    def cells(self, node: str) -> tuple[list[int], list[int]]:
        """The rows and columns of a grid node's cells."""
        return grid_indices(np.shape(self.traces[0].value(node)), self.grids[node][0])

    def keys(self, node: str, which: str,
             key: Callable[[str, str, int, int, int], str] = cell_key) -> list[str]:
        """The slots (``key``: :func:`cell_key`, :func:`tint_key`, :func:`number_key`) of
        every cell a grid node shows of its value (``which="v"``) or derivative (``"d"``),
        every grid of a stack."""
        rows, cols = self.cells(node)
        stack = channel_indices(np.shape(self.traces[0].value(node)))
        return [key(node, which, k, i, j) for k in range(len(stack))
                for i in range(len(rows)) for j in range(len(cols))]

    def clear(self, colors: Slots, texts: Slots, node: str, which: str) -> None:
        """Lay out a grid node's value or derivative cells without drawing them."""
        for key in self.keys(node, which):
            colors[key] = NO_COLOUR
        if node in self.numbered:
            for key in self.keys(node, which, tint_key):
                colors[key] = NO_COLOUR
            for key in self.keys(node, which, number_key):
                texts[key] = ""

    def colour(self, colors: Slots, texts: Slots, node: str, which: str, value: object) -> None:
        """Colour a grid node's value (``which="v"``) or derivative (``"d"``) cells."""
        if node not in self.grids:
            return
        row, value_scale, derivative_scale = self.grids[node]
        scale = value_scale if which == "v" else derivative_scale
        for (k, i, j), colour in cell_colours(value, scale, row).items():
            colors[cell_key(node, which, k, i, j)] = colour
        if node in self.numbered:  # the same cells lighter, under their numbers
            tints = cell_colours(value, scale, row, NUMBERED_STRENGTH)
            for (k, i, j), x in cell_values(value, row).items():
                colors[tint_key(node, which, k, i, j)] = tints[k, i, j]
                texts[number_key(node, which, k, i, j)] = cell_number(x)
