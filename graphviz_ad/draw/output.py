"""Write a drawing in every requested format: frames through the writers, DOT as text.

The one place both the derivative renderer and the receptive-field renderer hand
their frames to, so every command writes files the same way (atomically, never
touching files graphviz-ad did not write).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..core.errors import RenderError
from ..core.formats import FRAME_FORMATS
from .frames import Frame
from .staging import Staging


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a private temporary directory beside it.

    An OSError (a file where the directory should be, no permission, disk full) is a
    RenderError ``cannot write to DIR: <reason>``; directories this call created are
    removed again on failure (the same staging every writer uses).  A link at ``path``
    is replaced, never followed."""
    path = Path(path)
    stage = Staging(path.parent)
    try:
        final = stage.write_bytes(path.name, data)
        stage.commit()
    except BaseException:
        stage.abort()
        raise
    return final


def write_drawing(frames: Sequence[Frame], dot: str, out_dir: Path, stem: str,
                  formats: Iterable[str], *, slide: str | None = None, progress: bool = False,
                  title: str = "", scale: float | None = None) -> list[Path]:
    """Write ``frames`` (and ``dot`` for the ``dot`` format); return the paths written.

    Everything is written in one all-or-nothing step (see ``writers.write_frames``, also
    for ``scale``)."""
    from .writers import write_frames  # deferred: PIL; text-only writes (worksheets) skip it

    formats = [f.lower() for f in formats]
    drawn = (*FRAME_FORMATS, "dot")  # pages (the explorer) are written from the program
    unknown = [f for f in formats if f not in drawn]
    if unknown:
        raise RenderError(f"unknown format(s) {', '.join(unknown)}; choose from "
                          f"{', '.join(drawn)}")
    animated = [f for f in formats if f != "dot"]
    texts = {"dot": (f"{stem}.dot", dot)} if "dot" in formats else None
    result = write_frames(frames, Path(out_dir), stem, animated, slide=slide, progress=progress,
                          title=title, scale=scale, text_files=texts)
    return [p for paths in result.values() for p in paths]
