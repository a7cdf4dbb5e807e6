"""THE table of primitives: one entry per operation, nothing about an op lives elsewhere.

Each entry gives the numeric function (numpy, so arrays broadcast), the local partial
derivatives written once *in the expression language itself* (operands are ``a`` and
``b``), and how the op is displayed in Unicode text and in LaTeX.  Everything else is
derived from the partials: the numbers in forward and reverse mode, the formula shown
on a slide (``∂f4/∂f3 = exp(f3)``) and, by differentiating them again, Hessians.

Adding a primitive is adding one entry to :data:`PRIMITIVES`.  The record of an entry is
:class:`~graphviz_ad.core.primitive.Primitive`; the convolution, pooling and reshaping
entries, generated per dimension, sit in :mod:`graphviz_ad.core.ops_conv`.  What callers
need to know about an op (a leaf, a reduction, a pooling, …) they ask here.

>>> PRIMITIVES["sin"].partials
('cos(a)',)
>>> float(PRIMITIVES["mul"].fn(3.0, 4.0))
12.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .convolution import ShapeError
from .errors import InputError
from .ops_conv import ARRAY_ENTRIES
from .primitive import (  # noqa: F401  (the record and precedences: public here too)
    PREC_ADD,
    PREC_ATOM,
    PREC_MUL,
    PREC_NEG,
    PREC_POSTFIX,
    PREC_POW,
    Identity,
    Primitive,
    Singular,
    units,
)
from .reductions import (  # noqa: F401  (grid_axes, reduced_axes: public here too)
    TARGET_TOLERANCE,
    argmax_share,
    grid_axes,
    logsumexp,
    reduce_max,
    reduce_mean,
    reduce_sum,
    reduced_axes,
    reduced_size,
    softmax,
    spread,
    targets_times,
)


def _step(a):
    """Heaviside step with step(0) = 0, so relu'(0) = 0 as in PyTorch."""
    return np.heaviside(a, 0.0)


def _sigmoid(a):
    """Logistic function, computed without overflow for large |a|."""
    a = np.asarray(a, dtype=float)
    e = np.exp(-np.abs(a))
    if a.ndim == 0:
        return np.float64(1.0 / (1.0 + e) if a >= 0 else e / (1.0 + e))
    out = 1.0 / (1.0 + e)
    np.multiply(out, e, out=out, where=a < 0)  # e/(1 + e) for negative a
    return out


def _softplus(a):
    """log(1 + exp(a)) without overflow."""
    return np.logaddexp(0.0, a)


def _identity(a):
    return a


def _dims(a) -> str:
    return "×".join(map(str, np.shape(a))) or "a scalar"


def _has(a) -> str:
    """``is 2×3`` for a matrix, ``has 3`` for a vector (its length)."""
    return f"has {np.shape(a)[0]}" if np.ndim(a) == 1 else f"is {_dims(a)}"


