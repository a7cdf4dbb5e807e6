"""Write a drawing in every requested format: frames through the writers, DOT as text.

The one place both the derivative renderer and the receptive-field renderer hand
their frames to, so every command writes files the same way (atomically, never
touching files graphviz-ad did not write).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from .frames import Frame

DRAW_FORMATS = ("svg", "png", "pdf", "gif", "apng", "mp4", "html", "beamer", "dot")


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_drawing(frames: Sequence[Frame], dot: str, out_dir: Path, stem: str,
                  formats: Iterable[str], *, slide: str | None = None, progress: bool = False,
                  title: str = "") -> list[Path]:
    """Write ``frames`` (and ``dot`` for the ``dot`` format); return the paths written."""
    formats = list(formats)
    written: list[Path] = []
    animated = [f for f in formats if f != "dot"]
    if animated:
        from .writers import write_frames

        result = write_frames(frames, out_dir, stem, animated, slide=slide, progress=progress,
                              title=title)
        written += [p for paths in result.values() for p in paths]
    if "dot" in formats:
        written.append(write_text_atomic(Path(out_dir) / f"{stem}.dot", dot))
    return written
