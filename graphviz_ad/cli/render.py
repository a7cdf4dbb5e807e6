"""``graphviz-ad render`` (one graph) and ``graphviz-ad gallery`` (every graph file)."""

from __future__ import annotations

import multiprocessing
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from ..draw.derivatives import STEP_MS, VIEWS
from ..draw.graphviz_run import LAYOUT_TIMEOUT, layout_time_limit
from ..draw.names import confine, safe_stem
from ..draw.output import DRAW_FORMATS
from ..draw.raster import process_pool
from ..draw.staging import OutputError
from ..draw.writers import MAX_SCALE, slide_canvas
from ..errors import GraphvizAdError
from .common import (
    at_option,
    check_names,
    data_option,
    load_program,
    note,
    output_hint,
    report_written,
    reports_errors,
    source_argument,
    split_formats,
    warn,
)
from .trace import run_pass

MODES = ("reverse", "forward", "both", "evaluate")
RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
DEFAULT_FORMATS = "svg,png,gif,html"


def render_program(source_arg: str, at, *, mode, wrt, of, formats, out, slide, rankdir,
                   show_constants, no_cse, title, progress, data=(),
                   frame_ms: int | None = None, view: str = "auto", quiz: bool = False,
                   scale: float | None = None) -> list[Path]:
    """Parse, run the pass(es) and write the drawing; shared by render and gallery.
    ``quiz``: the html format is the predict-then-reveal player."""
    from ..render import render

    src, graph, inputs = load_program(source_arg, at, cse=not no_cse, data=data)
    mode = mode or src.settings.get("mode", "reverse")
    if mode not in MODES:
        raise GraphvizAdError(f"mode {mode!r}: choose one of {', '.join(MODES)}")
    wrt = wrt or src.settings.get("wrt")
    of = of or src.settings.get("of")
    passes = ["forward", "reverse"] if mode == "both" else [mode]
    check_names(graph, [wrt] if isinstance(wrt, str) else [], [of] if isinstance(of, str) else [])
    if "reverse" in passes:
        note([output_hint(graph, of)])
    traces = [run_pass(graph, inputs, m, wrt, of) for m in passes]
    hints = src.render
    rankdir = rankdir or hints.get("rankdir", "auto")
    if rankdir not in RANKDIRS:
        raise GraphvizAdError(f"rankdir {rankdir!r}: choose {', '.join(RANKDIRS)}")
    name = safe_stem(src.name)  # a file name is input: never a path, never hidden
    out_dir = Path(out) if out else Path("render") / name
    options = dict(slide=slide or hints.get("slide"), rankdir=rankdir,
                   show_constants=show_constants or bool(hints.get("show_constants", False)),
                   title=title or _file_title(src, mode), quiet=src.data_inputs,
                   step_ms=frame_ms or int(hints.get("frame_ms", STEP_MS)), view=view)
    if quiz:
        return _quiz(traces, out_dir, f"{name}-{mode}", formats, progress, options, scale)
    return render(traces, out_dir, formats, stem=f"{name}-{mode}", progress=progress,
                  scale=scale, **options)


def _quiz(traces, out_dir: Path, stem: str, formats, progress: bool, options,
          scale: float | None = None) -> list[Path]:
    """Every format as usual, except html: the player asks each step's number first."""
    from ..draw.output import write_drawing, write_text_atomic
    from ..draw.player import player_html
    from ..render import derivative_frames
    from ..teach.quiz import quiz_questions

    if "html" not in formats:
        raise GraphvizAdError("--quiz is a mode of the html player: add html to --format")
    frames, dot = derivative_frames(traces, **options)
    questions = quiz_questions(traces, frames, options["quiet"])
    if not any(questions):
        raise GraphvizAdError("--quiz: no step of this pass has a single number to ask")
    others = [f for f in formats if f != "html"]
    written = write_drawing(frames, dot, out_dir, stem, others, slide=options["slide"],
                            progress=progress, title=options["title"],
                            scale=scale) if others else []
    page = player_html(frames, options["title"] or stem, questions)
    return [*written, write_text_atomic(out_dir / f"{stem}-quiz.html", page)]


