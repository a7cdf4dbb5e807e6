"""Convolution and pooling over 1 or 2 spatial axes, in numpy (strided windows, no loops
over positions): the numeric functions behind conv1d/conv2d, maxpool/avgpool, flatten
and reshape in :mod:`graphviz_ad.core.ops`, their adjoints, and their shape rules.

Axes follow PyTorch: an input is ``[C_in, *S]`` or, with a batch axis, ``[N, C_in, *S]``;
weights are ``[C_out, C_in, *K]``.  ``stride``, ``padding`` and ``dilation`` are an int or
one int per spatial axis.  Each output position ``o`` reads the (zero-padded) input at
``o·stride + j·dilation`` for the kernel taps ``j``.

The adjoints, written in the lecture's words:

* :func:`conv_dx` — ``∂L/∂X = ∂L/∂Y ⊛ flip(W)``, the full (transposed) convolution with
  the stride inserted as zeros; it gives the *shortest* input consistent with the output
  (the tail a stride leaves unread gets nothing), and :func:`fit_to` pads it to the
  input's shape;
* :func:`conv_dw` — ``∂L/∂W = X ⋆ ∂L/∂Y``, the correlation of the input with the
  upstream gradient, over every tap that fits (cropped to the kernel by :func:`fit_to`);
* :func:`pool_route` — max-pooling routes each gradient to its window's argmax.

>>> import numpy as np
>>> conv(np.array([[1., 2, 3, 4]]), np.ones((1, 1, 2)), 1).tolist()
[[3.0, 5.0, 7.0]]
>>> conv_dx(np.ones((1, 3)), np.ones((1, 1, 2)), 1).tolist()
[[1.0, 2.0, 2.0, 1.0]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import InputError

Shape = tuple[int, ...]


class ShapeError(InputError):
    """Operands whose shapes do not fit; the message names them ``{a}`` and ``{b}``,
    which the caller fills with the operands' labels."""


def dims(shape: Shape) -> str:
    """``2×3`` (``a scalar`` for ())."""
    return "×".join(map(str, shape)) or "a scalar"


def _per_axis(name: str, value: Any, nd: int, least: int) -> tuple[int, ...]:
    """An int or a tuple of ``nd`` ints, each at least ``least``, as a tuple."""
    values = value if isinstance(value, tuple) else (value,) * nd
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) for v in values):
        raise InputError(f"{name}= must be an integer or {nd} integers, got {value!r}")
    if any(v < least for v in values):
        raise InputError(f"{name}= must be at least {least}, got {value!r}")
    return tuple(int(v) for v in values)


def _spatial(shape: Shape, nd: int, what: str) -> tuple[Shape, Shape]:
    """(leading axes: ``(C,)`` or ``(N, C)``; the ``nd`` spatial sizes)."""
    if len(shape) not in (nd + 1, nd + 2):
        axes = "[C, L]" if nd == 1 else "[C, H, W]"
        raise ShapeError(f"takes {what} of shape {axes} or with a batch axis in front; "
                         f"{{a}} is {dims(shape)}")
    return shape[:-nd], shape[-nd:]


def _settings(nd: int, stride: Any, padding: Any, dilation: Any):
    return (_per_axis("stride", stride, nd, 1), _per_axis("padding", padding, nd, 0),
            _per_axis("dilation", dilation, nd, 1))


def conv_shape(x: Shape, w: Shape, nd: int, stride: Any = 1, padding: Any = 0,
               dilation: Any = 1) -> Shape:
    """The output shape of a convolution, or one :class:`ShapeError` naming both shapes."""
    s, p, d = _settings(nd, stride, padding, dilation)
    lead, size = _spatial(x, nd, "an input")
    if len(w) != nd + 2:
        kernel = "[C_out, C_in, k]" if nd == 1 else "[C_out, C_in, kh, kw]"
        raise ShapeError(f"takes weights of shape {kernel}; {{b}} is {dims(w)} "
                         f"({{a}} is {dims(x)})")
    if lead[-1] != w[1]:
        raise ShapeError(f"channels differ ({{a}} is {dims(x)} with {lead[-1]} channels, "
                         f"{{b}} is {dims(w)} expecting {w[1]})")
    out = tuple((n + 2 * pp - dd * (k - 1) - 1) // ss + 1
                for n, k, ss, pp, dd in zip(size, w[2:], s, p, d))
    if min(out) < 1:
        raise ShapeError(f"the kernel is wider than the padded input ({{a}} is {dims(x)}, "
                         f"{{b}} is {dims(w)})")
    return (*lead[:-1], w[0], *out)


