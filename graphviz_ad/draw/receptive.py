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
from .frames import STEP_MS, Frame
from .graphviz_run import run_graphviz
from .template import SlotDot, SvgTemplate, text_width

MAX_COLUMNS = 100  # default cap on grid columns (input units incl. padding): rf --max-units
MAX_ROWS = 12
LABEL_ROW_LIMIT = 40  # hidden rows get index labels when they have at most this many units
LIT_EDGE_LIMIT = 36  # more lit edges than this in a frame: shade the span, keep the top's edges
MAX_SWATCHES = 12  # path counts get one legend swatch each up to this many distinct counts
# Every length is a multiple of the unit-label size, so a drawing scales as a whole: on a
# 1920-px slide a stack up to ~40 columns wide shows unit labels >= 24 px and the rest >= 28.
UNIT_FONT = 20.0
# two-digit labels (1.27 em) keep 0.4 em apart in adjacent circles: no collision
DIAM, DX, DY = 1.5 * UNIT_FONT, 1.68 * UNIT_FONT, 4.9 * UNIT_FONT  # circle, column/row pitch
ROW_FONT, CAPTION_FONT = 1.17 * UNIT_FONT, 1.4 * UNIT_FONT  # floors 28 px vs 24 px
BAND_MARGIN = 0.2 * UNIT_FONT  # the shaded span reaches this far past a unit's circle
FONT = "DejaVu Sans"
# Okabe-Ito (colour-blind safe) for states; a light-to-dark purple ramp for path counts
# (ordered by lightness, unlike the orange of the output unit).
ORANGE, SKY, BLUE, VERMILLION = "#E69F00", "#56B4E9", "#0072B2", "#D55E00"
INK, IDLE_EDGE, PAD_FILL, PAD_LINE, WHITE = "#333333", "#D9D9D9", "#F2F2F2", "#9A9A9A", "#FFFFFF"
BAND = "#DDEFFA"  # the receptive-field span, behind units and edges
FAINT_EDGE = "#EAEAEA"  # idle tap edges in frames that shade the span
PURPLES = ["#EFEDF5", "#DADAEB", "#BCBDDC", "#9E9AC8", "#807DBA", "#6A51A3", "#54278F",
           "#3F007D"]


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
                if nz.size:  # a row the unit reaches only through zero padding stays unlit
                    lit[m] = {int(lo + i): float(counts[i]) for i in nz}
        out.append(lit)
    return out


def _padding_hits(cones: list[dict[int, dict[int, float]]], plain: Plain
                  ) -> list[set[tuple[int, int]]]:
    """Per frame 1..L: the (row, index) padding units tapped by a lit unit."""
    out = []
    for lit in cones:
        hits: set[tuple[int, int]] = set()
        for m, units in lit.items():
            if m == 0:
                continue
            for i in units:
                hits.update((m - 1, t) for t in _taps(plain, Unit(m, i, 0.0, False))
                            if not 0 <= t < plain.sizes[m - 1])
        out.append(hits)
    return out


def count_scale(counts: Sequence[float]) -> list[tuple[str, str, str]]:
    """Discrete path-count colours: ``(label, fill, ink)`` per distinct count, light to dark
    (counts grouped into MAX_SWATCHES ranges when there are more)."""
    values = sorted({int(c) for c in counts if c > 0})
    groups = ([[v] for v in values] if len(values) <= MAX_SWATCHES
              else [list(g) for g in np.array_split(values, MAX_SWATCHES)])
    ramp = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in PURPLES], float)
    out = []
    for i, group in enumerate(groups):
        t = 0.15 + 0.85 * (i / (len(groups) - 1) if len(groups) > 1 else 1.0)
        pos = t * (len(ramp) - 1)
        lo = min(int(pos), len(ramp) - 2)
        rgb = ramp[lo] + (pos - lo) * (ramp[lo + 1] - ramp[lo])
        fill = "#" + "".join(f"{round(v):02X}" for v in rgb)
        light = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255 > 0.55
        label = str(group[0]) if len(group) == 1 else f"{group[0]}–{group[-1]}"
        out.append((label, fill, INK if light else WHITE))
    return out


