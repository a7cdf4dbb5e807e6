"""JAX functions read into the language's Program, through ``jax.make_jaxpr``.

A jaxpr is a list of equations ``out = primitive[params] operands``; each primitive is one
rule in the language (:data:`PRIMITIVES`, or a function of its params for the few that need
them), replayed into the recorder the numpy tracer uses.  Nested jaxprs (``jit``, ``pjit``,
``custom_jvp_call``, …) are read inline.  Broadcasts and reshapes that numpy's broadcasting
does by itself (``b1`` of shape (4,) against (6, 4)) add no node; every other result's shape
is checked against the jaxpr's, so a broadcast the language cannot express stops with one
line instead of giving wrong numbers.  Comparisons are facts about the numbers (no node);
``select_n`` on them becomes ``a·(1 − mask) + b·mask`` with the mask a data input, which is
the chain rule at the traced point, as Python's own ``if`` is for the numpy tracer.

``reduce_max`` is the language's ``amax`` (its gradient goes to the argmax; tied maxima
share it equally, as in JAX).  The language has no ``stop_gradient``: it is read as the value
it passes on, which is right only where the result does not depend on that value, as in
``jax.nn.logsumexp`` and ``jax.nn.softmax``, whose max shift cancels.  So each is checked:
the function is first traced with every stopped value as a data input, and its outputs'
tangents along a random direction of that input must be rounding noise; otherwise the trace
stops with one line.  Like ``select_n``'s mask, this holds at the traced point.

Inputs are named after the function's parameters (a dict of parameters by its keys); the
result after the function.  JAX computes in float32 unless ``jax_enable_x64`` is set; the
Program computes in float64 from the same input values.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.autodiff import forward_mode
from .record import Recorder, Traced, TraceError
from .writer import bindable

#: JAX primitives → the language.
PRIMITIVES: dict[str, str] = {
    "add": "a + b", "add_any": "a + b", "sub": "a - b", "mul": "a*b", "div": "a/b",
    "neg": "-a", "max": "max(a, b)", "min": "min(a, b)", "exp": "exp(a)", "log": "log(a)",
    "tanh": "tanh(a)", "sin": "sin(a)", "cos": "cos(a)", "tan": "tan(a)", "sqrt": "sqrt(a)",
    "abs": "abs(a)", "sign": "sign(a)", "logistic": "sigmoid(a)", "pow": "a^b",
    "log1p": "log(1 + a)", "expm1": "exp(a) - 1", "rsqrt": "1/sqrt(a)", "square": "square(a)",
}
COMPARISONS: dict[str, Callable[..., Any]] = {
    "gt": np.greater, "ge": np.greater_equal, "lt": np.less, "le": np.less_equal,
    "eq": np.equal, "ne": np.not_equal, "is_finite": np.isfinite, "not": np.logical_not,
    "and": np.logical_and, "or": np.logical_or}
PASS_THROUGH = {"convert_element_type", "copy", "copy_p"}
#: equations whose result numpy's broadcasting completes where it is used (not checked)
BROADCASTS = ("broadcast_in_dim", "reshape", "squeeze", "expand_dims")
REDUCTIONS = {"reduce_sum": "sum", "reduce_max": "amax"}
#: equations that do not broadcast their operands: a broadcast left to numpy (above) must
#: not reach them, or they would reduce or multiply too few numbers
SHAPED = {*REDUCTIONS, "dot_general", "transpose"}
NESTED = ("jaxpr", "call_jaxpr", "fun_jaxpr")


class _Fact:
    """A value with no node: a comparison's result, known only as numbers."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def from_jax(f: Callable[..., Any], *args: Any) -> Traced:
    """The Program of ``f`` at ``args``, read from ``jax.make_jaxpr(f)(*args)``."""
    try:
        import jax  # deferred: an optional extra (pip install graphviz-ad[jax])
    except ImportError:
        raise TraceError("from_jax needs JAX: pip install 'graphviz-ad[jax]'") from None
    closed = jax.make_jaxpr(f)(*args)
    names = _input_names(f, args, jax)
    leaves = jax.tree_util.tree_leaves(args)
    title = getattr(f, "__name__", "y")
    stopped: list[tuple[str, str]] = []
    if _uses(closed.jaxpr, "stop_gradient"):
        _check_stops(_trace(closed, names, leaves, title, stopped), stopped)
    return _trace(closed, names, leaves, title, None)


