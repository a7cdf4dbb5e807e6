"""Unit-level receptive-field drawings: one node per unit, one row per layer, on an exact grid.

Unit i of row m sits at the centre of its receptive field in input coordinates,
x = −P_m + (r_m − 1)/2 + i·j_m, so strides and dilations line up visually; positions are pinned
(``pos="x,y!"``, ``neato -n2``, edges as given straight segments). Kernel taps are edges,
zero padding is dashed.

The animation grows the highlighted region UP from the input: frame 0 is the bare stack and
frame l lights the layer-l unit on the path to the chosen output unit together with everything
it sees below. Each frame then matches one line of the recurrence r_l = r_{l−1} + (k_l−1)·d_l·
j_{l−1} shown in its caption, and the input row shows the answer r_l of "what is the receptive
field of layer l" directly; growing down from the output would light the input only in the last
frame. The regions nest (each unit is a tap of the one above), so the picture grows.

Layout happens once (:mod:`graphviz_ad.draw.template`); frames are colour/text substitutions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import GraphvizAdError
from ..receptive import Layer, Plain, StackField, cone, plain_axis, receptive_field
from ..receptive_text import recurrence, sub
from .compose import compose_frames
from .frames import Frame
from .graphviz_run import run_graphviz
from .template import SlotDot, SvgTemplate, text_width

MAX_COLUMNS = 100  # default cap on grid columns (input units incl. padding): rf --max-units
MAX_ROWS = 12
ROW_FONT, UNIT_FONT = 22, 13
LABEL_ROW_LIMIT = 40  # hidden rows get index labels when they have at most this many units
DX, DY, DIAM = 38.0, 130.0, 31.0  # column pitch, row pitch, unit diameter (points)
FONT = "DejaVu Sans"
# Okabe-Ito (colour-blind safe) for states; Paul Tol YlOrBr for path counts.
ORANGE, SKY, BLUE = "#E69F00", "#56B4E9", "#0072B2"
INK, IDLE_EDGE, PAD_FILL, PAD_LINE, WHITE = "#333333", "#D9D9D9", "#F2F2F2", "#9A9A9A", "#FFFFFF"
YLORBR = ["#FFF7BC", "#FEE391", "#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#993404", "#662506"]


@dataclass(frozen=True)
class Unit:
    """One drawn unit: row m, index i (outside 0..n−1 for padding), x in input coordinates."""

    row: int
    index: int
    x: float
    pad: bool

    @property
    def name(self) -> str:
        return f"u{self.row}_{self.index}".replace("-", "m")


def _row_geometry(field: StackField, plain: Plain, m: int) -> tuple[int, int, int, int]:
    """Row m's doubled first x (2·x of its unit 0, an exact int), pitch j, and the padding
    units drawn left and right."""
    if m == 0:
        r, j, eff = 1, 1, 0
    else:
        lay = field.layers[m - 1]
        r, j, eff = lay.receptive_field, lay.jump, lay.effective_padding
    inner = m < len(plain.kernel)
    left, right = (plain.pad_left[m], plain.pad_right[m]) if inner else (0, 0)
    return r - 1 - 2 * eff, j, left, right


def grid(field: StackField, plain: Plain) -> list[list[Unit]]:
    """Units of every row (input first), padding included, at their input-space centres."""
    rows = []
    for m, n in enumerate(plain.sizes):
        x2, j, left, right = _row_geometry(field, plain, m)
        rows.append([Unit(m, i, x2 / 2 + i * j, not 0 <= i < n)
                     for i in range(-left, n + right)])
    return rows


def check_size(field: StackField, plain: Plain, max_units: int = MAX_COLUMNS) -> None:
    """Refuse drawings too wide or tall to read on a slide, from exact integer arithmetic
    alone (before a single unit is enumerated)."""
    ends = []  # doubled x of the first and last unit of every row
    for m, n in enumerate(plain.sizes):
        x2, j, left, right = _row_geometry(field, plain, m)
        ends += [x2 - 2 * left * j, x2 + 2 * (n + right - 1) * j]
    columns = (max(ends) - min(ends)) // 2 + 1
    if columns > max_units:
        huge = columns >= 10**30
        raise GraphvizAdError(
            f"the drawing would be {'over 10^30' if huge else f'{columns:,}'} units wide "
            f"(limit {max_units:,}); pass a smaller --input-size, fewer layers, a text format "
            f"(--format table)" + ("" if huge else f", or --max-units {columns} to draw it"))
    if len(plain.sizes) - 1 > MAX_ROWS:
        raise GraphvizAdError(f"{len(plain.sizes) - 1} layers are too many to draw (limit "
                              f"{MAX_ROWS}); use a text format (--format table)")


def _taps(plain: Plain, unit: Unit) -> list[int]:
    li = unit.row - 1
    k, s, d, left = plain.kernel[li], plain.stride[li], plain.dilation[li], plain.pad_left[li]
    return [unit.index * s - left + t * d for t in range(k)]


def _cones(field: StackField, plain: Plain) -> list[dict[int, dict[int, float]]]:
    """Per frame 1..L: row -> {unit index: path count} lit by the layer-l unit."""
    out = []
    for row in field.layers:
        lit: dict[int, dict[int, float]] = {}
        if row.unit is not None:
            for m, (lo, counts) in zip(range(row.index, -1, -1), cone(plain, row.index, row.unit)):
                nz = np.nonzero(counts)[0]
                lit[m] = {int(lo + i): float(counts[i]) for i in nz}
        out.append(lit)
    return out


def _padding_hits(cones: list[dict[int, dict[int, float]]], plain: Plain) -> list[set]:
    """Per frame 1..L: the (row, index) padding units tapped by a lit unit."""
    out = []
    for lit in cones:
        hits = set()
        for m, units in lit.items():
            if m == 0:
                continue
            for i in units:
                hits.update((m - 1, t) for t in _taps(plain, Unit(m, i, 0.0, False))
                            if not 0 <= t < plain.sizes[m - 1])
        out.append(hits)
    return out


def _shade(count: float, top: float) -> tuple[str, str]:
    level = 0 if top <= 1 else int(round((len(YLORBR) - 1) * np.log(count) / np.log(top)))
    return YLORBR[level], (WHITE if level >= 5 else INK)


def _row_texts(field: StackField, n_frames: int) -> list[list[str]]:
    """Second label line of each row per frame: r and j revealed from frame m on."""
    out = [[f"r{sub(0)} = 1,  j{sub(0)} = 1"] * n_frames]
    for row in field.layers:
        done = f"r{sub(row.index)} = {row.receptive_field},  j{sub(row.index)} = {row.jump}"
        hidden = f"r{sub(row.index)} = ?"
        out.append([done if f >= row.index else hidden for f in range(n_frames)])
    return out


def _row_head(field: StackField, m: int) -> str:
    if m == 0:
        return f"input  (n = {field.input_size})"
    lay = field.layers[m - 1]
    parts = [f"{lay.name}: {lay.kind} k={lay.kernel}"]
    parts += [f"s={lay.stride}"] if lay.stride != 1 else []
    parts += [f"d={lay.dilation}"] if lay.dilation != 1 else []
    if lay.pad_left or lay.pad_right:
        parts.append(f"p={lay.pad_left}" if lay.pad_left == lay.pad_right
                     else f"p={lay.pad_left},{lay.pad_right}")
    return " ".join(parts)


def _captions(field: StackField, paths: bool, top: float) -> list[str]:
    last = field.layers[-1]
    caps = [f"{len(field.layers)} layers over {field.input_size} input units (dashed: zero "
            f"padding). Which inputs does output unit {field.unit} of {last.name} see?"]
    r_prev, j_prev = 1, 1
    for row in field.layers:
        text = f"{row.name}: {recurrence(row, r_prev, j_prev)}."
        if row.unit is not None:
            text += (f" Unit {row.unit} of {row.name} sees inputs [{row.start}, {row.end}]"
                     .replace("-", "−"))
            lo, hi = max(row.start, 0), min(row.end, field.input_size - 1)
            if (lo, hi) != (row.start, row.end):
                text += f", real inputs {lo} to {hi}, the rest is zero padding"
            text += "."
        if row.index == len(field.layers) and field.holes:
            text += f" {len(field.holes)} units inside that span are holes: not connected."
        caps.append(text)
        r_prev, j_prev = row.receptive_field, row.jump
    if paths:
        caps.append(f"Number of paths from output unit {field.unit} to each input unit (1 to "
                    f"{top:.0f}): the edges of the field are reached by few paths, the middle by "
                    f"many, so the effective receptive field is concentrated there "
                    f"(Luo et al. 2016).")
    return caps


class _Slots:
    """Shares one colour slot among all elements whose colour sequence over frames is equal."""

    def __init__(self, slots: SlotDot) -> None:
        self.slots, self.keys = slots, {}

    def __call__(self, colours: Sequence[str]) -> str:
        key = self.keys.setdefault(tuple(colours), f"c{len(self.keys)}")
        return self.slots.color(key, colours[0])

    def values(self, frame: int) -> dict[str, str]:
        return {key: colours[frame] for colours, key in self.keys.items()}


def build(layers: Sequence[Layer], unit: int | None = None, input_size: int | None = None,
          axis: int = 0, paths: bool = False, max_units: int = MAX_COLUMNS
          ) -> tuple[str, SlotDot, list[dict[str, str]], list[str], StackField]:
    """DOT source, slots, per-frame slot values and captions for a unit-level drawing."""
    field = receptive_field(layers, unit, input_size, axis)
    plain, _ = plain_axis(layers, axis, input_size, field.unit)
    check_size(field, plain, max_units)
    rows = grid(field, plain)
    cones = _cones(field, plain)
    pad_hits = _padding_hits(cones, plain)
    n_frames = 1 + len(cones) + (1 if paths else 0)
    final = cones[-1]
    top = max(final.get(0, {}).values(), default=1.0)
    slots = SlotDot(font_size=UNIT_FONT)
    colour = _Slots(slots)
    x0 = min(u.x for row in rows for u in row)
    row_texts = _row_texts(field, n_frames)
    label_w = max(text_width(t, ROW_FONT) for m in range(len(rows))
                  for t in [_row_head(field, m), *row_texts[m]]) + 20
    lines = ["digraph rf {",
             'graph [splines=false, outputorder=edgesfirst, bgcolor="white", pad="0.3"];',
             f'node [shape=circle, fixedsize=true, width={DIAM / 72:.3f}, style="filled", '
             f'fontname="{FONT}", fontsize={UNIT_FONT}, penwidth=1.8, id="n_\\N"];',
             'edge [arrowhead=none, penwidth=1.8];']

    def state(frame: int, u: Unit) -> str:
        if frame == 0:
            return "idle"
        level = min(frame, len(cones))  # the paths frame repeats the last cone
        if u.row == level and u.index == field.layers[level - 1].unit:
            return "top"
        if u.pad:
            return "lit" if (u.row, u.index) in pad_hits[level - 1] else "idle"
        return "lit" if u.index in cones[level - 1].get(u.row, {}) else "idle"

    text_frames: dict[str, list[str]] = {}
    lit_edges: list[str] = []
    where = {u.name: (label_w + (u.x - x0) * DX + DX, u.row * DY) for row in rows for u in row}
    for row in rows:
        for u in row:
            x, y = where[u.name]
            fills, strokes, fonts = [], [], []
            for f in range(n_frames):
                st = state(f, u)
                if u.pad:
                    fills.append(PAD_FILL)
                    strokes.append(BLUE if st == "lit" else PAD_LINE)
                    fonts.append(INK)
                elif paths and f == n_frames - 1 and u.row == 0 and st == "lit":
                    fill, ink = _shade(final[0][u.index], top)
                    fills.append(fill)
                    strokes.append(INK)
                    fonts.append(ink)
                else:
                    fill = {"top": ORANGE, "lit": BLUE if u.row == 0 else SKY, "idle": WHITE}[st]
                    fills.append(fill)
                    strokes.append(INK)
                    fonts.append(WHITE if fill == BLUE else INK)
            label = '""'
            if not u.pad and (u.row == 0 or len(row) <= LABEL_ROW_LIMIT):
                texts = [str(u.index)] * (n_frames - 1) + [
                    f"{final[0].get(u.index, 0):.0f}" if paths and u.row == 0 else str(u.index)]
                label = slots.label(f"n_{u.name}", [(f"t_{u.name}", texts)])
                text_frames[f"t_{u.name}"] = texts
            style = '"dashed,filled"' if u.pad else '"filled"'
            lines.append(f'{u.name} [pos="{x:.1f},{y:.1f}!", label={label}, style={style}, '
                         f'fillcolor="{colour(fills)}", color="{colour(strokes)}", '
                         f'fontcolor="{colour(fonts)}"];')
            if u.row > 0 and not u.pad:
                for t in _taps(plain, u):
                    child = Unit(u.row - 1, t, 0.0, False).name
                    # a straight segment given explicitly (neato -n2 keeps it), so the lit
                    # copy lies exactly on the grey edge instead of bending away from it
                    (x2, y2) = where[child]
                    ends = f"{x:.1f},{y:.1f} {x:.1f},{y:.1f} {x2:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
                    line = f'pos="{ends}"'
                    lines.append(f'{u.name} -> {child} [id="e_{u.name}_{child}", {line}, '
                                 f'color="{IDLE_EDGE}"];')
                    # the lit copy is moved after every grey edge, so it is drawn on top
                    lit = ["none"] + [BLUE if state(f, u) != "idle" else "none"
                                      for f in range(1, n_frames)]
                    lit_edges.append(f'{u.name} -> {child} [id="h_{u.name}_{child}", {line}, '
                                     f'color="{colour(lit)}"];')
    lines += lit_edges
    for m, texts in enumerate(row_texts):
        name = f"row{m}"
        label = slots.label(f"n_{name}", [_row_head(field, m), (f"r_{m}", texts)])
        text_frames[f"r_{m}"] = texts
        lines.append(f'{name} [shape=plaintext, style="", fontsize={ROW_FONT}, '
                     f'width={label_w / 72:.3f}, height=0.9, '
                     f'pos="{label_w / 2:.1f},{m * DY:.1f}!", label={label}];')
    lines.append("}")
    values = [colour.values(f) | {key: texts[f] for key, texts in text_frames.items()}
              for f in range(n_frames)]
    return "\n".join(lines), slots, values, _captions(field, paths, top), field


_EDGE_GROUP = re.compile(r'<!-- [^>]*? -->\n<g id="(?:e|h)_[^"]*" class="edge">.*?</g>\n',
                         re.DOTALL)


def _lit_edges_on_top(svg: str) -> str:
    """Graphviz writes edges grouped by tail node, so a grey tap edge can be painted over
    a lit one; move the lit copies (ids ``h_…``) after every grey edge."""
    edges = list(_EDGE_GROUP.finditer(svg))
    if not edges:
        return svg
    grey = [m.group(0) for m in edges if 'id="e_' in m.group(0)]
    lit = [m.group(0) for m in edges if 'id="h_' in m.group(0)]
    return svg[:edges[0].start()] + "".join(grey + lit) + svg[edges[-1].end():]


def rf_frames(layers: Sequence[Layer], unit: int | None = None, input_size: int | None = None,
              axis: int = 0, paths: bool = False, title: str = "", aspect: float | None = None,
              frame_ms: int = 2500, max_units: int = MAX_COLUMNS
              ) -> tuple[list[Frame], str, StackField]:
    """Frames (fixed layout, fixed size) growing the receptive field layer by layer.

    Returns ``(frames, dot_source, field)``; frames are :class:`~graphviz_ad.draw.frames.Frame`.
    ``max_units`` caps the drawing's width in grid columns (checked before any work).
    """
    dot, slots, values, captions, field = build(layers, unit, input_size, axis, paths, max_units)
    result = run_graphviz(dot, "svg", "neato", ["-n2"])
    template = SvgTemplate.from_svg(_lit_edges_on_top(result.output.decode("utf-8")), slots,
                                    result.warnings)
    legend = [(ORANGE, "unit on the path to the output"), (SKY, "units it depends on"),
              (BLUE, "input units it sees"), (PAD_FILL, "zero padding (dashed)")]
    if paths:
        legend.append((YLORBR[-2], "many paths (last frame)"))
    durations = [frame_ms] * len(values)
    durations[-1] = frame_ms * 2  # linger on the answer
    frames = compose_frames(template, values, captions, durations,
                            caption_font_size=max(ROW_FONT * 1.2, template.width / 60),
                            title=title or f"Receptive field of output unit {field.unit}",
                            legend=legend, aspect=aspect)
    return frames, dot, field
