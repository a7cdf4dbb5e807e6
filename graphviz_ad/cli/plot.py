"""``graphviz-ad plot``: curves, surface, convexity, weight-decay and jacobian.

Each subcommand turns its options into a :class:`graphviz_ad.plots.drawing.PlotSpec` and calls
:func:`graphviz_ad.plots.drawing.draw_plot`, which also draws graph files' ``[[plots]]``.
"""

from __future__ import annotations

from dataclasses import replace

import click

from ..plots.drawing import KINDS, PlotSpec, draw_plot
from .common import (
    at_option,
    data_option,
    load_program,
    lr_option,
    of_option,
    one,
    options,
    out_option,
    over_option,
    report_written,
    reports_errors,
    slide_option,
    source_argument,
    start_option,
    steps_option,
    title_option,
    warn,
    wrt_option,
)
from .params import Descent, RangeParam, ValueList

__all__ = ["KINDS", "plot"]

_shared = options(source_argument, at_option, data_option, of_option, out_option(required=True),
                  slide_option(), title_option)


def _run(spec: PlotSpec, source, at, data, of, out, slide) -> None:
    src, graph, inputs = load_program(source, at, data=data)
    spec = replace(spec, of=one(of, "--of", f"plot {spec.kind} draws one output")
                   or src.settings.get("of"))
    paths, summary = draw_plot(spec, graph, inputs, out, slide)
    click.echo(summary)
    report_written(paths)


def _deprecated(old: str, new: str):
    """A callback keeping an old option spelling working, with one warning line."""

    def callback(ctx: click.Context, param: click.Parameter, value):
        if value not in (None, ()):
            warn([f"{old} is deprecated: write {new}"])
            ctx.meta[param.name] = value

    return callback


@click.group()
def plot() -> None:
    """Plots of functions and losses over data (matplotlib: png, svg, pdf).

    Gradient descent is spelled the same in every plot: --lr RATE --steps N
    --start NAME=VALUE.

    \b
    Examples:
      graphviz-ad plot curves "y = sigmoid(phi0 + phi1*x)" --x x=-5:5 --each phi1=0.5,1,2 \\
          --at phi0=0 --out curves.png
      graphviz-ad plot surface graphs/problem8.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --lr 0.05 --steps 60 --out surface.png
      graphviz-ad plot convexity graphs/problem7.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --out convexity.png
      graphviz-ad plot weight-decay graphs/problem3.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --lam 0.1 --lr 0.05 --out decay.png
      graphviz-ad plot jacobian graphs/problem1.toml --of s --wrt z --out softmax.png
    """


@plot.command()
@_shared
@click.option("--x", "x", type=RangeParam(201), metavar="NAME=LOW:HIGH[:COUNT]",
              help="The horizontal axis: an input and its range (COUNT defaults to 201).")
@click.option("--each", multiple=True, type=ValueList(), metavar="NAME=V1,V2,…",
              help="One curve for each value of an input (repeatable: every combination "
                   "is drawn).")
@click.option("--vary", "vary", multiple=True, type=ValueList(), hidden=True,
              expose_value=False, callback=_deprecated("plot curves --vary", "--each"),
              help="Deprecated spelling of --each.")
@reports_errors
def curves(source, at, data, of, out, slide, title, x, each):
    """One curve of OF against an input for each value of the --each inputs (problem 8 i).

    \b
    Examples:
      graphviz-ad plot curves "p = sigmoid(phi0 + phi1*x)" --x x=-5:5 --each phi1=0.5,1,2 \\
          --at phi0=0 --out curves.png
      graphviz-ad plot curves graphs/problem8.toml --of p --x x=-5:5 --each phi0=-2,0,2 \\
          --out shift.svg --slide 16:9
    """
    each = (*each, *click.get_current_context().meta.get("vary", ()))
    _run(PlotSpec("curves", title=title, x=x, each=each), source, at, data, of, out, slide)


@plot.command()
@_shared
@options(over_option, lr_option, steps_option, start_option)
@click.option("--path", "path", type=Descent(), hidden=True, expose_value=False,
              callback=_deprecated("plot surface --path gd:lr=…,steps=…", "--lr … --steps …"),
              help="Deprecated spelling of --lr and --steps.")
@reports_errors
def surface(source, at, data, of, out, slide, title, over, lr, steps, start):
    """Heatmap of OF over two inputs with contours and the minimum marked (problems 7, 8);
    with any of --lr, --steps, --start also the path of gradient descent (reverse mode).

    \b
    Examples:
      graphviz-ad plot surface graphs/problem8.toml --over phi0=-5:5:101 --over phi1=-5:5:101 \\
          --lr 0.05 --steps 60 --out surface.png
      graphviz-ad plot surface graphs/problem7.toml --over phi0=-3:4 --over phi1=-2:3 \\
          --out least-squares.pdf
    """
    old = click.get_current_context().meta.get("path")
    if old is not None:
        lr, steps = (old[0] if lr is None else lr), (old[1] if steps is None else steps)
    _run(PlotSpec("surface", title=title, over=over, lr=lr, steps=steps, start=start,
                  descent=old is not None), source, at, data, of, out, slide)


@plot.command()
@_shared
@over_option
@reports_errors
def convexity(source, at, data, of, out, slide, title, over):
    """The smallest eigenvalue of OF's Hessian (by AD) over a grid (problems 7, 8 v).

    \b
    Examples:
      graphviz-ad plot convexity graphs/problem8.toml --over phi0=-5:5:41 --over phi1=-5:5:41 \\
          --out convexity.png
    """
    _run(PlotSpec("convexity", title=title, over=over), source, at, data, of, out, slide)


@plot.command("weight-decay")
@_shared
@over_option
@click.option("--lam", type=click.FloatRange(0, 1, max_open=True), default=0.1,
              show_default=True, metavar="λ", help="Weight decay λ (0 ≤ λ < 1).")
@options(lr_option, steps_option, start_option)
@reports_errors
def weight_decay(source, at, data, of, out, slide, title, over, lam, lr, steps, start):
    """Weight decay φ ← (1 − λ)φ − α∇L against gradient descent on L + λ/(2α)Σφ²:
    two paths that coincide (problem 3).

    \b
    Examples:
      graphviz-ad plot weight-decay graphs/problem3.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --lam 0.1 --lr 0.05 --steps 40 --out decay.png
    """
    _run(PlotSpec("weight-decay", title=title, over=over, lam=lam, lr=lr, steps=steps,
                  start=start), source, at, data, of, out, slide)


@plot.command()
@_shared
@wrt_option
@reports_errors
def jacobian(source, at, data, of, out, slide, title, wrt):
    """The Jacobian ∂OF/∂WRT as an annotated heatmap (problem 1: softmax); one --of and
    one --wrt (default: the first input).

    \b
    Examples:
      graphviz-ad plot jacobian graphs/problem1.toml --of s --wrt z --out softmax.png
      graphviz-ad plot jacobian "s = softmax(z)" --at 'z=[0,1,4,2]' --wrt z --out s.svg
    """
    spec = PlotSpec("jacobian", title=title, wrt=one(wrt, "--wrt", "plot jacobian draws "
                                                                    "one input"))
    _run(spec, source, at, data, of, out, slide)

