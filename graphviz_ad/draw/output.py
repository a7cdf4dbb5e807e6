"""Write a drawing in every requested format: frames through the writers, DOT as text.

The one place both the derivative renderer and the receptive-field renderer hand
their frames to, so every command writes files the same way (atomically, never
touching files graphviz-ad did not write).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import RenderError
from .frames import Frame

DRAW_FORMATS = ("svg", "png", "pdf", "gif", "apng", "mp4", "html", "beamer", "dot")


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same directory.

    An OSError (a file where the directory should be, no permission, disk full) is a
    RenderError ``cannot write to DIR: <reason>``; directories this call created are
    removed again on failure."""
    from .staging import OutputError, cannot_write

    path = Path(path)
    parent = path.parent
    created = []
    probe = parent
    while not probe.exists() and probe != probe.parent:
        created.append(probe)
        probe = probe.parent
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        if probe.exists() and not probe.is_dir():
            raise OutputError(f"cannot write to {parent}: {probe} is not a directory")
        parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        _undo(tmp, created)
        raise cannot_write(parent, exc) from exc
    except BaseException:
        _undo(tmp, created)
        raise
    return path


def _undo(tmp: Path, created: list[Path]) -> None:
    try:
        tmp.unlink(missing_ok=True)
    except OSError:
        pass
    for directory in created:  # deepest first, only if still empty
        try:
            directory.rmdir()
        except OSError:
            break


def write_drawing(frames: Sequence[Frame], dot: str, out_dir: Path, stem: str,
                  formats: Iterable[str], *, slide: str | None = None, progress: bool = False,
                  title: str = "") -> list[Path]:
    """Write ``frames`` (and ``dot`` for the ``dot`` format); return the paths written.

    Everything is written in one all-or-nothing step (see ``writers.write_frames``)."""
    from .writers import write_frames

    formats = [f.lower() for f in formats]
    unknown = [f for f in formats if f not in DRAW_FORMATS]
    if unknown:
        raise RenderError(f"unknown format(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(DRAW_FORMATS)}")
    animated = [f for f in formats if f != "dot"]
    texts = {"dot": (f"{stem}.dot", dot)} if "dot" in formats else None
    result = write_frames(frames, Path(out_dir), stem, animated, slide=slide, progress=progress,
                          title=title, text_files=texts)
    return [p for paths in result.values() for p in paths]
