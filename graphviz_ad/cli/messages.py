"""What the command line prints on stderr: ``graphviz-ad: error|note|warning: …``, one
line each, safe for a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import IO, Any, NoReturn

import click

from ..core.errors import visible

MAX_MESSAGE_LINE = 300


def shown_message(message: str) -> str:
    """``message`` safe for a terminal: control characters escaped, and each line cut to
    :data:`MAX_MESSAGE_LINE` characters (a 30,000-character ``--at`` value is not echoed).

    >>> shown_message("bad \\x1b[2J " + "[" * 400)[-40:]
    '[[[[[[[[[[[[[[[[[… (112 more characters)'
    """
    lines = []
    for line in visible(message, keep="\n").split("\n"):
        if len(line) > MAX_MESSAGE_LINE:
            line = f"{line[:MAX_MESSAGE_LINE]}… ({len(line) - MAX_MESSAGE_LINE:,} more characters)"
        lines.append(line)
    return "\n".join(lines)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``graphviz-ad: error: <message>`` on stderr and exit (default code 2)."""
    click.echo(f"graphviz-ad: error: {shown_message(message)}", err=True)
    sys.exit(code)


class BadInput(click.ClickException):
    """A value the user typed that cannot be used: one ``graphviz-ad: error:`` line, exit 2,
    whether the command runs under the ``graphviz-ad`` group or on its own."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"graphviz-ad: error: {shown_message(self.format_message())}", err=True)


def note(lines: Iterable[str | None]) -> None:
    """Print ``graphviz-ad: note: …`` lines on stderr (None entries are skipped)."""
    for line in lines:
        if line:
            click.echo(f"graphviz-ad: note: {shown_message(line)}", err=True)


def warn(lines: Iterable[str]) -> None:
    """Print ``graphviz-ad: warning: …`` lines on stderr."""
    for line in lines:
        click.echo(f"graphviz-ad: warning: {shown_message(line)}", err=True)
