"""Compose frames: a filled template plus title, legend and caption band, all frames alike.

Every frame of one animation gets the same canvas (so nothing jumps): the band below
the graph is tall enough for the longest wrapped caption.  ``wrap_text`` is also the
one line-breaking rule for plot titles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..core.errors import GraphvizAdError
from .camera import Camera, overview_svg
from .frames import Frame
from .palette import BACKGROUND, INK, SWATCH_BORDER, WHITE
from .template import FONT_FAMILY, PX_PER_PT, SvgTemplate, svg_body, text_width, xml_escape

MAX_TITLE = 300  # characters: a title is one line above the drawing
BAND_BISECTIONS = 16  # steps narrowing a slide canvas to its aspect (to 1/65536 of the range)


def check_title(title: str | None) -> None:
    """Refuse a title over MAX_TITLE characters (call before any drawing work)."""
    if title and len(title) > MAX_TITLE:
        raise GraphvizAdError(f"the title has {len(title):,} characters, over the limit of "
                              f"{MAX_TITLE}; shorten --title or the graph file's title")


def wrap_text(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Wrap ``text`` to ``width`` points (DejaVu Sans); keeps ``\\n`` breaks.

    Greedy by words, but an overflowing line breaks at its last *preferred* point
    outside parentheses that keeps a third of a line: after a clause (a word ending in
    ``,`` ``:`` ``;``), else, in an equation, before an ``=`` sign, so a chain rule wraps as
    ``∂y/∂f3 = … + …`` / ``= 78.47`` rather than splitting a term; otherwise at the
    last space outside parentheses, and only then inside them.

    >>> wrap_text("a b c", width=1000, size=14)
    ['a b c']
    >>> wrap_text("dy/dx = 1.5·2 + 3 = 6", width=140, size=14)
    ['dy/dx = 1.5·2 + 3', '= 6']
    >>> wrap_text("seed ∂y/∂y = 1 and sweep back to the inputs", width=200, size=14)
    ['seed ∂y/∂y = 1 and sweep', 'back to the inputs']
    """
    fits = lambda words: text_width(" ".join(words), size, bold) <= width  # noqa: E731

    def a_third_full(words: list[str]) -> Callable[[int], bool]:
        """Whether the first i words fill a third of the width: a line worth breaking after."""
        return lambda i: 3 * text_width(" ".join(words[:i]), size, bold) >= width

    lines: list[str] = []
    for para in text.split("\n"):
        line: list[str] = []
        for word in para.split():
            line.append(word)
            if fits(line) or len(line) == 1:
                continue
            cut = _cut(line, a_third_full(line), equation=para.count(" = ") >= 2)
            lines.append(" ".join(line[:cut]))
            line = line[cut:]
        lines.append(" ".join(line))
    return lines


def _cut(words: list[str], long_enough: Callable[[int], bool], equation: bool) -> int:
    """Where to break an overflowing line (its last word did not fit): the last
    ``long_enough`` break outside parentheses after a clause (, : ;), else (in an
    equation: two or more ``=``) before an ``=``, else any, else before the last word."""
    depth, depths = 0, []
    for w in words:
        depths.append(depth)
        depth += w.count("(") + w.count("[") - w.count(")") - w.count("]")
    lo, hi = 1, len(words)  # long_enough grows with i: bisect for the first break it allows
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if long_enough(mid) else (mid + 1, hi)
    outside = [i for i in range(len(words) - 1, lo - 1, -1) if depths[i] <= 0]
    clause = [i for i in outside if words[i - 1].endswith((",", ":", ";"))]
    equals = [i for i in outside if words[i] == "="] if equation else []
    return (clause or equals or outside or [len(words) - 1])[0]


@dataclass(frozen=True)
class Scene:
    """A drawing of its own shown in a frame's graph area instead of the animation's
    layout (e.g. one program line of a graph too big to show whole): a Graphviz SVG body,
    its viewBox, and the size (points) it takes, centred in the graph area."""

    body: str
    view_box: tuple[float, float, float, float]
    size: tuple[float, float]

    def svg(self, area_xy: tuple[float, float], area: tuple[float, float]) -> str:
        (x, y), (w, h) = area_xy, self.size
        x, y = x + (area[0] - w) / 2, y + (area[1] - h) / 2
        return (f'<svg id="scene" x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" '
                f'viewBox="{" ".join(f"{v:g}" for v in self.view_box)}">{self.body}</svg>\n')


@dataclass(frozen=True)
class _Band:
    """Geometry shared by every frame of one animation (fixed so frames never jump)."""

    width: float
    height: float
    size: float
    graph_xy: tuple[float, float]
    caption_top: float
    head: str  # title + legend markup, identical in every frame


