"""One plot of a program, from typed settings (:class:`PlotSpec`): what ``graphviz-ad plot``
draws and how a graph file's ``[[plots]]`` tables are drawn, so both draw the same thing.

A ``[[plots]]`` table spells each setting as the command line does (``over =
["phi0=-5:5:101", …]``, ``lr = 0.05``, ``start = ["phi0=-4", …]``); :func:`spec_from_table`
reads it with the same parsers (:mod:`graphviz_ad.core.assignments`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ..core.assignments import parse_assignment, parse_point, parse_range, parse_value, parse_values
from ..core.errors import GraphvizAdError
from ..core.formats import PLOT_FORMATS
from ..core.program import program_of
from ..core.source import Source
from ..draw.names import confine, safe_stem
from ..frontends.sources import load
from . import charts as plots
from .style import PlotOut

KINDS = ("curves", "surface", "convexity", "weight-decay", "jacobian")
#: gradient descent's defaults, the same in every plot
LR, STEPS = 0.05, 40
#: the settings each kind reads, besides the common ones (of, at, title, name)
KEYS = {
    "curves": {"x", "each"},
    "surface": {"over", "lr", "steps", "start"},
    "convexity": {"over"},
    "weight-decay": {"over", "lam", "lr", "steps", "start"},
    "jacobian": {"wrt"},
}
COMMON_KEYS = {"of", "at", "title", "name"}
Axis = tuple[str, np.ndarray]


@dataclass(frozen=True)
class PlotSpec:
    """Everything one plot needs besides the program; fields a kind does not read stay
    at their defaults."""

    kind: str
    of: str | None = None                            # default: the program's first output
    title: str = ""
    x: Axis | None = None                            # curves: the horizontal axis
    each: tuple[tuple[str, list[float]], ...] = ()   # curves: one curve per value
    over: tuple[Axis, ...] = ()                      # the two grid axes
    wrt: str | None = None                           # jacobian: the input
    lr: float | None = None                          # gradient descent (surface: a path
    steps: int | None = None                         # is drawn when lr, steps or start
    start: tuple[tuple[str, float], ...] = ()        # is given, or descent is True)
    descent: bool = False
    lam: float = 0.1                                 # weight decay λ


def draw_plot(spec: PlotSpec, G: nx.DiGraph, inputs: Mapping[str, Any], out: PlotOut,
              slide: str | None = None) -> tuple[list[Path], str]:
    """Draw ``spec`` of ``G`` at ``inputs`` into ``out`` (png, svg or pdf from the
    extension).  Returns the paths written and a one-line summary."""
    if spec.kind not in KINDS:
        raise GraphvizAdError(f"plot kind {spec.kind!r}: choose one of {', '.join(KINDS)}")
    of, title = spec.of, spec.title
    if spec.kind == "curves":
        if spec.x is None:
            raise GraphvizAdError("plot curves needs --x NAME=LOW:HIGH, e.g. --x x=-5:5")
        paths = plots.curves_plot(G, inputs, of, spec.x, spec.each, out, slide=slide,
                                  title=title)
        count = int(np.prod([len(values) for _, values in spec.each]))
        return paths, f"{count} curve{'s' * (count != 1)}"
    if spec.kind == "jacobian":
        wrt = spec.wrt or (program_of(G).inputs[0] if program_of(G).inputs else "")
        paths, J = plots.jacobian_plot(G, inputs, of, wrt, out, slide=slide, title=title)
        return paths, f"Jacobian {J.shape[0]}×{J.shape[1]}"
    over = _two_axes(spec)
    if spec.kind == "surface":
        path = None
        if spec.descent or spec.lr is not None or spec.steps is not None or spec.start:
            path = {"lr": _lr(spec), "steps": _steps(spec), "start": _start(spec, over)}
        paths = plots.surface_plot(G, inputs, of, over, out, slide=slide, title=title,
                                   path=path)
        return paths, f"{len(over[0][1])}×{len(over[1][1])} grid"
    if spec.kind == "convexity":
        paths, low = plots.convexity_plot(G, inputs, of, over, out, slide=slide, title=title)
        return paths, f"smallest Hessian eigenvalue on the grid: {low:.6g}"
    if not 0 <= spec.lam < 1:
        raise GraphvizAdError(f"--lam {spec.lam:g}: need 0 ≤ λ < 1")
    paths, diff = plots.weight_decay_plot(G, inputs, of, over, out, lam=spec.lam,
                                          lr=_lr(spec), steps=_steps(spec),
                                          start=_start(spec, over), slide=slide, title=title)
    return paths, f"largest difference between the two paths: {diff:.3g}"


def _two_axes(spec: PlotSpec) -> tuple[Axis, Axis]:
    if len(spec.over) != 2:
        raise GraphvizAdError(f"plot {spec.kind} needs two --over NAME=LOW:HIGH[:COUNT] "
                              f"options (got {len(spec.over)})")
    if spec.over[0][0] == spec.over[1][0]:
        raise GraphvizAdError(f"--over {spec.over[0][0]} given twice")
    return spec.over[0], spec.over[1]


def _lr(spec: PlotSpec) -> float:
    lr = LR if spec.lr is None else spec.lr
    if not lr > 0:
        raise GraphvizAdError(f"--lr {lr:g}: the learning rate must be > 0")
    return lr


def _steps(spec: PlotSpec) -> int:
    steps = STEPS if spec.steps is None else spec.steps
    if not 1 <= steps <= 100_000:
        raise GraphvizAdError(f"--steps {steps}: need 1 ≤ steps ≤ 100000")
    return steps


def _start(spec: PlotSpec, over: Sequence[Axis]) -> dict[str, float]:
    """Start of a descent path: the given point, else a fifth in from the grid's top-left
    corner."""
    given = dict(spec.start)
    names = [n for n, _ in over]
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise GraphvizAdError(f"--start {unknown[0]}: not one of the --over inputs "
                              f"({', '.join(names)})")
    (n0, v0), (n1, v1) = over
    default = {n0: v0[0] + 0.2 * (v0[-1] - v0[0]), n1: v1[-1] - 0.2 * (v1[-1] - v1[0])}
    return {n: float(given.get(n, default[n])) for n in names}


# -- graph files' [[plots]] ---------------------------------------------------------------

def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _number(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            kind is int and not isinstance(value, int)):
        wanted = "an integer" if kind is int else "a number"
        raise GraphvizAdError(f"{where}: {key} must be {wanted}")
    return kind(value)


def spec_from_table(table: Mapping[str, Any], where: str = "[[plots]]",
                    inputs: Sequence[str] | None = None) -> tuple[PlotSpec, dict[str, Any]]:
    """A graph file's ``[[plots]]`` table as a :class:`PlotSpec` and the input values
    its ``at`` list sets (each must name one of ``inputs`` when they are given)."""
    kind = str(table.get("kind", ""))
    if kind not in KINDS:
        raise GraphvizAdError(f"{where}: plot kind {kind!r}: choose one of {', '.join(KINDS)}")
    if "path" in table:
        raise GraphvizAdError(f"{where}: path = 'gd:…' is now written lr = RATE, steps = N")
    unknown = sorted(set(table) - KEYS[kind] - COMMON_KEYS - {"kind"})
    if unknown:
        raise GraphvizAdError(f"{where}: plot {kind}: unknown setting {unknown[0]!r} (known: "
                              f"{', '.join(sorted(KEYS[kind] | COMMON_KEYS))})")
    at: dict[str, Any] = {}
    for text in _texts(table.get("at")):
        name, value = parse_assignment(text, f"{where} at")
        if inputs is not None and name not in inputs:
            raise GraphvizAdError(f"{where} at {text}: unknown input {name} (inputs: "
                                  f"{', '.join(inputs) or 'none'})")
        at[name] = parse_value(value, f"{where} at {text}", name)
    x = table.get("x")
    lam = _number(table, "lam", float, where)
    spec = PlotSpec(
        kind=kind, of=table.get("of"), title=str(table.get("title") or ""),
        x=parse_range(str(x), 201, "x") if x is not None else None,
        each=tuple(parse_values(v, "each") for v in _texts(table.get("each"))),
        over=tuple(parse_range(v, 101, "over") for v in _texts(table.get("over"))),
        wrt=table.get("wrt"), lr=_number(table, "lr", float, where),
        steps=_number(table, "steps", int, where),
        start=tuple(parse_point(v, "start") for v in _texts(table.get("start"))),
        lam=0.1 if lam is None else lam)
    return spec, at


def draw_table(source: str | Path, table: Mapping[str, Any], out: str | Path,
               slide: str | None = None) -> tuple[list[Path], str]:
    """Draw one ``[[plots]]`` table for SOURCE (a graph file, program or expression)."""
    src, graph, inputs = load(source)
    return _draw_table(src, graph, inputs, table, out, slide, "[[plots]]")


def _draw_table(src: Source, graph: nx.DiGraph, inputs: Mapping[str, Any],
                table: Mapping[str, Any], out: PlotOut, slide: str | None, where: str
                ) -> tuple[list[Path], str]:
    spec, at = spec_from_table(table, where, program_of(graph).inputs)
    if spec.of is None and isinstance(src.settings.get("of"), str):
        spec = replace(spec, of=src.settings["of"])
    return draw_plot(spec, graph, {**inputs, **at}, out, slide)


def draw_file_plots(path: Path, target: Path, formats: Sequence[str], slide: str | None
                    ) -> list[Path]:
    """A graph file's [[plots]] into ``target``, in the given formats that plots have
    (png when none of them is one); each figure is drawn once and saved per format."""
    count = len(load(path)[0].plots)
    return [p for k in range(count) for p in draw_file_plot(path, k, target, formats, slide)]


def draw_file_plot(path: Path, index: int, target: Path, formats: Sequence[str],
                   slide: str | None) -> list[Path]:
    """The graph file's ``index``-th [[plots]] table (see :func:`draw_file_plots`)."""
    src, graph, inputs = load(path)
    table = src.plots[index]
    kinds = [fmt for fmt in formats if fmt in PLOT_FORMATS] or ["png"]
    k = index + 1
    name = safe_stem(str(table.get("name") or f"{path.stem}-plot{k}-{table.get('kind')}"))
    outs = [confine(target, f"{name}.{fmt}") for fmt in kinds]
    return _draw_table(src, graph, inputs, table, outs, slide, f"{path.name} [[plots]] {k}")[0]
