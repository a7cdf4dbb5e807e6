"""The reductions of the language and their helpers: sum, mean, amax, logsumexp, softmax
over the axes numpy means, and cross_entropy's check of its targets.

Reductions act on EVERY axis unless ``axis=`` says otherwise, as in numpy and PyTorch:
``axis=k`` (negative counts from the end), ``axis=(0, 1)`` or ``axis=None`` (all).

>>> import numpy as np
>>> float(reduce_sum(np.ones((2, 3)))), reduce_sum(np.ones((2, 3)), axis=1).tolist()
(6.0, [3.0, 3.0])
>>> softmax(np.array([1e16, 1e16])).tolist()
[0.5, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from .errors import InputError

# Under :func:`grid_axes` the trailing axes are batch axes that "every axis" leaves alone:
# that is how a loss surface is evaluated on a whole grid of parameters at once (data of
# shape (n, 1) against parameters of shape (P,) gives (n, P), and sum(...) one loss per
# grid point).

_GRID_AXES: ContextVar[int] = ContextVar("grid_axes", default=0)


@contextmanager
def grid_axes(count: int) -> Iterator[None]:
    """Within the block, the last ``count`` axes of every array are grid (batch) axes:
    a reduction without ``axis=`` reduces all the others."""
    token = _GRID_AXES.set(count)
    try:
        yield
    finally:
        _GRID_AXES.reset(token)


def reduced_axes(a, axis=None) -> tuple[int, ...]:
    """The axes a reduction with ``axis`` (None, an int or a tuple of ints) takes away
    from ``a``, as sorted non-negative indices; a scalar has none."""
    n = np.ndim(a)
    if axis is None:
        return tuple(range(max(n - _GRID_AXES.get(), 0)))
    if n == 0:
        return ()
    axes = axis if isinstance(axis, tuple) else (axis,)
    for k in axes:
        if not -n <= k < n:
            raise InputError(f"axis {k} is out of range for an array with {n} "
                             f"ax{'is' if n == 1 else 'es'}")
    out = tuple(sorted(k % n for k in axes))
    if len(set(out)) != len(out):
        raise InputError(f"axis={axis}: an axis given twice")
    return out


def reduce_sum(a, axis=None):
    axes = reduced_axes(a, axis)
    return np.sum(a, axis=axes) if axes else a


def reduce_mean(a, axis=None):
    axes = reduced_axes(a, axis)
    return np.mean(a, axis=axes) if axes else a


def reduce_max(a, axis=None):
    """The largest element over the reduced axes (numpy's ``amax``; nan if any is nan)."""
    axes = reduced_axes(a, axis)
    return np.max(a, axis=axes) if axes else a


def argmax_share(a, axis=None):
    """Where ``a`` takes its maximum over the reduced axes, each maximum's share of the
    gradient: 1 at a unique argmax, ``1/k`` at each of ``k`` tied maxima, 0 elsewhere
    (and 0 throughout a slice whose maximum is nan).  Ties split equally, as numpy
    autograd's, JAX's and PyTorch's ``amax`` do (maxpool instead follows PyTorch's
    ``max_pool``: the first of tied maxima takes it all)."""
    axes = reduced_axes(a, axis)
    a = np.asarray(a, dtype=float)
    if not axes:
        return np.ones_like(a)[()]
    hits = (a == np.max(a, axis=axes, keepdims=True)).astype(float)
    counts = np.sum(hits, axis=axes, keepdims=True)
    return hits / np.maximum(counts, 1.0)


def reduced_size(a, axis=None):
    """Number of elements reduced (1 for a scalar): what mean divides by."""
    shape = np.shape(a)
    return np.float64(math.prod(shape[k] for k in reduced_axes(a, axis)))


def spread(g, a, axis=None):
    """``g`` (a's shape without the reduced axes) broadcast back along them to a's
    shape: the adjoint of a reduction (a read-only view)."""
    axes = reduced_axes(a, axis)
    if not axes:
        return g
    shape = np.shape(a)
    kept = tuple(s for k, s in enumerate(shape) if k not in axes)
    g = np.broadcast_to(g, kept)
    return np.broadcast_to(np.expand_dims(g, axes), shape)


def max_shifted(a, axes: tuple[int, ...]):
    """``a`` minus its maximum over ``axes`` (kept as size-1 axes) and that maximum, 0
    where it is not finite: softmax and logsumexp are exact at any magnitude this way."""
    m = np.max(a, axis=axes, keepdims=True)
    safe = np.where(np.isfinite(m), m, 0.0)
    return a - safe, safe


def logsumexp(a, axis=None):
    """log Σ exp(a) over the reduced axes (every axis by default), without overflow."""
    axes = reduced_axes(a, axis)
    if not axes:
        return np.float64(a) if not np.ndim(a) else np.asarray(a, dtype=float)
    shifted, safe = max_shifted(a, axes)
    with np.errstate(divide="ignore"):
        out = np.squeeze(safe, axes) + np.log(np.sum(np.exp(shifted), axis=axes))
    return out[()] if np.ndim(out) == 0 else out


def softmax(a, axis=None):
    """exp(a) / Σ exp(a) over the reduced axes, exact at any magnitude (softmax([1e16,
    1e16]) = [0.5, 0.5]): the maximum is subtracted first."""
    axes = reduced_axes(a, axis)
    if not axes:
        return np.ones_like(a, dtype=float)[()]
    shifted, _ = max_shifted(a, axes)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axes, keepdims=True)


#: how far targets may stray from a distribution (rounded data, finite-difference probes)
TARGET_TOLERANCE = 1e-3


def targets_times(a, b):
    """``a·b`` where ``a`` are the targets of cross_entropy, checked: each row (last
    axis) one-hot or a distribution, i.e. non-negative and summing to 1 within
    TARGET_TOLERANCE.  Class indices are refused: a loss of −3.84 from targets [0, 2, 1]
    helps nobody."""
    return np.multiply(check_targets(a), b)


def check_targets(a):
    a = np.asarray(a, dtype=float)
    if not np.all(a >= -TARGET_TOLERANCE):
        raise InputError("cross_entropy targets must be one-hot rows or distributions; "
                         f"found {float(np.min(a)):g}, which is negative or not a number")
    totals = np.sum(a, axis=-1) if a.ndim else a
    off = np.abs(totals - 1.0) > TARGET_TOLERANCE
    if np.any(off):
        where = np.argwhere(np.atleast_1d(off))[0]
        row = f" (row {int(where[0])})" if a.ndim > 1 else ""
        raise InputError("cross_entropy targets must be one-hot rows or distributions "
                         f"summing to 1; one sums to {float(np.atleast_1d(totals)[tuple(where)]):g}"
                         f"{row} (class indices are not accepted: write each as a one-hot row)")
    return a[()] if a.ndim == 0 else a
