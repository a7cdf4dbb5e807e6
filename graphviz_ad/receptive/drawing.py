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

from ..draw.compose import compose_frames
from ..draw.frames import STEP_MS, Frame
from ..draw.graphviz_run import run_graphviz
from ..draw.palette import (
    BACKGROUND,
    BAND,
    DEPENDENT_UNIT,
    FAINT_EDGE,
    HOLE,
    IDLE_EDGE,
    INK,
    NO_COLOUR,
    OUTPUT_UNIT,
    PAD_FILL,
    PAD_LINE,
    SEEN_INPUT,
    WHITE,
)
from ..draw.template import SlotDot, SvgTemplate, text_width
from .drawing_grid import (
    DIAM,
    DX,
    DY,
    MAX_COLUMNS,
    UNIT_FONT,
    Unit,
    band_polygon,
    check_size,
    frame_states,
    grid,
    lit_cones,
    padding_hits,
    taps,
)
from .drawing_labels import captions, count_colour, count_scale, row_head, row_numbers
from .fields import Layer, Plain, StackField, plain_axis, receptive_field

LABEL_ROW_LIMIT = 40  # hidden rows get index labels when they have at most this many units
LIT_EDGE_LIMIT = 36  # more lit edges than this in a frame: shade the span, keep the top's edges
ROW_FONT, CAPTION_FONT = 1.17 * UNIT_FONT, 1.4 * UNIT_FONT  # floors 28 px vs 24 px
FONT = "DejaVu Sans"


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


@dataclass
class _Plan:
    """What every frame shows: the grid, each frame's unit states and lit-edge count, and
    (with ``paths``) the input row's path counts and their colour scale."""

    field: StackField
    plain: Plain
    rows: list[list[Unit]]
    frames: list[tuple[dict[tuple[int, int], str], int]]
    n_levels: int
    final: dict[int, dict[int, float]]  # the last cone: row -> unit -> path count
    paths: bool
    scale: list

    @property
    def n_frames(self) -> int:
        return len(self.frames)

    def state(self, frame: int, u: Unit) -> str:
        return self.frames[frame][0].get((u.row, u.index), "idle")

    def top_edges(self, frame: int, u: Unit) -> bool:
        """Whether u's tap edges are lit: all of the cone's, or past LIT_EDGE_LIMIT only the
        layer-l unit's own (the band shows the rest)."""
        st = self.state(frame, u)
        if st not in ("top", "lit") or frame == 0:
            return False
        return self.frames[frame][1] <= LIT_EDGE_LIMIT or st == "top"

    def colours(self, frame: int, u: Unit) -> tuple[str, str, str]:
        """u's fill, stroke and label colour in a frame."""
        st = self.state(frame, u)
        if u.pad:
            return PAD_FILL, SEEN_INPUT if st == "lit" else PAD_LINE, INK
        if st == "hole":
            return WHITE, HOLE, HOLE
        if self.paths and frame == self.n_frames - 1 and u.row == 0 and st == "lit":
            fill, ink = count_colour(self.final[0][u.index], self.scale)
            return fill, INK, ink
        lit_fill = SEEN_INPUT if u.row == 0 else DEPENDENT_UNIT
        fill = {"top": OUTPUT_UNIT, "target": OUTPUT_UNIT, "lit": lit_fill, "idle": WHITE}[st]
        return fill, INK, WHITE if fill == SEEN_INPUT else INK


def _plan(layers: Sequence[Layer], unit: int | None, input_size: int | None, axis: int,
          paths: bool, max_units: int) -> _Plan:
    field = receptive_field(layers, unit, input_size, axis)
    plain, _ = plain_axis(layers, axis, input_size, field.unit)
    check_size(field, plain, max_units)
    cones = lit_cones(field, plain)
    pad_hits = padding_hits(cones, plain)
    n_levels = len(cones)
    n_frames = 1 + n_levels + (1 if paths else 0)
    final = cones[-1]
    scale = count_scale(list(final.get(0, {}).values())) if paths else []
    frames = [frame_states(field, plain, cones, pad_hits, min(f, n_levels))
              for f in range(n_frames)]
    return _Plan(field, plain, grid(field, plain), frames, n_levels, final, paths, scale)


class _Dot:
    """The DOT text being written, with its colour and text slots."""

    def __init__(self, plan: _Plan, label_w: float) -> None:
        self.slots = SlotDot(font_size=UNIT_FONT)
        self.colour = _Slots(self.slots)
        self.text_frames: dict[str, list[str]] = {}
        self.lines = [
            "digraph rf {",
            f'graph [splines=false, outputorder=edgesfirst, bgcolor="{BACKGROUND}", pad="0.05"];',
            f'node [shape=circle, fixedsize=true, width={DIAM / 72:.3f}, style="filled", '
            f'fontname="{FONT}", fontsize={UNIT_FONT:g}, penwidth=1.8, id="n_\\N"];',
            'edge [arrowhead=none, penwidth=1.8];']
        self.lit_edges: list[str] = []  # written after every grey edge, so drawn on top
        x0 = min(u.x for row in plan.rows for u in row)
        left = label_w + DIAM / 2 + 0.15 * UNIT_FONT  # the first column's centre
        self.where = {u.name: (left + (u.x - x0) * DX, u.row * DY)
                      for row in plan.rows for u in row}

    def label(self, name: str, key: str, texts: list[str],
              head: Sequence[tuple[str, list[str]] | str] = ()) -> str:
        """A node label whose text changes per frame (slot ``key``)."""
        self.text_frames[key] = texts
        return self.slots.label(name, [*head, (key, texts)])

    def values(self, frame: int) -> dict[str, str]:
        return self.colour.values(frame) | {k: t[frame] for k, t in self.text_frames.items()}


