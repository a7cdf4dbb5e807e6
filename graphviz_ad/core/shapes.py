"""Array sizes checked before any arithmetic: every node's shape from its operands' shapes.

A pass evaluates every node of a program and keeps every value, so one ``outer(u, v)`` of
two 100,000-element vectors (80 GB) or a [100000, 1] + [100000] broadcast must be refused
*before* numpy is asked for it.  :func:`check_sizes` walks the program once in graph order
with shapes only (no numbers), by each op's shape rule, and refuses the first node whose
value would hold more than the element limit, or whose values would take the program past
:data:`TOTAL_FACTOR` times that limit in all (its matrix products past :data:`WORK_FACTOR`
times it in multiply-adds), with one line naming the node and its source position.  The
limit is :data:`MAX_ELEMENTS` (the bound on drawn data), or the one set by ``with
element_limit(n):`` (what the commands' ``--max-elements N`` does).

Operands whose shapes do not fit stop the walk: evaluating that node raises the op's own
clear message, and nothing after it is computed.

>>> from graphviz_ad.core.parse import parse
>>> import numpy as np
>>> G = parse("y = sum(sum(outer(u, v)))")
>>> check_sizes(G, {"u": np.zeros(100_000), "v": np.zeros(100_000)})
Traceback (most recent call last):
...
graphviz_ad.core.errors.InputError: 1:13: f1 = u · vᵀ would hold 100,000×100,000 = \
10,000,000,000 elements, over the limit of 50,000,000 (--max-elements)
  y = sum(sum(outer(u, v)))
              ^
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import networkx as nx
import numpy as np

from . import convolution as cv
from .errors import InputError
from .formula import definition, node_label
from .nodes import node, node_data
from .ops import is_constant, is_input
from .program import program_of
from .reductions import reduced_axes

#: The most elements one array may hold by default: a seeded draw, a node's value or
#: derivative (50 M float64 numbers are 400 MB).
MAX_ELEMENTS = 50_000_000
#: The default cap on a Jacobian's or Hessian's rows × columns (checked before the first
#: sweep; each row or column is a sweep): 10⁶ float64 entries are 8 MB.
MAX_MATRIX_ELEMENTS = 1_000_000
#: A pass's values together may hold this many times the limit (derivatives, kept beside
#: them, take about as much again per pass).
TOTAL_FACTOR = 4
#: Matrix products may take this many times the limit in multiply-adds in all (a
#: 7,000×7,000 @ 7,000×7,000 holds under 50 M elements but takes 3.4·10¹¹ of them).
WORK_FACTOR = 100
LIMIT_HINT = "--max-elements"

_LIMIT: ContextVar[int] = ContextVar("element_limit", default=MAX_ELEMENTS)

Shape = tuple[int, ...]


def current_limit() -> int:
    """The element limit in force (:data:`MAX_ELEMENTS` unless :func:`element_limit` set
    another)."""
    return _LIMIT.get()


@contextmanager
def element_limit(limit: int | None) -> Iterator[int]:
    """Within the block, arrays may hold up to ``limit`` elements (None: the default).

    >>> with element_limit(10):
    ...     current_limit()
    10
    """
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise InputError(f"max_elements must be a positive integer, got {limit!r}")
    token = _LIMIT.set(MAX_ELEMENTS if limit is None else limit)
    try:
        yield _LIMIT.get()
    finally:
        _LIMIT.reset(token)


class MisfitError(Exception):
    """Operand shapes the op refuses: evaluation reports it in the op's own words."""


def _broadcast(*shapes: Shape) -> Shape:
    """numpy's broadcasting of shapes (trailing axes aligned, 1 stretches)."""
    first = shapes[0]
    if all(s == first for s in shapes):
        return first
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        for k, n in enumerate(s, start=ndim - len(s)):
            if n != 1:
                if out[k] != 1 and out[k] != n:
                    raise MisfitError
                out[k] = n
    return tuple(out)


def _reduce(a: Shape, *_: Shape, **params: Any) -> Shape:
    """sum, mean, amax, logsumexp: the reduced axes dropped (every axis unless ``axis=`` says;
    the axes are read by the reductions' own rule)."""
    try:  # a zero-size broadcast view: the shape's axes, no memory
        axes = reduced_axes(np.broadcast_to(0.0, a), params.get("axis"))
    except InputError:
        raise MisfitError from None
    return tuple(n for k, n in enumerate(a) if k not in axes)


def _matmul(a: Shape, b: Shape, **_: Any) -> Shape:
    """numpy's matmul: 1-D operands promoted (and the promoted axis dropped after),
    batch axes broadcast."""
    if not a or not b:
        raise MisfitError
    a2, b2 = (1, *a) if len(a) == 1 else a, (*b, 1) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise MisfitError
    out = (*_broadcast(a2[:-2], b2[:-2]), a2[-2], b2[-1])
    if len(b) == 1:
        out = out[:-1]
    if len(a) == 1:
        out = out[:-2] + out[-1:] if len(b) > 1 else out[:-1]
    return out


