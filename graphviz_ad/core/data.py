"""Array inputs: data files (``--data``), seeded draws and literal arrays in graph files.

``--data points.csv`` gives one input per CSV column, named by the header row;
``--data x.npy`` one input named by the file stem, ``--data x0=draws.npy`` a chosen name.
A graph file's ``[data]`` table holds literal arrays or seeded draws::

    [data]
    x = [0.5, 1.0, 2.0]                                          # literal
    x0 = {normal = [-1, 1], size = 10, seed = 0}                 # Normal(mean -1, sd 1)
    x = {normal = [[-1, 1], [1, 1]], size = 10, seed = 0}        # 10 from each, concatenated
    u = {uniform = [0, 1], size = 5, seed = 3}
    X = {normal = [0, 1], shape = [6, 2], seed = 1}               # a 6×2 matrix
    img = {normal = [0, 1], shape = [3, 8, 8], seed = 2}          # any rank: 3 channels

>>> draw("x", {"normal": [0, 1], "size": 3, "seed": 0}).round(3).tolist()
[0.126, -0.132, 0.64]
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import files
from .errors import GraphvizAdError, quoted
from .shapes import LIMIT_HINT, MAX_ELEMENTS, current_limit

__all__ = ["MAX_ELEMENTS", "as_array", "data_table", "draw", "load_data", "parameters"]
MAX_NESTING = 32  # list levels (axes) an array may have: numpy's own limit is 64
_DRAW_KEYS = {"normal", "uniform", "size", "seed", "shape"}


def as_array(name: str, value: Any, where: str) -> np.ndarray | np.float64:
    """A number or a rectangular list of numbers as float64, or one clear error."""
    def bad(what: str) -> GraphvizAdError:
        return GraphvizAdError(f"{where}: {name} must be a number or a list of numbers, {what}")

    depth, level = 0, [(value, 0)]
    while level:  # iterative: a list nested 30,000 deep must not overflow the stack
        v, d = level.pop()
        if isinstance(v, list):
            depth = max(depth, d + 1)
            if depth > MAX_NESTING:
                raise bad(f"nested more than {MAX_NESTING} levels deep")
            level.extend((item, d + 1) for item in v)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise bad(f"got {quoted(v)}")
    try:
        array = np.asarray(value, dtype=float)
    except OverflowError:
        raise bad("got a number too large for a float") from None
    except (TypeError, ValueError):
        raise bad("not a rectangular array") from None
    if array.size == 0:
        raise bad("got an empty list")
    if not np.all(np.isfinite(array)):
        raise bad("got nan or inf (not finite)")
    return array[()] if array.ndim == 0 else array


def draw(name: str, spec: dict[str, Any], where: str = "[data]") -> np.ndarray:
    """Seeded draws: ``{normal = [mean, sd] | [[mean, sd], …], size = n, seed = s}`` (or
    ``uniform = [low, high]``); several groups are drawn ``size`` each and concatenated;
    ``shape = [n, d, …]`` reshapes them (``size`` defaults to n·d)."""
    unknown = sorted(set(spec) - _DRAW_KEYS)
    if unknown:
        raise GraphvizAdError(f"{where}: {name}: unknown key {unknown[0]!r} "
                              f"(known: {', '.join(sorted(_DRAW_KEYS))})")
    kinds = [k for k in ("normal", "uniform") if k in spec]
    if len(kinds) != 1:
        raise GraphvizAdError(f"{where}: {name} needs exactly one of normal = [mean, sd] or "
                              "uniform = [low, high]")
    kind = kinds[0]
    shape = spec.get("shape")
    if shape is not None and (
            not isinstance(shape, list) or not 1 <= len(shape) <= MAX_NESTING or not all(
                isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
        raise GraphvizAdError(f"{where}: {name}: shape must be a list of positive integers "
                              "such as [n], [n, d] or [c, h, w]")
    size, seed = spec.get("size", math.prod(shape) if shape else 1), spec.get("seed", 0)
    for key, value in (("size", size), ("seed", seed)):
        if not isinstance(value, int) or isinstance(value, bool) or value < (key == "size"):
            raise GraphvizAdError(f"{where}: {name}: {key} must be a "
                                  f"{'positive' if key == 'size' else 'non-negative'} integer")
    groups = spec[kind]
    if isinstance(groups, list) and groups and not isinstance(groups[0], list):
        groups = [groups]
    if (not isinstance(groups, list) or not groups
            or not all(isinstance(g, list) and len(g) == 2 for g in groups)):
        raise GraphvizAdError(f"{where}: {name}: {kind} must be [a, b] or a list of [a, b] pairs")
    limit = current_limit()  # the one element limit (--max-elements), default MAX_ELEMENTS
    if size * len(groups) > limit:
        raise GraphvizAdError(f"{where}: {name}: too many draws ({size * len(groups):,}, "
                              f"over the limit of {limit:,}; {LIMIT_HINT})")
    rng = np.random.default_rng(seed)
    parts = []
    for a, b in groups:
        a, b = (float(as_array(name, v, where)) for v in (a, b))
        if kind == "normal" and b < 0:
            raise GraphvizAdError(f"{where}: {name}: a standard deviation must be ≥ 0")
        if not math.isfinite(b - a):
            raise GraphvizAdError(f"{where}: {name}: {kind} = [{a:g}, {b:g}] spans more than "
                                  "a float can hold")
        parts.append(rng.normal(a, b, size) if kind == "normal" else rng.uniform(a, b, size))
    drawn = np.concatenate(parts)
    if shape is not None:
        if drawn.size != math.prod(shape):
            raise GraphvizAdError(f"{where}: {name}: shape {shape} needs {math.prod(shape)} "
                                  f"draws, got {drawn.size}")
        drawn = drawn.reshape(shape)
    if not np.all(np.isfinite(drawn)):
        raise GraphvizAdError(f"{where}: {name}: the draws overflow to inf; use a smaller "
                              "spread")
    return drawn


def data_table(table: Any, where: str) -> dict[str, Any]:
    """A graph file's ``[data]`` table → input name → array."""
    if not isinstance(table, dict):
        raise GraphvizAdError(f"{where}: [data] must be a table of name = array or draw")
    out = {}
    for name, spec in table.items():
        out[name] = draw(name, spec, where) if isinstance(spec, dict) else as_array(
            name, spec, where)
    return out


