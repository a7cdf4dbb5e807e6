"""A matrix or vector node's entries as a small grid of coloured cells.

On a slide a matrix shows as cells coloured on a diverging scale centred on 0 (blue
below, vermillion above, white at 0), one scale per node and quantity (its value, its
derivative) for the whole animation, so a colour means the same number in every frame.
Grids larger than :data:`MAX_CELLS` a side show evenly spaced rows and columns.  A vector
is drawn as a row where it is added across the rows of a matrix (a bias ``X @ W + b``),
else as a column.  A rank-3 or rank-4 array is a stack of grids, one per channel (per
leading index, or pair of indices), the first :data:`MAX_CHANNELS` of them, all on the
array's one scale.

>>> grid_indices((6, 4))
([0, 1, 2, 3, 4, 5], [0, 1, 2, 3])
>>> grid_indices((20,), row=False)
([0, 3, 5, 8, 11, 14, 16, 19], [0])
>>> channel_indices((3, 8, 8)), channel_indices((2, 3, 3, 3))
([(0,), (1,), (2,)], [(0, 0), (0, 1), (0, 2), (1, 0)])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .palette import diverging

MAX_CELLS = 8  # rows and columns shown at most
SMALL_VECTOR = 2  # vectors up to this long are written out, not drawn as cells
GRID_HEIGHT = 36.0  # points: the tallest a grid gets (a line and a half of node text)
CELL = 14.0  # points: the largest cell side
MAX_CHANNELS = 4  # grids of a rank-3/4 array shown at most (then "…")


def is_grid(value: Any) -> bool:
    """Whether a value is drawn as cells: a matrix or a rank-3/4 array, or a vector of
    more than :data:`SMALL_VECTOR` entries (a shorter one keeps its numbers: ``[0.5, −1]``)."""
    array = np.asarray(value)
    return (array.ndim in (2, 3, 4) and array.size >= 2) or (array.ndim == 1
                                                             and array.size > SMALL_VECTOR)


def channel_indices(shape: Sequence[int]) -> list[tuple[int, ...]]:
    """The leading indices of the grids drawn for an array of ``shape``: ``[()]`` (one
    grid) for a vector or matrix, else the first :data:`MAX_CHANNELS` channels (rank 3)
    or pairs of leading indices (rank 4) in index order."""
    lead = itertools.product(*(range(n) for n in shape[:-2]))
    return list(itertools.islice(lead, MAX_CHANNELS))


def more_channels(shape: Sequence[int]) -> bool:
    """Whether a stack leaves channels out (drawn as "…" after the last grid)."""
    return int(np.prod(shape[:-2], dtype=int)) > MAX_CHANNELS


def _pick(n: int) -> list[int]:
    if n <= MAX_CELLS:
        return list(range(n))
    return [int(round(i)) for i in np.linspace(0, n - 1, MAX_CELLS)]


def grid_indices(shape: Sequence[int], row: bool = False) -> tuple[list[int], list[int]]:
    """The row and column indices a grid shows for an array of ``shape`` (a vector: one
    column, or one row when ``row``); a stack's grids are its last two axes."""
    if len(shape) == 1:
        return ([0], _pick(shape[0])) if row else (_pick(shape[0]), [0])
    return _pick(shape[-2]), _pick(shape[-1])


def cell_size(rows: int) -> float:
    """The side of one cell (points) for a grid of ``rows`` rows."""
    return min(CELL, GRID_HEIGHT / rows)


def cell_colours(value: Any, scale: float,
                 row: bool = False) -> dict[tuple[int, int, int], str]:
    """Each shown cell's colour, keyed by its (grid, row, column) place in the stack
    (grid 0 for a vector or matrix)."""
    array = np.asarray(value, dtype=float)
    rows, cols = grid_indices(array.shape, row)
    if array.ndim == 1:
        array = array.reshape(1, -1) if row else array.reshape(-1, 1)
    scale = scale if scale > 0 else 1.0
    return {(k, i, j): diverging(array[lead + (r, c)] / scale)
            for k, lead in enumerate(channel_indices(array.shape))
            for i, r in enumerate(rows) for j, c in enumerate(cols)}


def cell_key(node: str, which: str, k: int, i: int, j: int) -> str:
    """The colour slot of cell (row ``i``, column ``j``) of grid ``k`` of a node's value
    (``which="v"``) or derivative (``"d"``)."""
    return f"{node}.{which}{k}_{i}_{j}"


def scale_of(values: Sequence[Any]) -> float:
    """One colour scale for several arrays: the largest finite |entry| (1 if none)."""
    biggest = 0.0
    for v in values:
        array = np.asarray(v, dtype=float)
        finite = np.abs(array[np.isfinite(array)])
        if finite.size:
            biggest = max(biggest, float(finite.max()))
    return biggest or 1.0


def grid_html(colours: Sequence[Sequence[str]], size: float) -> str:
    """An HTML-like table of fixed-size cells filled with ``colours`` (rows of colours)."""
    cells = "".join(
        "<TR>" + "".join(f'<TD WIDTH="{size:.0f}" HEIGHT="{size:.0f}" FIXEDSIZE="TRUE" '
                         f'BGCOLOR="{c}"></TD>' for c in row) + "</TR>"
        for row in colours)
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0">'
            f"{cells}</TABLE>")
