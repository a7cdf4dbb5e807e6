"""A camera that follows the step: the layout stays fixed, each frame shows a window of it.

For graphs too large to read whole on a slide, every frame pans (at one zoom, so text
keeps its size) to the neighbourhood of the step -- the node being computed and every
node it reads or writes -- and a small overview of the whole graph, without text, marks
where the window is.  The window moves in whole-node steps: among the positions that
hold the step, it takes the one that holds the most whole nodes.  A node is drawn whole
or not at all; an edge to a node left out runs to the window's edge and ends there in a
stub labelled with that node's name.  Edge labels the window would cut are left out.

>>> plan_windows([None, (150, 0, 170, 10), (390, 0, 400, 10)], (400, 100), (100, 100))
[(110.0, 0.0, 100.0, 100.0), (110.0, 0.0, 100.0, 100.0), (300.0, 0.0, 100.0, 100.0)]
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .geometry import path_points, segment_meets_box
from .palette import BACKGROUND, CAMERA_WINDOW, INK, OVERVIEW_FRAME
from .template import FONT_FAMILY, text_width, xml_escape

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 (or x, y, w, h for windows)
OVERVIEW_SHARE = 0.2  # of the graph area's width (a column beside a tall graph)
WIDE_OVERVIEW_SHARE = 0.35  # of the graph area's width (a strip above a wide graph)
OVERVIEW_GAP = 0.02  # of the graph area's width, between the window and the overview
NODE_MARGIN = 6.0  # points kept between a window's edge and a whole node inside it
_TEXT_RE = re.compile(r"<text([^>]*)>(.*?)</text>", re.DOTALL)
_NODE_RE = re.compile(r'<g id="([^"]*)" class="node">.*?</g>\n?', re.DOTALL)
_EDGE_RE = re.compile(r'<g id="([^"]*)" class="edge">(.*?)</g>', re.DOTALL)
_PATH_D_RE = re.compile(r'<path[^>]*\sd="([^"]*)"')
_ATTR_RE = re.compile(r'\s([a-z-]+)="([^"]*)"')
_NUMBER_RE = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:e-?[0-9]+)?")
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Stubs:
    """What a stub needs: each edge's group id → (tail node id, head node id), each node
    id → the name a stub shows, and the size of a stub's text (viewBox units)."""

    edges: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    font_size: float = 17.0


@dataclass(frozen=True)
class Camera:
    """Where a followed drawing sits: the graph area (points) holding the window and,
    to its right, the overview; one window (x, y, w, h, viewBox units) per frame."""

    area: tuple[float, float]
    windows: list[Box]
    offset: tuple[float, float, float]  # the layout's graph0 transform (graph_offset)
    overview: tuple[float, float]  # its width and height in points
    window: tuple[float, float]  # the window's width and height in points
    boxes: Mapping[str, Box] = field(default_factory=dict)  # node id → box (viewBox units)
    stubs: Stubs = field(default_factory=Stubs)
    graph: Sequence[float] = (0.0, 0.0, 0.0, 0.0)  # the laid-out graph's viewBox

    def overview_at(self, x: float, y: float) -> Box:
        """The overview's box when the graph area's top left corner is at (x, y)."""
        return (x + self.area[0] - self.overview[0], y, *self.overview)

    def window_at(self, x: float, y: float) -> tuple[float, float]:
        """The window's top left corner: below a top strip overview, else at (x, y)."""
        below = self.window[1] < self.area[1] - 1e-6
        return (x, y + self.area[1] - self.window[1]) if below else (x, y)

    def view(self, body: str, window: Box) -> str:
        """``body`` (a Graphviz SVG body) as the window shows it: whole nodes only, no cut
        text, a stub on every edge to a node left out."""
        inside = {n for n, b in self.boxes.items() if contains(window, b)}
        body = _NODE_RE.sub(lambda m: m.group(0) if html.unescape(m.group(1)) in inside
                            else "", body)
        ends = self.stubs.edges
        body = _EDGE_RE.sub(lambda m: "" if html.unescape(m.group(1)) in ends and not
                            set(ends[html.unescape(m.group(1))]) & inside else m.group(0),
                            body)  # an edge between two nodes left out: not drawn either
        body = keep_texts_inside(body, window, self.offset)
        return body + stub_svg(body, window, self.offset, inside, self.stubs, self.boxes)


def contains(window: Box, box: Box) -> bool:
    """Whether the window (x, y, w, h) holds the whole box (x0, y0, x1, y1)."""
    x, y, w, h = window
    return x - 0.5 <= box[0] and box[2] <= x + w + 0.5 and y - 0.5 <= box[1] \
        and box[3] <= y + h + 0.5


