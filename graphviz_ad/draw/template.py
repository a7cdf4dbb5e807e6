"""Lay out once, fill slots per frame.

Graphviz lays out ONE DOT graph; every animation frame is then made by string
substitution into that SVG, so every node sits at exactly the same place in every
frame and a 60-frame animation costs one Graphviz call.

A builder writes its DOT with :class:`SlotDot`:

* ``slots.color(key, initial)`` returns a *sentinel* colour to put in the DOT
  (``fillcolor``, ``color``, ``fontcolor``, ...).  Sentinels are the reserved hex
  colours ``#c0d000`` .. ``#c0dfff`` (:data:`SENTINEL_PATTERN`); a DOT source must
  not use that range for anything else (``layout`` checks).  Graphviz copies the
  sentinel verbatim into ``fill=``/``stroke=`` attributes; an edge colour shows up
  in the path stroke and the arrowhead fill and stroke, so one slot may occur many
  times -- all of them are replaced.
* ``slots.text(key, variants, group=..., index=...)`` declares that the
  ``index``-th ``<text>`` element of the SVG group ``group`` (a node ``id`` such as
  ``n_f3``, an edge id ``e_f1_f3`` or a cluster id) is a text slot.  It returns the
  WIDEST variant (measured with DejaVu Sans), which the builder puts in the label so
  the layout is big enough for every frame.  ``slots.label(group, lines)`` does this
  for a whole plain multi-line label and returns the quoted DOT string.

Supported labels: plain labels with centred lines (``\\n``); Graphviz emits one
``<text>`` per non-empty line.  For HTML-like labels Graphviz left-anchors the text
(``text-anchor="start"``); such slots are re-centred on substitution (correct for
the default centred cell alignment).  Record shapes are not supported.

>>> slots = SlotDot()
>>> fill = slots.color("a.fill", "white")
>>> label = slots.label("n_a", ["a", ("a.value", ["?", "3.14159"])])
>>> print(label)
"a\\n3.14159"
>>> dot = f'digraph {{ node [id="n_\\\\N", style=filled]; a [fillcolor="{fill}", label={label}] }}'
>>> tpl = SvgTemplate.layout(dot, slots)                        # doctest: +SKIP
>>> svg = tpl.fill({"a.fill": "#ffcc00", "a.value": "2.0"})     # doctest: +SKIP
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import graphviz
import graphviz.quoting

from graphviz_ad.core.errors import RenderError
from graphviz_ad.draw.fonts import font_file
from graphviz_ad.draw.graphviz_run import run_graphviz

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

SENTINEL_PREFIX = "#c0d"
SENTINEL_PATTERN = re.compile(r"#c0d[0-9a-f]{3}(?![0-9a-f])", re.IGNORECASE)
MAX_COLOR_SLOTS = 16 ** 3
FONT_FAMILY = "DejaVu Sans"
PX_PER_PT = 4 / 3  # composed frames give their size in px (CSS 96 dpi); some renderers reject pt

_GROUP_RE = re.compile(r'<g id="([^"]+)" class="(?:node|edge|cluster)">')
_TEXT_RE = re.compile(r"<text([^>]*)>(.*?)</text>", re.DOTALL)
_X_RE = re.compile(r'\sx="([-0-9.e]+)"')
_SIZE_RE = re.compile(r'font-size="([0-9.]+)"')
#: characters XML 1.0 forbids (C0 controls but tab/LF/CR, surrogates, U+FFFE, U+FFFF)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD (�); every text
    that reaches an SVG or DOT file passes through here (via :func:`xml_escape`,
    :func:`dot_quote` or a text slot)."""
    return _NOT_XML.sub("\ufffd", text)


def xml_escape(text: str) -> str:
    """``text`` for SVG character data: forbidden characters replaced, ``& < >`` escaped."""
    return escape(xml_safe(text))


# --------------------------------------------------------------------------- fonts
@lru_cache(maxsize=64)
def _font(size: float, bold: bool) -> FreeTypeFont | None:
    try:
        from PIL import ImageFont  # deferred: Pillow, only on the first measurement
        return ImageFont.truetype(font_file(bold), size=max(1, round(size)))
    except (ImportError, OSError):
        return None


