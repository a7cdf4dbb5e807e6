"""A conv program and a layer stack, each read as the other.

The arithmetic of receptive fields (Araujo et al.) applies to a program: :func:`program_layers`
reads the conv and pool layers along the path from the signal to the output with the largest
field (at a ``+`` of branches, the branch that sees more), as a layer stack for
:func:`~graphviz_ad.receptive.fields.receptive_fields`.  A layer stack is written as such a
program by :func:`stack_program`, so the gradient's way
(:mod:`~graphviz_ad.receptive.gradient`) applies to a stack too.

>>> from graphviz_ad.receptive.fields import conv
>>> text, values = stack_program([conv(3), conv(3, dilation=2)])
>>> text
'h1 = relu(conv1d(x, w1))\\nh2 = relu(conv1d(h1, w2, dilation=2))'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from ..core.errors import GraphvizAdError
from ..core.nodes import node_data
from ..core.ops import convolution_dims, is_leaf, pooling, pooling_op
from ..core.program import program_of
from .fields import Layer, conv, pool
from .units import plain_axis


def feature_map(op: str) -> bool:
    """Whether ``op`` is a convolution or a pooling (its adjoint helpers are neither)."""
    return convolution_dims(op) is not None or pooling(op) is not None


def stack_program(layers: Sequence[Layer]) -> tuple[str, dict[str, np.ndarray]]:
    """A 1-D or 2-D stack as a program over one channel: ``relu(conv…d(h, w_i, …))`` per
    conv layer, ``maxpool…d`` per pool layer; the weights (ones) by name.  Asymmetric
    padding (``same`` with an even kernel, causal convolutions) has no such program."""
    nd = max(lay.ndim for lay in layers)
    if nd > 2:
        raise GraphvizAdError("only 1-D and 2-D stacks can be written as a program")
    lines, values, h = [], {}, "x"
    for i, lay in enumerate(layers, start=1):
        rows = [plain_axis([lay], a)[0] for a in range(nd)]
        if any(r.pad_left[0] != r.pad_right[0] for r in rows):
            raise GraphvizAdError(f"layer {i}: padding {lay.padding} is not the same on both "
                                  "sides, which conv1d/conv2d's padding= cannot say")
        kernel = tuple(r.kernel[0] for r in rows)
        settings = {"stride": tuple(r.stride[0] for r in rows),
                    "padding": tuple(r.pad_left[0] for r in rows),
                    "dilation": tuple(r.dilation[0] for r in rows)}
        defaults = {"stride": (kernel if lay.kind == "pool" else (1,) * nd),
                    "padding": (0,) * nd, "dilation": (1,) * nd}
        if lay.kind == "pool":
            del settings["dilation"]
            settings["kernel"] = kernel
            defaults["kernel"] = ()
        given = "".join(f", {k}={_param(v)}" for k, v in settings.items()
                        if v != defaults[k])
        if lay.kind == "pool":
            lines.append(f"h{i} = {pooling_op('max', nd)}({h}{given})")
        else:
            lines.append(f"h{i} = relu(conv{nd}d({h}, w{i}{given}))")
            values[f"w{i}"] = np.ones((1, 1, *kernel))
        h = f"h{i}"
    return "\n".join(lines), values


def _param(value: tuple[int, ...]) -> str:
    return str(value[0]) if len(value) == 1 else "(" + ", ".join(map(str, value)) + ")"


def signal_of(G: nx.DiGraph) -> str:
    """The program's signal: the first input that a conv or pool reads as its first
    operand (``conv1d(x, w)``: x)."""
    nodes = node_data(G)
    inputs = set(program_of(G).inputs)
    for n in program_of(G).order:
        data = nodes[n]
        if feature_map(data["op"]):
            first = data["operands"][0]
            if first in inputs:
                return first
    raise GraphvizAdError("no conv1d/conv2d or pooling reads an input directly: the "
                          "receptive field needs a signal such as conv1d(x, w)")


def program_layers(G: nx.DiGraph, values: Mapping[str, Any], output: str
                   ) -> list[Layer]:
    """The layers on the path from the signal to ``output`` with the largest receptive
    field (elementwise ops pass fields through; at ``a + b`` the larger wins)."""
    signal = signal_of(G)
    nodes = node_data(G)
    paths: dict[str, tuple[Layer, ...]] = {signal: ()}
    sizes: dict[str, int] = {signal: 1}
    shapes = {n: np.shape(v) for n, v in values.items()}
    wanted = nx.ancestors(G, output) | {output}
    for n in program_of(G).order:
        if n not in wanted:
            continue
        data = nodes[n]
        op, operands = data["op"], data["operands"]
        reached = [o for o in operands if o in paths]
        if n in paths or not reached:
            continue
        params = dict(data.get("params") or ())
        if convolution_dims(op) is not None:
            if operands[0] not in paths or operands[1] in paths:
                raise GraphvizAdError(f"{_named(G, n)}: the signal must be the first "
                                      "operand of a convolution, not its weights")
            kernel = shapes.get(operands[1], ())[2:]
            if not kernel:
                raise GraphvizAdError(f"{_named(G, n)}: the weights' shape is not known; "
                                      "give their value in the graph file")
            layer = conv(kernel, params.get("stride", 1), params.get("dilation", 1),
                         params.get("padding", 0), name=_label(G, n))
        elif pooling(op) is not None:
            kernel = params.get("kernel", 2)
            layer = pool(kernel, params.get("stride", kernel), params.get("padding", 0),
                         name=_label(G, n))
        elif is_leaf(op) or not _elementwise(op):
            raise GraphvizAdError(f"{_named(G, n)}: the receptive field is defined for "
                                  "convolutions, pooling and elementwise ops, not "
                                  f"{op}")
        else:
            best = max(reached, key=lambda o: sizes[o])
            paths[n], sizes[n] = paths[best], sizes[best]
            continue
        source = operands[0]
        paths[n] = (*paths[source], layer)
        sizes[n] = _field_size(paths[n])
    if output not in paths:
        raise GraphvizAdError(f"{output} does not depend on the signal {signal}")
    if not paths[output]:
        raise GraphvizAdError(f"no convolution or pooling between {signal} and {output}")
    return list(paths[output])


def _field_size(layers: Sequence[Layer]) -> int:
    r, jump = 1, 1
    for lay in layers:
        k, s, d, _ = lay.axis(0)
        r += d * (k - 1) * jump
        jump *= s
    return r


def _elementwise(op: str) -> bool:
    from ..core.shapes import RULES  # deferred: the shape rules, only for programs

    return op not in RULES


def _label(G: nx.DiGraph, n: str) -> str:
    from ..core.formula import node_label  # deferred: display, for names

    return node_label(G, n)


def _named(G: nx.DiGraph, n: str) -> str:
    from ..core.formula import definition, node_label  # deferred: display, for errors

    return f"{node_label(G, n)} = {definition(G, n)}"
