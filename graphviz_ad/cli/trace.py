"""``graphviz-ad trace`` and ``graphviz-ad check``."""

from __future__ import annotations

import click

from ..autodiff import evaluate, forward_mode, reverse_mode
from ..check import DEFAULT_TOLERANCE, check_derivatives, singularities
from .common import (
    at_option,
    check_names,
    data_option,
    load_program,
    note,
    output_hint,
    parse_value,
    reports_errors,
    source_argument,
    warn,
)

TEXT_FORMATS = ("table", "json", "markdown", "latex")


def run_pass(graph, inputs, mode: str, wrt: str | None, of: str | None, seed=None):
    """Run the pass a ``--mode`` names (``seed``: the direction of wrt or the weights
    of of; default ones)."""
    if mode == "forward":
        return forward_mode(graph, inputs, wrt=wrt, seed=seed)
    if mode == "reverse":
        return reverse_mode(graph, inputs, of=of, seed=seed)
    return evaluate(graph, inputs)


@click.command()
@source_argument
@at_option
@data_option
@click.option("--mode", type=click.Choice(["reverse", "forward", "evaluate"]), default=None,
              help="Which pass to show (default: the graph file's mode, else reverse).")
@click.option("--wrt", default=None, help="Forward mode: the input to differentiate by.")
@click.option("--of", default=None, help="Reverse mode: the output to differentiate.")
@click.option("--direction", "seed", default=None, metavar="VALUE",
              help="Forward mode: the direction of --wrt (default: ones, written ·1); "
                   "reverse mode: the weights of --of. A number or a list "
                   "--direction '[[1,0],[0,0]]' of that input's (output's) shape. "
                   "(--seed is the random seed of worksheet and grade.)")
@click.option("--format", "format_", type=click.Choice(TEXT_FORMATS), default="table",
              show_default=True, help="table (Wengert list), json, markdown or latex.")
@click.option("--no-cse", is_flag=True, help="Keep repeated subexpressions as separate nodes.")
@reports_errors
def trace(source, at, data, mode, wrt, of, seed, format_, no_cse):
    """Print the Wengert list and every step of a pass over SOURCE.

    SOURCE is an expression or program ("y = sin(x)*x"), a graph file
    (graphs/problem9.toml), a program file, or - for stdin.

    \b
    Examples:
      graphviz-ad trace "exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)" --at x=0.5
      graphviz-ad trace graphs/problem10.toml --mode forward --format latex
      graphviz-ad trace "a = x*w; y = sin(a)" --at x=1 --at w=2 --format json
      echo "y = x^2" | graphviz-ad trace - --at x=3
    """
    src, graph, inputs = load_program(source, at, cse=not no_cse, data=data)
    mode = mode or src.settings.get("mode", "reverse")
    if mode == "both":  # a graph file made for `render --mode both`: print both passes
        modes = ["forward", "reverse"]
    else:
        modes = [mode]
    wrt, of = wrt or src.settings.get("wrt"), of or src.settings.get("of")
    check_names(graph, [wrt] if isinstance(wrt, str) else [], [of] if isinstance(of, str) else [])
    if "reverse" in modes:
        note([output_hint(graph, of)])
    direction = None if seed is None else parse_value(seed, f"--direction {seed}", "seed")
    results = [run_pass(graph, inputs, each, wrt, of, direction) for each in modes]
    if format_ == "json" and len(results) > 1:  # one JSON document: a list of both passes
        import json

        click.echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        for r in results:
            warn(r.warnings())
        return
    for k, result in enumerate(results):
        _print_pass(result, format_, first=k == 0)


def _print_pass(result, format_: str, first: bool = True) -> None:
    output = {"table": result.table, "json": result.to_json, "markdown": result.markdown,
              "latex": result.latex}[format_]()
    if not first:
        click.echo()
    click.echo(output)
    warn(result.warnings())


@click.command()
@source_argument
@at_option
@data_option
@click.option("--tolerance", type=float, default=DEFAULT_TOLERANCE, show_default=True,
              help="Largest acceptable error |ad − fd| / max(1, |ad|, |fd|).")
@click.option("--format", "format_", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--no-cse", is_flag=True, help="Keep repeated subexpressions as separate nodes.")
@reports_errors
def check(source, at, data, tolerance, format_, no_cse):
    """Check every derivative of both modes against central finite differences.

    Exit status 0 when the worst error is within --tolerance, 1 when it is not.

    \b
    Examples:
      graphviz-ad check graphs/problem9.toml
      graphviz-ad check "y = log(1 + exp(w*x))" --at x=2 --at w=-0.5
    """
    import json

    _, graph, inputs = load_program(source, at, cse=not no_cse, data=data)
    report = check_derivatives(graph, inputs, tolerance)
    worst = report.worst
    reasons = [] if report.ok else singularities(graph, inputs)
    if format_ == "json":
        click.echo(json.dumps({
            "ok": report.ok, "tolerance": tolerance, "worst_error": worst.error,
            "comparisons": [c.__dict__ for c in report.comparisons],
            "explanations": reasons}, indent=2, ensure_ascii=False))
    else:
        width = max(len(c.derivative) for c in report.comparisons)
        click.echo(f"{'mode':8} {'derivative':{width}}  {'automatic':>14}  "
                   f"{'finite diff.':>14}  error")
        for c in report.comparisons:
            click.echo(f"{c.mode:8} {c.derivative:{width}}  {c.automatic:>14.8g}  "
                       f"{c.finite_difference:>14.8g}  {c.error:.1e}")
        verdict = "OK" if report.ok else f"FAILED (tolerance {tolerance:g})"
        click.echo(f"worst error: {worst.error:.2e} at {worst.derivative} ({worst.mode}) "
                   f"— {verdict}")
        for reason in reasons:
            click.echo(f"  why: {reason}")
    if not report.ok:
        raise SystemExit(1)
