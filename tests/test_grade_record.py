"""Grading you can trust: the worksheet run's record picks the student's inputs, the
README's worksheet and grade lines work as written, and a class is graded at once."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.teach.build import Options, load_sheets

ROOT = Path(__file__).resolve().parents[1]
P9 = str(ROOT / "graphs" / "problem9.toml")
ROSTER = "name\nAda Lovelace\nAlan Turing\nGrace Hopper\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def readme_lines(command: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Teaching kit"):]
    section = section[:section.index("```", section.index("```sh") + 5)]
    return [ln for ln in section.splitlines() if ln.startswith(f"graphviz-ad {command} ")]


@pytest.fixture()
def classroom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder as the README assumes it: graphs/, students.csv and answer files."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graphs").symlink_to(ROOT / "graphs")
    (tmp_path / "students.csv").write_text(ROSTER)
    sheets = load_sheets(P9, Options(vary=("x=0.1:1.5",), seed=7,
                                     roster=str(tmp_path / "students.csv")))
    grace = sheets[2]
    (tmp_path / "grace.csv").write_text("blank,answer\n" + "".join(
        f"{b.id},{float(b.truth)!r}\n" for b in grace.blanks))
    (tmp_path / "a.json").write_text(json.dumps({b.id: float(b.truth) for b in grace.blanks}))
    rows = ["student,blank,answer"] + [f"{s.variant.student},{b.id},{float(b.truth)!r}"
                                       for s in sheets for b in s.blanks]
    (tmp_path / "class.csv").write_text("\n".join(rows) + "\n")
    return tmp_path


def test_the_readme_worksheet_and_grade_lines_verbatim(classroom: Path) -> None:
    line = next(ln for ln in readme_lines("worksheet") if "--roster students.csv" in ln)
    result = run(*shlex.split(line)[1:])
    assert result.exit_code == 0, result.output
    record = json.loads((classroom / "sheets" / "variants.json").read_text())
    assert [v["values"]["x"] for v in record["variants"]] == [0.98, 1.36, 1.19]
    assert record["roster"] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert record["seed"] == 7 and record["vary"] == ["x=0.1:1.5"]
    grades = [ln for ln in readme_lines("grade") if "--sheets" in ln]
    assert len(grades) == 3
    for line in grades:
        result = run(*shlex.split(line)[1:])
        assert result.exit_code == 0, (line, result.output)
        if "gradescope" in line:
            out = json.loads(result.output)
            assert out["score"] == out["max_score"] == 12 and "x = 1.19" in out["output"]
        elif "class.csv" in line:
            summary = list(csv.DictReader((classroom / "grades" / "summary.csv").open()))
            assert [(r["student"], r["score"]) for r in summary] == [
                ("Ada Lovelace", "12"), ("Alan Turing", "12"), ("Grace Hopper", "12")]
            names = {p.name for p in (classroom / "grades").iterdir()}
            assert {"v03-Grace-Hopper-report.txt", "v03-Grace-Hopper-results.json"} <= names
        else:
            assert "graded against x = 1.19" in result.output
            assert "score: 12 / 12" in result.output


def test_grade_without_a_record_or_options_refuses(classroom: Path) -> None:
    result = run("grade", "graphs/problem9.toml", "--variant", "3", "--answers", "grace.csv")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--sheets" in lines[0]


def test_grade_with_the_wrong_options_says_which_inputs(classroom: Path) -> None:
    # the case: the file's own range and seed give x = 0.72, not Grace's 1.19
    result = run("grade", "graphs/problem9.toml", "--seed", "7", "--variant", "3",
                 "--answers", "grace.csv")
    assert result.exit_code == 0 and "graded against x = " in result.output
    assert "x = 1.19" not in result.output.splitlines()[1]


def test_a_changed_source_is_refused(classroom: Path) -> None:
    assert run("worksheet", "graphs/problem9.toml", "--seed", "7", "--variants", "3",
               "--out", "s").exit_code == 0
    changed = classroom / "p9.toml"
    changed.write_text((ROOT / "graphs" / "problem9.toml").read_text() + "\n# edited\n")
    result = run("grade", str(changed), "--sheets", "s", "--variant", "1", "--answers",
                 "grace.csv")
    assert result.exit_code == 2 and "different" in result.output


@pytest.mark.parametrize("text, message", [
    ("[]", "not a worksheet record"), ("{", "not valid JSON"),
    ('{"format": "graphviz-ad worksheet variants", "variants": [{"number": 1, '
     '"values": {"x": "1e999"}}]}', "not a worksheet record")])
def test_a_bad_record_is_one_line(classroom: Path, text: str, message: str) -> None:
    (classroom / "r.json").write_text(text)
    result = run("grade", "graphs/problem9.toml", "--sheets", "r.json", "--answers",
                 "grace.csv")
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_folder_of_answer_files_and_unknown_students(classroom: Path) -> None:
    assert run("worksheet", "graphs/problem9.toml", "--vary", "x=0.1:1.5", "--seed", "7",
               "--roster", "students.csv", "--out", "sheets").exit_code == 0
    folder = classroom / "answers"
    folder.mkdir()
    (folder / "Grace Hopper.csv").write_text((classroom / "grace.csv").read_text())
    (folder / "v01.json").write_text('{"f1": "2.66", "F2": 1}')
    (folder / "Mallory.csv").write_text("blank,answer\nf1,1\n")
    result = run("grade", "graphs/problem9.toml", "--sheets", "sheets", "--answers",
                 str(folder), "--out", "g")
    assert result.exit_code == 0, result.output
    assert "not graded: Mallory: not on the roster" in result.output
    rows = {r["student"]: r for r in csv.DictReader((classroom / "g" / "summary.csv").open())}
    assert rows["Grace Hopper"]["score"] == "12" and rows["v01"]["variant"] == "1"
    assert rows["v01"]["score"] == "1" and "F2" in rows["v01"]["note"]
    report = (classroom / "g" / "v01-Ada-Lovelace-report.txt").read_text()
    assert "graded against x = 0.98" in report



def test_a_class_sharing_one_sheet(classroom: Path) -> None:
    """A file that draws nothing: every student has the same sheet, one report each."""
    mlp = str(ROOT / "graphs" / "mlp.toml")
    rows = ["student,blank,answer", "Ada,L,1.26041", "Alan,L,2", "=cmd,L,1.26"]
    (classroom / "mlp.csv").write_text("\n".join(rows) + "\n")
    result = run("grade", mlp, "--answers", "mlp.csv", "--out", "g")
    assert result.exit_code == 0, result.output
    summary = list(csv.reader((classroom / "g" / "summary.csv").open()))
    assert [(r[0], r[2]) for r in summary[1:]] == [("Ada", "1"), ("Alan", "0"), ("'=cmd", "1")]
    names = {p.name for p in (classroom / "g").iterdir()}
    assert {"Ada-report.txt", "Alan-results.json"} <= names


def test_a_class_of_a_varying_file_needs_the_roster(classroom: Path) -> None:
    result = run("grade", "graphs/problem9.toml", "--seed", "7", "--answers", "class.csv")
    assert result.exit_code == 2 and "--sheets" in result.output
