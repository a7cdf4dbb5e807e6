"""A matrix or vector node's entries as a small grid of coloured cells.

On a slide a matrix shows as cells coloured on a diverging scale centred on 0 (blue
below, vermillion above, white at 0), one scale per node and quantity (its value, its
derivative) for the whole animation, so a colour means the same number in every frame.
Grids larger than :data:`MAX_CELLS` a side show evenly spaced rows and columns.  A vector
is drawn as a row where it is added across the rows of a matrix (a bias ``X @ W + b``),
else as a column.  A rank-3 or rank-4 array is a stack of grids, one per channel (per
leading index, or pair of indices), the first :data:`MAX_CHANNELS` of them, all on the
array's one scale.  Small ones (matrices up to :data:`NUMBERED_SIDE` a side, vectors up to
:data:`NUMBERED_VECTOR` long) can keep their numbers, each on its cell's colour, lighter.

>>> grid_indices((6, 4))
([0, 1, 2, 3, 4, 5], [0, 1, 2, 3])
>>> grid_indices((20,), row=False)
([0, 3, 5, 8, 11, 14, 16, 19], [0])
>>> numbered((4, 4)), numbered((6,)), numbered((5, 2)), numbered((2, 2, 2))
(True, True, False, False)
>>> [cell_number(x) for x in (0.5, -1.234, -0.001, 123.4, 2.5e4)]
['0.5', '−1.23', '0', '123', '2.5e+04']
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
NUMBERED_SIDE = 4  # matrices up to 4×4 ...
NUMBERED_VECTOR = 6  # ... and vectors up to 6 long can show their numbers in their cells


def is_grid(value: Any) -> bool:
    """Whether a value is drawn as cells: a matrix or a rank-3/4 array, or a vector of
    more than :data:`SMALL_VECTOR` entries (a shorter one keeps its numbers: ``[0.5, −1]``)."""
    array = np.asarray(value)
    return (array.ndim in (2, 3, 4) and array.size >= 2) or (array.ndim == 1
                                                             and array.size > SMALL_VECTOR)


def numbered(shape: Sequence[int]) -> bool:
    """Whether an array of ``shape`` is small enough to show its numbers in its cells."""
    if len(shape) == 1:
        return shape[0] <= NUMBERED_VECTOR
    return len(shape) == 2 and max(shape) <= NUMBERED_SIDE


def cell_number(x: float) -> str:
    """A cell's number: at most two decimals, no trailing zeros (``−`` for minus); whole
    from 100, an exponent from 1000."""
    x = float(x)
    if x != x or abs(x) == float("inf"):
        text = str(x)
    elif abs(x) >= 1000:
        text = f"{x:.1e}"
    elif abs(x) >= 100:
        text = f"{x:.0f}"
    else:
        text = f"{x:.2f}".rstrip("0").rstrip(".")
    text = text.replace("-", "−")
    return "0" if text == "−0" else text


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


def cell_values(value: Any, row: bool = False) -> dict[tuple[int, int, int], float]:
    """Each shown cell's entry, keyed by its (grid, row, column) place in the stack
    (grid 0 for a vector or matrix)."""
    array = np.asarray(value, dtype=float)
    rows, cols = grid_indices(array.shape, row)
    if array.ndim == 1:
        array = array.reshape(1, -1) if row else array.reshape(-1, 1)
    return {(k, i, j): float(array[lead + (r, c)])
            for k, lead in enumerate(channel_indices(array.shape))
            for i, r in enumerate(rows) for j, c in enumerate(cols)}


def cell_colours(value: Any, scale: float, row: bool = False,
                 strength: float = 1.0) -> dict[tuple[int, int, int], str]:
    """Each shown cell's colour (see :func:`cell_values`) on ``scale``; a cell that shows
    its number is tinted ``strength`` (palette.NUMBERED_STRENGTH) of the way."""
    scale = scale if scale > 0 else 1.0
    return {place: diverging(x / scale, strength)
            for place, x in cell_values(value, row).items()}


def cell_key(node: str, which: str, k: int, i: int, j: int) -> str:
    """The colour slot of cell (row ``i``, column ``j``) of grid ``k`` of a node's value
    (``which="v"``) or derivative (``"d"``)."""
    return f"{node}.{which}{k}_{i}_{j}"


def tint_key(node: str, which: str, k: int, i: int, j: int) -> str:
    """The colour slot of a numbered cell (lighter than :func:`cell_key`'s)."""
    return f"{node}.{which}t{k}_{i}_{j}"


def number_key(node: str, which: str, k: int, i: int, j: int) -> str:
    """The text slot of the number a numbered cell shows (see :func:`cell_key`)."""
    return f"{node}.{which}n{k}_{i}_{j}"


def scale_of(values: Sequence[Any]) -> float:
    """One colour scale for several arrays: the largest finite |entry| (1 if none)."""
    biggest = 0.0
    for v in values:
        array = np.asarray(v, dtype=float)
        finite = np.abs(array[np.isfinite(array)])
        if finite.size:
            biggest = max(biggest, float(finite.max()))
    return biggest or 1.0


def grid_html(colours: Sequence[Sequence[str]], size: float,
              texts: Sequence[Sequence[str]] | None = None) -> str:
    """An HTML-like table of fixed-size cells filled with ``colours`` (rows of colours);
    with ``texts`` (escaped HTML, rows like ``colours``) each cell holds its text and is
    as wide as its column's widest."""
    if texts is None:
        cells = "".join(
            "<TR>" + "".join(f'<TD WIDTH="{size:.0f}" HEIGHT="{size:.0f}" FIXEDSIZE="TRUE" '
                             f'BGCOLOR="{c}"></TD>' for c in row) + "</TR>"
            for row in colours)
    else:
        cells = "".join(
            "<TR>" + "".join(f'<TD ALIGN="RIGHT" BGCOLOR="{c}">{t}</TD>'
                             for c, t in zip(row, text_row)) + "</TR>"
            for row, text_row in zip(colours, texts))
    padding = 0 if texts is None else 2
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="{padding}">'
            f"{cells}</TABLE>")
