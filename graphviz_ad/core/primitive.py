"""The record of one primitive of the language (:class:`Primitive`), the display precedences
its entries use, and the simplifying :class:`Identity` an entry may declare.  The entries
themselves are the table, :mod:`graphviz_ad.core.ops`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

# Display precedence: higher binds tighter.
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_POSTFIX, PREC_ATOM = 1, 2, 3, 4, 5, 10


class Identity(NamedTuple):
    """The op with ``constant`` at operand ``position`` is ``result``: ``"other"`` (its other
    operand), ``"ones"`` (an array of ones, shown 𝟙), a number, or the name of a one-operand
    op applied to the other operand (``"neg"``: 0 − x is −x).
    ``display``: true of how the formula reads only, not of the values (``x·0`` is an array
    of zeros, not the number 0), so a computed graph never applies it."""

    position: int
    constant: float
    result: str | float
    display: bool = False


def units(*constants: float | None) -> tuple[Identity, ...]:
    """The op with ``constants[i]`` at operand i is its other operand (×1, +0, x−0, x/1)."""
    return tuple(Identity(i, c, "other") for i, c in enumerate(constants) if c is not None)


class Singular(NamedTuple):
    """Where an op is not differentiable: a ``kind`` ("kink", "jump", "pole", "branch
    point") where ``at`` is 0: ``"a"`` (its operand), ``"b"`` (the second) or ``"a - b"``."""

    kind: str
    at: str = "a"


@dataclass(frozen=True)
class Primitive:
    """One operation of the language.

    ``text``/``latex`` are templates over ``{a}`` and ``{b}``; ``prec`` is the binding
    strength of the displayed form and ``assoc`` says which operand may sit beside an
    equal-precedence op without parentheses (``"left"``, ``"right"`` or ``"both"``).
    ``functional`` ops are written ``name(a, …)`` in the language; the others come from
    operators.  ``reduces`` ops give a result smaller than their operand (``dot``, ``size``):
    their local partial has the operand's shape, and a forward contribution
    ``local·tangent`` is summed down to the result's shape (reverse mode broadcasts
    ``adjoint·local`` up to the operand's shape): one rule, :func:`fit`, for both.
    """

    name: str
    arity: int
    fn: Callable[..., Any]
    partials: tuple[str, ...] | None
    text: str
    latex: str
    prec: int = PREC_ATOM
    assoc: str = "none"
    functional: bool = True
    reduces: bool = False
    helper: bool = False  # used by other ops' partials; callable, but not advertised
    # Linear-map rules, for ops whose derivative is not elementwise (see rules.py): the
    # tangent as ONE expression over a, b, da, db, out and the params (split at its
    # top-level + into one term per operand), and one adjoint per operand over a, b, g,
    # out.  Elementwise ops leave them None: their JVP/VJP are derived from ``partials``.
    jvp: str | None = None
    vjp: tuple[str, ...] | None = None
    params: tuple[str, ...] = ()  # constant keyword arguments accepted, e.g. ("axis",)
    promote: bool = False  # numpy matmul's 1-D promotion around the VJP
    source: str | None = None  # how error messages spell it ("{a} @ {b}"); default: text
    example: tuple[tuple[int, ...], ...] | None = None  # operand shapes for generic tests
    shaping: bool = False  # the result takes an operand's shape: never folded from numbers
    keep: bool = False  # shown, never computed, in a step's numbers (xᵀ stays xᵀ)
    matrix: bool = False  # its steps are always written in matrix form (from its VJP/JVP)
    # a JVP/VJP op that is not a linear map of its operands (softmax, logsumexp): computed
    # stably, its value carries only its own relative rounding (see core/noise.py)
    nonlinear: bool = False
    # simplifying rewrites (core/simplify.py): a constant at one operand that makes the op
    # something simpler, the op undoing itself (−(−x) is x), numbers shown first (2·x)
    identities: tuple[Identity, ...] = ()
    involution: bool = False
    numbers_first: bool = False
    # how source text writes an operator ("{a} + {b}", "-{a}", "{a}.T"); None: name(a, …)
    syntax: str | None = None
    singular: Singular | None = None  # where it has a kink, jump, pole or branch point
    last_axes: bool = False  # reads its operands' last axes (a matrix's rows and columns)
    # convolutions and poolings (and their adjoint helpers): spatial dimensions, the kind
    spatial: int = 0
    convolution: bool = False
    pool: str | None = None  # "max" or "avg", on maxpool{n}d / avgpool{n}d themselves

    @property
    def linear(self) -> bool:
        """True when the op's derivative is given by its own JVP/VJP, not by partials."""
        return self.vjp is not None
