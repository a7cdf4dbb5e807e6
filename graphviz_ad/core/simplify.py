"""The simplifying rewrites, written once: constant folding and identities (×1, +0, −0, /1,
^1, −1·x, 0 − x, −(−x), numbers first).

Two representations apply them: display trees (:func:`graphviz_ad.core.rules.simplify`,
so ∂(f1^2)/∂f1 shows as 2·f1) and the graph builder
(:class:`graphviz_ad.core.build.GraphBuilder` with ``fold``, so a gradient graph stays
readable).  Each asks :func:`rewrite` about one operation whose operands are already
simplified, describing them by their numbers (None for anything else), the first one's
op and whether they are the display's array of ones 𝟙, and carries out the answer in its
own representation.

A graph's nodes are computed, so it takes only the rewrites that keep a value *and its
shape* (``x·1`` is ``x``); a display also takes those that hold only for how a formula
reads (``x·0`` shows as 0 although it is an array of zeros; ``1 @ x`` is the seed ``g = 1``
of a pullback, shown as ``x``).

>>> rewrite("mul", (None, 1.0))
Operand(operand=0)
>>> rewrite("pow", (None, 0.0)) is None, rewrite("pow", (None, 0.0), display=True)
(True, Number(value=1.0))
>>> rewrite("mul", (None, 2.0))
Apply(op='mul', operands=(1, 0))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .ops import PRIMITIVES


class Operand(NamedTuple):
    """The operation is its operand number ``operand`` unchanged."""

    operand: int


class Inner(NamedTuple):
    """The operation is operand ``position`` of its operand ``operand`` (−(−x) is x)."""

    operand: int
    position: int


class Number(NamedTuple):
    """The operation is the constant ``value``."""

    value: float


class Apply(NamedTuple):
    """The operation is ``op`` over some of its operands (by position), itself simplified."""

    op: str
    operands: tuple[int, ...]


class Ones(NamedTuple):
    """The operation is an array of ones, shown 𝟙 (display only)."""


Rewrite = Operand | Inner | Number | Apply | Ones


def fold(op: str, numbers: Sequence[float | None], params: Any = ()) -> float | None:
    """``op`` computed from constant operands, or None: when an operand is not a number,
    when the op is ``shaping`` (its result takes an operand's shape, which a number has
    not) or when the result is not finite (``1/0`` stays written)."""
    if not numbers or None in numbers or PRIMITIVES[op].shaping:
        return None
    with np.errstate(all="ignore"):
        value = float(PRIMITIVES[op].fn(*[np.float64(v) for v in numbers], **dict(params)))
    return value if np.isfinite(value) else None


def rewrite(op: str, numbers: Sequence[float | None], params: Any = (), *,
            inner: str | None = None, ones: Sequence[bool] = (),
            display: bool = False) -> Rewrite | None:
    """What ``op`` over operands with these ``numbers`` simplifies to, or None to keep it:
    constants folded, then the table's :attr:`~graphviz_ad.core.ops.Primitive.identities`,
    ``involution`` and ``numbers_first``.

    ``inner`` is the first operand's own op (None for a leaf), ``ones`` marks operands that are
    the display's 𝟙 (an elementwise op meets it as the number 1); ``display`` allows the
    rewrites that hold only for reading (see the module)."""
    prim = PRIMITIVES[op]
    if None not in numbers:
        value = fold(op, numbers, params)
        if value is not None:
            return Number(value)
    for rule in prim.identities:
        if rule.display and not display:
            continue
        at = rule.position
        if numbers[at] == rule.constant or (
                rule.constant == 1 and at < len(ones) and ones[at] and not prim.linear):
            other = 1 - at
            if rule.result == "other":
                return Operand(other)
            if rule.result == "ones":
                return Ones()
            if isinstance(rule.result, str):  # a one-operand op over the other (−x)
                return Apply(rule.result, (other,))
            return Number(float(rule.result))
    if prim.involution and inner == op:
        return Inner(0, 0)
    if prim.numbers_first and numbers[0] is None and numbers[1] is not None:
        return Apply(op, (1, 0))  # 2·f1, not f1·2
    return None