def _vectors(a: Shape, b: Shape) -> None:
    if len(a) != 1 or len(b) != 1:
        raise MisfitError


def _dot(a: Shape, b: Shape, **_: Any) -> Shape:
    _vectors(a, b)
    if a != b:
        raise MisfitError
    return ()


def _outer(a: Shape, b: Shape, **_: Any) -> Shape:
    _vectors(a, b)
    return (a[0], b[0])


def _index(a: Shape, *_: Shape, **__: Any) -> Shape:
    if not a:
        raise MisfitError
    return a[1:]


def _spread(g: Shape, a: Shape, **_: Any) -> Shape:
    return a if a else g


def _misfit(rule: Callable[..., Shape]) -> Callable[..., Shape]:
    """A shape rule of :mod:`convolution` with its refusals as :class:`MisfitError`."""
    def checked(*shapes: Shape, **params: Any) -> Shape:
        try:
            return rule(*shapes, **params)
        except InputError:
            raise MisfitError from None
    return checked


def _convolution_rules() -> dict[str, Callable[..., Shape]]:
    """conv, its adjoints, pooling and reshaping, from :mod:`convolution`'s own rules."""
    out: dict[str, Callable[..., Shape]] = {}
    for nd in (1, 2):
        def conv(x, w, nd=nd, **p):
            return cv.conv_shape(x, w, nd, **p)

        def dx(g, w, nd=nd, **p):
            return cv.conv_dx_shape(g, w, nd, **p)

        def dw(x, g, nd=nd, **p):
            return cv.conv_dw_shape(x, g, nd, **p)

        def pool(x, nd=nd, **p):
            return cv.pool_shape(x, nd, **p)

        def pooled(v, x, nd=nd, **p):
            return cv.pool_shape(x, nd, **p)

        def unpooled(v, x, nd=nd, **p):
            cv.pool_shape(x, nd, **p)
            return x

        out |= {f"conv{nd}d": conv, f"conv{nd}d_dx": dx, f"conv{nd}d_dw": dw,
                f"maxpool{nd}d": pool, f"avgpool{nd}d": pool, f"maxpool{nd}d_pick": pooled,
                f"maxpool{nd}d_route": unpooled, f"avgpool{nd}d_t": unpooled}
    out |= {"flatten": cv.flatten_shape, "reshape": cv.reshape_shape,
            "reshape_like": lambda v, like, **_: like,
            "fit_to": lambda v, like, **_: like}
    return {op: _misfit(rule) for op, rule in out.items()}


#: Shape rules of the ops that are not elementwise (an elementwise op broadcasts its
#: operands); ``tests/test_size_limits.py`` checks every primitive's against numpy.
RULES: dict[str, Callable[..., Shape]] = {
    "sum": _reduce, "mean": _reduce, "amax": _reduce, "logsumexp": _reduce,
    "size": lambda a, **_: (), "dot": _dot, "matmul": _matmul, "outer": _outer,
    "transpose": lambda a, **_: (*a[:-2], a[-1], a[-2]) if len(a) >= 2 else a,
    "index": _index, "spread": _spread, "onehot": lambda a, b, **_: a,
    "sum_like": lambda a, b, **_: b,
    "row": lambda v, like, **_: (*v[:-1], 1, v[-1]) if len(like) == 1 and v else v,
    "unrow": lambda v, like, **_: v[:-2] + v[-1:] if len(like) == 1 and len(v) >= 2 else v,
    "col": lambda v, like, **_: (*v, 1) if len(like) == 1 else v,
    "uncol": lambda v, like, **_: v[:-1] if len(like) == 1 and v else v,
    **_convolution_rules(),
}


def _conv_work(nd: int) -> dict[str, Callable[..., int]]:
    """Multiply-adds of conv{nd}d and its adjoints: each result element of a convolution
    takes C_in·k taps; each gradient element of the transposed one spreads over C_in·k;
    each weight gradient sums over the batch and every output position."""
    return {f"conv{nd}d": lambda size, x, w: size * math.prod(w[1:]),
            f"conv{nd}d_dx": lambda size, g, w: math.prod(g) * math.prod(w[1:]),
            f"conv{nd}d_dw": lambda size, x, g: size * math.prod(g[:-nd - 1]) * math.prod(
                g[-nd:])}


#: Elements of the intermediate array an op makes beyond its result (a convolution's padded
#: input), from the operands' shapes; refused like a result over the limit.
SCRATCH: dict[str, Callable[..., int]] = {
    f"conv{nd}d": (lambda x, w, nd=nd, **p: cv.padded_size(x, nd, **p)) for nd in (1, 2)}