def follow(svg: str, view_box: Sequence[float], focus: Sequence[Box | None],
           area: tuple[float, float], stubs: Stubs | None = None) -> Camera:
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
    boxes = node_boxes(svg)
    return Camera(area, plan_windows(focus, (gw, gh), window, list(boxes.values())),
                  graph_offset(svg), (ow, oh), window, boxes, stubs or Stubs(),
                  tuple(view_box))


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


def _starts(box: Box, size: float, graph: float, lo: int, hi: int,
            boxes: Sequence[Box]) -> list[float]:
    """Window starts along one axis: centred on the box first, then every start that puts
    a window edge just beside a node while still holding the box, inside the graph."""
    if graph <= size:
        return [(graph - size) / 2]
    least, most = max(0.0, box[hi] + NODE_MARGIN - size), min(graph - size, box[lo] - NODE_MARGIN)
    centre = min(max((box[lo] + box[hi]) / 2 - size / 2, 0.0), graph - size)
    if least > most:  # the box is wider than the window: centre on it
        return [centre]
    edges = [b[lo] - NODE_MARGIN for b in boxes] + [b[hi] + NODE_MARGIN - size for b in boxes]
    return [centre] + sorted({min(max(e, least), most) for e in edges},
                             key=lambda e: abs(e - centre))


def plan_windows(focus: Sequence[Box | None], graph: tuple[float, float],
                 window: tuple[float, float], boxes: Sequence[Box] = ()) -> list[Box]:
    """One window (x, y, w, h) per frame holding its focus box; a frame without a focus
    keeps the previous frame's window (the first ones take the first focus).  Given the
    nodes' ``boxes``, the window takes, of the positions that hold the focus, the one that
    holds the most whole nodes (the nearest to centred on ties).  A focus larger than the
    window widens that frame's window (same shape): that frame zooms out to hold it."""
    first = next((b for b in focus if b is not None), (0.0, 0.0, graph[0], graph[1]))
    out, box = [], first
    cache: dict[Box, Box] = {}
    for f in focus:
        box = f if f is not None else box
        if box not in cache:
            zoom = max(1.0, (box[2] - box[0] + 2 * NODE_MARGIN) / window[0],
                       (box[3] - box[1] + 2 * NODE_MARGIN) / window[1])
            cache[box] = _best_window(box, graph, (window[0] * zoom, window[1] * zoom), boxes)
        out.append(cache[box])
    return out


def _best_window(box: Box, graph: tuple[float, float], window: tuple[float, float],
                 boxes: Sequence[Box]) -> Box:
    xs = _starts(box, window[0], graph[0], 0, 2, boxes)[:24]
    ys = _starts(box, window[1], graph[1], 1, 3, boxes)[:24]
    best, score = (xs[0], ys[0], window[0], window[1]), -1
    for x in xs:
        for y in ys:
            candidate = (x, y, window[0], window[1])
            n = sum(contains(candidate, b) for b in boxes)
            if n > score:
                best, score = candidate, n
    return best


def _text_boxes(body: str, offset: tuple[float, float, float]) -> list[Box]:
    """The box (x0, y0, x1, y1, viewBox units) of every non-empty text in ``body``."""
    s, tx, ty = offset
    out = []
    for m in _TEXT_RE.finditer(body):
        text = html.unescape(m.group(2)).strip()
        if not text:
            continue
        attrs = dict(_ATTR_RE.findall(m.group(1)))
        size = float(attrs.get("font-size", 14))
        x, y = s * (float(attrs.get("x", 0)) + tx), s * (float(attrs.get("y", 0)) + ty)
        width = s * text_width(text, size)
        anchor = attrs.get("text-anchor", "start")
        x0 = x - width / 2 if anchor == "middle" else (x - width if anchor == "end" else x)
        out.append((x0, y - 0.8 * s * size, x0 + width, y + 0.25 * s * size))
    return out


def keep_texts_inside(body: str, window: Box, offset: tuple[float, float, float]) -> str:
    """``body`` (a Graphviz SVG body) without the texts the window would cut."""
    def fits(m: re.Match[str]) -> str:
        box = _text_boxes(m.group(0), offset)
        return m.group(0) if not box or contains(window, box[0]) else ""

    return _TEXT_RE.sub(fits, body)


def _leaves(points: list[tuple[float, float]], window: Box, hidden: Box | None,
            ) -> tuple[float, float] | None:
    """Where a path (its control polygon, starting at a node shown) first leaves what the
    window shows: its edge, or the box of the node left out where that box is in view."""
    x0, y0, w, h = window

    def shown(x: float, y: float) -> bool:
        in_hidden = hidden is not None and hidden[0] <= x <= hidden[2] \
            and hidden[1] <= y <= hidden[3]
        return x0 <= x <= x0 + w and y0 <= y <= y0 + h and not in_hidden

    last = None
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        for i in range(17):
            t = i / 16
            px, py = ax + t * (bx - ax), ay + t * (by - ay)
            if not shown(px, py):
                return last
            last = (px, py)
    return last  # the path ends (at an arrowhead) before the node left out


