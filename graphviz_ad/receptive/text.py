"""Text reports of receptive fields: a plain table (for homework), Markdown, LaTeX and JSON.

Every format shows, per layer: kernel k, stride s, dilation d, padding, effective kernel
k̂ = d(k−1)+1, receptive field r, jump j, effective padding P and the input interval seen by
the layer's unit on the path to the chosen output unit, followed by the recurrence
r_l = r_{l−1} + (k_l−1)·d_l·j_{l−1} written out with its numbers.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

from ..core import formats
from .fields import LayerField, StackField

SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
AXES = ("height", "width", "depth")


def sub(n: int) -> str:
    """Unicode subscript digits: ``sub(12) == '₁₂'``."""
    return str(n).translate(SUB)


def _minus(text: str) -> str:
    return text.replace("-", "−")


def recurrence(row: LayerField, previous_r: int, previous_j: int, style: str = "text") -> str:
    """The size recurrence of one layer with its numbers, in ``style`` ``"text"`` or
    ``"latex"`` (as :func:`graphviz_ad.core.number_format.fmt_number`):
    ``r₃ = r₂ + (k₃−1)·d₃·j₂ = 9 + (5−1)·2·2 = 25`` or
    ``r_{3} = r_{2} + (k_{3} - 1) \\cdot d_{3} \\cdot j_{2} = 9 + (5 - 1) \\cdot 2 …``."""
    if style == "latex":
        n, m = row.index, row.index - 1
        return (rf"r_{{{n}}} = r_{{{m}}} + (k_{{{n}}} - 1) \cdot d_{{{n}}} \cdot j_{{{m}}} = "
                rf"{previous_r} + ({row.kernel} - 1) \cdot {row.dilation} \cdot {previous_j} = "
                rf"{row.receptive_field}")
    i, p = sub(row.index), sub(row.index - 1)
    return (f"r{i} = r{p} + (k{i}−1)·d{i}·j{p} = {previous_r} + ({row.kernel}−1)·"
            f"{row.dilation}·{previous_j} = {row.receptive_field}")


def jump_line(row: LayerField, previous_j: int, style: str = "text") -> str:
    """The jump recurrence of one layer, in ``style`` ``"text"`` or ``"latex"``:
    ``j₁ = j₀·s₁ = 1·2 = 2`` or ``j_{1} = j_{0} \\cdot s_{1} = 1 \\cdot 2 = 2``."""
    if style == "latex":
        n = row.index
        return (rf"j_{{{n}}} = j_{{{n - 1}}} \cdot s_{{{n}}} = {previous_j} \cdot {row.stride} = "
                rf"{row.jump}")
    i, p = sub(row.index), sub(row.index - 1)
    return f"j{i} = j{p}·s{i} = {previous_j}·{row.stride} = {row.jump}"


def recurrences(field: StackField) -> list[tuple[str, str]]:
    """(size, jump) recurrence lines for every layer, with real numbers."""
    out, r, j = [], 1, 1
    for row in field.layers:
        out.append((recurrence(row, r, j), jump_line(row, j)))
        r, j = row.receptive_field, row.jump
    return out


def _interval(row: LayerField) -> str:
    return "—" if row.start is None else _minus(f"[{row.start}, {row.end}]")


def _rows(field: StackField) -> list[list[str]]:
    return [[row.name, row.kind, str(row.kernel), str(row.stride), str(row.dilation),
             f"{row.pad_left},{row.pad_right}", str(row.effective_kernel),
             str(row.receptive_field), str(row.jump), str(row.effective_padding),
             "—" if row.unit is None else str(row.unit), _interval(row)]
            for row in field.layers]


HEAD = ["layer", "kind", "k", "s", "d", "pad", "k̂", "r", "j", "P", "unit", "input interval"]
COLUMNS = ("k kernel, s stride, d dilation, pad left,right, k̂ = d(k−1)+1 effective kernel,\n"
           "r receptive field, j jump (input units between neighbouring units), P effective\n"
           "padding (input units left of unit 0's field), unit: this layer's unit on the path\n"
           "to the output unit, whose input interval is the last column.")


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: combining marks (the hat of k̂) take none.

    >>> display_width("k̂"), len("k̂")
    (1, 2)
    """
    return sum(not unicodedata.combining(ch) for ch in text)


def summary(field: StackField) -> str:
    """One sentence: which input units the chosen output unit sees, and any holes."""
    last = field.layers[-1]
    text = (f"Output unit {field.unit} of {last.name} sees input units "
            f"{_minus(f'[{field.start}, {field.end}]')}: receptive field {last.receptive_field}"
            f", jump {last.jump} (input size {field.input_size}).")
    if field.start < 0 or field.end >= field.input_size:
        text += " Part of that interval is zero padding."
    if field.holes:
        shown = ", ".join(map(str, field.holes[:12])) + (" …" if len(field.holes) > 12 else "")
        text += f" Holes (inside the interval, not connected): {len(field.holes)} units: {shown}."
    return text