def _uses(jaxpr: Any, primitive: str) -> bool:
    """Whether ``primitive`` occurs in ``jaxpr`` or a jaxpr nested in it."""
    for eqn in jaxpr.eqns:
        if eqn.primitive.name == primitive:
            return True
        nested = next((eqn.params[k] for k in NESTED if k in eqn.params), None)
        if nested is not None and _uses(getattr(nested, "jaxpr", nested), primitive):
            return True
    return False


def _check_stops(traced: Traced, stopped: list[tuple[str, str]]) -> None:
    """Refuse when a result depends on a stopped value (``traced`` has each as a data
    input; ``stopped`` lists their names and where they were stopped)."""
    rng = np.random.default_rng(0)
    for name, where in stopped:
        if name not in traced.inputs:
            continue  # no result uses it
        seed = rng.uniform(0.5, 1.5, np.shape(traced.inputs[name]))
        trace = forward_mode(traced.graph, traced.inputs, wrt=name,
                             seed=seed if np.ndim(seed) else None)
        for out in traced.of:
            if np.any(np.asarray(trace.shown_derivative(out)) != 0):
                raise TraceError(f"{where}stop_gradient changes the gradient here ({out} "
                                 "depends on the stopped value); graphviz-ad has no "
                                 "stop_gradient and reads one only where the result does not "
                                 "depend on it, as in logsumexp's max shift")


def _trace(closed: Any, names: list[str], leaves: list, title: str,
           stopped: list[tuple[str, str]] | None) -> Traced:
    """The Program of a closed jaxpr; with ``stopped`` (a list to fill), every stopped
    value a data input, else stop_gradient read as its value."""
    recorder = Recorder()
    env: dict[Any, Any] = {}
    for var, name, leaf in zip(closed.jaxpr.invars, names, leaves):
        value = np.asarray(leaf, dtype=float)
        env[var] = recorder.input(name, value if value.ndim else float(value))
    for var, const in zip(closed.jaxpr.constvars, closed.consts):
        value = np.asarray(const, dtype=float)
        env[var] = (recorder.input("data", value, data=True) if value.ndim
                    else recorder.const(float(value)))
    _read(closed.jaxpr, env, recorder, stopped)
    outputs = []
    for var in closed.jaxpr.outvars:
        entry = _get(env, var, recorder)
        if isinstance(entry, _Fact):
            raise TraceError("a result of the function is a comparison, not a number")
        _check_shape(recorder, entry, var, "the result")
        outputs.append(entry)
    return recorder.finish(outputs, title)


def _input_names(f: Callable[..., Any], args: tuple, jax: Any) -> list[str]:
    """One name per array leaf of ``args``: the parameter's, or for a dict of arrays its
    keys (``params["W1"]`` → ``W1``)."""
    try:
        params = list(inspect.signature(f).bind(*args).arguments)
    except (TypeError, ValueError):
        params = [f"x{k + 1}" for k in range(len(args))]
    names = []
    for param, arg in zip(params, args):
        paths = jax.tree_util.tree_flatten_with_path(arg)[0]
        for path, _ in paths:
            if not path:
                names.append(param)
                continue
            keys = [str(getattr(p, "key", getattr(p, "idx", ""))) for p in path]
            names.append(keys[-1] if bindable(keys[-1], True) else f"{param}_{'_'.join(keys)}")
    return names


def _get(env: dict, var: Any, recorder: Recorder) -> Any:
    """A variable's node (or fact); a literal becomes a constant."""
    if type(var).__name__ == "Literal":
        value = np.asarray(var.val)
        if value.dtype == bool:
            return _Fact(value)
        if value.ndim:
            raise TraceError("an array literal in a jaxpr is not supported")
        # a float32 literal (JAX's default) as it was written: 0.1, not 0.10000000149011612
        return recorder.const(float(str(value)) if value.dtype == np.float32 else float(value))
    return env[var]


