"""Rounding noise: which computed numbers are indistinguishable from 0.

A number computed from terms that cancel keeps their rounding errors: 0.1 + 0.2 − 0.3 is
5.55×10⁻¹⁷, and a gradient that is exactly 0 comes out as ±10⁻¹⁷, its sign and last
digits depending on the order the machine's BLAS adds in.  Each number of a pass gets a
*scale*: the magnitude of the terms it was computed from, carried through the pass as
first-order rounding errors are.  A result's scale is the largest of its own magnitude
and its terms' scales; a term ``local · carried`` has the scale ``|local| · scale(carried)``
(elementwise where the shapes agree, else the largest); a linear map's term
``max |pullback of 𝟏| · max scale(carried)``; a value computed by a linear map (sum, mean,
matmul, …) the map of its operands' scales.  A number below
:data:`~graphviz_ad.core.number_format.NOISE` × its scale is noise: displays show it as 0
(:func:`~graphviz_ad.core.number_format.fmt_number`'s ``scale``), JSON keeps it and flags it.

>>> import graphviz_ad as ad
>>> t = ad.evaluate(ad.parse("y = (x + 0.2) - 0.3"), {"x": 0.1})
>>> float(t.value("y")), ad.explain_step(t.steps[-1]).equation
(5.551115123125783e-17, 'y = f1 − 0.3 = 0.3 − 0.3 = 0')
>>> t.shown("y"), ad.to_dict(t)["nodes"]["y"]["noise"]
(0.0, {'value': True})
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .nodes import NodeData, node_data, quantity
from .number_format import NOISE, without_noise
from .ops import PRIMITIVES, is_leaf
from .program import program_of
from .rules import local_function

if TYPE_CHECKING:
    import networkx as nx

    from .trace import Contribution, Step

_ELEMENTWISE = frozenset(op for op, prim in PRIMITIVES.items() if not prim.linear)
#: What can go wrong computing a scale from odd operands: the number is then shown as is.
_FAILURES = (ArithmeticError, ValueError, TypeError, IndexError)


class Scales:
    """The scales of a pass's numbers: every node's value and every step's result (the
    node's tangent or adjoint), computed in one walk each when first asked for."""

    def __init__(self, graph: nx.DiGraph, steps: Sequence[Step]) -> None:
        self.graph, self.steps = graph, steps
        self._values: dict[str, Any] | None = None
        self._derivatives: dict[str, Any] | None = None

    def value(self, node: str) -> Any:
        """The scale of ``node``'s value."""
        if self._values is None:
            self._values = _value_scales(self.graph)
        return self._values.get(node)

    def derivative(self, node: str) -> Any:
        """The scale of ``node``'s tangent or adjoint (None if no step computed it)."""
        if self._derivatives is None:
            self._derivatives = _derivative_scales(self.steps)
        return self._derivatives.get(node)

    def of(self, node: str, attribute: str) -> Any:
        """The scale of ``node``'s ``attribute``: ``"value"``, ``"tangent"`` or ``"adjoint"``."""
        return self.value(node) if attribute == "value" else self.derivative(node)

    def local(self, c: Contribution) -> Any:
        """A contribution's local derivative as displays show it: taken at the shown
        values, so a partial that is an operand's noise (∂(d·d)/∂d = 2d) shows as 0."""
        nodes = node_data(self.graph)
        data = nodes[c.target]
        operands, op = data["operands"], data["op"]
        if op not in _ELEMENTWISE:
            return c.local
        args = [nodes[o]["value"] for o in operands]
        shown = [without_noise(v, self.value(o)) for v, o in zip(args, operands)]
        if all(s is v for s, v in zip(shown, args)):
            return c.local
        out = without_noise(data["value"], self.value(c.target))
        with np.errstate(all="ignore"):
            total = _local_function(op, c.positions[0])(shown, out)
            for p in c.positions[1:]:
                total = total + _local_function(op, p)(shown, out)
        return total

    def noise(self, node: str, attribute: str) -> Any:
        """Where ``node``'s ``attribute`` is rounding noise (see :func:`noise_flags`)."""
        return noise_flags(quantity(node_data(self.graph)[node], attribute),
                           self.of(node, attribute))


