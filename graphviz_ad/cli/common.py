"""Pieces shared by every command: error reporting, ``--at`` parsing, format lists."""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

import click

from ..errors import GraphvizAdError, visible

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``graphviz-ad: error: <message>`` on stderr and exit (default code 2)."""
    click.echo(f"graphviz-ad: error: {shown_message(message)}", err=True)
    sys.exit(code)


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


class Terminated(SystemExit):
    """SIGTERM, raised as an exception so ``finally``/cleanup code runs (exit code 143)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def os_error_message(err: OSError) -> str:
    """``<filename>: <strerror>`` (or the error's text when it names no file)."""
    reason = err.strerror or str(err)
    if err.filename is not None:
        return f"{err.filename}: {reason}"
    return reason


def reports_errors(func: F) -> F:
    """Turn GraphvizAdError (and any OSError) into one message and exit code 2; Ctrl-C
    into ``interrupted`` (130) and SIGTERM into ``terminated`` (143), after cleanup."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            with warnings.catch_warnings():
                # nan/inf are reported by graphviz-ad itself, per node and source position
                warnings.simplefilter("ignore", RuntimeWarning)
                return func(*args, **kwargs)
        except GraphvizAdError as err:
            fail(str(err))
        except BrokenPipeError:  # `graphviz-ad trace … | head`: the reader left; stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(128 + signal.SIGPIPE)
        except OSError as err:  # safety net: a file problem is the user's, not a bug
            fail(os_error_message(err))
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Terminated:
            fail("terminated", 128 + signal.SIGTERM)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def split_formats(value: str, allowed: Iterable[str], option: str = "--format") -> list[str]:
    """Parse ``"svg,png"`` into ``["svg", "png"]``, rejecting unknown names with a clear message."""
    allowed = list(allowed)
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    if not names:
        raise GraphvizAdError(f"{option} needs at least one of: {', '.join(allowed)}")
    for name in names:
        if name not in allowed:
            raise GraphvizAdError(f"{option}: unknown format {name!r}; "
                                  f"choose from {', '.join(allowed)}")
    return list(dict.fromkeys(names))


_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789")


def parse_assignment(text: str, option: str = "--at") -> tuple[str, str]:
    """``"x=0.5"`` → ``("x", "0.5")`` with a clear error for anything else."""
    name, eq, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not name or not value:
        raise GraphvizAdError(f"{option} {text!r}: expected NAME=VALUE, e.g. {option} x=0.5")
    if not set(name) <= _NAME_CHARS or name[0].isdigit():
        raise GraphvizAdError(f"{option} {text!r}: {name!r} is not a valid input name")
    return name, value


def parse_number(text: str, where: str) -> float:
    """A float from user text, or one clear error naming where it came from."""
    try:
        value = float(text)
    except ValueError:
        raise GraphvizAdError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise GraphvizAdError(f"{where}: {text!r} is not a finite number (nan and inf are "
                              "not inputs)")
    return value


def parse_value(text: str, where: str, name: str = "value") -> Any:
    """A number, or a JSON-style list such as ``[1, 2, 3]`` (``[[1, 2], [3, 4]]`` for a
    matrix) as a numpy array; never eval'd."""
    if not text.startswith("["):
        return parse_number(text, where)
    import json

    from ..data import as_array

    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise GraphvizAdError(f"{where}: {text!r} is not a list of numbers such as "
                              "[1, 2.5, -3]") from None
    return as_array(name, value, where)


def parse_at(values: Iterable[str]) -> dict[str, Any]:
    """All ``--at NAME=VALUE`` options as a dict; a name given twice is an error.
    VALUE is a number or a list ``[1, 2, 3]``."""
    out: dict[str, Any] = {}
    for text in values:
        name, value = parse_assignment(text)
        if name in out:
            raise GraphvizAdError(f"--at {name} given twice")
        out[name] = parse_value(value, f"--at {text}", name)
    return out


def at_option(func: F) -> F:
    """The ``--at NAME=VALUE`` option, repeatable, shared by every command."""
    return click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
                        help="Value of an input (repeatable: --at x=0.5 --at w=2), a number "
                             "or a list --at 'z=[1,2,3]'. Overrides the graph file's "
                             "[inputs].")(func)


def data_option(func: F) -> F:
    """The ``--data FILE`` option (CSV columns or a .npy array as inputs), repeatable."""
    return click.option("--data", "data", multiple=True, metavar="FILE",
                        help="Inputs from a file: file.csv (one input per header column), "
                             "file.npy (named by the stem) or NAME=file.npy. "
                             "Repeatable.")(func)


def source_argument(func: F) -> F:
    return click.argument("source", metavar="SOURCE")(func)


def load_program(source_arg: str, at: Iterable[str], cse: bool = True,
                 data: Iterable[str] = ()):
    """Resolve SOURCE, ``--data`` and ``--at``: returns ``(source, graph, inputs)``.

    :func:`graphviz_ad.source.load` reads the program and its data; ``--at`` (strict:
    every name must be an input) overrides both."""
    from ..source import load

    source, graph, inputs = load(source_arg, data=data, cse=cse)
    given = parse_at(at)
    known = graph.graph["inputs"]
    unknown = [name for name in given if name not in known]
    if unknown:
        missing = [n for n in known if n not in {**inputs, **given}]
        also = f"; missing a value for {', '.join(missing)}" if missing else ""
        raise GraphvizAdError(f"unknown input {', '.join(unknown)} (inputs: "
                              f"{', '.join(known) or 'none'}){also}")
    return source, graph, {**inputs, **given}


def check_names(graph: Any, wrt: Iterable[str] = (), of: Iterable[str] = ()) -> None:
    """Every ``--wrt`` must name an input and every ``--of`` a node, whatever the mode
    (the passes check only the one they use); otherwise one error listing the valid names."""
    from ..autodiff import _choose_of, _choose_wrt

    for name in wrt:
        _choose_wrt(graph, name)
    for name in of:
        _choose_of(graph, name)


def output_hint(graph: Any, of: str | None) -> str | None:
    """For a program with several outputs and no ``--of``: which one is differentiated
    and how to pick another."""
    outputs = graph.graph["outputs"]
    if of or len(outputs) < 2:
        return None
    return (f"the program has {len(outputs)} outputs ({', '.join(outputs)}); "
            f"differentiating {outputs[0]} (choose another with --of)")


def note(lines: Iterable[str | None]) -> None:
    """Print ``graphviz-ad: note: …`` lines on stderr (None entries are skipped)."""
    for line in lines:
        if line:
            click.echo(f"graphviz-ad: note: {shown_message(line)}", err=True)


def warn(lines: Iterable[str]) -> None:
    """Print ``graphviz-ad: warning: …`` lines on stderr."""
    for line in lines:
        click.echo(f"graphviz-ad: warning: {shown_message(line)}", err=True)


def report_written(paths: Iterable[Any]) -> None:
    """``wrote …`` on stderr: one line per single file, one line per numbered frame series."""
    series: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        text = str(path)
        stem, dot, ext = text.rpartition(".")
        base, dash, number = stem.rpartition("-")
        if dash and number.isdigit():
            series.setdefault((base, ext), []).append(number)
        else:
            series.setdefault((text, ""), [])
    for (base, ext), numbers in series.items():
        if numbers:
            click.echo(f"wrote {len(numbers)} frames {base}-{numbers[0]}…{numbers[-1]}.{ext}",
                       err=True)
        else:
            click.echo(f"wrote {base}", err=True)