def _file_title(src, mode: str) -> str:
    """The graph file's title, saying so when the frames show another mode than its own:
    a title's "by reverse mode" becomes "by forward, then reverse mode" (never both)."""
    own = src.settings.get("mode", "reverse")
    if not src.title or mode == own:
        return src.title
    shown = "forward, then reverse mode" if mode == "both" else f"{mode} mode"
    if f"by {own} mode" in src.title:
        return src.title.replace(f"by {own} mode", f"by {shown}")
    return f"{src.title} (shown: {shown})"


@click.command()
@source_argument
@at_option
@data_option
@click.option("--mode", type=click.Choice(MODES), default=None,
              help="Pass to animate; 'both' shows forward then reverse on one layout "
                   "(default: the graph file's mode, else reverse).")
@click.option("--wrt", default=None, help="Forward mode: the input to differentiate by.")
@click.option("--of", default=None, help="Reverse mode: the output to differentiate.")
@click.option("--format", "format_", default=DEFAULT_FORMATS, show_default=True,
              metavar="LIST", help="Comma list of: " + ", ".join(DRAW_FORMATS) + ".")
@click.option("--out", metavar="DIR", help="Output directory (default render/<name>/).")
@click.option("--slide", metavar="W:H", default=None,
              help="Slide frames: 16:9 gives 1920x1080 PNGs (padded) and 16:9 PDF pages.")
@click.option("--rankdir", type=click.Choice(RANKDIRS), default=None,
              help="Graph direction; auto (default unless the graph file says) picks LR or TB, "
                   "whichever draws larger in a 16:9 frame.")
@click.option("--view", type=click.Choice(VIEWS), default="auto", show_default=True,
              help="With --slide: whole graph in every frame, or a camera that follows the "
                   "step (with an overview); auto follows when the whole graph would be "
                   "below the legibility floor (28 px text at 1920 wide).")
@click.option("--show-constants", is_flag=True,
              help="Draw constants as nodes instead of folding them into labels.")
@click.option("--title", default="", help="Title shown above the graph.")
@click.option("--no-cse", is_flag=True, help="Keep repeated subexpressions as separate nodes.")
@click.option("--frame-ms", type=click.IntRange(100, 60000), default=None,
              help=f"How long each step shows in animations (default {STEP_MS}; the first "
                   "frame 1.25x, the last 2x).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bars (default: when stderr is a terminal).")
@click.option("--layout-timeout", type=click.FloatRange(min=1), default=LAYOUT_TIMEOUT,
              show_default=True, metavar="SECONDS", help="Longest Graphviz layout allowed.")
@click.option("--scale", type=click.FloatRange(0, MAX_SCALE, min_open=True), default=None,
              metavar="X", help="Raster frames (png, gif, apng, mp4) at X times the drawing's "
                                "size (default 2, at most 1920 px wide; not with --slide).")
@click.option("--quiz", is_flag=True,
              help="Predict, then reveal: the html player (written as NAME-quiz.html) asks "
                   "each step's number first, checks it and names the mistake.")
@reports_errors
def render(source, at, data, mode, wrt, of, format_, out, slide, rankdir, view, show_constants,
           title, no_cse, frame_ms, progress, layout_timeout, scale, quiz):
    """Animate a pass over SOURCE: one frame per step on a layout that never moves.

    SOURCE is an expression, a program, a graph file (graphs/*.toml) or - for stdin.

    \b
    Examples:
      graphviz-ad render graphs/problem9.toml
      graphviz-ad render graphs/problem10.toml --format gif,pdf,beamer --slide 16:9
      graphviz-ad render "y = sin(x)*x" --at x=1 --mode both --format html
      graphviz-ad render graphs/problem9.toml --format html --quiz
      graphviz-ad render "L = (w*x + b - t)^2" --at w=0.5 --at x=2 --at b=0 --at t=1 \\
          --format png,svg --out render/loss
    """
    formats = split_formats(format_, DRAW_FORMATS)
    show = sys.stderr.isatty() if progress is None else progress
    with layout_time_limit(layout_timeout):
        written = render_program(source, at, mode=mode, wrt=wrt, of=of, formats=formats,
                                 out=out, slide=slide, rankdir=rankdir,
                                 show_constants=show_constants, no_cse=no_cse, title=title,
                                 progress=show, data=data, frame_ms=frame_ms, view=view,
                                 quiz=quiz, scale=scale)
    report_written(written)


