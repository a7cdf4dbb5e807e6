"""Pieces shared by every command: error reporting, loading SOURCE, and the one definition
of every option that more than one command takes (``tests/test_cli_help.py`` checks that
each option name has one meaning everywhere)."""

from __future__ import annotations

import functools
import inspect
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from ..core.autodiff import choose_of, choose_wrt, input_names
from ..core.errors import GraphvizAdError
from ..core.formats import PLOT_FORMATS
from ..core.modes import Mode
from ..core.passes import names_or_setting
from ..core.program import program_of
from ..core.shapes import (
    MAX_ELEMENTS,
    MAX_MATRIX_ELEMENTS,
    TOTAL_FACTOR,
    WORK_FACTOR,
    element_limit,
)
from ..draw.frames import STEP_MS
from ..frontends.sources import load
from .messages import MAX_MESSAGE_LINE, BadInput, fail, note, shown_message, warn
from .params import Assignment, Formats, Point, RangeParam, Slide
from .streams import tolerant_streams

__all__ = ["MAX_MESSAGE_LINE", "BadInput", "fail", "note", "shown_message", "warn"]

F = TypeVar("F", bound=Callable[..., Any])


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
        tolerant_streams()
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
        except MemoryError:  # safety net: sizes are checked before the work (--max-elements)
            fail("out of memory; give smaller inputs or a lower --max-elements")
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Terminated:
            fail("terminated", 128 + signal.SIGTERM)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def load_program(source_arg: str, at: Iterable[tuple[str, Any]], cse: bool = True,
                 data: Iterable[str] = ()):
    """Resolve SOURCE, ``--data`` and ``--at`` (pairs from :class:`params.Assignment`):
    returns ``(source, graph, inputs)``.

    :func:`graphviz_ad.frontends.sources.load` reads the program and its data; ``--at`` (strict:
    every name must be an input, given once) overrides both, and is what a ``FILE.py:NAME``
    SOURCE is traced at."""
    given: dict[str, Any] = {}
    for name, value in at:
        if name in given:
            raise GraphvizAdError(f"--at {name} given twice")
        given[name] = value
    source, graph, inputs = load(source_arg, data=data, cse=cse, values=given)
    renamed = input_names(graph)  # `x += 1`: --at x sets the input, whose id is x#1
    given = {renamed.get(name, name): value for name, value in given.items()}
    known = program_of(graph).inputs
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
    for name in wrt:
        choose_wrt(graph, name)
    for name in of:
        choose_of(graph, name)


def pass_settings(src: Any, graph: Any, mode: str | None, wrt: Iterable[str],
                  of: Iterable[str]) -> tuple[str, list[str], list[str]]:
    """``--mode``/``--wrt``/``--of`` with the graph file's settings as defaults, every name
    checked, and for a multi-output program differentiated by default, which output and
    how to pick another (a note on stderr)."""
    mode = mode or src.settings.get("mode", Mode.REVERSE)
    wrt = names_or_setting(list(wrt), src.settings.get("wrt"))
    of = names_or_setting(list(of), src.settings.get("of"))
    check_names(graph, wrt, of)
    if mode in (Mode.REVERSE, Mode.BOTH):
        note([output_hint(graph, of)])
    return mode, wrt, of


def output_hint(graph: Any, of: Iterable[str] | str | None) -> str | None:
    """For a program with several outputs and no ``--of``: which one is differentiated
    and how to pick another."""
    outputs = program_of(graph).outputs
    if of or len(outputs) < 2:
        return None
    return (f"the program has {len(outputs)} outputs ({', '.join(outputs)}); "
            f"differentiating {outputs[0]} (choose another with --of)")


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
        if numbers:  # paths echo --out and file names: control characters escaped
            click.echo(shown_message(f"wrote {len(numbers)} frames {base}-{numbers[0]}…"
                                     f"{numbers[-1]}.{ext}"), err=True)
        else:
            click.echo(shown_message(f"wrote {base}"), err=True)


# -- the one definition of each shared option ----------------------------------------------
# click.option(...) makes a new Option each time it decorates a command, so every command
# below gets the same name, type, metavar and help.

def source_argument(func: F) -> F:
    return click.argument("source", metavar="SOURCE")(func)


at_option = click.option(
    "--at", "at", multiple=True, type=Assignment(), metavar="NAME=VALUE",
    help="Value of an input (repeatable: --at x=0.5 --at w=2), a number or a list "
         "--at 'z=[1,2,3]'. Overrides the graph file's [inputs].")
data_option = click.option(
    "--data", "data", multiple=True, metavar="FILE",
    help="Inputs from a file: file.csv (one input per header column), file.npy (named by "
         "the stem) or NAME=file.npy. Repeatable.")