def _dot(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        which = "{a}" if np.ndim(a) != 1 else "{b}"
        shape = _dims(a if np.ndim(a) != 1 else b)
        use = "*" if 0 in (np.ndim(a), np.ndim(b)) else "{a} @ {b}"
        raise ShapeError(f"takes two vectors; {which} is {shape}: use {use}")
    if len(a) != len(b):
        raise ShapeError(f"lengths differ ({{a}} has {len(a)}, {{b}} has {len(b)})")
    return np.dot(a, b)


def _matmul(a, b):
    """numpy's matmul (1-D operands promoted, batch axes broadcast), with one clear
    message for operands that do not fit."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        which = "{a}" if np.ndim(a) == 0 else "{b}"
        raise ShapeError(f"{which} is a scalar: use * to scale")
    inner_a, inner_b = np.shape(a)[-1], np.shape(b)[0 if np.ndim(b) == 1 else -2]
    if inner_a != inner_b:
        raise ShapeError(f"inner sizes differ ({{a}} {_has(a)}, {{b}} {_has(b)})")
    try:
        return np.matmul(a, b)
    except ValueError:
        raise ShapeError(f"batch axes do not broadcast ({{a}} is {_dims(a)}, "
                         f"{{b}} is {_dims(b)})") from None


def _transpose(a):
    """The last two axes swapped; a vector or scalar is its own transpose."""
    return np.swapaxes(a, -1, -2) if np.ndim(a) >= 2 else a


def _outer(a, b):
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        which = "{a}" if np.ndim(a) != 1 else "{b}"
        raise ShapeError(f"takes two vectors; {which} is "
                         f"{_dims(a if np.ndim(a) != 1 else b)}")
    return np.multiply.outer(a, b)


# numpy matmul's 1-D promotion, undone after a matmul VJP (see rules.promoted): a vector
# operand becomes a row (first operand) or a column (second), and back.
def _row(v, like):
    return np.expand_dims(v, -2) if np.ndim(like) == 1 else v


def _unrow(v, like):
    return np.squeeze(v, -2) if np.ndim(like) == 1 else v


def _col(v, like):
    return np.expand_dims(v, -1) if np.ndim(like) == 1 else v


def _uncol(v, like):
    return np.squeeze(v, -1) if np.ndim(like) == 1 else v


def _position(a, b):
    """A constant index as an int, checked against the first axis of ``a``."""
    if np.ndim(a) == 0:
        raise InputError(f"cannot index a scalar (value {float(a):g}); indexing needs a vector")
    i, n = int(b), np.shape(a)[0]
    if not -n <= i < n:
        raise InputError(f"index {i} is out of range for a vector of length {n}")
    return i


def _index(a, b):
    return np.asarray(a)[_position(a, b)]


def _onehot(a, b):
    """∂a[i]/∂a: zeros of a's shape with ones at position i (the adjoint's scatter)."""
    out = np.zeros(np.shape(a))
    out[_position(a, b)] = 1.0
    return out


def fit(value, like):
    """``value`` summed down or broadcast up to ``like``'s shape (numpy's rules, trailing
    axes aligned): the un-broadcasting of reverse mode and the re-broadcasting of a
    reduction's adjoint, in one function."""
    shape = np.shape(like)
    if np.shape(value) == shape:
        return value
    value = np.asarray(value)
    while value.ndim > len(shape):
        value = value.sum(axis=0)
    offset = len(shape) - value.ndim
    for axis in range(value.ndim):
        if shape[axis + offset] == 1 and value.shape[axis] != 1:
            value = value.sum(axis=axis, keepdims=True)
    if value.shape != shape:
        value = np.broadcast_to(value, shape)  # a read-only view: nothing writes adjoints
    return value[()] if value.ndim == 0 else value


def _f(name: str, fn, partials, latex: str | None = None, text: str | None = None,
       singular: Singular | None = None) -> Primitive:
    """A one-argument function ``name(a)`` (``singular``: where it is not differentiable)."""
    return Primitive(name, 1, fn, tuple(partials), text or f"{name}({{a}})",
                     latex or rf"\operatorname{{{{{name}}}}}({{a}})",  # braces doubled: .format
                     singular=singular)