#: Multiply-adds of the ops whose work grows faster than their result, from the result's
#: size and the operands' shapes (matrix products: the inner size per element).
WORK: dict[str, Callable[..., int]] = {
    "matmul": lambda size, a, b: size * a[-1], **_conv_work(1), **_conv_work(2)}


def result_shape(op: str, operands: list[Shape], params: Mapping[str, Any] = {}) -> Shape:
    """The shape of ``op`` applied to operands of these shapes (``MisfitError`` when they do
    not fit).

    >>> result_shape("matmul", [(6, 3), (3,)]), result_shape("add", [(4, 1), (5,)])
    ((6,), (4, 5))
    """
    rule = RULES.get(op)
    if rule is not None:
        return rule(*operands, **params)
    return _broadcast(*operands)


def _dims(shape: Shape) -> str:
    return "×".join(f"{n:,}" for n in shape)


def check_sizes(G: nx.DiGraph, values: Mapping[str, Any], limit: int | None = None) -> None:
    """Refuse, before anything is computed, a program whose values would be too large:
    one node over ``limit`` elements (default: :func:`current_limit`), or all of them
    together over :data:`TOTAL_FACTOR` times it.  ``values`` holds at least the inputs."""
    program = program_of(G)
    limit = current_limit() if limit is None else limit
    inputs = tuple(np.shape(values[n]) if n in values else () for n in program.inputs)
    if (len(program.order) <= TOTAL_FACTOR * limit and not any(inputs)):
        return  # scalars in, scalars throughout: one element a node
    key = (program, inputs, limit)
    if _PASSED.get(G) == key:  # the same graph, shapes and limit passed before
        return
    walk_sizes(G, values, limit)
    _PASSED[G] = key


#: the last check each graph passed: a Jacobian's sweeps and a check's probes evaluate one
#: graph at one set of shapes many times (a graph's Program changes when it is rebuilt)
_PASSED: weakref.WeakKeyDictionary[nx.DiGraph, tuple[Any, ...]] = weakref.WeakKeyDictionary()


def walk_sizes(G: nx.DiGraph, values: Mapping[str, Any], limit: int) -> None:
    """:func:`check_sizes`'s walk over every node, never skipped (what it costs)."""
    program = program_of(G)
    nodes = node_data(G)
    shapes: dict[str, Shape] = {}
    total = work = 0
    for n in program.order:
        data = nodes[n]
        op = data["op"]
        if is_constant(op):
            shapes[n] = ()
            total += 1
            continue
        if is_input(op):
            shape: Shape = np.shape(values[n]) if n in values else ()
        else:
            operands = data["operands"]
            try:
                if op in RULES:
                    params = data.get("params")
                    shape = RULES[op](*[shapes[o] for o in operands],
                                      **(dict(params) if params else {}))
                else:  # elementwise: the operands broadcast (the common case, kept fast)
                    shape = shapes[operands[0]]
                    for o in operands[1:]:
                        other = shapes[o]
                        if other != shape:
                            shape = (other if not shape else shape if not other
                                     else _broadcast(shape, other))
            except (MisfitError, TypeError, ValueError):
                return  # evaluation stops at this node with the op's own message
        size = math.prod(shape)
        total += size
        if op in SCRATCH:
            scratch = SCRATCH[op](*[shapes[o] for o in data["operands"]],
                                  **dict(data.get("params") or ()))
            if scratch > limit:
                _refuse(G, n, f"would pad its input to {scratch:,} elements, over the limit "
                              f"of {limit:,} ({LIMIT_HINT})")
        if size > limit:
            held = f"{_dims(shape)} = {size:,}" if len(shape) > 1 else f"{size:,}"
            verb = "has" if is_input(op) else "would hold"
            _refuse(G, n, f"{verb} {held} elements, over the limit of {limit:,} "
                          f"({LIMIT_HINT})")
        if total > TOTAL_FACTOR * limit:
            _refuse(G, n, f"would take the program's values to {total:,} elements in all, "
                          f"over {TOTAL_FACTOR}× the limit of {limit:,} ({LIMIT_HINT})")
        if op in WORK:  # the ops whose work grows faster than their result
            work += WORK[op](size, *[shapes[o] for o in data["operands"]])
            if work > WORK_FACTOR * limit:
                _refuse(G, n, f"would take the program's matrix products and convolutions "
                              f"to {work:,} multiply-adds, over {WORK_FACTOR}× the limit of "
                              f"{limit:,} ({LIMIT_HINT})")
        shapes[n] = shape


def _refuse(G: nx.DiGraph, n: str, reason: str) -> None:
    data = node(G, n)
    what = (f"input {node_label(G, n)}" if is_input(data["op"])
            else f"{node_label(G, n)} = {definition(G, n)}")
    raise InputError(f"{what} {reason}", source=program_of(G).source,
                     line=data.get("line"), column=data.get("column"))
