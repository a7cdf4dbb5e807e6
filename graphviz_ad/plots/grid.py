"""The numbers the loss plots show, all from the graph: a function of two inputs on a grid
(one evaluation of the graph on the whole grid — data of shape (n, 1) against parameters of
shape (P,); under ``grid_axes(1)`` reductions leave the trailing grid axis alone, see
:mod:`graphviz_ad.core.ops` — in chunks that keep arrays near a million elements), its
Hessian there (:mod:`graphviz_ad.core.calculus`), and gradient-descent paths (reverse mode),
with and without weight decay.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from ..core.autodiff import choose_of, reverse_mode, values_at
from ..core.calculus import hessian_on_grid
from ..core.errors import InputError
from ..core.nodes import node
from ..core.ops import PRIMITIVES, grid_axes
from ..core.parse import parse
from ..core.program import program_of

CHUNK_ELEMENTS = 1 << 20
Over = Sequence[tuple[str, np.ndarray]]


def check_names(G: nx.DiGraph, names: Sequence[str], option: str) -> None:
    for name in names:
        if name not in program_of(G).inputs:
            raise InputError(f"{option} {name}: no such input (inputs: "
                             f"{', '.join(program_of(G).inputs)})")


def check_grid_safe(G: nx.DiGraph) -> None:
    """Plots evaluate many points at once by giving every array a trailing grid axis, so a
    program may only reduce over leading (data) axes: a negative ``axis`` or a matrix
    product (an op reading its operands' last axes, ``Primitive.last_axes``) would act on
    the grid instead.  Refuse such programs with one line."""
    for n in program_of(G).order:
        data = node(G, n)
        axis = dict(data.get("params") or ()).get("axis")
        axes = axis if isinstance(axis, tuple) else () if axis is None else (axis,)
        what = (f"axis={axis}" if any(k < 0 for k in axes)
                else data["op"] if _reads_last_axes(data["op"]) else None)
        if what:
            raise InputError(f"{data['line']}:{data['column']}: {data['label']} uses {what}; "
                             "plots need reductions over leading axes only (write a "
                             "non-negative axis; matrix programs cannot be plotted yet)")


def _reads_last_axes(op: str) -> bool:
    prim = PRIMITIVES.get(op)  # None: an input or a constant
    return prim is not None and prim.last_axes


def _fixed_inputs(inputs: Mapping[str, Any], varied: Iterable[str]
                  ) -> tuple[dict[str, Any], int]:
    """The inputs that are the same at every grid point, arrays given a trailing grid axis
    of length 1, and how many points to evaluate at once (arrays near CHUNK_ELEMENTS)."""
    varied = set(varied)
    fixed = {k: (np.reshape(v, np.shape(v) + (1,)) if np.ndim(v) else v)
             for k, v in inputs.items() if k not in varied}
    widest = max([int(np.size(v)) for v in fixed.values()] + [1])
    return fixed, max(1, CHUNK_ELEMENTS // widest)


def evaluate_on_grid(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None,
                     points: Mapping[str, np.ndarray]) -> np.ndarray:
    """``of`` at many points at once: ``points`` maps inputs to equal-length 1-D arrays
    (one entry per point); every other input is the same at every point.  Returns one
    value per point.  Array inputs get a trailing axis, so reductions act on the data
    and leave one number per point."""
    of = choose_of(G, of)
    check_grid_safe(G)
    count = len(next(iter(points.values())))
    fixed, chunk = _fixed_inputs(inputs, points)
    out = np.empty(count)
    for start in range(0, count, chunk):
        part = {k: np.asarray(v[start:start + chunk], dtype=float) for k, v in points.items()}
        with grid_axes(1):  # the trailing axis is the grid's: sum(...) leaves it alone
            value = values_at(G, {**fixed, **part})[of]
        size = len(next(iter(part.values())))
        if np.shape(value) not in ((), (size,)):
            raise InputError(f"{node(G, of)['name']} is not one number per point (shape "
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


def hessian_grid(G: nx.DiGraph, inputs: Mapping[str, Any], of: str | None, over: Over
                 ) -> np.ndarray:
    """The Hessian over the two ``over`` inputs at every grid point: shape (rows, cols, 2, 2)."""
    check_grid_safe(G)
    (n0, v0), (n1, v1) = over
    P0, P1 = np.meshgrid(v0, v1)
    fixed, chunk = _fixed_inputs(inputs, (n0, n1))
    flat0, flat1 = P0.ravel(), P1.ravel()
    H = np.empty((flat0.size, 2, 2))
    for s in range(0, flat0.size, chunk):
        part = {n0: flat0[s:s + chunk], n1: flat1[s:s + chunk]}
        with grid_axes(1):
            H[s:s + chunk] = hessian_on_grid(G, {**fixed, **part}, of, [n0, n1])
    return H.reshape(P0.shape + (2, 2))


def regularized_graph(G: nx.DiGraph, of: str | None, params: Sequence[str], coefficient: float
                      ) -> tuple[nx.DiGraph, str]:
    """G's program plus ``L_reg = L + c·Σφ²`` (re-parsed source text: the language's own
    parser, never eval)."""
    of = choose_of(G, of)
    taken = {node(G, n)["name"] for n in G}
    name = next(f"{node(G, of)['name']}_reg{k or ''}" for k in range(1000)
                if f"{node(G, of)['name']}_reg{k or ''}" not in taken)
    squares = " + ".join(f"{p}^2" for p in params)
    source = ((program_of(G).source or "")
              + f"\n{name} = {node(G, of)['name']} + {coefficient!r}*({squares})")
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