_TABLE = [
    # operators
    Primitive("add", 2, np.add, ("1", "1"), "{a} + {b}", "{a} + {b}", PREC_ADD, "both", False,
              identities=units(0, 0), syntax="{a} + {b}"),
    Primitive("sub", 2, np.subtract, ("1", "-1"), "{a} − {b}", "{a} - {b}", PREC_ADD, "left",
              False, identities=(*units(None, 0), Identity(0, 0, "neg")), syntax="{a} - {b}"),
    Primitive("mul", 2, np.multiply, ("b", "a"), "{a}·{b}", r"{a} \cdot {b}", PREC_MUL, "both",
              False, numbers_first=True, syntax="{a}*{b}",
              identities=(*units(1, 1), Identity(0, 0, 0.0, True), Identity(1, 0, 0.0, True),
                          Identity(0, -1, "neg"), Identity(1, -1, "neg"))),
    Primitive("hadamard", 2, np.multiply, ("b", "a"), "{a} ⊙ {b}", r"{a} \odot {b}", PREC_MUL,
              "both", False, helper=True),  # mul as shown in matrix form
    Primitive("div", 2, np.divide, ("1/b", "-a/b^2"), "{a}/{b}", r"\frac{{{a}}}{{{b}}}",
              PREC_MUL, "left", False, identities=units(None, 1), syntax="{a}/{b}",
              singular=Singular("pole", "b")),
    Primitive("neg", 1, np.negative, ("-1",), "−{a}", "-{a}", PREC_NEG, "none", False,
              involution=True, syntax="-{a}"),
    Primitive("pow", 2, np.power, ("b*a^(b - 1)", "log(a)*a^b"), "{a}^{b}", "{a}^{{{b}}}",
              PREC_POW, "right", False,
              identities=(*units(None, 1), Identity(1, 0, 1.0, True)), syntax="{a}^{b}"),
    Primitive("id", 1, _identity, ("1",), "{a}", "{a}", PREC_ATOM, "none", False),
    # functions
    _f("exp", np.exp, ["exp(a)"], r"e^{{{a}}}"),
    _f("log", np.log, ["1/a"], r"\log({a})", singular=Singular("pole")),
    _f("sin", np.sin, ["cos(a)"], r"\sin({a})"),
    _f("cos", np.cos, ["-sin(a)"], r"\cos({a})"),
    _f("tan", np.tan, ["1 + tan(a)^2"], r"\tan({a})"),
    _f("tanh", np.tanh, ["1 - tanh(a)^2"], r"\tanh({a})"),
    _f("sqrt", np.sqrt, ["1/(2*sqrt(a))"], r"\sqrt{{{a}}}", "√({a})",
       singular=Singular("branch point")),
    _f("abs", np.abs, ["sign(a)"], r"\left|{a}\right|", "|{a}|", singular=Singular("kink")),
    _f("sigmoid", _sigmoid, ["sigmoid(a)*(1 - sigmoid(a))"], r"\sigma({a})", "σ({a})"),
    _f("relu", lambda a: np.maximum(a, 0.0), ["step(a)"], singular=Singular("kink")),
    _f("softplus", _softplus, ["sigmoid(a)"]),
    _f("square", np.square, ["2*a"], "{a}^{{2}}", "({a})²"),
    _f("sign", np.sign, ["0"], singular=Singular("jump")),
    _f("step", _step, ["0"], singular=Singular("jump")),
    Primitive("index", 2, _index, None, "{a}[{b}]", "{a}_{{[{b}]}}", PREC_ATOM, "none",
              False, jvp="da[b]", vjp=("g*onehot(a, b)", "0"),  # b: a constant index
              syntax="{a}[{b}]"),
    # arrays: reductions (over every axis unless axis= says), written as linear maps
    Primitive("sum", 1, reduce_sum, None, "Σ{a}", r"\sum {a}", params=("axis",),
              jvp="sum(da, axis=axis)", vjp=("spread(g, a, axis=axis)",)),
    Primitive("mean", 1, reduce_mean, None, "mean({a})", r"\operatorname{{mean}}({a})",
              params=("axis",), jvp="mean(da, axis=axis)",
              vjp=("spread(g, a, axis=axis)/size(a, axis=axis)",)),
    # the gradient goes to the argmax; tied maxima share it equally (argmax_share)
    Primitive("amax", 1, reduce_max, None, "max({a})", r"\max({a})", params=("axis",),
              jvp="sum(argmax_share(a, axis=axis)*da, axis=axis)",
              vjp=("spread(g, a, axis=axis)*argmax_share(a, axis=axis)",), nonlinear=True,
              source="amax({a})"),
    Primitive("argmax_share", 1, argmax_share, ("0",), "𝟙[argmax {a}]",
              r"\mathbf{{1}}_{{[\arg\max {a}]}}", params=("axis",), helper=True,
              shaping=True),  # shown by its template, as maxpool's helpers are
    Primitive("dot", 2, _dot, ("b", "a"), "⟨{a}, {b}⟩", r"\langle {a}, {b} \rangle",
              reduces=True, source="dot({a}, {b})", example=((3,), (3,))),
    # matrices
    Primitive("matmul", 2, _matmul, None, "{a} · {b}", "{a} {b}", PREC_MUL, "left", False,
              jvp="da @ b + a @ db", vjp=("g @ b.T", "a.T @ g"), promote=True,
              source="{a} @ {b}", matrix=True, example=((2, 3), (3,)), syntax="{a} @ {b}",
              last_axes=True,
              # the seed g = 1 of a pullback, shown as the other operand
              identities=(Identity(0, 1, "other", True), Identity(1, 1, "other", True))),
    Primitive("transpose", 1, _transpose, None, "{a}ᵀ", r"{a}^\top", PREC_POSTFIX, "none",
              jvp="da.T", vjp=("g.T",), keep=True, matrix=True, example=((2, 3),),
              last_axes=True, syntax="{a}.T"),
    Primitive("outer", 2, _outer, None, "{a} · {b}ᵀ", r"{a} {b}^\top", PREC_MUL, "none",
              jvp="outer(da, b) + outer(a, db)", vjp=("g @ b", "g.T @ a"), matrix=True,
              source="outer({a}, {b})", last_axes=True,
              example=((2,), (3,))),
    *(Primitive(name, 2, fn, None, "{a}", "{a}", helper=True, jvp=f"{name}(da, b)",
                vjp=(f"{inverse}(g, b)", "0"))
      for name, fn, inverse in (("row", _row, "unrow"), ("unrow", _unrow, "row"),
                                ("col", _col, "uncol"), ("uncol", _uncol, "col"))),
    Primitive("logsumexp", 1, logsumexp, None, "logsumexp({a})",
              r"\operatorname{{logsumexp}}({a})", params=("axis",),
              jvp="sum(softmax(a, axis=axis)*da, axis=axis)",
              vjp=("spread(g, a, axis=axis)*softmax(a, axis=axis)",), nonlinear=True),
    # softmax's Jacobian diag(s) − s·sᵀ applied without forming it (s is ``out``)
    Primitive("softmax", 1, softmax, None, "softmax({a})", r"\operatorname{{softmax}}({a})",
              params=("axis",), jvp="out*(da - spread(sum(out*da, axis=axis), a, axis=axis))",
              vjp=("out*(g - spread(sum(g*out, axis=axis), a, axis=axis))",), nonlinear=True),
    Primitive("spread", 2, spread, None, "{a}·𝟙", r"{a} \cdot \mathbf{{1}}", PREC_MUL, "none",
              params=("axis",), jvp="spread(da, b, axis=axis)", vjp=("sum(g, axis=axis)", "0"),
              helper=True, shaping=True, identities=(Identity(0, 1, "ones", True),)),
    Primitive("size", 1, reduced_size, ("0",), "size({a})", r"\operatorname{{size}}({a})",
              reduces=True, helper=True, params=("axis",)),
    Primitive("targets_times", 2, targets_times, ("b", "a"), "{a} ⊙ {b}", r"{a} \odot {b}",
              PREC_MUL, "both", helper=True),  # cross_entropy's T ⊙ Z, T checked
    Primitive("onehot", 2, _onehot, ("0", "0"), "e[{b}]", "e_{{{b}}}", helper=True),
    Primitive("sum_like", 2, fit, ("1", "0"), "Σ→{b}({a})", r"\Sigma_{{\to {b}}}({a})",
              reduces=True, helper=True, shaping=True),
    Primitive("max", 2, np.maximum, ("step(a - b)", "1 - step(a - b)"), "max({a}, {b})",
              r"\max({a}, {b})", singular=Singular("kink", "a - b")),
    Primitive("min", 2, np.minimum, ("1 - step(a - b)", "step(a - b)"), "min({a}, {b})",
              r"\min({a}, {b})", singular=Singular("kink", "a - b")),
]


