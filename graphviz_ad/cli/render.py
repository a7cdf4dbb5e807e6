"""``graphviz-ad render`` (one graph) and ``graphviz-ad gallery`` (every graph file)."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import click

from ..core.errors import GraphvizAdError
from ..core.formats import DRAW_FORMATS
from ..core.shapes import element_limit
from ..core.source import RANKDIRS, graph_file
from ..draw import raster
from ..draw.derivatives import VIEWS
from ..draw.graphviz_run import LAYOUT_TIMEOUT, layout_time_limit
from ..draw.names import confine, safe_stem
from ..draw.raster import process_pool
from ..draw.staging import OutputError
from ..draw.writers import MAX_SCALE, slide_canvas
from ..workflow.render_file import (
    ProgramDrawing,
    graph_file_kind,
    render_graph_file,
    render_program,
)
from .common import (
    at_option,
    data_option,
    formats_option,
    frame_ms_option,
    load_program,
    max_elements_option,
    mode_option,
    no_cse_option,
    of_option,
    options,
    out_option,
    pass_settings,
    progress_option,
    report_written,
    reports_errors,
    shown_message,
    slide_option,
    source_argument,
    title_option,
    warn,
    wrt_option,
)

DEFAULT_FORMATS = "svg,png,gif,html"


@click.command()
@options(source_argument, at_option, data_option, mode_option, wrt_option, of_option,
         formats_option(DRAW_FORMATS, DEFAULT_FORMATS), out_option(), slide_option())
@click.option("--rankdir", type=click.Choice(RANKDIRS), default=None,
              help="Graph direction; auto (default unless the graph file says) picks LR or TB, "
                   "whichever draws larger in a 16:9 frame.")
@click.option("--view", type=click.Choice(VIEWS), default="auto", show_default=True,
              help="With --slide: whole graph in every frame, or a camera that follows the "
                   "step (with an overview); auto follows when a graph of more than 16 nodes "
                   "would be below the legibility floor (28 px text at 1920 wide).")
@click.option("--show-constants", is_flag=True,
              help="Draw constants as nodes instead of folding them into labels.")
@options(title_option, no_cse_option, frame_ms_option, progress_option, max_elements_option)
@click.option("--layout-timeout", type=click.FloatRange(min=1), default=LAYOUT_TIMEOUT,
              show_default=True, metavar="SECONDS", help="Longest Graphviz layout allowed.")
@click.option("--scale", type=click.FloatRange(0, MAX_SCALE, min_open=True), default=None,
              metavar="X", help="Raster frames (png, gif, apng, mp4) at X times the drawing's "
                                "size (default 2, at most 1920 px wide; not with --slide).")
@click.option("--quiz", is_flag=True,
              help="Predict, then reveal: the html player (written as NAME-quiz.html) asks "
                   "each step's number first, checks it and names the mistake.")
@click.option("--slider", multiple=True, metavar="NAME=LOW:HIGH",
              help="The explorer format's slider range for a scalar input (repeatable; "
                   "default: the graph file's [variants] vary, else its value ± max(1, |value|)).")
@reports_errors
def render(source, at, data, mode, wrt, of, format_, out, slide, rankdir, view, show_constants,
           title, no_cse, frame_ms, progress, layout_timeout, scale, quiz, slider):
    """Animate a pass over SOURCE: one frame per step on a layout that never moves.

    SOURCE is an expression, a program, a graph file (graphs/*.toml) or - for stdin.

    Several --wrt animate one forward pass per input, several --of one reverse pass
    per output, one after another on the same layout (--mode both: the forward passes,
    then the reverse ones).

    \b
    Examples:
      graphviz-ad render graphs/problem9.toml
      graphviz-ad render graphs/problem10.toml --format gif,pdf,beamer --slide 16:9
      graphviz-ad render graphs/linear-layer.toml --format pptx --slide 16:9
      graphviz-ad render "y = sin(x)*x" --at x=1 --mode both --format html
      graphviz-ad render "y = x*w" --at x=1 --at w=2 --mode forward --wrt x --wrt w
      graphviz-ad render graphs/problem9.toml --format html --quiz
      graphviz-ad render graphs/mlp.toml --format explorer --out render/mlp
      graphviz-ad render "L = (w*x + b - t)^2" --at w=0.5 --at x=2 --at b=0 --at t=1 \\
          --format png,svg --out render/loss
    """
    src, graph, inputs = load_program(source, at, cse=not no_cse, data=data)
    mode, wrt, of = pass_settings(src, graph, mode, wrt, of)
    drawing = ProgramDrawing(mode=mode, wrt=tuple(wrt), of=tuple(of), slide=slide,
                             rankdir=rankdir, show_constants=show_constants, title=title,
                             frame_ms=frame_ms, view=view, quiz=quiz, scale=scale,
                             ranges=tuple(slider),
                             progress=sys.stderr.isatty() if progress is None else progress)
    with layout_time_limit(layout_timeout):
        written = render_program(src, graph, inputs, format_, out, drawing)
    report_written(written)


@click.command()
@click.argument("directory", metavar="DIR", default="graphs",
                type=click.Path(exists=True, file_okay=False))
@options(out_option(default="render"), formats_option(DRAW_FORMATS, "svg,png,gif"),
         slide_option("16:9"))
@click.option("--natural-size", is_flag=True,
              help="Keep each drawing's natural size instead of a slide (ignores --slide).")
@progress_option
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes drawing at once (default: the CPU count, at most 4).")
@max_elements_option
@reports_errors
def gallery(directory, out, format_, slide, natural_size, progress, jobs, max_elements):
    """Render every graph file in DIR: programs as derivative animations, conv stacks
    as receptive-field animations, each graph file's [[plots]]; 16:9 slides by default.
    The drawing and each plot of every file are spread over processes.

    A file that cannot be drawn (bad input, a limit, any failure) gets one line saying
    why and the others are drawn; the exit status is then 1 (0 when every file was
    drawn, 2 when nothing could be: a bad DIR, --out or option).

    \b
    Examples:
      graphviz-ad gallery graphs/ --out render/
      graphviz-ad gallery graphs/ --format png --slide 4:3
      graphviz-ad gallery graphs/ --natural-size
    """
    formats = format_
    slide = None if natural_size else slide
    slide_canvas(slide)  # a bad --slide fails once, before any graph is read
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise GraphvizAdError(f"{directory}: no *.toml graph files")
    show = sys.stderr.isatty() if progress is None else progress
    tasks, skipped = _gallery_tasks(files, Path(out), formats, slide, max_elements)
    workers = jobs or min(os.cpu_count() or 1, 4)
    written: dict[Path, list[Path]] = {}
    left = {path: sum(t.path == path for t in tasks) for path in files}
    failed: dict[Path, str] = {}
    def shown(name: str | None) -> str:
        return shown_message(name or "")

    with click.progressbar(length=len(tasks), label="gallery", file=sys.stderr,
                           item_show_func=shown, hidden=not show) as bar, \
            process_pool(workers if len(tasks) > 1 else 1, fresh=GALLERY_PRELOAD) as pool:
        results = (pool.map(_gallery_task, tasks) if pool is not None
                   else map(_gallery_task, tasks))
        for task, outcome in _outcomes(tasks, results):
            bar.update(1, task.path.name)
            if outcome.fatal:  # the output directory is unusable: no point going on
                raise OutputError(outcome.fatal)
            if outcome.skipped:
                failed.setdefault(task.path, outcome.skipped)
            written.setdefault(task.path, []).extend(outcome.paths)
            left[task.path] -= 1
            if left[task.path] == 0:
                _say(show, f"{task.path.name}: " + ("skipped" if task.path in failed else
                                                    f"{len(written.get(task.path, []))} files"))
    skipped += [f"skipped {path.name}: {err}" for path, err in failed.items()]
    total = sum(len(paths) for paths in written.values())
    done = len({t.path for t in tasks} - set(failed))
    warn(skipped)
    click.echo(shown_message(f"wrote {total} files for {done} of {len(files)} graphs under "
                             f"{Path(out)}/"), err=True)
    if skipped:
        raise SystemExit(1)


def _outcomes(tasks: list[GalleryTask], results: Iterator[TaskOutcome]
              ) -> Iterator[tuple[GalleryTask, TaskOutcome]]:
    """Each task with its outcome; a worker process that died (killed, out of memory)
    ends the gallery with one line, the files drawn so far kept."""
    try:
        yield from zip(tasks, results)
    except BrokenProcessPool:
        raise GraphvizAdError("a drawing process died (killed, or out of memory); the files "
                              "drawn so far are kept") from None


# what the gallery's worker processes import once, in the clean process they fork from
GALLERY_PRELOAD = ("graphviz_ad.cli.render", "graphviz_ad.workflow.render_file",
                   "graphviz_ad.plots.drawing", "graphviz_ad.draw.writers")


@dataclass(frozen=True)
class GalleryTask:
    """One piece of gallery work: a graph file's drawing (``plot`` None) or one of its
    [[plots]] (its index), written into ``target``."""

    path: Path
    target: Path
    formats: tuple[str, ...]
    slide: str | None
    plot: int | None = None
    max_elements: int | None = None  # --max-elements (None: the default)


def _gallery_tasks(files: list[Path], out: Path, formats: list[str], slide: str | None,
                   max_elements: int | None = None) -> tuple[list[GalleryTask], list[str]]:
    """The work for every graph file (each output folder confined to ``out``; a folder
    two files would share goes to the first), and the files skipped for that reason.
    Plots come first: they take longest, so the last task to finish is a short one."""
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
        tasks.append(GalleryTask(path, target, tuple(formats), slide, None, max_elements))
        try:
            plots = graph_file(path).plots if graph_file_kind(path) == "program" else []
        except Exception:  # deliberately broad: reported by the drawing's own task
            plots = []
        plot_tasks += [GalleryTask(path, target, tuple(formats), slide, k, max_elements)
                       for k in range(len(plots))]
    return plot_tasks + tasks, skipped


@dataclass(frozen=True)
class TaskOutcome:
    """The files a task wrote, or why it skipped its file (bad input) or stopped the
    gallery (the output directory cannot be written)."""

    paths: tuple[Path, ...] = ()
    skipped: str = ""
    fatal: str = ""


def _gallery_task(task: GalleryTask) -> TaskOutcome:
    """Run one task (in a worker process)."""
    from ..plots.drawing import draw_file_plot  # deferred: plots import matplotlib

    if multiprocessing.parent_process() is not None:  # a worker: the pool uses every core
        raster.WORKERS = 1
    formats = list(task.formats)
    try:
        with element_limit(task.max_elements):
            if task.plot is None:
                paths = render_graph_file(task.path, task.target, formats, task.slide,
                                          plots=False)
            else:
                paths = draw_file_plot(task.path, task.plot, task.target, formats, task.slide)
    except OutputError as err:
        return TaskOutcome(fatal=str(err))
    except GraphvizAdError as err:  # e.g. a stack too wide to draw: say so, go on
        return TaskOutcome(skipped=str(err))
    except Exception as err:  # deliberately broad: one file's failure never stops the rest
        return TaskOutcome(skipped=failure_line(err))
    return TaskOutcome(tuple(paths))


def failure_line(err: BaseException) -> str:
    """An unexpected error as one line: its kind and first line (``out of memory`` for
    a MemoryError, which has no text of its own).

    >>> failure_line(RecursionError("maximum recursion depth exceeded"))
    'failed (RecursionError: maximum recursion depth exceeded)'
    """
    if isinstance(err, MemoryError):
        return "failed (out of memory)"
    text = str(err).strip().split("\n", 1)[0]
    return f"failed ({type(err).__name__}{': ' + text if text else ''})"


def _say(bar_shown: bool, line: str) -> None:
    """One line per graph on stderr when no progress bar is drawn (a log, CI, a pipe)."""
    if not bar_shown:
        click.echo(f"gallery: {shown_message(line)}", err=True)
