"""Plots of losses over data (homework problems 1, 2, 3, 7, 8), drawn with matplotlib.

Every value comes from the graph: a surface is one evaluation of the graph on the whole
grid (data of shape (n, 1) against parameters of shape (P,); under ``grid_axes(1)``
reductions leave the trailing grid axis alone, see :mod:`graphviz_ad.core.ops`), in chunks
that keep arrays near a million elements;
gradient-descent paths use reverse mode; Hessians use :mod:`graphviz_ad.core.calculus`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.ticker import FuncFormatter

from ..core.autodiff import choose_of, reverse_mode, values_at
from ..core.calculus import Cost, hessian_on_grid, jacobian
from ..core.errors import InputError
from ..core.formula import fmt_number
from ..core.ops import grid_axes
from ..core.parse import parse
from ..core.program import program_of
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
from .style import DIVERGING, SEQUENTIAL, PlotOut, figure, pretty, save

CHUNK_ELEMENTS = 1 << 20
Over = Sequence[tuple[str, np.ndarray]]


def _check_names(G: nx.DiGraph, names: Sequence[str], option: str) -> None:
    for name in names:
        if name not in program_of(G).inputs:
            raise InputError(f"{option} {name}: no such input (inputs: "
                             f"{', '.join(program_of(G).inputs)})")


GRID_UNSAFE_OPS = {"matmul", "transpose", "outer"}  # they read the last axes, which the grid owns


def check_grid_safe(G: nx.DiGraph) -> None:
    """Plots evaluate many points at once by giving every array a trailing grid axis, so a
    program may only reduce over leading (data) axes: a negative ``axis`` or a matrix
    product would act on the grid instead.  Refuse such programs with one line."""
    for n in program_of(G).order:
        data = G.nodes[n]
        axis = dict(data.get("params") or ()).get("axis")
        axes = axis if isinstance(axis, tuple) else () if axis is None else (axis,)
        what = (f"axis={axis}" if any(k < 0 for k in axes)
                else data["op"] if data["op"] in GRID_UNSAFE_OPS else None)
        if what:
            raise InputError(f"{data['line']}:{data['column']}: {data['label']} uses {what}; "
                             "plots need reductions over leading axes only (write a "
                             "non-negative axis; matrix programs cannot be plotted yet)")


def evaluate_on_grid(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None,
                     points: Mapping[str, np.ndarray]) -> np.ndarray:
    """``of`` at many points at once: ``points`` maps inputs to equal-length 1-D arrays
    (one entry per point); every other input is the same at every point.  Returns one
    value per point.  Array inputs get a trailing axis, so reductions act on the data
    and leave one number per point."""
    of = choose_of(G, of)
    check_grid_safe(G)
    count = len(next(iter(points.values())))
    fixed = {k: (np.reshape(v, np.shape(v) + (1,)) if np.ndim(v) else v)
             for k, v in inputs.items() if k not in points}
    widest = max([int(np.size(v)) for v in fixed.values()] + [1])
    chunk = max(1, CHUNK_ELEMENTS // widest)
    out = np.empty(count)
    for start in range(0, count, chunk):
        part = {k: np.asarray(v[start:start + chunk], dtype=float) for k, v in points.items()}
        with grid_axes(1):  # the trailing axis is the grid's: sum(...) leaves it alone
            value = values_at(G, {**fixed, **part})[of]
        size = len(next(iter(part.values())))
        if np.shape(value) not in ((), (size,)):
            raise InputError(f"{G.nodes[of]['name']} is not one number per point (shape "
                             f"{np.shape(value)[:-1]} for each): reduce the data with "
                             "sum(...) or mean(...)")
        out[start:start + size] = value
    return out


def surface_values(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over
                   ) -> np.ndarray:
    """``of`` on the grid ``over = [(name0, values0), (name1, values1)]``: shape
    ``(len(values1), len(values0))`` (rows follow the vertical axis)."""
    check_grid_safe(G)
    (n0, v0), (n1, v1) = over
    P0, P1 = np.meshgrid(v0, v1)
    Z = evaluate_on_grid(G, inputs, of, {n0: P0.ravel(), n1: P1.ravel()})
    return Z.reshape(P0.shape)


def gradient_descent(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None,
                     start: Mapping[str, float], lr: float, steps: int,
                     decay: float = 0.0) -> np.ndarray:
    """Parameters after each update φ ← (1 − decay)·φ − lr·∂of/∂φ (reverse mode);
    ``decay=0`` is plain gradient descent.  Returns shape ``(steps + 1, len(start))``."""
    names = list(start)
    phi = np.array([float(start[n]) for n in names])
    path = [phi.copy()]
    for _ in range(steps):
        trace = reverse_mode(G, {**inputs, **dict(zip(names, phi))}, of=of)
        grad = np.array([float(trace.derivative(n)) for n in names])
        phi = (1.0 - decay) * phi - lr * grad
        path.append(phi.copy())
        if not np.all(np.isfinite(phi)):
            raise InputError(f"gradient descent diverged after {len(path) - 1} steps: "
                             f"lower lr (now {lr:g})")
    return np.array(path)


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
    _check_names(G, [n for n, _ in over], "--over")
    of = choose_of(G, of)
    name = pretty(G.nodes[of]["name"])
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
    _check_names(G, [xname, *(n for n, _ in vary)], "--x/--vary")
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
    ax.set_ylabel(pretty(G.nodes[of]["name"]))
    ax.set_xlim(xs[0], xs[-1])
    ax.grid(True, color=GRID_LINE, linewidth=0.8)
    ax.set_title(title or f"{pretty(G.nodes[of]['name'])} against {pretty(xname)}")
    if combos != [()]:
        _legend(ax, outside=False)
    return save(fig, out)


def hessian_grid(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over
                 ) -> np.ndarray:
    """The Hessian over the two ``over`` inputs at every grid point: shape (rows, cols, 2, 2)."""
    check_grid_safe(G)
    (n0, v0), (n1, v1) = over
    P0, P1 = np.meshgrid(v0, v1)
    fixed = {k: (np.reshape(v, np.shape(v) + (1,)) if np.ndim(v) else v)
             for k, v in inputs.items() if k not in (n0, n1)}
    widest = max([int(np.size(v)) for v in fixed.values()] + [1])
    chunk = max(1, CHUNK_ELEMENTS // widest)
    flat0, flat1 = P0.ravel(), P1.ravel()
    H = np.empty((flat0.size, 2, 2))
    for s in range(0, flat0.size, chunk):
        part = {n0: flat0[s:s + chunk], n1: flat1[s:s + chunk]}
        with grid_axes(1):
            H[s:s + chunk] = hessian_on_grid(G, {**fixed, **part}, of, [n0, n1])
    return H.reshape(P0.shape + (2, 2))


def convexity_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over,
                   out: PlotOut, *, slide: str | None = None, title: str = ""
                   ) -> tuple[list[Path], float]:
    """The smallest eigenvalue of the Hessian over the grid: ≥ 0 everywhere is what a
    convex function shows (a negative value anywhere disproves convexity)."""
    _check_names(G, [n for n, _ in over], "--over")
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
    name = pretty(G.nodes[of]["name"])
    fig.suptitle(f"{title or f'Convexity of {name}: the smallest Hessian eigenvalue'}\n"
                 f"{verdict}")
    return save(fig, out), low


def regularized_graph(G: nx.DiGraph, of: str | None, params: Sequence[str], coefficient: float
                      ) -> tuple[nx.DiGraph, str]:
    """G's program plus ``L_reg = L + c·Σφ²`` (re-parsed source text: the language's own
    parser, never eval)."""
    of = choose_of(G, of)
    taken = {G.nodes[n]["name"] for n in G}
    name = next(f"{G.nodes[of]['name']}_reg{k or ''}" for k in range(1000)
                if f"{G.nodes[of]['name']}_reg{k or ''}" not in taken)
    squares = " + ".join(f"{p}^2" for p in params)
    source = ((program_of(G).source or "")
              + f"\n{name} = {G.nodes[of]['name']} + {coefficient!r}*({squares})")
    return parse(source), name


def weight_decay_paths(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None,
                       start: Mapping[str, float], lam: float, lr: float, steps: int
                       ) -> tuple[np.ndarray, np.ndarray, nx.DiGraph, str]:
    """Problem 3: the weight-decay update φ ← (1 − λ)φ − α∂L/∂φ, and plain gradient
    descent (rate α) on L̃ = L + λ/(2α)·Σφ², both by reverse mode.  They coincide."""
    if lr <= 0:
        raise InputError("the learning rate must be positive")
    decayed = gradient_descent(G, inputs, of, start, lr, steps, decay=lam)
    Greg, reg = regularized_graph(G, of, list(start), lam / (2 * lr))
    regular = gradient_descent(Greg, inputs, reg, start, lr, steps)
    return decayed, regular, Greg, reg


def weight_decay_plot(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over,
                      out: PlotOut, *, lam: float, lr: float, steps: int,
                      start: Mapping[str, float], slide: str | None = None, title: str = ""
                      ) -> tuple[list[Path], float]:
    """Both paths of :func:`weight_decay_paths` on the surface of L̃, with their largest
    difference."""
    _check_names(G, [n for n, _ in over], "--over")
    decayed, regular, Greg, reg = weight_decay_paths(G, inputs, of, start, lam, lr, steps)
    diff = float(np.max(np.abs(decayed - regular)))
    Z = surface_values(Greg, inputs, reg, over)
    name = pretty(G.nodes[choose_of(G, of)]["name"])
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
    _check_names(G, [wrt], "--wrt")
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
    oname, wname = pretty(G.nodes[of]["name"]), pretty(G.nodes[wrt]["name"])
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
