"""The passes: evaluate, forward mode and reverse mode, each returning a :class:`Trace`.

Evaluation runs the one table of primitives (:mod:`graphviz_ad.core.ops`) over the DAG in
``program_of(G).order``; forward and reverse mode are the one sweep of
:mod:`graphviz_ad.core.sweep` over numbers.  Forward mode *pushes*: the step for node n sums
``∂n/∂a · ∂a/∂wrt`` over n's operands a.  Reverse mode *pulls*: the step for node n sums
``∂of/∂c · ∂c/∂n`` over n's consumers c, exactly as a student writes it.

>>> import graphviz_ad as ad
>>> G = ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
>>> t = ad.reverse_mode(G, {"x": 0.0})
>>> [ad.explain_step(s).derivative for s in t.steps]
['∂y/∂f5', '∂y/∂f4', '∂y/∂f3', '∂y/∂f2', '∂y/∂f1', '∂y/∂x']
>>> ad.explain_step(t.steps[2]).formula
'∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import networkx as nx
import numpy as np

from ._gc import gc_paused
from .annotated import annotate
from .errors import GraphvizAdError, InputError
from .formula import definition, node_label
from .modes import Kind, Mode
from .nodes import node, node_data, quantity
from .ops import CONSTANT, INPUT, PRIMITIVES, ShapeError, is_constant, is_leaf
from .program import program_of
from .rules import OPERAND_NAMES
from .shapes import check_sizes
from .sweep import NumberAlgebra, ones_like, sweep, zero_like
from .trace import Step, Trace

Inputs = Mapping[str, Any]


@gc_paused
def evaluate(G: nx.DiGraph, inputs: Inputs) -> Trace:
    """Annotate every node with its ``value``; one step per operation node."""
    values = _check_inputs(G, inputs)
    with np.errstate(all="ignore"):
        _run_values(G, values)
    shown: nx.DiGraph = nx.DiGraph()  # the annotated copy the steps point to, filled by _finish
    steps = [Step(i, Kind.VALUE, n, values[n], (), shown) for i, n in enumerate(op_nodes(G))]
    return _finish(G, shown, Mode.EVALUATE, values, steps)


@gc_paused
def forward_mode(G: nx.DiGraph, inputs: Inputs, wrt: str | None = None,
                 seed: Any = None) -> Trace:
    """Values and tangents ∂node/∂wrt, one step per operation node in forward order.

    For an array input the tangent seeds every element with 1 (the derivative along
    all-ones); ``seed`` (an array of wrt's shape) sets another direction, e.g. a one-hot
    vector for one column of a Jacobian."""
    values = _check_inputs(G, inputs)
    wrt = choose_wrt(G, wrt)
    seed = _seed(values[wrt], seed, f"seed for {wrt}")
    shown: nx.DiGraph = nx.DiGraph()
    with np.errstate(all="ignore"):
        _run_values(G, values)
        numbers = NumberAlgebra(G, values, Mode.FORWARD, wrt, seed_label(seed), shown)
        tangents = sweep(G, {wrt: seed}, numbers)
    trace = _finish(G, shown, Mode.FORWARD, values, numbers.steps, tangents)
    trace.wrt, trace.seed = wrt, numbers.seed_label
    return trace


@gc_paused
def reverse_mode(G: nx.DiGraph, inputs: Inputs, of: str | None = None,
                 seed: Any = None, wrt: str | list[str] | None = None) -> Trace:
    """Values and adjoints ∂of/∂node; one step per non-constant node other than ``of``,
    in exactly the reverse of the forward order (homework problem 9's order).

    An array-valued ``of`` is seeded with ones (the gradient of the sum of its elements);
    ``seed`` (an array of of's shape) weights them instead, e.g. one-hot for one row of
    a Jacobian.  Adjoints have their node's shape: broadcasting is undone by summing.

    ``wrt`` (input names) limits the sweep to the nodes between them and ``of``: the
    other nodes (data such as X and T) get no step and keep adjoint 0."""
    values = _check_inputs(G, inputs)
    of = choose_of(G, of)
    needed = None
    if wrt is not None:
        wrt = [wrt] if isinstance(wrt, str) else list(wrt)
        for w in wrt:
            choose_wrt(G, w)
        needed = _between(G, wrt, of)
    shown: nx.DiGraph = nx.DiGraph()
    with np.errstate(all="ignore"):
        _run_values(G, values)
        seed = _seed(values[of], seed, f"seed for {of}")
        numbers = NumberAlgebra(G, values, Mode.REVERSE, of, seed_label(seed), shown)
        adjoints = sweep(G, {of: seed}, numbers, needed)
    trace = _finish(G, shown, Mode.REVERSE, values, numbers.steps, adjoints)
    trace.of, trace.seed = of, numbers.seed_label
    if needed is not None:
        nodes = node_data(G)
        trace.skipped = frozenset(n for n in program_of(G).order
                                  if n not in needed and not is_constant(nodes[n]["op"]))
    return trace


# -- helpers -------------------------------------------------------------------------------

def _between(G: nx.DiGraph, wrt: list[str], of: str) -> set[str]:
    """The nodes on a path from one of ``wrt`` to ``of`` (both ends included): one sweep
    forward over the graph order, one back."""
    nodes, order = node_data(G), program_of(G).order
    after = set(wrt)
    for n in order:
        if n not in after and any(o in after for o in nodes[n]["operands"]):
            after.add(n)
    before = {of}
    for n in reversed(order):
        if n in before:
            before.update(nodes[n]["operands"])
    return after & before


def op_nodes(G: nx.DiGraph) -> list[str]:
    """The nodes that compute something (neither input nor constant), in graph order."""
    nodes = node_data(G)
    return [n for n in program_of(G).order if not is_leaf(nodes[n]["op"])]


def _run_values(G: nx.DiGraph, values: dict[str, Any],
                offset: tuple[str, float] | None = None) -> None:
    """Fill ``values`` (which holds the inputs) for every node, in graph order.

    ``offset=(node, h)`` adds h to that node's value as soon as it is computed, which is
    how finite differences probe ∂output/∂node for an intermediate node.  Shape errors
    (vectors of different lengths, an index out of range) name the node's position."""
    nodes = node_data(G)
    for n in program_of(G).order:
        try:  # free in Python 3.11 unless raised
            data = nodes[n]
            op = data["op"]
            if op == CONSTANT:  # the names, not is_constant/is_input: a call per node here
                values[n] = np.float64(data["value"])
            elif op != INPUT:
                params = data.get("params")
                args = [values[o] for o in data["operands"]]
                values[n] = (PRIMITIVES[op].fn(*args, **dict(params)) if params
                             else PRIMITIVES[op].fn(*args))
            if offset is not None and n == offset[0]:
                values[n] = values[n] + offset[1]
        except (ValueError, IndexError, GraphvizAdError) as err:
            raise InputError(_shape_message(G, n, values, err), **_where(G, n)) from None


def _shape_message(G: nx.DiGraph, n: str, values: dict[str, Any], err: Exception) -> str:
    data = node(G, n)
    labels = [node_label(G, o) for o in data["operands"]]
    if isinstance(err, ShapeError):  # name the operands: "inner sizes differ (W is 2×3, …)"
        reason = err.message.format(**dict(zip(OPERAND_NAMES, labels)))
        source = PRIMITIVES[data["op"]].source
        if source:  # as written: "W @ x: inner sizes differ (W is 2×3, x has 2)"
            return f"{source.format(**dict(zip(OPERAND_NAMES, labels)))}: {reason}"
    elif isinstance(err, GraphvizAdError):
        reason = err.message
    else:
        shapes = " and ".join("×".join(map(str, np.shape(values[o]))) or "scalar"
                              for o in data["operands"] if o in values)
        reason = f"operand shapes {shapes} do not broadcast"
    return f"{node_label(G, n)} = {definition(G, n)}: {reason}"


def _seed(value: Any, seed: Any, what: str) -> Any:
    """The starting tangent/adjoint: ones of ``value``'s shape, or ``seed`` checked."""
    if seed is None:
        return ones_like(value)
    seed = np.asarray(seed, dtype=float)
    if seed.shape != np.shape(value):
        raise InputError(f"{what} has shape {seed.shape}, expected {np.shape(value)}")
    return seed[()] if seed.ndim == 0 else seed


def seed_label(seed: Any) -> str | None:
    """How a seed is labelled (see :func:`graphviz_ad.core.formula.seeded_symbol`): None for
    the scalar 1, ``"1"`` for an array of ones, ``"[i]"`` (``"[i, j]"``) for a one-hot
    array and ``"v"`` for anything else."""
    seed = np.asarray(seed, dtype=float)
    if seed.ndim == 0:
        return None if seed == 1 else "v"
    if seed.size and np.all(seed == 1):
        return "1"
    hot = np.flatnonzero(seed)
    if hot.size == 1 and seed.flat[hot[0]] == 1:
        return "[" + ", ".join(str(int(i)) for i in np.unravel_index(hot[0], seed.shape)) + "]"
    return "v"


def values_at(G: nx.DiGraph, inputs: Inputs, offset: tuple[str, float] | None = None
              ) -> dict[str, Any]:
    """Every node's value (no trace), optionally with one node nudged by ``offset``."""
    values = _check_inputs(G, inputs)
    with np.errstate(all="ignore"):
        _run_values(G, values, offset)
    return values


def _finite(value: Any) -> bool:
    if type(value) is np.float64:
        return math.isfinite(value)
    with np.errstate(all="ignore"):  # a finite sum is proof; an overflowing one is rechecked
        if math.isfinite(np.sum(value)):
            return True
    return bool(np.all(np.isfinite(value)))


def _finish(G: nx.DiGraph, shown: nx.DiGraph, mode: Mode, values: dict[str, Any],
            steps: list[Step], derived: dict[str, Any] | None = None) -> Trace:
    """Fill ``shown`` (the graph the steps point to) as G annotated with every node's
    ``value`` and, given ``derived``, its tangent or adjoint (the mode's kind; zeros of
    the node's shape where none was computed); each edge a step used reads its
    ``local`` derivative (:mod:`graphviz_ad.core.annotated`).  Flag non-finite numbers."""
    annotate(shown, G, values, steps,
             None if derived is None else (mode.kind, derived, zero_like), mode == Mode.FORWARD)
    nodes = node_data(shown)
    for numbers in (values, derived) if derived is not None else (values,):
        for n, number in numbers.items():
            if not (math.isfinite(number) if type(number) is np.float64 else _finite(number)):
                nodes[n]["nonfinite"] = True
    _mark_derivatives_through_nonfinite(shown, mode)
    inputs = {n: values[n] for n in program_of(G).inputs}
    return Trace(shown, steps, mode, inputs)


def _mark_derivatives_through_nonfinite(G: nx.DiGraph, mode: Mode) -> None:
    """Flag finite derivatives that were computed through a node evaluated where it is
    undefined (``log(x)`` at −1: the adjoint 1/x = −1 means nothing).  Such an origin has a
    nan/inf value from finite operands; every derivative whose chain rule uses its local
    partial gets ``through`` = that node and counts as non-finite."""
    if mode == Mode.EVALUATE:
        return
    kind = mode.kind
    nodes = node_data(G)
    undefined = {n for n, data in node_data(G).items() if not _finite(data["value"])}
    if not undefined:
        return

    def origin(n: str) -> bool:
        return n in undefined and not any(a in undefined for a in G.predecessors(n))

    through: dict[str, str] = {}
    if mode == Mode.FORWARD:  # a tangent uses its own node's partials and its operands' tangents
        for n in program_of(G).order:
            if origin(n):
                through[n] = n
                continue
            upstream = next((through[a] for a in G.predecessors(n) if a in through), None)
            if upstream is not None:
                through[n] = upstream
    else:  # an adjoint uses its consumers' partials and adjoints
        for n in reversed(program_of(G).order):
            for v in G.successors(n):
                if origin(v) or v in through:
                    through[n] = through.get(v, v)
                    break
    for n, where in through.items():
        data = nodes[n]
        if kind in data and _finite(quantity(data, kind)):
            data["through"] = where
            data["nonfinite"] = True


def _check_inputs(G: nx.DiGraph, inputs: Inputs) -> dict[str, Any]:
    """Validate ``inputs`` against the graph's inputs; numbers become numpy float64."""
    program_of(G)  # GraphvizAdError for a graph graphviz-ad did not build
    if not isinstance(inputs, Mapping):
        raise InputError("inputs must be a mapping of input name to number")
    expected = program_of(G).inputs
    renamed = input_names(G)
    if renamed:  # `x += 1`: a value for x is the input's, whose id is x#1
        inputs = {renamed.get(k, k) if isinstance(k, str) else k: v for k, v in inputs.items()}
    missing = [n for n in expected if n not in inputs]
    if missing:
        raise InputError(f"missing value for input {', '.join(missing)} "
                         f"(inputs: {', '.join(expected)})", **_where(G, missing[0]))
    unknown = [n for n in inputs if n not in expected]
    if unknown:
        raise InputError(f"unknown input {', '.join(map(str, unknown))} "
                         f"(inputs: {', '.join(expected) or 'none'})")
    values = {}
    for name in expected:
        try:
            values[name] = _as_number(name, inputs[name])
        except InputError as err:
            raise InputError(err.message, **_where(G, name)) from None
    check_sizes(G, values)  # every array's size, before any is computed
    return values


def _where(G: nx.DiGraph, n: str) -> dict[str, Any]:
    """Source position of ``n`` (an input's first use) for an error's caret line."""
    data = node(G, n)
    return {"source": program_of(G).source, "line": data.get("line"),
            "column": data.get("column")}


def _as_number(name: str, value: Any) -> Any:
    if value is None or isinstance(value, (bool, np.bool_)):  # float(None) would be nan
        raise InputError(f"input {name} must be a number, got {value!r}")
    if isinstance(value, Real):
        return np.float64(value)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"input {name} must be a number, got {value!r}") from None
    return array[()] if array.ndim == 0 else array


def choose_wrt(G: nx.DiGraph, wrt: str | None) -> str:
    """The input a derivative is taken with respect to: ``wrt`` checked against G's
    inputs (by id, or by name for an input re-bound later, whose id is ``x#1``), or the
    first input when ``wrt`` is None (InputError if there is none)."""
    inputs = program_of(G).inputs
    if wrt is None:
        if not inputs:
            raise InputError("the program has no inputs to differentiate with respect to")
        return inputs[0]
    wrt = input_names(G).get(wrt, wrt)
    if wrt not in inputs:
        raise InputError(f"wrt {wrt!r} names no input (inputs: {', '.join(inputs) or 'none'})")
    return wrt


def input_names(G: nx.DiGraph) -> dict[str, str]:
    """Name → id of the inputs whose id is not their name (``x`` → ``x#1`` in
    ``x += 1``): the name a caller gives a value for still means the input."""
    nodes = node_data(G)
    return {nodes[n]["name"]: n for n in program_of(G).inputs if nodes[n]["name"] != n}


def choose_of(G: nx.DiGraph, of: str | None) -> str:
    """The node a derivative is taken of: the first output when ``of`` is None, else the
    node with that id (a re-bound name's id is its last binding, as in Python) or the
    node displayed with that label (``c⁽¹⁾``, ASCII ``c#1``), constants excluded;
    InputError when ``of`` names none of these."""
    outputs = program_of(G).outputs
    if of is None:
        return outputs[0]
    if of in G and not is_constant(node(G, of)["op"]):
        return of
    labelled: list[str] = [n for n in G if node(G, n).get("label") == of
                           and not is_constant(node(G, n)["op"])]
    if len(labelled) == 1:  # `c⁽²⁾`, as the displays write it
        return labelled[0]
    raise InputError(f"of {of!r} names no node (outputs: {', '.join(outputs)})")
