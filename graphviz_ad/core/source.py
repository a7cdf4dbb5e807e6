"""Where a program comes from: text, stdin or a graph file (TOML) in ``graphs/``.

A graph file holds a program, its input values, a title and render hints::

    title = "Homework 1, problem 9: dy/dx by reverse mode"
    program = '''
    y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)
    '''
    mode = "reverse"          # evaluate | forward | reverse | both (default for render/trace)
    wrt = "x"                 # optional: forward mode's input
    of = "y"                  # optional: reverse mode's output

    [inputs]
    x = 0.5

    [variants]                # optional: per-student numbers for `graphviz-ad worksheet`
    vary = ["x=0.1:1.5"]      # NAME=LOW:HIGH, drawn reproducibly per variant
    decimals = 2              # rounding of the drawn numbers
    seed = 7                  # the default --seed

    [render]                  # optional hints for `graphviz-ad render`
    rankdir = "LR"            # auto (default), LR, TB, RL, BT
    show_constants = false
    slide = "16:9"
    frame_ms = 2000           # how long each step shows in animations

Array inputs and plots (homework problems 1, 2, 3, 7, 8)::

    [inputs]
    z = [1.0, 2.0, 3.0]       # an input may be a literal array

    [data]                    # more inputs: literal arrays or seeded draws (graphviz_ad.core.data)
    x = {normal = [[-1, 1], [1, 1]], size = 10, seed = 0}   # 10 from N(-1,1), 10 from N(1,1)
    y = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

    [[plots]]                 # each one is drawn by `graphviz-ad gallery` (and `plot`)
    kind = "surface"          # curves | surface | convexity | weight-decay | jacobian
    of = "L"
    over = ["phi0=-5:5:101", "phi1=-5:5:101"]
    lr = 0.05                         # further keys are the plot command's options
    steps = 60
    at = ["lam=0.1"]                  # (see `graphviz-ad plot KIND --help`)

Values given on the command line (``--at x=1``, ``--data file.csv``) override
``[inputs]`` and ``[data]``.
"""

from __future__ import annotations

import hashlib
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from . import files
from .data import as_array, data_table
from .errors import GraphvizAdError, quoted
from .files import read_text
from .modes import Mode

GRAPH_FILE_SUFFIXES = (".toml",)
PROGRAM_FILE_SUFFIXES = (".txt", ".ad", ".gad")


@dataclass
class Source:
    """A program with the settings that came with it."""

    program: str
    name: str = "expression"
    title: str = ""
    inputs: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)  # mode, wrt, of, cse, …
    render: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)  # [data]: arrays, drawn once
    plots: list[dict[str, Any]] = field(default_factory=list)  # [[plots]] tables
    description: str = ""  # the question text a worksheet prints
    variants: dict[str, Any] = field(default_factory=dict)  # [variants]: checked VARIANTS
    # Inputs given as data ([data] and --data files), filled by frontends.sources.load:
    # what a Jacobian is not taken by default, and what an animation spends no frames on.
    data_inputs: set[str] = field(default_factory=set)


def read_stdin() -> str:
    """All of standard input as UTF-8 text, read with the same bound as a file."""
    limit = files.MAX_INPUT_BYTES
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise GraphvizAdError(f"stdin: too large (limit {limit:,} bytes; {files.LIMIT_HINT})")
    return files.decode_text(data, "stdin")


def read_toml_table(path: Path) -> dict[str, Any]:
    """A TOML file as its top-level table (a dict); syntax errors become one line with the
    position."""
    text = read_text(path)
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise GraphvizAdError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError as err:  # TOMLDecodeError, or an integer of more than 4,300 digits
        reason = str(err) if isinstance(err, tomllib.TOMLDecodeError) else "a number too large"
        raise GraphvizAdError(f"{path}: invalid TOML: {reason}") from None


def read_source(arg: str) -> Source:
    """A SOURCE that is text, never code: ``-`` (stdin), a graph file, a program file or
    program text.  (``FILE.py:NAME``, which runs Python, is the front ends':
    :func:`graphviz_ad.frontends.sources.load_source`.)"""
    if arg == "-":
        text = read_stdin()
        return Source(text, name=_text_name("stdin", text))
    path = Path(arg)
    looks_like_path = path.suffix.lower() in GRAPH_FILE_SUFFIXES + PROGRAM_FILE_SUFFIXES
    if looks_like_path or (len(arg) < 4096 and "\n" not in arg and _is_file(path)):
        if not path.exists():
            raise GraphvizAdError(f"{arg}: no such file")
        if path.suffix.lower() in GRAPH_FILE_SUFFIXES:
            return graph_file(path)
        return Source(read_text(path), name=path.stem, path=path)
    return Source(_argument_text(arg), name=_text_name("expression", arg))


def _argument_text(arg: str) -> str:
    """Program text from the command line; bytes that were not UTF-8 arrive as lone
    surrogates (Python's surrogateescape) and get one clear error."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError as err:
        byte = ord(arg[err.start]) - 0xDC00 if 0xDC80 <= ord(arg[err.start]) <= 0xDCFF else None
        what = f" (byte 0x{byte:02x})" if byte is not None else ""
        raise GraphvizAdError(f"SOURCE is not UTF-8 text{what} at character {err.start + 1}"
                              ) from None
    return arg


def _text_name(kind: str, text: str) -> str:
    """``expression-1a2b3c4d5e6f7a8b``: a stable name per program text (64 bits of its
    SHA-256), so renders of different expressions land in different directories."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    return f"{kind}-{digest[:16]}"


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
FRAME_MS_RANGE = (100, 60_000)
_T = TypeVar("_T")