def load_data(spec: str) -> dict[str, np.ndarray]:
    """One ``--data`` argument: ``file.csv``, ``file.npy`` or ``name=file.npy``."""
    name, eq, file = spec.partition("=")
    path = Path(file if eq else spec)
    if not eq:
        name = path.stem
    if not name.isidentifier():
        raise GraphvizAdError(f"--data {spec}: {name!r} is not a valid input name "
                              "(use --data NAME=FILE)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if eq:
            raise GraphvizAdError(f"--data {spec}: a CSV file names its columns in its header")
        return _csv(path, files.read_text(path))
    if suffix != ".npy":
        raise GraphvizAdError(f"--data {spec}: expected a .csv or .npy file")
    return {name: _npy(path, files.read_bytes(path))}


def _npy(path: Path, data: bytes) -> np.ndarray:
    """A finite numeric array from the bytes of a ``.npy`` file (never
    unpickled; a ``.npz`` archive or anything else is one clear error)."""
    if not data.startswith(b"\x93NUMPY"):
        kind = "a .npz archive" if data.startswith(b"PK") else "not a .npy file"
        raise GraphvizAdError(f"{path}: {kind}; expected one array saved with numpy.save")
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, EOFError, OSError) as err:
        raise GraphvizAdError(f"{path}: not a readable .npy array ({err})") from None
    if array.dtype.kind not in "biuf" or array.ndim > MAX_NESTING:
        raise GraphvizAdError(f"{path}: expected a numeric array, got "
                              f"{array.dtype} with shape {array.shape}")
    if array.size == 0:
        raise GraphvizAdError(f"{path}: the array is empty (shape {array.shape})")
    array = array.astype(float)
    if not np.all(np.isfinite(array)):
        raise GraphvizAdError(f"{path}: the array holds nan or inf")
    return array[()] if array.ndim == 0 else array


def _csv(path: Path, text: str) -> dict[str, np.ndarray]:
    """Columns of a CSV file with a header row; errors name the file's own line number."""
    rows = [row for row in csv.reader(io.StringIO(text)) if "".join(row).strip()]
    if len(rows) < 2:
        raise GraphvizAdError(f"{path}: a CSV file needs a header row and at least one row")
    header = [h.strip() for h in rows[0]]
    for h in header:
        if not h.isidentifier():
            raise GraphvizAdError(f"{path}:1: column name {h!r} is not a valid input name")
    if len(set(header)) != len(header):
        raise GraphvizAdError(f"{path}:1: a column name appears twice")
    width = len(header)
    ragged = next((k for k, row in enumerate(rows) if len(row) != width), None)
    if ragged is not None:
        raise GraphvizAdError(f"{path}:{_line_of(text, ragged)}: {len(rows[ragged])} fields, "
                              f"the header has {width}")
    try:
        table = np.array(rows[1:], dtype=float)  # numpy converts every cell at C speed
    except ValueError:
        table = None
    if table is None or not np.isfinite(table).all():  # the first bad cell raises, in file order
        table = np.array([[_finite_cell(path, text, k, cell) for cell in row]
                          for k, row in enumerate(rows[1:], start=1)])
    return {name: table[:, k].copy() for k, name in enumerate(header)}


def _finite_cell(path: Path, text: str, row_index: int, cell: str) -> float:
    """One CSV cell as a finite float, or an error naming its file line."""
    try:
        value = float(cell)
    except ValueError:
        raise GraphvizAdError(f"{path}:{_line_of(text, row_index)}: {cell.strip()!r} is not "
                              "a number") from None
    if not math.isfinite(value):
        raise GraphvizAdError(f"{path}:{_line_of(text, row_index)}: {cell.strip()!r} is "
                              "not finite")
    return value


def _line_of(text: str, row_index: int) -> int:
    """The file line on which the ``row_index``-th non-blank CSV row ends (for messages)."""
    reader = csv.reader(io.StringIO(text))
    seen = -1
    for row in reader:
        if "".join(row).strip():
            seen += 1
            if seen == row_index:
                return reader.line_num
    return reader.line_num


def parameters(inputs: Sequence[str], data: set[str]) -> list[str]:
    """The inputs that are not data, in order; every input when all of them are data."""
    params = [n for n in inputs if n not in data]
    return params or list(inputs)
