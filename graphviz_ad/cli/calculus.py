"""``graphviz-ad jacobian``, ``graphviz-ad hessian`` and ``graphviz-ad cost``."""

from __future__ import annotations

import json

import click
import numpy as np

from ..calculus import MAX_ELEMENTS
from ..data import parameters
from ..errors import GraphvizAdError
from ..formula import node_label
from .common import (
    at_option,
    data_option,
    load_program,
    report_written,
    reports_errors,
    source_argument,
)

DIGITS = 6


def _labels(graph, names: list[str], values: dict) -> list[str]:
    """One label per element: ``phi0`` for a scalar, ``z[0]``, ``z[1]``, … for a vector."""
    labels = []
    for n in names:
        shown = node_label(graph, n)
        size = int(np.size(values[n]))
        if np.ndim(values[n]) == 0:
            labels.append(shown)
        else:
            labels += [f"{shown}[{', '.join(map(str, np.unravel_index(k, np.shape(values[n]))))}]"
                       for k in range(size)]
    return labels


def _spaces(graph, names: list[str], values: dict) -> str:
    """``W ∈ ℝ²ˣ³, x ∈ ℝ³, b``: each name with the space it lives in (scalars bare)."""
    from ..formula import fmt_shape

    return ", ".join(node_label(graph, n) + (f" ∈ {fmt_shape(np.shape(values[n]))}"
                                             if np.ndim(values[n]) else "") for n in names)


def _number(v: float) -> str:
    text = f"{v:.{DIGITS}g}"
    return "0" if text in ("0", "-0") else text.replace("-", "−")


def matrix_table(matrix: np.ndarray, rows: list[str], columns: list[str]) -> str:
    """A labelled matrix, columns aligned on their right edge."""
    cells = [[_number(v) for v in row] for row in matrix]
    first = max(len(r) for r in rows)
    widths = [max(len(columns[j]), *(len(c[j]) for c in cells)) for j in range(len(columns))]
    lines = [" " * first + "  " + "  ".join(c.rjust(w) for c, w in zip(columns, widths))]
    for label, row in zip(rows, cells):
        lines.append(label.ljust(first) + "  " + "  ".join(c.rjust(w) for c, w in zip(row,
                                                                                     widths)))
    return "\n".join(lines)


def _common(func):
    for option in (
        click.option("--format", "format_", type=click.Choice(["table", "json"]),
                     default="table", show_default=True),
        click.option("--wrt", multiple=True, metavar="NAME",
                     help="Input to differentiate by (repeatable; default: the inputs that are not "
                          "data, i.e. not from [data] or --data)."),
        click.option("--of", default=None, help="The output (default: the program's first)."),
        click.option("--max-elements", type=click.IntRange(1), default=MAX_ELEMENTS,
                     show_default=True, help="Largest matrix (rows × columns) to compute; "
                     "checked before any work."),
        data_option, at_option, source_argument,
    ):
        func = option(func)
    return func


def _prepare(source, at, data, of, wrt):
    from ..autodiff import _choose_of, values_at

    src, graph, inputs = load_program(source, at, data=data)
    of = _choose_of(graph, of or src.settings.get("of"))
    names = list(wrt) or parameters(graph.graph["inputs"], src.data_inputs)
    for name in names:
        if name not in graph.graph["inputs"]:
            raise GraphvizAdError(f"--wrt {name}: no such input (inputs: "
                                  f"{', '.join(graph.graph['inputs'])})")
    values = values_at(graph, inputs)
    return graph, inputs, of, names, values


@click.command()
@_common
@click.option("--mode", type=click.Choice(["auto", "forward", "reverse"]), default="auto",
              show_default=True, help="One forward sweep per input element, or one reverse "
                                      "sweep per output element (auto: fewer sweeps).")
@reports_errors
def jacobian(source, at, data, of, wrt, max_elements, format_, mode):
    """Print the Jacobian ∂OF/∂WRT of SOURCE at a point, computed by AD.

    \b
    Examples:
      graphviz-ad jacobian "s = softmax(z)" --at 'z=[1,2,3]' --wrt z
      graphviz-ad jacobian graphs/problem8.toml --of L --wrt phi0 --wrt phi1
      graphviz-ad jacobian "y = sin(x)" --data x=big.npy --max-elements 4000000
    """
    from ..calculus import jacobian as compute

    graph, inputs, of, names, values = _prepare(source, at, data, of, wrt)
    J = compute(graph, inputs, of=of, wrt=names, mode=mode, max_elements=max_elements)
    J = J.reshape(int(np.size(values[of])), -1)
    rows, cols = _labels(graph, [of], values), _labels(graph, names, values)
    if format_ == "json":
        click.echo(json.dumps({"of": of, "wrt": names, "rows": rows, "columns": cols,
                               "jacobian": J.tolist()}, indent=2, ensure_ascii=False))
        return
    used = mode if mode != "auto" else ("reverse" if J.shape[0] <= J.shape[1] else "forward")
    wrt_text = names[0] if len(names) == 1 else f"({', '.join(names)})"
    click.echo(f"Jacobian ∂{node_label(graph, of)}/∂{wrt_text} "
               f"({J.shape[0]}×{J.shape[1]}, {used} mode: one sweep per "
               f"{'output' if used == 'reverse' else 'input'} element; "
               f"{_spaces(graph, [of] + [n for n in names if n != of], values)}):")
    click.echo(matrix_table(J, rows, cols))


