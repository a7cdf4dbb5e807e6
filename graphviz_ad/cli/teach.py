"""``graphviz-ad worksheet`` and ``graphviz-ad grade``: the teaching kit (graphviz_ad.teach)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..core.formats import WORKSHEET_FORMATS
from ..draw.names import safe_stem
from ..teach.build import Options, load_sheets, one_sheet
from ..teach.grade import Tolerance, read_answers
from ..teach.grade import grade as grade_sheet
from ..teach.sheet import parse_blanks
from ..teach.worksheet import write_sheets
from .common import formats_option, out_option, report_written, reports_errors, source_argument


def _variant_options(func):
    """The options that fix the variants' numbers: worksheet and grade must agree."""
    for option in reversed([
        click.option("--vary", multiple=True, metavar="NAME=LOW:HIGH",
                     help="Draw an input from a range per variant (repeatable). Conv "
                          "stacks: unit=0:9, H1.kernel=3:7, 2.stride=1:2. Default: the "
                          "file's [variants] vary."),
        click.option("--seed", type=click.IntRange(0), default=None,
                     help="Seed of the draws (default: [variants] seed, else 0)."),
        click.option("--decimals", type=click.IntRange(0, 6), default=None,
                     help="Decimals of drawn numbers (default: [variants] decimals, else 2; "
                          "conv stacks 0)."),
        click.option("--roster", metavar="CSV", type=click.Path(dir_okay=False),
                     help="Class list: one variant per student (the 'name' column, else "
                          "the first)."),
        click.option("--blank", "blank", metavar="LIST", default=None,
                     help="What is left blank: values, tangents, adjoints, steps (default: "
                          "values and the file's mode); conv stacks: r, j, interval."),
    ]):
        func = option(func)
    return func


def _options(vary, seed, decimals, roster, blank, count=None):
    return Options(tuple(vary), seed, decimals, count, roster,
                   parse_blanks(blank) if blank else ())


@click.command()
@source_argument
@_variant_options
@click.option("--variants", "count", type=click.IntRange(1, 1000), default=None,
              help="How many variants (default: one per roster student, else 1).")
@formats_option(WORKSHEET_FORMATS, "md,html")
@out_option()
@reports_errors
def worksheet(source, vary, seed, decimals, roster, blank, count, format_, out):
    """Worksheets with blanks and answer keys, one per variant (student).

    Each variant's inputs are drawn reproducibly from the ranges (same seed, same
    sheets); variants.csv lists who got which numbers. Grade with the same options.
    Written under --out (default render/<name>-worksheets/); pdf needs pdflatex.

    \b
    Examples:
      graphviz-ad worksheet graphs/problem9.toml --vary x=0.1:1.5 --variants 30 --seed 7
      graphviz-ad worksheet graphs/problem10.toml --blank values,tangents,steps --format pdf
      graphviz-ad worksheet graphs/problem9.toml --vary x=0.1:1.5 --roster students.csv
      graphviz-ad worksheet graphs/problem6.toml --vary unit=0:9 --variants 5
    """
    formats = format_
    sheets = load_sheets(source, _options(vary, seed, decimals, roster, blank, count))
    name = safe_stem(Path(source).stem if Path(source).suffix else "expression")
    out_dir = Path(out) if out else Path("render") / f"{name}-worksheets"
    report_written(write_sheets(sheets, out_dir, formats))


@click.command()
@source_argument
@_variant_options
@click.option("--variant", "number", type=click.IntRange(1), default=1, show_default=True,
              help="Which variant the answers are for.")
@click.option("--answers", required=True, metavar="FILE", type=click.Path(dir_okay=False),
              help="The student's answers: CSV (blank,answer) or JSON {\"blank\": answer}.")
@click.option("--rtol", type=click.FloatRange(0, 1), default=1e-3, show_default=True,
              help="Relative tolerance of a right answer.")
@click.option("--sig-figs", type=click.IntRange(1, 17), default=3, show_default=True,
              help="A correctly rounded answer with at least this many significant figures "
                   "is right whatever --rtol says.")
@formats_option(["report", "gradescope"], "report")
@reports_errors
def grade(source, vary, seed, decimals, roster, blank, number, answers, rtol, sig_figs,
          format_):
    """Grade one student's answers, diagnosing each mistake.

    One point per blank. A number carried from the student's own wrong earlier answer is
    graded as consistent; a wrong one is diagnosed by recomputing the common wrong paths
    (a fan-out term missing, no upstream factor, a sign, a value for a derivative; conv
    stacks: dilation, jump or padding left out, end off by one). --format report is
    readable; gradescope prints Gradescope autograder results JSON.

    \b
    Examples:
      graphviz-ad grade graphs/problem9.toml --vary x=0.1:1.5 --seed 7 --variant 3 \\
          --answers answers.csv
      graphviz-ad grade graphs/problem9.toml --variant 3 --answers a.json --format gradescope
      graphviz-ad grade graphs/problem6.toml --vary unit=0:9 --variant 2 --answers rf.csv
    """
    given = read_answers(answers)
    sheet = one_sheet(source, number, _options(vary, seed, decimals, roster, blank))
    result = grade_sheet(sheet, given, Tolerance(rtol, sig_figs))
    for k, format_name in enumerate(format_):
        if k:
            click.echo()
        if format_name == "gradescope":  # Gradescope's autograder results JSON
            click.echo(json.dumps(result.gradescope(), indent=2, ensure_ascii=False))
        else:
            click.echo(result.report())
