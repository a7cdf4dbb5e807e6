"""A camera that follows the step: the layout stays fixed, each frame shows a window of it.

For graphs too large to read whole on a slide, every frame pans (at one zoom, so text
keeps its size) to the neighbourhood of the step -- the node being computed and the
edges it uses -- and a small overview of the whole graph, without text, marks where the
window is.  Texts the window would cut are left out of the frame.

>>> plan_windows([None, (150, 0, 170, 10), (390, 0, 400, 10)], (400, 100), (100, 100))
[(110.0, 0.0, 100, 100), (110.0, 0.0, 100, 100), (300, 0.0, 100, 100)]
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from .palette import BACKGROUND, CAMERA_WINDOW, OVERVIEW_FRAME
from .template import text_width, xml_escape

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (or x, y, w, h for windows)
OVERVIEW_SHARE = 0.2  # of the graph area's width (a column beside a tall graph)
WIDE_OVERVIEW_SHARE = 0.35  # of the graph area's width (a strip above a wide graph)
OVERVIEW_GAP = 0.02  # of the graph area's width, between the window and the overview
_TEXT_RE = re.compile(r"<text([^>]*)>(.*?)</text>", re.DOTALL)
_ATTR_RE = re.compile(r'\s([a-z-]+)="([^"]*)"')
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:e-?[0-9]+)?")
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Camera:
    """Where a followed drawing sits: the graph area (points) holding the window and,
    to its right, the overview; one window (x, y, w, h, viewBox units) per frame."""

    area: tuple[float, float]
    windows: list[Box]
    offset: tuple[float, float, float]  # the layout's graph0 transform (graph_offset)
    overview: tuple[float, float]  # its width and height in points
    window: tuple[float, float]  # the window's width and height in points

    def overview_at(self, x: float, y: float) -> Box:
        """The overview's box when the graph area's top left corner is at (x, y)."""
        return (x + self.area[0] - self.overview[0], y, *self.overview)

    def window_at(self, x: float, y: float) -> tuple[float, float]:
        """The window's top left corner: below a top strip overview, else at (x, y)."""
        below = self.window[1] < self.area[1] - 1e-6
        return (x, y + self.area[1] - self.window[1]) if below else (x, y)


def follow(svg: str, view_box: Sequence[float], focus: Sequence[Box | None],
           area: tuple[float, float]) -> Camera:
    """A camera for a laid-out graph (its SVG and viewBox) shown at scale 1 in ``area``.
    The overview goes where the graph leaves room: a strip across the top right for a
    graph wider than the area's shape, a column on the right otherwise."""
    aw, ah = area
    gw, gh = view_box[2], view_box[3]
    gap = OVERVIEW_GAP * aw
    if gw / gh > aw / ah:  # wide: the window takes the full width below the overview
        ow = WIDE_OVERVIEW_SHARE * aw
        oh = min(ow * gh / gw, ah / 4)
        window = (aw, ah - oh - gap)
    else:
        ow = OVERVIEW_SHARE * aw
        oh = min(ah, ow * gh / gw)
        window = (aw - oh * gw / gh - gap, ah)
    ow = oh * gw / gh
    return Camera(area, plan_windows(focus, (gw, gh), window), graph_offset(svg), (ow, oh),
                  window)


def graph_offset(svg: str) -> tuple[float, float, float]:
    """Graphviz's ``graph0`` transform: (scale, translate x, translate y)."""
    m = re.search(r'id="graph0" class="graph" transform="scale\(([-0-9.]+)[^)]*\) '
                  r'rotate\([^)]*\) translate\(([-0-9.]+) ([-0-9.]+)\)"', svg)
    return (float(m.group(1)), float(m.group(2)), float(m.group(3))) if m else (1.0, 0.0, 0.0)


