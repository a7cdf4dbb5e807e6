"""``graphviz-ad trace`` and ``graphviz-ad check``."""

from __future__ import annotations

import json
import shutil
import sys

import click

from ..core.assignments import parse_value
from ..core.formats import DATA_FORMATS, TEXT_FORMATS
from ..core.passes import run_passes
from ..core.program import program_of
from ..explain.check import DEFAULT_TOLERANCE, check_derivatives, singularities
from ..explain.documents import check_document, check_table
from ..explain.nonfinite import nonfinite_warnings
from ..explain.report import trace_latex, trace_markdown, trace_table
from ..explain.trace_json import trace_json_chunks, traces_json_chunks
from ..frontends.writer import graph_file_text
from .common import (
    at_option,
    data_option,
    formats_option,
    load_program,
    max_elements_option,
    mode_option,
    no_cse_option,
    of_option,
    options,
    pass_settings,
    reports_errors,
    source_argument,
    warn,
    wrt_option,
)


@click.command()
@options(source_argument, at_option, data_option, mode_option, wrt_option, of_option)
@click.option("--direction", "seed", default=None, metavar="VALUE",
              help="Forward mode: the direction of --wrt (default: ones, written ·1); "
                   "reverse mode: the weights of --of. A number or a list "
                   "--direction '[[1,0],[0,0]]' of that input's (output's) shape; needs a "
                   "single --wrt (--of). (--seed is the random seed of worksheet and grade.)")
@click.option("--width", type=click.IntRange(min=0), default=None, metavar="N",
              help="Fit the table into N columns (default: the terminal's width, or "
                   "COLUMNS; 0: no limit). Long arrays are previewed with …, long steps "
                   "continue on the next line.")
@options(formats_option((*TEXT_FORMATS, "toml"), "table"), no_cse_option, max_elements_option)
@reports_errors
def trace(source, at, data, mode, wrt, of, seed, width, format_, no_cse):
    """Print the Wengert list and every step of a pass over SOURCE.

    SOURCE is an expression or program ("y = sin(x)*x"), a graph file
    (graphs/problem9.toml), a program file, - for stdin, or FILE.py:NAME: your own
    Python file, which is RUN as Python (as `import` runs it: its `if __name__ ==
    "__main__":` block does not run), with its function NAME (numpy or JAX code) traced
    at the --at values, or its micrograd Value NAME read. Graph files, program files and
    expressions are never executed.

    --format toml writes the program and its values as a graph file that loads back to
    the same values and derivatives (trace once, keep the file).

    Several --wrt run one forward pass per input, several --of one reverse pass per
    output (--mode both: the forward passes, then the reverse ones); each is printed in
    turn, and --format json prints a list of them. --wrt also restricts reverse mode to
    the steps on the paths from those inputs; without it, data inputs (a graph file's
    [data], --data) get no adjoint steps.

    \b
    Examples:
      graphviz-ad trace "exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)" --at x=0.5
      graphviz-ad trace graphs/problem10.toml --mode forward --format latex
      graphviz-ad trace "a = x*w; y = sin(a)" --at x=1 --at w=2 --format json
      graphviz-ad trace "y = x*w" --at x=1 --at w=2 --mode forward --wrt x --wrt w
      echo "y = x^2" | graphviz-ad trace - --at x=3
      graphviz-ad trace model.py:loss --at x=0.5 --format toml > loss.toml
    """
    src, graph, inputs = load_program(source, at, cse=not no_cse, data=data)
    mode, wrt, of = pass_settings(src, graph, mode, wrt, of)
    direction = None if seed is None else parse_value(seed, f"--direction {seed}", "seed")
    results = run_passes(graph, inputs, mode, wrt=wrt, of=of, direction=direction,
                         data=src.data_inputs)
    document = None  # made (and its size checked) before anything is printed
    if "json" in format_:
        document = (trace_json_chunks(results[0]) if len(results) == 1
                    else traces_json_chunks(results))
    for k, format_name in enumerate(format_):
        if format_name == "toml":
            if k:
                click.echo()
            click.echo(graph_file_text(graph, inputs, title=src.title, data=src.data_inputs,
                                       of=of or program_of(graph).outputs[:1]), nl=False)
            continue
        if format_name == "json" and document is not None:  # one document, streamed
            if k:
                click.echo()
            _write_chunks(document)
            continue
        for n, result in enumerate(results):
            _print_pass(result, format_name, first=k == 0 and n == 0,
                        width=terminal_width() if width is None else width or None)
    for result in results:
        warn(nonfinite_warnings(result))


def _print_pass(result, format_: str, first: bool = True, width: int | None = None) -> None:
    if not first:
        click.echo()
    if format_ == "table":
        click.echo(trace_table(result, width))
        return
    click.echo({"markdown": trace_markdown, "latex": trace_latex}[format_](result))


def terminal_width() -> int:
    """The width a table is fitted to: ``COLUMNS``, else the terminal's, else 100."""
    return shutil.get_terminal_size((100, 24)).columns


def _write_chunks(chunks) -> None:
    """A JSON document written a node/step at a time: a long trace is never one string."""
    for chunk in chunks:
        sys.stdout.write(chunk)
    sys.stdout.write("\n")
    sys.stdout.flush()


@click.command()
@options(source_argument, at_option, data_option, wrt_option, of_option)
@click.option("--tolerance", type=float, default=DEFAULT_TOLERANCE, show_default=True,
              help="Largest acceptable error |ad − fd| / max(1, |ad|, |fd|).")
@options(formats_option(DATA_FORMATS, "table"), no_cse_option, max_elements_option)
@reports_errors
def check(source, at, data, wrt, of, tolerance, format_, no_cse):
    """Check every derivative of both modes against central finite differences.

    SOURCE is as for `graphviz-ad trace`: FILE.py:NAME runs your Python file and traces NAME.

    Forward mode: ∂node/∂x for every node and each --wrt input x (default: every
    input); reverse mode: ∂y/∂node for each --of output y (default: every output).
    An array is checked element by element (up to 64 evenly spaced elements, the same
    every run); each row shows its worst element, and the report lists which elements
    of which arrays were checked. Exit status 0 when the worst error is within
    --tolerance, 1 when it is not, with the reason when a kink, jump or pole is nearby.

    \b
    Examples:
      graphviz-ad check graphs/problem9.toml
      graphviz-ad check "y = log(1 + exp(w*x))" --at x=2 --at w=-0.5
      graphviz-ad check "y = sum(z*w)" --at 'z=[1,2]' --at 'w=[3,5]' --wrt z
    """
    _, graph, inputs = load_program(source, at, cse=not no_cse, data=data)
    report = check_derivatives(graph, inputs, tolerance, wrt=list(wrt) or None,
                               of=list(of) or None)
    reasons = [] if report.ok else singularities(graph, inputs)
    for k, format_name in enumerate(format_):
        if k:
            click.echo()
        if format_name == "json":
            click.echo(json.dumps(check_document(report, reasons), indent=2,
                                  ensure_ascii=False))
        else:
            click.echo(check_table(report, reasons))
    if not report.ok:
        raise SystemExit(1)

