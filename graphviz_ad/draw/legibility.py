"""How readable an SVG frame is once shown at a given pixel width (a slide: 1920 wide).

Every ``<text>`` is followed through nested ``<svg>`` viewports and transforms to its font
size in output pixels; its box is estimated with the DejaVu Sans metrics.  The result gives
the smallest text per kind (``node`` inside a Graphviz node group, ``edge`` for edge labels,
``other`` for titles, captions, legends and axis text), texts that leave the canvas, pairs of
texts from different groups closer than a word space, and how much of the canvas the graph
spans.  The arithmetic is the one ``shared/tools/slide_metrics.py`` uses, so the project's
own tests and renders agree with the lecturer's measuring tool; it also reads what matplotlib
writes (``text-anchor`` in a ``style``, ``rotate``), and a text's group is its nearest
``<g id>`` (matplotlib gives every text one), so plot labels can collide too.

>>> m = measure('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 960 540">'
...             '<text x="10" y="40" font-size="20">Hi</text></svg>')
>>> m.min_px["other"], m.clipped, below_floor(m)
(40.0, [], [])
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

from .fonts import FAMILY, font_file
from .fonts import missing_glyphs as glyphs_missing
from .geometry import boxes_meet, path_points, segment_meets_box, share_inside, union

SVG_NS = "{http://www.w3.org/2000/svg}"
SLIDE_WIDTH = 1920
# The floor a slide must meet to be read from the back of a lecture hall (output pixels at
# 1920 wide): node text, edge labels, everything else (titles, captions, legends, axes).
FLOOR_PX = {"node": 28.0, "edge": 24.0, "other": 28.0}

Affine = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]
_IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class TextBox:
    text: str
    px: float  # font size in output pixels
    kind: str  # node | edge | cluster | other
    group: str | None  # the Graphviz node/edge group it belongs to
    box: Box  # in canvas units
    clip: Box | None = None  # the nested viewport holding it (canvas units)


@dataclass
class Metrics:
    """What a viewer sees of one frame."""

    canvas_px: tuple[int, int]
    min_px: dict[str, float] = field(default_factory=dict)
    clipped: list[str] = field(default_factory=list)
    collisions: list[tuple[str, str]] = field(default_factory=list)
    fill: tuple[float, float] | None = None  # share of canvas width/height the graph spans
    texts: list[TextBox] = field(default_factory=list)
    #: graph nodes only partly inside the viewport that holds them, "id (share in view)"
    cut: list[str] = field(default_factory=list)
    #: graph nodes wholly outside the viewport that holds them (ids)
    hidden: list[str] = field(default_factory=list)
    nodes: int = 0  # graph node groups with a shape
    #: every edge path as a polyline (canvas units), with its edge group's id
    edge_paths: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)


@lru_cache(maxsize=64)
def _font(size: int, bold: bool) -> FreeTypeFont | None:
    from PIL import ImageFont  # deferred: Pillow, only on the first measurement

    try:
        return ImageFont.truetype(font_file(bold), size)
    except OSError:  # the font is not installed: widths are estimated
        return None


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Advance width of ``text`` in DejaVu Sans at ``size`` (0.6 em a glyph without it)."""
    key = max(1, round(size))
    font = _font(key, bold)
    return font.getlength(text) * size / key if font else 0.6 * size * len(text)


@overload
def _number(value: str | None, default: float = 0.0) -> float: ...


@overload
def _number(value: str | None, default: None) -> float | None: ...


def _number(value: str | None, default: float | None = 0.0) -> float | None:
    """The leading number of an SVG attribute (``"12pt"`` -> 12.0), else ``default``."""
    if value is None:
        return default
    m = re.match(r"\s*(-?[0-9.eE+-]+)", str(value))
    try:
        return float(m.group(1)) if m else default
    except ValueError:
        return default


def _mul(m: Affine, n: Affine) -> Affine:
    a, b, c, d, e, f = m
    aa, bb, cc, dd, ee, ff = n
    return (a * aa + c * bb, b * aa + d * bb, a * cc + c * dd, b * cc + d * dd,
            a * ee + c * ff + e, b * ee + d * ff + f)


