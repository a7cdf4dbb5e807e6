"""Worksheets held to render's standard: all-or-nothing output, bounded variant ranges,
limits, and text from graph files and rosters escaped in every output."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphviz_ad.teach.worksheet as worksheet_module
from graphviz_ad.cli import main
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.teach.escape import csv_cell, markdown_text, one_line

ROOT = Path(__file__).resolve().parents[1]
P9 = str(ROOT / "graphs" / "problem9.toml")
P6 = str(ROOT / "graphs" / "problem6.toml")
NO_PDFLATEX = shutil.which("pdflatex") is None


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_error_line(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphviz-ad: error: "), result.output
    return lines[0]


def variant_file(tmp_path: Path, table: str) -> str:
    text = (ROOT / "graphs" / "problem9.toml").read_text()
    start = text.index("[variants]")
    end = text.index("[render]")
    path = tmp_path / "p9.toml"
    path.write_text(text[:start] + "[variants]\n" + table + "\n\n" + text[end:])
    return str(path)


@pytest.mark.parametrize("vary, extra, message", [
    ("x=-1e308:1e308", [], "within ±1e+15"),
    ("x=0.2:0.8", ["--decimals", "0"], "no whole number"),
    ("x=-1e30:1e30", ["--decimals", "0"], "within ±1e+15"),
    ("x=1e20:1e20", [], "within ±1e+15"),
])
def test_variant_ranges_are_one_line(tmp_path: Path, vary: str, extra: list[str],
                                     message: str) -> None:
    for command in (["worksheet", P9, "--out", str(tmp_path / "w")],
                    ["grade", P9, "--answers", str(tmp_path / "a.csv")]):
        (tmp_path / "a.csv").write_text("blank,answer\nf1,1\n")
        assert message in one_error_line(run(*command, "--vary", vary, *extra))
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize("table, message", [
    ('vary = ["x=-1e308:1e308"]', "within ±1e+15"),
    ('vary = ["x=0.2:0.8"]\ndecimals = 0', "no whole number"),
    ('vary = ["x=-99999999999999999999:99999999999999999999"]\ndecimals = 0', "within"),
])
def test_variant_tables_are_one_line(tmp_path: Path, table: str, message: str) -> None:
    path = variant_file(tmp_path, table)
    assert message in one_error_line(run("worksheet", path, "--out", str(tmp_path / "w")))


def test_wide_ranges_draw_within_them(tmp_path: Path) -> None:
    result = run("worksheet", P9, "--vary", "x=-1e15:1e15", "--decimals", "0", "--variants",
                 "3", "--out", str(tmp_path / "w"), "--format", "md")
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "w" / "variants.json").read_text())
    assert all(-1e15 <= v["values"]["x"] <= 1e15 for v in record["variants"])


def test_variant_1001_is_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("blank,answer\nf1,1\n")
    line = one_error_line(run("grade", P9, "--seed", "7", "--variant", "1001", "--answers",
                              str(tmp_path / "a.csv")))
    assert "--variant 1001" in line and "--variants" not in line


def test_a_failure_mid_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    out = tmp_path / "w"
    calls = []
    real = worksheet_module.html_page

    def failing(sheet, key, svg):
        calls.append(1)
        if len(calls) == 5:
            raise GraphvizAdError("pdflatex failed on v03: ! simulated")
        return real(sheet, key, svg)

    monkeypatch.setattr(worksheet_module, "html_page", failing)
    one_error_line(run("worksheet", P9, "--variants", "6", "--out", str(out)))
    assert not out.exists()
    out.mkdir()
    (out / "mine.txt").write_text("kept")
    calls.clear()
    one_error_line(run("worksheet", P9, "--variants", "6", "--out", str(out)))
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]


@pytest.mark.parametrize("signal_error, code", [(KeyboardInterrupt, 130)])
def test_an_interrupt_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     signal_error: type, code: int) -> None:
    out = tmp_path / "w"
    real = worksheet_module.markdown
    calls = []

    def interrupted(sheet, key, picture=None):
        calls.append(1)
        if len(calls) == 4:
            raise signal_error
        return real(sheet, key, picture)

    monkeypatch.setattr(worksheet_module, "markdown", interrupted)
    result = CliRunner().invoke(main, ["worksheet", P9, "--variants", "5", "--out", str(out)])
    assert result.exit_code == code
    assert not out.exists()


def test_sigterm_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "w"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "graphviz_ad", "worksheet", P9,
                             "--variants", "40", "--out", str(out)], env=env,
                            stderr=subprocess.PIPE)
    for _ in range(400):  # until the run has started staging files
        if out.exists() and any(out.iterdir()):
            break
        try:
            proc.wait(0.02)
            break
        except subprocess.TimeoutExpired:
            pass
    proc.terminate()
    proc.wait(60)
    if proc.returncode == 0:
        pytest.skip("the run finished before SIGTERM arrived")
    assert proc.returncode == 143
    assert not out.exists() or not any(out.iterdir())


def test_concurrent_runs_into_one_folder_agree(tmp_path: Path) -> None:
    out = tmp_path / "w"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "graphviz_ad", "worksheet", P9,
                               "--vary", "x=0.1:1.5", "--seed", str(seed), "--variants", "8",
                               "--out", str(out), "--format", "md"], env=env,
                              stderr=subprocess.DEVNULL) for seed in (1, 2)]
    assert [p.wait(120) for p in procs] == [0, 0]
    record = json.loads((out / "variants.json").read_text())
    rows = list(csv.DictReader((out / "variants.csv").open()))
    assert [float(r["x"]) for r in rows] == [v["values"]["x"] for v in record["variants"]]
    for v in record["variants"]:  # every key is the one of the recorded x
        key = (out / f"v{v['number']:02d}-key.md").read_text()
        assert f"x = {v['values']['x']:g}" in key.replace("−", "-")


def test_titles_and_names_are_escaped_everywhere(tmp_path: Path) -> None:
    text = (ROOT / "graphs" / "problem9.toml").read_text().replace(
        'title = "Homework 1, problem 9: dy/dx by reverse mode"',
        'title = "T \\u001b[2J <img src=x onerror=alert(1)> [a](javascript:alert(1))"')
    source = tmp_path / "p9.toml"
    source.write_text(text)
    roster = tmp_path / "r.csv"
    roster.write_text('name\n"=HYPERLINK(""http://evil"")"\nAda\u2028Lovelace\n')
    out = tmp_path / "w"
    result = run("worksheet", str(source), "--roster", str(roster), "--out", str(out),
                 "--format", "md,html")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((out / "variants.csv").open()))
    assert rows[1][1].startswith("'=HYPERLINK") and rows[2][1] == "Ada Lovelace"
    assert len(rows) == 3  # U+2028 did not make a third student
    md = (out / "v01-HYPERLINK-http-evil-worksheet.md").read_text()
    assert "<img" not in md and "[a](javascript:" not in md and "\x1b" not in md
    assert "&lt;img" in md
    html = (out / "v02-Ada-Lovelace-worksheet.html").read_text()
    assert "<img src=x" not in html and "\u2028" not in html
    answers = tmp_path / "a.csv"
    answers.write_text("blank,answer\nf1,1\n")
    graded = run("grade", str(source), "--sheets", str(out), "--variant", "1", "--answers",
                 str(answers))
    assert graded.exit_code == 0 and "\x1b" not in graded.output


def test_escape_helpers() -> None:
    assert csv_cell("-1.5") == "-1.5" and csv_cell("+SUM(A1)") == "'+SUM(A1)"
    assert csv_cell("@cmd") == "'@cmd" and csv_cell("Ada") == "Ada"
    assert one_line("a\n\nb\u2028c") == "a b c"
    assert markdown_text("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert markdown_text("![x](javascript:y)") == r"\!\[x\](javascript:y)"


def test_limits_like_render(tmp_path: Path) -> None:
    text = (ROOT / "graphs" / "problem9.toml").read_text()
    long_title = tmp_path / "t.toml"
    long_title.write_text(text.replace('title = "Homework 1', 'title = "' + "x" * 400))
    assert "over the limit of 300" in one_error_line(run("worksheet", str(long_title)))
    big = tmp_path / "big.toml"
    big.write_text(text.replace('description = """', 'description = """' + "y" * 1_000_000))
    assert "description" in one_error_line(run("worksheet", str(big)))
    chain = " + ".join(f"sin(x*{i})" for i in range(120))
    many = tmp_path / "many.toml"
    many.write_text(f'program = "y = {chain}"\n[inputs]\nx = 0.5\n')
    assert "worksheets stop at 150" in one_error_line(run("worksheet", str(many)))


def test_a_huge_roster_cell_is_one_line(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("name\n" + "A" * 140_000 + "\n")
    assert "field larger" in one_error_line(run("worksheet", P9, "--roster", str(roster)))


@pytest.mark.skipif(NO_PDFLATEX, reason="pdflatex is not installed")
def test_pdf_sheets_survive_hostile_prose_without_home(tmp_path: Path) -> None:
    text = (ROOT / "graphs" / "problem9.toml").read_text().replace(
        'title = "Homework 1, problem 9: dy/dx by reverse mode"',
        'title = "bell \\u0007 and\\n\\nblank line \\u2028 % $ \\\\ end"')
    source = tmp_path / "p.toml"
    source.write_text(text)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    env["PYTHONPATH"] = str(ROOT)
    out = tmp_path / "w"
    proc = subprocess.run([sys.executable, "-m", "graphviz_ad", "worksheet", str(source),
                           "--format", "pdf", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (out / "v01-key.pdf").read_bytes().startswith(b"%PDF")
    assert not list(out.glob(".graphviz-ad-*"))  # the private TeX cache went with the run
    steps = subprocess.run([sys.executable, "-m", "graphviz_ad", "worksheet", P9, "--blank",
                            "steps", "--format", "pdf", "--out", str(tmp_path / "s")],
                           env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(home)},
                           capture_output=True, text=True, timeout=600)
    assert steps.returncode == 0, steps.stderr
    assert not any(home.iterdir())  # TeX wrote nothing under $HOME


def test_many_data_rows_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text('program = """\nz = X @ w\nL = mean(z)\n"""\nof = "L"\n[inputs]\n'
                    'w = [0.5, -0.25]\n[data]\nX = {normal = [0, 1], shape = [400, 2], '
                    'seed = 1}\n')
    assert "at most 200" in one_error_line(run("worksheet", str(path), "--out",
                                               str(tmp_path / "w")))


def test_latin1_terminal_gets_no_traceback(tmp_path: Path) -> None:
    answers = tmp_path / "a.csv"
    answers.write_text("blank,answer\nf1,1\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "latin-1"}
    for args in (["grade", P9, "--seed", "7", "--answers", str(answers)],
                 ["worksheet", P9, "--out", str(tmp_path / "w"), "--format", "md"],
                 ["grade", P9, "--answers", str(answers)]):
        proc = subprocess.run([sys.executable, "-m", "graphviz_ad", *args], env=env,
                              capture_output=True, timeout=120)
        assert b"Traceback" not in proc.stderr, proc.stderr.decode("latin-1")
        assert proc.returncode in (0, 2)


def test_an_earlier_longer_run_is_noted(tmp_path: Path) -> None:
    out = str(tmp_path / "w")
    assert run("worksheet", P9, "--variants", "3", "--out", out, "--format", "md").exit_code == 0
    result = run("worksheet", P9, "--variants", "2", "--out", out, "--format", "md")
    assert result.exit_code == 0
    assert "note: 4 files of an earlier worksheet run remain" in result.output
    assert "v03-key.md" in result.output
    record = json.loads((tmp_path / "w" / "variants.json").read_text())
    assert len(record["variants"]) == 2
