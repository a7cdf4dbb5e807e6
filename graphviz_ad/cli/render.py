"""``graphviz-ad render`` (one graph) and ``graphviz-ad gallery`` (every graph file)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.formats import DRAW_FORMATS
from ..core.source import RANKDIRS
from ..draw.derivatives import VIEWS
from ..draw.graphviz_run import LAYOUT_TIMEOUT, layout_time_limit
from ..draw.writers import MAX_SCALE
from ..workflow.gallery import MAX_DEFAULT_JOBS, GalleryTask, plan_gallery, run_gallery
from ..workflow.render_file import ProgramDrawing, render_program
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
              help="Processes drawing at once (default: the CPU count, at most "
                   f"{MAX_DEFAULT_JOBS}).")
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
    slide = None if natural_size else slide
    plan = plan_gallery(Path(directory), Path(out), format_, slide, max_elements)
    show = sys.stderr.isatty() if progress is None else progress

    def shown(name: str | None) -> str:
        return shown_message(name or "")

    with click.progressbar(length=len(plan.tasks), label="gallery", file=sys.stderr,
                           item_show_func=shown, hidden=not show) as bar:
        def done(task: GalleryTask, line: str | None) -> None:
            bar.update(1, task.path.name)
            if line is not None:
                _say(show, line)

        result = run_gallery(plan, jobs, done)
    warn(result.skipped)
    click.echo(shown_message(f"wrote {result.total} files for {result.drawn} of "
                             f"{result.files} graphs under {Path(out)}/"), err=True)
    if result.skipped:
        raise SystemExit(1)


def _say(bar_shown: bool, line: str) -> None:
    """One line per graph on stderr when no progress bar is drawn (a log, CI, a pipe)."""
    if not bar_shown:
        click.echo(f"gallery: {shown_message(line)}", err=True)
