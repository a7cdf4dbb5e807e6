"""A Trace as text: the terminal table (Wengert list), Markdown, LaTeX and JSON.

Every display names a node by its ``label`` (``c``, ``c⁽²⁾`` for a re-bound name's
second version).  In JSON, numbers are floats, arrays nested lists (each node and step
has its ``shape``, ``[]`` for a scalar), and the non-finite
numbers the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (JSON has no literal for them,
and ``null`` would not tell them apart).  A node entry has ``name`` (as written) and
``label`` (as shown); a pass seeded with anything but the scalar 1 has ``"seed"``
(``"1"`` for ones, ``"[i]"`` one-hot, ``"v"`` other) and its symbols say so.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core._gc import gc_paused
from ..core.formula import definition, fmt_number, node_label, seeded_symbol
from ..core.modes import Mode
from ..core.program import program_of
from .jsontext import Entries, json_chunks

if TYPE_CHECKING:
    from ..core.trace import Trace

TABLE_DIGITS = 6


def _plain(value: Any) -> Any:
    """numpy numbers/arrays → JSON-ready floats and lists; nan, inf and −inf → the
    strings ``"nan"``, ``"inf"`` and ``"-inf"``."""
    if isinstance(value, (float, int)):
        v = float(value)
        if math.isfinite(v):
            return v
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if np.ndim(value) > 0:
        array = np.asarray(value, dtype=float)
        if np.isfinite(array).all():
            return array.tolist()
        return [_plain(v) for v in array]
    return _plain(float(value))


def _derivative_header(trace: Trace, style: str = "text") -> str | None:
    G = trace.graph
    if trace.mode == Mode.FORWARD:
        return seeded_symbol("tangent", "·", node_label(G, trace.wrt), trace.seed, style)
    if trace.mode == Mode.REVERSE:
        return seeded_symbol("adjoint", "·", node_label(G, trace.of), trace.seed, style)
    return None


def _title(trace: Trace) -> str:
    at = ", ".join(f"{k} = {fmt_number(v, digits=TABLE_DIGITS)}" for k, v in trace.inputs.items())
    what = {Mode.EVALUATE: "Evaluation", Mode.FORWARD: "Forward mode", Mode.REVERSE: "Reverse mode"}
    return f"{what[trace.mode]} at {at}" if at else what[trace.mode]


@gc_paused
def trace_dict(trace: Trace) -> dict[str, Any]:
    """The machine-readable form (see the README for the schema)."""
    return {**_head(trace), "nodes": dict(_node_entries(trace)),
            "steps": list(_step_entries(trace)), "warnings": trace.warnings()}


@gc_paused
def trace_json(trace: Trace, indent: int | None = 2) -> str:
    """:func:`trace_dict` as JSON text (``json.dumps(..., ensure_ascii=False)``)."""
    return "".join(trace_json_chunks(trace, indent))


def trace_json_chunks(trace: Trace, indent: int | None = 2) -> Iterator[str]:
    """:func:`trace_json` in pieces, a node or a step at a time, built as they are
    written: a caller writing them to a file never holds the whole document."""
    return json_chunks({**_head(trace), "nodes": Entries(_node_entries(trace)),
                        "steps": _step_entries(trace), "warnings": trace.warnings()}, indent)


def _head(trace: Trace) -> dict[str, Any]:
    """What the JSON form says before its nodes and steps."""
    out: dict[str, Any] = {"mode": trace.mode,
                           "inputs": {k: _plain(v) for k, v in trace.inputs.items()},
                           "outputs": trace.outputs}
    if trace.mode == Mode.FORWARD:
        out["wrt"] = trace.wrt
    if trace.mode == Mode.REVERSE:
        out["of"] = trace.of
    if trace.mode != Mode.EVALUATE:
        out["derivative"] = _derivative_header(trace)
        if trace.seed is not None:
            out["seed"] = trace.seed
    return out


def _node_entries(trace: Trace) -> Iterator[tuple[str, dict[str, Any]]]:
    G = trace.graph
    nodes = G.nodes
    attribute = trace.derivative_attribute
    for n in program_of(G).order:
        d = nodes[n]
        value = d["value"]
        entry = {"name": d["name"], "label": d.get("label") or d["name"], "op": d["op"],
                 "operands": list(d["operands"]), "definition": definition(G, n),
                 "shape": [] if isinstance(value, float) else list(np.shape(value)),
                 "value": _plain(value)}
        if d.get("params"):
            entry["params"] = dict(d["params"])
        if attribute:
            entry[attribute] = _plain(d[attribute])
        if d.get("nonfinite"):
            entry["nonfinite"] = True
        yield n, entry


def _step_entries(trace: Trace) -> Iterator[dict[str, Any]]:
    for s in trace.steps:
        derivative, formula, equation, latex = s.texts()
        yield {
            "index": s.index, "node": s.node, "kind": s.kind, "derivative": derivative,
            "formula": formula, "equation": equation, "latex": latex,
            "shape": [] if isinstance(s.result, float) else list(np.shape(s.result)),
            "value": _plain(s.result),
            "contributions": [{"edge": [c.source, c.target], "local_formula": c.local_formula(),
                               "local": _plain(c.local), "carried": _plain(c.carried),
                               "product": _plain(c.product)} for c in s.contributions],
        }


def _rows(trace: Trace) -> tuple[list[str], list[list[str]]]:
    G = trace.graph
    header = ["node", "definition", "value"]
    derivative = _derivative_header(trace)
    if derivative:
        header.append(derivative)
    rows = []
    for n in program_of(G).order:
        d = G.nodes[n]
        if d["op"] == "const":
            continue
        kind = "input" if d["op"] == "input" else definition(G, n)
        row = [node_label(G, n), kind, fmt_number(d["value"], digits=TABLE_DIGITS)]
        if derivative:
            row.append(fmt_number(d[trace.derivative_attribute], digits=TABLE_DIGITS))
        rows.append(row)
    return header, rows


@gc_paused
def trace_table(trace: Trace) -> str:
    """What a student reads in a terminal: the Wengert list, then every step's equation."""
    header, rows = _rows(trace)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    out = [_title(trace), "", line(header), line(["─" * w for w in widths])]
    out += [line(r) for r in rows]
    if trace.mode != Mode.EVALUATE:
        out += ["", "Steps:"]
        digits = len(str(len(trace.steps)))
        out += [f"  {s.index + 1:>{digits}}. {s.equation}" for s in trace.steps]
    return "\n".join(out)


@gc_paused
def trace_markdown(trace: Trace) -> str:
    header, rows = _rows(trace)
    esc = lambda t: t.replace("|", r"\|")  # noqa: E731
    out = [f"**{_title(trace)}**", "", "| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
    out += ["| " + " | ".join(f"`{esc(c)}`" if i == 1 else esc(c) for i, c in enumerate(r)) + " |"
            for r in rows]
    if trace.mode != Mode.EVALUATE:
        out += ["", "Steps:", ""]
        out += [f"{s.index + 1}. `{s.equation}`" for s in trace.steps]
    return "\n".join(out)


@gc_paused
def trace_latex(trace: Trace) -> str:
    """An ``align*`` block ready for a solution sheet."""
    lines = []
    for s in trace.steps:
        lhs, _, rhs = s.latex.partition(" = ")
        lines.append(f"  {lhs} &= {rhs}" if rhs else f"  {lhs}")
    body = " \\\\\n".join(lines)
    return f"% {_title(trace)}\n\\begin{{align*}}\n{body}\n\\end{{align*}}"
