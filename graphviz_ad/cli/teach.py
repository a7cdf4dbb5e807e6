"""``graphviz-ad worksheet`` and ``graphviz-ad grade``: the teaching kit (graphviz_ad.teach)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..core.errors import GraphvizAdError, visible
from ..core.files import read_text
from ..core.formats import WORKSHEET_FORMATS
from ..draw.names import safe_stem
from ..draw.staging import Staging
from ..teach.answers import csv_rows
from ..teach.batch import file_stems, grade_class, gradescope_json, read_class, summary_csv
from ..teach.build import Options, drawn, sheet_maker, varies, worksheet_run
from ..teach.escape import one_line
from ..teach.grade import Tolerance, read_answers
from ..teach.grade import grade as grade_sheet
from ..teach.record import Record, read_record
from ..teach.sheet import parse_blanks
from ..teach.variants import MAX_VARIANTS
from ..teach.worksheet import sheet_stem_of, write_sheets
from .common import (
    formats_option,
    note,
    out_option,
    report_written,
    reports_errors,
    source_argument,
)


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


def _printable_anywhere() -> None:
    """A terminal whose encoding lacks ✓ or — (PYTHONIOENCODING=latin-1) gets escapes,
    not a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


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
    _printable_anywhere()
    formats = format_
    sheets, record = worksheet_run(source, _options(vary, seed, decimals, roster, blank, count))
    name = safe_stem(Path(source).stem if Path(source).suffix else "expression")
    out_dir = Path(out) if out else Path("render") / f"{name}-worksheets"
    written, earlier = write_sheets(sheets, out_dir, formats, record)
    report_written(written)
    if earlier:
        note([f"{len(earlier)} files of an earlier worksheet run remain in {out_dir} "
              f"({', '.join(earlier[:3])}{', …' if len(earlier) > 3 else ''}); "
              "variants.json lists this run's sheets"])


@click.command()
@source_argument
@_variant_options
@click.option("--sheets", metavar="DIR|FILE", type=click.Path(),
              help="The worksheet run's record (variants.json, or the --out folder holding "
                   "it): grade against the inputs each student was given.")
@click.option("--variant", "number", type=click.IntRange(1), default=None,
              help="Which variant the answers are for (by number).")
@click.option("--student", default=None, metavar="NAME",
              help="Which variant the answers are for (by roster name; needs --sheets or "
                   "--roster).")
@click.option("--answers", required=True, metavar="FILE|DIR", type=click.Path(),
              help="The answers: CSV (blank,answer) or JSON {\"blank\": answer}; a whole "
                   "class: a CSV with a student column (student,blank,answer) or a folder "
                   "of files named by student.")
@click.option("--rtol", type=click.FloatRange(0, 1), default=1e-3, show_default=True,
              help="Relative tolerance of a right answer.")
@click.option("--sig-figs", type=click.IntRange(1, 17), default=3, show_default=True,
              help="A correctly rounded answer with at least this many significant figures "
                   "is right whatever --rtol says.")
