"""Students' answers: numerals and arrays read with bounded digits, exponents and depth.

An answer is a decimal numeral (``1.65``, ``-3e2``, ``−0.5``) or a JSON-style list of them
(``[[1, 2], [3, 4]]``).  Only ASCII digits are numerals (the quiz page reads the same
grammar), the exponent has at most :data:`MAX_EXPONENT_DIGITS` digits, a numeral at most
:data:`MAX_NUMERAL` characters, a list at most :data:`MAX_DEPTH` levels; anything else is
an :class:`AnswerError` naming the blank, which grading reports and scores as unanswered.

>>> parse_answer("[1.5, 2]", "a").value.tolist()
[1.5, 2.0]
>>> parse_answer("0e400", "a").value.tolist()
0.0
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import GraphvizAdError, quoted
from ..core.files import read_text

MAX_NUMERAL = 60  # characters of one number (17 significant digits need far fewer)
MAX_EXPONENT_DIGITS = 4
MAX_DEPTH = 8  # levels of nesting of one answer (sheets ask at most matrices)
MAX_ANSWER_CHARS = 2_000_000
_NUMERAL = re.compile(r"[+-]?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?", re.ASCII)


class AnswerError(GraphvizAdError):
    """One answer that cannot be read (the rest of the file is still graded)."""


@dataclass(frozen=True)
class Answer:
    """A student's number (or array), with half a unit of its last written digit."""

    text: str
    value: np.ndarray
    half_unit: np.ndarray
    figures: np.ndarray  # significant figures written, per element


def parse_answer(text: str, blank_id: str) -> Answer:
    """``"1.65"``, ``"-3e2"`` or a list ``"[1.5, 2]"``; never eval'd."""
    text = str(text).strip().replace("−", "-")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerError(f"answer for {blank_id}: {len(text):,} characters, over the limit "
                          f"of {MAX_ANSWER_CHARS:,}")
    shape, flat = answer_structure(text, blank_id)
    parts = [_digits(x, blank_id) for x in flat]
    value, half, figures = (np.array([p[k] for p in parts], dtype=float).reshape(shape)
                            for k in range(3))
    return Answer(text, value, half, figures)


