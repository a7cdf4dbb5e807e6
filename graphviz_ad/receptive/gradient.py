"""The receptive field read off the gradient: the inputs an output unit depends on are the
inputs where ∂unit/∂input is nonzero.

For a conv program (``conv1d``/``conv2d``, pooling, elementwise ops such as ``relu`` and
residual ``+``), every input but the signal is set to ones and the signal to ones as well,
so every value is positive and no ReLU cuts a path off; max-pooling, whose gradient goes to
one argmax, is read as average pooling (the same windows).  One reverse sweep seeded with
the one-hot of the output unit then gives ∂unit/∂x: its support is the receptive field,
and its values are the numbers of paths (each pool's 1/window undone).

:func:`compare` sets this beside the arithmetic of the same program's layers
(:mod:`~graphviz_ad.receptive.conv_program` reads them, and writes a layer stack as such a
program), so both ways apply to either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx
import numpy as np

from ..core.autodiff import reverse_mode
from ..core.errors import GraphvizAdError
from ..core.nodes import NodeData, node_data
from ..core.ops import PRIMITIVES, convolution_dims, pooling, pooling_op
from ..core.parse import parse
from ..core.program import attach, program_of
from .conv_program import feature_map, program_layers, signal_of, stack_program
from .fields import Layer, StackField, receptive_fields


@dataclass(frozen=True)
class GradientField:
    """The receptive field of one output unit along one axis, read off ∂unit/∂x."""

    axis: int
    unit: int
    start: int
    end: int
    jump: int | None  # the shift of the field from this unit to the next (None: no next)
    reached: tuple[int, ...]
    counts: np.ndarray  # paths from the unit to each input position (summed over the rest)

    @property
    def size(self) -> int:
        return self.end - self.start + 1


@dataclass(frozen=True)
class Comparison:
    """Both ways, per axis, and whether they agree."""

    arithmetic: tuple[StackField, ...]
    gradient: tuple[GradientField, ...]

    def agree(self) -> bool:
        return all(_same(a, g) for a, g in zip(self.arithmetic, self.gradient))


def _same(a: StackField, g: GradientField) -> bool:
    inside = a.start >= 0 and a.end < a.input_size  # else the padding clips the gradient's
    reached = a.reached is None or tuple(a.reached) == g.reached
    jump = g.jump == a.layers[-1].jump
    if not inside:  # the input units actually reached, at both ends
        ends = (g.start, g.end) == ((a.reached[0], a.reached[-1]) if a.reached else
                                    (max(a.start, 0), min(a.end, a.input_size - 1)))
        return reached and jump and ends
    return reached and jump and (g.start, g.end, g.size) == (a.start, a.end,
                                                              a.receptive_field)


def connectivity_graph(G: nx.DiGraph, output: str) -> nx.DiGraph:
    """The part of G that ``output`` depends on, with max-pooling read as average
    pooling: the same windows, but the gradient reaches every cell of a window instead
    of one argmax."""
    keep = nx.ancestors(G, output) | {output}
    H = G.subgraph(keep).copy()
    for data in node_data(H).values():
        pool = pooling(data["op"])
        if pool is not None and pool[0] == "max":
            data["op"] = pooling_op("avg", pool[1])
    meta = program_of(G)
    attach(H, replace(meta, inputs=tuple(n for n in meta.inputs if n in keep),
                      order=tuple(n for n in meta.order if n in keep), outputs=(output,)))
    return H


def _room(shape: Sequence[int]) -> None:
    """Refuse a signal over the element limit before it is made (a dilation of 10¹⁵ asks
    for an input that wide)."""
    from ..core.shapes import LIMIT_HINT, current_limit  # deferred: only for programs

    size, limit = math.prod(shape), current_limit()
    if size > limit:
        raise GraphvizAdError(f"the receptive field by the gradient needs an input of "
                              f"{'×'.join(map(str, shape))} = {size:,} elements, over the "
                              f"limit of {limit:,} ({LIMIT_HINT}); the arithmetic alone "
                              "has no such limit (rf without --gradient)")


def _supports(G: nx.DiGraph, values: Mapping[str, Any], output: str,
              units: Sequence[Sequence[int]]) -> list[np.ndarray]:
    """∂unit/∂signal for each unit (channel 0 of ``output``; a tuple of spatial indices),
    summed over the signal's channels: the numbers of paths, each pool's 1/window undone."""
    signal = signal_of(G)
    H = connectivity_graph(G, output)
    ones = {n: np.ones(np.shape(values.get(n, 1.0))) for n in program_of(H).inputs}
    nodes = node_data(G)
    pool_cells = math.prod(math.prod(_window(nodes[n])) for n in program_of(G).order
                           if pooling(nodes[n]["op"]) and _on_every_path(G, signal, n, output))
    out_shape = np.shape(reverse_mode(H, ones, of=output, wrt=[signal]).value(output))
    nd = len(units[0])
    if len(out_shape) < nd + 1:
        raise GraphvizAdError(f"{output} has shape {out_shape}: the receptive field needs "
                              f"an output map of shape [C, {', '.join(['L'] * nd)}]")
    found = []
    for unit in units:
        seed = np.zeros(out_shape)
        seed[(0,) * (len(out_shape) - nd) + tuple(unit)] = 1.0
        trace = reverse_mode(H, ones, of=output, seed=seed, wrt=[signal])
        grad = np.asarray(trace.derivative(signal), dtype=float)
        found.append(np.round(grad.reshape(-1, *grad.shape[-nd:]).sum(axis=0) * pool_cells, 6))
    return found


def _along(counts: np.ndarray, axis: int) -> np.ndarray:
    other = tuple(a for a in range(counts.ndim) if a != axis)
    return counts.sum(axis=other) if other else counts


def gradient_fields(G: nx.DiGraph, values: Mapping[str, Any], output: str,
                    units: Sequence[int], jumps: Sequence[int | None]
                    ) -> tuple[GradientField, ...]:
    """Per spatial axis of ``output``, the field of output unit ``units`` read off
    ∂unit/∂signal (``jumps``: measured by :func:`gradient_jumps`)."""
    (counts,) = _supports(G, values, output, [tuple(units)])
    out = []
    for axis in range(len(units)):
        along = _along(counts, axis)
        hit = np.flatnonzero(along)
        if hit.size == 0:
            raise GraphvizAdError(f"unit {tuple(units)} of {output} reads only padding")
        out.append(GradientField(axis, int(units[axis]), int(hit[0]), int(hit[-1]),
                                 jumps[axis], tuple(hit.tolist()), along))
    return tuple(out)


def gradient_jumps(G: nx.DiGraph, values: Mapping[str, Any], output: str,
                   layers: Sequence[Layer], signal_shape: tuple[int, ...]
                   ) -> list[int | None]:
    """Per axis, how far the field moves from one output unit to the next, read off the
    gradients of two neighbouring units on an input wide enough that neither field is
    clipped (the edges change which paths exist, so clipped fields would not show it)."""
    nd = max(lay.ndim for lay in layers)
    inner = receptive_fields(layers)  # the first unit whose field lies inside, and its size
    sizes = [f.input_size + f.layers[-1].jump for f in inner]
    base = tuple(f.unit for f in inner)
    _room((*signal_shape[:-nd], *sizes))
    values = {**values, signal_of(G): np.ones((*signal_shape[:-nd], *sizes))}
    units = [base] + [tuple(u + (a == axis) for a, u in enumerate(base)) for axis in range(nd)]
    first, *moved = _supports(G, values, output, units)
    jumps: list[int | None] = []
    for axis, counts in enumerate(moved):
        here, there = np.flatnonzero(_along(first, axis)), np.flatnonzero(_along(counts, axis))
        jumps.append(int(there[0] - here[0]) if here.size and there.size else None)
    return jumps


def _window(data: NodeData) -> tuple[int, ...]:
    params = dict(data.get("params") or ())
    kernel = params.get("kernel", 2)
    nd = PRIMITIVES[data["op"]].spatial
    return kernel if isinstance(kernel, tuple) else (kernel,) * nd


def _on_every_path(G: nx.DiGraph, source: str, node: str, target: str) -> bool:
    """Whether every path from ``source`` to ``target`` passes through ``node``."""
    if node in (source, target):
        return True
    rest = G.subgraph(n for n in G if n != node)
    return not nx.has_path(rest, source, target)


def compare(G: nx.DiGraph, values: Mapping[str, Any], output: str,
            unit: Sequence[int | None] | None = None,
            input_size: Sequence[int | None] | None = None) -> Comparison:
    """Receptive field of ``output``'s unit both ways.  The signal's size is its given
    value's, else ``input_size``, else just wide enough for the unit's field."""
    signal = signal_of(G)
    layers = program_layers(G, values, output)
    given = np.shape(values[signal]) if signal in values else None
    nd = max(lay.ndim for lay in layers)
    asked: list[int | None] = (list(given[-nd:]) if given else list(input_size or [None] * nd))
    fields = receptive_fields(layers, unit, asked * nd if len(asked) == 1 else asked)
    sizes = [f.input_size for f in fields]
    values = dict(values)
    if given is None:
        channels = _first_channels(G, values, signal)
        _room((channels, *sizes))
        values[signal] = np.ones((channels, *sizes))
    elif tuple(given[-nd:]) != tuple(sizes):
        _room((*given[:-nd], *sizes))
        values[signal] = np.ones((*given[:-nd], *sizes))
    jumps = gradient_jumps(G, values, output, layers, np.shape(values[signal]))
    gradient = gradient_fields(G, values, output, [f.unit for f in fields], jumps)
    return Comparison(fields, gradient)


def _first_channels(G: nx.DiGraph, values: Mapping[str, Any], signal: str) -> int:
    nodes = node_data(G)
    for n in program_of(G).order:
        data = nodes[n]
        if convolution_dims(data["op"]) and data["operands"][0] == signal:
            return int(np.shape(values[data["operands"][1]])[1])
    return 1


def compare_stack(layers: Sequence[Layer], unit: Sequence[int | None] | None = None,
                  input_size: Sequence[int | None] | None = None) -> Comparison:
    """:func:`compare` for a layer stack, written as a program by :func:`stack_program`."""
    text, values = stack_program(layers)
    G = parse(text)
    return compare(G, values, program_of(G).outputs[0], unit, input_size)


def output_of(G: nx.DiGraph, of: str | None) -> str:
    """The node whose unit is explained: ``of``, else the last convolution or pooling
    (the deepest feature map: a loss after it has no units)."""
    if of is not None:
        from ..core.autodiff import choose_of  # deferred: resolves a user's name

        return choose_of(G, of)
    nodes = node_data(G)
    maps = [n for n in program_of(G).order if feature_map(nodes[n]["op"])]
    if not maps:
        raise GraphvizAdError("the program has no conv1d/conv2d or pooling: no receptive field")
    return maps[-1]


def _interval(start: int, end: int) -> str:
    return f"[{start}, {end}]".replace("-", "−")


def comparison_rows(c: Comparison) -> list[list[str]]:
    """``[axis, way, size, jump, interval]`` per axis and way."""
    rows = []
    for a, g in zip(c.arithmetic, c.gradient):
        rows.append([str(a.axis), "arithmetic", str(a.receptive_field), str(a.layers[-1].jump),
                     _interval(a.start, a.end)])
        rows.append([str(g.axis), "gradient", str(g.size), "—" if g.jump is None else str(g.jump),
                     _interval(g.start, g.end)])
    return rows


def comparison_text(c: Comparison) -> str:
    """The two ways side by side, and whether they agree."""
    head = ["axis", "way", "size", "jump", "interval"]
    rows = comparison_rows(c)
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    lines = ["By the gradient: the inputs x with ∂unit/∂x ≠ 0 (weights and inputs set to 1,",
             "max-pooling read as average pooling: no ReLU or argmax cuts a path off):"]
    for r in [head, ["-" * w for w in widths], *rows]:
        lines.append("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    g = c.gradient
    top = max(float(f.counts.max()) for f in g)
    lines.append(f"Paths from the unit to one input: at most {top:,.0f} (∂unit/∂x's values).")
    if c.agree():
        lines.append("The arithmetic and the gradient agree.")
    else:
        lines.append("The arithmetic and the gradient DISAGREE (the gradient reads every "
                     "branch; the arithmetic, the widest path).")
    return "\n".join(lines) + "\n"


def comparison_markdown(c: Comparison) -> str:
    """The two ways as a Markdown table, and whether they agree."""
    lines = ["**By the gradient** (inputs with ∂unit/∂x ≠ 0; weights and inputs 1, "
             "max-pooling read as average pooling)", "",
             "| axis | way | size | jump | interval |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in comparison_rows(c)]
    verdict = "agree" if c.agree() else "DISAGREE"
    return "\n".join([*lines, "", f"The arithmetic and the gradient {verdict}."]) + "\n"


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The gradient's numbers per axis, and whether they agree with the arithmetic."""
    return {"agree": c.agree(), "axes": [
        {"axis": g.axis, "unit": g.unit, "receptive_field": g.size, "jump": g.jump,
         "start": g.start, "end": g.end, "reached": list(g.reached),
         "paths": [float(v) for v in g.counts[g.start:g.end + 1]]} for g in c.gradient]}
