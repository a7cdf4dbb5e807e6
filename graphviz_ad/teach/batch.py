"""Grading a class at once: answers of many students → one report and one Gradescope
result per student, and a summary CSV.

The answers are one CSV with a ``student`` column (``student,blank,answer``) or a folder of
answer files, one per student, named by the student (``Ada Lovelace.csv``) or by the
sheet (``v03.json``, ``v03-Ada-Lovelace.json``).  Each sheet is built once, however many
students share it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import GraphvizAdError, quoted
from ..core.files import read_text
from ..draw.names import safe_stem
from .answers import csv_rows, read_answers
from .escape import csv_cell, one_line
from .grade import Grade, Tolerance, grade
from .sheet import Sheet
from .variants import Variant

MAX_FILES = 5000


@dataclass
class Graded:
    """One student's outcome: the grade, or why there is none."""

    student: str
    grade: Grade | None = None
    problem: str = ""


def read_class(path: str | Path) -> list[tuple[str, dict[str, str]]]:
    """(student, answers) pairs from a CSV with a ``student`` column or a folder."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".json")
                       and p.is_file())
        if len(files) > MAX_FILES:
            raise GraphvizAdError(f"{path}: {len(files):,} answer files, over {MAX_FILES:,}")
        if not files:
            raise GraphvizAdError(f"{path}: no .csv or .json answer files")
        return [(p.stem, read_answers(p)) for p in files]
    rows = csv_rows(read_text(path), str(path))
    header = [c.strip().lower() for c in rows[0][1]] if rows else []
    if not {"student", "blank", "answer"} <= set(header):
        raise GraphvizAdError(f"{path}: a class's answers have the header student,blank,answer")
    col = {name: header.index(name) for name in ("student", "blank", "answer")}
    out: dict[str, dict[str, str]] = {}
    for number, row in rows[1:]:
        cells = [row[col[n]].strip() if col[n] < len(row) else "" for n in col]
        student, blank, answer = cells
        answers = out.setdefault(student, {})
        if blank in answers:
            raise GraphvizAdError(f"{path}: line {number}: {quoted(student)} answered "
                                  f"{quoted(blank)} twice")
        answers[blank] = answer
    return list(out.items())


def find_variant(student: str, variants: Sequence[Variant],
                 stem_of: Callable[[Variant], str]) -> Variant | None:
    """The variant of a student named in an answer set: by roster name, sheet stem
    (``v03``, ``v03-Ada-Lovelace``) or number."""
    plain = " ".join(student.casefold().split())
    for v in variants:
        if v.student and (v.student == student or " ".join(
                v.student.casefold().split()) == plain):
            return v
    for v in variants:
        if student in (stem_of(v), f"v{v.number:02d}", str(v.number)) or (
                v.student and safe_stem(v.student) == student):
            return v
    return None


def grade_class(answer_sets: Sequence[tuple[str, dict[str, str]]], variants: Sequence[Variant],
                make: Callable[[Variant], Sheet], tolerance: Tolerance,
                stem_of: Callable[[Variant], str]) -> list[Graded]:
    """Every answer set graded against its student's variant (each sheet made once)."""
    sheets: dict[int, Sheet] = {}

    def sheet_of(v: Variant) -> Sheet:
        if v.number not in sheets:
            sheets[v.number] = make(v)
        return sheets[v.number]

    def every_sheet() -> list[Sheet]:  # only for answers that may fit another variant
        return [sheet_of(v) for v in variants]

    shared = len(variants) == 1 and not variants[0].student  # one sheet for the class
    out, seen = [], set()
    for student, answers in answer_sets:
        variant = variants[0] if shared else find_variant(student, variants, stem_of)
        if variant is None:
            out.append(Graded(student, problem="not on the roster of the worksheets"))
            continue
        if variant.number in seen and not shared:
            out.append(Graded(student, problem=f"variant {variant.number} graded already"))
            continue
        seen.add(variant.number)
        out.append(Graded(student, grade(sheet_of(variant), answers, tolerance, every_sheet)))
    return out


def file_stems(graded: Sequence[Graded], stem_of: Callable[[Variant], str]) -> list[str]:
    """A distinct file stem per graded student: the sheet's stem (``v03-Ada-Lovelace``)
    when variants differ, else the student's name made safe; repeats get ``-2``, ``-3``."""
    stems: list[str] = []
    for g in graded:
        if g.grade is None:
            stems.append("")
            continue
        variant = g.grade.sheet.variant
        base = stem_of(variant) if variant.student else safe_stem(g.student)
        stem, k = base, 1
        while stem in stems:
            k += 1
            stem = f"{base}-{k}"
        stems.append(stem)
    return stems


def summary_csv(graded: Sequence[Graded]) -> str:
    """student, variant, score, max_score, right, carried, wrong, unanswered, note."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["student", "variant", "score", "max_score", "right", "carried",
                     "wrong", "unanswered", "note"])
    for g in graded:
        if g.grade is None:
            writer.writerow([csv_cell(one_line(g.student)), "", "", "", "", "", "", "",
                             g.problem])
            continue
        verdicts = [m.verdict for m in g.grade.marks]
        writer.writerow([csv_cell(one_line(g.student)), g.grade.sheet.variant.number,
                         f"{g.grade.score:g}", g.grade.max_score,
                         *(verdicts.count(v) for v in ("right", "carried", "wrong",
                                                       "unanswered")),
                         csv_cell(one_line("; ".join(g.grade.notes))[:300])])
    return text.getvalue()


def gradescope_json(g: Grade) -> str:
    return json.dumps(g.gradescope(), indent=2, ensure_ascii=False) + "\n"