def _kind(path: Path) -> str:
    from ..source import load_toml

    data = load_toml(path)
    if "program" in data:
        return "program"
    if "layers" in data or "preset" in data:
        return "conv"
    raise GraphvizAdError(f"{path}: neither a program nor a conv stack")


@click.command()
@click.argument("directory", metavar="DIR", default="graphs",
                type=click.Path(exists=True, file_okay=False))
@click.option("--out", metavar="DIR", default="render", show_default=True,
              help="Each graph goes to DIR/<name>/.")
@click.option("--format", "format_", default="svg,png,gif", show_default=True, metavar="LIST",
              help="Comma list of: " + ", ".join(DRAW_FORMATS) + ".")
@click.option("--slide", metavar="W:H", default="16:9", show_default=True,
              help="Slide frames: every graph and plot the same size.")
@click.option("--natural-size", is_flag=True,
              help="Keep each drawing's natural size instead of a slide (ignores --slide).")
@click.option("--progress/--no-progress", default=None,
              help="A progress bar (default: when stderr is a terminal; otherwise one line "
                   "per graph).")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes drawing at once (default: the CPU count, at most 4).")
@reports_errors
def gallery(directory, out, format_, slide, natural_size, progress, jobs):
    """Render every graph file in DIR: programs as derivative animations, conv stacks
    as receptive-field animations, each graph file's [[plots]]; 16:9 slides by default.
    The drawing and each plot of every file are spread over processes.

    \b
    Examples:
      graphviz-ad gallery graphs/ --out render/
      graphviz-ad gallery graphs/ --format png --slide 4:3
      graphviz-ad gallery graphs/ --natural-size
    """
    formats = split_formats(format_, DRAW_FORMATS)
    slide = None if natural_size else slide
    slide_canvas(slide)  # a bad --slide fails once, before any graph is read
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise GraphvizAdError(f"{directory}: no *.toml graph files")
    show = sys.stderr.isatty() if progress is None else progress
    tasks, skipped = _gallery_tasks(files, Path(out), formats, slide)
    workers = jobs or min(os.cpu_count() or 1, 4)
    written: dict[Path, list[Path]] = {}
    left = {path: sum(t.path == path for t in tasks) for path in files}
    failed: dict[Path, str] = {}
    with click.progressbar(length=len(tasks), label="gallery", file=sys.stderr,
                           item_show_func=lambda name: name or "", hidden=not show) as bar, \
            process_pool(workers if len(tasks) > 1 else 1, fresh=GALLERY_PRELOAD) as pool:
        results = (pool.map(_gallery_task, tasks) if pool is not None
                   else map(_gallery_task, tasks))
        for task, (kind, outcome) in zip(tasks, results):
            bar.update(1, task.path.name)
            if kind == "fatal":  # the output directory is unusable: no point going on
                raise OutputError(str(outcome))
            if kind == "skipped":
                failed.setdefault(task.path, str(outcome))
            else:
                written.setdefault(task.path, []).extend(outcome)
            left[task.path] -= 1
            if left[task.path] == 0:
                _say(show, f"{task.path.name}: " + ("skipped" if task.path in failed else
                                                    f"{len(written.get(task.path, []))} files"))
    skipped += [f"skipped {path.name}: {err}" for path, err in failed.items()]
    total = sum(len(paths) for paths in written.values())
    done = len({t.path for t in tasks} - set(failed))
    warn(skipped)
    click.echo(f"wrote {total} files for {done} of {len(files)} graphs under {Path(out)}/",
               err=True)


# what the gallery's worker processes import once, in the clean process they fork from
GALLERY_PRELOAD = ("graphviz_ad.cli.render", "graphviz_ad.cli.plot", "graphviz_ad.cli.rf",
                   "graphviz_ad.plots", "graphviz_ad.draw.writers")


