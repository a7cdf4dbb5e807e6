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
             base: float) -> float:
    """(target(node + h) − target(node − h)) / 2h, with h scaled to the node's value."""
    h = _STEP * max(1.0, abs(float(base)))
    if G.nodes[node]["op"] == "input":
        plus = values_at(G, {**inputs, node: inputs[node] + h})[target]
        minus = values_at(G, {**inputs, node: inputs[node] - h})[target]
    else:
        plus = values_at(G, inputs, (node, h))[target]
        minus = values_at(G, inputs, (node, -h))[target]
    return float((plus - minus) / (2 * h))


def check_derivatives(G: nx.DiGraph, inputs: Inputs,
                      tolerance: float = DEFAULT_TOLERANCE) -> CheckReport:
    """Compare every tangent (each input) and every adjoint (each output) with central
    finite differences.  Scalar programs only."""
    if not G.graph["inputs"]:  # else no comparisons, and `worst` would be max() of nothing
        raise GraphvizAdError("nothing to check: the program has no inputs")
    comparisons = []
    for wrt in G.graph["inputs"]:
        trace = forward_mode(G, inputs, wrt=wrt)
        values = trace.inputs
        for step in trace.steps:
            fd = _central(G, dict(values), step.node, wrt, float(values[wrt]))
            comparisons.append(Comparison("forward", step.derivative, float(step.result), fd,
                                          _error(float(step.result), fd)))
    for of in G.graph["outputs"]:
        trace = reverse_mode(G, inputs, of=of)
        values = trace.inputs
        for step in trace.steps:
            base = float(trace.value(step.node))
            fd = _central(G, dict(values), of, step.node, base)
            comparisons.append(Comparison("reverse", step.derivative, float(step.result), fd,
                                          _error(float(step.result), fd)))
    return CheckReport(comparisons, tolerance)
