"""Short derivative names for slide nodes: ``x̄`` for ∂y/∂x, ``ẋ`` for ∂x/∂t.

A slide node stacks its definition, its value and its derivative; written in full the
derivative's symbol (``∂post/∂sigma``) is often the widest line of the node, and every
node of one pass shares its numerator (reverse) or denominator (forward).  Where a pass
has one output (one input), the adjoint (tangent) of node v is written with a bar over
v's first letter (a dot), as in Griewank & Walther's *Evaluating Derivatives*; the
slide's legend says what the short name means.

>>> adjoint_name("f2") == "f\u03042", tangent_name("f2") == "f\u03072"   # f̄2, ḟ2
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..core.formula import node_label, seeded_symbol
from ..core.modes import Mode
from ..core.trace import Trace
from ..explain.steps import node_symbol

BAR, DOT = "\u0304", "\u0307"  # combining macron, combining dot above


def adjoint_name(label: str) -> str:
    """``label`` with a bar over its first letter: the adjoint ∂y/∂label."""
    return label[:1] + BAR + label[1:] if label else label


def tangent_name(label: str) -> str:
    """``label`` with a dot over its first letter: the tangent ∂label/∂x."""
    return label[:1] + DOT + label[1:] if label else label


class ShortNames:
    """Which passes over one graph may use the short names: every pass of a mode seeded
    at the same node (one output for reverse, one input for forward)."""

    def __init__(self, traces: Sequence[Trace], enabled: bool = True) -> None:
        self.seeds: dict[Mode, Trace] = {}
        for mode in (Mode.FORWARD, Mode.REVERSE):
            same = [t for t in traces if t.mode == mode]
            if enabled and same and len({(t.seed_node, t.seed) for t in same}) == 1:
                self.seeds[mode] = same[0]

    def symbol(self, trace: Trace, node: str) -> str:
        """The name of ``node``'s derivative in ``trace`` as a slide node shows it."""
        if trace.mode not in self.seeds:
            return node_symbol(trace, node)
        label = node_label(trace.graph, node)
        return adjoint_name(label) if trace.mode == Mode.REVERSE else tangent_name(label)

    def legend(self) -> list[tuple[str, str]]:
        """What the short names mean, as legend entries without a swatch."""
        out = []
        for mode, trace in self.seeds.items():
            seed = node_label(trace.graph, trace.seed_node)
            if mode == Mode.FORWARD:
                meaning = seeded_symbol("tangent", "v", seed, trace.seed)
                out.append(("", f"{tangent_name('v')} = {meaning}"))
            else:
                meaning = seeded_symbol("adjoint", "v", seed, trace.seed)
                out.append(("", f"{adjoint_name('v')} = {meaning}"))
        return out
