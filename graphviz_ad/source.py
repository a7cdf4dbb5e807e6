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

    [render]                  # optional hints for `graphviz-ad render`
    rankdir = "LR"            # auto (default), LR, TB, RL, BT
    show_constants = false
    slide = "16:9"
    frame_ms = 2000           # how long each step shows in animations

Array inputs and plots (homework problems 1, 2, 3, 7, 8)::

    [inputs]
    z = [1.0, 2.0, 3.0]       # an input may be a literal array

    [data]                    # more inputs: literal arrays or seeded draws (graphviz_ad.data)
    x = {normal = [[-1, 1], [1, 1]], size = 10, seed = 0}   # 10 from N(-1,1), 10 from N(1,1)
    y = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

    [[plots]]                 # each one is drawn by `graphviz-ad gallery` (and `plot`)
    kind = "surface"          # curves | surface | convexity | weight-decay | jacobian
    of = "L"
    over = ["phi0=-5:5:101", "phi1=-5:5:101"]
    path = "gd:lr=0.05,steps=60"      # further keys are the plot command's options
    at = ["lam=0.1"]                  # (see `graphviz-ad plot KIND --help`)

Values given on the command line (``--at x=1``, ``--data file.csv``) override
``[inputs]`` and ``[data]``.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GraphvizAdError

GRAPH_FILE_SUFFIXES = (".toml",)
PROGRAM_FILE_SUFFIXES = (".txt", ".ad", ".gad")
MAX_FILE_BYTES = 50_000_000


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
    # Inputs given as data ([data] and --data files), filled by :func:`load`: what a
    # Jacobian is not taken by default, and what an animation spends no frames on.
    data_inputs: set[str] = field(default_factory=set)


def read_text_file(path: Path) -> str:
    """Read a UTF-8 text file with one clear error for every way it can fail."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise GraphvizAdError(f"{path}: file too large (limit {MAX_FILE_BYTES:,} bytes)")
        return path.read_bytes().decode("utf-8-sig")  # a BOM from Windows editors is fine
    except UnicodeDecodeError as err:
        raise GraphvizAdError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise GraphvizAdError(f"{path}: cannot read: {err.strerror}") from None


def read_stdin() -> str:
    """All of standard input as UTF-8 text."""
    data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise GraphvizAdError(f"stdin: too large (limit {MAX_FILE_BYTES:,} bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise GraphvizAdError(f"stdin: not UTF-8 text (byte {err.start})") from None


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors become one line with the position."""
    text = read_text_file(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise GraphvizAdError(f"{path}: invalid TOML: {err}") from None


def load_source(arg: str) -> Source:
    """Resolve a SOURCE argument: ``-`` (stdin), a graph/program file, or program text."""
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
        return Source(read_text_file(path), name=path.stem, path=path)
    return Source(arg, name=_text_name("expression", arg))


def _text_name(kind: str, text: str) -> str:
    """``expression-1a2b3c4d``: a stable name per program text, so renders of different
    expressions land in different directories."""
    import hashlib

    return f"{kind}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


_SETTINGS = ("mode", "wrt", "of", "cse")
MODES = ("evaluate", "forward", "reverse", "both")


def graph_file(path: Path) -> Source:
    """Load a graph file (see the module docstring for the format)."""
    data = load_toml(path)
    program = data.get("program")
    if not isinstance(program, str):
        raise GraphvizAdError(f"{path}: a graph file needs a string 'program' "
                              "(conv stacks are read by `graphviz-ad rf`)")
    inputs = data.get("inputs", {})
    if not isinstance(inputs, dict):
        raise GraphvizAdError(f"{path}: [inputs] must be a table of name = value")
    render = data.get("render", {})
    if not isinstance(render, dict):
        raise GraphvizAdError(f"{path}: [render] must be a table")
    settings = {k: data[k] for k in _SETTINGS if k in data}
    if settings.get("mode", "reverse") not in MODES:
        raise GraphvizAdError(f"{path}: mode {settings['mode']!r}: choose one of "
                              f"{', '.join(MODES)}")
    known = {"title", "program", "inputs", "render", "data", "plots", "description", *_SETTINGS}
    unknown = sorted(set(data) - known)
    if unknown:
        raise GraphvizAdError(f"{path}: unknown key {unknown[0]!r} "
                              f"(known: {', '.join(sorted(known))})")
    from .data import as_array, data_table

    where = str(path)
    inputs = {k: as_array(k, v, f"{where}: [inputs]") if isinstance(v, list) else v
              for k, v in inputs.items()}
    plots = data.get("plots", [])
    if isinstance(plots, dict):
        plots = [plots]
    if not isinstance(plots, list) or not all(isinstance(p, dict) for p in plots):
        raise GraphvizAdError(f"{path}: plots must be [[plots]] tables")
    return Source(program, name=path.stem, title=str(data.get("title", "")), inputs=dict(inputs),
                  settings=settings, render=dict(render), path=path,
                  data=data_table(data.get("data", {}), where), plots=list(plots))


def load(source: str | Path, *, data: Iterable[str] = (), cse: bool = True
         ) -> tuple[Source, Any, dict[str, Any]]:
    """A graph file, program file, program text or ``-`` ready for the passes.

    Returns ``(source, graph, inputs)``: the parsed DAG and its input values from
    ``[inputs]``, ``[data]`` and the ``data`` files (``--data`` specs).  Data fills only
    inputs the program has, so a CSV file may carry columns it does not use.

    >>> src, G, inputs = load("graphs/problem9.toml")      # doctest: +SKIP
    >>> inputs                                              # doctest: +SKIP
    {'x': 0.5}
    """
    from .data import load_data
    from .parse import parse

    loaded = load_source(str(source))
    graph = parse(loaded.program, cse=cse and loaded.settings.get("cse", True))
    arrays = dict(loaded.data)
    for spec in data:
        arrays.update(load_data(spec))
    loaded.data_inputs = set(arrays)
    used = set(graph.graph["inputs"])
    inputs = {**loaded.inputs, **{k: v for k, v in arrays.items() if k in used}}
    return loaded, graph, inputs