def compose_frames(template: SvgTemplate, frame_values: Sequence[Mapping[str, str]],
                   captions: Sequence[str], durations: int | Sequence[int] = 1500, *,
                   caption_font_size: float | None = None, title: str | None = None,
                   legend: Sequence[tuple[str, str]] = (), aspect: float | None = None,
                   camera: Camera | None = None,
                   scenes: Sequence[Scene | None] = ()) -> list:  # list[Frame]
    """Fill ``template`` once per frame and wrap each graph in a fixed-size canvas.

    Below the graph sits a caption band tall enough for the longest wrapped caption
    (and an optional legend row of ``(colour, text)`` swatches); a title goes on
    top.  Every frame has identical width, height and viewBox.  With a ``camera`` each
    frame shows its window of the graph, beside an overview; a frame with a
    :class:`Scene` (``scenes``, one or None per frame) shows that instead.  ``aspect`` (e.g.
    ``16/9``) widens or heightens the canvas to that ratio so captions use the whole
    slide width.  The caption size defaults to 1/45 of the content width, at least
    14 pt: big enough for the back row once the frame is scaled to a slide.

    >>> frames = compose_frames(tpl, [{}, {"a.fill": "red"}],
    ...                         ["start", "a turns red"])      # doctest: +SKIP
    """
    check_title(title)
    if len(captions) != len(frame_values):
        raise ValueError(f"{len(frame_values)} frames but {len(captions)} captions")
    durs = [durations] * len(frame_values) if isinstance(durations, int) else list(durations)
    if len(durs) != len(frame_values):
        raise ValueError(f"{len(frame_values)} frames but {len(durs)} durations")
    graph = camera.area if camera else (template.width, template.height)
    band = _plan_band(graph, captions, caption_font_size, title, legend, aspect)
    gx, gy = band.graph_xy
    prefix = (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
              f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
              f' width="{band.width * PX_PER_PT:.2f}" height="{band.height * PX_PER_PT:.2f}"'
              f' viewBox="0 0 {band.width:.2f} {band.height:.2f}">\n'
              f'<rect x="0" y="0" width="{band.width:.2f}" height="{band.height:.2f}"'
              f' fill="{BACKGROUND}"/>\n{band.head}')
    windows = camera.windows if camera else [template.view_box] * len(frame_values)
    width, height = camera.window if camera else (template.width, template.height)
    wx, wy = camera.window_at(gx, gy) if camera else (gx, gy)
    frames = []
    scenes = list(scenes) or [None] * len(frame_values)
    if len(scenes) != len(frame_values):
        raise ValueError(f"{len(frame_values)} frames but {len(scenes)} scenes")
    for values, caption, dur, window, scene in zip(frame_values, captions, durs, windows,
                                                   scenes):
        if scene is not None:
            svg = f"{prefix}{scene.svg((gx, gy), graph)}{_caption_svg(caption, band)}</svg>\n"
            frames.append(Frame(svg=svg, caption=caption, duration_ms=int(dur)))
            continue
        body = svg_body(template.fill(values))
        view = (f'<svg x="{wx:.2f}" y="{wy:.2f}" width="{width:g}" height="{height:g}" '
                f'viewBox="{" ".join(f"{v:g}" for v in window)}">')
        if camera:
            view += camera.view(body, window) + "</svg>\n"
            view += overview_svg(body, template.view_box, window, camera.overview_at(gx, gy))
        else:
            view += body + "</svg>\n"
        svg = f"{prefix}{view}{_caption_svg(caption, band)}</svg>\n"
        frames.append(Frame(svg=svg, caption=caption, duration_ms=int(dur)))
    return frames


def canvas_size(graph: tuple[float, float], captions: Sequence[str], *,
                caption_font_size: float | None = None, title: str | None = None,
                legend: Sequence[tuple[str, str]] = (), aspect: float | None = None,
                ) -> tuple[float, float]:
    """The canvas (points) that :func:`compose_frames` builds around a graph of size
    ``graph``: to compare layouts by how large they will show on a slide."""
    band = _plan_band(graph, captions, caption_font_size, title, legend, aspect)
    return band.width, band.height