@formats_option(["report", "gradescope"], "report")
@out_option()
@reports_errors
def grade(source, vary, seed, decimals, roster, blank, sheets, number, student, answers,
          rtol, sig_figs, format_, out):
    """Grade answers against the variant each student was given, diagnosing each mistake.

    One point per blank. A number carried from the student's own wrong earlier answer is
    graded as consistent (within two slips upstream, and not when the answers fit another
    variant); a wrong one is diagnosed by recomputing the common wrong paths (a fan-out
    term missing, no upstream factor, a sign, a value for a derivative; conv stacks:
    dilation, jump or padding left out, end off by one). Every report states the inputs
    it graded against. Rows naming no blank, or unreadable, are noted and scored as
    unanswered. --format report is readable; gradescope prints Gradescope autograder
    results JSON. A class's answers (a student column, or a folder) give one report and
    one Gradescope result per student and summary.csv under --out.

    \b
    Examples:
      graphviz-ad grade graphs/problem9.toml --sheets sheets/ --student "Grace Hopper" \\
          --answers grace.csv
      graphviz-ad grade graphs/problem9.toml --vary x=0.1:1.5 --seed 7 --variant 3 \\
          --answers a.json --format gradescope
      graphviz-ad grade graphs/problem9.toml --sheets sheets/ --answers class.csv --out grades/
    """
    _printable_anywhere()
    tolerance = Tolerance(rtol, sig_figs)
    record = _graded_variants(source, sheets, vary, seed, decimals, roster, blank, number,
                              student)
    if Path(answers).is_dir() or _is_class_csv(answers):
        if sheets is None and not roster and record.variants[0].values:
            raise GraphvizAdError("grading a class needs the roster: give --sheets DIR (or "
                                  "--roster) so each student's variant is known")
        _grade_class(source, record, answers, tolerance, out)
        return
    given = read_answers(answers)
    variant = record.pick(number, student)
    make = sheet_maker(source, record.blanks)[0]
    result = grade_sheet(make(variant), given, tolerance,
                         lambda: (make(v) for v in record.variants))  # made until one fits
    for k, format_name in enumerate(format_):
        if k:
            click.echo()
        if format_name == "gradescope":  # Gradescope's autograder results JSON
            click.echo(json.dumps(result.gradescope(), indent=2, ensure_ascii=True))
        else:
            click.echo(result.report())


def _graded_variants(source, sheets, vary, seed, decimals, roster, blank, number, student
                     ) -> Record:
    """The variants answers are graded against: the worksheet run's record (``--sheets``),
    else drawn again from the options the worksheets were made with; a combination of
    options that says neither (or both) is one error."""
    options = _options(vary, seed, decimals, roster, blank)
    if sheets is not None:
        if vary or seed is not None or decimals is not None or roster or blank:
            raise GraphvizAdError("--sheets gives the variants' inputs; leave out --vary, "
                                  "--seed, --decimals, --roster and --blank")
        return read_record(sheets, source)
    if not (vary or seed is not None or roster) and varies(source):
        raise GraphvizAdError(
            "which inputs? the file's [variants] draws a variant per student: give "
            "--sheets DIR (the worksheets' variants.json) or the --vary/--seed/--roster "
            "the worksheets were made with")
    if student is not None and not roster:
        raise GraphvizAdError("--student needs --sheets or --roster")
    if (number or 1) > MAX_VARIANTS:
        raise GraphvizAdError(f"--variant {number}: worksheets have at most "
                              f"{MAX_VARIANTS} variants")
    return drawn(source, Options(options.vary, options.seed, options.decimals,
                                 None if roster else number or 1, roster, options.blanks))[1]


def _is_class_csv(path: str) -> bool:
    if Path(path).suffix.lower() != ".csv":
        return False
    rows = csv_rows(read_text(path), path)
    return bool(rows) and "student" in [c.strip().lower() for c in rows[0][1]]


def _grade_class(source, record, answers, tolerance, out) -> None:
    """One report and one Gradescope result per student, and summary.csv, under --out."""
    make = sheet_maker(source, record.blanks)[0]
    graded = grade_class(read_class(answers), record.variants, make, tolerance,
                         lambda v: sheet_stem_of(v))
    name = safe_stem(Path(source).stem if Path(source).suffix else "expression")
    out_dir = Path(out) if out else Path("render") / f"{name}-grades"
    stage = Staging(out_dir)
    stage.check()
    written = []
    try:
        for g, base in zip(graded, file_stems(graded, sheet_stem_of)):
            if g.grade is None:
                continue
            written.append(stage.write_text(f"{base}-report.txt", g.grade.report() + "\n"))
            written.append(stage.write_text(f"{base}-results.json", gradescope_json(g.grade)))
        written.append(stage.write_text("summary.csv", summary_csv(graded)))
        stage.commit()
    except BaseException:
        stage.abort()
        raise
    report_written(written)
    done = [g.grade for g in graded if g.grade is not None]
    mean = sum(g.score for g in done) / len(done) if done else 0
    click.echo(f"graded {len(done)} of {len(graded)} answer sets; mean score {mean:.3g}"
               + (f" / {done[0].max_score}" if done else ""))
    for g in graded:
        if g.grade is None:
            click.echo(f"not graded: {visible(one_line(g.student))[:80]}: {g.problem}")
