"""``render --format pptx``: one PowerPoint deck, a full-slide picture per frame, the
step's caption in the speaker notes, the title in each slide's title placeholder.

The deck is read back with python-pptx (the ``pptx`` extra; these tests skip without
it), and each slide's picture is compared pixel for pixel with the PNG frame the same
render writes.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from graphviz_ad import parse, reverse_mode
from graphviz_ad.cli import main
from graphviz_ad.draw.animate import derivative_frames
from graphviz_ad.draw.pptx_deck import PPTX_HINT, xml_text
from graphviz_ad.draw.writers import write_frames

pytest.importorskip("cairosvg", reason="cairosvg is needed to rasterize")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
PICTURE = 13  # MSO_SHAPE_TYPE.PICTURE


def _pptx():
    return pytest.importorskip("pptx", reason="python-pptx (the pptx extra) is not installed")


def _slides(path: Path):
    deck = _pptx().Presentation(str(path))
    return deck, list(deck.slides)


def _picture(slide) -> Image.Image:
    pictures = [s for s in slide.shapes if s.shape_type == PICTURE]
    assert len(pictures) == 1
    return Image.open(io.BytesIO(pictures[0].image.blob)).convert("RGB")


def test_deck_has_a_full_slide_picture_notes_and_title_per_frame(tmp_path):
    _pptx()
    frames, _ = derivative_frames(reverse_mode(parse("y = sin(x)*x"), {"x": 1.0}),
                                  slide="16:9")
    paths = write_frames(frames, tmp_path, "deck", ["pptx", "png"], slide="16:9",
                         title="y = sin(x)·x")
    assert paths["pptx"] == [tmp_path / "deck.pptx"]
    deck, slides = _slides(tmp_path / "deck.pptx")
    assert len(slides) == len(frames) == 5
    assert deck.slide_width * 9 == deck.slide_height * 16  # 16:9
    for k, (slide, frame, png) in enumerate(zip(slides, frames, paths["png"]), start=1):
        picture = next(s for s in slide.shapes if s.shape_type == PICTURE)
        assert (picture.left, picture.top, picture.width, picture.height) == (
            0, 0, deck.slide_width, deck.slide_height)  # the whole slide
        image = _picture(slide)
        assert image.size == (1920, 1080)
        assert np.array_equal(np.asarray(image), np.asarray(Image.open(png).convert("RGB")))
        assert slide.notes_slide.notes_text_frame.text == frame.caption
        assert slide.shapes.title.text == f"y = sin(x)·x ({k}/5)"
    assert "∂y/∂x = 1.382" in slides[-1].notes_slide.notes_text_frame.text


def test_cli_writes_one_deck_per_drawing(tmp_path):
    _pptx()
    out = tmp_path / "p9"
    result = CliRunner().invoke(main, ["render", str(GRAPHS / "problem9.toml"), "--format",
                                       "pptx,svg", "--slide", "16:9", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'problem9-reverse.pptx'}" in result.output
    svgs = sorted(out.glob("problem9-reverse-*.svg"))
    deck, slides = _slides(out / "problem9-reverse.pptx")
    assert len(slides) == len(svgs) > 5
    assert deck.slide_width == 12_192_000 and deck.slide_height == 6_858_000
    assert all(slide.shapes.title.text.startswith("Homework 1, problem 9") for slide in slides)
    assert slides[0].notes_slide.notes_text_frame.text.startswith("The computational graph")


def test_without_slide_the_deck_is_16_9_and_with_4_3_it_is_4_3(tmp_path):
    _pptx()
    frames, _ = derivative_frames(reverse_mode(parse("y = x*x"), {"x": 3.0}))
    write_frames(frames, tmp_path / "natural", "d", ["pptx"])
    deck, slides = _slides(tmp_path / "natural" / "d.pptx")
    assert deck.slide_width * 9 == deck.slide_height * 16
    assert {_picture(s).size for s in slides} == {(1920, 1080)}
    write_frames(frames, tmp_path / "four", "d", ["pptx"], slide="4:3")
    deck, slides = _slides(tmp_path / "four" / "d.pptx")
    assert deck.slide_width * 3 == deck.slide_height * 4
    assert {_picture(s).size for s in slides} == {(1440, 1080)}


def test_hostile_titles_and_captions_still_make_a_deck(tmp_path):
    _pptx()
    frames, _ = derivative_frames(reverse_mode(parse("y = x*x"), {"x": 3.0}))
    title = "<b>&amp;\x00\x0b\u202e lecture\nnotes"
    write_frames(frames, tmp_path, "d", ["pptx"], title=title)
    _, slides = _slides(tmp_path / "d.pptx")
    assert slides[0].shapes.title.text == f"<b>&amp;\u202e lecture notes (1/{len(frames)})"
    assert xml_text("a\x00b\x1fc\ud800") == "abc"


def test_unwritable_out_is_one_line_and_exit_2(tmp_path):
    _pptx()  # without the extra, the missing extra is the one error (next test)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = CliRunner().invoke(main, ["render", "y = sin(x)", "--at", "x=1", "--format",
                                       "pptx", "--out", str(blocker / "deck")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphviz-ad: error: cannot write to")
    assert "Traceback" not in result.output
    assert blocker.read_text() == "not a directory"


def test_without_python_pptx_the_error_names_the_extra_and_writes_nothing(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setitem(sys.modules, "pptx", None)  # import pptx now raises ImportError
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "y = sin(x)", "--at", "x=1", "--format",
                                       "svg,pptx", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"graphviz-ad: error: {PPTX_HINT}"
    assert not out.exists()  # checked before any file was written
