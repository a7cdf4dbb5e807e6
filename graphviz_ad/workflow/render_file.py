"""Whole drawings of a loaded program or conv stack, written to a directory: the work
behind ``graphviz-ad render``, ``rf`` drawings and ``gallery``.

Settings come as dataclasses (:class:`ProgramDrawing`, :class:`StackDrawing`) whose
fields say what they are, never as a row of positional arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import GraphvizAdError
from ..core.modes import Mode
from ..core.passes import names_or_setting, run_passes
from ..core.source import RANKDIRS, Source, read_toml_table
from ..core.trace import Trace
from ..draw.animate import derivative_frames, render
from ..draw.explorer import explorer_html
from ..draw.frames import STEP_MS
from ..draw.names import safe_stem
from ..draw.output import write_drawing, write_text_atomic
from ..draw.player import player_html
from ..draw.writers import slide_aspect
from ..frontends.sources import load
from ..receptive.drawing import rf_frames
from ..receptive.fields import stack_ndim
from ..receptive.spec import Spec, load_stack_spec


@dataclass(frozen=True)
class ProgramDrawing:
    """How to draw a program's pass(es); None means "the graph file's hint, else the
    default"."""

    mode: str | None = None           # evaluate | forward | reverse | both
    wrt: tuple[str, ...] = ()         # one forward pass per name
    of: tuple[str, ...] = ()          # one reverse pass per name
    slide: str | None = None
    rankdir: str | None = None
    show_constants: bool = False
    title: str = ""
    frame_ms: int | None = None
    view: str = "auto"
    quiz: bool = False                # the html format is the predict-then-reveal player
    ranges: tuple[str, ...] = ()      # explorer sliders, NAME=LOW:HIGH (over [variants])
    progress: bool = False
    scale: float | None = None        # raster frames (see writers.write_frames)


@dataclass(frozen=True)
class StackDrawing:
    """How to draw a conv stack's receptive field unit by unit."""

    unit: Sequence[int | None] | None = None        # per axis; default the middle unit
    input_size: Sequence[int | None] | None = None  # per axis; default just wide enough
    axis: int = 0
    paths: bool = False
    slide: str | None = None
    frame_ms: int = STEP_MS
    progress: bool = False
    max_units: int = 100


def render_program(src: Source, graph: Any, inputs: dict[str, Any], formats: Sequence[str],
                   out_dir: str | Path | None, drawing: ProgramDrawing = ProgramDrawing()
                   ) -> list[Path]:
    """Run the pass(es) and write the drawing into ``out_dir`` (default render/<name>/);
    returns the paths written.  Several ``wrt`` (``of``) names write one animation per
    pass (see :func:`_drawings`)."""
    mode = drawing.mode or src.settings.get("mode", Mode.REVERSE)
    traces = run_passes(graph, inputs, mode,
                        wrt=names_or_setting(drawing.wrt, src.settings.get("wrt")),
                        of=names_or_setting(drawing.of, src.settings.get("of")),
                        data=src.data_inputs)
    hints = src.render
    rankdir = drawing.rankdir or hints.get("rankdir", "auto")
    if rankdir not in RANKDIRS:
        raise GraphvizAdError(f"rankdir {rankdir!r}: choose {', '.join(RANKDIRS)}")
    name = safe_stem(src.name)  # a file name is input: never a path, never hidden
    out = Path(out_dir) if out_dir else Path("render") / name
    options: dict[str, Any] = {
        "slide": drawing.slide or hints.get("slide"), "rankdir": rankdir,
        "show_constants": drawing.show_constants or bool(hints.get("show_constants", False)),
        "title": drawing.title or _file_title(src, mode), "quiet": src.data_inputs,
        "step_ms": drawing.frame_ms or int(hints.get("frame_ms", STEP_MS)),
        "view": drawing.view}
    written: list[Path] = []
    page = _explorer(src, graph, inputs, drawing, options, mode) if "explorer" in formats \
        else None  # built first (its errors before any file), written last
    formats = [f for f in formats if f != "explorer"]
    for stem, group in _drawings(traces, f"{name}-{mode}") if formats else []:
        if drawing.quiz:
            written += _quiz(group, out, stem, formats, drawing, options)
        else:
            written += render(group, out, formats, stem=stem, progress=drawing.progress,
                              scale=drawing.scale, **options)
    if page is not None:
        written.append(write_text_atomic(out / f"{name}-explorer.html", page))
    return written


def _explorer(src: Source, graph: Any, inputs: dict[str, Any], drawing: ProgramDrawing,
              options: dict[str, Any], mode: str) -> str:
    """The explorer page (one pass of each kind: the first ``wrt`` and ``of``), its
    sliders' ranges from the graph file's [variants] and then ``drawing.ranges``."""
    from ..teach.variants import parse_input_range  # deferred: the teaching kit, explorer only

    ranges = {}
    for text in src.variants.get("vary", []):
        r = parse_input_range(text, "[variants] vary")
        ranges[r.name] = (r.low, r.high)
    for text in drawing.ranges:
        r = parse_input_range(text, "--slider")
        if r.name not in inputs or np.ndim(inputs[r.name]) != 0:
            raise GraphvizAdError(f"--slider {text}: {r.name} is not a scalar input")
        ranges[r.name] = (r.low, r.high)
    wrt = names_or_setting(drawing.wrt, src.settings.get("wrt"))
    of = names_or_setting(drawing.of, src.settings.get("of"))
    return explorer_html(graph, inputs, title=options["title"] or src.name,
                         data=src.data_inputs, wrt=wrt[0] if wrt else None,
                         of=of[0] if of else None, ranges=ranges,
                         rankdir=options["rankdir"], show_constants=options["show_constants"],
                         mode={"both": "both", "forward": "forward"}.get(mode, "reverse"))


