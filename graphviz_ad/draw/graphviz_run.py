"""Graphviz through the ``graphviz`` package, with a time limit and its warnings kept.

Every Graphviz call in the package goes through :func:`run_graphviz`, so a missing
``dot`` or a layout failure always surfaces as one :class:`RenderError` with an
install hint, and Graphviz's warnings (which come with exit status 0, e.g. "label
too big for a fixedsize node") are returned instead of being lost.

>>> result = run_graphviz("digraph { a -> b }", "svg")   # doctest: +SKIP
>>> result.output[:5], result.warnings                    # doctest: +SKIP
(b'<?xml', ())

The command line comes from ``graphviz.backend``'s ``command`` (its engine and format
checks, ``dot -K<engine> -T<format>``) and runs through its ``run_check`` (its
``ExecutableNotFound`` and ``CalledProcessError``).  ``graphviz.pipe`` itself is not
used: it takes no time limit and prints Graphviz's warnings to our stderr instead of
returning them.  ``run_check`` hands ``timeout`` to ``subprocess.run``, so every call
is capped at :data:`LAYOUT_TIMEOUT` seconds (``render --layout-timeout``, or ``with
layout_time_limit(seconds):`` from Python) and the Graphviz process is killed then.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

import graphviz
from graphviz.backend import dot_command, execute

from graphviz_ad.core.errors import RenderError

ENGINES = tuple(sorted(graphviz.ENGINES))
INSTALL_HINT = "install it: sudo apt-get install graphviz (or brew install graphviz)"
LAYOUT_TIMEOUT = 30.0  # seconds one Graphviz call may take by default
_time_limit: ContextVar[float] = ContextVar("layout_time_limit", default=LAYOUT_TIMEOUT)


@contextlib.contextmanager
def layout_time_limit(seconds: float) -> Iterator[None]:
    """Cap every Graphviz call inside the block at ``seconds`` (instead of LAYOUT_TIMEOUT)."""
    token = _time_limit.set(seconds)
    try:
        yield
    finally:
        _time_limit.reset(token)


@dataclass(frozen=True)
class GraphvizResult:
    """The bytes Graphviz wrote and the warning lines it printed on stderr."""

    output: bytes
    warnings: tuple[str, ...]


def find_engine(engine: str = "dot") -> str:
    """The Graphviz executable that runs ``engine`` (every engine runs as ``dot -K``);
    an unknown engine is a RenderError listing graphviz's own engine list."""
    if engine not in ENGINES:
        raise RenderError(f"unknown Graphviz engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return os.fspath(graphviz.backend.DOT_BINARY)


def run_graphviz(source: str, fmt: str = "svg", engine: str = "dot",
                 args: Sequence[str] = (), timeout: float | None = None) -> GraphvizResult:
    """Run ``dot -K<engine> -T<fmt> [args]`` on DOT ``source``; return its output and
    warnings.

    A non-zero exit raises RenderError carrying Graphviz's first error line; a run longer
    than ``timeout`` (default: the current :func:`layout_time_limit`) is killed and raises.
    """
    exe = find_engine(engine)
    try:
        cmd = [exe, *dot_command.command(engine, fmt)[1:], *args]
    except ValueError as exc:  # graphviz's own check of the format
        raise RenderError(f"Graphviz has no output format {fmt!r}") from exc
    timeout = _time_limit.get() if timeout is None else timeout
    try:  # on a timeout (or Ctrl-C, SIGTERM) subprocess.run kills the child and reaps it
        proc = execute.run_check(cmd, input=source.encode("utf-8"), capture_output=True,
                                 quiet=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz {engine!r} layout took longer than {timeout:g} s (the "
                          f"limit); raise it with render --layout-timeout SECONDS, or draw a "
                          f"smaller graph") from None
    except graphviz.ExecutableNotFound:
        raise RenderError(f"Graphviz {engine!r} not found on PATH; {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as exc:
        lines = _lines(exc.stderr)
        first = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
        raise RenderError(f"Graphviz {engine!r} failed (exit {exc.returncode}): "
                          f"{first or 'no message'}") from None
    except OSError as exc:
        raise RenderError(f"could not run Graphviz {engine!r}: {exc}; {INSTALL_HINT}") from exc
    return GraphvizResult(proc.stdout, tuple(_lines(proc.stderr)))


def _lines(stderr: bytes | None) -> list[str]:
    """The non-empty lines Graphviz printed on stderr."""
    text = (stderr or b"").decode("utf-8", "replace")
    return [ln.strip() for ln in text.splitlines() if ln.strip()]
