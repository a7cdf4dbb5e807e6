"""Output names that come from input (file names, graph-file settings) made safe.

``safe_stem`` turns any text into a plain, visible file-name stem; ``confine`` is the
last check before a file is written: the name must stay a plain name inside the
output directory, or the write is refused.

>>> safe_stem("../../victim/x"), safe_stem(".."), safe_stem(r"a\\typeout{b}")
('victim-x', 'untitled', 'a-typeout-b')
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from graphviz_ad.core.errors import RenderError


class OutputError(RenderError):
    """Output that cannot or may not be written: ``cannot write to DIR: …``, or an output
    name that would leave its directory or be hidden."""


STEM_MAX_BYTES = 120  # leaves room for "-reverse-000.html" etc. under the 255-byte limit
FALLBACK = "untitled"


def safe_stem(text: str, fallback: str = FALLBACK) -> str:
    """``text`` as a file-name stem: letters and digits (any script), ``-``, ``_`` and
    ``.`` kept, anything else one ``-``; never empty, never ``.``/``..`` or hidden (leading
    dots and dashes dropped), at most ``STEM_MAX_BYTES`` bytes of UTF-8."""
    text = unicodedata.normalize("NFC", str(text))
    stem = re.sub(r"[^\w.-]+", "-", text[:STEM_MAX_BYTES * 2]).lstrip(".-")[:STEM_MAX_BYTES]
    while len(stem.encode("utf-8")) > STEM_MAX_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip("-")
    return stem if stem.strip(".") else fallback


def plain_name(name: object) -> bool:
    """A bare, visible file name: no directory part, not ``.``/``..``, no NUL."""
    return (isinstance(name, str) and bool(name) and not name.startswith(".")
            and "/" not in name and "\\" not in name and "\0" not in name
            and os.sep not in name)


def confine(out_dir: Path, name: str, *, resolve: bool = False) -> Path:
    """``out_dir / name``, refused (OutputError) unless ``name`` is a plain, visible file
    name whose path stays directly inside ``out_dir``; with ``resolve`` (a directory to
    write into) also when a link there leads elsewhere.  A link at a file's name is
    replaced by the writers, never followed, so files need no ``resolve``."""
    if isinstance(name, str) and name.startswith(".") and plain_name(name[1:] or "/"):
        raise OutputError(f"output name {name!r} is hidden; graphviz-ad writes no hidden "
                          f"files into {out_dir}")
    path = Path(out_dir) / name if plain_name(name) else None
    where = os.path.realpath if resolve else os.path.abspath
    if path is None or Path(where(path)) != Path(where(out_dir)) / name:
        raise OutputError(f"output name {name!r} would leave {out_dir}")
    return path