@lru_cache(maxsize=8192)
def text_width(text: str, size: float = 14.0, bold: bool = False) -> float:
    """Width of ``text`` in points when set in DejaVu Sans at ``size`` points.

    Measured with Pillow on the DejaVu font file; falls back to 0.6 em per character
    when Pillow or the font is missing.

    >>> text_width("WWW") > text_width("iii")
    True
    """
    font = _font(size, bold)
    if font is None:
        return 0.6 * size * len(text)
    return float(font.getlength(text)) * size / max(1, round(size))


def widest(variants: Iterable[str], size: float = 14.0) -> str:
    """The variant that needs the most horizontal room (the first one on ties).

    >>> widest(["1.0", "−123.456", "x"])
    '−123.456'
    """
    items = list(variants)
    if not items:
        raise ValueError("a text slot needs at least one variant")
    return max(items, key=lambda s: max((text_width(ln, size) for ln in s.split("\n")),
                                         default=0.0))


def dot_quote(text: str) -> str:
    """``text`` as a DOT ID whose lines are centred (``\\n`` separators), through the
    ``graphviz`` package: its ``escape`` (backslashes literal) and ``quoting.quote``
    (quotes escaped, quoted unless a plain ID)."""
    body = graphviz.escape(xml_safe(text).replace("\r\n", "\n")).replace("\n", "\\n")
    return graphviz.quoting.quote(graphviz.nohtml(body))


# --------------------------------------------------------------------------- builder
@dataclass(frozen=True)
class TextSlot:
    """The ``index``-th ``<text>`` element of SVG group ``group``, filled per frame."""

    key: str
    group: str
    index: int
    initial: str
    layout_text: str


@dataclass
class SlotDot:
    """Collects colour and text slots while a builder writes its DOT source."""

    colors: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (sentinel, initial)
    texts: dict[str, TextSlot] = field(default_factory=dict)
    font_size: float = 14.0

    def color(self, key: str, initial: str) -> str:
        """Return the sentinel colour for slot ``key`` (the same one on repeated calls)."""
        if key in self.texts:
            raise ValueError(f"slot {key!r} is already a text slot")
        if key not in self.colors:
            if len(self.colors) >= MAX_COLOR_SLOTS:
                raise ValueError(f"more than {MAX_COLOR_SLOTS} colour slots")
            self.colors[key] = (f"{SENTINEL_PREFIX}{len(self.colors):03x}", initial)
        return self.colors[key][0]

    def text(self, key: str, variants: Iterable[str], *, group: str, index: int,
             initial: str | None = None) -> str:
        """Declare text slot ``key`` and return the widest variant to put in the DOT.

        ``index`` counts the ``<text>`` elements of ``group`` from 0 (one per
        non-empty label line).  ``initial`` defaults to the first variant.
        """
        if key in self.colors or key in self.texts:
            raise ValueError(f"slot {key!r} declared twice")
        items = [xml_safe(str(v)) for v in variants]
        layout_text = widest(items, self.font_size)
        if "\n" in layout_text:
            raise ValueError(f"text slot {key!r}: a variant spans several lines")
        self.texts[key] = TextSlot(key, group, index,
                                   items[0] if initial is None else xml_safe(initial), layout_text)
        return layout_text

    def label(self, group: str, lines: Sequence[str | tuple[str, Iterable[str]]]) -> str:
        """Build a quoted plain DOT label; a ``(key, variants)`` line becomes a text slot.

        Empty fixed lines are allowed (Graphviz emits no ``<text>`` for them).
        """
        out: list[str] = []
        index = 0
        for line in lines:
            if isinstance(line, tuple):
                key, variants = line
                out.append(self.text(key, variants, group=group, index=index))
            else:
                out.append(line)
            if out[-1].strip():
                index += 1
        return dot_quote("\n".join(out))


