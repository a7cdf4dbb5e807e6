"""Hostile and ordinary-wrong answers: grading compares shapes first, never crashes, never
evaluates arrays larger than the key's own, and reads numerals with bounded digits."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from graphviz_ad.teach.answers import AnswerError, parse_answer, read_answers
from graphviz_ad.teach.build import Options, load_sheets, one_sheet
from graphviz_ad.teach.grade import MAX_UPSTREAM_SLIPS, grade

ROOT = Path(__file__).resolve().parents[1]
GRAPHS = ROOT / "graphs"
MATRIX_FILES = ["mlp.toml", "linear-layer.toml", "problem7-matrix.toml", "problem8-matrix.toml"]


def key(sheet) -> dict[str, str]:
    return {b.id: json.dumps(np.asarray(b.truth).tolist()) for b in sheet.blanks}


@pytest.mark.parametrize("name", MATRIX_FILES)
def test_a_zero_matrix_answer_is_graded_wrong_not_a_crash(name: str) -> None:
    sheet = one_sheet(str(GRAPHS / name), 1)
    for b in sheet.blanks:
        if np.ndim(b.truth) == 2:
            zeros = json.dumps(np.zeros(np.shape(b.truth)).tolist())
            mark = {m.blank: m for m in grade(sheet, {b.id: zeros}).marks}[b.id]
            assert mark.score == (1 if not np.any(b.truth) else 0), mark.output
            # and a row of it (the wrong shape) is wrong with the shapes named
            row = json.dumps(np.zeros(np.shape(b.truth)[1]).tolist())
            mark = {m.blank: m for m in grade(sheet, {b.id: row}).marks}[b.id]
            rows, cols = np.shape(b.truth)
            assert mark.score == 0 and f"expected {rows}×{cols}, got {cols}" in mark.output


def test_the_issue_answer_for_mlp() -> None:
    sheet = one_sheet(str(GRAPHS / "mlp.toml"), 1)
    result = grade(sheet, {"dL/df4": json.dumps([[0, 0, 0]] * 6)})
    mark = next(m for m in result.marks if m.blank == "dL/df4")
    assert mark.verdict == "wrong" and "−0.166667" in mark.output  # the key at 6 digits


def test_a_full_key_with_one_wrong_shaped_answer_grades_the_rest() -> None:
    sheet = one_sheet(str(GRAPHS / "mlp.toml"), 1)
    answers = key(sheet) | {"f1": "[1, 2]"}
    result = grade(sheet, answers)
    assert result.score == result.max_score - 1


def test_carried_recomputation_never_exceeds_the_keys_arrays() -> None:
    sheet = one_sheet(str(GRAPHS / "problem9.toml"), 1, Options(seed=7))
    hostile = {"f1": json.dumps([[1]] * 20000), "f2": json.dumps([1] * 20000), "f3": "1"}
    tracemalloc.start()
    result = grade(sheet, hostile)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000  # the old code needed 9.4 GB
    marks = {m.blank: m for m in result.marks}
    assert "expected a number, got 20000×1" in marks["f1"].output
    assert "expected a number, got 20000" in marks["f2"].output


@pytest.mark.parametrize("text, value", [("0e400", 0.0), ("1.5e-400", 0.0), ("-0", 0.0),
                                         (".5", 0.5), ("5.", 5.0), ("−2.5E+3", -2500.0)])
def test_numerals_with_large_exponents_are_read(text: str, value: float) -> None:
    assert float(parse_answer(text, "a").value) == value


@pytest.mark.parametrize("text", ["1e" + "9" * 5000, "100e309", "1e400", "nan", "inf",
                                  "1_000", "١٢", "1" * 61, "0x10", "[[1], [1, 2]]",
                                  "[" * 600 + "]" * 600, "[]", "[NaN]", '["1"]', "[true]"])
def test_unreadable_numerals_are_one_error(text: str) -> None:
    with pytest.raises(AnswerError, match="answer for a"):
        parse_answer(text, "a")


def test_zero_with_a_huge_exponent_is_not_right_by_rounding() -> None:
    sheet = one_sheet(str(GRAPHS / "problem9.toml"), 1, Options(seed=7))
    result = grade(sheet, {b.id: "0e400" for b in sheet.blanks})
    assert "right" not in {m.verdict for m in result.marks}


def test_unknown_and_malformed_rows_are_noted_and_the_rest_graded() -> None:
    sheet = one_sheet(str(GRAPHS / "problem9.toml"), 1, Options(seed=7))
    answers = key(sheet) | {"F2": "3", "f1": "e^2"}
    result = grade(sheet, answers)
    assert result.score == result.max_score - 1
    assert any("F2" in n for n in result.notes) and any("'e^2'" in n for n in result.notes)
    assert {m.blank: m.verdict for m in result.marks}["f1"] == "unanswered"
    report = result.report()
    assert "note: no blank named 'F2'" in report and "graded against x = " in report


@pytest.mark.parametrize("depth", [500, 989])
def test_deeply_nested_json_files_are_one_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"f1": ' + "[" * depth + "1" + "]" * depth + "}")
    with pytest.raises(Exception, match="nested deeper"):
        read_answers(path)


def test_a_huge_csv_cell_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("blank,answer\nf1," + "1" * 140_000 + "\n")
    with pytest.raises(Exception, match="field larger than field limit"):
        read_answers(path)


def test_another_variants_answers_do_not_pass() -> None:
    sheets = load_sheets(str(GRAPHS / "problem9.toml"), Options(vary=("x=0.1:1.5",), seed=7,
                                                                 count=6))
    for other in sheets[1:]:
        result = grade(sheets[0], key(other), others=sheets)
        # only dy/df5 = dy/df4 = 1, the same in every variant, are right
        assert result.score == 2, result.report()
        assert f"these answers fit {other.variant.label}" in result.report()


def test_carried_credit_stops_after_two_slips_upstream() -> None:
    sheet = one_sheet(str(GRAPHS / "problem9.toml"), 1, Options(seed=7))
    answers = key(sheet)
    for k, factor in (("f1", 1.5), ("f2", 1.3), ("f3", 1.7)):  # three independent slips
        answers[k] = repr(float(answers[k]) * factor)
    # f4 = exp(f3) computed from the slipped f3: three slips upstream, no credit
    answers["f4"] = repr(float(np.exp(float(answers["f3"]))))
    marks = {m.blank: m for m in grade(sheet, answers).marks}
    assert [marks[k].verdict for k in ("f1", "f2", "f3", "f4")] == ["wrong"] * 4
    assert MAX_UPSTREAM_SLIPS == 2


@pytest.mark.parametrize("answer", ["[1, 2]", "[[1, 2], [3, 4]]", "[[[1]]]"])
def test_arrays_for_a_conv_stack_blank_are_wrong_shaped(answer: str) -> None:
    sheet = one_sheet(str(GRAPHS / "problem6.toml"), 1, Options(vary=("unit=3:3",)))
    result = grade(sheet, {b.id: answer for b in sheet.blanks})
    assert result.score == 0
    assert all("expected a number" in m.output for m in result.marks)


@pytest.mark.parametrize("path", sorted(GRAPHS.glob("*.toml")), ids=lambda p: p.stem)
def test_every_graph_file_grades_any_shape_without_a_crash(path: Path) -> None:
    sheet = one_sheet(str(path), 1, Options(seed=1))
    for fill in ("[[1, 2], [3, 4]]", "[1, 2, 3]", "7", "-0.0"):
        result = grade(sheet, {b.id: fill for b in sheet.blanks})
        report = result.report()
        assert "{a}" not in report and "{b}" not in report
        assert result.max_score == len(sheet.blanks)
    # key-shaped but wrong everywhere (carried errors recomputed from them)
    wrong = {b.id: json.dumps((np.asarray(b.truth, dtype=float) * 3 + 1).tolist())
             for b in sheet.blanks}
    assert grade(sheet, wrong).max_score == len(sheet.blanks)
