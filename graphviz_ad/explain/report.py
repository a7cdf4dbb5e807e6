"""A Trace as text: the terminal table (Wengert list), Markdown, LaTeX and JSON.

Every display names a node by its ``label`` (``c`` for a name's last binding, ``c⁽¹⁾``,
``c⁽²⁾`` for a re-bound name's earlier ones).  In JSON, numbers are floats, arrays
nested lists (each node and step has its ``shape``, ``[]`` for a scalar), and the non-finite
numbers the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (JSON has no literal for them,
and ``null`` would not tell them apart).  A node entry has ``name`` (as written) and
``label`` (as shown); a pass seeded with anything but the scalar 1 has ``"seed"``
(``"1"`` for ones, ``"[i]"`` one-hot, ``"v"`` other) and its symbols say so.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring as encode
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core._gc import gc_paused
from ..core.errors import GraphvizAdError
from ..core.formula import definition, fmt_number, node_label, seeded_symbol
from ..core.modes import Mode
from ..core.noise import noise_flags
from ..core.program import program_of
from ..core.trace import Deferred
from .edges import local_formula
from .jsontext import Entries, Layout, Written, json_chunks, value_text
from .nonfinite import nonfinite_warnings
from .steps import equation as step_equation
from .steps import latex as step_latex
from .steps import texts as step_texts

if TYPE_CHECKING:
    from ..core.trace import Trace

TABLE_DIGITS = 6
#: The most numbers a JSON report writes (every array element is one): 10 M is ~200 MB.
MAX_JSON_NUMBERS = 10_000_000


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
    at = ", ".join(f"{node_label(trace.graph, k)} = {fmt_number(v, digits=TABLE_DIGITS)}"
                   for k, v in trace.inputs.items())
    what = {Mode.EVALUATE: "Evaluation", Mode.FORWARD: "Forward mode", Mode.REVERSE: "Reverse mode"}
    return f"{what[trace.mode]} at {at}" if at else what[trace.mode]


@gc_paused
def trace_dict(trace: Trace) -> dict[str, Any]:
    """The machine-readable form (see the README for the schema)."""
    return {**_head(trace), "nodes": dict(_node_entries(trace)),
            "steps": list(_step_entries(trace)), "warnings": nonfinite_warnings(trace)}


@gc_paused
def trace_json(trace: Trace, indent: int | None = 2) -> str:
    """:func:`trace_dict` as JSON text (``json.dumps(..., ensure_ascii=False)``)."""
    return "".join(trace_json_chunks(trace, indent))


def trace_json_chunks(trace: Trace, indent: int | None = 2,
                      max_numbers: int | None = None) -> Iterator[str]:
    """:func:`trace_json` in pieces, a node or a step at a time, built as they are
    written: a caller writing them to a file never holds the whole document.  A document
    of more than ``max_numbers`` numbers (default :data:`MAX_JSON_NUMBERS`) is refused
    here, before its first piece."""
    check_json_size([trace], max_numbers)
    return json_chunks(_document(trace), indent)


def traces_json_chunks(traces: Sequence[Trace], indent: int | None = 2,
                       max_numbers: int | None = None) -> Iterator[str]:
    """Several passes as one JSON list of :func:`trace_json` documents, in pieces."""
    check_json_size(traces, max_numbers)
    return json_chunks(iter([Entries(_document(t).items()) for t in traces]), indent)


def json_numbers(trace: Trace) -> int:
    """How many numbers the JSON form of ``trace`` holds (every node's value and
    derivative, every step's result and each contribution's local, carried and product),
    counted from shapes before anything is written."""
    nodes = trace.graph.nodes
    attribute = trace.derivative_attribute
    count = sum(int(np.size(v)) for v in trace.inputs.values())
    for n in program_of(trace.graph).order:
        d = nodes[n]
        count += int(np.size(d["value"])) + (int(np.size(d[attribute])) if attribute else 0)
    for s in trace.steps:
        count += int(np.size(s.result))
        for c in s.contributions:  # a linear map's local (not computed yet) has its source's shape
            local = (nodes[c.source]["value"] if isinstance(c.local_, Deferred) else c.local_)
            count += int(np.size(local)) + int(np.size(c.carried)) + int(np.size(c.product))
    return count


def check_json_size(traces: Sequence[Trace], max_numbers: int | None = None) -> None:
    """Refuse JSON text of more than ``max_numbers`` numbers (default
    :data:`MAX_JSON_NUMBERS`; about 20 bytes each) before any is written: the tables
    show large arrays in short, JSON writes every element."""
    max_numbers = MAX_JSON_NUMBERS if max_numbers is None else max_numbers
    count = 0
    for trace in traces:
        count += json_numbers(trace)
        if count > max_numbers:
            raise GraphvizAdError(
                f"the JSON report would hold {count:,} numbers or more, over the limit of "
                f"{max_numbers:,} (JSON writes arrays whole); use --format table, markdown "
                "or latex (large arrays shown in short), or fewer elements")


def _document(trace: Trace) -> dict[str, Any]:
    """The JSON form's members, its nodes and steps written when reached."""
    return {**_head(trace), "nodes": Written(lambda at: _nodes_text(trace, at)),
            "steps": Written(lambda at: _steps_text(trace, at)),
            "warnings": nonfinite_warnings(trace)}


