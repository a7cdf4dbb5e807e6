"""Render derivative passes: frames with a fixed layout, in every output format.

>>> import graphviz_ad as ad
>>> G = ad.parse("y = sin(x)*x")
>>> paths = ad.render(ad.reverse_mode(G, {"x": 1.0}), "render/demo", ["svg"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..core.trace import Trace
from .compose import check_title
from .derivatives import STEP_MS, DerivativeFrames, legible
from .frames import Frame
from .output import write_drawing
from .writers import slide_aspect


def _as_list(traces: Trace | Sequence[Trace]) -> list[Trace]:
    return [traces] if isinstance(traces, Trace) else list(traces)


def derivative_frames(traces: Trace | Sequence[Trace], *, rankdir: str = "auto",
                      show_constants: bool = False, title: str = "",
                      slide: str | None = None, quiet: Iterable[str] = (),
                      step_ms: int = STEP_MS, view: str = "auto") -> tuple[list[Frame], str]:
    """The frames of one or more passes over one graph, and the DOT of the last frame.

    Steps of ``quiet`` nodes (e.g. data inputs) are drawn without a frame of their own.
    A title over :data:`~graphviz_ad.draw.compose.MAX_TITLE` characters is refused first.
    On a ``slide`` labels are compact and ``view`` (whole, follow, auto: follow when the
    whole graph would be below the legibility floor) says whether a camera follows the step;
    a slide below the floor is tried again with each self-contained program line drawn as
    one node (:mod:`graphviz_ad.draw.layers`), and kept when that reaches the floor."""
    check_title(title)
    options: dict[str, Any] = {"rankdir": rankdir, "show_constants": show_constants, "title": title,
               "quiet": quiet, "step_ms": step_ms, "compact": slide is not None}
    builder = DerivativeFrames(_as_list(traces), **options)
    frames = builder.frames(aspect=slide_aspect(slide), view=view)
    if slide is not None and view != "follow" and not legible(frames):
        # below the floor: draw each line whose intermediates it alone reads as one node
        folded = DerivativeFrames(_as_list(traces), fold=True, **options)
        if len(folded.nodes) < len(builder.nodes):
            tried = folded.frames(aspect=slide_aspect(slide), view=view)
            if legible(tried):
                builder, frames = folded, tried
    return frames, builder.dot()


def render(traces: Trace | Sequence[Trace], out_dir: str | Path, formats: Iterable[str] = ("svg",),
           *, stem: str | None = None, slide: str | None = None, rankdir: str = "auto",
           show_constants: bool = False, title: str = "", progress: bool = False,
           quiet: Iterable[str] = (), step_ms: int = STEP_MS, view: str = "auto",
           scale: float | None = None) -> list[Path]:
    """Draw ``traces`` (e.g. ``[forward_mode(...), reverse_mode(...)]`` for both passes on
    one layout) into ``out_dir`` in each format: svg, png, pdf, gif, apng, mp4, html,
    beamer, pptx, dot (raster frames at ``scale``: see ``writers.write_frames``).  Returns the
    paths written."""
    traces = _as_list(traces)
    frames, dot = derivative_frames(traces, rankdir=rankdir, show_constants=show_constants,
                                    title=title, slide=slide, quiet=quiet, step_ms=step_ms,
                                    view=view)
    stem = stem or "-".join(t.mode for t in traces)
    return write_drawing(frames, dot, Path(out_dir), stem, formats, slide=slide,
                         progress=progress, title=title, scale=scale)
