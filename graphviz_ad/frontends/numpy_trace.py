"""numpy code, unchanged, traced into the language's Program.

:func:`trace_function` calls the user's function with :class:`Tracer` values in place of its
numbers and arrays.  A tracer takes part in numpy through numpy's own protocols: operators and
ufuncs (``np.tanh``, ``np.exp``, ``@``, ``**``) arrive at ``__array_ufunc__``, functions
(``np.sum``, ``np.max``, ``np.dot``) at ``__array_function__``, and ``.T``, ``.sum()``,
``.max()`` and ``x[0]`` are its own methods.  Each call is looked up in one table of rules
written in the language (:data:`UFUNCS`, :data:`FUNCTIONS`) and recorded
(:mod:`graphviz_ad.frontends.record`);
a call with no rule stops with one line naming it and the line of the user's code.  Python
runs the function for real, so loops unroll and an ``if`` on a value takes the branch that
value takes.  The names come from the function's own assignments
(:mod:`graphviz_ad.frontends.naming`).

>>> import numpy as np
>>> def f(x, w):
...     z = np.tanh(x * w)
...     return np.sum(z ** 2)
>>> traced = trace_function(f, x=np.array([0.5, -1.0]), w=2.0)
>>> print(traced.program)
z = tanh(x*w)
f = sum(z^2)
"""

from __future__ import annotations

import inspect
import numbers
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.ops import PRIMITIVES
from .naming import BindingWatcher, position, user_frame
from .record import Recorder, Traced, TraceError

#: numpy ufuncs (by ``ufunc.__name__``, so scipy.special's ufuncs count too) → the language.
UFUNCS: dict[str, str] = {
    "add": "a + b", "subtract": "a - b", "multiply": "a*b", "divide": "a/b",
    "true_divide": "a/b", "negative": "-a", "power": "a^b", "float_power": "a^b",
    "matmul": "a @ b", "exp": "exp(a)", "log": "log(a)", "sin": "sin(a)", "cos": "cos(a)",
    "tan": "tan(a)", "tanh": "tanh(a)", "sqrt": "sqrt(a)", "absolute": "abs(a)",
    "sign": "sign(a)", "square": "square(a)", "maximum": "max(a, b)", "minimum": "min(a, b)",
    "reciprocal": "1/a", "log1p": "log(1 + a)", "expm1": "exp(a) - 1", "expit": "sigmoid(a)",
    "logaddexp": "log(exp(a) + exp(b))",
}
#: ``ufunc.reduce``: np.add.reduce is a sum, np.logaddexp.reduce a logsumexp,
#: np.maximum.reduce an amax.
REDUCTIONS = {"add": "sum", "logaddexp": "logsumexp", "maximum": "amax"}
COMPARISONS = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
               "isfinite", "isnan", "isinf", "signbit"}