def stub_svg(body: str, window: Box, offset: tuple[float, float, float],
             inside: set[str], stubs: Stubs, boxes: Mapping[str, Box]) -> str:
    """A dot where every edge from a node shown to one left out stops (the window's edge,
    or the place of the node left out) and a label there naming that node; labels keep
    clear of every text and node shown, of one another and of every edge's line."""
    s, tx, ty = offset
    size = stubs.font_size * s
    placed = _text_boxes(body, offset)
    shapes = [boxes[n] for n in inside if n in boxes]
    lines = _edge_lines(body, offset)
    out = []
    for m in _EDGE_RE.finditer(body):
        ends = stubs.edges.get(html.unescape(m.group(1)))
        path = _PATH_D_RE.search(m.group(2))
        if ends is None or path is None or (ends[0] in inside) == (ends[1] in inside):
            continue
        nums = [float(v) for v in _NUMBER_RE.findall(path.group(1))]
        points = [(s * (x + tx), s * (y + ty)) for x, y in zip(nums[::2], nums[1::2])]
        outside = ends[1] if ends[0] in inside else ends[0]
        hit = _leaves(points if ends[0] in inside else points[::-1], window, boxes.get(outside))
        if hit is None:
            continue
        text = stubs.names.get(outside, outside.removeprefix("n_"))
        tw = text_width(text, size)
        x, base = _free_spot(hit, tw, size, window,  # off nodes and lines if it can be
                             [(placed + shapes, lines), (placed, lines), (placed, [])])
        placed.append((x, base - 0.8 * size, x + tw, base + 0.3 * size))
        out.append(f'<g id="stub_{xml_escape(m.group(1))}" class="edge">'
                   f'<circle cx="{hit[0]:.2f}" cy="{hit[1]:.2f}" r="{0.22 * size:.2f}" '
                   f'fill="{INK}"/><text x="{x:.2f}" y="{base:.2f}" font-family="{FONT_FAMILY}" '
                   f'font-size="{size:.2f}" font-style="italic" fill="{INK}">'
                   f'{xml_escape(text)}</text></g>\n')
    return "".join(out)


Segment = tuple[tuple[float, float], tuple[float, float]]


def _edge_lines(body: str, offset: tuple[float, float, float]) -> list[Segment]:
    """Every edge path of ``body`` as straight pieces (viewBox units)."""
    s, tx, ty = offset
    out = []
    for m in _EDGE_RE.finditer(body):
        for d in _PATH_D_RE.findall(m.group(2)):
            points = [(s * (x + tx), s * (y + ty)) for x, y in path_points(d)]
            out += list(zip(points, points[1:]))
    return out


def _free_spot(at: tuple[float, float], width: float, size: float, window: Box,
               obstacles: Sequence[tuple[Sequence[Box], Sequence[Segment]]],
               ) -> tuple[float, float]:
    """The left end and baseline of a stub text next to the point ``at``, inside the
    window: the nearest place that keeps half an em clear of the boxes and off the lines
    of the first of ``obstacles`` (boxes, lines) that leaves one (else the first place)."""
    x0, y0, w, h = window
    px, py = at
    reach = 13 * 0.6 * size + width  # the farthest a tried place reaches from ``at``
    places = []
    for dx, dy in _OFFSETS:
        cx = min(max(px + 0.4 * size + dx * 0.6 * size, x0 + 0.2 * size),
                 x0 + w - 0.2 * size - width)
        cb = min(max(py + 0.35 * size + dy * 0.6 * size, y0 + 0.9 * size),
                 y0 + h - 0.35 * size)
        places.append((cx, cb))
    for boxes, lines in obstacles:
        near = [(p, q) for p, q in lines if min(p[0], q[0]) < px + reach and max(p[0], q[0])
                > px - reach and min(p[1], q[1]) < py + reach and max(p[1], q[1]) > py - reach]
        for cx, cb in places:
            box = (cx, cb - 0.8 * size, cx + width, cb + 0.3 * size)
            if not any(b[0] - 0.5 * size < box[2] and box[0] < b[2] + 0.5 * size
                       and b[1] - 0.3 * size < box[3] and box[1] < b[3] + 0.3 * size
                       for b in boxes) and not any(segment_meets_box(p, q, box)
                                                   for p, q in near):
                return cx, cb
    return places[0]


_OFFSETS = sorted(((dx, dy) for dx in range(-12, 13) for dy in range(-8, 9)),
                  key=lambda d: d[0] ** 2 + 2 * d[1] ** 2)  # tried nearest first, in 0.6 em


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