def _windows(xp: np.ndarray, nd: int, taps: Shape, out: Shape, s: Shape, d: Shape
             ) -> np.ndarray:
    """A view ``[…, *out, *taps]`` of the padded input: position o, tap j reads
    ``xp[…, o·s + j·d]``."""
    span = tuple(dd * (k - 1) + 1 for k, dd in zip(taps, d))
    view = sliding_window_view(xp, span, axis=tuple(range(xp.ndim - nd, xp.ndim)))
    lead = (slice(None),) * (xp.ndim - nd)
    positions = tuple(slice(0, (o - 1) * ss + 1, ss) for o, ss in zip(out, s))
    return view[lead + positions + tuple(slice(None, None, dd) for dd in d)]


def _batched(x: np.ndarray, nd: int) -> tuple[np.ndarray, bool]:
    x = np.asarray(x, dtype=float)
    return (x, True) if x.ndim == nd + 2 else (x[None], False)


def _pad(x: np.ndarray, nd: int, p: Shape) -> np.ndarray:
    if not any(p):
        return x
    return np.pad(x, [(0, 0)] * (x.ndim - nd) + [(pp, pp) for pp in p])


def padded_size(x: Shape, nd: int, padding: Any = 0, **_: Any) -> int:
    """Elements of the zero-padded input a convolution reads (and its adjoints write: the
    transposed convolution's full-length result is never longer): what the size check
    before any arithmetic bounds, since a large padding with a large stride asks for a
    huge padded input although the result is small."""
    p = _per_axis("padding", padding, nd, 0)
    return math.prod(x[:-nd]) * math.prod(n + 2 * pp for n, pp in zip(x[-nd:], p))


def conv(x, w, nd: int, stride: Any = 1, padding: Any = 0, dilation: Any = 1) -> np.ndarray:
    """The convolution (PyTorch's, i.e. a correlation) of ``x`` with ``w``."""
    shape = conv_shape(np.shape(x), np.shape(w), nd, stride, padding, dilation)
    s, p, d = _settings(nd, stride, padding, dilation)
    xb, batched = _batched(x, nd)
    w = np.asarray(w, dtype=float)
    win = _windows(_pad(xb, nd, p), nd, w.shape[2:], shape[-nd:], s, d)  # [N, C, *O, *K]
    n, c, out = xb.shape[0], xb.shape[1], shape[-nd:]
    # im2col: the patches as columns [C·K, N·O] (one copy), then one matrix product
    order = (1, *range(2 + nd, 2 + 2 * nd), 0, *range(2, 2 + nd))
    cols = win.transpose(order).reshape(c * math.prod(w.shape[2:]), -1)
    y = (w.reshape(w.shape[0], -1) @ cols).reshape(w.shape[0], n, *out)
    y = np.ascontiguousarray(y.swapaxes(0, 1)) if n > 1 else y.reshape(1, w.shape[0], *out)
    return y if batched else y[0]


def conv_dx_shape(g: Shape, w: Shape, nd: int, stride: Any = 1, padding: Any = 0,
                  dilation: Any = 1) -> Shape:
    """The shape :func:`conv_dx` gives: the shortest input consistent with ``g``."""
    s, p, d = _settings(nd, stride, padding, dilation)
    lead, out = _spatial(g, nd, "a gradient")
    if len(w) != nd + 2 or lead[-1] != w[0]:
        raise ShapeError(f"a gradient {{a}} of {dims(g)} does not fit weights {{b}} of "
                         f"{dims(w)}")
    return (*lead[:-1], w[1], *(max((o - 1) * ss + dd * (k - 1) + 1 - pp, 0)
                                for o, k, ss, pp, dd in zip(out, w[2:], s, p, d)))