def build(layers: Sequence[Layer], unit: int | None = None, input_size: int | None = None,
          axis: int = 0, paths: bool = False, max_units: int = MAX_COLUMNS) -> Drawing:
    """DOT source, slots, per-frame slot values, captions, span bands and legend for a
    unit-level drawing."""
    plan = _plan(layers, unit, input_size, axis, paths, max_units)
    field, n_frames = plan.field, plan.n_frames
    row_texts = row_numbers(field, n_frames)
    label_w = max(text_width(t, ROW_FONT) for m in range(len(plan.rows))
                  for t in [*row_head(field, m), *row_texts[m]]) + 0.15 * ROW_FONT
    out = _Dot(plan, label_w)
    for row in plan.rows:
        _unit_row(plan, out, row)
    out.lines += out.lit_edges
    for m, texts in enumerate(row_texts):
        label = out.label(f"n_row{m}", f"r_{m}", texts, row_head(field, m))
        out.lines.append(f'row{m} [shape=plaintext, style="", fontsize={ROW_FONT:g}, '
                         f'width={label_w / 72:.3f}, height={4.2 * ROW_FONT / 72:.3f}, '
                         f'pos="{label_w / 2:.1f},{m * DY:.1f}!", label={label}];')
    out.lines.append("}")
    bands = []
    for level in range(1, plan.n_levels + 1):  # one polygon per layer, shown in its frames
        shown = [BAND if min(f, plan.n_levels) == level else NO_COLOUR for f in range(n_frames)]
        bands.append((out.colour(shown), band_polygon(plan.frames[level][0], out.where)))
    values = [out.values(f) for f in range(n_frames)]
    top = max(plan.final.get(0, {}).values(), default=1.0)
    first = plan.rows[0][0].name
    return Drawing("\n".join(out.lines), out.slots, values, captions(field, paths, top), field,
                   bands, (first, out.where[first]), _legend(plan))


def _unit_row(plan: _Plan, out: _Dot, row: list[Unit]) -> None:
    """One row's units (labels fitted to the row's widest), and their tap edges."""
    n_frames, final, colour = plan.n_frames, plan.final, out.colour
    labels = {u.name: [str(u.index)] * (n_frames - 1) + [
        f"{final[0].get(u.index, 0):.0f}" if plan.paths and u.row == 0 else str(u.index)]
        for u in row}
    widest = max((text_width(t, UNIT_FONT) for texts in labels.values() for t in texts),
                 default=1.0)
    font = min(UNIT_FONT, UNIT_FONT * (DIAM - 0.2 * UNIT_FONT) / widest)
    for u in row:
        x, y = out.where[u.name]
        fills, strokes, fonts = zip(*(plan.colours(f, u) for f in range(n_frames)))
        label = '""'
        if not u.pad and (u.row == 0 or len(row) <= LABEL_ROW_LIMIT):
            label = out.label(f"n_{u.name}", f"t_{u.name}", labels[u.name])
        style = '"dashed,filled"' if u.pad else '"filled"'
        out.lines.append(f'{u.name} [pos="{x:.1f},{y:.1f}!", label={label}, style={style}, '
                         f'fontsize={font:.2f}, fillcolor="{colour(fills)}", '
                         f'color="{colour(strokes)}", fontcolor="{colour(fonts)}"];')
        if u.row > 0 and not u.pad:
            _tap_edges(plan, out, u)


def _tap_edges(plan: _Plan, out: _Dot, u: Unit) -> None:
    """u's kernel taps: a grey edge each, and a lit copy shown in the frames that light it."""
    n_frames, colour = plan.n_frames, out.colour
    lit = [SEEN_INPUT if plan.top_edges(f, u) else NO_COLOUR for f in range(n_frames)]
    idle = [FAINT_EDGE if plan.frames[f][1] > LIT_EDGE_LIMIT else IDLE_EDGE
            for f in range(n_frames)]  # the band frames: the mesh steps back
    x, y = out.where[u.name]
    for t in taps(plan.plain, u):
        child = Unit(u.row - 1, t, 0.0, False).name
        # a straight segment given explicitly (neato -n2 keeps it), so the lit
        # copy lies exactly on the grey edge instead of bending away from it
        (x2, y2) = out.where[child]
        line = f'pos="{x:.1f},{y:.1f} {x:.1f},{y:.1f} {x2:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"'
        out.lines.append(f'{u.name} -> {child} [id="e_{u.name}_{child}", {line}, '
                         f'color="{colour(idle)}"];')
        out.lit_edges.append(f'{u.name} -> {child} [id="h_{u.name}_{child}", {line}, '
                             f'color="{colour(lit)}"];')


def _legend(plan: _Plan) -> list[tuple[str, str]]:
    holes = any("hole" in states.values() for states, _ in plan.frames)
    legend = [(OUTPUT_UNIT, "output unit / unit on its path"),
              (DEPENDENT_UNIT, "units it depends on"),
              (SEEN_INPUT, "input units it sees"), (BAND, "receptive-field span"),
              (PAD_FILL, "zero padding (dashed)")]
    legend += [(f"ring:{HOLE}", "hole: in the span, not connected")] if holes else []
    if plan.scale:
        legend.append(("", "paths to the output unit (last frame):"))
        legend += [(fill, label) for label, fill, _ in plan.scale]
    return legend


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
