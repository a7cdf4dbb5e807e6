"""Numbers as a reader wants them, in Unicode text or LaTeX: 4 significant digits, a real
minus sign, small arrays whole and large ones previewed, rounding noise as 0.

>>> fmt_number(-0.99952)
'−0.9995'
>>> fmt_number([[1.0, -1.0], [0.5, 2.0]]), fmt_number(range(20))
('[[1, −1], [0.5, 2]]', '[0, 1, …, 19] (20)')
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MAX_SHOWN_ELEMENTS = 6  # a vector shown whole
MAX_SHOWN_SIDE = 4  # a matrix shown whole: up to 4×4
_TIMES = r" \times "


#: A computed number below NOISE × the magnitude of the terms it came from (its *scale*,
#: see :mod:`graphviz_ad.core.noise`) is rounding noise: shown as 0.
NOISE = 1e-12


def without_noise(value: Any, scale: Any) -> Any:
    """``value`` with every element whose magnitude is below NOISE × ``scale`` (a number,
    or an array broadcasting to value's shape) set to 0; ``value`` itself when none is.

    >>> without_noise(5.551115123125783e-17, 0.3)
    0.0
    >>> without_noise(np.array([1e-17, 1e-3]), np.array([1.0, 1e-3])).tolist()
    [0.0, 0.001]
    """
    if scale is None:
        return value
    if isinstance(value, float):  # numpy's float64 too
        return 0.0 if value != 0 and abs(value) < NOISE * scale else value
    array = np.asarray(value)
    with np.errstate(invalid="ignore"):
        noise = (np.abs(array) < NOISE * np.asarray(scale)) & (array != 0)
    if not noise.any():
        return value
    return np.where(noise, 0.0, array)


def fmt_number(value: object, style: str = "text", digits: int = 4, scale: Any = None) -> str:
    """A number as a reader wants it: 4 significant digits, integers without '.0',
    a real minus sign in text.  Vectors of up to 6 elements and matrices up to 4×4 are
    shown whole (nested lists; ``bmatrix`` in LaTeX), larger arrays of ones (zeros) as
    ``𝟙₁₂`` (``𝟘₃ₓ₅``), anything else larger as a preview with its shape:
    ``[−1.134, 0.6402, …, 2.51] (20)``.  Given the ``scale`` of the terms a number was
    computed from, rounding noise shows as 0 (see :func:`without_noise`)."""
    if scale is not None:
        value = without_noise(value, scale)
    if isinstance(value, (float, int)):  # a scalar (numpy's float64 is a float)
        return _fmt_scalar(float(value), style, digits)
    arr = np.asarray(value)
    if arr.ndim > 0:
        if _whole(arr):
            return _nested(arr, style, digits)
        if arr.size > 1 and arr.flat[0] in (0, 1) and _constant(arr):
            return fmt_ones(arr.flat[0], arr.shape, style, digits)
        return _preview(arr, style, digits)
    return _fmt_scalar(float(arr), style, digits)


@lru_cache(maxsize=1 << 16)  # a step's result is shown again in the terms it is carried into
def _fmt_scalar(v: float, style: str, digits: int) -> str:
    if not math.isfinite(v):
        if math.isnan(v):
            return "nan" if style == "text" else r"\mathrm{NaN}"
        sign = "−" if v < 0 and style == "text" else ("-" if v < 0 else "")
        return sign + ("inf" if style == "text" else r"\infty")
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e9:
        text = str(int(v))
    else:
        text = "%.*g" % (digits, v)  # noqa: UP031 (f"{v:.{digits}g}", 3× slower)
        if "e" in text:
            mantissa, exponent = text.split("e")
            exponent = str(int(exponent))
            text = (f"{mantissa}×10{exponent.translate(SUPERSCRIPTS)}" if style == "text"
                    else rf"{mantissa} \times 10^{{{exponent}}}")
    return text.replace("-", "−") if style == "text" and v < 0 else text


def _whole(arr: np.ndarray) -> bool:
    """Whether an array is small enough to show element by element: a vector of up to 6
    (also as a 1×6 row or a 1×1×6 channel), a matrix up to 4×4, a stack of them of up to
    16 elements in all."""
    if arr.ndim == 1 or arr.size == 0:
        return arr.size <= MAX_SHOWN_ELEMENTS
    if max(arr.shape[:-1]) == 1:  # one row, however deep
        return arr.size <= MAX_SHOWN_ELEMENTS
    return max(arr.shape[-2:]) <= MAX_SHOWN_SIDE and arr.size <= MAX_SHOWN_SIDE ** 2


def _constant(arr: np.ndarray) -> bool:
    first = arr.flat[0]
    return bool(np.all(arr == first)) and np.isfinite(first)


def _nested(arr: np.ndarray, style: str, digits: int) -> str:
    """``[1, 2]``, ``[[1, −1], [0.5, 2]]``; in LaTeX ``\\left[…\\right]`` for a vector and
    a ``bmatrix`` for a matrix."""
    if arr.ndim == 1:
        inner = ", ".join(fmt_number(v, style, digits) for v in arr)
        return f"[{inner}]" if style == "text" else rf"\left[{inner}\right]"
    if style == "text":
        return "[" + ", ".join(_nested(row, style, digits) for row in arr) + "]"
    if arr.ndim > 2:  # a stack of matrices, side by side
        return r"\left[" + ", ".join(_nested(m, style, digits) for m in arr) + r"\right]"
    rows = r" \\ ".join(" & ".join(fmt_number(v, style, digits) for v in row) for row in arr)
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


def fmt_shape(shape: tuple[int, ...], style: str = "text") -> str:
    """The space an array lives in: ``ℝ²ˣ³``, ``ℝ³`` (``\\mathbb{R}^{2 \\times 3}``);
    ``ℝ`` for a scalar."""
    if not shape:
        return "ℝ" if style == "text" else r"\mathbb{R}"
    if style == "text":
        return "ℝ" + "ˣ".join(str(n).translate(SUPERSCRIPTS) for n in shape)
    return rf"\mathbb{{R}}^{{{_TIMES.join(map(str, shape))}}}"


def fmt_ones(value: float, shape: tuple[int, ...], style: str = "text", digits: int = 4) -> str:
    """An array of one repeated value: ``𝟙₁₂``, ``𝟘₄``, ``2·𝟙₃ₓ₅``
    (``2 \\cdot \\mathbf{1}_{3 \\times 5}``)."""
    bold = "𝟘" if value == 0 else "𝟙"
    if style == "text":
        ones = bold + "ₓ".join(str(n).translate(SUBSCRIPTS) for n in shape)
    else:
        ones = rf"\mathbf{{{0 if value == 0 else 1}}}_{{{_TIMES.join(map(str, shape))}}}"
    if value in (0, 1, -1):
        return ones if value != -1 else ("−" if style == "text" else "-") + ones
    return product([parenthesize_negative(fmt_number(value, style, digits), style), ones], style)


def _preview(arr: np.ndarray, style: str, digits: int) -> str:
    """A large array as its first two and last elements and its length (or shape):
    ``[−1.13, 0.64, …, 2.51] (20)``."""
    flat = arr.ravel()
    first, second, last = (fmt_number(flat[i], style, digits) for i in (0, 1, -1))
    shape = ("×" if style == "text" else _TIMES).join(str(n) for n in arr.shape)
    if style == "text":
        return f"[{first}, {second}, …, {last}] ({shape})"
    return rf"\left[{first}, {second}, \ldots, {last}\right]_{{({shape})}}"  # not ·(20)


def product(factors: list[str], style: str = "text") -> str:
    """Join factors with the multiplication dot of the style."""
    return (r" \cdot " if style == "latex" else "·").join(factors)


def parenthesize_negative(text: str, style: str = "text") -> str:
    """``−1.00`` → ``(−1.00)`` inside a product."""
    if text.startswith(("−", "-")):
        return f"({text})" if style == "text" else rf"\left({text}\right)"
    return text