_TABLE += ARRAY_ENTRIES

PRIMITIVES: dict[str, Primitive] = {p.name: p for p in _TABLE}

#: Functions defined by composition, written in the language and expanded when parsed.
#: cross_entropy(Z, T) is one loss per row of logits Z against targets T (one-hot rows or
#: distributions, checked by ``targets_times``); its gradient softmax(Z) − T comes out of the
#: chain rule through logsumexp.
MACROS: dict[str, str] = {
    "cross_entropy": "logsumexp(a, axis=-1) - sum(targets_times(b, a), axis=-1)"}

#: Names that are constants unless bound: their value and how they are shown.
CONSTANTS: dict[str, tuple[float, str]] = {"e": (math.e, "e"), "pi": (math.pi, "π")}

#: Macros that take keyword parameters: (their names, the definition used when any is
#: given).  None at present; ``spread`` broadcasts a reduced axis back where one is needed.
MACRO_PARAMS: dict[str, tuple[tuple[str, ...], str]] = {}

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
    names = [p.name for p in _TABLE if p.functional and not p.helper]
    names += sorted(CALLABLE_OPERATORS) + list(MACROS)
    return sorted(set(names) | set(ALIASES))


INPUT, CONSTANT, ALIAS = "input", "const", "id"  # the ops of nodes that are no primitive call
LEAF_OPS = frozenset({INPUT, CONSTANT})  # the ops of nodes that compute nothing