def node_boxes(svg: str) -> dict[str, Box]:
    """Every node group's bounding box (x0, y0, x1, y1) in viewBox coordinates."""
    s, tx, ty = graph_offset(svg)
    boxes: dict[str, Box] = {}
    for g in ET.fromstring(svg.encode()).iter(f"{SVG_NS}g"):
        if g.get("class") != "node":
            continue
        xs, ys = [], []
        for el in g:
            tag = el.tag.replace(SVG_NS, "")
            if tag == "ellipse":
                cx, cy = float(el.attrib["cx"]), float(el.attrib["cy"])
                rx, ry = float(el.attrib["rx"]), float(el.attrib["ry"])
                xs += [cx - rx, cx + rx]
                ys += [cy - ry, cy + ry]
            elif tag in ("polygon", "path"):
                nums = [float(v) for v in _NUMBER_RE.findall(el.get("points") or el.get("d") or "")]
                xs += nums[::2]
                ys += nums[1::2]
        if xs:
            boxes[html.unescape(g.get("id") or "")] = (
                s * (min(xs) + tx), s * (min(ys) + ty), s * (max(xs) + tx), s * (max(ys) + ty))
    return boxes


def union(boxes: Sequence[Box]) -> Box | None:
    """The smallest box holding every box (None for none)."""
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _centre_on(box: Box, size: float, graph: float, lo: int, hi: int) -> float:
    """Window start along one axis: centred on the box, kept inside the graph."""
    if graph <= size:
        return (graph - size) / 2
    start = (box[lo] + box[hi]) / 2 - size / 2
    return min(max(start, 0.0), graph - size)


def plan_windows(focus: Sequence[Box | None], graph: tuple[float, float],
                 window: tuple[float, float]) -> list[Box]:
    """One window (x, y, w, h) per frame, centred on its focus box; a frame without a
    focus keeps the previous frame's window (the first ones take the first focus)."""
    first = next((b for b in focus if b is not None), (0.0, 0.0, graph[0], graph[1]))
    out, box = [], first
    for f in focus:
        box = f if f is not None else box
        out.append((_centre_on(box, window[0], graph[0], 0, 2),
                    _centre_on(box, window[1], graph[1], 1, 3), window[0], window[1]))
    return out


def keep_texts_inside(body: str, window: Box, offset: tuple[float, float, float]) -> str:
    """``body`` (a Graphviz SVG body) without the texts the window would cut."""
    s, tx, ty = offset
    wx, wy, ww, wh = window

    def inside(m: re.Match[str]) -> str:
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        size = float(attrs.get("font-size", 14))
        x, y = s * (float(attrs.get("x", 0)) + tx), s * (float(attrs.get("y", 0)) + ty)
        width = s * text_width(html.unescape(m.group(2)), size)
        anchor = attrs.get("text-anchor", "start")
        x0 = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
        fits = wx <= x0 and x0 + width <= wx + ww and wy <= y - 0.8 * s * size \
            and y + 0.25 * s * size <= wy + wh
        return m.group(0) if fits else ""

    return _TEXT_RE.sub(inside, body)


def overview_svg(body: str, view_box: Sequence[float], window: Box,
                 area: Box) -> str:
    """The whole graph without text, fitted into ``area`` (x, y, w, h on the canvas),
    framed, with the camera's window outlined."""
    x, y, w, h = area
    vb = " ".join(f"{v:g}" for v in view_box)
    x0, y0 = max(window[0], view_box[0]), max(window[1], view_box[1])  # inside the graph
    x1 = min(window[0] + window[2], view_box[0] + view_box[2])
    y1 = min(window[1] + window[3], view_box[1] + view_box[3])
    wx, wy, ww, wh = x0, y0, x1 - x0, y1 - y0
    shapes = re.sub(r'\s(?:id|class)="[^"]*"', "", _TEXT_RE.sub("", body))
    return (f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{BACKGROUND}" '
            f'stroke="{OVERVIEW_FRAME}" stroke-width="1"/>\n'
            f'<svg x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" viewBox="{vb}">'
            f'{shapes}<rect x="{wx:.2f}" y="{wy:.2f}" width="{ww:.2f}" height="{wh:.2f}" '
            f'fill="{xml_escape(CAMERA_WINDOW)}" fill-opacity="0.08" '
            f'stroke="{xml_escape(CAMERA_WINDOW)}" stroke-width="3" '
            f'vector-effect="non-scaling-stroke"/></svg>\n')
