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

import functools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from .errors import GraphvizAdError

KINDS = ("conv", "pool")
#: above this many input units the reached set is not enumerated (the formulas still hold).
REACHED_LIMIT = 2_000_000
#: stacks longer than this are refused before any arithmetic (the table would be unreadable).
MAX_LAYERS = 10_000
#: 1D, 2D or 3D stacks (axes are named height, width, depth).
MAX_AXES = 3
#: largest kernel, stride, dilation, padding, input size or unit a user may give.
MAX_VALUE = 10**15
#: largest receptive field, jump or effective padding a stack may grow to: the arithmetic is
#: exact (Python ints), this only keeps every number printable (Python refuses to print
#: integers of over 4,300 digits).
MAX_DERIVED = 10**1000

Pad = tuple[int, int] | str  # (left, right) or "same"
IntOrTuple = int | Sequence[int]
_T = TypeVar("_T")
#: one layer along one axis with padding resolved: (kernel, stride, dilation, left, right)
_Resolved = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class Layer:
    """One conv or pool layer; every field holds one entry per axis (1 for a 1D stack)."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...] = (1,)
    dilation: tuple[int, ...] = (1,)
    padding: tuple[Pad, ...] = ((0, 0),)
    kind: str = "conv"
    name: str = ""

    @property
    def ndim(self) -> int:
        return max(len(self.kernel), len(self.stride), len(self.dilation), len(self.padding))

    def axis(self, i: int) -> tuple[int, int, int, Pad]:
        """(kernel, stride, dilation, padding) along axis ``i`` (1-entry fields broadcast)."""
        def pick(values: tuple[_T, ...]) -> _T:
            return values[0] if len(values) == 1 else values[i]
        return pick(self.kernel), pick(self.stride), pick(self.dilation), pick(self.padding)


def _short(value: int) -> str:
    """An integer as text, abbreviated to its digit count when huge (no 4,300-digit error)."""
    if abs(value) < 10**30:
        return str(value)
    return f"a {value.bit_length() * 30103 // 100000 + 1}-digit number"


def _ints(value: object, what: str, minimum: int) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ints) as a tuple of ints, each checked."""
    values = tuple(value) if isinstance(value, Sequence) and not isinstance(value, str) \
        else (value,)
    if not values:
        raise GraphvizAdError(f"{what} needs at least one value")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise GraphvizAdError(f"{what} must be an integer, got {v!r}")
        n = int(v)
        if n < minimum:
            raise GraphvizAdError(f"{what} must be at least {minimum}, got {_short(n)}")
        if n > MAX_VALUE:
            raise GraphvizAdError(f"{what} {_short(n)} is over the limit of {MAX_VALUE:.0e}")
        out.append(n)
    return tuple(out)


def _pad(value: object, ndim: int) -> tuple[Pad, ...]:
    """Normalise int | "same" | "valid" | (left, right) [1D] | per-axis entries [nD]."""
    if isinstance(value, str):
        word = value.lower()
        if word not in ("same", "valid"):
            raise GraphvizAdError(f"padding must be an int, a (left, right) pair, "
                                  f"'same' or 'valid', got {value!r}")
        return ("same",) if word == "same" else ((0, 0),)
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        p = _ints(value, "padding", 0)[0]
        return ((p, p),)
    if isinstance(value, Sequence):
        entries = list(value)
        if ndim == 1 and len(entries) == 2 and all(isinstance(e, int) for e in entries):
            left, right = _ints(entries, "padding", 0)
            return ((left, right),)
        if len(entries) != ndim:
            raise GraphvizAdError(f"padding {value!r}: give one entry per axis ({ndim})")
        return tuple(_pad(e, 1)[0] for e in entries)
    raise GraphvizAdError(f"padding must be an int, a (left, right) pair, 'same' or 'valid', "
                          f"got {value!r}")


def make_layer(kernel: IntOrTuple, stride: IntOrTuple | None = None, dilation: IntOrTuple = 1,
               padding: object = 0, kind: str = "conv", name: str = "") -> Layer:
    """Validate and normalise one layer. A pool's stride defaults to its kernel (as PyTorch)."""
    if kind not in KINDS:
        raise GraphvizAdError(f"layer kind must be one of {', '.join(KINDS)}, got {kind!r}")
    k = _ints(kernel, "kernel", 1)
    s = _ints(stride if stride is not None else (kernel if kind == "pool" else 1), "stride", 1)
    d = _ints(dilation, "dilation", 1)
    ndims = {len(t) for t in (k, s, d) if len(t) > 1}
    if len(ndims) > 1:
        raise GraphvizAdError(f"per-axis values disagree on the number of axes: {sorted(ndims)}")
    ndim = ndims.pop() if ndims else 1
    if ndim > MAX_AXES:
        raise GraphvizAdError(f"{ndim} axes per layer is over the limit of {MAX_AXES} "
                              f"(1D, 2D or 3D stacks)")
    return Layer(k, s, d, _pad(padding, ndim), kind, name)


