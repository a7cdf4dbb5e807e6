"""PowerPoint decks: one slide per frame, for lecturers who build their decks in
PowerPoint, Keynote or Google Slides (which all import ``.pptx``).

Each slide is the frame as one full-slide picture (a PNG drawn at the slide's pixel
size by the raster path), the step's caption in the speaker notes, and the drawing's
title in the slide's title placeholder (behind the picture: the frame shows its own
title; the placeholder names the slide in the outline, the slide sorter and screen
readers).  Needs python-pptx, the ``pptx`` extra.

>>> deck = deck_bytes([png], ["f1 = 2·x = 4"], "y = 2x", (1920, 1080))  # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from ..core.errors import RenderError

PPTX_HINT = "PowerPoint needs the pptx extra: pip install 'graphviz-ad[pptx]'"
DECK_CANVAS = (1920, 1080)  # pixels of a slide's picture when no --slide ratio is given
SLIDE_WIDTH_EMU = 12_192_000  # PowerPoint's 16:9 slide: 13.333 in wide (914,400 EMU an inch)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def pptx_module() -> Any:
    """python-pptx, or a RenderError saying how to install it."""
    try:
        import pptx  # deferred: optional (the pptx extra), only for decks
    except ImportError as exc:
        raise RenderError(PPTX_HINT) from exc
    return pptx


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold (control characters, lone
    surrogates), which would otherwise stop the deck from being written."""
    return _NOT_XML.sub("", text)


def slide_size(canvas: tuple[int, int]) -> tuple[int, int]:
    """The slide's size in EMU for a picture of ``canvas`` pixels: PowerPoint's 16:9
    width, the height in the canvas's proportion (1920×1080 → 12,192,000 × 6,858,000)."""
    width, height = canvas
    return SLIDE_WIDTH_EMU, round(SLIDE_WIDTH_EMU * height / width)


def deck_bytes(pngs: Sequence[bytes], notes: Sequence[str], title: str,
               canvas: tuple[int, int]) -> bytes:
    """A ``.pptx`` file: slide k shows ``pngs[k]`` over the whole slide, its notes are
    ``notes[k]``, its title placeholder ``title (k/n)``."""
    pptx = pptx_module()
    deck = pptx.Presentation()
    deck.slide_width, deck.slide_height = slide_size(canvas)
    layout = _title_only(deck)
    heading = " ".join(xml_text(title).split())
    for k, (png, note) in enumerate(zip(pngs, notes, strict=True), start=1):
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = f"{heading} ({k}/{len(pngs)})".strip()
        slide.shapes.add_picture(io.BytesIO(png), 0, 0, deck.slide_width, deck.slide_height)
        slide.notes_slide.notes_text_frame.text = xml_text(note)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _title_only(deck: Any) -> Any:
    """The default template's "Title Only" layout (else its first, "Title Slide", which
    has a title placeholder too)."""
    layouts = list(deck.slide_layouts)
    return next((layout for layout in layouts if layout.name == "Title Only"), layouts[0])
