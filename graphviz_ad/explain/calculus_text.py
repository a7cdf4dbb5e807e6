"""Jacobians, Hessians and forward-versus-reverse costs as text for a terminal: each row
and column named by its element (``z[1]``), numbers aligned on their right edge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from ..core.calculus import Convexity, Cost
from ..core.formula import node_label
from ..core.number_format import fmt_number, fmt_shape

DIGITS = 6  # significant digits of a matrix entry


def element_labels(G: nx.DiGraph, names: Sequence[str], values: Mapping[str, Any]) -> list[str]:
    """One label per element: ``phi0`` for a scalar, ``z[0]``, ``z[1]``, … for a vector."""
    labels = []
    for n in names:
        shown = node_label(G, n)
        if np.ndim(values[n]) == 0:
            labels.append(shown)
        else:
            shape = np.shape(values[n])
            labels += [f"{shown}[{', '.join(map(str, np.unravel_index(k, shape)))}]"
                       for k in range(int(np.size(values[n])))]
    return labels


def spaces(G: nx.DiGraph, names: Sequence[str], values: Mapping[str, Any]) -> str:
    """``W ∈ ℝ²ˣ³, x ∈ ℝ³, b``: each name with the space it lives in (scalars bare)."""
    return ", ".join(node_label(G, n) + (f" ∈ {fmt_shape(np.shape(values[n]))}"
                                         if np.ndim(values[n]) else "") for n in names)


def number(v: float) -> str:
    return fmt_number(float(v), digits=DIGITS)


def matrix_table(matrix: np.ndarray, rows: Sequence[str], columns: Sequence[str]) -> str:
    """A labelled matrix, columns aligned on their right edge."""
    cells = [[number(v) for v in row] for row in matrix]
    first = max(len(r) for r in rows)
    widths = [max(len(columns[j]), *(len(c[j]) for c in cells)) for j in range(len(columns))]
    lines = [" " * first + "  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    for label, row in zip(rows, cells):
        lines.append(label.ljust(first) + "  "
                     + "  ".join(c.rjust(w) for c, w in zip(row, widths)))
    return "\n".join(lines)


def jacobian_text(G: nx.DiGraph, J: np.ndarray, of: Sequence[str], wrt: Sequence[str],
                  values: Mapping[str, Any], sweep: str) -> str:
    """A heading (which derivative, its size, the sweeps used, the spaces) and the table."""
    ofs = [node_label(G, o) for o in of]
    of_text = ofs[0] if len(ofs) == 1 else f"({', '.join(ofs)})"
    wrt_text = wrt[0] if len(wrt) == 1 else f"({', '.join(wrt)})"
    heading = (f"Jacobian ∂{of_text}/∂{wrt_text} ({J.shape[0]}×{J.shape[1]}, {sweep} mode: "
               f"one sweep per {'output' if sweep == 'reverse' else 'input'} element; "
               f"{spaces(G, [*of, *(n for n in wrt if n not in of)], values)}):")
    return heading + "\n" + matrix_table(J, element_labels(G, of, values),
                                         element_labels(G, wrt, values))


def hessian_text(G: nx.DiGraph, H: np.ndarray, of: str, wrt: Sequence[str],
                 values: Mapping[str, Any], shape: Convexity) -> str:
    labels = element_labels(G, wrt, values)
    return "\n".join([
        f"Hessian of {node_label(G, of)} with respect to ({spaces(G, wrt, values)}), "
        "by reverse mode over the gradient graph:",
        matrix_table(H, labels, labels),
        f"eigenvalues: {', '.join(number(v) for v in shape.eigenvalues)}",
        f"trace: {number(np.trace(H))}   determinant: {number(np.linalg.det(H))}",
        f"verdict: {shape.verdict}"])


def cost_text(c: Cost) -> str:
    """The sweeps and primitive evaluations of each mode, and which is cheaper."""
    cheaper = ("reverse" if c.reverse < c.forward else "forward" if c.forward < c.reverse
               else "either")
    return "\n".join([
        f"graph: {c.values} operations; Jacobian {c.outputs}×{c.inputs} "
        "(output elements × input elements)",
        f"one sweep: {c.per_sweep} primitive evaluations "
        "(values, local partials, chain-rule products and sums)",
        f"forward mode: {c.forward_sweeps} sweep{'s' * (c.forward_sweeps != 1)} "
        f"(one per input element) = {c.forward} evaluations",
        f"reverse mode: {c.reverse_sweeps} sweep{'s' * (c.reverse_sweeps != 1)} "
        f"(one per output element) = {c.reverse} evaluations",
        f"cheaper: {cheaper}"])
