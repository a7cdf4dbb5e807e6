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
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring as encode
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core._gc import gc_paused
from ..core.formula import definition, fmt_number, node_label, seeded_symbol
from ..core.modes import Mode
from ..core.program import program_of
from .jsontext import Entries, Layout, Written, json_chunks, value_text

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
    kind = trace.derivative_attribute
    if kind is None:
        return None
    return seeded_symbol(kind, "·", node_label(G, trace.seed_node), trace.seed, style)


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
    return json_chunks(_document(trace), indent)


def traces_json_chunks(traces: Sequence[Trace], indent: int | None = 2) -> Iterator[str]:
    """Several passes as one JSON list of :func:`trace_json` documents, in pieces."""
    return json_chunks(iter([Entries(_document(t).items()) for t in traces]), indent)


def _document(trace: Trace) -> dict[str, Any]:
    """The JSON form's members, its nodes and steps written when reached."""
    return {**_head(trace), "nodes": Written(lambda at: _nodes_text(trace, at)),
            "steps": Written(lambda at: _steps_text(trace, at)), "warnings": trace.warnings()}


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
            "contributions": [{"edge": [c.source, c.target],
                               "local_formula": c.local_formula(kind=s.kind),
                               "local": _plain(c.local), "carried": _plain(c.carried),
                               "product": _plain(c.product)} for c in s.contributions],
        }


# The JSON text of the nodes and steps, written here in their fixed shape (the same
# text as json_text of _node_entries and _step_entries: tests/test_reports.py checks).

def _number_text(value: Any, at: Layout) -> str:
    """``_plain(value)``'s JSON text (a finite float, numpy's included, directly)."""
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    return value_text(_plain(value), at)


def _shape_text(value: Any, at: Layout) -> str:
    return "[]" if isinstance(value, float) else value_text(list(np.shape(value)), at)


def _nodes_text(trace: Trace, at: Layout) -> Iterator[str]:
    """The ``nodes`` object, a node at a time."""
    G = trace.graph
    nodes = G.nodes
    attribute = trace.derivative_attribute
    entry = at.inner
    key = f"{entry.between}{encode(attribute)}: " if attribute else ""
    members = entry.inner
    opening = "{" + at.first
    for n in program_of(G).order:
        d = nodes[n]
        value = d["value"]
        operands = d["operands"]
        listed = ("[" + members.first + members.between.join(map(encode, operands))
                  + members.last + "]") if operands else "[]"
        text = (f'{opening}{encode(n)}: {{{entry.first}"name": {encode(d["name"])}'
                f'{entry.between}"label": {encode(d.get("label") or d["name"])}'
                f'{entry.between}"op": {encode(d["op"])}{entry.between}"operands": {listed}'
                f'{entry.between}"definition": {encode(definition(G, n))}'
                f'{entry.between}"shape": {_shape_text(value, members)}'
                f'{entry.between}"value": {_number_text(value, members)}')
        if d.get("params"):
            text += f'{entry.between}"params": {value_text(dict(d["params"]), members)}'
        if attribute:
            text += key + _number_text(d[attribute], members)
        if d.get("nonfinite"):
            text += f'{entry.between}"nonfinite": true'
        yield text + entry.last + "}"
        opening = at.between
    yield "{}" if opening != at.between else at.last + "}"


def _steps_text(trace: Trace, at: Layout) -> Iterator[str]:
    """The ``steps`` list, a step at a time."""
    entry = at.inner  # a step's members
    terms = entry.inner  # its contributions
    term = terms.inner  # a contribution's members
    edge = term.inner  # its edge
    opening = "[" + at.first
    for s in trace.steps:
        derivative, formula, equation, latex = s.texts()
        result = s.result
        if s.contributions:
            contributions = "[" + terms.first + terms.between.join([
                f'{{{term.first}"edge": [{edge.first}{encode(c.source)}{edge.between}'
                f'{encode(c.target)}{edge.last}]{term.between}"local_formula": '
                f'{encode(c.local_formula(kind=s.kind))}{term.between}"local": '
                f'{_number_text(c.local, edge)}{term.between}"carried": '
                f'{_number_text(c.carried, edge)}{term.between}"product": '
                f'{_number_text(c.product, edge)}{term.last}}}'
                for c in s.contributions]) + terms.last + "]"
        else:
            contributions = "[]"
        yield (f'{opening}{{{entry.first}"index": {int.__repr__(s.index)}'
               f'{entry.between}"node": {encode(s.node)}{entry.between}"kind": {encode(s.kind)}'
               f'{entry.between}"derivative": {encode(derivative)}'
               f'{entry.between}"formula": {encode(formula)}'
               f'{entry.between}"equation": {encode(equation)}'
               f'{entry.between}"latex": {encode(latex)}'
               f'{entry.between}"shape": {_shape_text(result, terms)}'
               f'{entry.between}"value": {_number_text(result, terms)}'
               f'{entry.between}"contributions": {contributions}{entry.last}}}')
        opening = at.between
    yield "[]" if opening != at.between else at.last + "]"


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
        if derivative and trace.derivative_attribute:
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