def _plan_band(graph: tuple[float, float], captions: Sequence[str], size: float | None,
               title: str | None, legend: Sequence[tuple[str, str]],
               aspect: float | None) -> _Band:
    gw, gh = graph
    base = max(gw, gh * aspect) if aspect else gw
    fs = size or max(14.0, base / 45)
    margin = 0.6 * fs

    def bands(width: float) -> tuple[list[str], list, float, float, float]:
        """Title lines, legend rows, title height, legend height and caption lines'
        height when the canvas is ``width`` wide (narrower: more wrapped lines)."""
        inner = width - 2 * margin
        n_lines = max((len(wrap_text(c, inner, fs)) for c in captions), default=1)
        title_lines = wrap_text(title, inner, 1.25 * fs, bold=True) if title else []
        title_h = (0.35 + 1.25 * len(title_lines)) * 1.25 * fs if title else 0.0
        legend_rows = _legend_rows(legend, inner, fs)
        return title_lines, legend_rows, title_h, len(legend_rows) * 1.5 * fs, \
            n_lines * 1.3 * fs

    def height_at(width: float) -> float:
        _, _, title_h, legend_h, caption_h = bands(width)
        return title_h + gh + legend_h + caption_h + 2 * margin

    width = max(gw, 28 * fs) + 2 * margin
    if aspect and width < aspect * height_at(width):
        # wider re-wraps the bands into fewer lines, so the canvas of the aspect is the
        # narrowest width w with w ≥ aspect × height(w): a bisection (height falls with w)
        low, high = width, aspect * height_at(width)
        for _ in range(BAND_BISECTIONS):
            middle = (low + high) / 2
            low, high = (low, middle) if middle >= aspect * height_at(middle) else (middle, high)
        width = high
    title_lines, legend_rows, title_h, legend_h, caption_h = bands(width)
    height = title_h + gh + legend_h + caption_h + 2 * margin
    if aspect:
        height = max(height, width / aspect)
    graph_top = title_h + margin / 2
    spare = height - (title_h + gh + legend_h + caption_h + 2 * margin)
    graph_top += spare / 2
    legend_top = graph_top + gh + spare / 2 + margin / 2
    head = _title_svg(title_lines, width, fs) + _legend_svg(legend_rows, width, legend_top, fs)
    return _Band(width, height, fs, ((width - gw) / 2, graph_top),
                 legend_top + legend_h + margin / 2, head)


def _title_svg(lines: Sequence[str], width: float, fs: float) -> str:
    """The title, wrapped to the canvas width (bold, 1.25 × the caption size)."""
    tfs = 1.25 * fs
    return "".join(f'<text x="{width / 2:.2f}" y="{(1.15 + 1.25 * i) * tfs:.2f}" '
                   f'text-anchor="middle" font-family="{FONT_FAMILY}" font-size="{tfs:.2f}" '
                   f'font-weight="bold" fill="{INK}">{xml_escape(line)}</text>\n'
                   for i, line in enumerate(lines))


def _legend_rows(legend: Sequence[tuple[str, str]], inner: float,
                 fs: float) -> list[list[tuple[str, str, float]]]:
    lfs = 0.85 * fs
    rows: list[list[tuple[str, str, float]]] = []
    used = inner + 1
    for colour, text in legend:
        w = (1.3 * lfs if colour else 0.0) + text_width(text, lfs) + 1.2 * lfs  # "": no swatch
        if used + w > inner:
            heading = rows[-1].pop() if rows and rows[-1] and not rows[-1][-1][0] else None
            rows.append([heading] if heading else [])  # a heading goes with what it heads
            used = heading[2] if heading else 0.0
        rows[-1].append((colour, text, w))
        used += w
    return rows


def _legend_svg(rows: list[list[tuple[str, str, float]]], width: float, top: float,
                fs: float) -> str:
    lfs, sw = 0.85 * fs, 0.9 * 0.85 * fs
    out = []
    for r, row in enumerate(rows):
        x = (width - sum(w for *_, w in row) + 1.2 * lfs) / 2
        y = top + r * 1.5 * fs
        for colour, text, w in row:
            if colour:  # "ring:#hex" draws a white swatch with a thick ring of that colour
                ring = colour.startswith("ring:")
                fill, stroke = (WHITE, colour[5:]) if ring else (colour, SWATCH_BORDER)
                thick = ' stroke-width="3"' if ring else ""
                out.append(f'<rect x="{x:.2f}" y="{y + 0.25 * fs:.2f}" width="{sw:.2f}" '
                           f'height="{sw:.2f}" fill="{xml_escape(fill)}" '
                           f'stroke="{xml_escape(stroke)}"{thick}/>')
            out.append(f'<text x="{x + (sw + 0.4 * lfs if colour else 0):.2f}" '
                       f'y="{y + 0.25 * fs + sw * 0.85:.2f}" '
                       f'font-family="{FONT_FAMILY}" font-size="{lfs:.2f}" '
                       f'fill="{INK}">{xml_escape(text)}</text>\n')
            x += w
    return "".join(out)


def _caption_svg(caption: str, band: _Band) -> str:
    fs = band.size
    inner = band.width - 2 * 0.6 * fs
    lines = wrap_text(caption, inner, fs)
    out = [(f'<g class="caption" font-family="{FONT_FAMILY}" font-size="{fs:.2f}" '
            f'text-anchor="middle" fill="{INK}">')]
    for i, line in enumerate(lines):
        y = band.caption_top + (i + 1) * 1.3 * fs - 0.3 * fs
        out.append(f'<text x="{band.width / 2:.2f}" y="{y:.2f}">{xml_escape(line)}</text>')
    out.append("</g>\n")
    return "\n".join(out)