def _head(trace: Trace) -> dict[str, Any]:
    """What the JSON form says before its nodes and steps."""
    out: dict[str, Any] = {"mode": trace.mode,
                           "inputs": {k: _plain(v) for k, v in trace.inputs.items()},
                           "outputs": trace.outputs}
    if trace.mode == Mode.FORWARD:
        out["wrt"] = trace.wrt
    if trace.mode == Mode.REVERSE:
        out["of"] = trace.of
        if trace.skipped:  # restricted by wrt: these adjoints were not computed (0 here)
            out["skipped"] = [n for n in program_of(trace.graph).order if n in trace.skipped]
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
        noise = _noise(trace, n, attribute)
        if noise:
            entry["noise"] = noise
        yield n, entry


def _step_entries(trace: Trace) -> Iterator[dict[str, Any]]:
    for s in trace.steps:
        derivative, formula, equation, latex = step_texts(s)
        yield {
            "index": s.index, "node": s.node, "kind": s.kind, "derivative": derivative,
            "formula": formula, "equation": equation, "latex": latex,
            "shape": [] if isinstance(s.result, float) else list(np.shape(s.result)),
            "value": _plain(s.result),
            "contributions": [{"edge": [c.source, c.target],
                               "local_formula": local_formula(c, kind=s.kind),
                               "local": _plain(c.local), "carried": _plain(c.carried),
                               "product": _plain(c.product)} for c in s.contributions],
            **({"noise": flags} if (flags := noise_flags(s.result, s.scale())) is not None
               else {}),
        }


def _noise(trace: Trace, node: str, attribute: str | None) -> dict[str, Any]:
    """Which of a node's numbers are rounding noise (shown as 0): ``{"value": true}``,
    ``{"adjoint": [false, true]}``; empty when none is."""
    flags = {}
    for name in ("value", attribute) if attribute else ("value",):
        found = trace.scales.noise(node, name)
        if found is not None:
            flags[name] = found
    return flags


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
        noise = _noise(trace, n, attribute)
        if noise:
            text += f'{entry.between}"noise": {value_text(noise, members)}'
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
        derivative, formula, equation, latex = step_texts(s)
        result = s.result
        if s.contributions:
            contributions = "[" + terms.first + terms.between.join([
                f'{{{term.first}"edge": [{edge.first}{encode(c.source)}{edge.between}'
                f'{encode(c.target)}{edge.last}]{term.between}"local_formula": '
                f'{encode(local_formula(c, kind=s.kind))}{term.between}"local": '
                f'{_number_text(c.local, edge)}{term.between}"carried": '
                f'{_number_text(c.carried, edge)}{term.between}"product": '
                f'{_number_text(c.product, edge)}{term.last}}}'
                for c in s.contributions]) + terms.last + "]"
        else:
            contributions = "[]"
        flags = noise_flags(result, s.scale())
        noise = "" if flags is None else f'{entry.between}"noise": {value_text(flags, terms)}'
        yield (f'{opening}{{{entry.first}"index": {int.__repr__(s.index)}'
               f'{entry.between}"node": {encode(s.node)}{entry.between}"kind": {encode(s.kind)}'
               f'{entry.between}"derivative": {encode(derivative)}'
               f'{entry.between}"formula": {encode(formula)}'
               f'{entry.between}"equation": {encode(equation)}'
               f'{entry.between}"latex": {encode(latex)}'
               f'{entry.between}"shape": {_shape_text(result, terms)}'
               f'{entry.between}"value": {_number_text(result, terms)}'
               f'{entry.between}"contributions": {contributions}{noise}{entry.last}}}')
        opening = at.between
    yield "[]" if opening != at.between else at.last + "]"


def _rows(trace: Trace) -> tuple[list[str], list[list[str]], list[list[Any]]]:
    """The table's header, its rows of texts and, per row, the numbers its value and
    derivative columns show (to preview them narrower)."""
    G = trace.graph
    header = ["node", "definition", "value"]
    derivative = _derivative_header(trace)
    if derivative:
        header.append(derivative)
    rows, numbers = [], []
    skipped = trace.skipped
    for n in program_of(G).order:
        d = G.nodes[n]
        if d["op"] == "const":
            continue
        kind = "input" if d["op"] == "input" else definition(G, n)
        row = [node_label(G, n), kind, fmt_number(trace.shown(n), digits=TABLE_DIGITS)]
        shown = [trace.shown(n)]
        if derivative and trace.derivative_attribute:
            if n in skipped:  # a restricted reverse pass did not compute it
                row.append(NOT_COMPUTED)
                shown.append(None)
            else:
                number = trace.shown(n, trace.derivative_attribute)
                row.append(fmt_number(number, digits=TABLE_DIGITS))
                shown.append(number)
        rows.append(row)
        numbers.append(shown)
    return header, rows, numbers


