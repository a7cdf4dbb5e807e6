"""Receptive-field arithmetic for stacks of conv and pool layers, and their unit connectivity.

Formulas (Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks",
Distill 2019, doi:10.23915/distill.00021), for layer l with kernel k, stride s, dilation d and
left padding p; the dilated (effective) kernel is k̂ = d·(k−1) + 1; r₀ = 1, j₀ = 1, P₀ = 0:

* jump (effective stride)       j_l = j_{l−1} · s_l
* receptive-field size          r_l = r_{l−1} + (k̂_l − 1) · j_{l−1}
* effective padding             P_l = P_{l−1} + p_l · j_{l−1}
* input interval of unit u      start = u · j_l − P_l,   end = start + r_l − 1

Units are 0-indexed; a negative ``start`` (or ``end`` ≥ input size) means the region reaches
into the zero padding. Pooling layers use the same formulas. Stacked dilations can leave
*holes*: the interval is the span, while :attr:`StackField.reached` lists the input units
that are actually connected to the output unit (found by walking the taps layer by layer).

``padding="same"`` follows TensorFlow's SAME rule, which for stride 1 is identical to PyTorch's
``padding="same"`` (total k̂ − 1, the odd unit on the right) and is also defined for stride > 1:
total = max((⌈n/s⌉ − 1)·s + k̂ − n, 0), left = total // 2, the rest on the right. When no input
size is given, n is taken to be a multiple of s (total = max(k̂ − s, 0)).

>>> rf = receptive_field([conv(5, stride=2), conv(3), conv(5, dilation=2)])
>>> [row.receptive_field for row in rf.layers]
[5, 9, 25]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.errors import GraphvizAdError
from .layers import (
    KINDS,
    MAX_AXES,
    MAX_DERIVED,
    MAX_LAYERS,
    MAX_VALUE,
    IntOrTuple,
    Layer,
    Pad,
    check_layer_count,
    conv,
    make_layer,
    pool,
    stack_ndim,
)
from .units import (
    REACHED_LIMIT,
    Plain,
    cone,
    offsets,
    path_units,
    plain_axis,
    reached_units,
)

__all__ = ["KINDS", "MAX_AXES", "MAX_DERIVED", "MAX_LAYERS", "MAX_VALUE", "REACHED_LIMIT",
           "IntOrTuple", "Layer", "LayerField", "Pad", "Plain", "StackField", "check_layer_count",
           "cone", "conv", "make_layer", "offsets", "plain_axis", "pool", "receptive_field",
           "receptive_fields", "stack_ndim"]


@dataclass(frozen=True)
class LayerField:
    """Receptive-field numbers after one layer, along one axis.

    ``unit`` is the unit of this layer on the path to the chosen output unit (the tap nearest
    the middle of the kernel); ``start``/``end`` is its input interval (``None`` if every tap
    of the unit above falls into padding).
    """

    index: int
    name: str
    kind: str
    kernel: int
    stride: int
    dilation: int
    pad_left: int
    pad_right: int
    effective_kernel: int
    size: int
    receptive_field: int
    jump: int
    effective_padding: int
    unit: int | None
    start: int | None
    end: int | None


@dataclass(frozen=True)
class StackField:
    """The receptive field of one output unit through a whole stack, along one axis.

    ``reached`` holds the input units actually connected to the output unit (``None`` when
    larger than REACHED_LIMIT); ``holes`` the in-range units of [start, end] that are not.
    """

    layers: tuple[LayerField, ...]
    input_size: int
    unit: int
    start: int
    end: int
    reached: tuple[int, ...] | None
    holes: tuple[int, ...] | None
    axis: int = 0
    sizes: tuple[int, ...] = field(default=(), repr=False)

    @property
    def receptive_field(self) -> int:
        return self.layers[-1].receptive_field


def receptive_field(layers: Sequence[Layer], unit: int | None = None,
                    input_size: int | None = None, axis: int = 0) -> StackField:
    """Receptive field of output ``unit`` through ``layers`` along ``axis``, layer by layer.

    ``input_size`` defaults to just wide enough for the unit's whole receptive field.
    """
    stack_ndim(layers)
    plain, unit = plain_axis(layers, axis, input_size, unit)
    path = path_units(plain, unit)
    out, jump, r, eff_pad = [], 1, 1, 0
    for i, lay in enumerate(layers):
        k, s, d = plain.kernel[i], plain.stride[i], plain.dilation[i]
        k_hat = d * (k - 1) + 1
        r += (k_hat - 1) * jump
        eff_pad += plain.pad_left[i] * jump
        jump *= s
        c = path[i]
        row_start = None if c is None else c * jump - eff_pad
        row_end = None if row_start is None else row_start + r - 1
        out.append(LayerField(i + 1, lay.name or f"{lay.kind}{i + 1}", lay.kind, k, s, d,
                              plain.pad_left[i], plain.pad_right[i], k_hat, plain.sizes[i + 1],
                              r, jump, eff_pad, c, row_start, row_end))
    start = unit * jump - eff_pad
    end = start + r - 1
    reached, holes = reached_units(plain, unit, start, end, r)
    return StackField(tuple(out), plain.sizes[0], unit, start, end, reached, holes, axis,
                      plain.sizes)


def receptive_fields(layers: Sequence[Layer], unit: Sequence[int | None] | int | None = None,
                     input_size: Sequence[int | None] | int | None = None
                     ) -> tuple[StackField, ...]:
    """Per-axis results for an n-D stack; ``unit``/``input_size`` are per-axis or broadcast."""
    ndim = stack_ndim(layers)

    def per_axis(value: Sequence[int | None] | int | None, what: str) -> list[int | None]:
        if value is None or isinstance(value, int):
            return [value] * ndim
        if len(value) not in (1, ndim):
            raise GraphvizAdError(f"{what} needs 1 or {ndim} values, got {len(value)}")
        return list(value) * (ndim if len(value) == 1 else 1)

    units, sizes = per_axis(unit, "unit"), per_axis(input_size, "input size")
    return tuple(receptive_field(layers, units[a], sizes[a], a) for a in range(ndim))
