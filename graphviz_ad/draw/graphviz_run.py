"""Thin subprocess layer over the Graphviz executables.

Every Graphviz call in the package goes through :func:`run_graphviz`, so a missing
``dot`` or a layout failure always surfaces as one :class:`RenderError` with an
install hint, and Graphviz's warnings (which come with exit status 0, e.g. "label
too big for a fixedsize node") are returned instead of being lost.

>>> result = run_graphviz("digraph { a -> b }", "svg")   # doctest: +SKIP
>>> result.output[:5], result.warnings                    # doctest: +SKIP
(b'<?xml', ())

Every call is capped at :data:`LAYOUT_TIMEOUT` seconds (``render --layout-timeout``, or
``with layout_time_limit(seconds):`` from Python); the Graphviz process is killed then.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from graphviz_ad.errors import RenderError

ENGINES = ("dot", "neato", "fdp", "sfdp", "circo", "twopi", "osage", "patchwork")
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
    """Return the path of a Graphviz layout program, or raise RenderError with a hint."""
    if engine not in ENGINES:
        raise RenderError(f"unknown Graphviz engine {engine!r}; choose one of {', '.join(ENGINES)}")
    path = shutil.which(engine)
    if path is None:
        raise RenderError(f"Graphviz {engine!r} not found on PATH; {INSTALL_HINT}")
    return path


def run_graphviz(source: str, fmt: str = "svg", engine: str = "dot",
                 args: Sequence[str] = (), timeout: float | None = None) -> GraphvizResult:
    """Run ``engine -T<fmt> [args]`` on DOT ``source`` and return its output and warnings.

    A non-zero exit raises RenderError carrying Graphviz's first error line; a run longer
    than ``timeout`` (default: the current :func:`layout_time_limit`) is killed and raises.
    """
    exe = find_engine(engine)
    timeout = _time_limit.get() if timeout is None else timeout
    try:  # on a timeout (or Ctrl-C, SIGTERM) subprocess.run kills the child and reaps it
        proc = subprocess.run([exe, f"-T{fmt}", *args], input=source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz {engine!r} layout took longer than {timeout:g} s (the "
                          f"limit); raise it with render --layout-timeout SECONDS, or draw a "
                          f"smaller graph") from None
    except OSError as exc:
        raise RenderError(f"could not run Graphviz {engine!r}: {exc}; {INSTALL_HINT}") from exc
    lines = [ln.strip() for ln in proc.stderr.decode("utf-8", "replace").splitlines()]
    lines = [ln for ln in lines if ln]
    if proc.returncode != 0:
        first = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
        raise RenderError(f"Graphviz {engine!r} failed (exit {proc.returncode}): "
                          f"{first or 'no message'}")
    return GraphvizResult(proc.stdout, tuple(lines))
