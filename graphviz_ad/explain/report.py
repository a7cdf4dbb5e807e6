"""A Trace as text: the terminal table (Wengert list), Markdown and LaTeX (its JSON form is
:mod:`.trace_json`).

Every display names a node by its ``label`` (``c`` for a name's last binding, ``c⁽¹⁾``,
``c⁽²⁾`` for a re-bound name's earlier ones).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core._gc import gc_paused
from ..core.formula import definition, node_label, seeded_symbol
from ..core.modes import Mode
from ..core.nodes import node
from ..core.number_format import fmt_number
from ..core.ops import is_constant, is_input
from ..core.program import program_of
from .steps import equation as step_equation
from .steps import latex as step_latex

if TYPE_CHECKING:
    from ..core.trace import Trace

TABLE_DIGITS = 6


def derivative_header(trace: Trace, style: str = "text") -> str | None:
    """The symbol of a pass's derivatives (``∂y/∂·``, ``∂·/∂x·1``); None for an
    evaluation.  The table's column header and the JSON form's ``derivative``."""
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


def _rows(trace: Trace) -> tuple[list[str], list[list[str]], list[list[Any]]]:
    """The table's header, its rows of texts and, per row, the numbers its value and
    derivative columns show (to preview them narrower)."""
    G = trace.graph
    header = ["node", "definition", "value"]
    derivative = derivative_header(trace)
    if derivative:
        header.append(derivative)
    rows, numbers = [], []
    skipped = trace.skipped
    for n in program_of(G).order:
        d = node(G, n)
        if is_constant(d["op"]):
            continue
        kind = "input" if is_input(d["op"]) else definition(G, n)
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
