"""Grade a student's answers to one worksheet variant, with a diagnosis of each mistake.

Each blank is worth one point.  An answer is right when it is within ``rtol`` of the true
number, or when it is the true number correctly rounded at its own last digit and written
with at least ``sig_figs`` significant figures (so ``556`` is right for 555.97 at the
default 3, and ``560`` is not).  A wrong answer that equals the blank recomputed from the
student's own earlier numbers is a carried error and keeps its point; otherwise the wrong
paths of :mod:`.sheet` name the mistake.

>>> Tolerance().close(parse_answer("556", "a"), 555.97)
True
>>> Tolerance().close(parse_answer("560", "a"), 555.97)
False
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import GraphvizAdError
from ..core.files import read_text
from .sheet import MISTAKES, Blank, Look, Sheet, shown


@dataclass(frozen=True)
class Answer:
    """A student's number (or array), with half a unit of its last written digit."""

    text: str
    value: np.ndarray
    half_unit: np.ndarray
    figures: np.ndarray  # significant figures written, per element


@dataclass(frozen=True)
class Tolerance:
    """When an answer counts as the number asked (see the module docstring)."""

    rtol: float = 1e-3
    sig_figs: int = 3
    atol: float = 1e-9

    def close(self, answer: Answer, target: Any) -> bool:
        target = np.asarray(target, dtype=float)
        if answer.value.shape != target.shape or not np.all(np.isfinite(target)):
            return False
        error = np.abs(answer.value - target)
        within = error <= np.maximum(self.rtol * np.abs(target), self.atol)
        rounded = (answer.figures >= self.sig_figs) & (
            error <= answer.half_unit * (1 + 1e-9) + self.atol)
        return bool(np.all(within | rounded))


def parse_answer(text: str, blank_id: str) -> Answer:
    """``"1.65"``, ``"-3e2"`` or a list ``"[1.5, 2]"``; never eval'd."""
    text = str(text).strip().replace("−", "-")
    try:
        items = json.loads(text, parse_float=str, parse_int=str) if text.startswith("[") \
            else text
    except (ValueError, RecursionError):
        items = None
    numbers = np.asarray(items, dtype=object) if items is not None else None
    if numbers is None or numbers.dtype != object or not all(
            isinstance(x, str) for x in numbers.ravel()):
        raise GraphvizAdError(f"answer for {blank_id}: {text[:40]!r} is not a number or a "
                              "list of numbers")
    parts = [_digits(x, blank_id) for x in numbers.ravel()]
    shape = numbers.shape
    value, half, figures = (np.array([p[k] for p in parts], dtype=float).reshape(shape)
                            for k in range(3))
    return Answer(text, value, half, figures)