@dataclass(frozen=True)
class GalleryTask:
    """One piece of gallery work: a graph file's drawing (``plot`` None) or one of its
    [[plots]] (its index), written into ``target``."""

    path: Path
    target: Path
    formats: tuple[str, ...]
    slide: str | None
    plot: int | None = None


def _gallery_tasks(files: list[Path], out: Path, formats: list[str], slide: str | None
                   ) -> tuple[list[GalleryTask], list[str]]:
    """The work for every graph file (each output folder confined to ``out``; a folder
    two files would share goes to the first), and the files skipped for that reason.
    Plots come first: they take longest, so the last task to finish is a short one."""
    from ..source import graph_file

    tasks: list[GalleryTask] = []
    plot_tasks: list[GalleryTask] = []
    skipped: list[str] = []
    taken: dict[str, str] = {}  # output folder (casefolded) -> the graph file using it
    for path in files:
        name = safe_stem(path.stem)
        if name.casefold() in taken:  # e.g. "a b.toml" and "a-b.toml"
            skipped.append(f"skipped {path.name}: its output folder {name}/ is "
                           f"{taken[name.casefold()]}'s")
            continue
        taken[name.casefold()] = path.name
        target = confine(out, name, resolve=True)
        tasks.append(GalleryTask(path, target, tuple(formats), slide))
        try:
            plots = graph_file(path).plots if _kind(path) == "program" else []
        except GraphvizAdError:  # reported by the drawing's own task
            plots = []
        plot_tasks += [GalleryTask(path, target, tuple(formats), slide, k)
                       for k in range(len(plots))]
    return plot_tasks + tasks, skipped


def _gallery_task(task: GalleryTask) -> tuple[str, list[Path] | str]:
    """Run one task (in a worker process): ("done", paths), ("skipped", why) for bad
    input, ("fatal", why) when the output directory cannot be written."""
    from ..draw import raster

    if multiprocessing.parent_process() is not None:  # a worker: the pool uses every core
        raster.WORKERS = 1
    try:
        if task.plot is None:
            return "done", _render_file(task.path, task.target, list(task.formats), task.slide)
        return "done", _render_plot(task.path, task.plot, task.target, list(task.formats),
                                    task.slide)
    except OutputError as err:
        return "fatal", str(err)
    except GraphvizAdError as err:  # e.g. a stack too wide to draw: say so, go on
        return "skipped", str(err)


def _say(bar_shown: bool, line: str) -> None:
    """One line per graph on stderr when no progress bar is drawn (a log, CI, a pipe)."""
    if not bar_shown:
        click.echo(f"gallery: {line}", err=True)


def _render_plot(path: Path, index: int, target: Path, formats: list[str], slide: str | None
                 ) -> list[Path]:
    """A graph file's ``index``-th [[plots]] table, in the gallery's plot formats (png
    when it asks for none)."""
    from ..plots_style import PLOT_FORMATS
    from ..source import graph_file
    from .plot import draw_plot

    spec = graph_file(path).plots[index]
    kinds = [fmt for fmt in formats if fmt in PLOT_FORMATS] or ["png"]
    kind = str(spec.get("kind", ""))
    name = safe_stem(str(spec.get("name") or f"{path.stem}-plot{index + 1}-{kind}"))
    options = {key: value for key, value in spec.items() if key != "kind"}
    outs = [confine(target, f"{name}.{fmt}") for fmt in kinds]
    return draw_plot(kind, str(path), options, outs, slide)[0]  # drawn once, saved per format


def _render_file(path: Path, target: Path, formats: list[str], slide: str | None) -> list[Path]:
    """One gallery entry: a program's derivative animation or a conv stack's growth."""
    from ..receptive_spec import load_toml as load_stack
    from .rf import draw as draw_stack

    if _kind(path) == "program":
        return render_program(str(path), (), mode=None, wrt=None, of=None, formats=formats,
                              out=str(target), slide=slide, rankdir=None,
                              show_constants=False, no_cse=False, title="", progress=False)
    spec = load_stack(path)
    return draw_stack(spec, formats, str(target), spec.unit, spec.input_size, 0,
                      bool(spec.render.get("paths", False)), slide or spec.render.get("slide"),
                      int(spec.render.get("frame_ms", STEP_MS)), False)
