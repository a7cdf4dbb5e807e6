"""``graphviz-ad plot``: curves, surface, convexity, weight-decay and jacobian.

Each subcommand and each ``[[plots]]`` table of a graph file go through
:func:`draw_plot`, so a graph file's plot and the command line draw the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import GraphvizAdError
from .common import (
    at_option,
    data_option,
    load_program,
    parse_assignment,
    parse_number,
    report_written,
    reports_errors,
    source_argument,
)

if TYPE_CHECKING:  # plots_style imports matplotlib: only when a plot is drawn
    from ..plots_style import PlotOut

KINDS = ("curves", "surface", "convexity", "weight-decay", "jacobian")
_KEYS = {
    "curves": {"x", "vary"},
    "surface": {"over", "path", "start"},
    "convexity": {"over"},
    "weight-decay": {"over", "lam", "lr", "steps", "start"},
    "jacobian": {"wrt"},
}
_COMMON_KEYS = {"kind", "of", "at", "title", "name"}


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _start(texts: list[str], over, where: str = "--start") -> dict[str, float]:
    """Start of a descent path: --start values, else a point a fifth in from the grid's
    top-left corner."""
    given = {}
    for text in texts:
        name, value = parse_assignment(text, where)
        given[name] = parse_number(value, f"{where} {text}")
    names = [n for n, _ in over]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise GraphvizAdError(f"{where} {unknown[0]}: not one of the --over inputs "
                              f"({', '.join(names)})")
    (n0, v0), (n1, v1) = over
    default = {n0: v0[0] + 0.2 * (v0[-1] - v0[0]), n1: v1[-1] - 0.2 * (v1[-1] - v1[0])}
    return {n: given.get(n, default[n]) for n in names}


def draw_plot(kind: str, source: str, options: dict[str, Any], out: PlotOut,
              slide: str | None = None, at=(), data=()) -> tuple[list[Path], str]:
    """Draw one plot of SOURCE; ``options`` uses the command's option names (strings as
    typed, lists for repeatable ones); ``out`` one path, or several (one per format).
    Returns the paths and a one-line summary."""
    from .. import plots

    if kind not in KINDS:
        raise GraphvizAdError(f"plot kind {kind!r}: choose one of {', '.join(KINDS)}")
    unknown = sorted(set(options) - _KEYS[kind] - _COMMON_KEYS)
    if unknown:
        raise GraphvizAdError(f"plot {kind}: unknown setting {unknown[0]!r} (known: "
                              f"{', '.join(sorted(_KEYS[kind] | _COMMON_KEYS - {'kind'}))})")
    at = [*_list(options.get("at")), *at]
    src, graph, inputs = load_program(source, _dedupe(at), data=data)
    of = options.get("of") or src.settings.get("of")
    title = str(options.get("title") or "")
    if kind == "curves":
        if not options.get("x"):
            raise GraphvizAdError("plot curves needs --x NAME=LOW:HIGH, e.g. --x x=-5:5")
        x = plots.parse_range(str(options["x"]), 201, "--x")
        vary = [plots.parse_values(v, "--vary") for v in _list(options.get("vary"))]
        paths = plots.curves_plot(graph, inputs, of, x, vary, out, slide=slide, title=title)
        return paths, f"{1 if not vary else _product(vary)} curves"
    if kind == "jacobian":
        wrt = options.get("wrt") or (graph.graph["inputs"][0] if graph.graph["inputs"] else "")
        paths, J = plots.jacobian_plot(graph, inputs, of, str(wrt), out, slide=slide,
                                       title=title)
        return paths, f"Jacobian {J.shape[0]}×{J.shape[1]}"
    over = [plots.parse_range(v, 101, "--over") for v in _list(options.get("over"))]
    if len(over) != 2:
        raise GraphvizAdError(f"plot {kind} needs two --over NAME=LOW:HIGH[:COUNT] options")
    if over[0][0] == over[1][0]:
        raise GraphvizAdError(f"--over {over[0][0]} given twice")
    if kind == "surface":
        path = None
        if options.get("path"):
            path = plots.parse_path(str(options["path"]))
            path["start"] = _start(_list(options.get("start")), over)
        paths = plots.surface_plot(graph, inputs, of, over, out, slide=slide, title=title,
                                   path=path)
        return paths, f"{len(over[0][1])}×{len(over[1][1])} grid"
    if kind == "convexity":
        paths, low = plots.convexity_plot(graph, inputs, of, over, out, slide=slide,
                                          title=title)
        return paths, f"smallest Hessian eigenvalue on the grid: {low:.6g}"
    lam = float(parse_number(str(options.get("lam", 0.1)), "--lam"))
    lr = float(parse_number(str(options.get("lr", 0.05)), "--lr"))
    steps = options.get("steps", 40)
    if not isinstance(steps, int) or not 1 <= steps <= 100_000:
        raise GraphvizAdError("--steps must be an integer from 1 to 100000")
    if not (0 <= lam < 1 and lr > 0):
        raise GraphvizAdError("need 0 ≤ --lam < 1 and --lr > 0")
    paths, diff = plots.weight_decay_plot(graph, inputs, of, over, out, lam=lam, lr=lr,
                                          steps=steps, start=_start(_list(options.get("start")),
                                                                    over),
                                          slide=slide, title=title)
    return paths, f"largest difference between the two paths: {diff:.3g}"


def _product(vary) -> int:
    count = 1
    for _, values in vary:
        count *= len(values)
    return count


def _dedupe(at: list[str]) -> list[str]:
    """Later --at NAME=… replace earlier ones (command line over graph file)."""
    by_name: dict[str, str] = {}
    for text in at:
        by_name[text.partition("=")[0].strip()] = text
    return list(by_name.values())


def _shared(func):
    for option in (
        click.option("--title", default="", help="Title above the plot."),
        click.option("--slide", metavar="W:H", default=None,
                     help="Slide-sized figure: 16:9 gives 1920×1080 px."),
        click.option("--out", metavar="FILE", required=True,
                     help="Output file; the format comes from the extension: png, svg, pdf."),
        click.option("--of", default=None, help="The output to plot (default: the first)."),
        data_option, at_option, source_argument,
    ):
        func = option(func)
    return func


def _run(kind: str, source, at, data, out, slide, **options) -> None:
    options = {k: v for k, v in options.items() if v not in (None, (), "")}
    paths, summary = draw_plot(kind, source, options, out, slide, at=at, data=data)
    click.echo(summary)
    report_written(paths)


@click.group()
def plot() -> None:
    """Plots of functions and losses over data (matplotlib: png, svg, pdf).

    \b
    Examples:
      graphviz-ad plot curves "y = sigmoid(phi0 + phi1*x)" --x x=-5:5 --vary phi1=0.5,1,2 \\
          --at phi0=0 --out curves.png
      graphviz-ad plot surface graphs/problem8.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --path gd:lr=0.05,steps=60 --out surface.png
      graphviz-ad plot convexity graphs/problem7.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --out convexity.png
      graphviz-ad plot weight-decay graphs/problem3.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --lam 0.1 --lr 0.05 --out decay.png
      graphviz-ad plot jacobian graphs/problem1.toml --of s --wrt z --out softmax.png
    """


@plot.command()
@_shared
@click.option("--x", "x", metavar="NAME=LOW:HIGH[:COUNT]", help="The horizontal axis.")
@click.option("--vary", multiple=True, metavar="NAME=V1,V2,…",
              help="One curve per value (repeatable: every combination is drawn).")
@reports_errors
def curves(source, at, data, of, out, slide, title, x, vary):
    """One curve of OF against an input per value of the varied inputs (problem 8 i).

    \b
    Examples:
      graphviz-ad plot curves "p = sigmoid(phi0 + phi1*x)" --x x=-5:5 --vary phi1=0.5,1,2 \\
          --at phi0=0 --out curves.png
      graphviz-ad plot curves graphs/problem8.toml --of p --x x=-5:5 --vary phi0=-2,0,2 \\
          --out shift.svg --slide 16:9
    """
    _run("curves", source, at, data, out, slide, of=of, title=title, x=x, vary=vary)


@plot.command()
@_shared
@click.option("--over", multiple=True, metavar="NAME=LOW:HIGH[:COUNT]",
              help="A grid axis (give two; COUNT defaults to 101).")
@click.option("--path", metavar="gd:lr=RATE,steps=N", default=None,
              help="Overlay gradient descent (reverse mode) from --start.")
@click.option("--start", multiple=True, metavar="NAME=VALUE",
              help="Start of the path (default: near the grid's top-left corner).")
@reports_errors
def surface(source, at, data, of, out, slide, title, over, path, start):
    """Heatmap of OF over two inputs with contours and the minimum marked (problems 7, 8).

    \b
    Examples:
      graphviz-ad plot surface graphs/problem8.toml --over phi0=-5:5:101 --over phi1=-5:5:101 \\
          --path gd:lr=0.05,steps=60 --out surface.png
      graphviz-ad plot surface graphs/problem7.toml --over phi0=-3:4 --over phi1=-2:3 \\
          --out least-squares.pdf
    """
    _run("surface", source, at, data, out, slide, of=of, title=title, over=over, path=path,
         start=start)


@plot.command()
@_shared
@click.option("--over", multiple=True, metavar="NAME=LOW:HIGH[:COUNT]",
              help="A grid axis (give two; COUNT defaults to 101).")
@reports_errors
def convexity(source, at, data, of, out, slide, title, over):
    """The smallest eigenvalue of OF's Hessian (by AD) over a grid (problems 7, 8 v).

    \b
    Examples:
      graphviz-ad plot convexity graphs/problem8.toml --over phi0=-5:5:41 --over phi1=-5:5:41 \\
          --out convexity.png
    """
    _run("convexity", source, at, data, out, slide, of=of, title=title, over=over)


@plot.command("weight-decay")
@_shared
@click.option("--over", multiple=True, metavar="NAME=LOW:HIGH[:COUNT]",
              help="A grid axis and parameter (give two).")
@click.option("--lam", type=float, default=0.1, show_default=True, help="Weight decay λ.")
@click.option("--lr", type=float, default=0.05, show_default=True, help="Learning rate α.")
@click.option("--steps", type=int, default=40, show_default=True)
@click.option("--start", multiple=True, metavar="NAME=VALUE", help="Start of both paths.")
@reports_errors
def weight_decay(source, at, data, of, out, slide, title, over, lam, lr, steps, start):
    """Weight decay φ ← (1 − λ)φ − α∇L against gradient descent on L + λ/(2α)Σφ²:
    two paths that coincide (problem 3).

    \b
    Examples:
      graphviz-ad plot weight-decay graphs/problem3.toml --over phi0=-5:5 --over phi1=-5:5 \\
          --lam 0.1 --lr 0.05 --steps 40 --out decay.png
    """
    _run("weight-decay", source, at, data, out, slide, of=of, title=title, over=over,
         lam=lam, lr=lr, steps=steps, start=start)


@plot.command()
@_shared
@click.option("--wrt", default=None, help="The vector input (default: the first input).")
@reports_errors
def jacobian(source, at, data, of, out, slide, title, wrt):
    """The Jacobian ∂OF/∂WRT as an annotated heatmap (problem 1: softmax).

    \b
    Examples:
      graphviz-ad plot jacobian graphs/problem1.toml --of s --wrt z --out softmax.png
      graphviz-ad plot jacobian "s = softmax(z)" --at 'z=[0,1,4,2]' --wrt z --out s.svg
    """
    _run("jacobian", source, at, data, out, slide, of=of, title=title, wrt=wrt)
