"""The grid of a unit-level receptive-field drawing, and what each frame lights on it.

Unit i of row m sits at the centre of its receptive field in input coordinates,
x = −P_m + (r_m − 1)/2 + i·j_m, so strides and dilations line up visually.  Frame l
lights the layer-l unit on the path to the chosen output unit and every unit it sees
below (with its path count); unlit units inside a row's span are holes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import GraphvizAdError
from .fields import Plain, StackField, cone

MAX_COLUMNS = 100  # default cap on grid columns (input units incl. padding): rf --max-units
MAX_ROWS = 12
# Every length is a multiple of the unit-label size, so a drawing scales as a whole: on a
# 1920-px slide a stack up to ~40 columns wide shows unit labels >= 24 px and the rest >= 28.
UNIT_FONT = 20.0
# two-digit labels (1.27 em) keep 0.4 em apart in adjacent circles: no collision
DIAM, DX, DY = 1.5 * UNIT_FONT, 1.68 * UNIT_FONT, 4.9 * UNIT_FONT  # circle, column/row pitch
BAND_MARGIN = 0.2 * UNIT_FONT  # the shaded span reaches this far past a unit's circle


@dataclass(frozen=True)
class Unit:
    """One drawn unit: row m, index i (outside 0..n−1 for padding), x in input coordinates."""

    row: int
    index: int
    x: float
    pad: bool

    @property
    def name(self) -> str:
        return f"u{self.row}_{self.index}".replace("-", "m")


def _row_geometry(field: StackField, plain: Plain, m: int) -> tuple[int, int, int, int]:
    """Row m's doubled first x (2·x of its unit 0, an exact int), pitch j, and the padding
    units drawn left and right."""
    if m == 0:
        r, j, eff = 1, 1, 0
    else:
        lay = field.layers[m - 1]
        r, j, eff = lay.receptive_field, lay.jump, lay.effective_padding
    inner = m < len(plain.kernel)
    left, right = (plain.pad_left[m], plain.pad_right[m]) if inner else (0, 0)
    return r - 1 - 2 * eff, j, left, right


def grid(field: StackField, plain: Plain) -> list[list[Unit]]:
    """Units of every row (input first), padding included, at their input-space centres."""
    rows = []
    for m, n in enumerate(plain.sizes):
        x2, j, left, right = _row_geometry(field, plain, m)
        rows.append([Unit(m, i, x2 / 2 + i * j, not 0 <= i < n)
                     for i in range(-left, n + right)])
    return rows


def check_size(field: StackField, plain: Plain, max_units: int = MAX_COLUMNS) -> None:
    """Refuse drawings too wide or tall to read on a slide, from exact integer arithmetic
    alone (before a single unit is enumerated)."""
    ends = []  # doubled x of the first and last unit of every row
    for m, n in enumerate(plain.sizes):
        x2, j, left, right = _row_geometry(field, plain, m)
        ends += [x2 - 2 * left * j, x2 + 2 * (n + right - 1) * j]
    columns = (max(ends) - min(ends)) // 2 + 1
    if columns > max_units:
        huge = columns >= 10**30
        raise GraphvizAdError(
            f"the drawing would be {'over 10^30' if huge else f'{columns:,}'} units wide "
            f"(limit {max_units:,}); pass a smaller --input-size, fewer layers, a text format "
            f"(--format table)" + ("" if huge else f", or --max-units {columns} to draw it"))
    if len(plain.sizes) - 1 > MAX_ROWS:
        raise GraphvizAdError(f"{len(plain.sizes) - 1} layers are too many to draw (limit "
                              f"{MAX_ROWS}); use a text format (--format table)")


def taps(plain: Plain, unit: Unit) -> list[int]:
    li = unit.row - 1
    k, s, d, left = plain.kernel[li], plain.stride[li], plain.dilation[li], plain.pad_left[li]
    return [unit.index * s - left + t * d for t in range(k)]


def lit_cones(field: StackField, plain: Plain) -> list[dict[int, dict[int, float]]]:
    """Per frame 1..L: row -> {unit index: path count} lit by the layer-l unit."""
    out = []
    for row in field.layers:
        lit: dict[int, dict[int, float]] = {}
        if row.unit is not None:
            for m, (lo, counts) in zip(range(row.index, -1, -1), cone(plain, row.index, row.unit)):
                nz = np.nonzero(counts)[0]
                if nz.size:  # a row the unit reaches only through zero padding stays unlit
                    lit[m] = {int(lo + i): float(counts[i]) for i in nz}
        out.append(lit)
    return out


def padding_hits(cones: list[dict[int, dict[int, float]]], plain: Plain
                  ) -> list[set[tuple[int, int]]]:
    """Per frame 1..L: the (row, index) padding units tapped by a lit unit."""
    out = []
    for lit in cones:
        hits: set[tuple[int, int]] = set()
        for m, units in lit.items():
            if m == 0:
                continue
            for i in units:
                hits.update((m - 1, t) for t in taps(plain, Unit(m, i, 0.0, False))
                            if not 0 <= t < plain.sizes[m - 1])
        out.append(hits)
    return out


def frame_states(field: StackField, plain: Plain, cones: list[dict[int, dict[int, float]]],
                  pad_hits: list[set[tuple[int, int]]], level: int
                  ) -> tuple[dict[tuple[int, int], str], int]:
    """(row, index) -> top | lit | hole for the units the layer-``level`` unit sees, and
    target for the output unit (marked in every frame, from frame 0 on); and the number of
    lit tap edges."""
    if level == 0:
        return {(len(field.layers), field.unit): "top"}, 0
    lit = cones[level - 1]
    out: dict[tuple[int, int], str] = {(m, i): "lit" for m, units in lit.items() for i in units}
    out.update({key: "lit" for key in pad_hits[level - 1]})
    for m, units in lit.items():  # unlit real units inside a row's span are holes
        lo, hi = min(units), max(units)
        out.update({(m, i): "hole" for i in range(lo + 1, hi) if i not in units})
    top = field.layers[level - 1].unit
    if top is not None:  # None: every tap of the unit above falls into zero padding
        out[(level, top)] = "top"
    out.setdefault((len(field.layers), field.unit), "target")  # the question stays marked
    edges = sum(len(lit.get(m, {})) * plain.kernel[m - 1] for m in range(1, level + 1))
    return out, edges


def band_polygon(states: dict[tuple[int, int], str], where: dict[str, tuple[float, float]]
          ) -> list[tuple[float, float]]:
    """A polygon (Graphviz coordinates) around every row's lit span: the field as a funnel."""
    spans: dict[int, list[float]] = {}
    for (m, i), st in states.items():
        if st in ("top", "lit"):
            x = where[Unit(m, i, 0.0, False).name][0]
            lo_hi = spans.setdefault(m, [x, x])
            lo_hi[:] = [min(lo_hi[0], x), max(lo_hi[1], x)]
    r = DIAM / 2 + BAND_MARGIN
    rows = sorted(spans, reverse=True)  # top row first
    left = [(spans[m][0] - r, m * DY + dy) for m in rows for dy in (r, -r)]
    right = [(spans[m][1] + r, m * DY + dy) for m in reversed(rows) for dy in (-r, r)]
    return left + right