of_option = click.option(
    "--of", "of", multiple=True, metavar="NAME",
    help="The output to differentiate or plot: a node's name (a re-bound name: its last "
         "binding) or an earlier binding's label such as c⁽¹⁾ or c#1 "
         "(repeatable; default: the graph file's `of`, else the program's first output). "
         "What several mean is in the command's description.")
wrt_option = click.option(
    "--wrt", "wrt", multiple=True, metavar="NAME",
    help="The input to differentiate by (repeatable; default: the graph file's `wrt`, "
         "else the command's own default). What several mean is in the command's "
         "description.")
mode_option = click.option(
    "--mode", type=click.Choice([m.value for m in Mode]), default=None,
    help="The pass: forward, reverse, both (forward, then reverse) or evaluate (values "
         "only). Default: the graph file's mode, else reverse.")
no_cse_option = click.option(
    "--no-cse", is_flag=True, help="Keep repeated subexpressions as separate nodes.")
title_option = click.option(
    "--title", default="", help="Title shown above the drawing (default: the graph "
                                "file's title, else one saying what is drawn).")
frame_ms_option = click.option(
    "--frame-ms", type=click.IntRange(100, 60000), default=None,
    help=f"How long each animation frame shows, in ms (default {STEP_MS}, or the file's "
         "[render] frame_ms; the first frame 1.25x, the last 2x).")
progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Progress bars on stderr (default: when stderr is a terminal).")
lr_option = click.option(
    "--lr", type=click.FloatRange(min=0, min_open=True), default=None, metavar="RATE",
    help="Gradient descent's learning rate α (default 0.05).")
steps_option = click.option(
    "--steps", type=click.IntRange(1, 100_000), default=None, metavar="N",
    help="Gradient-descent steps (default 40).")
start_option = click.option(
    "--start", multiple=True, type=Point(), metavar="NAME=VALUE",
    help="Where gradient descent starts, per --over input (default: a fifth in from the "
         "grid's top-left corner).")
over_option = click.option(
    "--over", multiple=True, type=RangeParam(101), metavar="NAME=LOW:HIGH[:COUNT]",
    help="A grid axis: an input and its range (give two; COUNT defaults to 101).")
def max_elements_option(func: F) -> F:
    """``--max-elements N`` (the one definition): the command runs with arrays bounded by
    N elements (:func:`graphviz_ad.core.shapes.element_limit`); a command that bounds a
    matrix of its own (jacobian, hessian) also gets ``max_elements`` (None when not
    given)."""
    takes = "max_elements" in inspect.signature(func).parameters

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        limit = kwargs["max_elements"] if takes else kwargs.pop("max_elements")
        with element_limit(limit):
            return func(*args, **kwargs)

    return click.option(
        "--max-elements", type=click.IntRange(1), default=None, metavar="N",
        help=f"Largest array to compute, in elements: any value or derivative of a node "
             f"(a pass's values together: {TOTAL_FACTOR}×; its matrix products: "
             f"{WORK_FACTOR}× in multiply-adds), a Jacobian or Hessian (rows × columns); "
             f"checked before any work. Default {MAX_ELEMENTS:,}; for a Jacobian or Hessian "
             f"{MAX_MATRIX_ELEMENTS:,}.")(wrapper)  # type: ignore[return-value]


def formats_option(choices: Iterable[str], default: str):
    """``--format LIST``: a comma list of ``choices`` (the one --format definition)."""
    choices = list(choices)
    return click.option("--format", "format_", type=Formats(choices), default=default,
                        show_default=True, metavar="LIST",
                        help=f"Comma list of: {', '.join(choices)}.")


def slide_option(default: str | None = None):
    """``--slide W:H`` (the one --slide definition)."""
    return click.option(
        "--slide", type=Slide(), metavar="W:H", default=default,
        show_default=default is not None,
        help="Slide-sized output of ratio W:H (1:3 to 3:1): 16:9 gives 1920x1080 frames "
             "(padded), 16:9 PDF pages and 1920x1080 px plots.")


def out_option(required: bool = False, default: str | None = None):
    """``--out PATH`` (the one --out definition; a directory or a plot file per command)."""
    return click.option(
        "--out", metavar="PATH", required=required, default=default,
        show_default=default is not None,
        help="Where to write: a directory for drawings and worksheets (default: a folder "
             "under render/ named after SOURCE; gallery: one folder per graph under it), "
             "or a file for a plot, its extension the format "
             f"({', '.join(PLOT_FORMATS)}).")


def options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several option decorators as one, listed in the order --help shows them."""

    def apply(func: F) -> F:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def one(values: Iterable[str], option: str, what: str) -> str | None:
    """The single value of a repeatable option where several cannot make sense."""
    values = list(values)
    if len(values) > 1:
        raise GraphvizAdError(f"{what}: give one {option} (got {', '.join(values)})")
    return values[0] if values else None