def _apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def parse_transform(text: str | None) -> Affine:
    """The affine map of an SVG transform list (scale, translate, rotate, matrix)."""
    m = _IDENTITY
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", text or ""):
        v = [float(x) for x in re.split(r"[\s,]+", args.strip()) if x]
        if name == "scale" and v:
            n: Affine = (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
        elif name == "translate" and v:
            n = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "rotate" and v:
            a = math.radians(v[0])
            cx, cy = (v[1], v[2]) if len(v) == 3 else (0.0, 0.0)
            cos, sin = math.cos(a), math.sin(a)
            n = (cos, sin, -sin, cos, cx - cos * cx + sin * cy, cy - sin * cx - cos * cy)
        elif name == "matrix" and len(v) == 6:
            n = (v[0], v[1], v[2], v[3], v[4], v[5])
        else:
            continue
        m = _mul(m, n)
    return m


def _viewbox(el: ET.Element) -> tuple[float, float, float, float] | None:
    vb = el.get("viewBox")
    if not vb:
        return None
    x, y, w, h = (float(t) for t in re.split(r"[\s,]+", vb.strip()))
    return x, y, w, h


def _viewport(el: ET.Element, outer: bool = False) -> Affine:
    vb = _viewbox(el)
    x, y = (0.0, 0.0) if outer else (_number(el.get("x")), _number(el.get("y")))
    if vb is None:
        return (1.0, 0.0, 0.0, 1.0, x, y)
    vx, vy, vw, vh = vb
    if outer:
        return (1.0, 0.0, 0.0, 1.0, -vx, -vy)
    w = _number(el.get("width"), None) or vw
    h = _number(el.get("height"), None) or vh
    s = min(w / vw, h / vh)
    return (s, 0.0, 0.0, s, x + (w - vw * s) / 2 - vx * s, y + (h - vh * s) / 2 - vy * s)


def measure(svg: str, width: float = SLIDE_WIDTH) -> Metrics:
    """Measure an SVG document shown ``width`` pixels wide."""
    root = ET.fromstring(svg)
    vb = _viewbox(root)
    cw, ch = (vb[2], vb[3]) if vb else (_number(root.get("width")), _number(root.get("height")))
    k = width / cw
    walk = _Walk(root, k)
    walk.visit(root, _viewport(root, outer=True), None, "other", (16.0, False, "start"),
               (0.0, 0.0, cw, ch))
    texts = walk.texts
    out = Metrics(canvas_px=(round(width), round(ch * k)), texts=texts,
                  edge_paths=walk.edge_paths)
    for t in texts:
        out.min_px[t.kind] = round(min(out.min_px.get(t.kind, 1e9), t.px), 1)
    eps = 0.5
    out.clipped = [t.text for t in texts if t.box[0] < -eps or t.box[1] < -eps
                   or t.box[2] > cw + eps or t.box[3] > ch + eps
                   or (t.clip is not None and 0 < share_inside(t.box, t.clip) < 0.999)]
    for node_id, clip, boxes in walk.shapes.values():
        if not boxes:
            continue
        out.nodes += 1
        share = share_inside(union(boxes), clip, eps)
        if 0 < share < 0.999:
            out.cut.append(f"{node_id} ({share:.0%} in view)")
        elif share == 0:
            out.hidden.append(node_id)
    out.collisions = _collisions(texts, k)
    graph = [t.box for t in texts if t.group is not None]
    if graph:
        out.fill = (round((max(b[2] for b in graph) - min(b[0] for b in graph)) / cw, 2),
                    round((max(b[3] for b in graph) - min(b[1] for b in graph)) / ch, 2))
    return out


Style = tuple[float, bool, str]  # font size, bold, text-anchor (inherited down the tree)


def _style(el: ET.Element, style: Style) -> Style:
    """An element's font size, weight and anchor: its attributes or CSS, else inherited."""
    size, bold, anchor = style
    css = el.get("style") or ""
    found = re.search(r"text-anchor:\s*(\w+)", css)
    anchor = el.get("text-anchor") or (found.group(1) if found else anchor)
    size = _number(el.get("font-size"), size) if el.get("font-size") else size
    found = re.search(r"font-size:\s*([0-9.]+)", css)
    if found:
        size = float(found.group(1))
    return size, bold or "bold" in (el.get("font-weight") or "") + css, anchor


@dataclass
class _Walk:
    """One walk down an SVG tree (canvas shown ``k`` pixels per unit): every text's box,
    every graph node's shape boxes (node group → id, viewport, boxes) and edge path."""

    root: ET.Element
    k: float
    texts: list[TextBox] = field(default_factory=list)
    shapes: dict[int, tuple[str, Box, list[Box]]] = field(default_factory=dict)
    edge_paths: list[tuple[str, list[tuple[float, float]]]] = field(default_factory=list)

    def visit(self, el: ET.Element, m: Affine, group: str | None, kind: str, style: Style,
              clip: Box) -> None:
        tag = el.tag.replace(SVG_NS, "")
        style = _style(el, style)
        if tag == "svg" and el is not self.root:
            clip = _clip(el, m, clip)
            m = _mul(m, _viewport(el))
        if el.get("transform"):
            m = _mul(m, parse_transform(el.get("transform")))
        cls = el.get("class") or ""
        if tag == "g" and cls in ("node", "edge", "cluster"):
            group, kind = el.get("id") or str(id(el)), cls
            if cls == "node":
                self.shapes[id(el)] = (el.get("id") or "", clip, [])
        elif tag == "g" and el.get("id") and kind == "other":
            group = el.get("id")
        if kind == "node" and tag in _SHAPES:
            points = [_apply(m, x, y) for x, y in _shape_points(el, tag)]
            owner = next(reversed(self.shapes)) if self.shapes else None
            if points and owner is not None:
                self.shapes[owner][2].append(
                    (min(p[0] for p in points), min(p[1] for p in points),
                     max(p[0] for p in points), max(p[1] for p in points)))
        if kind == "edge" and tag == "path" and group is not None:
            points = [_apply(m, x, y) for x, y in path_points(el.get("d") or "")]
            if len(points) > 1:
                self.edge_paths.append((group, points))
        if tag == "text":
            self._text(el, m, group, kind, style, clip)
        for child in el:
            self.visit(child, m, group, kind, style, clip)

    def _text(self, el: ET.Element, m: Affine, group: str | None, kind: str, style: Style,
              clip: Box) -> None:
        size, bold, anchor = style
        text = " ".join("".join(el.itertext()).split())
        for span in el.iter(SVG_NS + "tspan"):  # e.g. a superscript: its own, smaller size
            found = re.search(r"font-size:\s*([0-9.]+)", span.get("style") or "")
            size = min(size, float(found.group(1)) if found else size,
                       _number(span.get("font-size"), size) or size)
        if not text:
            return
        px = size * abs(m[0] * m[3] - m[1] * m[2]) ** 0.5
        x, y = _number(el.get("x")), _number(el.get("y"))
        w = text_width(text, size, bold)  # in the text's own units, then mapped
        x0 = x - w / 2 if anchor == "middle" else (x - w if anchor == "end" else x)
        corners = [_apply(m, cx, cy) for cx in (x0, x0 + w)
                   for cy in (y - 0.78 * size, y + 0.22 * size)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        self.texts.append(TextBox(text[:60], px * self.k, kind, group,
                                  (min(xs), min(ys), max(xs), max(ys)), clip))


_SHAPES = ("ellipse", "polygon", "path", "rect", "polyline")


def _clip(el: ET.Element, m: Affine, clip: Box) -> Box:
    """A nested ``<svg>``'s viewport (canvas units) within the viewport ``clip`` around it."""
    x, y = _number(el.get("x")), _number(el.get("y"))
    w, h = _number(el.get("width"), None), _number(el.get("height"), None)
    if w is None or h is None:
        return clip
    (x0, y0), (x1, y1) = _apply(m, x, y), _apply(m, x + w, y + h)
    return (max(clip[0], min(x0, x1)), max(clip[1], min(y0, y1)),
            min(clip[2], max(x0, x1)), min(clip[3], max(y0, y1)))


def _shape_points(el: ET.Element, tag: str) -> list[tuple[float, float]]:
    """Corner points of a shape's box in its own units (a path: its coordinates)."""
    if tag == "ellipse":
        cx, cy, rx, ry = (_number(el.get(a)) for a in ("cx", "cy", "rx", "ry"))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    if tag == "rect":
        x, y, w, h = (_number(el.get(a)) for a in ("x", "y", "width", "height"))
        return [(x, y), (x + w, y + h)]
    raw = el.get("points") if tag in ("polygon", "polyline") else \
        re.sub(r"[A-Za-z]", " ", el.get("d") or "")
    v = [float(t) for t in re.findall(r"-?[0-9]*\.?[0-9]+(?:e-?[0-9]+)?", raw or "")]
    return list(zip(v[0::2], v[1::2]))


def _collisions(texts: list[TextBox], k: float) -> list[tuple[str, str]]:
    """Pairs of texts from different groups closer than 0.4 em sideways while overlapping
    a quarter em vertically: a viewer reads them as one label.  Texts are swept in x order
    (a later text can only be farther away), so large frames stay fast."""
    if not texts:
        return []
    order = sorted(texts, key=lambda t: t.box[0])
    reach = 0.4 * max(t.px for t in texts) / k
    found = []
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            if b.box[0] - a.box[2] >= reach:
                break
            if a.group == b.group and (a.group is not None or b.group is None):
                continue
            em = min(a.px, b.px) / k
            ox = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
            oy = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
            if ox > -0.4 * em and oy > 0.25 * em:
                found.append((a.text, b.text))
    return found


def edges_through_text(metrics: Metrics, kinds: tuple[str, ...] = ("node", "edge"),
                       ) -> list[tuple[str, str]]:
    """(edge id, text) for every edge path that runs through a node's text or an edge
    label (``kinds``): a line drawn across a label a viewer has to read.  Each text's box
    is its glyphs' (cap height to descender), taken in by a tenth of an em so a path that
    grazes a box's corner passes.

    >>> m = measure('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">'
    ...             '<g id="n_a" class="node"><text x="100" y="50" text-anchor="middle" '
    ...             'font-size="20">label</text></g><g id="e_a~b" class="edge">'
    ...             '<path d="M100,0C100,30 100,60 100,100"/></g></svg>')
    >>> edges_through_text(m)
    [('e_a~b', 'label')]
    """
    found = []
    paths = [(group, points, union([(x, y, x, y) for x, y in points]))
             for group, points in metrics.edge_paths]
    for text in metrics.texts:
        if text.kind not in kinds:
            continue
        x0, y0, x1, y1 = text.box
        inset = 0.1 * (y1 - y0)
        box = (x0 + inset, y0 + inset, x1 - inset, y1 - inset)
        for group, points, span in paths:
            if boxes_meet(span, box) and any(segment_meets_box(p, q, box)
                                             for p, q in zip(points, points[1:])):
                found.append((group, text.text))
    return found


def below_floor(metrics: Metrics, floor: dict[str, float] | None = None) -> list[str]:
    """What keeps a frame from being read from the back row, one phrase each ([] if none)."""
    floor = FLOOR_PX if floor is None else floor
    problems = [f"{kind} text {px:g} px (floor {floor[kind]:g})"
                for kind, px in sorted(metrics.min_px.items())
                if kind in floor and px < floor[kind]]
    problems += [f"clipped: {text!r}" for text in metrics.clipped]
    problems += [f"collision: {a!r} / {b!r}" for a, b in metrics.collisions]
    problems += [f"cut node: {node}" for node in metrics.cut]
    return problems


def missing_glyphs(svg: str) -> dict[str, set[str]]:
    """Texts of an SVG frame with characters DejaVu Sans (regular or bold, as the text is
    set) has no glyph for, each with those characters: what a renderer without a fallback
    font draws as empty boxes ({} when every character has one; ``slide_metrics.py``'s
    *missing*).  Texts naming another font are reported whole under ``"font: NAME"``.

    >>> missing_glyphs('<svg xmlns="http://www.w3.org/2000/svg"><text font-family='
    ...                '"DejaVu Sans">∂L/∂f = 𝟏</text></svg>')   # doctest: +SKIP
    {'∂L/∂f = 𝟏': {'𝟏'}}
    """
    found: dict[str, set[str]] = {}

    def walk(el: ET.Element, family: str, bold: bool) -> None:
        family = el.get("font-family") or family
        bold = bold or el.get("font-weight") == "bold"
        if el.tag == SVG_NS + "text":
            text = "".join(el.itertext())
            named = family.split(",")[0].strip().strip("'\"")
            if text.strip() and named and named != FAMILY:
                found.setdefault(f"font: {named}", set()).add(text)
            elif text.strip() and glyphs_missing(text, bold):
                found[text] = glyphs_missing(text, bold)
        for child in el:
            walk(child, family, bold)

    walk(ET.fromstring(svg), "", False)
    return found
