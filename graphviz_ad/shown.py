"""Rule programs for display, partially evaluated: what a step's numbers show.

A linear-map step's numbers are its VJP (JVP) applied to the carried number, with every
part not involving it computed (``2·𝟏``, ``Σ[0.5, −1, 2]``, ``[12, 31] · [1, 2, 3]ᵀ``);
ops marked ``keep`` (the transpose) stay shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .formula import fmt_number
from .ops import PRIMITIVES
from .rules import name_leaf, number_leaf


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
        return ("op", op, children, params) if params else ("op", op, children)


def value_leaf(value: Any, style: str = "text") -> Any:
    """A leaf showing a value: a number leaf for a scalar, the formatted array otherwise."""
    if np.ndim(value) == 0:
        return number_leaf(value)
    return name_leaf(fmt_number(value, style))