def answer_structure(text: str, blank_id: str) -> tuple[tuple[int, ...], list[str]]:
    """The shape of an answer and its numerals (unchecked), without converting a digit."""
    if not text.startswith("["):
        return (), [text]
    depth = max_depth(text)
    if depth > MAX_DEPTH:
        raise AnswerError(f"answer for {blank_id}: a list nested {depth} deep (at most "
                          f"{MAX_DEPTH})")
    try:
        items = json.loads(text, parse_float=Numeral, parse_int=Numeral,
                           parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise AnswerError(f"answer for {blank_id}: {quoted(text)} is not a number or a "
                          "list of numbers") from None
    flat: list[str] = []
    shape = _shape(items, flat, blank_id)
    return shape, flat


class Numeral(str):
    """A number's text as JSON wrote it (a JSON string is not a number)."""


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not numbers an answer can be


def max_depth(text: str) -> int:
    """The deepest ``[`` nesting of ``text`` (iterative: any depth is safe to measure)."""
    depth = deepest = 0
    for ch in re.findall(r"[\[\]]", text):
        depth += 1 if ch == "[" else -1
        deepest = max(deepest, depth)
    return deepest


def _shape(items: Any, flat: list[str], blank_id: str) -> tuple[int, ...]:
    """The shape of a rectangular nested list of numerals (appended to ``flat``)."""
    if isinstance(items, Numeral):
        flat.append(items)
        return ()
    if not isinstance(items, list) or not items:
        raise AnswerError(f"answer for {blank_id}: {quoted(json.dumps(items))} is not a "
                          "number or a non-empty list of numbers")
    shapes = {_shape(x, flat, blank_id) for x in items}
    if len(shapes) != 1:
        raise AnswerError(f"answer for {blank_id}: rows of different lengths")
    return (len(items), *shapes.pop())


def _digits(text: str, blank_id: str) -> tuple[float, float, int]:
    """(value, half a unit in the last digit, significant figures) of a decimal numeral;
    a half unit too large for a float is infinite (it then never widens the tolerance)."""
    match = _NUMERAL.fullmatch(text) if len(text) <= MAX_NUMERAL else None
    if match is None:
        raise AnswerError(f"answer for {blank_id}: {quoted(text)} is not a number "
                          f"(decimal digits 0-9, at most {MAX_NUMERAL} characters)")
    whole, fraction, bare, exponent = match.groups()
    whole, fraction = (whole or ""), (fraction if bare is None else bare) or ""
    if exponent and len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
        raise AnswerError(f"answer for {blank_id}: {quoted(text)} has an exponent of over "
                          f"{MAX_EXPONENT_DIGITS} digits")
    value = float(text)
    if not math.isfinite(value):
        raise AnswerError(f"answer for {blank_id}: {quoted(text)} is too large for a number")
    digits = (whole + fraction).lstrip("0")
    exp = int(exponent or 0) - len(fraction)
    half = 0.5 * 10.0 ** exp if exp < 308 else math.inf
    return value, half, max(len(digits), 1)


def read_answers(path: str | Path) -> dict[str, str]:
    """Answers from ``.csv`` (columns ``blank,answer``) or ``.json`` (``{"blank": answer}``),
    as text per blank; a file that cannot be read as answers at all is one clear error
    (one bad answer is not: :func:`parse_answer` reports it when grading)."""
    path = Path(path)
    text = read_text(path)
    if path.suffix.lower() == ".json":
        return answers_from_json(text, str(path))
    if path.suffix.lower() != ".csv":
        raise GraphvizAdError(f"{path}: answers must be a .csv or .json file")
    rows = csv_rows(text, str(path))
    if not rows or [c.strip().lower() for c in rows[0][1][:2]] != ["blank", "answer"]:
        raise GraphvizAdError(f"{path}: a CSV answer file starts with the header blank,answer")
    answers: dict[str, str] = {}
    for number, row in rows[1:]:
        name = row[0].strip()
        if name in answers:
            raise GraphvizAdError(f"{path}: row {number}: {quoted(name)} answered twice")
        answers[name] = row[1].strip() if len(row) > 1 else ""
    return answers


def answers_from_json(text: str, where: str) -> dict[str, str]:
    """``{"blank": answer}``; duplicate names are refused (as in CSV)."""
    if max_depth(text.replace("{", "[").replace("}", "]")) > MAX_DEPTH + 1:
        raise GraphvizAdError(f"{where}: nested deeper than {MAX_DEPTH + 1} levels")
    try:
        data = json.loads(text, parse_float=Numeral, parse_int=Numeral,
                          object_pairs_hook=_unique)
    except _DuplicateError as dup:
        raise GraphvizAdError(f"{where}: {quoted(dup.args[0])} answered twice") from None
    except (ValueError, RecursionError) as err:
        raise GraphvizAdError(f"{where}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise GraphvizAdError(f'{where}: expected an object {{"blank": answer, …}}')
    return {str(k): v if isinstance(v, str) else _json_text(v) for k, v in data.items()}


class _DuplicateError(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateError(key)
        out[key] = value
    return out


def _json_text(value: Any) -> str:
    """A JSON answer back as the text it was (digits kept); depth is bounded by the caller."""
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    if isinstance(value, Numeral):
        return str(value)
    return json.dumps(value)  # a string, null, true or an object inside a list: not a number


def csv_rows(text: str, where: str) -> list[tuple[int, list[str]]]:
    """The non-blank rows of a CSV text with their line numbers; a malformed file (an
    unclosed quote, a cell over the csv module's limit) is one clear error."""
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for row in reader:
            if any(c.strip() for c in row):
                rows.append((reader.line_num, row))
    except csv.Error as err:
        raise GraphvizAdError(f"{where}: line {reader.line_num + 1}: {err}") from None
    return rows