def _count_colour(count: float, scale: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Fill and ink of the swatch whose count (or range) holds ``count``."""
    c = int(count)
    for label, fill, ink in scale:
        lo, _, hi = label.partition("–")
        if int(lo) <= c <= int(hi or lo):
            return fill, ink
    return scale[-1][1], scale[-1][2]


def _row_texts(field: StackField, n_frames: int) -> list[list[str]]:
    """Second label line of each row per frame: r and j revealed from frame m on."""
    out = [[f"r{sub(0)} = 1,  j{sub(0)} = 1"] * n_frames]
    for row in field.layers:
        done = f"r{sub(row.index)} = {row.receptive_field},  j{sub(row.index)} = {row.jump}"
        hidden = f"r{sub(row.index)} = ?"
        out.append([done if f >= row.index else hidden for f in range(n_frames)])
    return out


def _row_head(field: StackField, m: int) -> list[str]:
    """The fixed lines of a row's label (name and kind, then the layer's numbers): short
    lines keep the label column narrow, so the units get the slide's width."""
    if m == 0:
        return ["input", f"n = {field.input_size}"]
    lay = field.layers[m - 1]
    parts = [f"k={lay.kernel}"]
    parts += [f"s={lay.stride}"] if lay.stride != 1 else []
    parts += [f"d={lay.dilation}"] if lay.dilation != 1 else []
    if lay.pad_left or lay.pad_right:
        parts.append(f"p={lay.pad_left}" if lay.pad_left == lay.pad_right
                     else f"p={lay.pad_left},{lay.pad_right}")
    return [f"{lay.name}: {lay.kind}", " ".join(parts)]


def _captions(field: StackField, paths: bool, top: float) -> list[str]:
    last = field.layers[-1]
    caps = [f"{len(field.layers)} layers over {field.input_size} input units (dashed: zero "
            f"padding). Which inputs does output unit {field.unit} of {last.name} see?"]
    r_prev, j_prev = 1, 1
    for row in field.layers:
        text = f"{row.name}: {recurrence(row, r_prev, j_prev)}."
        if row.start is not None and row.end is not None:  # None: reached only via padding
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
        self.slots = slots
        self.keys: dict[tuple[str, ...], str] = {}

    def __call__(self, colours: Sequence[str]) -> str:
        key = self.keys.setdefault(tuple(colours), f"c{len(self.keys)}")
        return self.slots.color(key, colours[0])

    def values(self, frame: int) -> dict[str, str]:
        return {key: colours[frame] for colours, key in self.keys.items()}


@dataclass
class Drawing:
    """Everything one receptive-field animation needs before its single layout."""

    dot: str
    slots: SlotDot
    values: list[dict[str, str]]  # slot values per frame
    captions: list[str]
    field: StackField
    bands: list[tuple[str, list[tuple[float, float]]]]  # (colour slot, polygon) per layer
    anchor: tuple[str, tuple[float, float]]  # one unit and its position, to place the bands
    legend: list[tuple[str, str]]


def _frame_states(field: StackField, plain: Plain, cones: list[dict[int, dict[int, float]]],
                  pad_hits: list[set[tuple[int, int]]], level: int
                  ) -> tuple[dict[tuple[int, int], str], int]:
    """(row, index) -> top | lit | hole for the units the layer-``level`` unit sees, and
    target for the output unit (marked in every frame, from frame 0 on); and the number of
    lit tap edges."""
    if level == 0:
        return {(len(field.layers), field.unit): "top"}, 0
    lit = cones[level - 1]
    out: dict[tuple[int, int], str] = {(m, i): "lit" for m, units in lit.items() for i in units}
    out.update({key: "lit" for key in pad_hits[level - 1]})
    for m, units in lit.items():  # unlit real units inside a row's span are holes
        lo, hi = min(units), max(units)
        out.update({(m, i): "hole" for i in range(lo + 1, hi) if i not in units})
    top = field.layers[level - 1].unit
    if top is not None:  # None: every tap of the unit above falls into zero padding
        out[(level, top)] = "top"
    out.setdefault((len(field.layers), field.unit), "target")  # the question stays marked
    edges = sum(len(lit.get(m, {})) * plain.kernel[m - 1] for m in range(1, level + 1))
    return out, edges


def _band(states: dict[tuple[int, int], str], where: dict[str, tuple[float, float]]
          ) -> list[tuple[float, float]]:
    """A polygon (Graphviz coordinates) around every row's lit span: the field as a funnel."""
    spans: dict[int, list[float]] = {}
    for (m, i), st in states.items():
        if st in ("top", "lit"):
            x = where[Unit(m, i, 0.0, False).name][0]
            lo_hi = spans.setdefault(m, [x, x])
            lo_hi[:] = [min(lo_hi[0], x), max(lo_hi[1], x)]
    r = DIAM / 2 + BAND_MARGIN
    rows = sorted(spans, reverse=True)  # top row first
    left = [(spans[m][0] - r, m * DY + dy) for m in rows for dy in (r, -r)]
    right = [(spans[m][1] + r, m * DY + dy) for m in reversed(rows) for dy in (-r, r)]
    return left + right