def _digits(text: str, blank_id: str) -> tuple[float, float, int]:
    """(value, half a unit in the last digit, significant figures) of a decimal numeral."""
    try:
        value = float(text)
    except ValueError:
        raise GraphvizAdError(f"answer for {blank_id}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise GraphvizAdError(f"answer for {blank_id}: {text!r} is not a finite number")
    mantissa, _, exponent = text.lower().lstrip("+-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    exp = int(exponent or 0) - len(fraction)
    return value, 0.5 * 10.0 ** exp, max(len(digits), 1)


def read_answers(path: str | Path) -> dict[str, str]:
    """Answers from ``.csv`` (columns ``blank,answer``) or ``.json`` (``{"blank": answer}``);
    a bad file is one clear error."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=str, parse_int=str)
        except (ValueError, RecursionError) as err:
            raise GraphvizAdError(f"{path}: not valid JSON ({err})") from None
        if not isinstance(data, dict):
            raise GraphvizAdError(f'{path}: expected an object {{"blank": answer, …}}')
        return {str(k): _json_text(v) for k, v in data.items()}
    if path.suffix.lower() != ".csv":
        raise GraphvizAdError(f"{path}: answers must be a .csv or .json file")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["blank", "answer"]:
        raise GraphvizAdError(f"{path}: a CSV answer file starts with the header blank,answer")
    answers: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if len(row) < 2:
            raise GraphvizAdError(f"{path}: row {number}: expected blank,answer")
        name = row[0].strip()
        if name in answers:
            raise GraphvizAdError(f"{path}: row {number}: {name} answered twice")
        answers[name] = row[1].strip()
    return answers


def _json_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    if value is None or isinstance(value, bool | dict):
        return json.dumps(value)
    return str(value)


@dataclass(frozen=True)
class Mark:
    """One blank's grade: ``score`` of 1, ``verdict`` (right, carried, wrong, unanswered),
    ``mistake`` (a key of :data:`~.sheet.MISTAKES`) and a readable ``output``."""

    blank: str
    score: float
    verdict: str
    output: str
    mistake: str | None = None


@dataclass
class Grade:
    sheet: Sheet
    marks: list[Mark] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(m.score for m in self.marks)

    @property
    def max_score(self) -> int:
        return len(self.marks)

    def report(self) -> str:
        """What a student reads: one line per blank, then the total."""
        width = max((len(m.blank) for m in self.marks), default=5)
        lines = [f"{self.sheet.title} — {self.sheet.variant.label}", ""]
        for m in self.marks:
            sign = {"right": "✓", "carried": "✓", "unanswered": "·"}.get(m.verdict, "✗")
            lines.append(f"{sign} {m.blank:<{width}}  {m.output}")
        lines += ["", f"score: {self.score:g} / {self.max_score}"]
        return "\n".join(lines)

    def gradescope(self) -> dict[str, Any]:
        """The Gradescope autograder ``results.json``: ``score`` and ``tests[]`` with
        ``name``, ``score``, ``max_score`` and ``output``."""
        return {"score": self.score, "max_score": self.max_score,
                "output": f"{self.sheet.title} — {self.sheet.variant.label}",
                "tests": [{"name": m.blank, "score": m.score, "max_score": 1,
                           "output": m.output} for m in self.marks]}


def grade(sheet: Sheet, answers: Mapping[str, str], tolerance: Tolerance = Tolerance()
          ) -> Grade:
    """Grade ``answers`` (blank id → text) against ``sheet``; an unknown blank is an error."""
    known = {b.id for b in sheet.blanks}
    for name in answers:
        if name not in known:
            raise GraphvizAdError(f"answers: no blank named {name!r} on this sheet "
                                  f"(blanks: {', '.join(b.id for b in sheet.blanks)})")
    parsed = {k: parse_answer(v, k) for k, v in answers.items() if str(v).strip()}
    student = {k: a.value if a.value.ndim else float(a.value) for k, a in parsed.items()}
    truths = {b.id: b.truth for b in sheet.blanks}

    def look(blank_id: str) -> Any:
        return student.get(blank_id, truths.get(blank_id, _fallback(sheet, blank_id)))

    def truth(blank_id: str) -> Any:
        return truths.get(blank_id, _fallback(sheet, blank_id))

    result = Grade(sheet)
    for b in sheet.blanks:
        result.marks.append(_mark(b, parsed.get(b.id), look, truth, tolerance, parsed))
    return result


def _fallback(sheet: Sheet, blank_id: str) -> Any:
    """A number the sheet gives (not a blank): the sheet's lookup of true numbers."""
    return sheet.truth[blank_id]


def _mark(b: Blank, answer: Answer | None, look: Look, truth: Look, tol: Tolerance,
          parsed: Mapping[str, Answer]) -> Mark:
    if answer is None:
        return Mark(b.id, 0, "unanswered", f"no answer (expected {shown(b.truth)})")
    if tol.close(answer, b.truth):
        return Mark(b.id, 1, "right", f"{answer.text} is right")
    own = b.consistent(look)
    slipped = [d for d in b.depends if d in parsed and not tol.close(parsed[d], truth(d))]
    if slipped and not tol.close(_as_answer(own), b.truth) and tol.close(answer, own):
        return Mark(b.id, 1, "carried", f"{answer.text}: consistent with your "
                    f"{', '.join(slipped)} (the true value is {shown(b.truth)}); "
                    f"{MISTAKES['carried']}", "carried")
    for lookup in (look, truth):
        for mistake, number, detail in b.wrong_paths(lookup):
            if tol.close(answer, number) and not tol.close(_as_answer(number), b.truth):
                return Mark(b.id, 0, "wrong", f"{answer.text} is wrong: {MISTAKES[mistake]} "
                            f"({detail}); expected {shown(b.truth)}: {b.step.text}", mistake)
    return Mark(b.id, 0, "wrong", f"{answer.text} is wrong; expected {shown(b.truth)}: "
                f"{b.step.text}")


def _as_answer(value: Any) -> Answer:
    """A computed number as an exact answer (for comparing two computed numbers)."""
    arr = np.asarray(value, dtype=float)
    return Answer("", arr, np.zeros_like(arr), np.zeros_like(arr))