# --------------------------------------------------------------------------- template
class SlotKind(enum.Enum):
    """What a cut in the laid-out SVG is filled with, per frame."""

    COLOR = "color"  # a colour slot's sentinel (in fill=/stroke=)
    TEXT = "text"  # a text slot's character data
    X = "x"  # the x attribute of a left-anchored text slot, re-centred for its text


@dataclass(frozen=True)
class SlotRef:
    """One cut of the template: which slot, and which of its parts, goes there."""

    kind: SlotKind
    key: str


def _normalise(text: str) -> str:
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


@dataclass(frozen=True)
class _TextSite:
    """Where a text slot sits in the SVG: content span, and x span when left-anchored."""

    key: str
    content: tuple[int, int]
    x_span: tuple[int, int] | None
    x: float
    size: float
    bold: bool
    layout_width: float


@dataclass
class SvgTemplate:
    """A laid-out SVG split into static chunks and slot references.

    ``warnings`` holds Graphviz's stderr warnings from the layout call (e.g. a label
    that does not fit a fixed-size node).  ``width``/``height``/``view_box`` are the
    graph's size in points.
    """

    svg: str
    chunks: list[str]
    refs: list[SlotRef]  # one between each two chunks
    initial: dict[str, str]
    sites: dict[str, list[_TextSite]]
    warnings: tuple[str, ...]
    width: float
    height: float
    view_box: tuple[float, float, float, float]

    @classmethod
    def layout(cls, dot_source: str, slots: SlotDot, engine: str = "dot",
               args: Sequence[str] = (), *, strict: bool = False) -> SvgTemplate:
        """Lay out ``dot_source`` with ONE Graphviz call and locate every slot.

        ``engine="neato", args=["-n"]`` keeps pinned ``pos`` attributes.  With
        ``strict=True`` any Graphviz warning raises RenderError.
        """
        registered = {s for s, _ in slots.colors.values()}
        stray = {m.lower() for m in SENTINEL_PATTERN.findall(dot_source)} - registered
        if stray:
            raise ValueError(f"colours {sorted(stray)} are reserved for slots "
                             f"({SENTINEL_PREFIX}xxx); use SlotDot.color")
        result = run_graphviz(dot_source, "svg", engine, args)
        if strict and result.warnings:
            raise RenderError(f"Graphviz warned: {result.warnings[0]}")
        return cls.from_svg(result.output.decode("utf-8"), slots, result.warnings)

    @classmethod
    def from_svg(cls, svg: str, slots: SlotDot, warnings: tuple[str, ...] = ()) -> SvgTemplate:
        """Build a template from SVG text Graphviz already produced."""
        by_sentinel = {s: key for key, (s, _) in slots.colors.items()}
        cuts: list[tuple[int, int, SlotRef]] = []  # (start, end, slot): spans never overlap
        for m in SENTINEL_PATTERN.finditer(svg):
            key = by_sentinel.get(m.group(0).lower())
            if key is not None:
                cuts.append((m.start(), m.end(), SlotRef(SlotKind.COLOR, key)))
        sites = _locate_texts(svg, slots)
        for site_list in sites.values():
            for site in site_list:
                cuts.append((*site.content, SlotRef(SlotKind.TEXT, site.key)))
                if site.x_span is not None:
                    cuts.append((*site.x_span, SlotRef(SlotKind.X, site.key)))
        cuts.sort(key=lambda cut: cut[:2])
        chunks: list[str] = []
        refs: list[SlotRef] = []
        pos = 0
        for start, end, ref in cuts:
            chunks.append(svg[pos:start])
            refs.append(ref)
            pos = end
        chunks.append(svg[pos:])
        initial = {k: xml_escape(init) for k, (_, init) in slots.colors.items()}
        initial.update({k: xml_escape(t.initial) for k, t in slots.texts.items()})
        width, height, view_box = _svg_size(svg)
        return cls(svg, chunks, refs, initial, sites, tuple(warnings), width, height, view_box)

    @property
    def keys(self) -> frozenset[str]:
        """All slot keys."""
        return frozenset(self.initial)

    def fill(self, values: Mapping[str, str]) -> str:
        """The SVG for one frame; slots missing from ``values`` keep their initial value.

        Values are XML-escaped here; an unknown key raises KeyError (typo guard).
        """
        unknown = values.keys() - self.initial.keys()
        if unknown:
            raise KeyError(f"unknown slot(s): {', '.join(sorted(unknown))}")
        filled = dict(self.initial)
        filled.update((k, xml_escape(str(v))) for k, v in values.items())
        xs = self._recentred_x(values)
        parts = [self.chunks[0]]
        for ref, chunk in zip(self.refs, self.chunks[1:]):
            parts.append(xs[ref.key] if ref.kind is SlotKind.X else filled[ref.key])
            parts.append(chunk)
        return "".join(parts)

    def _recentred_x(self, values: Mapping[str, str]) -> dict[str, str]:
        """x attributes of left-anchored (HTML-label) text slots, shifted to stay centred."""
        xs: dict[str, str] = {}
        for key, site_list in self.sites.items():
            site = site_list[0]
            if site.x_span is None:
                continue
            text = values.get(key)
            if text is None:
                text = html.unescape(self.initial[key])
            shift = (site.layout_width - text_width(str(text), site.size, site.bold)) / 2
            xs[key] = f"{site.x + shift:.2f}"
        return xs