def build(layers: Sequence[Layer], unit: int | None = None, input_size: int | None = None,
          axis: int = 0, paths: bool = False, max_units: int = MAX_COLUMNS) -> Drawing:
    """DOT source, slots, per-frame slot values, captions, span bands and legend for a
    unit-level drawing."""
    field = receptive_field(layers, unit, input_size, axis)
    plain, _ = plain_axis(layers, axis, input_size, field.unit)
    check_size(field, plain, max_units)
    rows = grid(field, plain)
    cones = _cones(field, plain)
    pad_hits = _padding_hits(cones, plain)
    n_levels = len(cones)
    n_frames = 1 + n_levels + (1 if paths else 0)
    final = cones[-1]
    top = max(final.get(0, {}).values(), default=1.0)
    scale = count_scale(list(final.get(0, {}).values())) if paths else []
    frames = [_frame_states(field, plain, cones, pad_hits, min(f, n_levels))
              for f in range(n_frames)]
    slots = SlotDot(font_size=UNIT_FONT)
    colour = _Slots(slots)
    x0 = min(u.x for row in rows for u in row)
    row_texts = _row_texts(field, n_frames)
    label_w = max(text_width(t, ROW_FONT) for m in range(len(rows))
                  for t in [*_row_head(field, m), *row_texts[m]]) + 0.15 * ROW_FONT
    lines = ["digraph rf {",
             'graph [splines=false, outputorder=edgesfirst, bgcolor="white", pad="0.05"];',
             f'node [shape=circle, fixedsize=true, width={DIAM / 72:.3f}, style="filled", '
             f'fontname="{FONT}", fontsize={UNIT_FONT:g}, penwidth=1.8, id="n_\\N"];',
             'edge [arrowhead=none, penwidth=1.8];']

    def state(frame: int, u: Unit) -> str:
        return frames[frame][0].get((u.row, u.index), "idle")

    def top_edges(frame: int, u: Unit) -> bool:
        """Whether u's tap edges are lit: all of the cone's, or past LIT_EDGE_LIMIT only the
        layer-l unit's own (the band shows the rest)."""
        st = state(frame, u)
        if st not in ("top", "lit") or frame == 0:
            return False
        return frames[frame][1] <= LIT_EDGE_LIMIT or st == "top"

    text_frames: dict[str, list[str]] = {}
    lit_edges: list[str] = []
    left = label_w + DIAM / 2 + 0.15 * UNIT_FONT  # the first column's centre
    where = {u.name: (left + (u.x - x0) * DX, u.row * DY) for row in rows for u in row}
    for row in rows:
        labels = {u.name: [str(u.index)] * (n_frames - 1) + [
            f"{final[0].get(u.index, 0):.0f}" if paths and u.row == 0 else str(u.index)]
            for u in row}
        widest = max((text_width(t, UNIT_FONT) for texts in labels.values() for t in texts),
                     default=1.0)
        font = min(UNIT_FONT, UNIT_FONT * (DIAM - 0.2 * UNIT_FONT) / widest)
        for u in row:
            x, y = where[u.name]
            fills, strokes, fonts = [], [], []
            for f in range(n_frames):
                st = state(f, u)
                if u.pad:
                    fills.append(PAD_FILL)
                    strokes.append(BLUE if st == "lit" else PAD_LINE)
                    fonts.append(INK)
                elif st == "hole":
                    fills.append(WHITE)
                    strokes.append(VERMILLION)
                    fonts.append(VERMILLION)
                elif paths and f == n_frames - 1 and u.row == 0 and st == "lit":
                    fill, ink = _count_colour(final[0][u.index], scale)
                    fills.append(fill)
                    strokes.append(INK)
                    fonts.append(ink)
                else:
                    fill = {"top": ORANGE, "target": ORANGE, "lit": BLUE if u.row == 0 else SKY,
                            "idle": WHITE}[st]
                    fills.append(fill)
                    strokes.append(INK)
                    fonts.append(WHITE if fill == BLUE else INK)
            label = '""'
            if not u.pad and (u.row == 0 or len(row) <= LABEL_ROW_LIMIT):
                texts = labels[u.name]
                label = slots.label(f"n_{u.name}", [(f"t_{u.name}", texts)])
                text_frames[f"t_{u.name}"] = texts
            style = '"dashed,filled"' if u.pad else '"filled"'
            lines.append(f'{u.name} [pos="{x:.1f},{y:.1f}!", label={label}, style={style}, '
                         f'fontsize={font:.2f}, fillcolor="{colour(fills)}", '
                         f'color="{colour(strokes)}", fontcolor="{colour(fonts)}"];')
            if u.row > 0 and not u.pad:
                lit = [BLUE if top_edges(f, u) else "none" for f in range(n_frames)]
                idle = [FAINT_EDGE if frames[f][1] > LIT_EDGE_LIMIT else IDLE_EDGE
                        for f in range(n_frames)]  # the band frames: the mesh steps back
                for t in _taps(plain, u):
                    child = Unit(u.row - 1, t, 0.0, False).name
                    # a straight segment given explicitly (neato -n2 keeps it), so the lit
                    # copy lies exactly on the grey edge instead of bending away from it
                    (x2, y2) = where[child]
                    ends = f"{x:.1f},{y:.1f} {x:.1f},{y:.1f} {x2:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
                    line = f'pos="{ends}"'
                    lines.append(f'{u.name} -> {child} [id="e_{u.name}_{child}", {line}, '
                                 f'color="{colour(idle)}"];')
                    # the lit copy is moved after every grey edge, so it is drawn on top
                    lit_edges.append(f'{u.name} -> {child} [id="h_{u.name}_{child}", {line}, '
                                     f'color="{colour(lit)}"];')
    lines += lit_edges
    for m, texts in enumerate(row_texts):
        name = f"row{m}"
        label = slots.label(f"n_{name}", [*_row_head(field, m), (f"r_{m}", texts)])
        text_frames[f"r_{m}"] = texts
        lines.append(f'{name} [shape=plaintext, style="", fontsize={ROW_FONT:g}, '
                     f'width={label_w / 72:.3f}, height={4.2 * ROW_FONT / 72:.3f}, '
                     f'pos="{label_w / 2:.1f},{m * DY:.1f}!", label={label}];')
    lines.append("}")
    bands = []
    for level in range(1, n_levels + 1):  # one polygon per layer, shown in its frames
        shown = [BAND if min(f, n_levels) == level else "none" for f in range(n_frames)]
        bands.append((colour(shown), _band(frames[level][0], where)))
    values = [colour.values(f) | {key: texts[f] for key, texts in text_frames.items()}
              for f in range(n_frames)]
    holes = any("hole" in states.values() for states, _ in frames)
    legend = [(ORANGE, "output unit / unit on its path"), (SKY, "units it depends on"),
              (BLUE, "input units it sees"), (BAND, "receptive-field span"),
              (PAD_FILL, "zero padding (dashed)")]
    legend += [(f"ring:{VERMILLION}", "hole: in the span, not connected")] if holes else []
    if scale:
        legend.append(("", "paths to the output unit (last frame):"))
        legend += [(fill, label) for label, fill, _ in scale]
    first = rows[0][0].name
    return Drawing("\n".join(lines), slots, values, _captions(field, paths, top), field,
                   bands, (first, where[first]), legend)


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