def _where(eqn: Any) -> str:
    try:
        from jax._src import source_info_util  # deferred: JAX is optional; positions only
        return f"{source_info_util.summarize(eqn.source_info)}: "
    except Exception:  # noqa: BLE001  (a private module: a message without the position)
        return ""


def _check_shape(recorder: Recorder, handle: int, var: Any, what: str) -> None:
    want = tuple(getattr(var.aval, "shape", ()))
    got = tuple(np.shape(recorder.values[handle]))
    if want != got:
        raise TraceError(f"{what} has shape {got} where JAX has {want}: a broadcast or "
                         "reshape the language cannot write feeds it")


def _read(jaxpr: Any, env: dict, recorder: Recorder,
          stopped: list[tuple[str, str]] | None = None) -> None:
    for eqn in jaxpr.eqns:
        name = eqn.primitive.name
        where = _where(eqn)
        operands = [_get(env, v, recorder) for v in eqn.invars]
        nested = next((eqn.params[k] for k in NESTED if k in eqn.params), None)
        if nested is not None:
            inner = getattr(nested, "jaxpr", nested)
            consts = getattr(nested, "consts", [])
            sub = dict(zip(inner.invars, operands))
            for var, const in zip(inner.constvars, consts):
                value = np.asarray(const, dtype=float)
                sub[var] = (recorder.input("data", value, data=True) if value.ndim
                            else recorder.const(float(value)))
            _read(inner, sub, recorder, stopped)
            for out, inner_out in zip(eqn.outvars, inner.outvars):
                env[out] = _get(sub, inner_out, recorder)
            continue
        if name in COMPARISONS:
            values = [o.value if isinstance(o, _Fact) else recorder.values[o] for o in operands]
            env[eqn.outvars[0]] = _Fact(COMPARISONS[name](*values))
            continue
        if any(isinstance(o, _Fact) for o in operands) and name != "select_n":
            raise TraceError(f"{where}{name} of a comparison's result has no rule")
        out = eqn.outvars[0]
        if name == "stop_gradient":
            env[out] = operands[0]
            if stopped is not None:
                value = recorder.values[operands[0]]
                env[out] = recorder.input("stopped", value, data=True)
                stopped.append((recorder.label[env[out]], where))
            continue
        if name in SHAPED:  # no broadcasting to lean on: each operand has JAX's shape
            for var, operand in zip(eqn.invars, operands):
                _check_shape(recorder, operand, var, f"{where}{name}'s operand")
        env[out] = _equation(name, eqn.params, operands, recorder, where, eqn)
        if name not in BROADCASTS:
            _check_shape(recorder, env[out], out, f"{where}{name}")


