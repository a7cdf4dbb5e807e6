"""``FILE.py:NAME`` as a SOURCE: the user's own Python file, run, and NAME traced in it.

The file is run as Python, exactly as ``import`` would run it: its directory first on
``sys.path`` (so it imports its neighbours, as ``python FILE.py`` lets it), ``__name__`` set to
the file's stem, so an ``if __name__ == "__main__":`` block does **not** run, and its output
sent to stderr, so it cannot corrupt a table, JSON or TOML on stdout.  Only a SOURCE naming a
``.py`` file and a function runs anything; graph files (.toml), program files and expressions
are parsed, never executed.

NAME is read with the front end that fits it: a micrograd ``Value`` (a module-level variable)
with :func:`~graphviz_ad.frontends.micrograd.from_micrograd`, a function of a module that
imports JAX with :func:`~graphviz_ad.frontends.jaxpr.from_jax`, any other function with the
numpy tracer (:func:`~graphviz_ad.frontends.numpy_trace.trace_function`), at the values given
(``--at``, ``--data``) or else its defaults.  An error raised by the user's code is one line
naming the file and line.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
import traceback
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..core.errors import GraphvizAdError
from ..core.files import read_text
from ..core.source import Source
from .jaxpr import from_jax
from .micrograd import from_micrograd
from .numpy_trace import trace_function
from .record import Traced


def python_source(path: Path, name: str, values: Mapping[str, Any],
                  data: Mapping[str, Any] = {}) -> Source:
    """Run ``path``, trace ``name`` in it at ``values`` (and the ``data`` arrays its
    parameters name): the program as a :class:`Source`."""
    with _user_code(path):
        module = _run(path)
        traced = _trace(module, path, name, values, data)
    data = {n: v for n, v in traced.inputs.items() if n in traced.data}
    return Source(traced.program, name=f"{path.stem}-{name}",
                  title=f"{name} from {path.name}", path=path,
                  inputs={n: v for n, v in traced.inputs.items() if n not in traced.data},
                  settings={"of": list(traced.of)} if traced.of else {}, data=data)


@contextlib.contextmanager
def _user_code(path: Path) -> Iterator[None]:
    """The file's directory first on sys.path, print() to stderr, and any exception from
    the user's code as one line ``FILE:LINE: Error: message``."""
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    except GraphvizAdError:
        raise
    except SyntaxError as err:
        where = f"{err.filename or path}:{err.lineno or 0}:{err.offset or 0}"
        raise GraphvizAdError(f"{where}: SyntaxError: {err.msg}") from None
    except (Exception, SystemExit) as err:  # noqa: BLE001  (the user's code: any error)
        raise GraphvizAdError(_where(err, path) + _first_line(err)) from None
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    kind = type(err).__name__
    if isinstance(err, SystemExit):
        return f"the file called sys.exit({err.code!r})"
    return f"{kind}: {text[0]}" if text else kind


def _where(err: BaseException, path: Path) -> str:
    """``FILE:LINE: `` of the innermost frame of the user's file in the traceback."""
    mine = os.path.abspath(path)
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if os.path.abspath(f.filename) == mine]
    return f"{path}:{frames[-1].lineno}: " if frames else f"{path}: "


def _run(path: Path) -> types.ModuleType:
    """The module of ``path``, run as ``import`` runs it (name: the file's stem)."""
    code = compile(read_text(path), str(path), "exec")
    module = types.ModuleType(path.stem)
    module.__file__ = str(path.resolve())
    previous = sys.modules.get(path.stem)
    sys.modules[path.stem] = module  # dataclasses and pickling look the module up by name
    try:
        exec(code, module.__dict__)  # the user's own file, run as Python on their request
    finally:
        if previous is None:
            sys.modules.pop(path.stem, None)
        else:
            sys.modules[path.stem] = previous
    return module


def _trace(module: types.ModuleType, path: Path, name: str, values: Mapping[str, Any],
           data: Mapping[str, Any]) -> Traced:
    target: Any = module
    for part in name.split("."):
        if not hasattr(target, part):
            known = sorted(k for k, v in vars(module).items()
                           if not k.startswith("_") and (inspect.isfunction(v)
                                                          or hasattr(v, "_prev")))
            raise GraphvizAdError(f"{path}: no function {name!r} (found: "
                                  f"{', '.join(known) or 'none'})")
        target = getattr(target, part)
    if hasattr(target, "_prev") and hasattr(target, "data"):
        if values:
            raise GraphvizAdError(f"{path}:{name} is a micrograd value, computed when the file "
                                  "ran: it takes no --at values")
        return from_micrograd(target, scope=vars(module))
    if not callable(target):
        raise GraphvizAdError(f"{path}:{name} is a {type(target).__name__}, not a function")
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        parameters = {}  # type: ignore[assignment]
    values = {**{k: v for k, v in data.items() if k in parameters}, **values}
    unknown = [k for k in values if k not in parameters]
    if unknown:
        raise GraphvizAdError(f"{name}() has no parameter {', '.join(unknown)} (parameters: "
                              f"{', '.join(parameters) or 'none'})")
    missing = [k for k, p in parameters.items() if p.default is inspect.Parameter.empty
               and k not in values and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if missing:
        raise GraphvizAdError(f"{name}() needs a value for {', '.join(missing)}: give "
                              + " ".join(f"--at {k}=…" for k in missing))
    if any(getattr(v, "__name__", "").split(".")[0] == "jax" for v in vars(module).values()
           if isinstance(v, types.ModuleType)):
        bound = inspect.signature(target).bind(**values)
        bound.apply_defaults()
        return from_jax(target, *bound.args)
    return trace_function(target, **values)
