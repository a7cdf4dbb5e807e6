"""Rule programs for display, partially evaluated: what a step's numbers show.

A linear-map step's numbers are its VJP (JVP) applied to the carried number, with every
part not involving it computed (``2·𝟙``, ``Σ[0.5, −1, 2]``, ``[12, 31] · [1, 2, 3]ᵀ``);
ops marked ``keep`` (the transpose) stay shown.  An elementwise step's numbers are
``carried·local`` with the broadcasting it went through written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.formula import hadamard, sum_over
from ..core.number_format import fmt_number, fmt_ones, parenthesize_negative, product
from ..core.ops import PRIMITIVES
from ..core.rules import name_leaf, number_leaf, op_tree

if TYPE_CHECKING:
    from ..core.trace import Contribution


@dataclass(frozen=True)
class Known:
    """A number known while displaying a rule (an operand's value, or one computed)."""

    value: Any


class Shown:
    """Rule programs for display, partially evaluated: a line whose inputs are all known
    is computed; the others stay ops over leaves (the carried number's, the values')."""

    def __init__(self, style: str) -> None:
        self.style = style

    def leaf(self, v: Any) -> Any:
        return value_leaf(v.value, self.style) if isinstance(v, Known) else v

    @staticmethod
    def const(value: Any) -> Known:
        return Known(value)

    def apply(self, op: str, args: list[Any], params: tuple) -> Any:
        if all(isinstance(a, Known) for a in args) and not PRIMITIVES[op].keep:
            return Known(PRIMITIVES[op].fn(*[a.value for a in args], **dict(params)))
        children = tuple(self.leaf(a) for a in args)
        return op_tree(op, children, params)


def value_leaf(value: Any, style: str = "text") -> Any:
    """A leaf showing a value: a number leaf for a scalar, the formatted array otherwise."""
    if np.ndim(value) == 0:
        return number_leaf(value)
    return name_leaf(fmt_number(value, style))


def elementwise_numeric(c: Contribution, kind: str, matrix: bool, style: str,
                        carried_scale: Any = None, local: Any = None) -> str:
    """An elementwise term's numbers: ``carried·local`` (``⊙`` in matrix form; ``kind``
    "tangent" puts the local first), wrapped in the un-broadcast sum (``Σ(…)``,
    ``Σ_rows …``) or followed by the broadcast (``1·𝟙₁₂``) it went through.  The carried
    number's rounding noise below ``carried_scale`` shows as 0; ``local`` is the local
    derivative as shown (default ``c.local``)."""
    local_number = c.local if local is None else local
    if c.trivial:
        factors = [fmt_number(local_number, style)]
    elif matrix and np.ndim(local_number) == 0 and local_number == 1:
        factors = [fmt_number(c.carried, style, scale=carried_scale)]
    else:
        shown_local = parenthesize_negative(fmt_number(local_number, style), style)
        carried = parenthesize_negative(fmt_number(c.carried, style, scale=carried_scale),
                                        style)
        factors = [shown_local, carried] if kind == "tangent" else [carried, shown_local]
    term = hadamard(factors, style) if matrix else product(factors, style)
    if isinstance(local_number, float) and isinstance(c.carried, float) and isinstance(
            c.product, float):  # scalars: nothing summed, nothing broadcast
        return term
    summed = summed_over(c, matrix)
    if summed is not None:  # summed over the broadcast (data) axis
        return sum_over(term, summed, style, len(factors) > 1)
    if np.size(c.product) > max(np.size(c.local), np.size(c.carried)) and np.ndim(
            c.local) == 0 and np.ndim(c.carried) == 0:  # a scalar broadcast up
        return product([parenthesize_negative(term, style),
                        fmt_ones(1.0, np.shape(c.product), style)], style)
    return term


def summed_over(c: Contribution, matrix: bool) -> str | None:
    """How an elementwise term was un-broadcast: None (not at all), ``"rows"`` (over the
    leading axes of a matrix-form term) or ``""`` (otherwise)."""
    shape = np.broadcast_shapes(np.shape(c.local), np.shape(c.carried))
    kept = np.shape(c.product)
    if len(kept) >= len(shape):
        return None
    return "rows" if matrix and kept and shape[len(shape) - len(kept):] == kept else ""
