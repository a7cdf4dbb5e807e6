"""``graphviz-ad jacobian``, ``graphviz-ad hessian`` and ``graphviz-ad cost``."""

from __future__ import annotations

import json

import click
import numpy as np

from ..core.autodiff import choose_of, values_at
from ..core.calculus import MAX_ELEMENTS, convexity, sweep_for
from ..core.calculus import cost as count
from ..core.calculus import hessian as hessian_matrix
from ..core.calculus import jacobian as jacobian_matrix
from ..core.data import parameters
from ..core.formats import DATA_FORMATS
from ..core.formula import node_label
from ..core.modes import SWEEPS
from ..core.program import program_of
from ..explain.calculus_text import cost_text, element_labels, hessian_text, jacobian_text
from ..explain.documents import hessian_document, jacobian_document
from .common import (
    at_option,
    check_names,
    data_option,
    formats_option,
    load_program,
    max_elements_option,
    of_option,
    options,
    out_option,
    report_written,
    reports_errors,
    slide_option,
    source_argument,
    warn,
    wrt_option,
)

_shared = options(source_argument, at_option, data_option, wrt_option, of_option,
                  formats_option(DATA_FORMATS, "table"), max_elements_option)


def _prepare(source, at, data, of, wrt):
    """The program, its inputs, the outputs (default: the graph file's, else the first),
    the inputs to differentiate by (default: those that are not data) and every value."""
    src, graph, inputs = load_program(source, at, data=data)
    check_names(graph, wrt, of)
    setting = src.settings.get("of")
    ofs = [choose_of(graph, o) for o in (of or ([setting] if setting else [None]))]
    names = list(wrt) or parameters(program_of(graph).inputs, src.data_inputs)
    return src, graph, inputs, ofs, names, values_at(graph, inputs)


def _echo_lines(text: str) -> None:
    """Line by line, so a reader that leaves early (``| head``) is noticed at once."""
    for line in text.split("\n"):
        click.echo(line)


def _deprecated_mode(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        warn(["jacobian --mode is now --sweep (--mode always names the pass)"])
        ctx.meta["sweep"] = value


@click.command()
@_shared
@click.option("--sweep", type=click.Choice(["auto", *(m.value for m in SWEEPS)]), default="auto",
              show_default=True, help="One forward sweep per input element, or one reverse "
                                      "sweep per output element (auto: fewer sweeps).")
@click.option("--mode", hidden=True, type=click.Choice(["auto", *(m.value for m in SWEEPS)]),
              expose_value=False, callback=_deprecated_mode,
              help="Deprecated spelling of --sweep.")
@reports_errors
def jacobian(source, at, data, wrt, of, format_, max_elements, sweep):
    """Print the Jacobian ∂OF/∂WRT of SOURCE at a point, computed by AD.

    Several --of stack their elements as rows, several --wrt as columns (default: the
    graph file's `of`, else the first output, by every input that is not data).

    \b
    Examples:
      graphviz-ad jacobian "s = softmax(z)" --at 'z=[1,2,3]' --wrt z
      graphviz-ad jacobian graphs/problem8.toml --of L --wrt phi0 --wrt phi1
      graphviz-ad jacobian "a = x*y; b = x + y" --at x=1 --at y=2 --of a --of b --sweep forward
      graphviz-ad jacobian "y = sin(x)" --data x=big.npy --max-elements 4000000
    """
    sweep = click.get_current_context().meta.get("sweep", sweep)
    _, graph, inputs, ofs, names, values = _prepare(source, at, data, of, wrt)
    J = jacobian_matrix(graph, inputs, of=ofs, wrt=names, mode=sweep,
                        max_elements=max_elements or MAX_ELEMENTS)
    J = J.reshape(sum(int(np.size(values[o])) for o in ofs), -1)
    used = sweep_for(J.shape[0], J.shape[1], sweep)
    for k, format_name in enumerate(format_):
        if k:
            click.echo()
        if format_name == "json":
            click.echo(json.dumps(jacobian_document(graph, J, ofs, names, values), indent=2,
                                  ensure_ascii=False))
        else:
            _echo_lines(jacobian_text(graph, J, ofs, names, values, used))


@click.command()
@_shared
@reports_errors
def hessian(source, at, data, wrt, of, format_, max_elements):
    """Print the Hessian of SOURCE's (scalar) output at a point, computed by AD, with
    its eigenvalues, trace, determinant and whether it is convex there.

    Several --of print one Hessian per output (--format json: a list); several --wrt
    span its rows and columns (default: every input that is not data).

    \b
    Examples:
      graphviz-ad hessian graphs/problem7.toml --of L --wrt phi0 --wrt phi1
      graphviz-ad hessian "L = phi0^2 - phi1^2" --at phi0=0 --at phi1=0
    """
    _, graph, inputs, ofs, names, values = _prepare(source, at, data, of, wrt)
    docs, texts = [], []
    for o in ofs:
        H = hessian_matrix(graph, inputs, of=o, wrt=names,
                           max_elements=max_elements or MAX_ELEMENTS)
        size = len(element_labels(graph, names, values))
        H = H.reshape(size, size)  # a matrix input's w.shape*2 as a square table
        shape = convexity(H)
        docs.append(hessian_document(graph, H, o, names, values, shape))
        texts.append(hessian_text(graph, H, o, names, values, shape))
    for k, format_name in enumerate(format_):
        if k:
            click.echo()
        if format_name == "json":
            click.echo(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2,
                                  ensure_ascii=False))
        else:
            _echo_lines("\n\n".join(texts))


@click.command()
@options(source_argument, at_option, data_option, wrt_option, of_option, out_option(),
         slide_option())
@reports_errors
def cost(source, at, data, wrt, of, out, slide):
    """How many sweeps and primitive evaluations forward and reverse mode need for the
    full Jacobian of SOURCE (homework problem 10's question); --out also plots them.

    The Jacobian is taken of every --of output (default: the graph file's `of`, else
    every output) by every --wrt input (default: the inputs that are not data); array
    inputs count one sweep per element when their values are known.

    \b
    Examples:
      graphviz-ad cost graphs/problem10.toml
      graphviz-ad cost graphs/problem8.toml --wrt phi0 --wrt phi1 --out cost.png
      graphviz-ad cost "y = sum(W*x)" --at 'W=[1,2,3]' --at 'x=[4,5,6]' --of y --out cost.svg
    """
    src, graph, inputs = load_program(source, at, data=data)
    check_names(graph, wrt, of)
    known = all(n in inputs for n in program_of(graph).inputs)
    names = list(wrt) or parameters(program_of(graph).inputs, src.data_inputs)
    ofs = list(of) or ([src.settings["of"]] if src.settings.get("of") else None)
    c = count(graph, inputs if known else None, wrt=names, of=ofs)
    click.echo(cost_text(c))
    if out:
        from ..plots.charts import cost_plot  # deferred: plots import matplotlib

        shown = ", ".join(node_label(graph, o) for o in (ofs or program_of(graph).outputs))
        report_written(cost_plot(c, out, program=src.title or shown, slide=slide))
