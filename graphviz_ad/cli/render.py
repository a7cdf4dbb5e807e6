"""``graphviz-ad render`` (one graph) and ``graphviz-ad gallery`` (every graph file)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..draw.derivatives import VIEWS
from ..draw.graphviz_run import LAYOUT_TIMEOUT, layout_time_limit
from ..draw.names import confine, safe_stem
from ..draw.output import DRAW_FORMATS
from ..draw.staging import OutputError
from ..draw.writers import slide_canvas
from ..errors import GraphvizAdError
from ..render_file import ProgramDrawing, render_program
from ..render_file import render_graph_file as _render_file
from ..source import RANKDIRS
from .common import (
    at_option,
    data_option,
    formats_option,
    frame_ms_option,
    load_program,
    mode_option,
    no_cse_option,
    of_option,
    options,
    out_option,
    pass_settings,
    progress_option,
    report_written,
    reports_errors,
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
                   "step (with an overview); auto follows when the whole graph would be "
                   "below the legibility floor (28 px text at 1920 wide).")
@click.option("--show-constants", is_flag=True,
              help="Draw constants as nodes instead of folding them into labels.")
@options(title_option, no_cse_option, frame_ms_option, progress_option)
@click.option("--layout-timeout", type=click.FloatRange(min=1), default=LAYOUT_TIMEOUT,
              show_default=True, metavar="SECONDS", help="Longest Graphviz layout allowed.")
@click.option("--quiz", is_flag=True,
              help="Predict, then reveal: the html player (written as NAME-quiz.html) asks "
                   "each step's number first, checks it and names the mistake.")
@reports_errors
def render(source, at, data, mode, wrt, of, format_, out, slide, rankdir, view, show_constants,
           title, no_cse, frame_ms, progress, layout_timeout, quiz):
    """Animate a pass over SOURCE: one frame per step on a layout that never moves.

    SOURCE is an expression, a program, a graph file (graphs/*.toml) or - for stdin.

    Several --wrt animate one forward pass per input, several --of one reverse pass
    per output, one after another on the same layout (--mode both: the forward passes,
    then the reverse ones).

    \b
    Examples:
      graphviz-ad render graphs/problem9.toml
      graphviz-ad render graphs/problem10.toml --format gif,pdf,beamer --slide 16:9
      graphviz-ad render "y = sin(x)*x" --at x=1 --mode both --format html
      graphviz-ad render "y = x*w" --at x=1 --at w=2 --mode forward --wrt x --wrt w
      graphviz-ad render graphs/problem9.toml --format html --quiz
      graphviz-ad render "L = (w*x + b - t)^2" --at w=0.5 --at x=2 --at b=0 --at t=1 \\
          --format png,svg --out render/loss
    """
    src, graph, inputs = load_program(source, at, cse=not no_cse, data=data)
    mode, wrt, of = pass_settings(src, graph, mode, wrt, of)
    drawing = ProgramDrawing(mode=mode, wrt=tuple(wrt), of=tuple(of), slide=slide,
                             rankdir=rankdir, show_constants=show_constants, title=title,
                             frame_ms=frame_ms, view=view, quiz=quiz,
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
@reports_errors
def gallery(directory, out, format_, slide, natural_size, progress):
    """Render every graph file in DIR: programs as derivative animations, conv stacks
    as receptive-field animations, each graph file's [[plots]]; 16:9 slides by default.

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
    written, skipped = [], []
    taken: dict[str, str] = {}  # output folder (casefolded) -> the graph file using it
    with click.progressbar(files, label="gallery", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "",
                           hidden=not show) as bar:
        for path in bar:
            name = safe_stem(path.stem)
            if name.casefold() in taken:  # e.g. "a b.toml" and "a-b.toml"
                skipped.append(f"skipped {path.name}: its output folder {name}/ is "
                               f"{taken[name.casefold()]}'s")
                continue
            taken[name.casefold()] = path.name
            try:
                target = confine(Path(out), name, resolve=True)
                done = _render_file(path, target, formats, slide)
                written += done
                _say(show, f"{path.name}: {len(done)} files")
            except OutputError:  # the output directory is unusable: no point going on
                raise
            except GraphvizAdError as err:  # e.g. a stack too wide to draw: say so, go on
                skipped.append(f"skipped {path.name}: {err}")
                _say(show, f"{path.name}: skipped")
    warn(skipped)
    click.echo(f"wrote {len(written)} files for {len(files) - len(skipped)} of {len(files)} "
               f"graphs under {Path(out)}/", err=True)


def _say(bar_shown: bool, line: str) -> None:
    """One line per graph on stderr when no progress bar is drawn (a log, CI, a pipe)."""
    if not bar_shown:
        click.echo(f"gallery: {line}", err=True)
