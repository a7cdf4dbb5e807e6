"""Pieces shared by every command: error reporting, ``--at`` parsing, format lists."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from ..errors import GraphvizAdError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    """Print ``graphviz-ad: error: <message>`` on stderr and exit (default code 2)."""
    click.echo(f"graphviz-ad: error: {message}", err=True)
    sys.exit(code)


def reports_errors(func: F) -> F:
    """Turn GraphvizAdError (and numpy-free user mistakes) into one message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GraphvizAdError as err:
            fail(str(err))
        except KeyboardInterrupt:  # pragma: no cover - interactive only
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]


def split_formats(value: str, allowed: Iterable[str], option: str = "--format") -> list[str]:
    """Parse ``"svg,png"`` into ``["svg", "png"]``, rejecting unknown names with a clear message."""
    allowed = list(allowed)
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not names:
        raise GraphvizAdError(f"{option} needs at least one of: {', '.join(allowed)}")
    for name in names:
        if name not in allowed:
            raise GraphvizAdError(f"{option}: unknown format {name!r}; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))
