"""Unit connectivity along one axis of a stack: sizes, paths and the units reached.

:func:`plain_axis` resolves padding (``same`` included) and every row's size into a
:class:`Plain`; :func:`cone` counts the paths from one unit down to every lower row;
:func:`offsets` is the sumset of tap offsets that says, without a walk, which input
units one unit depends on (stacked dilations can leave holes).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.errors import GraphvizAdError
from .layers import MAX_VALUE, Layer, short_int

#: above this many input units the reached set is not enumerated (the formulas still hold).
REACHED_LIMIT = 2_000_000
#: one layer along one axis with padding resolved: (kernel, stride, dilation, left, right)
_Resolved = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class Plain:
    """One axis of a stack with padding resolved: what the connectivity walks need."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pad_left: tuple[int, ...]
    pad_right: tuple[int, ...]
    sizes: tuple[int, ...]  # n_0 (input) … n_L


def _same(k_hat: int, s: int, n: int | None) -> tuple[int, int]:
    total = max(k_hat - s, 0) if n is None else max((-(-n // s) - 1) * s + k_hat - n, 0)
    return total // 2, total - total // 2


def _resolve(layers: Sequence[Layer], axis: int, n0: int | None) -> list[_Resolved]:
    """Per layer (k, s, d, left, right); 'same' resolved with sizes when n0 is known."""
    rows: list[_Resolved] = []
    n = n0
    for lay in layers:
        k, s, d, pad = lay.axis(axis)
        k_hat = d * (k - 1) + 1
        left, right = _same(k_hat, s, n) if isinstance(pad, str) else pad
        rows.append((k, s, d, left, right))
        if n is not None:
            n = (n + left + right - k_hat) // s + 1
    return rows


def _sizes(layers: Sequence[Layer], rows: list[_Resolved], n0: int) -> tuple[int, ...]:
    sizes = [n0]
    for i, (k, s, d, left, right) in enumerate(rows):
        k_hat = d * (k - 1) + 1
        n_in = sizes[-1]
        n_out = (n_in + left + right - k_hat) // s + 1
        if n_out < 1:
            lay = layers[i]
            label = f"layer {i + 1}" + (f" ({lay.name})" if lay.name else "")
            raise GraphvizAdError(
                f"input too short: {label} with effective kernel {k_hat} gets {n_in} units "
                f"(+{left + right} padding) and has no output; input size {n0} is too small")
        sizes.append(n_out)
    return tuple(sizes)


def path_units(plain: Plain, unit: int) -> list[int | None]:
    """Units c_L … c_1 on the path to ``unit``: each the real tap nearest the kernel's middle."""
    chain: list[int | None] = [unit]
    for li in range(len(plain.kernel) - 1, 0, -1):
        c = chain[-1]
        if c is None:
            chain.append(None)
            continue
        k, s, d, left = plain.kernel[li], plain.stride[li], plain.dilation[li], plain.pad_left[li]
        base = c * s - left  # real taps t satisfy 0 <= base + t·d < n_in, an interval of t
        lo, hi = max(-(base // d), 0), min((plain.sizes[li] - 1 - base) // d, k - 1)
        best = None if lo > hi else min(max((k - 1) // 2, lo), hi)  # nearest the middle
        chain.append(None if best is None else base + best * d)
    return chain[::-1]  # c_1 … c_L


def cone(plain: Plain, layer: int, unit: int) -> list[tuple[int, np.ndarray]]:
    """Path counts from ``unit`` of ``layer`` (1-based) down to every lower row.

    Returns ``(offset, counts)`` for rows m = layer … 0: ``counts[i]`` (float) is the number of
    paths to real unit ``offset + i`` of row m. Paths into zero padding end there (padding is
    a constant), so only real units receive counts.
    """
    rows: list[tuple[int, np.ndarray]] = []
    lo = unit
    counts: np.ndarray = np.ones(1)
    rows.append((lo, counts))
    for li in range(layer - 1, -1, -1):
        k, s, d = plain.kernel[li], plain.stride[li], plain.dilation[li]
        left, n_in = plain.pad_left[li], plain.sizes[li]
        units = lo + np.nonzero(counts)[0]
        weights = counts[counts != 0]
        base = units * s - left
        cand = (base[:, None] + d * np.arange(k)[None, :]).ravel()
        wts = np.repeat(weights, k)
        keep = (cand >= 0) & (cand < n_in)
        cand, wts = cand[keep], wts[keep]
        if cand.size == 0:
            lo, counts = 0, np.zeros(0)
        else:
            lo = int(cand.min())
            counts = np.bincount(cand - lo, weights=wts)
        rows.append((lo, counts))
    return rows


def offsets(plain: Plain) -> int:
    """Bitmask of the input offsets (from ``start``) one unit depends on, padding aside.

    The sumset of every layer's tap offsets {t·d_l·j_{l−1}}: bit x set means input unit
    start + x is connected. While the set is a full interval and the next taps are no
    further apart than its length, it stays full, so holes cost nothing unless they exist.
    """
    mask, width, jump, full = 1, 1, 1, True
    for k, s, d in zip(plain.kernel, plain.stride, plain.dilation):
        step = d * jump
        if full and step <= width:
            width += (k - 1) * step
        else:
            if full:
                mask, full = (1 << width) - 1, False
            mask = functools.reduce(operator.or_, (mask << (t * step) for t in range(k)))
            width += (k - 1) * step
        jump *= s
    return (1 << width) - 1 if full else mask


def reached_units(plain: Plain, unit: int, start: int, end: int, r: int
             ) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    """Connected real input units and holes: a sumset when no padding is involved, else a walk."""
    if r > REACHED_LIMIT:
        return None, None
    if start >= 0 and end < plain.sizes[0]:  # padding never enters: the sumset is exact
        mask = offsets(plain)
        if mask == (1 << r) - 1:
            return tuple(range(start, end + 1)), ()
        bits = np.unpackbits(np.frombuffer(mask.to_bytes((r + 7) // 8, "little"), np.uint8),
                             bitorder="little")[:r]
        return (tuple((start + np.flatnonzero(bits)).tolist()),
                tuple((start + np.flatnonzero(bits == 0)).tolist()))
    lo, counts = cone(plain, len(plain.kernel), unit)[-1]
    reached = tuple((lo + np.nonzero(counts)[0]).tolist())
    hit = set(reached)
    span = range(max(start, 0), min(end, plain.sizes[0] - 1) + 1)
    return reached, tuple(x for x in span if x not in hit)


def plain_axis(layers: Sequence[Layer], axis: int = 0, input_size: int | None = None,
               unit: int | None = None) -> tuple[Plain, int]:
    """Resolve padding and sizes for one axis; pick the default input size and unit.

    Default input size: just wide enough that the default unit (the first output unit whose
    receptive field starts at input unit 0 or later) has its whole receptive field inside.
    Default unit with an explicit input size: the middle output unit.
    """
    if unit is not None and unit > MAX_VALUE:
        raise GraphvizAdError(f"unit {short_int(unit)} is over the limit of {MAX_VALUE:.0e}")
    rows = _resolve(layers, axis, input_size)
    if input_size is None:
        jump, r, eff_pad = 1, 1, 0
        for k, s, d, left, _ in rows:
            r += d * (k - 1) * jump
            eff_pad += left * jump
            jump *= s
        unit = -(-eff_pad // jump) if unit is None else unit
        if unit < 0:
            raise GraphvizAdError(f"unit must be 0 or more, got {short_int(unit)}")
        input_size = max(unit * jump - eff_pad + r, 1)
    elif not 1 <= input_size <= MAX_VALUE:
        raise GraphvizAdError(f"input size must be between 1 and {MAX_VALUE:.0e}, got "
                              f"{short_int(input_size)}")
    sizes = _sizes(layers, rows, input_size)
    if unit is None:
        unit = (sizes[-1] - 1) // 2
    if not 0 <= unit < sizes[-1]:
        raise GraphvizAdError(f"unit {short_int(unit)} is out of range: the output layer has "
                              f"{sizes[-1]} units (0..{sizes[-1] - 1}) for input size {input_size}")
    kernel, stride, dilation, pad_left, pad_right = (tuple(column) for column in zip(*rows))
    return Plain(kernel, stride, dilation, pad_left, pad_right, sizes), unit
