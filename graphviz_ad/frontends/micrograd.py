"""micrograd ``Value`` graphs read into the language's Program.

A micrograd value knows its number (``data``), its operands (``_prev``) and its operation
(``_op``: ``'+'``, ``'*'``, ``'**3'``, ``'ReLU'``, and in the "Zero to Hero" lecture's version
``'tanh'`` and ``'exp'``, with a ``label`` per value).  Each operation is one rule in the
language (:data:`OPS`), replayed into the same recorder the numpy tracer uses.

Names: a value's ``label`` where it has one, else the name of the caller's local variable
holding it (``a``, ``b``, ``g`` in micrograd's README), else ``f1, f2, …``.  A leaf (a value
with no operands) is an input when it is named so, or given in ``inputs``; any other leaf is a
constant (micrograd makes ``Value(1)`` for the ``1`` in ``c + 1``).

``_prev`` is a set, so the operands' order is not recorded: it is rebuilt as constants last,
then the deeper operand first (``d·f``, ``e + c``), then by name and number, which is the same
every run.  Operations whose order matters (a ``'-'`` or ``'/'`` of another ``Value`` class)
are therefore refused, each with one line.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from .record import Recorder, Traced, TraceError

#: micrograd's operations → the language (``a`` and ``b`` are the operands).
OPS: dict[str, str] = {"+": "a + b", "*": "a*b", "ReLU": "relu(a)", "relu": "relu(a)",
                       "tanh": "tanh(a)", "exp": "exp(a)", "log": "log(a)",
                       "sigmoid": "sigmoid(a)"}


def _is_value(v: Any) -> bool:
    return hasattr(v, "data") and hasattr(v, "_prev") and hasattr(v, "_op")


def from_micrograd(value: Any, inputs: Mapping[str, Any] | Iterable[Any] | None = None, *,
                   scope: Mapping[str, Any] | None = None) -> Traced:
    """The Program of micrograd's ``value`` (see the module).  ``inputs``: more leaves to
    make inputs: a mapping ``{name: Value}``, or values (``model.parameters()``) called by
    their labels or ``p1, p2, …``.  ``scope``: the variables that name values (default: the
    caller's local variables)."""
    if not _is_value(value):
        raise TraceError(f"expected a micrograd Value (with data, _prev and _op), got "
                         f"{type(value).__name__}")
    caller = sys._getframe(1).f_locals if scope is None else scope
    local: dict[int, str] = {}
    for name, v in caller.items():
        if _is_value(v):
            local.setdefault(id(v), name)
    given: dict[int, str] = {}
    if isinstance(inputs, Mapping):
        given = {id(v): str(k) for k, v in inputs.items()}
    elif inputs is not None:
        for k, v in enumerate(inputs, 1):
            given.setdefault(id(v), getattr(v, "label", "") or f"p{k}")

    def name_of(v: Any) -> str:
        return given.get(id(v)) or getattr(v, "label", "") or local.get(id(v), "")

    heights = _heights(value)

    def operands(v: Any) -> list[Any]:
        def key(c: Any) -> tuple:
            return (not c._prev and not name_of(c), -heights[id(c)], name_of(c), float(c.data))
        return sorted(v._prev, key=key)

    order = _post_order(value, operands)
    recorder = Recorder()
    handles: dict[int, int] = {}
    for v in order:
        children = operands(v)
        data = float(v.data)
        if not children:
            name = name_of(v)
            handles[id(v)] = (recorder.input(name, data) if name else recorder.const(data))
            continue
        op = str(v._op)
        handle = _operation(recorder, op, [handles[id(c)] for c in children])
        computed = float(np.asarray(recorder.values[handle]))
        if not math.isclose(computed, data, rel_tol=1e-9, abs_tol=1e-12) and math.isfinite(data):
            raise TraceError(f"micrograd value {name_of(v) or op!r} holds {data:g}, but "
                             f"{op} of its operands gives {computed:g}")
        if name_of(v):
            recorder.name(handle, name_of(v))
        handles[id(v)] = handle
    return recorder.finish([handles[id(value)]], name_of(value) or "y")


def _operation(recorder: Recorder, op: str, children: list[int]) -> int:
    """The nodes of micrograd's ``op`` over its operands' handles (in ``_prev`` order)."""
    args = dict(zip("ab", children))
    if op.startswith("**"):
        try:
            exponent = float(op[2:])
        except ValueError:
            raise TraceError(f"micrograd op {op!r}: the exponent is not a number") from None
        return recorder.apply("a^b", {"a": args["a"], "b": recorder.const(exponent)})
    if op in ("+", "*") and len(children) == 1:  # a + a, a*a: _prev holds a once
        return recorder.apply(OPS[op], {"a": args["a"], "b": args["a"]})
    if op in OPS and len(children) == (2 if op in ("+", "*") else 1):
        return recorder.apply(OPS[op], args)
    raise TraceError(f"micrograd op {op!r} with {len(children)} operand(s) has no rule "
                     f"(known: {', '.join(OPS)}, **k); an operation whose operand "
                     "order matters cannot be read from the set _prev")


def _heights(root: Any) -> dict[int, int]:
    """Each value's height (0 for a leaf), by id (iterative: graphs may be deep)."""
    heights: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            heights[id(v)] = 1 + max((heights[id(c)] for c in v._prev), default=-1)
        elif id(v) not in heights:
            heights[id(v)] = -1  # on the stack
            stack.append((v, True))
            stack.extend((c, False) for c in v._prev if id(c) not in heights)
    return heights


def _post_order(root: Any, operands: Callable[[Any], list[Any]]) -> list[Any]:
    """Every value under ``root``, operands (in ``operands`` order) before results."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
        elif id(v) not in seen:
            seen.add(id(v))
            stack.append((v, True))
            stack.extend((c, False) for c in reversed(operands(v)))
    return order