def conv(kernel: IntOrTuple, stride: IntOrTuple = 1, dilation: IntOrTuple = 1,
         padding: object = 0, name: str = "") -> Layer:
    """A convolution layer, e.g. ``conv(3, padding=1)``."""
    return make_layer(kernel, stride, dilation, padding, "conv", name)


def pool(kernel: IntOrTuple, stride: IntOrTuple | None = None, padding: object = 0,
         name: str = "") -> Layer:
    """A pooling layer (max or average: same connectivity); stride defaults to the kernel."""
    return make_layer(kernel, stride, 1, padding, "pool", name)


def stack_ndim(layers: Sequence[Layer]) -> int:
    """Number of axes of a stack; raises if layers disagree (1-axis layers broadcast)."""
    if not layers:
        raise GraphvizAdError("the stack has no layers")
    check_layer_count(len(layers))
    ndims = {lay.ndim for lay in layers if lay.ndim > 1}
    if len(ndims) > 1:
        raise GraphvizAdError(f"layers disagree on the number of axes: {sorted(ndims)}")
    ndim = ndims.pop() if ndims else 1
    for axis in range(ndim):
        _check_growth(layers, axis)
    return ndim


def check_layer_count(count: int) -> None:
    """Refuse stacks of more than MAX_LAYERS layers (call before building them)."""
    if count > MAX_LAYERS:
        raise GraphvizAdError(f"{count} layers is over the limit of {MAX_LAYERS:,}")


def _check_growth(layers: Sequence[Layer], axis: int) -> None:
    """Refuse stacks whose receptive field, jump or effective padding passes MAX_DERIVED."""
    jump, r, eff_pad = 1, 1, 0
    for i, lay in enumerate(layers):
        k, s, d, pad = lay.axis(axis)
        left = d * (k - 1) // 2 if isinstance(pad, str) else pad[0]  # "same": at most this
        r += d * (k - 1) * jump
        eff_pad += left * jump
        jump *= s
        for what, value in (("receptive field", r), ("jump", jump),
                            ("effective padding", eff_pad)):
            if value > MAX_DERIVED:
                label = f"layer {i + 1}" + (f" ({lay.name})" if lay.name else "")
                raise GraphvizAdError(f"{label}: the {what} grows to {_short(value)}, over the "
                                      f"limit of 10^1000")


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


def _chain(plain: Plain, unit: int) -> list[int | None]:
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


def _reached(plain: Plain, unit: int, start: int, end: int, r: int
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
        raise GraphvizAdError(f"unit {_short(unit)} is over the limit of {MAX_VALUE:.0e}")
    rows = _resolve(layers, axis, input_size)
    if input_size is None:
        jump, r, eff_pad = 1, 1, 0
        for k, s, d, left, _ in rows:
            r += d * (k - 1) * jump
            eff_pad += left * jump
            jump *= s
        unit = -(-eff_pad // jump) if unit is None else unit
        if unit < 0:
            raise GraphvizAdError(f"unit must be 0 or more, got {_short(unit)}")
        input_size = max(unit * jump - eff_pad + r, 1)
    elif not 1 <= input_size <= MAX_VALUE:
        raise GraphvizAdError(f"input size must be between 1 and {MAX_VALUE:.0e}, got "
                              f"{_short(input_size)}")
    sizes = _sizes(layers, rows, input_size)
    if unit is None:
        unit = (sizes[-1] - 1) // 2
    if not 0 <= unit < sizes[-1]:
        raise GraphvizAdError(f"unit {_short(unit)} is out of range: the output layer has "
                              f"{sizes[-1]} units (0..{sizes[-1] - 1}) for input size {input_size}")
    kernel, stride, dilation, pad_left, pad_right = (tuple(column) for column in zip(*rows))
    return Plain(kernel, stride, dilation, pad_left, pad_right, sizes), unit


def receptive_field(layers: Sequence[Layer], unit: int | None = None,
                    input_size: int | None = None, axis: int = 0) -> StackField:
    """Receptive field of output ``unit`` through ``layers`` along ``axis``, layer by layer.

    ``input_size`` defaults to just wide enough for the unit's whole receptive field.
    """
    stack_ndim(layers)
    plain, unit = plain_axis(layers, axis, input_size, unit)
    chain = _chain(plain, unit)
    out, jump, r, eff_pad = [], 1, 1, 0
    for i, lay in enumerate(layers):
        k, s, d = plain.kernel[i], plain.stride[i], plain.dilation[i]
        k_hat = d * (k - 1) + 1
        r += (k_hat - 1) * jump
        eff_pad += plain.pad_left[i] * jump
        jump *= s
        c = chain[i]
        row_start = None if c is None else c * jump - eff_pad
        row_end = None if row_start is None else row_start + r - 1
        out.append(LayerField(i + 1, lay.name or f"{lay.kind}{i + 1}", lay.kind, k, s, d,
                              plain.pad_left[i], plain.pad_right[i], k_hat, plain.sizes[i + 1],
                              r, jump, eff_pad, c, row_start, row_end))
    start = unit * jump - eff_pad
    end = start + r - 1
    reached, holes = _reached(plain, unit, start, end, r)
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
