"""The machine-readable documents of ``check``, ``jacobian`` and ``hessian`` (what their
``--format json`` prints), and the check's table: built here so that Python code gets the
same documents the command line prints.

>>> import numpy as np
>>> from graphviz_ad import parse
>>> G = parse("y = x*x*w")
>>> values = {"x": 1.0, "w": 2.0, "y": 2.0}
>>> jacobian_document(G, np.array([[4.0, 1.0]]), ["y"], ["x", "w"], values)["columns"]
['x', 'w']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import networkx as nx
import numpy as np

from ..core.calculus import Convexity, convexity
from .calculus_text import element_labels
from .check import CheckReport


def jacobian_document(G: nx.DiGraph, J: np.ndarray, of: Sequence[str], wrt: Sequence[str],
                      values: Mapping[str, Any]) -> dict[str, Any]:
    """``J`` (one row per element of the ``of`` outputs, one column per element of the
    ``wrt`` inputs) with its rows and columns named; ``of`` is one name when it is one."""
    return {"of": of[0] if len(of) == 1 else list(of), "wrt": list(wrt),
            "rows": element_labels(G, of, values), "columns": element_labels(G, wrt, values),
            "jacobian": np.asarray(J, dtype=float).tolist()}


def hessian_document(G: nx.DiGraph, H: np.ndarray, of: str, wrt: Sequence[str],
                     values: Mapping[str, Any], shape: Convexity | None = None
                     ) -> dict[str, Any]:
    """The square Hessian ``H`` of ``of`` by the elements of ``wrt``, with its
    eigenvalues, trace, determinant and whether it is convex there (``shape``: its
    :func:`~graphviz_ad.core.calculus.convexity`, computed when not given)."""
    shape = convexity(H) if shape is None else shape
    return {"of": of, "wrt": list(wrt), "labels": element_labels(G, wrt, values),
            "hessian": np.asarray(H, dtype=float).tolist(),
            "eigenvalues": shape.eigenvalues.tolist(), "trace": float(np.trace(H)),
            "determinant": float(np.linalg.det(H)), "convex": shape.convex}


def check_document(report: CheckReport, reasons: Sequence[str] = ()) -> dict[str, Any]:
    """A derivative check: whether it passed, every comparison, the array elements
    probed, and the ``reasons`` (kinks, jumps, poles nearby) when it did not."""
    return {"ok": report.ok, "tolerance": report.tolerance, "worst_error": report.worst.error,
            "comparisons": [asdict(c) for c in report.comparisons],
            "checked": [{"array": s.array, "size": s.size,
                         "elements": [list(i) for i in s.probed]} for s in report.samples],
            "explanations": list(reasons)}


def check_table(report: CheckReport, reasons: Sequence[str] = ()) -> str:
    """A derivative check as a terminal table: one row per comparison, the notes on
    arrays probed, the worst error and verdict, and why it failed."""
    worst = report.worst
    width = max(len(c.derivative) for c in report.comparisons)
    lines = [f"{'mode':8} {'derivative':{width}}  {'automatic':>14}  "
             f"{'finite diff.':>14}  error"]
    lines += [f"{c.mode:8} {c.derivative:{width}}  {c.automatic:>14.8g}  "
              f"{c.finite_difference:>14.8g}  {c.error:.1e}" for c in report.comparisons]
    lines += [f"  note: {line}" for line in report.notes()]
    verdict = "OK" if report.ok else f"FAILED (tolerance {report.tolerance:g})"
    lines.append(f"worst error: {worst.error:.2e} at {worst.derivative} ({worst.mode}) "
                 f"— {verdict}")
    lines += [f"  why: {reason}" for reason in reasons]
    return "\n".join(lines)
