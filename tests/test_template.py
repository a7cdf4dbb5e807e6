"""Layout-once templates: fixed geometry across frames, slot filling, escaping, sizing."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from graphviz_ad.core.errors import RenderError
from graphviz_ad.draw.compose import compose_frames, wrap_text
from graphviz_ad.draw.template import SlotDot, SvgTemplate, dot_quote, text_width, widest

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
SVG = "{http://www.w3.org/2000/svg}"


def build(value_variants: list[str]) -> tuple[str, SlotDot]:
    """A three-node graph: a -> c, b -> c, with colour and text slots."""
    slots = SlotDot()
    lines = []
    for name in "abc":
        fill = slots.color(f"{name}.fill", "white")
        border = slots.color(f"{name}.border", "black")
        label = slots.label(f"n_{name}", [name, (f"{name}.value", value_variants)])
        lines.append(f'{name} [fillcolor="{fill}", color="{border}", label={label}];')
    edge = slots.color("ac.color", "gray")
    edge_label = slots.label("e_a_c", [("ac.label", ["", "∂c/∂a = 2"])])
    lines.append(f'a -> c [color="{edge}", label={edge_label}];')
    lines.append("b -> c;")
    dot = ('digraph G { node [id="n_\\N", shape=box, style=filled, fontname="DejaVu Sans"];\n'
           'edge [id="e_\\T_\\H", fontname="DejaVu Sans"];\n' + "\n".join(lines) + "\n}")
    return dot, slots


FRAMES = [
    {},
    {"a.fill": "#ffcc00", "a.value": "1.5", "ac.color": "red", "ac.label": "∂c/∂a = 2"},
    {"b.fill": "#88ccff", "c.value": "x < y & z", "c.border": "blue"},
]


@pytest.fixture(scope="module")
def template() -> SvgTemplate:
    dot, slots = build(["?", "1.5", "x < y & z", "−123.456789"])
    return SvgTemplate.layout(dot, slots)


def node_geometry(svg: str) -> dict[str, tuple]:
    """Shape coordinates and text positions of every node group, by id."""
    root = ET.fromstring(svg.encode())
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        shapes = [(el.tag, tuple(sorted((k, v) for k, v in el.attrib.items()
                                        if k in ("points", "cx", "cy", "rx", "ry"))))
                  for el in g if el.tag in (f"{SVG}polygon", f"{SVG}ellipse")]
        texts = [(t.get("x"), t.get("y")) for t in g.iter(f"{SVG}text")]
        out[g.get("id")] = (shapes, texts)
    return out


def test_geometry_identical_across_frames(template: SvgTemplate) -> None:
    svgs = [template.fill(v) for v in FRAMES]
    geometries = [node_geometry(s) for s in svgs]
    assert set(geometries[0]) == {"n_a", "n_b", "n_c"}
    assert geometries[0] == geometries[1] == geometries[2]
    heads = {re.search(r"<svg[^>]*>", s).group(0) for s in svgs}
    assert len(heads) == 1  # same width, height, viewBox


def test_slot_values_and_escaping(template: SvgTemplate) -> None:
    svg = template.fill(FRAMES[2])
    ET.fromstring(svg.encode())  # still well-formed XML
    assert 'fill="#88ccff"' in svg and 'stroke="blue"' in svg
    assert ">x &lt; y &amp; z</text>" in svg
    svg1 = template.fill(FRAMES[1])
    assert svg1.count('"red"') == 3  # edge path stroke + arrowhead fill and stroke
    assert ">∂c/∂a = 2</text>" in svg1
    assert "#c0d" not in svg + svg1  # no sentinel survives


def test_unspecified_slots_keep_initial(template: SvgTemplate) -> None:
    svg = template.fill({})
    root = ET.fromstring(svg.encode())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("?") == 3  # first variant is the initial text
    with pytest.raises(KeyError):
        template.fill({"no.such.slot": "1"})


def test_widest_variant_sets_node_width() -> None:
    def width_of_a(variants: list[str]) -> float:
        dot, slots = build(variants)
        svg = SvgTemplate.layout(dot, slots).fill({})
        pts = re.search(r'id="n_a".*?points="([^"]+)"', svg, re.S).group(1)
        xs = [float(p.split(",")[0]) for p in pts.split()]
        return max(xs) - min(xs)

    assert width_of_a(["1", "2.5", "a much much longer value = 1234567"]) > width_of_a(["1", "2"])


def test_deterministic(template: SvgTemplate) -> None:
    dot, slots = build(["?", "1.5", "x < y & z", "−123.456789"])
    again = SvgTemplate.layout(dot, slots)
    assert [again.fill(v) for v in FRAMES] == [template.fill(v) for v in FRAMES]
    a = compose_frames(template, FRAMES, ["one", "two", "three"], title="T")
    b = compose_frames(again, FRAMES, ["one", "two", "three"], title="T")
    assert [f.svg for f in a] == [f.svg for f in b]


def test_compose_frames_fixed_canvas(template: SvgTemplate) -> None:
    long = "∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = 1·23.85 + 1·(−1.00) = 22.86 " * 3
    frames = compose_frames(template, FRAMES, ["start", long, "a < b & c"], [500, 600, 700],
                            title="Reverse mode", legend=[("#ffcc00", "active")], aspect=16 / 9)
    heads = {re.search(r"<svg[^>]*>", f.svg).group(0) for f in frames}
    assert len(heads) == 1
    w, h = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"',
                                        frames[0].svg).groups())
    assert abs(w / h - 16 / 9) < 0.01
    for f in frames:
        ET.fromstring(f.svg.encode())
    assert [f.duration_ms for f in frames] == [500, 600, 700]
    assert frames[1].caption == long
    assert "a &lt; b &amp; c" in frames[2].svg
    assert node_geometry(frames[0].svg) == node_geometry(frames[1].svg)


def test_wrapping_and_measuring() -> None:
    assert text_width("∂y/∂x", 20) > text_width("∂y/∂x", 10) > 0
    assert widest(["1", "22", "−3.5"]) == "−3.5"
    lines = wrap_text("alpha beta gamma delta " * 10, 200, 14)
    assert len(lines) > 1 and all(text_width(ln, 14) <= 200 for ln in lines)
    assert dot_quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_errors() -> None:
    slots = SlotDot()
    with pytest.raises(ValueError, match="reserved"):
        SvgTemplate.layout('digraph { a [color="#c0d123"] }', slots)
    with pytest.raises(RenderError, match="failed"):
        SvgTemplate.layout("digraph { a -> }", slots)
    slots.text("k", ["v"], group="n_zzz", index=0)
    with pytest.raises(RenderError, match="no SVG group"):
        SvgTemplate.layout('digraph { node [id="n_\\N"]; a }', slots)


def test_html_label_slots_recentred() -> None:
    slots = SlotDot()
    wide = slots.text("a.v", ["1", "123456.789"], group="n_a", index=1)
    dot = ('digraph { node [id="n_\\N", shape=plaintext, fontname="DejaVu Sans"]; a [label=<'
           f'<TABLE><TR><TD>a</TD></TR><TR><TD>{wide}</TD></TR></TABLE>>] }}')
    tpl = SvgTemplate.layout(dot, slots)
    x_wide = float(re.findall(r'<text[^>]* x="([\d.]+)"', tpl.fill({"a.v": wide}))[1])
    x_short = float(re.findall(r'<text[^>]* x="([\d.]+)"', tpl.fill({"a.v": "1"}))[1])
    assert x_short - x_wide == pytest.approx((text_width(wide) - text_width("1")) / 2, abs=0.05)
