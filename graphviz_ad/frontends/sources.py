"""Every kind of SOURCE, resolved and parsed: the text ones (``-``, graph files, program
files, program text: :func:`graphviz_ad.core.source.read_source`) and ``FILE.py:NAME``, the
user's own Python file run and NAME traced by the front ends (:mod:`.python_file`).

This is the one place that picks between them, a layer above core/ so that core never
reaches up into the code that runs Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.data import load_data
from ..core.errors import GraphvizAdError
from ..core.program import program_of
from ..core.source import Source, read_source

PYTHON_SUFFIX = ".py"


def python_target(arg: str) -> tuple[Path, str] | None:
    """``model.py:loss`` → ``(Path("model.py"), "loss")``: a Python file and a name in it;
    None for any other SOURCE.  Only such a SOURCE runs code (the user's own file).

    >>> python_target("model.py:loss")
    (PosixPath('model.py'), 'loss')
    >>> python_target("graphs/problem9.toml") is None
    True
    """
    path, sep, name = arg.rpartition(":")
    if sep and path.lower().endswith(PYTHON_SUFFIX) and name.replace(".", "_").isidentifier():
        return Path(path), name
    return None


def load_source(arg: str, values: dict[str, Any] | None = None,
                data: dict[str, Any] | None = None) -> Source:
    """Resolve a SOURCE argument: ``-`` (stdin), a graph/program file, program text, or
    ``FILE.py:NAME`` (the file is run and NAME traced at ``values``, and at the ``data``
    arrays its parameters name)."""
    target = python_target(arg)
    if target is not None:
        if not target[0].is_file():
            raise GraphvizAdError(f"{target[0]}: no such file")
        # deferred: the front ends (~25 ms to import), needed only when running Python
        from .python_file import python_source
        return python_source(*target, values or {}, data or {})
    if arg.lower().endswith(PYTHON_SUFFIX):
        raise GraphvizAdError(f"{arg} is Python: name the function to trace, as in "
                              f"{arg}:loss")
    return read_source(arg)


def load(source: str | Path, *, data: Iterable[str] = (), cse: bool = True,
         values: dict[str, Any] | None = None) -> tuple[Source, Any, dict[str, Any]]:
    """A graph file, program file, program text, ``-`` or ``FILE.py:NAME`` ready for the
    passes.

    Returns ``(source, graph, inputs)``: the parsed DAG and its input values from
    ``[inputs]``, ``[data]`` and the ``data`` files (``--data`` specs).  Data fills only
    inputs the program has, so a CSV file may carry columns it does not use.  ``values``
    (``--at``) are what a ``FILE.py:NAME`` SOURCE is traced at, with the data files.

    >>> src, G, inputs = load("graphs/problem9.toml")      # doctest: +SKIP
    >>> inputs                                              # doctest: +SKIP
    {'x': 0.5}
    """
    from ..core.parse import parse  # deferred: the parser; conv stacks (rf) never load it

    files = {}
    for spec in data:
        files.update(load_data(spec))
    loaded = load_source(str(source), values, files)
    graph = parse(loaded.program, cse=cse and loaded.settings.get("cse", True))
    arrays = {**loaded.data, **files}
    loaded.data_inputs = set(arrays)
    used = set(program_of(graph).inputs)
    inputs = {**loaded.inputs, **{k: v for k, v in arrays.items() if k in used}}
    return loaded, graph, inputs
