"""The drawing font's files, found through fontconfig (``fc-match``) like Graphviz and
librsvg find it, so text is measured with the very glyphs they draw, on any system.

>>> font_file().endswith(".ttf")   # doctest: +SKIP
True
"""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache

FAMILY = "DejaVu Sans"  # has ∂ · − ² ₁; the name every SVG and DOT file asks for
FILE_NAMES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@lru_cache(maxsize=2)
def font_file(bold: bool = False) -> str:
    """Path of DejaVu Sans (bold) as fontconfig resolves it.  Without fontconfig, or when
    it would substitute another family, the bare file name: Pillow then looks for it in
    the system's font folders (and measuring falls back to an estimate if it is absent)."""
    pattern = FAMILY + (":bold" if bold else "")
    try:
        found = subprocess.run(["fc-match", "--format=%{family}\t%{file}", pattern],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return FILE_NAMES[bold]
    families, _, path = found.stdout.partition("\t")
    if FAMILY in families.split(",") and os.path.isfile(path):
        return path
    return FILE_NAMES[bold]


@lru_cache(maxsize=2)
def _characters(bold: bool) -> frozenset[int] | None:
    """The code points DejaVu Sans (bold) has glyphs for; None without the font file."""
    from matplotlib import ft2font  # deferred: matplotlib, only when glyphs are checked

    try:
        return frozenset(ft2font.FT2Font(font_file(bold)).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return None


def missing_glyphs(text: str, bold: bool = False) -> set[str]:
    """Characters of ``text`` that DejaVu Sans (bold) has no glyph for: a renderer without
    a fallback font draws them as empty boxes (``𝟏`` U+1D7CF is one; ``𝟙`` is not).
    Empty when the font file itself is absent (nothing to check against).

    >>> sorted(missing_glyphs("∂L/∂f = 𝟏 ≠ 𝟙"))   # doctest: +SKIP
    ['𝟏']
    """
    characters = _characters(bold)
    if characters is None:
        return set()
    return {c for c in text if ord(c) not in characters and not c.isspace()}
