"""The teaching kit: worksheets, variants, answer keys, grading with diagnosis.

Problem 9/10's numbers are checked against the chain rule written out by hand here
(f1 = eˣ, f2 = f1², f3 = f1 + f2, f4 = e^f3, f5 = sin f3, y = f4 + f5), not against the
library's own Steps."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.explain import steps as step_text
from graphviz_ad.teach.build import Options, load_sheets, one_sheet
from graphviz_ad.teach.grade import Tolerance, grade, parse_answer, read_answers
from graphviz_ad.teach.sheet import shown
from graphviz_ad.teach.variants import draw_variants, parse_input_range
from graphviz_ad.teach.worksheet import BLANK, html_page, latex, markdown, pdf, tex

ROOT = Path(__file__).resolve().parents[1]
GRAPHS = sorted((ROOT / "graphs").glob("*.toml"))
P9, P10, P6 = (str(ROOT / "graphs" / f"problem{n}.toml") for n in (9, 10, 6))


def key_answers(sheet) -> dict[str, str]:
    """Every blank answered with its true number at full precision."""
    return {b.id: json.dumps(b.truth.tolist()) if hasattr(b.truth, "ndim") and b.truth.ndim
            else repr(float(b.truth)) for b in sheet.blanks}


@pytest.mark.parametrize("path", GRAPHS, ids=lambda p: p.stem)
def test_blanks_are_blank_and_keys_complete(path: Path) -> None:
    (sheet,) = load_sheets(str(path))
    assert sheet.blanks
    page, key = markdown(sheet, False), markdown(sheet, True)
    for b in sheet.blanks:
        assert f"{BLANK} [{b.id}]" in page
        assert shown(b.truth) in key
    assert BLANK not in key
    assert BLANK in html_page(sheet, False, "<svg/>") and BLANK not in html_page(sheet, True,
                                                                                    "<svg/>")
    assert "?" not in latex(sheet, True, "graph.pdf")  # every character has a LaTeX form


@pytest.mark.parametrize("path", GRAPHS, ids=lambda p: p.stem)
def test_a_key_grades_full_marks(path: Path) -> None:
    (sheet,) = load_sheets(str(path))
    result = grade(sheet, key_answers(sheet))
    assert result.score == result.max_score == len(sheet.blanks)


def test_variants_are_reproducible_and_distinct() -> None:
    ranges = [parse_input_range("x=0.1:1.5")]
    first, again = draw_variants(ranges, 30, seed=7), draw_variants(ranges, 30, seed=7)
    assert [v.values for v in first] == [v.values for v in again]
    assert len({v.values["x"] for v in first}) == 30
    assert all(0.1 <= v.values["x"] <= 1.5 and round(v.values["x"], 2) == v.values["x"]
               for v in first)
    assert [v.values for v in draw_variants(ranges, 10, seed=7)] == [v.values for v in first[:10]]
    assert [v.values for v in draw_variants(ranges, 30, seed=8)] != [v.values for v in first]
    ints = draw_variants([parse_input_range("unit=0:9")], 10, seed=1, decimals=0)
    assert sorted(v.values["unit"] for v in ints) == list(range(10))
    with pytest.raises(GraphvizAdError, match="only 10 distinct"):
        draw_variants([parse_input_range("unit=0:9")], 11, seed=1, decimals=0)


def test_sheets_of_a_variant_use_its_numbers() -> None:
    sheets = load_sheets(P9, Options(count=5))  # the file's [variants]: x=0.1:0.9, seed 7
    assert len({s.variant.values["x"] for s in sheets}) == 5
    for s in sheets:
        x = s.variant.values["x"]
        assert s.blank("f1").truth == pytest.approx(math.exp(x))
    assert one_sheet(P9, 4).variant.values == sheets[3].variant.values


def adjoints(x: float) -> dict[str, float]:
    """Problem 9 by hand: values and adjoints ∂y/∂·."""
    f1 = math.exp(x)
    f2, f3 = f1 ** 2, f1 + f1 ** 2
    a3 = math.exp(f3) + math.cos(f3)
    a1 = a3 * 2 * f1 + a3
    return {"x": x, "f1": f1, "f2": f2, "f3": f3, "f4": math.exp(f3), "f5": math.sin(f3),
            "y": math.exp(f3) + math.sin(f3), "dy/df5": 1.0, "dy/df4": 1.0, "dy/df3": a3,
            "dy/df2": a3, "dy/df1": a1, "dy/dx": a1 * f1}


def tangents(x: float) -> dict[str, float]:
    """Problem 10 by hand: values and tangents ∂·/∂x."""
    v = adjoints(x)
    t1 = v["f1"]
    t2 = 2 * v["f1"] * t1
    t3 = t1 + t2
    return {**{k: v[k] for k in ("x", "f1", "f2", "f3", "f4", "f5", "y")}, "df1/dx": t1,
            "df2/dx": t2, "df3/dx": t3, "df4/dx": v["f4"] * t3,
            "df5/dx": math.cos(v["f3"]) * t3, "dy/dx": (v["f4"] + math.cos(v["f3"])) * t3}


# (blank, mistake, the wrong number from the true ones), by hand
REVERSE_MISTAKES = [
    ("dy/df3", "missing-term", lambda v: math.exp(v["f3"])),
    ("dy/df3", "missing-term", lambda v: math.cos(v["f3"])),
    ("dy/df1", "missing-term", lambda v: v["dy/df3"] * 2 * v["f1"]),
    ("dy/df1", "missing-term", lambda v: v["dy/df3"]),
    ("dy/df1", "no-upstream", lambda v: 2 * v["f1"] + 1),
    ("dy/dx", "no-upstream", lambda v: v["f1"]),
    ("dy/df2", "no-upstream", lambda v: 1.0),
    ("dy/df3", "value-for-derivative", lambda v: v["f3"]),
    ("dy/df1", "value-for-derivative", lambda v: v["f1"]),
    ("dy/dx", "sign", lambda v: -v["dy/dx"]),
    ("f5", "sign", lambda v: -v["f5"]),
]
FORWARD_MISTAKES = [
    ("df3/dx", "missing-term", lambda v: v["df1/dx"]),
    ("df3/dx", "missing-term", lambda v: v["df2/dx"]),
    ("dy/dx", "missing-term", lambda v: v["df4/dx"]),
    ("df2/dx", "no-upstream", lambda v: 2 * v["f1"]),
    ("df4/dx", "no-upstream", lambda v: v["f4"]),
    ("df4/dx", "value-for-derivative", lambda v: v["f4"]),
    ("df5/dx", "sign", lambda v: -v["df5/dx"]),
]


@settings(max_examples=60, deadline=None)
@given(x=st.floats(0.1, 0.9), which=st.integers(0, len(REVERSE_MISTAKES) - 1),
       forward=st.booleans())
def test_each_injected_mistake_is_diagnosed(x: float, which: int, forward: bool) -> None:
    mistakes, truth = (FORWARD_MISTAKES, tangents) if forward else (REVERSE_MISTAKES, adjoints)
    blank, mistake, wrong = mistakes[which % len(mistakes)]
    v = truth(x)
    number = wrong(v)
    assume(abs(number - v[blank]) > 0.01 * abs(v[blank]))
    # no other hand-computed number of this blank collides with the injected one
    others = [w(v) for b, m, w in mistakes if b == blank and m != mistake]
    assume(all(abs(number - o) > 0.01 * abs(o) for o in others))
    sheet = one_sheet(P10 if forward else P9, 1, Options(vary=(f"x={x!r}:{x!r}",),
                                                         decimals=6))
    x = sheet.variant.values["x"]
    v = truth(x)
    for b in sheet.blanks:
        assert b.truth == pytest.approx(v[b.id], rel=1e-9)
    answers = {k: repr(v[k]) for k in key_answers(sheet)}
    answers[blank] = repr(wrong(v))
    marks = {m.blank: m for m in grade(sheet, answers).marks}
    assert marks[blank].score == 0 and marks[blank].mistake == mistake, marks[blank].output
    assert sum(m.score for m in marks.values()) == len(marks) - 1


@settings(max_examples=25, deadline=None)
@given(x=st.floats(0.1, 0.9), factor=st.floats(1.2, 3.0))
def test_a_carried_error_costs_one_blank(x: float, factor: float) -> None:
    sheet = one_sheet(P9, 1, Options(vary=(f"x={x!r}:{x!r}",), decimals=6))
    v = adjoints(sheet.variant.values["x"])
    answers = {k: repr(v[k]) for k in key_answers(sheet)}
    # a slip in ∂y/∂f3, then every later adjoint computed correctly from the slipped number
    a3 = v["dy/df3"] * factor
    a1 = a3 * 2 * v["f1"] + a3
    answers.update({"dy/df3": repr(a3), "dy/df2": repr(a3), "dy/df1": repr(a1),
                    "dy/dx": repr(a1 * v["f1"])})
    result = grade(sheet, answers)
    assert result.score == result.max_score - 1
    verdicts = {m.blank: m.verdict for m in result.marks}
    assert verdicts["dy/df3"] == "wrong"
    assert all(verdicts[k] == "carried" for k in ("dy/df2", "dy/df1", "dy/dx"))


def test_receptive_field_mistakes_and_carried_jump() -> None:
    sheet = one_sheet(P6, 1, Options(vary=("unit=3:3",)))  # k 5 s 2 | k 3 | k 5 d 2 p 4
    truth = {b.id: b.truth for b in sheet.blanks}
    assert [truth[f"r{i}"] for i in (1, 2, 3)] == [5, 9, 25]  # 1+4, 5+2·2, 9+8·2
    assert (truth["start3"], truth["end3"]) == (3 * 2 - (2 + 1 * 2 + 4 * 2), 3 * 2 - 12 + 24)
    cases = {"r3": ("no-dilation", 9 + 4 * 2), "r2": ("no-jump", 5 + 2),
             "j2": ("jump-not-multiplied", 1), "start2": ("no-padding", 6),
             "end1": ("off-by-one", truth["start1"] + 5)}
    for blank, (mistake, number) in cases.items():
        answers = {k: str(t) for k, t in truth.items()} | {blank: str(number)}
        marks = {m.blank: m for m in grade(sheet, answers).marks}
        assert (marks[blank].score, marks[blank].mistake) == (0, mistake), marks[blank].output
    # j1 = 3 by mistake: r2, j2, j3 and the intervals computed from it are consistent
    j = 3
    answers = {k: str(t) for k, t in truth.items()} | {
        "j1": "3", "r2": str(5 + 2 * j), "j2": str(j), "j3": str(j), "r3": str(5 + 2 * j + 8 * j)}
    answers |= {"start1": str(3 * j - 2), "end1": str(3 * j - 2 + 4),
                "start2": str(3 * j - (2 + j)), "end2": str(3 * j - (2 + j) + 5 + 2 * j - 1),
                "start3": str(3 * j - (2 + j + 4 * j)),
                "end3": str(3 * j - (2 + j + 4 * j) + 5 + 10 * j - 1)}
    result = grade(sheet, answers)
    assert result.score == result.max_score - 1, result.report()


def test_stack_sheet_steps_have_both_forms_of_the_recurrences() -> None:
    """Problem 6 (k 5 s 2 | k 3 | k 5 d 2): r = 5, 9, 25 and j = 2, 2, 2 by hand."""
    sheet = one_sheet(P6, 1, Options(vary=("unit=3:3",)))
    step = {b.id: b.step for b in sheet.blanks}
    assert step["r3"].text == "r₃ = r₂ + (k₃−1)·d₃·j₂ = 9 + (5−1)·2·2 = 25"
    assert step["r3"].latex == (r"r_{3} = r_{2} + (k_{3} - 1) \cdot d_{3} \cdot j_{2} = "
                                r"9 + (5 - 1) \cdot 2 \cdot 2 = 25")
    assert step["j1"].text == "j₁ = j₀·s₁ = 1·2 = 2"
    assert step["j1"].latex == r"j_{1} = j_{0} \cdot s_{1} = 1 \cdot 2 = 2"


def test_tolerance_is_sig_fig_aware() -> None:
    tol = Tolerance(rtol=1e-6, sig_figs=3)
    assert tol.close(parse_answer("556", "a"), 555.972)      # correctly rounded, 3 s.f.
    assert not tol.close(parse_answer("56e1", "a"), 555.972)  # only 2 s.f.
    assert not tol.close(parse_answer("555", "a"), 555.972)  # not correctly rounded
    assert tol.close(parse_answer("0.00123", "a"), 0.0012349)
    assert Tolerance(rtol=0.01).close(parse_answer("552", "a"), 555.972)
    assert Tolerance().close(parse_answer("[1.00, −2.50]", "a"), [1.0004, -2.5])
    assert not Tolerance().close(parse_answer("[1, 2]", "a"), 1.0)


def test_gradescope_json_has_the_documented_fields() -> None:
    sheet = one_sheet(P9, 2)
    answers = key_answers(sheet)
    answers["dy/dx"] = "-" + answers["dy/dx"]
    del answers["f2"]
    out = grade(sheet, answers).gradescope()
    json.dumps(out)
    assert set(out) <= {"score", "max_score", "output", "tests", "execution_time",
                        "visibility", "stdout_visibility", "extra_data", "leaderboard"}
    assert out["score"] == len(sheet.blanks) - 2 and out["max_score"] == len(sheet.blanks)
    for test in out["tests"]:
        assert set(test) == {"name", "score", "max_score", "output"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"] == 1
    assert sum(t["score"] for t in out["tests"]) == out["score"]
    assert "sign" in next(t for t in out["tests"] if t["name"] == "dy/dx")["output"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("text, suffix, message", [
    ('{"f1": 1.6', ".json", "not valid JSON"),
    ("[1, 2]", ".json", "expected an object"),
    ('{"f1": 1, "f1": 2}', ".json", "'f1' answered twice"),
    ("f1,1.6\n", ".csv", "header blank,answer"),
    ("blank,answer\nf1,1\nf1,2\n", ".csv", "'f1' answered twice"),
    ("f1 = 1.6", ".txt", "must be a .csv or .json"),
])
def test_bad_answer_files_are_one_line(tmp_path: Path, text: str, suffix: str,
                                       message: str) -> None:
    path = tmp_path / f"answers{suffix}"
    path.write_text(text)
    result = run("grade", P9, "--seed", "7", "--answers", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphviz-ad: error: ") and message in lines[0]


def test_cli_worksheet_roster_and_grade(tmp_path: Path) -> None:
    roster = tmp_path / "students.csv"
    roster.write_text("name,email\nAda Lovelace,ada@example.org\nAlan Turing,al@example.org\n")
    out = tmp_path / "sheets"
    result = run("worksheet", P9, "--roster", str(roster), "--out", str(out), "--format",
                 "md,html")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "v02-Alan-Turing-worksheet.html" in names and "v01-Ada-Lovelace-key.md" in names
    rows = (out / "variants.csv").read_text().splitlines()
    assert rows[0] == "variant,student,x" and rows[2].startswith("2,Alan Turing,")
    sheet = one_sheet(P9, 2, Options(roster=str(roster)))
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({k: float(v) for k, v in key_answers(sheet).items()}))
    result = run("grade", P9, "--roster", str(roster), "--variant", "2", "--answers",
                 str(answers), "--format", "gradescope")
    assert json.loads(result.output)["score"] == len(sheet.blanks)
    result = run("grade", P9, "--roster", str(roster), "--variant", "3", "--answers",
                 str(answers))
    assert result.exit_code == 2 and "variants 1 to 2" in result.output
    result = run("worksheet", P9, "--roster", str(roster), "--variants", "3")
    assert result.exit_code == 2 and "roster names 2 students" in result.output


def test_cli_help_has_examples() -> None:
    for command in ("worksheet", "grade"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Examples:" in result.output
        assert f"graphviz-ad {command} graphs/problem" in result.output


def test_csv_answers_keep_their_digits(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("blank,answer\nf1,1.60\ndy/dx,\n")
    assert read_answers(path) == {"f1": "1.60", "dy/dx": ""}


def test_variants_table_is_checked(tmp_path: Path) -> None:
    text = (ROOT / "graphs" / "problem9.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("decimals = 2", "decimals = 9"))
    result = run("worksheet", str(bad), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "[variants]: decimals = 9" in result.output
    bad.write_text(text.replace("decimals = 2", "places = 2"))
    result = run("worksheet", str(bad), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "unknown key 'places'" in result.output
    result = run("worksheet", P9, "--vary", "z=0:1", "--variants", "2", "--out",
                 str(tmp_path / "o"))
    assert result.exit_code == 2 and "z: not an input" in result.output


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
@pytest.mark.parametrize("source", [P9, P6])
def test_pdf_worksheets(tmp_path: Path, source: str) -> None:
    result = run("worksheet", source, "--variants", "2", "--blank",
                 "values,adjoints,steps" if source == P9 else "r,j,interval",
                 "--format", "pdf", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    for name in ("v01-worksheet.pdf", "v02-key.pdf"):
        assert (tmp_path / name).read_bytes().startswith(b"%PDF")


def test_pdf_key_typesets_the_steps_latex_forms() -> None:
    """Problem 9's key carries every reverse step's LaTeX equation (in math mode), the
    definitions as formula-tree LaTeX, and no character-table leftovers."""
    (sheet,) = load_sheets(P9)
    page = latex(sheet, True, "graph.pdf")
    x = sheet.truth["x"]
    trace = ad.reverse_mode(ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"),
                            {"x": x})
    assert len(trace.steps) == 6  # adjoints of f5 … x
    for step in trace.steps:
        assert f"${step_text.latex(step)}$" in page
    # written out by hand: the last chain-rule step and two definitions of the table
    assert (r"\frac{\partial y}{\partial x} = \frac{\partial y}{\partial f_{1}} \cdot "
            r"\frac{\partial f_{1}}{\partial x}") in page
    assert r"$f_{2}$ & $f_{1}^{2}$ & $" in page and r"$\sin(f_{3})$" in page
    assert "?" not in page and r"\textsc{u+" not in page
    assert r"\usepackage[utf8]{inputenc}" in page
    # the same numbers as the text forms
    assert f"${shown(sheet.truth['dy/dx'], style='latex')}$" in page
    assert shown(sheet.truth["dy/dx"]) == shown(sheet.truth["dy/dx"], style="latex")


def test_steps_blank_sheet_asks_each_steps_latex_symbol() -> None:
    """With steps blank, the sheet gives each step's symbol (LaTeX) and a blank, the key
    the whole equation."""
    (sheet,) = load_sheets(P9, Options(blanks=("values", "adjoints", "steps")))
    page, key = latex(sheet, False, "g.pdf"), latex(sheet, True, "g.pdf")
    assert r"\item $\frac{\partial y}{\partial f_{5}}$ = \_\_\_\_\_\_" in page
    assert r"\item $\frac{\partial y}{\partial f_{5}} = 1$" in key


@pytest.mark.parametrize("text, typeset", [
    ("Müller’s café — naïve Øresund, Łódź", "Müller’s café — naïve Øresund, Łódź"),
    ("50% of $x_1 & {y}#", r"50\% of \$x\_1 \& \{y\}\#"),
    ("∂y/∂α ≤ ∑ xᵢ", r"∂y/∂α ≤ ∑ x\textsubscript{i}"),
    ("k̂ and ﬁne ♞", r"\^{k} and fine \textsc{u+265e}"),  # ♞: in no font here; named, not ?
])
def test_tex_keeps_letters_and_escapes_specials(text: str, typeset: str) -> None:
    assert tex(text) == typeset
    assert "?" not in tex(text)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_pdf_of_unicode_prose_compiles(tmp_path: Path) -> None:
    """A title and question in several scripts and symbols compile (no undefined character
    stops pdflatex)."""
    (sheet,) = load_sheets(P9)
    sheet.title = "Übung 3: ∂y/∂x für Łukasz, Zoë & José (α ≥ 0, k̂) ♞"
    sheet.question = "Schätze ∇f, dann ∑ᵢ xᵢ — naïve café"
    assert pdf(sheet, True).startswith(b"%PDF")


@settings(max_examples=15, deadline=None)
@given(x=st.floats(0.1, 0.9), factor=st.floats(1.05, 1.5))
def test_a_wrong_value_carries_into_the_local_factors(x: float, factor: float) -> None:
    """f1 slipped; every later value and adjoint is right for that f1: one blank lost."""
    sheet = one_sheet(P9, 1, Options(vary=(f"x={x!r}:{x!r}",), decimals=6))
    x = sheet.variant.values["x"]
    f1 = math.exp(x) * factor
    f2, f3 = f1 ** 2, f1 + f1 ** 2
    a3 = math.exp(f3) + math.cos(f3)
    a1 = a3 * 2 * f1 + a3
    numbers = {"f1": f1, "f2": f2, "f3": f3, "f4": math.exp(f3), "f5": math.sin(f3),
               "y": math.exp(f3) + math.sin(f3), "dy/df5": 1.0, "dy/df4": 1.0, "dy/df3": a3,
               "dy/df2": a3, "dy/df1": a1, "dy/dx": a1 * math.exp(x)}
    result = grade(sheet, {k: repr(v) for k, v in numbers.items()})
    assert result.score == result.max_score - 1, result.report()
    verdicts = {m.blank: m.verdict for m in result.marks}
    assert verdicts["f1"] == "wrong" and verdicts["dy/df1"] == verdicts["f4"] == "carried"


def test_quiz_asks_every_step_once_with_its_number() -> None:
    import graphviz_ad as ad
    from graphviz_ad.draw.player import player_html
    from graphviz_ad.teach.quiz import quiz_questions

    _, graph, inputs = ad.load(P10)
    trace = ad.forward_mode(graph, inputs, wrt="x")
    frames, _ = ad.derivative_frames(trace)
    questions = quiz_questions([trace], frames)
    asked = [q for q in questions if q]
    truth = tangents(0.5)
    assert [q["ask"] for q in asked] == ["∂f1/∂x", "∂f2/∂x", "∂f3/∂x", "∂f4/∂x", "∂f5/∂x",
                                         "∂y/∂x"]
    for q, name in zip(asked, ["df1/dx", "df2/dx", "df3/dx", "df4/dx", "df5/dx", "dy/dx"]):
        assert q["answer"] == pytest.approx(truth[name], rel=1e-12)
    assert ["missing" in p[0] for p in asked[2]["paths"]].count(True) == 2
    plain, quiz = player_html(frames, "t"), player_html(frames, "t", questions)
    assert "graphvizAdQuiz = " not in plain and 'id="quiz"' not in plain
    assert quiz.count("data-quiz=") == 6 and "graphvizAdQuiz = " in quiz


def test_render_quiz_needs_html(tmp_path: Path) -> None:
    result = run("render", P9, "--quiz", "--format", "svg", "--out", str(tmp_path))
    assert result.exit_code == 2 and "add html to --format" in result.output
