"""Check every derivative of both modes against central finite differences.

Forward mode: ∂node/∂x for every node and input x, probing x.  Reverse mode:
∂output/∂node for every output and non-constant node, probing the node's value itself
(the finite difference an adjoint stands for).  The error of one derivative is
``|ad − fd| / max(1, |ad|, |fd|)``: relative for large numbers, absolute near zero.

>>> import graphviz_ad as ad
>>> report = check_derivatives(ad.parse("y = sin(x)*x"), {"x": 0.3})
>>> report.ok, report.worst.error < 1e-8
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from .autodiff import Inputs, forward_mode, reverse_mode, values_at
from .errors import GraphvizAdError

DEFAULT_TOLERANCE = 1e-6
_STEP = np.cbrt(np.finfo(float).eps)  # the step that balances truncation and rounding


@dataclass(frozen=True)
class Comparison:
    mode: str            # "forward" or "reverse"
    derivative: str      # "∂f3/∂x" or "∂y/∂f3"
    automatic: float
    finite_difference: float
    error: float


@dataclass
class CheckReport:
    comparisons: list[Comparison]
    tolerance: float

    @property
    def worst(self) -> Comparison:
        return max(self.comparisons, key=lambda c: (np.nan_to_num(c.error, nan=np.inf)))

    @property
    def ok(self) -> bool:
        return bool(self.comparisons) and bool(self.worst.error <= self.tolerance)


def _error(a: float, b: float) -> float:
    if not (np.isfinite(a) and np.isfinite(b)):
        return 0.0 if a == b else float("inf")
    return float(abs(a - b) / max(1.0, abs(a), abs(b)))


def _central(G: nx.DiGraph, inputs: dict[str, Any], target: str, node: str,
             base: Any) -> Any:
    """(target(node + h) − target(node − h)) / 2h, with h scaled to the node's value.

    For an array node h is added to every element: the derivative along all-ones, which
    is what a seeded-with-ones tangent, or the sum of an adjoint, stands for."""
    h = _STEP * max(1.0, float(np.max(np.abs(base))))
    if G.nodes[node]["op"] == "input":
        plus = values_at(G, {**inputs, node: inputs[node] + h})[target]
        minus = values_at(G, {**inputs, node: inputs[node] - h})[target]
    else:
        plus = values_at(G, inputs, (node, h))[target]
        minus = values_at(G, inputs, (node, -h))[target]
    return (plus - minus) / (2 * h)


def _compare(mode: str, derivative: str, automatic: Any, fd: Any) -> Comparison:
    """One comparison; for arrays, the element with the largest error."""
    a, f = np.broadcast_arrays(np.asarray(automatic, dtype=float), np.asarray(fd, dtype=float))
    errors = np.array([_error(float(x), float(y)) for x, y in zip(a.ravel(), f.ravel())])
    k = int(np.argmax(np.nan_to_num(errors, nan=np.inf))) if errors.size else 0
    return Comparison(mode, derivative, float(a.ravel()[k]), float(f.ravel()[k]),
                      float(errors[k]) if errors.size else 0.0)


def check_derivatives(G: nx.DiGraph, inputs: Inputs,
                      tolerance: float = DEFAULT_TOLERANCE) -> CheckReport:
    """Compare every tangent (each input) and every adjoint (each output) with central
    finite differences.  Arrays are probed along all-ones (tangents elementwise, adjoints
    summed), and an array comparison reports its worst element."""
    if not G.graph["inputs"]:  # else no comparisons, and `worst` would be max() of nothing
        raise GraphvizAdError("nothing to check: the program has no inputs")
    comparisons = []
    for wrt in G.graph["inputs"]:
        trace = forward_mode(G, inputs, wrt=wrt)
        values = trace.inputs
        for step in trace.steps:
            fd = _central(G, dict(values), step.node, wrt, values[wrt])
            comparisons.append(_compare("forward", step.derivative, step.result, fd))
    for of in G.graph["outputs"]:
        trace = reverse_mode(G, inputs, of=of)
        values = trace.inputs
        for step in trace.steps:
            fd = np.sum(_central(G, dict(values), of, step.node, trace.value(step.node)))
            comparisons.append(_compare("reverse", step.derivative, np.sum(step.result), fd))
    return CheckReport(comparisons, tolerance)
