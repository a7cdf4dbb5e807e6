"""Plots of losses over data (homework problems 1, 2, 3, 7, 8), drawn with matplotlib.

Every value comes from the graph (:mod:`graphviz_ad.plots.grid`: surfaces, Hessians and
gradient-descent paths); this module draws them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.ticker import FuncFormatter

from ..core.autodiff import choose_of, values_at
from ..core.calculus import Cost, jacobian
from ..core.errors import InputError
from ..core.nodes import node
from ..core.number_format import fmt_number
from ..draw.palette import (
    COMPARED_PATH,
    CURVE_COLOURS,
    DESCENT_PATH,
    FORWARD_MODE,
    GRID_LINE,
    LEVEL_LINE,
    MARK_HALO,
    MARK_OUTLINE,
    MINIMUM_MARK,
    NOT_CONVEX,
    PATH_START,
    REVERSE_MODE,
    RULE,
    TEXT_ON_DARK,
    TEXT_ON_LIGHT,
)
from .grid import (
    Over,
    check_names,
    evaluate_on_grid,
    gradient_descent,
    hessian_grid,
    surface_values,
    weight_decay_paths,
)
from .style import DIVERGING, SEQUENTIAL, PlotOut, figure, pretty, save


def _axes_labels(ax, over: Over) -> None:
    ax.set_xlabel(pretty(over[0][0]))
    ax.set_ylabel(pretty(over[1][0]))


def same_scale(over: Over) -> bool:
    """Whether the two grid axes measure alike: spans within a factor of 2 (e.g. φ₀ and φ₁
    over −3:4 and −2:3).  Such axes get equal aspect, so a gradient is drawn at right angles
    to the contours, as it is."""
    (_, v0), (_, v1) = over
    a, b = float(v0[-1] - v0[0]), float(v1[-1] - v1[0])
    return max(a, b) <= 2 * min(a, b)


def _heatmap(ax, fig, over: Over, Z: np.ndarray, label: str, cmap: str, contours: bool = True,
             centre_zero: bool = False):
    """``Z`` as colour with a labelled colour bar; ``contours`` adds labelled level lines;
    ``centre_zero`` makes the scale symmetric about 0 (0 always on it, at the middle)."""
    (_, v0), (_, v1) = over
    finite = Z[np.isfinite(Z)]
    if finite.size == 0:
        raise InputError("the function is nan or inf everywhere on this grid")
    lo, hi = float(finite.min()), float(finite.max())
    if centre_zero:
        hi = max(abs(lo), abs(hi)) or 1.0
        lo = -hi
    mesh = ax.pcolormesh(v0, v1, Z, cmap=cmap, shading="auto", vmin=lo, vmax=hi,
                         rasterized=True)
    bar = fig.colorbar(mesh, ax=ax, pad=0.02)
    bar.set_label(label, labelpad=14)
    if centre_zero:
        bar.set_ticks(sorted({lo, lo / 2, 0.0, hi / 2, hi}))
    if same_scale(over):
        ax.set_aspect("equal")
        fig.set_layout_engine("compressed")  # keeps the colour bar beside a fixed-aspect axes
    if contours and hi > lo:
        levels = np.unique(np.quantile(finite, np.linspace(0.04, 0.96, 9)))
        if len(levels) > 1:
            lines = ax.contour(v0, v1, Z, levels=levels, colors=LEVEL_LINE, linewidths=1.0,
                               alpha=0.75)
            ax.clabel(lines, levels[1::2], inline=True, fontsize="small",
                      fmt=lambda v: f"{v:.3g}".replace("-", "−"))
    return mesh


def _mark_minimum(ax, over: Over, Z: np.ndarray, label: str) -> tuple[float, float, float]:
    (_, v0), (_, v1) = over
    i, j = np.unravel_index(np.nanargmin(Z), Z.shape)
    x, y, z = float(v0[j]), float(v1[i]), float(Z[i, j])
    ax.plot([x], [y], marker="*", markersize=22, color=MINIMUM_MARK, markeredgecolor=MARK_OUTLINE,
            markeredgewidth=1.2, linestyle="none",
            label=f"grid minimum {label} = {fmt_number(z)} at ({x:.3g}, {y:.3g})")
    return x, y, z


def _legend(ax, outside: bool = True) -> None:
    """The legend below the axes, where it never hides a path or a curve."""
    if outside:  # two columns past two entries: the axes keep the slide's height
        count = len(ax.get_legend_handles_labels()[0])
        leg = ax.figure.legend(loc="outside lower center", ncols=1 if count <= 2 else 2,
                               frameon=False)
    else:
        leg = ax.legend(loc="best", framealpha=0.92)
        leg.get_frame().set_edgecolor(RULE)


def surface_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over,
                 out: PlotOut, *, slide: str | None = None, title: str = "",
                 path: Mapping[str, Any] | None = None) -> list[Path]:
    """Heatmap of ``of`` over two inputs with contours and the grid minimum marked;
    ``path={"lr": …, "steps": …, "start": {name: value}}`` overlays gradient descent."""
    check_names(G, [n for n, _ in over], "--over")
    of = choose_of(G, of)
    name = pretty(node(G, of)["name"])
    Z = surface_values(G, inputs, of, over)
    fig, ax = figure(slide)
    _heatmap(ax, fig, over, Z, name, SEQUENTIAL)
    _mark_minimum(ax, over, Z, name)
    if path is not None:
        trail = gradient_descent(G, inputs, of, path["start"], path["lr"], path["steps"])
        final = values_at(G, {**inputs, **dict(zip(path["start"], trail[-1]))})[of]
        ax.plot(trail[:, 0], trail[:, 1], color=DESCENT_PATH, marker="o", markersize=4,
                label=f"gradient descent, lr = {path['lr']:g}: {len(trail) - 1} steps, "
                      f"{name} = {fmt_number(final)}")
        ax.plot(trail[:1, 0], trail[:1, 1], marker="o", markersize=11, color=DESCENT_PATH,
                markeredgecolor=MARK_HALO, linestyle="none")
    _axes_labels(ax, over)
    _clip(ax, over)
    fig.suptitle(title or f"{name} over ({pretty(over[0][0])}, {pretty(over[1][0])})")
    _legend(ax)
    return save(fig, out)


def _clip(ax, over: Over) -> None:
    ax.set_xlim(over[0][1][0], over[0][1][-1])
    ax.set_ylim(over[1][1][0], over[1][1][-1])


def curves_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None,
                x: tuple[str, np.ndarray], vary: Sequence[tuple[str, Sequence[float]]],
                out: PlotOut, *, slide: str | None = None, title: str = "") -> list[Path]:
    """One curve of ``of`` against ``x`` per combination of the ``vary`` values."""
    xname, xs = x
    check_names(G, [xname, *(n for n, _ in vary)], "--x/--vary")
    of = choose_of(G, of)
    fig, ax = figure(slide)
    combos = list(itertools.product(*[[(n, v) for v in values] for n, values in vary])) or [()]
    styles = ["-", "--", "-.", ":"]
    # colour follows the first varied input, line style the others: two curves that differ
    # only in a second input share a colour and differ in dash, never in a near-equal hue
    firsts = [v for v in (vary[0][1] if vary else [None])]
    rest = max(1, len(combos) // len(firsts))
    for k, combo in enumerate(combos):
        ys = evaluate_on_grid(G, {**inputs, **dict(combo)}, of, {xname: xs})
        label = ", ".join(f"{pretty(n)} = {v:g}" for n, v in combo) or None
        ax.plot(xs, ys, label=label, color=CURVE_COLOURS[(k // rest) % len(CURVE_COLOURS)],
                linestyle=styles[(k % rest) % len(styles)])
    ax.set_xlabel(pretty(xname))
    ax.set_ylabel(pretty(node(G, of)["name"]))
    ax.set_xlim(xs[0], xs[-1])
    ax.grid(True, color=GRID_LINE, linewidth=0.8)
    ax.set_title(title or f"{pretty(node(G, of)['name'])} against {pretty(xname)}")
    if combos != [()]:
        _legend(ax, outside=False)
    return save(fig, out)


def convexity_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over,
                   out: PlotOut, *, slide: str | None = None, title: str = ""
                   ) -> tuple[list[Path], float]:
    """The smallest eigenvalue of the Hessian over the grid: ≥ 0 everywhere is what a
    convex function shows (a negative value anywhere disproves convexity)."""
    check_names(G, [n for n, _ in over], "--over")
    of = choose_of(G, of)
    H = hessian_grid(G, inputs, of, over)
    lam = np.linalg.eigvalsh((H + np.swapaxes(H, -1, -2)) / 2)[..., 0]
    low = float(np.nanmin(lam))
    fig, ax = figure(slide)
    _heatmap(ax, fig, over, lam, "λmin  (> 0 convex, < 0 not)", DIVERGING, contours=False,
             centre_zero=True)
    tol = 1e-9 * max(1.0, float(np.nanmax(np.abs(H))))
    if low < -tol:
        ax.contour(over[0][1], over[1][1], lam, levels=[0.0], colors=NOT_CONVEX, linewidths=2.5)
        verdict = f"λmin < 0 somewhere (min {low:.3g}): not convex"
    else:
        verdict = f"λmin ≥ 0 on the whole grid (min {low:.3g}): consistent with convexity"
    spread = float(np.nanmax(lam)) - low
    if spread <= 1e-9 * max(1.0, abs(low)):  # e.g. least squares: the Hessian is constant
        verdict = f"λmin = {low:.4g} at every point: the Hessian does not depend on " + ", ".join(
            pretty(n) for n, _ in over) + (" (convex)" if low >= -tol else " (not convex)")
    _axes_labels(ax, over)
    _clip(ax, over)
    name = pretty(node(G, of)["name"])
    fig.suptitle(f"{title or f'Convexity of {name}: the smallest Hessian eigenvalue'}\n"
                 f"{verdict}")
    return save(fig, out), low


def weight_decay_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over,
                      out: PlotOut, *, lam: float, lr: float, steps: int,
                      start: Mapping[str, float], slide: str | None = None, title: str = ""
                      ) -> tuple[list[Path], float]:
    """Both paths of :func:`weight_decay_paths` on the surface of L̃, with their largest
    difference."""
    check_names(G, [n for n, _ in over], "--over")
    decayed, regular, Greg, reg = weight_decay_paths(G, inputs, of, start, lam, lr, steps)
    diff = float(np.max(np.abs(decayed - regular)))
    Z = surface_values(Greg, inputs, reg, over)
    name = pretty(node(G, choose_of(G, of))["name"])
    fig, ax = figure(slide)
    _heatmap(ax, fig, over, Z, f"{name}̃ = {name} + λ/(2α)·Σφ²", SEQUENTIAL)
    ax.plot(decayed[:, 0], decayed[:, 1], color=DESCENT_PATH, linewidth=5, alpha=0.85,
            label=f"weight decay φ ← (1 − λ)φ − α∇{name}, λ = {lam:g}, α = {lr:g}")
    ax.plot(regular[:, 0], regular[:, 1], color=COMPARED_PATH, linestyle="none", marker="o",
            markersize=5, markerfacecolor=MARK_HALO, markeredgewidth=1.6,
            label=f"gradient descent on {name}̃, rate α")
    ax.plot(decayed[:1, 0], decayed[:1, 1], marker="o", markersize=12, color=PATH_START,
            markeredgecolor=MARK_HALO, linestyle="none", label="start")
    _axes_labels(ax, over)
    _clip(ax, over)
    fig.suptitle(title or "Weight decay = gradient descent on the L2-regularized loss")
    ax.plot([], [], " ", label=f"{steps} steps: the paths differ by ≤ {diff:.2g}")  # never
    # over the surface, as a legend line
    _legend(ax)
    return save(fig, out), diff


def jacobian_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, wrt: str,
                  out: PlotOut, *, slide: str | None = None, title: str = ""
                  ) -> tuple[list[Path], np.ndarray]:
    """The Jacobian ∂of/∂wrt as an annotated heatmap (problem 1: softmax)."""
    of = choose_of(G, of)
    check_names(G, [wrt], "--wrt")
    J = np.atleast_2d(jacobian(G, inputs, of=of, wrt=wrt))
    if J.ndim != 2:
        raise InputError("a Jacobian heatmap needs a vector output and a vector input")
    if J.size > 400:
        raise InputError(f"the Jacobian is {J.shape[0]}×{J.shape[1]}: too large to annotate "
                         "(at most 400 cells)")
    fig, ax = figure(slide)
    bound = float(np.max(np.abs(J))) or 1.0
    image = ax.imshow(J, cmap=DIVERGING, vmin=-bound, vmax=bound, aspect="auto")  # fill it
    bar = fig.colorbar(image, ax=ax, pad=0.02)
    oname, wname = pretty(node(G, of)["name"]), pretty(node(G, wrt)["name"])
    bar.set_label(f"∂{oname}ᵢ/∂{wname}ⱼ", labelpad=14)
    cmap = image.cmap
    for (i, j), v in np.ndenumerate(J):
        r, g, b, _ = cmap((v + bound) / (2 * bound))
        light = 0.299 * r + 0.587 * g + 0.114 * b > 0.55
        ax.text(j, i, f"{v:.3f}".replace("-", "−"), ha="center", va="center", fontsize="small",
                color=TEXT_ON_LIGHT if light else TEXT_ON_DARK)
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    ax.set_xticks(range(J.shape[1]), [f"{wname}{str(j).translate(sub)}"
                                      for j in range(J.shape[1])])
    ax.set_yticks(range(J.shape[0]), [f"{oname}{str(i).translate(sub)}"
                                      for i in range(J.shape[0])])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    at = np.asarray(values_at(G, inputs)[wrt])
    shown = ", ".join(f"{v:g}" for v in at.ravel()[:8]) + (", …" if at.size > 8 else "")
    fig.suptitle(title or f"Jacobian ∂{oname}/∂{wname} at {wname} = [{shown}]")
    return save(fig, out), J


def cost_plot(c: Cost, out: PlotOut, *, program: str = "", slide: str | None = None
              ) -> list[Path]:
    """What the full Jacobian of one program costs in each mode (``c`` from
    :func:`graphviz_ad.core.calculus.cost`): a bar per mode, its sweeps × the primitive
    evaluations of one sweep, on a log scale when the two differ twentyfold or more."""
    fig, ax = figure(slide)
    modes = [("forward", c.forward_sweeps, c.forward, "input", FORWARD_MODE),
             ("reverse", c.reverse_sweeps, c.reverse, "output", REVERSE_MODE)]
    for row, (_, sweeps, total, _, colour) in enumerate(modes):
        ax.barh(row, total, color=colour, height=0.55)
        ax.text(total, row, f"  {sweeps:,} sweep{'s' * (sweeps != 1)} × {c.per_sweep:,} = "
                f"{total:,}", va="center", ha="left", fontsize="small")
    ax.set_yticks([0, 1], [f"{mode} mode\n(a sweep per\n{per} element)"
                           for mode, _, _, per, _ in modes])
    ax.invert_yaxis()
    ax.set_xlabel("primitive evaluations for the full Jacobian")
    high, low = max(c.forward, c.reverse), max(1, min(c.forward, c.reverse))
    if high >= 20 * low:
        ax.set_xscale("log")
        ax.set_xlim(low / 2, high * 10)  # room for the labels right of the bars
    else:
        ax.set_xlim(0, high * 1.6)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(True, axis="x", which="major", color=GRID_LINE, linewidth=0.8)
    ax.set_axisbelow(True)
    cheaper = ("reverse mode is cheaper" if c.reverse < c.forward else
               "forward mode is cheaper" if c.forward < c.reverse else "both cost the same")
    fig.suptitle(f"Cost of the full Jacobian ({c.outputs}×{c.inputs}) of "
                 f"{program or 'the program'}: {cheaper}")
    return save(fig, out)
