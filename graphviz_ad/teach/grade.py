"""Grade a student's answers to one worksheet variant, with a diagnosis of each mistake.

Each blank is worth one point.  An answer is right when it is within ``rtol`` of the true
number, or when it is the true number correctly rounded at its own last digit and written
with at least ``sig_figs`` significant figures (so ``556`` is right for 555.97 at the
default 3, and ``560`` is not).  A wrong answer that equals the blank recomputed from the
student's own earlier numbers is a carried error and keeps its point (while at most
:data:`MAX_UPSTREAM_SLIPS` slips lie upstream, and not when the answers fit another
variant's inputs: a classmate's answer set earns nothing by consistency); otherwise the
wrong paths of :mod:`.sheet` name the mistake.  Shapes are compared before any arithmetic, and the
student's numbers enter a recomputation only where they have the key's own shape, so no
answer file makes grading evaluate an array larger than the key's.

>>> Tolerance().close(parse_answer("556", "a"), 555.97)
True
>>> Tolerance().close(parse_answer("560", "a"), 555.97)
False
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import GraphvizAdError, visible
from .answers import Answer, AnswerError, answer_structure, parse_answer, read_answers
from .sheet import MISTAKES, Blank, Look, Sheet, shown

#: carried-error credit only while at most this many slips (wrong blanks not carried from
#: earlier ones) lie upstream: one slip costs one blank, a sheet of errors gets no credit
MAX_UPSTREAM_SLIPS = 2


@dataclass(frozen=True)
class Tolerance:
    """When an answer counts as the number asked (see the module docstring)."""

    rtol: float = 1e-3
    sig_figs: int = 3
    atol: float = 1e-9

    def close(self, answer: Answer, target: Any) -> bool:
        if answer.value.ndim == 0 and isinstance(target, int | float | np.floating):
            return self._close_scalar(float(answer.value), float(answer.half_unit),
                                      float(answer.figures), float(target))
        try:
            target = np.asarray(target, dtype=float)
        except (TypeError, ValueError):
            return False
        if answer.value.shape != target.shape or not np.all(np.isfinite(target)):
            return False
        with np.errstate(all="ignore"):
            error = np.abs(answer.value - target)
            within = error <= np.maximum(self.rtol * np.abs(target), self.atol)
            rounded = (answer.figures >= self.sig_figs) & np.isfinite(answer.half_unit) & (
                error <= answer.half_unit * (1 + 1e-9) + self.atol)
        return bool(np.all(within | rounded))

    def _close_scalar(self, value: float, half: float, figures: float, target: float) -> bool:
        """:meth:`close` for two numbers (grading's common case) without array overhead."""
        if not math.isfinite(target):
            return False
        error = abs(value - target)
        return error <= max(self.rtol * abs(target), self.atol) or (
            figures >= self.sig_figs and math.isfinite(half)
            and error <= half * (1 + 1e-9) + self.atol)


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
    """The marks of one answer set, the notes about rows that were not graded, and the
    inputs graded against (stated in every report)."""

    sheet: Sheet
    marks: list[Mark] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(m.score for m in self.marks)

    @property
    def max_score(self) -> int:
        return len(self.marks)

    @property
    def heading(self) -> str:
        """``title — variant 3 (Grace)``, terminal-safe."""
        return visible(f"{self.sheet.title} — {self.sheet.variant.label}")

    @property
    def inputs(self) -> str:
        """``graded against x = 1.19`` (or the graph file's own inputs)."""
        values = self.sheet.variant.values
        if not values:
            return "graded against the inputs given in the file (nothing varied)"
        return "graded against " + ", ".join(f"{visible(k)} = {v:g}" for k, v in values.items())

    def report(self) -> str:
        """What a student reads: the inputs, notes, one line per blank, then the total."""
        width = max((len(m.blank) for m in self.marks), default=5)
        lines = [self.heading, self.inputs]
        lines += [f"note: {visible(n)}" for n in self.notes]
        lines.append("")
        for m in self.marks:
            sign = {"right": "✓", "carried": "✓", "unanswered": "·"}.get(m.verdict, "✗")
            lines.append(visible(f"{sign} {m.blank:<{width}}  {m.output}"))
        lines += ["", f"score: {self.score:g} / {self.max_score}"]
        return "\n".join(lines)

    def gradescope(self) -> dict[str, Any]:
        """The Gradescope autograder ``results.json``: ``score`` and ``tests[]`` with
        ``name``, ``score``, ``max_score`` and ``output``."""
        output = "\n".join([self.heading, self.inputs, *(f"note: {visible(n)}"
                                                         for n in self.notes)])
        return {"score": self.score, "max_score": self.max_score, "output": output,
                "tests": [{"name": m.blank, "score": m.score, "max_score": 1,
                           "output": m.output} for m in self.marks]}


def grade(sheet: Sheet, answers: Mapping[str, str], tolerance: Tolerance = Tolerance(),
          others: Sequence[Sheet] | Callable[[], Iterable[Sheet]] = ()) -> Grade:
    """Grade ``answers`` (blank id → text) against ``sheet``.  A row naming no blank, or
    an answer that cannot be read, is noted in the report and scored as unanswered; an
    answer giving one of the sheet's inputs is checked against the variant's.  ``others``
    (the other variants' sheets, or a function making them, called only when a wrong answer
    computed from the inputs alone needs them) let grading say when the answers fit
    another variant."""
    result = Grade(sheet)
    blanks = {b.id: b for b in sheet.blanks}
    parsed: dict[str, Answer | WrongShape] = {}
    unreadable: dict[str, str] = {}
    for name, text in answers.items():
        if name not in blanks:
            result.notes.append(_not_a_blank(sheet, name, text, tolerance))
        elif str(text).strip():
            try:
                parsed[name] = _parse_shaped(text, blanks[name])
            except AnswerError as err:
                unreadable[name] = str(err)
                result.notes.append(f"{err} (scored as unanswered)")
    truths = {b.id: b.truth for b in sheet.blanks}
    # a student's number enters a recomputation only with the key's own shape
    student = {k: a.value if a.value.ndim else float(a.value)
               for k, a in parsed.items() if isinstance(a, Answer)}

    def look(blank_id: str) -> Any:
        return student.get(blank_id, truths.get(blank_id, _fallback(sheet, blank_id)))

    def truth(blank_id: str) -> Any:
        return truths.get(blank_id, _fallback(sheet, blank_id))

    wrong = {k for k, a in parsed.items()
             if isinstance(a, WrongShape) or not tolerance.close(a, truths[k])}
    fitted = _fitted_variant(sheet, parsed, wrong, others, tolerance)
    if fitted is not None:
        result.notes.append(f"these answers fit {fitted.variant.label} "
                            f"({_values(fitted)}), not {sheet.variant.label} "
                            f"({_values(sheet)}): no credit for consistency")
    upstream = _upstream(sheet)
    slips: set[str] = set()
    for b in sheet.blanks:
        if b.id in unreadable:
            result.marks.append(Mark(b.id, 0, "unanswered", f"could not read the answer "
                                     f"(expected {shown(b.truth)})"))
            continue
        carry_ok = fitted is None and len(upstream[b.id] & slips) <= MAX_UPSTREAM_SLIPS
        mark = _mark(b, parsed.get(b.id), look, truth, tolerance, wrong, carry_ok)
        if mark.verdict == "wrong":
            slips.add(b.id)
        result.marks.append(mark)
    return result


def _values(sheet: Sheet) -> str:
    return ", ".join(f"{k} = {v:g}" for k, v in sheet.variant.values.items()) or "no inputs"


def _fitted_variant(sheet: Sheet, parsed: Mapping[str, Any], wrong: set[str],
                    others: Sequence[Sheet] | Callable[[], Iterable[Sheet]], tol: Tolerance
                    ) -> Sheet | None:
    """Another variant whose key every wrong answer computed from the inputs alone (a
    blank computed from given numbers only, no blank upstream) matches, when there is
    such a wrong answer."""
    ids = {b.id for b in sheet.blanks}
    first = [b.id for b in sheet.blanks if b.id in wrong and isinstance(parsed[b.id], Answer)
             and b.depends and not any(d in ids for d in b.depends)]
    if not first:
        return None
    for other in (others() if callable(others) else others):
        if other.variant.values == sheet.variant.values:
            continue
        truths = {b.id: b.truth for b in other.blanks}
        if all(k in truths and tol.close(parsed[k], truths[k]) for k in first):
            return other
    return None


def _parse_shaped(text: str, blank: Blank) -> Answer | WrongShape:
    """The answer; its numerals are read only when its shape is the key's (a wrong shape
    is wrong whatever its numbers)."""
    text = str(text).strip()
    shape, _ = answer_structure(text, blank.id)
    if shape != np.shape(blank.truth):
        return WrongShape(text, shape)
    return parse_answer(text, blank.id)


@dataclass(frozen=True)
class WrongShape:
    """An answer of another shape than the key's: only its shape is kept."""

    text: str
    shape: tuple[int, ...]


def _not_a_blank(sheet: Sheet, name: str, text: str, tol: Tolerance) -> str:
    """The note for a row naming no blank: a given input checked against the variant."""
    if name in sheet.truth and np.ndim(sheet.truth[name]) == 0:
        try:
            given = parse_answer(text, name)
        except AnswerError:
            given = None
        if given is not None and not tol.close(given, sheet.truth[name]):
            return (f"your sheet has {name} = {given.text}, but {sheet.variant.label} has "
                    f"{name} = {shown(sheet.truth[name])}: these answers may be for another "
                    "variant")
        return f"{name} = {str(text)[:40]} is given on the sheet, not asked (ignored)"
    names = ", ".join(b.id for b in sheet.blanks)
    return (f"no blank named {name[:40]!r} on this sheet (blanks: {names[:200]}); "
            "the row was not graded")


def _upstream(sheet: Sheet) -> dict[str, set[str]]:
    """Every blank's blanks upstream (what it is computed from, transitively)."""
    ids = {b.id for b in sheet.blanks}
    direct = {b.id: [d for d in b.depends if d in ids and d != b.id] for b in sheet.blanks}
    out: dict[str, set[str]] = {}
    for b in sheet.blanks:
        seen: set[str] = set()
        todo = list(direct[b.id])
        while todo:
            d = todo.pop()
            if d not in seen:
                seen.add(d)
                todo.extend(out[d] if d in out else direct[d])
        out[b.id] = seen
    return out


def _fallback(sheet: Sheet, blank_id: str) -> Any:
    """A number the sheet gives (not a blank): the sheet's lookup of true numbers."""
    return sheet.truth[blank_id]


def _shape_text(shape: tuple[int, ...]) -> str:
    return "a number" if not shape else "×".join(map(str, shape))


def _mark(b: Blank, answer: Answer | WrongShape | None, look: Look, truth: Look,
          tol: Tolerance, wrong: set[str], carry_ok: bool) -> Mark:
    if answer is None:
        return Mark(b.id, 0, "unanswered", f"no answer (expected {shown(b.truth)})")
    if isinstance(answer, WrongShape):
        return Mark(b.id, 0, "wrong", f"{_said(answer.text)} is wrong: expected "
                    f"{_shape_text(np.shape(b.truth))}, got {_shape_text(answer.shape)}; "
                    f"expected {shown(b.truth)}: {b.step.text}", "shape")
    if tol.close(answer, b.truth):
        return Mark(b.id, 1, "right", f"{_said(answer.text)} is right")
    own = _safely(b.consistent, look)
    slipped = [d for d in b.depends if d in wrong]
    if (carry_ok and slipped and own is not None and not tol.close(_as_answer(own), b.truth)
            and tol.close(answer, own)):
        return Mark(b.id, 1, "carried", f"{_said(answer.text)}: consistent with your "
                    f"{', '.join(slipped)} (the true value is {shown(b.truth)}); "
                    f"{MISTAKES['carried']}", "carried")
    for lookup in (look, truth):
        for mistake, number, detail in _safely(b.wrong_paths, lookup) or []:
            if tol.close(answer, number) and not tol.close(_as_answer(number), b.truth):
                return Mark(b.id, 0, "wrong", f"{_said(answer.text)} is wrong: {MISTAKES[mistake]} "
                            f"({detail}); expected {shown(b.truth)}: {b.step.text}", mistake)
    return Mark(b.id, 0, "wrong", f"{_said(answer.text)} is wrong; expected {shown(b.truth)}: "
                f"{b.step.text}")


def _said(text: str, limit: int = 60) -> str:
    """An answer as a report quotes it: cut to ``limit`` characters."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _safely(compute: Any, lookup: Look) -> Any:
    """A recomputation from the student's numbers, or None when their numbers make it
    meaningless (overflow, a domain error)."""
    try:
        with np.errstate(all="ignore"):
            return compute(lookup)
    except (ArithmeticError, ValueError, TypeError, GraphvizAdError):
        return None  # e.g. a ShapeError, whose message would name {a} and {b} unfilled


def _as_answer(value: Any) -> Answer:
    """A computed number as an exact answer (for comparing two computed numbers)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = np.asarray(np.nan)
    return Answer("", arr, np.zeros_like(arr), np.zeros_like(arr))


__all__ = ["Answer", "Grade", "Mark", "Tolerance", "grade", "parse_answer", "read_answers"]