def _equation(name: str, params: dict, operands: list, recorder: Recorder, where: str,
              eqn: Any) -> Any:
    """The node of one equation (its operands' nodes given)."""
    handles = dict(zip("ab", operands))
    if name in ("max", "min"):  # max(x, −inf) is x (jax.nn.logsumexp's guard): no node
        bound = -np.inf if name == "max" else np.inf
        for k, h in enumerate(operands):
            if h in recorder.builder.constants and recorder.values[h] == bound:
                return operands[1 - k]
    if name in PRIMITIVES:
        return recorder.apply(PRIMITIVES[name], handles, where=where + name)
    if name in PASS_THROUGH:
        return operands[0]
    if name == "integer_pow":
        return recorder.apply("a^b", {"a": operands[0], "b": recorder.const(params["y"])},
                              where=where + name)
    if name == "reduce_max" and len(params["axes"]) > 1:  # ties shared over all the axes
        return recorder.apply("amax(a, axis=axis)", handles, {"axis": tuple(params["axes"])},
                              where=where + name)
    if name in REDUCTIONS:
        return recorder.reduce(REDUCTIONS[name], operands[0], tuple(params["axes"]),
                               where=where + name)
    if name == "transpose" and tuple(params["permutation"]) == (1, 0):
        return recorder.apply("a.T", handles, where=where + name)
    if name == "dot_general":
        return recorder.apply(_dot_rule(recorder, operands, params, where), handles,
                              where=where + name)
    if name == "broadcast_in_dim":
        return _broadcast(recorder, operands[0], eqn, params, where)
    if name in ("reshape", "squeeze", "expand_dims"):
        before = tuple(np.shape(recorder.values[operands[0]]))
        after = tuple(getattr(eqn.outvars[0].aval, "shape", ()))
        if _strip(before) == _strip(after):
            return operands[0]
        if before == tuple(getattr(eqn.invars[0].aval, "shape", ())):  # all of it is here
            return recorder.apply("reshape(a, shape=shape)", handles, {"shape": after},
                                  where=where + name)
        raise TraceError(f"{where}{name} from {before} to {after} has no counterpart in the "
                         "language")
    if name == "select_n" and isinstance(operands[0], _Fact) and len(operands) == 3:
        cases = operands[1:]
        if isinstance(cases[0], _Fact) or isinstance(cases[1], _Fact):
            raise TraceError(f"{where}select_n between comparisons has no rule")
        return recorder.select(operands[0].value, cases[0], cases[1], where + name)
    raise TraceError(f"{where}the JAX primitive {name} has no rule in graphviz-ad's table "
                     "(graphviz_ad.frontends.jaxpr.PRIMITIVES, and dot_general, integer_pow, "
                     "reduce_sum, reduce_max, transpose, broadcast_in_dim, reshape, select_n, "
                     "stop_gradient)")


def _broadcast(recorder: Recorder, operand: int, eqn: Any, params: dict, where: str) -> int:
    """broadcast_in_dim as numpy broadcasts: the operand, with size-1 axes put in where
    JAX adds axes that are not leading (``keepdims``), which numpy stretches where the
    value is used."""
    ours = tuple(np.shape(recorder.values[operand]))
    theirs = tuple(getattr(eqn.invars[0].aval, "shape", ()))
    shape = (1,) * (len(theirs) - len(ours)) + ours  # ours may still lack leading axes
    target, dims = tuple(params["shape"]), tuple(params["broadcast_dimensions"])
    if len(shape) != len(dims) or not all(s in (1, target[d]) for s, d in zip(shape, dims)):
        raise TraceError(f"{where}broadcast_in_dim from {ours} to {target} along axes "
                         f"{dims} has no counterpart in the language")
    placed = [1] * len(target)
    for s, d in zip(shape, dims):
        placed[d] = s
    if _strip(tuple(placed)) == _strip(ours):
        return operand  # numpy's broadcasting does it where the value is used
    return recorder.apply("reshape(a, shape=shape)", {"a": operand},
                          {"shape": tuple(placed)}, where=where + "broadcast_in_dim")


def _strip(shape: tuple) -> tuple:
    """A shape without its leading 1s (what numpy's broadcasting ignores)."""
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return shape[k:]


def _dot_rule(recorder: Recorder, operands: list, params: dict, where: str) -> str:
    """dot_general as ``a @ b`` (with a transpose where it contracts another axis)."""
    (lc, rc), (lb, rb) = params["dimension_numbers"]
    ndims = [int(np.ndim(recorder.values[o])) for o in operands]
    lc, rc = tuple(lc), tuple(rc)
    if not lb and not rb and len(lc) == 1 and len(rc) == 1 and max(ndims) <= 2:
        if ndims == [1, 1]:
            return "dot(a, b)"
        left = "a" if lc[0] == ndims[0] - 1 else "a.T"
        right = "b" if rc[0] == max(ndims[1] - 2, 0) else "b.T"
        return f"{left} @ {right}"
    raise TraceError(f"{where}dot_general with dimension numbers {params['dimension_numbers']} "
                     "has no counterpart in the language")
