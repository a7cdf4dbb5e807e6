"""THE table of primitives: one entry per operation, nothing about an op lives elsewhere.

Each entry gives the numeric function (numpy, so arrays broadcast), the local partial
derivatives written once *in the expression language itself* (operands are ``a`` and
``b``), and how the op is displayed in Unicode text and in LaTeX.  Everything else is
derived from the partials: the numbers in forward and reverse mode, the formula shown
on a slide (``∂f4/∂f3 = exp(f3)``) and, by differentiating them again, Hessians.

Adding a primitive is adding one entry to :data:`PRIMITIVES`.

>>> PRIMITIVES["sin"].partials
('cos(a)',)
>>> float(PRIMITIVES["mul"].fn(3.0, 4.0))
12.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Display precedence: higher binds tighter.
PREC_ADD, PREC_MUL, PREC_NEG, PREC_POW, PREC_ATOM = 1, 2, 3, 4, 10


@dataclass(frozen=True)
class Primitive:
    """One operation of the language.

    ``text``/``latex`` are templates over ``{a}`` and ``{b}``; ``prec`` is the binding
    strength of the displayed form and ``assoc`` says which operand may sit beside an
    equal-precedence op without parentheses (``"left"``, ``"right"`` or ``"both"``).
    ``functional`` ops are written ``name(a, …)`` in the language; the others come from
    operators.  ``reduces`` ops map an array operand to a scalar (their local partial is
    elementwise, and forward mode sums the contributions).
    """

    name: str
    arity: int
    fn: Callable[..., object]
    partials: tuple[str, ...]
    text: str
    latex: str
    prec: int = PREC_ATOM
    assoc: str = "none"
    functional: bool = True
    reduces: bool = False


def _step(a):
    """Heaviside step with step(0) = 0, so relu'(0) = 0 as in PyTorch."""
    return np.heaviside(a, 0.0)


def _sigmoid(a):
    """Logistic function, computed without overflow for large |a|."""
    a = np.asarray(a, dtype=float)
    e = np.exp(-np.abs(a))
    out = np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out[()] if out.ndim == 0 else out


def _softplus(a):
    """log(1 + exp(a)) without overflow."""
    return np.logaddexp(0.0, a)


def _identity(a):
    return a


def _f(name: str, fn, partials, latex: str | None = None, text: str | None = None) -> Primitive:
    """A one-argument function ``name(a)``."""
    return Primitive(name, 1, fn, tuple(partials), text or f"{name}({{a}})",
                     latex or rf"\operatorname{{{{{name}}}}}({{a}})")  # braces doubled for .format


_TABLE = [
    # operators
    Primitive("add", 2, np.add, ("1", "1"), "{a} + {b}", "{a} + {b}", PREC_ADD, "both", False),
    Primitive("sub", 2, np.subtract, ("1", "-1"), "{a} − {b}", "{a} - {b}", PREC_ADD, "left",
              False),
    Primitive("mul", 2, np.multiply, ("b", "a"), "{a}·{b}", r"{a} \cdot {b}", PREC_MUL, "both",
              False),
    Primitive("div", 2, np.divide, ("1/b", "-a/b^2"), "{a}/{b}", r"\frac{{{a}}}{{{b}}}",
              PREC_MUL, "left", False),
    Primitive("neg", 1, np.negative, ("-1",), "−{a}", "-{a}", PREC_NEG, "none", False),
    Primitive("pow", 2, np.power, ("b*a^(b - 1)", "log(a)*a^b"), "{a}^{b}", "{a}^{{{b}}}",
              PREC_POW, "right", False),
    Primitive("id", 1, _identity, ("1",), "{a}", "{a}", PREC_ATOM, "none", False),
    # functions
    _f("exp", np.exp, ["exp(a)"], r"e^{{{a}}}"),
    _f("log", np.log, ["1/a"], r"\log({a})"),
    _f("sin", np.sin, ["cos(a)"], r"\sin({a})"),
    _f("cos", np.cos, ["-sin(a)"], r"\cos({a})"),
    _f("tan", np.tan, ["1 + tan(a)^2"], r"\tan({a})"),
    _f("tanh", np.tanh, ["1 - tanh(a)^2"], r"\tanh({a})"),
    _f("sqrt", np.sqrt, ["1/(2*sqrt(a))"], r"\sqrt{{{a}}}", "√({a})"),
    _f("abs", np.abs, ["sign(a)"], r"\left|{a}\right|", "|{a}|"),
    _f("sigmoid", _sigmoid, ["sigmoid(a)*(1 - sigmoid(a))"], r"\sigma({a})", "σ({a})"),
    _f("relu", lambda a: np.maximum(a, 0.0), ["step(a)"]),
    _f("softplus", _softplus, ["sigmoid(a)"]),
    _f("square", np.square, ["2*a"], "{a}^{{2}}", "({a})²"),
    _f("sign", np.sign, ["0"]),
    _f("step", _step, ["0"]),
    Primitive("max", 2, np.maximum, ("step(a - b)", "1 - step(a - b)"), "max({a}, {b})",
              r"\max({a}, {b})"),
    Primitive("min", 2, np.minimum, ("1 - step(a - b)", "step(a - b)"), "min({a}, {b})",
              r"\min({a}, {b})"),
]

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in _TABLE}

#: Other spellings accepted in source text.
ALIASES: dict[str, str] = {"sig": "sigmoid", "ln": "log"}

#: Ops written with operator syntax; `pow(a, b)` is also accepted as a function call.
CALLABLE_OPERATORS = {"pow"}


def lookup_function(name: str) -> Primitive | None:
    """The primitive called ``name(...)`` in source text, or None if there is none."""
    name = ALIASES.get(name, name)
    prim = PRIMITIVES.get(name)
    if prim is None or not (prim.functional or name in CALLABLE_OPERATORS):
        return None
    return prim


def function_names() -> list[str]:
    """Every name usable as a function call, for error messages and help text."""
    names = [p.name for p in _TABLE if p.functional] + sorted(CALLABLE_OPERATORS)
    return sorted(set(names) | set(ALIASES))
