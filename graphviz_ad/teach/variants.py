"""Per-student variants: input values drawn reproducibly from ranges.

A range is ``NAME=LO:HI`` (``--vary x=0.1:1.5`` or a graph file's ``[variants]`` table).
Variant ``k`` (1-based) of seed ``s`` is always the same numbers: variants are drawn in
order from one generator seeded with ``s``, a draw equal to an earlier variant is skipped,
so variants are distinct and ``--variants 30`` starts with the 10 of ``--variants 10``.

>>> [v.values for v in draw_variants([parse_input_range("x=0.1:1.5")], 3, seed=7, decimals=2)]
[{'x': 0.98}, {'x': 1.36}, {'x': 1.19}]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core.errors import GraphvizAdError
from ..core.files import read_text
from .answers import csv_rows

MAX_VARIANTS = 1000
MAX_DECIMALS = 6
#: range ends beyond this are refused: decimals mean nothing there, and integers fit int64
MAX_MAGNITUDE = 1e15
#: how many draws may repeat an earlier variant before the ranges count as too narrow
PATIENCE = 1000


@dataclass(frozen=True)
class InputRange:
    """Draw ``name`` uniformly from [low, high], rounded to the variant's decimals."""

    name: str
    low: float
    high: float


@dataclass(frozen=True)
class Variant:
    """One student's numbers: ``number`` (1-based), the drawn ``values``, a ``student``."""

    number: int
    values: dict[str, float] = field(default_factory=dict)
    student: str = ""

    @property
    def label(self) -> str:
        """``variant 3`` or ``variant 3 (Ada Lovelace)``."""
        return f"variant {self.number}" + (f" ({self.student})" if self.student else "")


def parse_input_range(text: str, where: str = "--vary") -> InputRange:
    """``"x=0.1:1.5"`` → ``InputRange("x", 0.1, 1.5)``; anything else is one clear error."""
    name, eq, span = (part.strip() for part in text.partition("="))
    low, colon, high = (part.strip() for part in span.partition(":"))
    if not eq or not colon or not name.replace("_", "a").replace(".", "a").isalnum():
        raise GraphvizAdError(f"{where} {text!r}: expected NAME=LOW:HIGH, e.g. x=0.1:1.5")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        raise GraphvizAdError(f"{where} {text!r}: LOW and HIGH must be numbers") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise GraphvizAdError(f"{where} {text!r}: need finite numbers with LOW ≤ HIGH")
    if max(abs(lo), abs(hi)) > MAX_MAGNITUDE:
        raise GraphvizAdError(f"{where} {text!r}: LOW and HIGH must lie within "
                              f"±{MAX_MAGNITUDE:g}")
    return InputRange(name, lo, hi)


def draw_variants(ranges: Sequence[InputRange], count: int, seed: int = 0, decimals: int = 2,
                  ) -> list[Variant]:
    """``count`` distinct variants; ``decimals=0`` draws integers (both ends included)."""
    if not 1 <= count <= MAX_VARIANTS:
        raise GraphvizAdError(f"--variants {count}: must be from 1 to {MAX_VARIANTS}")
    if not 0 <= decimals <= MAX_DECIMALS:
        raise GraphvizAdError(f"decimals {decimals}: must be from 0 to {MAX_DECIMALS}")
    if decimals == 0:
        for r in ranges:
            if math.ceil(r.low) > math.floor(r.high):
                raise GraphvizAdError(f"{r.name}={r.low:g}:{r.high:g}: no whole number in the "
                                      "range to draw at 0 decimals; widen it or give decimals")
    if count > 1 and not ranges:
        raise GraphvizAdError("nothing varies: give --vary NAME=LOW:HIGH (or a [variants] "
                              "table with vary = [...]) for more than one variant")
    rng = np.random.default_rng(seed)
    seen: set[tuple[float, ...]] = set()
    variants: list[Variant] = []
    misses = 0
    while len(variants) < count:
        values = {r.name: _draw(rng, r, decimals) for r in ranges}
        key = tuple(values.values())
        if key in seen:
            misses += 1
            if misses > PATIENCE:
                raise GraphvizAdError(f"only {len(variants)} distinct variants in these ranges "
                                      f"at {decimals} decimals; widen a range or add decimals")
            continue
        seen.add(key)
        variants.append(Variant(len(variants) + 1, values))
    return variants


def _draw(rng: np.random.Generator, r: InputRange, decimals: int) -> float:
    if decimals == 0:
        return int(rng.integers(math.ceil(r.low), math.floor(r.high) + 1))
    u = float(rng.random())
    value = round(min(max(r.low * (1 - u) + r.high * u, r.low), r.high), decimals)
    return value + 0.0  # no -0.0


def read_roster(path: str | Path) -> list[str]:
    """Student names from a CSV file: the ``name`` column if there is a header with one,
    else the first column.  Blank lines are skipped; an empty roster is an error.  Rows
    end only at line feeds (a name with U+2028 is one student, shown as one line)."""
    rows = [row for _, row in csv_rows(read_text(Path(path)), str(path))]
    if not rows:
        raise GraphvizAdError(f"{path}: the roster names no students")
    header = [c.strip().lower() for c in rows[0]]
    column = header.index("name") if "name" in header else 0
    if "name" in header or header[0] in ("student", "students"):
        rows = rows[1:]
    names = [" ".join(row[column].split()) if column < len(row) else "" for row in rows]
    if not names or not all(names):
        raise GraphvizAdError(f"{path}: every roster line needs a name")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise GraphvizAdError(f"{path}: {twice[:60]!r} is on the roster twice")
    return names


def name_variants(variants: list[Variant], students: Sequence[str]) -> list[Variant]:
    """The variants with the roster's names, in order."""
    return [Variant(v.number, v.values, s) for v, s in zip(variants, students)]
