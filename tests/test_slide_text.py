"""Every character on a frame has a glyph in the font the frame names, and no two labels
run together on one line.

Glyphs: every ``<text>`` of every frame of every graph file (both passes, slides and
natural size) names DejaVu Sans, and the font file's own character map (read with
matplotlib's FreeType binding, independent of the code under test) has each character;
``𝟏`` (U+1D7CF) had none and showed as an empty box.  Gaps: the micrograd README chain and
the CS231n neuron (plain and indexed), whose neighbouring edge labels read "21" and "2−2",
keep every pair of labels on one line at least 0.4 em apart
(:func:`graphviz_ad.draw.legibility.measure`'s collisions).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from test_one_name import MICROGRAD  # micrograd's README example (a = −4, b = 2)

from graphviz_ad import parse
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.number_format import fmt_number
from graphviz_ad.core.passes import run_passes
from graphviz_ad.draw.animate import derivative_frames
from graphviz_ad.draw.fonts import FAMILY, font_file, missing_glyphs
from graphviz_ad.draw.legibility import measure
from graphviz_ad.draw.legibility import missing_glyphs as frame_missing_glyphs
from graphviz_ad.frontends.sources import load
from graphviz_ad.receptive.drawing import rf_frames
from graphviz_ad.receptive.spec import load_stack_spec
from graphviz_ad.workflow.render_file import graph_file_kind

GRAPHS = sorted((Path(__file__).resolve().parent.parent / "graphs").glob("*.toml"))
SVG = "{http://www.w3.org/2000/svg}"
CS231N = "f = 1/(1 + exp(-(w0*x0 + w1*x1 + w2)))"
CS231N_INDEXED = "f = 1/(1 + exp(-(w[0]*x[0] + w[1]*x[1] + w[2])))"
NEIGHBOURS = {
    "micrograd chain": (MICROGRAD, {"a": -4.0, "b": 2.0}),
    "CS231n neuron": (CS231N, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
    "CS231n neuron, indexed": (CS231N_INDEXED, {"w": np.array([2.0, -3.0, -3.0]),
                                                "x": np.array([-1.0, -2.0])}),
}


@cache
def _charmap(bold: bool) -> frozenset[int]:
    from matplotlib import ft2font

    return frozenset(ft2font.FT2Font(font_file(bold)).get_charmap())


def _font_present() -> bool:
    try:
        _charmap(False)
    except (OSError, RuntimeError, ValueError):
        return False
    return True


needs_font = pytest.mark.skipif(not _font_present(), reason="DejaVu Sans is not installed")


def frame_texts(svg: str) -> list[tuple[str, str, bool]]:
    """(text, font family, bold) of every non-empty ``<text>``, attributes inherited."""
    out = []

    def walk(el: ET.Element, family: str, bold: bool) -> None:
        family = el.get("font-family") or family
        bold = bold or el.get("font-weight") == "bold"
        if el.tag == f"{SVG}text":
            text = "".join(el.itertext())
            if text.strip():
                out.append((text, family, bold))
        for child in el:
            walk(child, family, bold)

    walk(ET.fromstring(svg), "", False)
    return out


def _frames(path: Path, mode: str, slide: str | None) -> list[str]:
    if graph_file_kind(path) == "conv":
        spec = load_stack_spec(path)
        first = (lambda values: values[0] if values else None)  # noqa: E731 (axis 0)
        try:
            frames, _, _ = rf_frames(spec.layers, first(spec.unit), first(spec.input_size), 0,
                                     bool(spec.render.get("paths", False)), spec.title,
                                     16 / 9 if slide else None)
        except GraphvizAdError as err:  # wavenet: a text-only stack, as the gallery says
            pytest.skip(f"{path.name} is not drawn: {err}")
    else:
        src, graph, inputs = load(str(path))
        frames, _ = derivative_frames(run_passes(graph, inputs, mode), slide=slide,
                                      quiet=src.data_inputs, title=src.title)
    return [f.svg for f in frames]


@needs_font
@pytest.mark.parametrize("slide", [None, "16:9"], ids=["natural", "slide"])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("path", GRAPHS, ids=[p.stem for p in GRAPHS])
def test_every_character_of_every_frame_has_a_glyph_in_the_named_font(path, mode, slide):
    if graph_file_kind(path) == "conv" and mode == "reverse":
        pytest.skip("a conv stack has one drawing, not two passes")
    missing: dict[str, set[str]] = {}
    for svg in _frames(path, mode, slide):
        assert frame_missing_glyphs(svg) == {}  # the library's measure agrees
        for text, family, bold in frame_texts(svg):
            assert family.split(",")[0].strip().strip("'\"") == FAMILY, text
            absent = {c for c in text if ord(c) not in _charmap(bold) and not c.isspace()}
            if absent:
                missing.setdefault(text, absent)
    assert missing == {}


@needs_font
def test_arrays_of_ones_and_zeros_are_written_with_glyphs_dejavu_has():
    """The finding: ``∂L/∂f2 = 𝟏 = [1, 1]`` showed a box for U+1D7CF; ``𝟙``/``𝟘``
    (double-struck, U+1D7D9/U+1D7D8) are in DejaVu Sans."""
    for text in (fmt_number(np.ones(12)), fmt_number(np.zeros((3, 5))),
                 fmt_number(2 * np.ones((3, 5)))):
        assert {ord(c) for c in text if not c.isspace()} <= _charmap(False), text
    assert fmt_number(np.ones(12)) == "𝟙₁₂"
    assert missing_glyphs("∂L/∂f2 = 𝟏 = [1, 1]") == {"𝟏"}
    assert missing_glyphs("∂L/∂f2 = 𝟙 = [1, 1]") == set()
    frames, _ = derivative_frames(run_passes(parse("L = sum(x*x)"), {"x": np.ones(12)},
                                             "reverse"), slide="16:9")
    shown = frames[-1].svg
    assert "𝟙" in shown and frame_missing_glyphs(shown) == {}
    doctored = frame_missing_glyphs(shown.replace("𝟙", "𝟏"))
    assert doctored and all(chars == {"𝟏"} for chars in doctored.values())


@pytest.mark.parametrize("slide", [None, "16:9"], ids=["natural", "slide"])
@pytest.mark.parametrize("mode", ["forward", "reverse", "both"])
@pytest.mark.parametrize("name", list(NEIGHBOURS))
def test_neighbouring_labels_stay_apart(name, mode, slide):
    program, inputs = NEIGHBOURS[name]
    frames, _ = derivative_frames(run_passes(parse(program), inputs, mode), slide=slide)
    collisions = {pair for frame in frames for pair in measure(frame.svg).collisions}
    assert collisions == set()


@pytest.mark.parametrize("mode", ["forward", "reverse", "both"])
@pytest.mark.parametrize("path", [p for p in GRAPHS if graph_file_kind(p) == "program"],
                         ids=lambda p: p.stem)
def test_no_labels_run_together_in_any_graph_file(path, mode):
    src, graph, inputs = load(str(path))
    for slide in (None, "16:9"):
        frames, _ = derivative_frames(run_passes(graph, inputs, mode), slide=slide,
                                      quiet=src.data_inputs, title=src.title)
        assert {p for f in frames for p in measure(f.svg).collisions} == set(), slide