@click.command()
@_common
@reports_errors
def hessian(source, at, data, of, wrt, max_elements, format_):
    """Print the Hessian of SOURCE's (scalar) output at a point, computed by AD, with
    its eigenvalues, trace, determinant and whether it is convex there.

    \b
    Examples:
      graphviz-ad hessian graphs/problem7.toml --of L --wrt phi0 --wrt phi1
      graphviz-ad hessian "L = phi0^2 - phi1^2" --at phi0=0 --at phi1=0
    """
    from ..calculus import hessian as compute

    graph, inputs, of, names, values = _prepare(source, at, data, of, wrt)
    H = compute(graph, inputs, of=of, wrt=names, max_elements=max_elements)
    labels = _labels(graph, names, values)
    H = H.reshape(len(labels), len(labels))  # a matrix input's w.shape*2 as a square table
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    tol = 1e-10 * max(1.0, float(np.max(np.abs(H))))
    convex = bool(eig.min() >= -tol)
    verdict = ("convex here: every eigenvalue ≥ 0 (positive semidefinite)" if convex
               else "not convex here: an eigenvalue is negative")
    if convex and eig.min() > tol:
        verdict = "convex here: every eigenvalue > 0 (positive definite)"
    if format_ == "json":
        click.echo(json.dumps({"of": of, "wrt": names, "labels": labels, "hessian": H.tolist(),
                               "eigenvalues": eig.tolist(), "trace": float(np.trace(H)),
                               "determinant": float(np.linalg.det(H)), "convex": convex},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"Hessian of {node_label(graph, of)} with respect to "
               f"({_spaces(graph, names, values)}), "
               "by reverse mode over the gradient graph:")
    click.echo(matrix_table(H, labels, labels))
    click.echo(f"eigenvalues: {', '.join(_number(v) for v in eig)}")
    click.echo(f"trace: {_number(np.trace(H))}   determinant: {_number(np.linalg.det(H))}")
    click.echo(f"verdict: {verdict}")


@click.command()
@source_argument
@at_option
@data_option
@click.option("--wrt", multiple=True, metavar="NAME",
              help="Inputs the Jacobian is taken by (repeatable; default: the inputs that "
                   "are not data).")
@click.option("--of", "of", multiple=True, metavar="NAME",
              help="Outputs of the Jacobian (repeatable; default: the graph file's `of`, "
                   "else every output).")
@click.option("--out", metavar="FILE", default=None,
              help="Also plot cost against the number of inputs (png, svg or pdf).")
@click.option("--max-n", type=click.IntRange(2, 500), default=40, show_default=True,
              help="Largest number of inputs in the plotted family.")
@click.option("--slide", metavar="W:H", default=None, help="Slide-sized plot, e.g. 16:9.")
@reports_errors
def cost(source, at, data, wrt, of, out, max_n, slide):
    """How many sweeps and primitive evaluations forward and reverse mode need for the
    full Jacobian of SOURCE (homework problem 10's question), and optionally a plot of
    both against n for the n-input, 1-output family y = Σ sin(x_i)·x_(i+1).

    \b
    Examples:
      graphviz-ad cost graphs/problem10.toml
      graphviz-ad cost graphs/problem8.toml --wrt phi0 --wrt phi1 --out cost.png
    """
    from ..calculus import cost as count

    src, graph, inputs = load_program(source, at, data=data)
    for name in wrt:
        if name not in graph.graph["inputs"]:
            raise GraphvizAdError(f"--wrt {name}: no such input")
    known = all(n in inputs for n in graph.graph["inputs"])
    names = list(wrt) or parameters(graph.graph["inputs"], src.data_inputs)
    ofs = list(of) or ([src.settings["of"]] if src.settings.get("of") else None)
    c = count(graph, inputs if known else None, wrt=names, of=ofs)
    click.echo(f"graph: {c.values} operations; Jacobian {c.outputs}×{c.inputs} "
               f"(output elements × input elements)")
    click.echo(f"one sweep: {c.per_sweep} primitive evaluations "
               "(values, local partials, chain-rule products and sums)")
    click.echo(f"forward mode: {c.forward_sweeps} sweep{'s' * (c.forward_sweeps != 1)} "
               f"(one per input element) = {c.forward} evaluations")
    click.echo(f"reverse mode: {c.reverse_sweeps} sweep{'s' * (c.reverse_sweeps != 1)} "
               f"(one per output element) = {c.reverse} evaluations")
    best = ("reverse" if c.reverse < c.forward else "forward" if c.forward < c.reverse
            else "either")
    click.echo(f"cheaper: {best}")
    if out:
        from ..plots import cost_plot

        report_written(cost_plot(out, max_n=max_n, slide=slide))
