"""Check every derivative of both modes against central finite differences, per element.

Forward mode: ∂node/∂x for every node and input x, seeding x one-hot at each element
and nudging that element alone.  Reverse mode: ∂output/∂node for every output and
non-constant node, seeding an array output one-hot at each element and nudging each
element of the node's value itself (the finite difference an adjoint stands for).  So a
gradient with its elements swapped fails, where an all-ones direction would not.  The
error of one derivative is ``|ad − fd| / max(1, |ad|, |fd|)``: relative for large
numbers, absolute near zero.  At most :data:`MAX_PROBES` elements of an array are
probed, evenly spaced and the same every run, and fewer (down to :data:`MIN_PROBES`) when
the arrays are so large that every probe's full evaluations would exceed
:data:`PROBE_BUDGET`; a row says when an array was probed in part.

>>> import graphviz_ad as ad
>>> report = check_derivatives(ad.parse("y = sin(x)*x"), {"x": 0.3})
>>> report.ok, report.worst.error < 1e-8
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np

from ..core.autodiff import Inputs, choose_of, choose_wrt, forward_mode, reverse_mode, values_at
from ..core.errors import GraphvizAdError
from ..core.formula import definition, node_label
from ..core.modes import Mode
from ..core.nodes import node
from ..core.number_format import fmt_number
from ..core.ops import PRIMITIVES, is_input, is_leaf, singular_spot
from ..core.program import program_of

DEFAULT_TOLERANCE = 1e-6
MAX_PROBES = 64  # elements probed per array, so a check of large data stays quick
MIN_PROBES = 2  # first and last element, however large the arrays
#: element evaluations a whole check may spend: each probe re-evaluates the graph
#: (all of its array elements) about three times, once per probed array.
PROBE_BUDGET = 300_000_000
_STEP = np.cbrt(np.finfo(float).eps)  # the step that balances truncation and rounding


@dataclass(frozen=True)
class Comparison:
    mode: str            # "forward" or "reverse"
    derivative: str      # "∂f3/∂x" or "∂y/∂f3"
    automatic: float
    finite_difference: float
    error: float


@dataclass(frozen=True)
class Sample:
    """Which elements of one array were checked: ``probed`` of its ``size``."""

    array: str                       # the node's label, e.g. "z"
    size: int
    probed: tuple[tuple[int, ...], ...]

    def describe(self, shown: int = 4) -> str:
        """``z: 64 of 1000 elements checked (z[0], z[16], z[32], …, z[999]; evenly
        spaced, the same on every run)``."""
        names = [f"{self.array}{_element(i)}" for i in self.probed]
        listed = names if len(names) <= shown + 1 else [*names[:shown - 1], "…", names[-1]]
        return (f"{self.array}: {len(self.probed)} of {self.size} elements checked "
                f"({', '.join(listed)}; evenly spaced, the same on every run)")


@dataclass
class CheckReport:
    comparisons: list[Comparison]
    tolerance: float
    samples: list[Sample] = field(default_factory=list)  # every array probed

    @property
    def sampled(self) -> list[Sample]:
        """The arrays checked only in part."""
        return [s for s in self.samples if len(s.probed) < s.size]

    def notes(self) -> list[str]:
        """What the rows stand for when arrays are involved: each row is the worst element
        of its derivative; which elements of which arrays were checked."""
        if not self.samples:
            return []
        whole = [f"{s.array} ({s.size})" for s in self.samples if s not in self.sampled]
        head = "each row shows the worst checked element of its derivative"
        if whole:
            head += f"; every element checked of {', '.join(whole)}"
        return [head] + [s.describe() for s in self.sampled]

    @property
    def worst(self) -> Comparison:
        return max(self.comparisons, key=lambda c: (np.nan_to_num(c.error, nan=np.inf)))

    @property
    def ok(self) -> bool:
        return bool(self.comparisons) and bool(self.worst.error <= self.tolerance)


def _errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|ad − fd| / max(1, |ad|, |fd|)`` element by element (0 where both are the same
    infinity, inf where either is not finite otherwise)."""
    with np.errstate(all="ignore"):
        scale = np.maximum(np.maximum(1.0, np.abs(a)), np.abs(b))
        errors = np.abs(a - b) / scale
    both = np.isfinite(a) & np.isfinite(b)
    return np.where(both, errors, np.where(a == b, 0.0, np.inf))


