"""Conv and pool layers of a receptive-field stack: construction and validation.

A :class:`Layer` holds one entry per axis for each of kernel, stride, dilation and
padding (1-entry fields broadcast); every number a user gives is checked here, and a
stack whose derived numbers would grow past printable sizes is refused up front.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from ..core.errors import GraphvizAdError

KINDS = ("conv", "pool")
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


def short_int(value: int) -> str:
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
            raise GraphvizAdError(f"{what} must be at least {minimum}, got {short_int(n)}")
        if n > MAX_VALUE:
            raise GraphvizAdError(f"{what} {short_int(n)} is over the limit of {MAX_VALUE:.0e}")
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
                raise GraphvizAdError(f"{label}: the {what} grows to {short_int(value)}, over the "
                                      f"limit of 10^1000")