def _axis_title(field: StackField, fields: Sequence[StackField]) -> str:
    return f"axis {field.axis} ({AXES[field.axis]})" if len(fields) > 1 else ""


def to_table(fields: Sequence[StackField], title: str = "") -> str:
    """Aligned plain-text table plus the recurrences: what a student copies into a solution."""
    out = [title] if title else []
    for field in fields:
        if len(fields) > 1:
            out.append(_axis_title(field, fields))
        rows = [HEAD] + _rows(field)
        widths = [max(display_width(r[c]) for r in rows) for c in range(len(HEAD))]
        for n, r in enumerate(rows):
            out.append("  ".join(cell + " " * (w - display_width(cell))
                                 for cell, w in zip(r, widths)).rstrip())
            if n == 0:
                out.append("  ".join("-" * w for w in widths))
        out.append(COLUMNS)
        out.append("")
        pairs = list(recurrences(field))
        width = max((len(size) for size, _ in pairs), default=0) + 2
        out += [f"{size:<{width}}{jump}" for size, jump in pairs]
        out.append("")
        out.append(summary(field))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_markdown(fields: Sequence[StackField], title: str = "") -> str:
    """A Markdown table and the recurrences as a list."""
    out = [f"### {title}", ""] if title else []
    for field in fields:
        if len(fields) > 1:
            out += [f"#### {_axis_title(field, fields)}", ""]
        out.append("| " + " | ".join(HEAD) + " |")
        out.append("|" + "|".join("---" if c < 2 else "--:" for c in range(len(HEAD))) + "|")
        out += ["| " + " | ".join(r) + " |" for r in _rows(field)]
        out.append("")
        out += [f"- {size}, {jump}" for size, jump in recurrences(field)]
        out += ["", summary(field), ""]
    return "\n".join(out).rstrip() + "\n"


def _tex(text: str) -> str:
    return text.replace("_", r"\_").replace("&", r"\&").replace("%", r"\%").replace("#", r"\#")


def to_latex(fields: Sequence[StackField], title: str = "") -> str:
    """A booktabs-free ``tabular`` and an ``align*`` block with the recurrences."""
    head = ["layer", "kind", "$k$", "$s$", "$d$", "pad", r"$\hat k$", "$r$", "$j$", "$P$",
            "unit", "interval"]
    out = [f"% {title}"] if title else []
    for field in fields:
        if len(fields) > 1:
            out.append(f"% {_axis_title(field, fields)}")
        out.append(r"\begin{tabular}{ll" + "r" * (len(head) - 2) + "}")
        out.append(" & ".join(head) + r" \\ \hline")
        for r in _rows(field):
            cells = [_tex(c) for c in r[:-1]] + [r[-1].replace("—", "--").replace("−", "-")]
            out.append(" & ".join(cells) + r" \\")
        out.append(r"\end{tabular}")
        out.append(r"\begin{align*}")
        r_prev, j_prev = 1, 1
        for row in field.layers:
            i, p = row.index, row.index - 1
            out.append(f"r_{{{i}}} &= r_{{{p}}} + (k_{{{i}}}-1)\\,d_{{{i}}}\\,j_{{{p}}} = "
                       f"{r_prev} + ({row.kernel}-1)\\cdot {row.dilation}\\cdot {j_prev} = "
                       f"{row.receptive_field}, & j_{{{i}}} &= {j_prev}\\cdot {row.stride} = "
                       f"{row.jump} \\\\")
            r_prev, j_prev = row.receptive_field, row.jump
        out[-1] = out[-1].rstrip(" \\")
        out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def _merge(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def to_json(fields: Sequence[StackField], title: str = "") -> str:
    """``{"layers": [{"name", "kernel", …, "start", "end"}, …], …}``; per-axis lists in 2D."""
    layers = []
    for i, first in enumerate(fields[0].layers):
        rows = [f.layers[i] for f in fields]
        layers.append({
            "name": first.name, "kind": first.kind,
            **{key: _merge([getattr(r, key) for r in rows]) for key in
               ("kernel", "stride", "dilation")},
            "padding": _merge([[r.pad_left, r.pad_right] for r in rows]),
            **{key: _merge([getattr(r, key) for r in rows]) for key in
               ("effective_kernel", "size", "receptive_field", "jump", "effective_padding",
                "unit", "start", "end")},
        })
    doc = {"title": title,
           **{key: _merge([getattr(f, key) for f in fields]) for key in
              ("input_size", "unit", "receptive_field", "start", "end")},
           "reached": _merge([None if f.reached is None else list(f.reached) for f in fields]),
           "holes": _merge([None if f.holes is None else list(f.holes) for f in fields]),
           "layers": layers}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_WRITERS = {"table": to_table, "markdown": to_markdown, "latex": to_latex, "json": to_json}
TEXT_FORMATS = {name: _WRITERS[name] for name in formats.TEXT_FORMATS}
