"""Warnings about non-finite numbers in a trace: one line per node, at its source position.

>>> import graphviz_ad as ad
>>> nonfinite_warnings(ad.evaluate(ad.parse("y = log(x)"), {"x": 0.0}))
['1:5: y = log(x) gives value = −inf']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..core.formula import definition, node_label
from ..core.nodes import node_data, quantity
from ..core.number_format import fmt_number
from ..core.ops import is_input

if TYPE_CHECKING:
    from ..core.trace import Trace

_QUANTITIES = ("value", "tangent", "adjoint")


def nonfinite_warnings(trace: Trace) -> list[str]:
    """One line per node of ``trace`` with a nan or inf number (or a derivative made
    meaningless by one), naming its source position: ``3:5: f2 = log(f1) gives value = −inf``."""
    G, nodes = trace.graph, node_data(trace.graph)
    lines = []
    for n in trace.flagged:
        d = nodes[n]
        what = ", ".join(f"{k} = {fmt_number(quantity(d, k))}" for k in _QUANTITIES
                         if k in d and not np.all(np.isfinite(quantity(d, k))))
        if "through" in d:
            kind, origin = trace.mode.kind, d["through"]
            what += (", " if what else "") + (
                f"{kind} = {fmt_number(quantity(d, kind))} (meaningless: computed through "
                f"{node_label(G, origin)} = {definition(G, origin)}, "
                f"which is {fmt_number(nodes[origin]['value'])} here)")
        shown = (f"{node_label(G, n)} (input)" if is_input(d["op"])  # not "x = x"
                 else f"{node_label(G, n)} = {definition(G, n)}")
        lines.append(f"{d['line']}:{d['column']}: {shown} gives {what}")
    return lines