def is_leaf(op: str) -> bool:
    """Whether a node of this op is an input or a constant (no primitive, no operands)."""
    return op in LEAF_OPS


def is_input(op: str) -> bool:
    """Whether a node of this op is one of the program's inputs."""
    return op == INPUT


def is_constant(op: str) -> bool:
    """Whether a node of this op is a constant (its number in ``value``)."""
    return op == CONSTANT


def is_alias(op: str) -> bool:
    """Whether a node of this op only names its one operand (``b = a``; ``id`` in the table)."""
    return op == ALIAS


def singular_spot(op: str, operands: Sequence[Any]) -> Any:
    """Where ``op`` is not differentiable, the number that is 0 there (the op's
    :class:`~graphviz_ad.core.primitive.Singular` ``at``: the first operand, the second, or
    their difference) at these operand values; None for an op smooth everywhere."""
    prim = PRIMITIVES.get(op)
    rule = prim.singular if prim is not None else None
    if rule is None:
        return None
    if rule.at == "a - b":
        return np.subtract(operands[0], operands[1])
    return operands[1] if rule.at == "b" else operands[0]


def pooling(op: str) -> tuple[str, int] | None:
    """A pooling op's ``(kind, spatial dimensions)`` (``("max", 2)`` for maxpool2d), else None."""
    prim = PRIMITIVES.get(op)
    return (prim.pool, prim.spatial) if prim is not None and prim.pool else None


def pooling_op(kind: str, spatial: int) -> str:
    """The pooling op of this kind ("max" or "avg") and dimension: ``avgpool2d`` for
    ``("avg", 2)``."""
    return next(p.name for p in _TABLE if p.pool == kind and p.spatial == spatial)


def convolution_dims(op: str) -> int | None:
    """A convolution's spatial dimensions (1 for conv1d), else None (its adjoints included)."""
    prim = PRIMITIVES.get(op)
    return prim.spatial if prim is not None and prim.convolution else None


#: Each infix operator symbol of the language and its op: ``{"+": "add", …}``.
OPERATORS: dict[str, str] = {
    p.syntax[3:-3].strip(): p.name for p in _TABLE
    if p.syntax and p.syntax.startswith("{a}") and p.syntax.endswith("{b}")}
