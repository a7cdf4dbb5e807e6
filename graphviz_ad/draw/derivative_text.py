"""The texts of a derivative drawing: node and edge labels, step captions.

Each step's numbers are shortened for the picture (a matrix shows its first element
and shape; a fan-in sum of many terms is counted, not written out); ``trace`` and the
reports show them in full.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.formula import derivative_symbol, node_label
from ..core.nodes import node
from ..core.number_format import fmt_number, fmt_shape, without_noise
from ..core.ops import PRIMITIVES
from ..core.trace import Contribution, Step
from ..explain.edges import local_shown, map_shown
from ..explain.steps import equation, formula, symbol

EDGE_LINES = 3  # ∂f4/∂f3 | = exp(f3) | = 78.81
NODE_DERIVATIVE_LINES = 2  # ∂y/∂f3 = 78.47 | (78.81 − 0.3386)
LABEL_PAD = "\u2009"  # around an edge label in the layout: a thin space (0.2 em) each side
MAX_TERMS = 3  # a fan-in sum of more terms is written "Σ of n terms" in the node


def short(value: Any) -> str:
    """A number for a node or edge label: matrices and vectors of more than a few elements
    shortened to their first element and shape, ``[0.5, …] ∈ ℝ²ˣ³`` (the caption and
    `trace` show more)."""
    array = np.asarray(value)
    if array.size <= 3 and array.ndim <= 1:
        return fmt_number(value)
    return f"[{fmt_number(array.flat[0], digits=3)}, …] ∈ {fmt_shape(array.shape)}"


def edge_map(contribution: Contribution, kind: str) -> str:
    """A linear-map op's edge as the map a ``kind`` pass applies along it: forward its
    JVP, ``dW ↦ dW · x``; reverse its pullback, ``G ↦ G · xᵀ``
    (:func:`~graphviz_ad.explain.edges.map_shown`)."""
    return map_shown(contribution, kind)


def maps_edge(contribution: Contribution) -> bool:
    """Whether an edge shows a map rather than a number: its op is a linear map (matmul,
    a reduction, indexing), whose derivative is not an elementwise factor."""
    return PRIMITIVES[node(contribution.graph, contribution.target)["op"]].linear


def local_lines(contribution: Contribution, kind: str = "adjoint") -> list[str]:
    """What a used edge shows, one part per line: ``∂f4/∂f3``, ``= exp(f3)``, ``= 78.81``;
    a linear-map op's edge its symbol and map in the pass's direction (see
    :func:`edge_map`)."""
    symbol = derivative_symbol(node_label(contribution.graph, contribution.target),
                               node_label(contribution.graph, contribution.source))
    if maps_edge(contribution):
        return [symbol, edge_map(contribution, kind)] + [""] * (EDGE_LINES - 2)
    shown = local_shown(contribution)
    number = short(contribution.local)
    lines = [symbol, f"= {shown}"]
    if shown != number:
        lines.append(f"= {number}")
    return lines + [""] * (EDGE_LINES - len(lines))


def compact_edge(contribution: Contribution, kind: str) -> str:
    """A used edge's one-line label on a slide: the local derivative's number, or a
    linear-map op's map in the pass's direction."""
    if maps_edge(contribution):
        return edge_map(contribution, kind)
    return short(contribution.local)


def padded(label: str, rankdir: str = "TB") -> str:
    """An edge label's layout text.  Top-down (TB, BT) Graphviz sets the labels of edges
    between two ranks side by side on one line, each just right of its edge, so ``2`` and
    ``1`` of neighbouring edges read as "21": there a thin space (0.2 em) on each side
    adds 0.4 em between neighbours (``tests/test_slide_text.py`` measures the gap).
    Left-right layouts stack those labels and need no room (there the spaces would only
    widen every rank).  Only the layout sees the spaces: each frame's text is centred in
    the room they make."""
    if not label or rankdir not in ("TB", "BT"):
        return label
    return f"{LABEL_PAD}{label}{LABEL_PAD}"


def scalar_terms(step: Step) -> str | None:
    """``78.81 − 0.3386``: the fan-in sum's terms, when there are several scalar ones."""
    if len(step.contributions) > 1 and all(np.ndim(c.product) == 0 for c in step.contributions):
        return " + ".join(fmt_number(c.product) for c in step.contributions).replace("+ −", "− ")
    return None


def matrix_step(c: Contribution) -> bool:
    """Whether a contribution goes through a matrix op or carries a matrix."""
    op = node(c.graph, c.target)["op"]
    return PRIMITIVES[op].matrix or max(np.ndim(c.carried), np.ndim(c.product)) >= 2


def derivative_lines(step: Step, compact: bool = False) -> list[str]:
    """A node's derivative; where several edges contribute, their terms (or, past
    MAX_TERMS, their count), then the sum.  ``compact``: the sum alone, on one line."""
    first = f"{symbol(step)} = {short(without_noise(step.result, step.scale()))}"
    if compact:
        return [first]
    terms = scalar_terms(step)
    if terms is None:
        return [first, ""]
    n = len(step.contributions)
    return [first, f"= Σ of {n} terms" if n > MAX_TERMS else f"= {terms}"]


def step_equation(step: Step) -> str:
    """The step's chain rule with numbers; past MAX_TERMS terms, the sum's terms only
    (``∂y/∂w = Σ of 30 terms = 0.2866 + … = 0.3953``), so the caption stays short; a
    matrix step whose numbers are previews shows its symbols and the result."""
    terms = scalar_terms(step)
    written = equation(step)
    if "…" in written and any(matrix_step(c) for c in step.contributions):
        return f"{formula(step)} = {fmt_number(step.result, scale=step.scale())}"  # previewed
    if terms is None or len(step.contributions) <= MAX_TERMS:
        return written
    return (f"{symbol(step)} = Σ of {len(step.contributions)} terms = {terms} = "
            f"{fmt_number(step.result, scale=step.scale())}")