def noise_flags(value: Any, scale: Any) -> Any:
    """Where ``value`` is rounding noise at ``scale``: True for a number, nested lists of
    True/False for an array; None when none of it is."""
    if scale is None:
        return None
    if isinstance(value, float) and isinstance(scale, float):  # numbers: the common case
        return True if value != 0 and abs(value) < NOISE * scale else None
    array = np.asarray(value, dtype=float)
    with np.errstate(invalid="ignore"):
        flags = (np.abs(array) < NOISE * np.asarray(scale)) & (array != 0)
    if not flags.any():
        return None
    return flags.tolist() if flags.ndim else bool(flags)


def _magnitude(value: Any) -> Any:
    return abs(value) if isinstance(value, float) else np.abs(np.asarray(value, dtype=float))


def widen(scale: Any, term: Any) -> Any:
    """``scale`` raised to a term's scale: elementwise where the term's shape broadcasts
    to the scale's, else by the term's largest element."""
    if isinstance(scale, float) and isinstance(term, float):  # numbers: the common case
        return term if term > scale else scale  # a nan term leaves the scale
    shape, term_shape = np.shape(scale), np.shape(term)
    if term_shape != shape:
        try:
            fits = np.broadcast_shapes(term_shape, shape) == shape
        except ValueError:
            fits = False
        if not fits:
            if np.size(term) == 0:
                return scale
            term = np.max(term)
    widened = np.maximum(scale, term)
    return float(widened) if np.ndim(widened) == 0 else widened


def _value_scales(G: nx.DiGraph) -> dict[str, Any]:
    """Every node's value scale, in graph order: an input's or constant's magnitude; an
    op's the largest of its magnitude and, per operand, |∂op/∂operand| × the operand's
    scale (a linear map: the map of the operands' scales)."""
    nodes = node_data(G)
    scales: dict[str, Any] = {}
    for n in program_of(G).order:
        data = nodes[n]
        value = data["value"]
        scale = _magnitude(value)
        op, operands = data["op"], data["operands"]
        if not is_leaf(op):
            try:
                scale = _op_value_scale(op, operands, data, value, scale, nodes, scales)
            except _FAILURES:
                pass
        scales[n] = scale
    return scales


def _op_value_scale(op: str, operands: Sequence[str], data: NodeData, value: Any, scale: Any,
                    nodes: dict, scales: dict[str, Any]) -> Any:
    prim = PRIMITIVES[op]
    if prim.nonlinear:  # softmax, logsumexp: computed stably, no cancellation of terms
        return scale
    with np.errstate(all="ignore"):
        if prim.linear:  # sum, mean, matmul, index…: nonnegative in the operands' scales
            term = prim.fn(*[scales[o] for o in operands], **dict(data.get("params") or ()))
            return widen(scale, _magnitude(term))
        args = [nodes[o]["value"] for o in operands]
        for position, operand in enumerate(operands):
            local = _local_function(op, position)(args, value)
            scale = widen(scale, _magnitude(local) * scales[operand])
    return scale


_local_function = lru_cache(maxsize=None)(local_function)  # compiled once per op and position


def _derivative_scales(steps: Sequence[Step]) -> dict[str, Any]:
    """Each derivative step's result scale, by node, in step order."""
    scales: dict[str, Any] = {}
    linear = {op for op, prim in PRIMITIVES.items() if prim.linear}
    with np.errstate(all="ignore"):
        for step in steps:
            if step.kind == "value":
                continue
            scale = _magnitude(step.result)
            nodes = node_data(step.graph)
            for c in step.contributions:
                carried_node = c.source if step.kind == "tangent" else c.target
                carried = scales.get(carried_node)
                if carried is None:  # the seed
                    carried = _magnitude(c.carried)
                try:
                    local = _magnitude(c.local)
                    if nodes[c.target]["op"] in linear:
                        term = np.max(local, initial=0.0) * np.max(carried, initial=0.0)
                    else:
                        term = local * carried
                    scale = widen(scale, term)
                except _FAILURES:
                    continue
            scales[step.node] = scale
    return scales