def _with_bands(svg: str, bands: list[tuple[str, list[tuple[float, float]]]],
                anchor: tuple[str, tuple[float, float]]) -> str:
    """Insert the span polygons right after the graph's background, beneath every edge and
    unit.  Graphviz shifts the pinned positions and flips y; ``anchor`` (a unit's name and
    position) gives the map."""
    name, (ax, ay) = anchor
    found = re.search(rf'<g id="n_{name}" class="node">.*?<ellipse[^>]*cx="([-0-9.]+)" '
                      rf'cy="([-0-9.]+)"', svg, re.DOTALL)
    dx, dy = (float(found.group(1)) - ax, float(found.group(2)) + ay) if found else (0, 0)
    polys = "".join(f'<polygon fill="{fill}" stroke="none" points="'
                    + " ".join(f"{x + dx:.1f},{dy - y:.1f}" for x, y in points) + '"/>\n'
                    for fill, points in bands)
    start = svg.index('class="graph"')
    end = svg.index("/>", svg.index("<polygon", start)) + 3  # the background polygon
    return svg[:end] + f'<g id="bands">\n{polys}</g>\n' + svg[end:]


def rf_frames(layers: Sequence[Layer], unit: int | None = None, input_size: int | None = None,
              axis: int = 0, paths: bool = False, title: str = "", aspect: float | None = None,
              frame_ms: int = STEP_MS, max_units: int = MAX_COLUMNS
              ) -> tuple[list[Frame], str, StackField]:
    """Frames (fixed layout, fixed size) growing the receptive field layer by layer.

    Returns ``(frames, dot_source, field)``; frames are :class:`~graphviz_ad.draw.frames.Frame`.
    ``max_units`` caps the drawing's width in grid columns (checked before any work).
    """
    d = build(layers, unit, input_size, axis, paths, max_units)
    result = run_graphviz(d.dot, "svg", "neato", ["-n2"])
    svg = _with_bands(_lit_edges_on_top(result.output.decode("utf-8")), d.bands, d.anchor)
    template = SvgTemplate.from_svg(svg, d.slots, result.warnings)
    durations = [frame_ms] * len(d.values)
    durations[-1] = frame_ms * 2  # linger on the answer
    frames = compose_frames(template, d.values, d.captions, durations,
                            caption_font_size=CAPTION_FONT,
                            title=title or f"Receptive field of output unit {d.field.unit}",
                            legend=d.legend, aspect=aspect)
    return frames, d.dot, d.field