def _typed(value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ValueError
    return value


def _choice(value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError
    return value


def _names(value: Any) -> str | list[str]:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return _typed(value, str)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError
    return value


# key -> (check, what it must be); each check returns the value to keep or raises ValueError
_SETTINGS: dict[str, tuple[Any, str]] = {
    "mode": (lambda v: _choice(v, tuple(Mode)), f"one of {', '.join(Mode)}"),
    "wrt": (_names, "an input name or a list of names"),
    "of": (_names, "an output name or a list of names"),
    "cse": (lambda v: _typed(v, bool), "true or false"),
}
RENDER_HINTS: dict[str, tuple[Any, str]] = {
    "rankdir": (lambda v: _choice(v, RANKDIRS), f"one of {', '.join(RANKDIRS)}"),
    "show_constants": (lambda v: _typed(v, bool), "true or false"),
    "paths": (lambda v: _typed(v, bool), "true or false"),
    "slide": (lambda v: _typed(v, str), 'a ratio such as "16:9"'),
    "frame_ms": (lambda v: _whole(v, *FRAME_MS_RANGE),
                 f"a whole number of milliseconds from {FRAME_MS_RANGE[0]:,} to "
                 f"{FRAME_MS_RANGE[1]:,}"),
}

VARIANTS: dict[str, tuple[Any, str]] = {
    "vary": (lambda v: [_typed(x, str) for x in _typed(v, list)],
             'a list of "NAME=LOW:HIGH" strings'),
    "decimals": (lambda v: _whole(v, 0, 6), "a whole number from 0 to 6"),
    "seed": (lambda v: _whole(v, 0, 2**63 - 1), "a whole number ≥ 0"),
}


def checked_table(table: Any, rules: dict[str, tuple[Any, str]], where: str,
                  ) -> dict[str, Any]:
    """The keys of ``table`` that ``rules`` knows, each checked; an unknown key, or a value
    of the wrong kind, is one clear error (``x = '1'`` is not a number, ``'no'`` not a
    boolean).

    >>> checked_table({"frame_ms": 2000, "rankdir": "LR"}, RENDER_HINTS, "[render]")
    {'frame_ms': 2000, 'rankdir': 'LR'}
    >>> checked_table({"frame_ms": 0}, RENDER_HINTS, "[render]")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    graphviz_ad.core.errors.GraphvizAdError: [render]: frame_ms = 0: must be a whole number ...
    """
    if not isinstance(table, dict):
        raise GraphvizAdError(f"{where} must be a table")
    out = {}
    for key, value in table.items():
        if key not in rules:
            raise GraphvizAdError(f"{where}: unknown key {key!r} "
                                  f"(known: {', '.join(sorted(rules))})")
        check, what = rules[key]
        try:
            out[key] = check(value)
        except ValueError:
            raise GraphvizAdError(f"{where}: {key} = {quoted(value)}: must be {what}") from None
    return out


_FILE_KEYS = {"title", "program", "inputs", "render", "data", "plots", "description", "variants",
              *_SETTINGS}


def graph_file(path: Path) -> Source:
    """Load a graph file (see the module docstring for the format)."""
    data = read_toml_table(path)
    program = data.get("program")
    if not isinstance(program, str):
        raise GraphvizAdError(f"{path}: a graph file needs a string 'program' "
                              "(conv stacks are read by `graphviz-ad rf`)")
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise GraphvizAdError(f"{path}: unknown key {unknown[0]!r} "
                              f"(known: {', '.join(sorted(_FILE_KEYS))})")
    for key in ("title", "description"):
        if not isinstance(data.get(key, ""), str):
            raise GraphvizAdError(f"{path}: {key} must be a string")
    settings = checked_table({k: data[k] for k in _SETTINGS if k in data}, _SETTINGS, str(path))
    render = checked_table(data.get("render", {}), RENDER_HINTS, f"{path}: [render]")
    variants = checked_table(data.get("variants", {}), VARIANTS, f"{path}: [variants]")
    inputs = data.get("inputs", {})
    if not isinstance(inputs, dict):
        raise GraphvizAdError(f"{path}: [inputs] must be a table of name = value")
    where = str(path)
    inputs = {k: _input_value(as_array(k, v, f"{where}: [inputs]")) for k, v in inputs.items()}
    plots = data.get("plots", [])
    if isinstance(plots, dict):
        plots = [plots]
    if not isinstance(plots, list) or not all(isinstance(p, dict) for p in plots):
        raise GraphvizAdError(f"{path}: plots must be [[plots]] tables")
    return Source(program, name=path.stem, title=str(data.get("title", "")), inputs=dict(inputs),
                  settings=settings, render=render, path=path,
                  data=data_table(data.get("data", {}), where), plots=list(plots),
                  description=str(data.get("description", "")).strip(), variants=variants)


def _input_value(value: Any) -> Any:
    """A 0-d array becomes a plain float (what ``--at x=1`` gives)."""
    return float(value) if getattr(value, "ndim", 1) == 0 else value