def conv_dx(g, w, nd: int, stride: Any = 1, padding: Any = 0, dilation: Any = 1
            ) -> np.ndarray:
    """``∂L/∂Y ⊛ flip(W)``: each tap's weights times the gradient, added back where
    that tap read (the stride's gaps get nothing); the left padding is cut off."""
    shape = conv_dx_shape(np.shape(g), np.shape(w), nd, stride, padding, dilation)
    s, p, d = _settings(nd, stride, padding, dilation)
    gb, batched = _batched(g, nd)
    w = np.asarray(w, dtype=float)
    taps, out = w.shape[2:], gb.shape[2:]
    spread = np.tensordot(w, gb, axes=([0], [1]))  # [Cin, *K, N, *O]: each tap contiguous
    full = np.zeros((gb.shape[0], w.shape[1],
                     *((o - 1) * ss + dd * (k - 1) + 1 for o, k, ss, dd in zip(out, taps, s, d))))
    for tap in np.ndindex(*taps):  # a loop over the kernel's taps, not over positions
        where = tuple(slice(j * dd, j * dd + (o - 1) * ss + 1, ss)
                      for j, o, ss, dd in zip(tap, out, s, d))
        full[(slice(None), slice(None), *where)] += spread[(slice(None), *tap)].swapaxes(0, 1)
    full = full[(slice(None), slice(None), *(slice(pp, None) for pp in p))]
    full = full if batched else full[0]
    assert full.shape == shape
    return full


def conv_dw_shape(x: Shape, g: Shape, nd: int, stride: Any = 1, padding: Any = 0,
                  dilation: Any = 1) -> Shape:
    """The shape :func:`conv_dw` gives: every tap that fits the padded input."""
    s, p, d = _settings(nd, stride, padding, dilation)
    lead, size = _spatial(x, nd, "an input")
    glead, out = _spatial(g, nd, "a gradient")
    if len(lead) != len(glead) or lead[:-1] != glead[:-1]:
        raise ShapeError(f"an input {{a}} of {dims(x)} does not fit a gradient {{b}} of "
                         f"{dims(g)}")
    taps = tuple((n + 2 * pp - 1 - (o - 1) * ss) // dd + 1
                 for n, o, ss, pp, dd in zip(size, out, s, p, d))
    if min(taps) < 1:
        raise ShapeError(f"a gradient {{b}} of {dims(g)} is longer than the input {{a}} of "
                         f"{dims(x)} allows")
    return (glead[-1], lead[-1], *taps)


def conv_dw(x, g, nd: int, stride: Any = 1, padding: Any = 0, dilation: Any = 1
            ) -> np.ndarray:
    """``X ⋆ ∂L/∂Y``: for each tap, the input it read correlated with the gradient
    (summed over positions and the batch)."""
    shape = conv_dw_shape(np.shape(x), np.shape(g), nd, stride, padding, dilation)
    s, p, d = _settings(nd, stride, padding, dilation)
    xb, _ = _batched(x, nd)
    gb, _ = _batched(g, nd)
    win = _windows(_pad(xb, nd, p), nd, shape[2:], gb.shape[2:], s, d)  # [N, Cin, *O, *K]
    axes = (0, *range(2, 2 + nd))
    return np.tensordot(gb, win, axes=(axes, axes))


def fit_to(v, like) -> np.ndarray:
    """``v`` cut or zero-padded at the end of each axis to ``like``'s shape (a linear map
    whose adjoint is the same operation the other way)."""
    v, shape = np.asarray(v, dtype=float), np.shape(like)
    if v.ndim != len(shape):
        raise ShapeError(f"{{a}} is {dims(v.shape)}, {{b}} is {dims(shape)}: ranks differ")
    if v.shape == shape:
        return v
    out = np.zeros(shape)
    common = tuple(slice(0, min(m, n)) for m, n in zip(v.shape, shape))
    out[common] = v[common]
    return out