#: the derivative cell of a node a restricted reverse pass (``wrt=``) has no step for
NOT_COMPUTED = "—"
MIN_WIDTH = 40  # narrower terminals get 40 columns (then lines may wrap)
GAP = "  "


def fit_cell(value: Any, text: str, limit: int) -> str:
    """``text`` (``value`` formatted) within ``limit`` characters: an array too long is
    previewed as ``[first, …, last] (shape)`` with as many leading elements as fit."""
    if len(text) <= limit or value is None or np.ndim(value) == 0:
        return text
    arr = np.asarray(value)
    shape = f" ({'×'.join(map(str, arr.shape))})"
    flat = arr.ravel()
    for digits in (TABLE_DIGITS, 4, 3):
        last = fmt_number(float(flat[-1]), digits=digits)
        for k in range(min(flat.size - 1, 6), 0, -1):
            head = ", ".join(fmt_number(float(v), digits=digits) for v in flat[:k])
            short = f"[{head}, …, {last}]{shape}"
            if len(short) <= limit:
                return short
    first = f"[{fmt_number(float(flat[0]), digits=3)}, …]{shape}"
    if len(first) <= limit:
        return first
    return f"…{shape}" if len(shape) < limit else "…"


def _fit_widths(widths: list[int], fixed: int, width: int) -> list[int]:
    """Column widths within ``width``: the first ``fixed`` columns keep theirs, the rest
    share what is left (a column needing less than its share gives the rest away)."""
    room = width - sum(widths[:fixed]) - len(GAP) * (len(widths) - 1)
    flexible = widths[fixed:]
    limits = [0] * len(flexible)
    order = sorted(range(len(flexible)), key=lambda i: flexible[i])
    for rank, i in enumerate(order):
        share = max(room // (len(order) - rank), 12)
        limits[i] = min(flexible[i], share)
        room -= limits[i]
    return widths[:fixed] + limits


def _wrap(line: str, width: int | None, indent: int) -> list[str]:
    """A long line broken at blanks into lines of at most ``width`` characters where it
    can be, continued with ``indent`` blanks."""
    if width is None or len(line) <= width:
        return [line]
    return textwrap.wrap(line, width, subsequent_indent=" " * indent, break_long_words=False,
                         break_on_hyphens=False) or [line]


def _title_lines(trace: Trace, width: int | None) -> list[str]:
    """The title; when it is too wide, one input per line, previewed to fit."""
    title = _title(trace)
    if width is None or len(title) <= width:
        return [title]
    what = title.split(" at ", 1)[0]
    lines = [f"{what} at"]
    for name, value in trace.inputs.items():
        label = node_label(trace.graph, name)
        text = fmt_number(value, digits=TABLE_DIGITS)
        lines.append(f"  {label} = {fit_cell(value, text, width - len(label) - 5)}")
    return lines


@gc_paused
def trace_table(trace: Trace, width: int | None = None) -> str:
    """What a student reads in a terminal: the Wengert list, then every step's equation.
    With ``width``, no line is longer than that where it can be helped: long arrays are
    previewed with … and their shape, long steps continue on indented lines."""
    header, rows, numbers = _rows(trace)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if width is not None:
        width = max(width, MIN_WIDTH)
        if sum(widths) + len(GAP) * (len(widths) - 1) > width:
            widths[1] = min(widths[1], max(len(header[1]), width // 4))
            widths = _fit_widths(widths, 2, width)
            rows = [[r[0], r[1] if len(r[1]) <= widths[1] else r[1][:widths[1] - 1] + "…",
                     *(fit_cell(v, t, w) for v, t, w in zip(shown, r[2:], widths[2:]))]
                    for r, shown in zip(rows, numbers)]
            widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: GAP.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    out = [*_title_lines(trace, width), "", line(header), line(["─" * w for w in widths])]
    out += [line(r) for r in rows]
    if trace.mode != Mode.EVALUATE:
        out += ["", "Steps:"]
        digits = len(str(len(trace.steps)))
        for s in trace.steps:
            out += _wrap(f"  {s.index + 1:>{digits}}. {step_equation(s)}", width, digits + 4)
    return "\n".join(out)


@gc_paused
def trace_markdown(trace: Trace) -> str:
    header, rows, _ = _rows(trace)
    esc = lambda t: t.replace("|", r"\|")  # noqa: E731
    out = [f"**{_title(trace)}**", "", "| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
    out += ["| " + " | ".join(f"`{esc(c)}`" if i == 1 else esc(c) for i, c in enumerate(r)) + " |"
            for r in rows]
    if trace.mode != Mode.EVALUATE:
        out += ["", "Steps:", ""]
        out += [f"{s.index + 1}. `{step_equation(s)}`" for s in trace.steps]
    return "\n".join(out)


@gc_paused
def trace_latex(trace: Trace) -> str:
    """An ``align*`` block ready for a solution sheet."""
    lines = []
    for s in trace.steps:
        lhs, _, rhs = step_latex(s).partition(" = ")
        lines.append(f"  {lhs} &= {rhs}" if rhs else f"  {lhs}")
    body = " \\\\\n".join(lines)
    return f"% {_title(trace)}\n\\begin{{align*}}\n{body}\n\\end{{align*}}"