class Tracer(np.lib.mixins.NDArrayOperatorsMixin):
    """A value of the traced function: a node of the recorded graph and its number."""

    __slots__ = ("session", "_handle", "_pending")
    __array_priority__ = 1000

    def __init__(self, session: _Session, handle: int | None,
                 pending: tuple[str, Any] | None = None) -> None:
        self.session, self._handle, self._pending = session, handle, pending

    @property
    def handle(self) -> int:
        """The node (an input is made where the code first uses it, as the parser does)."""
        if self._handle is None:
            assert self._pending is not None
            self._handle = self.session.recorder.input(*self._pending)
        return self._handle

    @property
    def value(self) -> Any:
        if self._handle is None:
            assert self._pending is not None
            return self._pending[1]
        return self.session.recorder.values[self._handle]

    # -- numpy's protocols ----------------------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = ufunc.__name__
        session = self.session
        if kwargs.get("out") is not None:
            raise session.error(f"np.{name}(…, out=…)", "writes into an array")
        if name in COMPARISONS and method == "__call__":  # a fact about the numbers, no node
            return ufunc(*[session.number(x) for x in inputs], **kwargs)
        if method == "reduce" and name in REDUCTIONS:
            axis = kwargs.get("axis", 0)  # ufunc.reduce's own default: the first axis
            if "axis" not in kwargs and np.ndim(session.number(inputs[0])) <= 1:
                axis = None  # the whole vector, written as the language writes it
            if kwargs.get("keepdims"):
                raise session.error(f"np.{name}.reduce(…, keepdims=True)", "keeps an axis")
            return session.reduce(REDUCTIONS[name], inputs[0], axis, f"np.{name}.reduce")
        rule = UFUNCS.get(name) if method == "__call__" else None
        if rule is None:
            call = f"np.{name}" + ("" if method == "__call__" else f".{method}")
            raise session.no_rule(call)
        if name == "logaddexp":  # logaddexp(0, z) is softplus(z), as the table defines it
            zeros = [i for i, x in enumerate(inputs) if _is_number(x) and float(x) == 0]
            if zeros:
                return session.call("softplus(a)", f"np.{name}", inputs[1 - zeros[0]])
        if kwargs:
            raise session.error(f"np.{name}(…, {', '.join(kwargs)}=…)", "takes no options here")
        return session.call(rule, f"np.{name}", *inputs)

    def __array_function__(self, func: Callable, types: Any, args: Any, kwargs: Any) -> Any:
        handler = FUNCTIONS.get(func.__name__)
        if handler is None:
            raise self.session.no_rule(f"np.{func.__name__}")
        return handler(self.session, *args, **kwargs)

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise self.session.error("np.asarray", "turns a traced value into plain numbers, "
                                 "which would cut it out of the graph")

    # -- array behaviour ------------------------------------------------------------------
    @property
    def T(self) -> Tracer:  # noqa: N802  (numpy's name)
        return self.session.call("a.T", ".T", self)

    def transpose(self) -> Tracer:
        return _transpose(self.session, self)

    def sum(self, axis: Any = None, **kwargs: Any) -> Tracer:
        return _reduction("sum")(self.session, self, axis, **kwargs)

    def mean(self, axis: Any = None, **kwargs: Any) -> Tracer:
        return _reduction("mean")(self.session, self, axis, **kwargs)

    def max(self, axis: Any = None, **kwargs: Any) -> Tracer:
        return _reduction("amax")(self.session, self, axis, **kwargs)

    def dot(self, other: Any) -> Tracer:
        return _dot(self.session, self, other)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.value))

    @property
    def ndim(self) -> int:
        return int(np.ndim(self.value))

    @property
    def size(self) -> int:
        return int(np.size(self.value))

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a traced scalar")
        return self.shape[0]

    def __getitem__(self, key: Any) -> Tracer:
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise self.session.error(f"indexing [{_key_text(key)}]",
                                     "is not a constant integer index such as x[0]")
        return self.session.call("a[b]", "indexing", self, float(key))

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        raise self.session.error("float()", "turns a traced value into a plain number, "
                                 "which would cut it out of the graph")

    def __repr__(self) -> str:
        return f"Tracer({self.value!r})"

    # ``z += b`` binds a new value to z, as in the language (numpy's mixin would write into z)
    __iadd__ = np.lib.mixins.NDArrayOperatorsMixin.__add__
    __isub__ = np.lib.mixins.NDArrayOperatorsMixin.__sub__
    __imul__ = np.lib.mixins.NDArrayOperatorsMixin.__mul__
    __itruediv__ = np.lib.mixins.NDArrayOperatorsMixin.__truediv__
    __ipow__ = np.lib.mixins.NDArrayOperatorsMixin.__pow__
    __imatmul__ = np.lib.mixins.NDArrayOperatorsMixin.__matmul__


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _key_text(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return ", ".join(":" if isinstance(k, slice) else repr(k) for k in parts)


class _Session:
    """One tracing: the recorder, the files whose lines are the user's, and the data arrays
    already given a node."""

    def __init__(self, files: set[str]) -> None:
        self.recorder = Recorder()
        self.files = files
        self.arrays: dict[int, tuple[Any, int]] = {}  # id(array) -> (array, handle)

    # -- where --------------------------------------------------------------------------
    def where(self) -> tuple[str, tuple[int, int]]:
        frame = user_frame(self.files, depth=3)
        if frame is None:
            return "", (0, 0)
        line, column = position(frame)
        return f"{_shown_path(frame.f_code.co_filename)}:{line}:{column}", (line, column)

    def error(self, call: str, what: str) -> TraceError:
        where = self.where()[0]
        return TraceError(f"{where + ': ' if where else ''}{call} {what}")

    def no_rule(self, call: str) -> TraceError:
        return self.error(call, "has no rule in graphviz-ad's table of numpy calls "
                                "(graphviz_ad.frontends.numpy_trace.UFUNCS and FUNCTIONS)")

    # -- operands -----------------------------------------------------------------------
    def number(self, x: Any) -> Any:
        return x.value if isinstance(x, Tracer) else x

    def operand(self, x: Any) -> int:
        """The node of an operand: a tracer's own, a constant for a number, and for an array
        the code read from elsewhere a data input named as the code names it."""
        if isinstance(x, Tracer):
            if x.session is not self:
                raise self.error("a value from another trace", "cannot be mixed in")
            return x.handle
        if isinstance(x, (list, tuple)):
            x = np.asarray(x, dtype=float)
        if _is_number(x):
            return self.recorder.const(float(x))
        if isinstance(x, np.ndarray):
            known = self.arrays.get(id(x))
            if known is None:
                handle = self.recorder.input(self._name_of(x), np.asarray(x, dtype=float),
                                             data=True)
                known = self.arrays[id(x)] = (x, handle)
            return known[1]
        raise self.error(f"an operand of type {type(x).__name__}", "is not a number or array")

    def _name_of(self, array: Any) -> str:
        """The name the code reads ``array`` by: a variable of the user's frames (local,
        then global), or an attribute of a local object (``self.W`` → ``W``)."""
        frame = user_frame(self.files, depth=3)
        while frame is not None:
            for scope in (frame.f_locals, frame.f_globals):
                for name, value in scope.items():
                    if value is array and not name.startswith("_"):
                        return name
            for value in frame.f_locals.values():
                for name, attribute in getattr(value, "__dict__", {}).items():
                    if attribute is array and not name.startswith("_"):
                        return str(name)
            frame = frame.f_back
        return "data"

    # -- operations ---------------------------------------------------------------------
    def call(self, rule: str, what: str, *operands: Any, **params: Any) -> Tracer:
        where, pos = self.where()
        handles = {k: self.operand(x) for k, x in zip("abc", operands)}
        prefix = f"{where}: {what}" if where else what
        return Tracer(self, self.recorder.apply(rule, handles, params, pos, prefix))

    def reduce(self, op: str, x: Any, axis: Any, what: str) -> Tracer:
        """``op`` (sum, mean, logsumexp) over ``axis`` (None: every axis, as numpy)."""
        where, pos = self.where()
        prefix = f"{where}: {what}" if where else what
        if isinstance(axis, list):
            axis = tuple(axis)
        return Tracer(self, self.recorder.reduce(op, self.operand(x), axis, pos, prefix))


def _shown_path(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return relative if not relative.startswith("..") else path


def _reduction(op: str) -> Callable[..., Tracer]:
    def handler(session: _Session, a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
                keepdims: bool = False, **rest: Any) -> Tracer:
        if out is not None or keepdims or rest:
            raise session.error(f"np.{op}(…, {'keepdims' if keepdims else 'out'}=…)",
                                "is not supported")
        if PRIMITIVES[op].nonlinear and isinstance(axis, (tuple, list)) and len(set(axis)) > 1:
            # a nonlinear reduction is one node over all the axes: amax's tied maxima share
            # the gradient jointly (one amax per axis would split it row by row first)
            return session.call(f"{op}(a, axis=axis)", f"np.{op}", a,
                                axis=tuple(int(k) for k in axis))
        return session.reduce(op, a, axis, f"np.{op}")
    return handler


def _dot(session: _Session, a: Any, b: Any, out: Any = None) -> Tracer:
    ndims = (np.ndim(session.number(a)), np.ndim(session.number(b)))
    if 0 in ndims:
        return session.call("a*b", "np.dot", a, b)
    return session.call("dot(a, b)" if ndims == (1, 1) else "a @ b", "np.dot", a, b)


def _transpose(session: _Session, a: Any, axes: Any = None) -> Tracer:
    if (np.ndim(session.number(a)) > 2 and axes is None) or axes not in (None, (1, 0), [1, 0]):
        raise session.error("np.transpose", "is supported for matrices only (a.T)")
    return session.call("a.T", "np.transpose", a)


def _outer(session: _Session, a: Any, b: Any, out: Any = None) -> Tracer:
    return session.call("outer(a, b)", "np.outer", a, b)


def _where(session: _Session, condition: Any, x: Any, y: Any) -> Tracer:
    if isinstance(condition, Tracer):
        raise session.error("np.where", "needs a condition such as z > 0, not a traced value")
    where, _ = session.where()
    return Tracer(session, session.recorder.select(
        np.broadcast_to(condition, np.broadcast_shapes(np.shape(condition), np.shape(
            session.number(x)), np.shape(session.number(y)))),
        session.operand(y), session.operand(x), f"{where}: np.where" if where else "np.where"))


def _clip(session: _Session, a: Any, a_min: Any = None, a_max: Any = None, **rest: Any
          ) -> Tracer:
    if rest:
        raise session.error(f"np.clip(…, {', '.join(rest)}=…)", "is not supported")
    out = a
    if a_max is not None:
        out = session.call("min(a, b)", "np.clip", out, a_max)
    if a_min is not None:
        out = session.call("max(a, b)", "np.clip", out, a_min)
    return out if isinstance(out, Tracer) else session.call("a", "np.clip", out)


def _like(make: Callable[..., Any]) -> Callable[..., Any]:
    def handler(session: _Session, a: Any, *args: Any, **kwargs: Any) -> Any:
        return make(np.shape(session.number(a)), *args, **kwargs)
    return handler


#: numpy functions (``__array_function__``, by name) → how each is recorded.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sum": _reduction("sum"), "mean": _reduction("mean"), "amax": _reduction("amax"),
    "max": _reduction("amax"), "dot": _dot, "inner": _dot,
    "transpose": _transpose, "outer": _outer, "where": _where, "clip": _clip,
    "shape": lambda s, a: np.shape(s.number(a)), "ndim": lambda s, a: np.ndim(s.number(a)),
    "size": lambda s, a, axis=None: np.size(s.number(a), axis),
    "zeros_like": _like(np.zeros), "ones_like": _like(np.ones),
}


def _as_input(value: Any) -> Any:
    """A parameter's value as an input's (float or float array), or None when it is none:
    a Python int stays an int (a count, a size or an index: ``range(layers)`` must work)."""
    if isinstance(value, (bool, np.bool_, int, np.integer)):
        return None
    if _is_number(value):
        return float(value)
    if isinstance(value, (np.ndarray, list, tuple)):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
        return array if array.ndim else float(array)
    return None


def trace_function(f: Callable[..., Any], /, **values: Any) -> Traced:
    """Run ``f`` at ``values`` (its parameters by name; defaults fill the rest) with tracers
    for its numbers and arrays, and return the Program it computed.

    Parameters that are floats or arrays become the Program's inputs (in the order the code
    first uses them; one it never uses is no input; an int stays a plain int); arrays the
    code reads from elsewhere (globals, closures) become data inputs named as the code
    names them.  The values it
    returns are the outputs, called by their variable names (or by the function's name)."""
    try:
        signature = inspect.signature(f)
        bound = signature.bind(**values)
    except TypeError as err:
        raise TraceError(f"{getattr(f, '__name__', 'the function')}(): {err}") from None
    bound.apply_defaults()
    plain = inspect.unwrap(getattr(f, "__func__", f))  # a method's or decorated function's
    code = getattr(plain, "__code__", None)
    files = {code.co_filename} if code is not None else set()
    session = _Session(files)
    for name, value in bound.arguments.items():
        number = _as_input(value)
        if number is not None:
            bound.arguments[name] = Tracer(session, None, (name, number))
    recorder = session.recorder
    with BindingWatcher(files, lambda name, value: recorder.name(value.handle, name),
                        lambda value: isinstance(value, Tracer) and value.session is session):
        result = f(*bound.args, **bound.kwargs)
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    if not results or not all(isinstance(r, Tracer) for r in results):
        raise TraceError(f"{getattr(f, '__name__', 'the function')}() returned "
                         f"{type(result).__name__}, not values computed from its inputs")
    return recorder.finish([r.handle for r in results], getattr(f, "__name__", "y"))


def traceable(f: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator: ``f`` runs as before, and ``f.trace(x=0.5, …)`` traces it
    (:func:`trace_function`)."""
    def trace(**values: Any) -> Traced:
        return trace_function(f, **values)
    f.trace = trace  # type: ignore[attr-defined]
    return f