def _drawings(traces: list[Trace], stem: str) -> list[tuple[str, list[Trace]]]:
    """The animations to write: every pass on one layout when each kind (forward,
    reverse) has one pass, as ``--mode both`` shows; else one animation per pass, named
    after its input or output (``NAME-forward-x``, ``NAME-forward-w``)."""
    modes = [t.mode for t in traces]
    if len(set(modes)) == len(modes):
        return [(stem, traces)]
    base = stem.rsplit("-", 1)[0]
    return [(f"{base}-{t.mode}-{safe_stem(t.seed_node)}", [t])
            for t in traces]


def _quiz(traces, out_dir: Path, stem: str, formats: Sequence[str], drawing: ProgramDrawing,
          options: dict[str, Any]) -> list[Path]:
    """Every format as usual, except html: the player asks each step's number first."""
    from ..teach.quiz import quiz_questions  # deferred: teaching kit (~20 ms), quiz only

    if "html" not in formats:
        raise GraphvizAdError("--quiz is a mode of the html player: add html to --format")
    frames, dot = derivative_frames(traces, **options)
    questions = quiz_questions(traces, frames, options["quiet"])
    if not any(questions):
        raise GraphvizAdError("--quiz: no step of this pass has a single number to ask")
    others = [f for f in formats if f != "html"]
    written = write_drawing(frames, dot, out_dir, stem, others, slide=options["slide"],
                            progress=drawing.progress, title=options["title"],
                            scale=drawing.scale) if others else []
    page = player_html(frames, options["title"] or stem, questions)
    return [*written, write_text_atomic(out_dir / f"{stem}-quiz.html", page)]


def _file_title(src: Source, mode: str) -> str:
    """The graph file's title, saying so when the frames show another mode than its own:
    a title's "by reverse mode" becomes "by forward, then reverse mode" (never both)."""
    own = src.settings.get("mode", Mode.REVERSE)
    if not src.title or mode == own:
        return src.title
    shown = "forward, then reverse mode" if mode == Mode.BOTH else f"{mode} mode"
    if f"by {own} mode" in src.title:
        return src.title.replace(f"by {own} mode", f"by {shown}")
    return f"{src.title} (shown: {shown})"


def draw_stack(spec: Spec, formats: Sequence[str], out_dir: str | Path | None,
               drawing: StackDrawing = StackDrawing()) -> list[Path]:
    """A conv stack's receptive-field frames (all checks happen first), written in every
    format into ``out_dir`` (default render/<name>/)."""
    axis = drawing.axis
    ndim = stack_ndim(spec.layers)
    if not 0 <= axis < ndim:
        raise GraphvizAdError(f"--axis {axis}: the stack has {ndim} "
                              f"ax{'i' if ndim == 1 else 'e'}s")

    def pick(values: Sequence[int | None] | None) -> int | None:
        return None if values is None else values[axis if len(values) > 1 else 0]

    title = spec.title + (f" (axis {axis})" if ndim > 1 else "")
    frames, dot, _ = rf_frames(spec.layers, pick(drawing.unit), pick(drawing.input_size), axis,
                               drawing.paths, title, slide_aspect(drawing.slide),
                               drawing.frame_ms, drawing.max_units)
    name = safe_stem(spec.name)  # from a file name: never a path, never hidden
    out = Path(out_dir) if out_dir else Path("render") / name
    return write_drawing(frames, dot, out, name, list(formats), slide=drawing.slide,
                         progress=drawing.progress, title=spec.title)


def graph_file_kind(path: Path) -> str:
    """``program`` or ``conv``: what a graph file holds."""
    data = read_toml_table(path)
    if "program" in data:
        return "program"
    if "layers" in data or "preset" in data:
        return "conv"
    raise GraphvizAdError(f"{path}: neither a program nor a conv stack")


def render_graph_file(path: Path, target: Path, formats: Sequence[str], slide: str | None,
                      plots: bool = True) -> list[Path]:
    """One gallery entry into ``target``: a program's derivative animation and (with
    ``plots``) its [[plots]], or a conv stack's growth, each with the file's own hints."""
    from ..plots.drawing import draw_file_plots  # deferred: plots import matplotlib

    if graph_file_kind(path) == "program":
        src, graph, inputs = load(str(path))
        written = render_program(src, graph, inputs, formats, target,
                                 ProgramDrawing(slide=slide))
        return written + (draw_file_plots(path, target, formats, slide) if plots else [])
    formats = [f for f in formats if f != "explorer"]  # a stack has no program to explore
    if not formats:
        raise GraphvizAdError(f"{path}: a conv stack has no program for the explorer format")
    spec = load_stack_spec(path)
    drawing = StackDrawing(unit=spec.unit, input_size=spec.input_size,
                           paths=bool(spec.render.get("paths", False)),
                           slide=slide or spec.render.get("slide"),
                           frame_ms=int(spec.render.get("frame_ms", STEP_MS)))
    return draw_stack(spec, formats, target, drawing)
