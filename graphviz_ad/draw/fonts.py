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