def probe_count(G: nx.DiGraph, values: dict[str, Any]) -> int:
    """Elements to probe per array: MAX_PROBES, fewer when the graph's arrays are so large
    that the check would spend more than PROBE_BUDGET element evaluations."""
    elements = sum(max(int(np.size(v)), 1) for v in values.values())
    arrays = len(program_of(G).inputs) + G.number_of_nodes()
    return int(np.clip(PROBE_BUDGET // (3 * arrays * elements), MIN_PROBES, MAX_PROBES))


def _probes(shape: tuple[int, ...], count: int = MAX_PROBES) -> list[tuple[int, ...]]:
    """The elements probed of an array of ``shape``: all of them up to ``count``, else
    ``count`` evenly spaced ones (first and last included), the same on every run."""
    size = int(np.prod(shape, dtype=int))
    if size <= count:
        flat = list(range(size))
    else:
        flat = sorted({int(k) for k in np.linspace(0, size - 1, count).round()})
    return [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]


def _one_hot(shape: tuple[int, ...], index: tuple[int, ...], scale: float = 1.0) -> Any:
    if not shape:
        return np.float64(scale)
    e = np.zeros(shape)
    e[index] = scale
    return e


def _element(index: tuple[int, ...]) -> str:
    return f"[{', '.join(map(str, index))}]" if index else ""


def _symbol(of: str, of_index: tuple[int, ...], wrt: str, wrt_index: tuple[int, ...]) -> str:
    """``∂y/∂z[1]``, ``∂f1[0]/∂z[1]``: which element of which derivative."""
    of, wrt = (f"({n})" if "/" in n else n for n in (of, wrt))
    return f"∂{of}{_element(of_index)}/∂{wrt}{_element(wrt_index)}"


def _probed(G: nx.DiGraph, nodes: dict[str, tuple[int, ...]], count: int) -> str:
    """`` (probed 64 of 1000 elements of z)`` for each array probed only in part."""
    notes = [f"{count} of {int(np.prod(shape, dtype=int))} elements of "
             f"{node_label(G, n)}" for n, shape in nodes.items()
             if int(np.prod(shape, dtype=int)) > count]
    return f" (probed {'; '.join(notes)})" if notes else ""


def _step_size(base: Any, index: tuple[int, ...], target: Any) -> float:
    """h for nudging one element of ``base``: scaled to that element and, when it is one
    of several, to the target's magnitude, since then the change it makes can be tiny
    beside a large sum and rounding (≈ eps·|target|/h) would swamp it."""
    h = _STEP * max(1.0, abs(float(np.asarray(base)[index])))
    if np.size(base) > 1:
        parts = target if isinstance(target, list) else [target]  # outputs may differ in shape
        finite = np.abs(np.concatenate([np.ravel(np.asarray(t, dtype=float)) for t in parts]))
        finite = finite[np.isfinite(finite)]
        h *= np.cbrt(max(1.0, float(finite.max()) if finite.size else 1.0))
    return float(h)


def _nudged(G: nx.DiGraph, inputs: dict[str, Any], n: str, delta: Any) -> dict[str, Any]:
    """Every node's value with ``delta`` added to node ``n``'s value (an input or not)."""
    if is_input(node(G, n)["op"]):
        return values_at(G, {**inputs, n: inputs[n] + delta})
    return values_at(G, inputs, (n, delta))


class _Worst:
    """The worst comparison seen per key, in the order keys first appeared, and the
    elements probed of every array."""

    def __init__(self, G: nx.DiGraph) -> None:
        self.rows: dict[Any, Comparison] = {}
        self.graph = G
        self.samples: dict[str, Sample] = {}

    def probes(self, node: str, shape: tuple[int, ...], count: int) -> list[tuple[int, ...]]:
        """:func:`_probes` of ``node``'s array, remembered for the report (scalars are not
        arrays and are not listed)."""
        probed = _probes(shape, count)
        if shape:
            label = node_label(self.graph, node)
            self.samples.setdefault(label, Sample(label, int(np.prod(shape, dtype=int)),
                                                  tuple(probed)))
        return probed

    def add(self, key: Any, comparison: Comparison) -> None:
        old = self.rows.get(key)
        if old is None or _rank(comparison) > _rank(old):
            self.rows[key] = comparison


def _rank(c: Comparison) -> float:
    return float(np.nan_to_num(c.error, nan=np.inf))


def _forward(G: nx.DiGraph, inputs: Inputs, wrt: str, worst: _Worst, count: int) -> None:
    """Tangents seeded one-hot at each probed element of ``wrt`` against central
    differences of every node for a nudge of that element alone."""
    every = values_at(G, inputs)  # the inputs as numbers, once
    values = {n: every[n] for n in program_of(G).inputs}
    base = values[wrt]
    shape = np.shape(base)
    note = _probed(G, {wrt: shape}, count)
    for index in worst.probes(wrt, shape, count):
        trace = forward_mode(G, inputs, wrt=wrt, seed=_one_hot(shape, index) if shape else None)
        h = _step_size(base, index, [every[o] for o in program_of(G).outputs])
        plus = _nudged(G, values, wrt, _one_hot(shape, index, h))
        minus = _nudged(G, values, wrt, _one_hot(shape, index, -h))
        for step in trace.steps:
            fd = (plus[step.node] - minus[step.node]) / (2 * h)
            comparison, at = _compare(step.result, fd)
            label = _symbol(node_label(G, step.node), at, node_label(G, wrt), index) + note
            worst.add((Mode.FORWARD, wrt, step.node), replace(comparison, mode=Mode.FORWARD,
                                                           derivative=label))


def _reverse(G: nx.DiGraph, inputs: Inputs, of: str, worst: _Worst, count: int) -> None:
    """Adjoints seeded one-hot at each probed element of ``of`` (plain 1 for a scalar)
    against central differences of ``of`` for a nudge of each probed element of each
    node's value."""
    first = reverse_mode(G, inputs, of=of)
    values = dict(first.inputs)
    of_shape = np.shape(first.value(of))
    of_probes = worst.probes(of, of_shape, count)
    traces = [first] if not of_shape else [
        reverse_mode(G, inputs, of=of, seed=_one_hot(of_shape, i)) for i in of_probes]
    for step in first.steps:
        n = step.node
        base = first.value(n)
        shape = np.shape(base)
        note = _probed(G, {of: of_shape, n: shape}, count)
        for j in worst.probes(n, shape, count):
            h = _step_size(base, j, first.value(of))
            fd = (_nudged(G, values, n, _one_hot(shape, j, h))[of]
                  - _nudged(G, values, n, _one_hot(shape, j, -h))[of]) / (2 * h)
            for i, trace in zip(of_probes, traces):
                automatic = np.asarray(trace.derivative(n), dtype=float)[j]
                comparison, _ = _compare(automatic, np.asarray(fd)[i])
                label = _symbol(node_label(G, of), i, node_label(G, n), j) + note
                worst.add((Mode.REVERSE, of, n), replace(comparison, mode=Mode.REVERSE,
                                                      derivative=label))


def _compare(automatic: Any, fd: Any) -> tuple[Comparison, tuple[int, ...]]:
    """One comparison and the index of the element with the largest error."""
    a, f = np.broadcast_arrays(np.asarray(automatic, dtype=float), np.asarray(fd, dtype=float))
    errors = _errors(a.ravel(), f.ravel())
    k = int(np.argmax(np.nan_to_num(errors, nan=np.inf))) if errors.size else 0
    at = tuple(int(i) for i in np.unravel_index(k, a.shape)) if a.shape else ()
    return Comparison("", "", float(a.ravel()[k]), float(f.ravel()[k]),
                      float(errors[k]) if errors.size else 0.0), at


def check_derivatives(G: nx.DiGraph, inputs: Inputs,
                      tolerance: float = DEFAULT_TOLERANCE, *,
                      wrt: Sequence[str] | None = None, of: Sequence[str] | None = None
                      ) -> CheckReport:
    """Compare every tangent (each input) and every adjoint (each output) with central
    finite differences, element by element: one row per (input, node) and per (output,
    node), holding the worst probed element, which the row names (``∂y/∂z[1]``).  At most
    :data:`MAX_PROBES` elements of an array are probed (evenly spaced, deterministic;
    fewer for huge arrays, see :func:`probe_count`); a row says so when an array was
    probed only in part, and :meth:`CheckReport.notes` which elements were checked.

    ``wrt`` limits forward mode to those inputs and ``of`` reverse mode to those outputs
    (names or labels; default: every input, every output)."""
    if not program_of(G).inputs:  # else no comparisons, and `worst` would be max() of nothing
        raise GraphvizAdError("nothing to check: the program has no inputs")
    values = values_at(G, inputs)
    empty = [node_label(G, n) for n in program_of(G).inputs if np.size(values[n]) == 0]
    if empty:
        raise GraphvizAdError(f"nothing to check: {', '.join(empty)} "
                              f"{'is an empty array' if len(empty) == 1 else 'are empty arrays'}"
                              " (0 elements)")
    count = probe_count(G, values)
    worst = _Worst(G)
    by = program_of(G).inputs if wrt is None else list(dict.fromkeys(choose_wrt(G, w)
                                                                   for w in wrt))
    outputs = program_of(G).outputs if of is None else list(dict.fromkeys(choose_of(G, o)
                                                                        for o in of))
    for name in by:
        _forward(G, inputs, name, worst, count)
    for name in outputs:
        _reverse(G, inputs, name, worst, count)
    if not worst.rows:
        raise GraphvizAdError("nothing to check: every output is an empty array")
    return CheckReport(list(worst.rows.values()), tolerance, list(worst.samples.values()))


# Where finite differences cannot see a derivative: op -> (the expression that is 0 at the
# trouble spot, given the operand values; what the spot is).
NEAR = 1e-4  # |argument| within this (absolute) counts as "at" the trouble spot


def singularities(G: nx.DiGraph, inputs: Inputs) -> list[str]:
    """Why a central difference may disagree at this point: nodes evaluated at (or within
    a step of) a kink, jump, pole or branch point, and nodes whose value is nan or inf.

    >>> import graphviz_ad as ad
    >>> singularities(ad.parse("y = relu(x)"), {"x": 0.0})  # doctest: +ELLIPSIS
    ['y = relu(x) has a kink where x = 0, and x is 0 here: finite differences average ...']
    """
    values = values_at(G, inputs)
    reasons = []
    for n in program_of(G).order:
        data = node(G, n)
        shown = f"{node_label(G, n)} = {definition(G, n)}"
        if not is_leaf(data["op"]) and not np.all(np.isfinite(values[n])):
            reasons.append(f"{shown} is not finite here ({fmt_number(values[n])}): no derivative "
                           "to compare")
            continue
        prim = PRIMITIVES.get(data["op"])
        rule = prim.singular if prim is not None else None
        if rule is None:
            continue
        operands = data["operands"]
        with np.errstate(all="ignore"):
            spot = singular_spot(data["op"], [values[o] for o in operands])
            signed = np.ravel(np.asarray(spot, dtype=float))
        if signed.size and np.nanmin(np.abs(signed)) <= NEAR:
            nearest = float(signed[np.nanargmin(np.abs(signed))])
            where = _spot_name(G, operands, rule.at)
            reasons.append(f"{shown} has a {rule.kind} where {where} = 0, and {where} is "
                           f"{fmt_number(nearest)} here: finite differences "
                           f"{_WHY[rule.kind]}, so they are not its derivative")
    return reasons


def _spot_name(G: nx.DiGraph, operands: Sequence[str], at: str) -> str:
    """How a reason names the quantity that is 0 at a trouble spot (a Singular's ``at``)."""
    if at == "a - b":
        return f"{node_label(G, operands[0])} − {node_label(G, operands[1])}"
    return node_label(G, operands[1]) if at == "b" else definition(G, operands[0])


_WHY = {"kink": "average the two one-sided slopes there",
        "jump": "step across the jump", "pole": "straddle the pole",
        "branch point": "reach outside the domain"}