# -- pooling -------------------------------------------------------------------------------

def _pool_settings(nd: int, kernel: Any, stride: Any, padding: Any
                   ) -> tuple[Shape, Shape, Shape]:
    k = _per_axis("kernel", kernel, nd, 1)
    s = _per_axis("stride", kernel if stride is None else stride, nd, 1)
    p = _per_axis("padding", padding, nd, 0)
    if any(2 * pp > kk for pp, kk in zip(p, k)):
        raise InputError(f"padding={padding!r} is more than half the window "
                         f"{dims(k)} (a window would hold only padding)")
    return k, s, p


def pool_shape(x: Shape, nd: int, kernel: Any = 2, stride: Any = None,
               padding: Any = 0) -> Shape:
    """The output shape of a pooling (``stride`` defaults to ``kernel``)."""
    k, s, p = _pool_settings(nd, kernel, stride, padding)
    lead, size = _spatial(x, nd, "an input")
    if any(n + 2 * pp < kk for n, kk, pp in zip(size, k, p)):
        raise ShapeError(f"the window ({dims(k)}) is larger than {{a}} ({dims(x)})")
    return (*lead, *((n + 2 * pp - kk) // ss + 1 for n, kk, ss, pp in zip(size, k, s, p)))


def _pool_windows(x, nd: int, kernel: Any, stride: Any, padding: Any, fill: float):
    """A view ``[…, *out, *window]`` of ``x`` padded with ``fill``."""
    shape = pool_shape(np.shape(x), nd, kernel, stride, padding)
    k, s, p = _pool_settings(nd, kernel, stride, padding)
    x = np.asarray(x, dtype=float)
    if any(p):
        x = np.pad(x, [(0, 0)] * (x.ndim - nd) + [(pp, pp) for pp in p],
                   constant_values=fill)
    return _windows(x, nd, k, shape[-nd:], s, (1,) * nd), shape, k, s, p


def maxpool(x, nd: int, kernel: Any = 2, stride: Any = None, padding: Any = 0) -> np.ndarray:
    """The largest value in each window (padding counts as −∞, as in PyTorch)."""
    win, shape, *_ = _pool_windows(x, nd, kernel, stride, padding, -np.inf)
    return win.max(axis=tuple(range(-nd, 0))).reshape(shape)


def avgpool(x, nd: int, kernel: Any = 2, stride: Any = None, padding: Any = 0) -> np.ndarray:
    """The mean of each window (padding counts as 0, and in the count, as in PyTorch)."""
    win, shape, *_ = _pool_windows(x, nd, kernel, stride, padding, 0.0)
    return win.mean(axis=tuple(range(-nd, 0))).reshape(shape)


def _argmax_flat(a, nd: int, kernel: Any, stride: Any, padding: Any
                 ) -> tuple[np.ndarray, Shape]:
    """For each window, the flat index into ``a`` of its maximum (the first of ties)."""
    win, shape, k, s, p = _pool_windows(a, nd, kernel, stride, padding, -np.inf)
    a = np.asarray(a)
    flat = win.reshape(*win.shape[:-nd], -1).argmax(axis=-1)
    taps = np.unravel_index(flat, k)
    lead = np.indices(shape[:-nd]).reshape(len(shape) - nd, *shape[:-nd], *(1,) * nd)
    out = np.indices(shape[-nd:])
    where = [np.broadcast_to(i, shape) for i in lead]
    where += [o * ss + t - pp for o, ss, t, pp in zip(out, s, taps, p)]
    return np.ravel_multi_index(tuple(where), a.shape), shape


def pool_pick(v, a, nd: int, kernel: Any = 2, stride: Any = None, padding: Any = 0
              ) -> np.ndarray:
    """``v`` read at each window's argmax of ``a`` (max-pooling's tangent)."""
    index, _ = _argmax_flat(a, nd, kernel, stride, padding)
    return np.asarray(v, dtype=float).reshape(-1)[index]


def pool_route(g, a, nd: int, kernel: Any = 2, stride: Any = None, padding: Any = 0
               ) -> np.ndarray:
    """Each window's gradient ``g`` sent to its argmax in ``a`` (added where windows
    overlap), zero elsewhere: max-pooling's adjoint."""
    index, shape = _argmax_flat(a, nd, kernel, stride, padding)
    if np.shape(g) != shape:
        raise ShapeError(f"{{a}} is {dims(np.shape(g))}, pooling {{b}} gives {dims(shape)}")
    routed = np.bincount(index.reshape(-1), weights=np.asarray(g, float).reshape(-1),
                         minlength=math.prod(np.shape(a)))
    return routed.reshape(np.shape(a))


def avgpool_t(g, a, nd: int, kernel: Any = 2, stride: Any = None, padding: Any = 0
              ) -> np.ndarray:
    """Each window's gradient ``g`` shared equally among its cells (the padding's share
    dropped): average pooling's adjoint, of ``a``'s shape."""
    shape = pool_shape(np.shape(a), nd, kernel, stride, padding)
    if np.shape(g) != shape:
        raise ShapeError(f"{{a}} is {dims(np.shape(g))}, pooling {{b}} gives {dims(shape)}")
    k, s, p = _pool_settings(nd, kernel, stride, padding)
    lead_shape = np.shape(a)[:-nd]
    out = np.zeros((*lead_shape, *(n + 2 * pp for n, pp in zip(np.shape(a)[-nd:], p))))
    share = np.asarray(g, dtype=float) / math.prod(k)
    lead = (slice(None),) * len(lead_shape)
    for tap in np.ndindex(*k):  # a loop over the window's cells, not over positions
        out[lead + tuple(slice(j, j + (o - 1) * ss + 1, ss)
                         for j, o, ss in zip(tap, shape[-nd:], s))] += share
    return out[lead + tuple(slice(pp, pp + n) for pp, n in zip(p, np.shape(a)[-nd:]))]


# -- reshaping -----------------------------------------------------------------------------

def flatten_shape(x: Shape, start: int = 0) -> Shape:
    """Axes from ``start`` on merged into one (a scalar becomes a 1-vector)."""
    if not -max(len(x), 1) <= start < max(len(x), 1):
        raise ShapeError(f"start={start} is out of range for {{a}} ({dims(x)})")
    start %= max(len(x), 1)
    return (*x[:start], math.prod(x[start:]))


def flatten(x, start: int = 0) -> np.ndarray:
    """``x`` with the axes from ``start`` on merged (PyTorch's flatten)."""
    return np.reshape(x, flatten_shape(np.shape(x), start))


def reshape_shape(x: Shape, shape: Any = (-1,)) -> Shape:
    """numpy's reshape of shapes (one ``-1`` allowed), or a ShapeError."""
    shape = shape if isinstance(shape, tuple) else (shape,)
    size = math.prod(x)
    known = math.prod(n for n in shape if n != -1)
    if (sum(n == -1 for n in shape) > 1 or any(n < -1 or n == 0 for n in shape)
            or (-1 in shape and size % known) or (-1 not in shape and known != size)):
        raise ShapeError(f"cannot reshape {{a}} ({dims(x)}, {size} elements) to "
                         f"{dims(shape)}")
    return tuple(size // known if n == -1 else n for n in shape)


def reshape(x, shape: Any = (-1,)) -> np.ndarray:
    """``x`` with a new shape of the same size."""
    return np.reshape(x, reshape_shape(np.shape(x), shape))


def reshape_like(v, like) -> np.ndarray:
    """``v`` with ``like``'s shape (the adjoint of flatten and reshape)."""
    if np.size(v) != np.size(like):
        raise ShapeError(f"{{a}} ({dims(np.shape(v))}) cannot take the shape of {{b}} "
                         f"({dims(np.shape(like))})")
    return np.reshape(v, np.shape(like))