def _locate_texts(svg: str, slots: SlotDot) -> dict[str, list[_TextSite]]:
    """Find the ``<text>`` element of every text slot; check it shows the layout text."""
    starts = [(m.group(1), m.end()) for m in _GROUP_RE.finditer(svg)]
    regions: dict[str, tuple[int, int]] = {}
    for i, (gid, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(svg)
        regions.setdefault(gid, (start, end))
    sites: dict[str, list[_TextSite]] = {}
    for slot in slots.texts.values():
        if slot.group not in regions:
            raise RenderError(f"text slot {slot.key!r}: no SVG group with id {slot.group!r} "
                              "(give nodes id=\"n_\\N\" and edges explicit ids)")
        start, end = regions[slot.group]
        texts = list(_TEXT_RE.finditer(svg, start, end))
        if slot.index >= len(texts):
            raise RenderError(f"text slot {slot.key!r}: group {slot.group!r} has only "
                              f"{len(texts)} text element(s), slot index is {slot.index}")
        m = texts[slot.index]
        if _normalise(m.group(2)) != _normalise(slot.layout_text):
            raise RenderError(f"text slot {slot.key!r}: text {slot.index} of {slot.group!r} "
                              f"reads {html.unescape(m.group(2))!r}, "
                              f"expected {slot.layout_text!r}")
        sites.setdefault(slot.key, []).append(_text_site(slot, m))
    return sites


def _text_site(slot: TextSlot, m: re.Match[str]) -> _TextSite:
    attrs = m.group(1)
    size_m = _SIZE_RE.search(attrs)
    size = float(size_m.group(1)) if size_m else 14.0
    bold = 'font-weight="bold"' in attrs
    x_span = None
    x = 0.0
    if 'text-anchor="start"' in attrs:
        xm = _X_RE.search(attrs)
        if xm is not None:
            x = float(xm.group(1))
            offset = m.start(1)
            x_span = (offset + xm.start(1), offset + xm.end(1))
    return _TextSite(slot.key, m.span(2), x_span, x, size, bold,
                     text_width(slot.layout_text, size, bold))


def _svg_size(svg: str) -> tuple[float, float, tuple[float, float, float, float]]:
    m = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"\s+viewBox="([^"]+)"', svg)
    if m is None:
        raise RenderError("Graphviz SVG without width/height/viewBox (was dpi set?)")
    x, y, w, h = (float(v) for v in m.group(3).split())
    return float(m.group(1)), float(m.group(2)), (x, y, w, h)


def svg_body(svg: str) -> str:
    """The children of a Graphviz SVG's root element (no prolog, no ``<svg>`` wrapper)."""
    start = svg.index(">", svg.index("<svg")) + 1
    return svg[start:svg.rindex("</svg>")]
