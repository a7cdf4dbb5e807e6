"""``graphviz-ad rf`` through click's CliRunner: text formats, drawings, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphviz_ad.cli.rf import rf

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
P6 = ["--layer", "k=5,s=2,p=2", "--layer", "k=3,p=1", "--layer", "kernel=5,dilation=2,padding=4"]


def run(*args: str):
    return CliRunner().invoke(rf, list(args))


def assert_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("graphviz-ad: error:"), result.stderr
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    for word in words:
        assert word in result.stderr, (word, result.stderr)


@pytest.mark.parametrize("name, answers", [("problem4", [3, 5, 7]), ("problem5", [7, 13, 19]),
                                           ("problem6", [5, 9, 25])])
def test_graph_files_give_the_homework_answers(name, answers):
    result = run(str(GRAPHS / f"{name}.toml"), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [row["receptive_field"] for row in doc["layers"]] == answers
    assert doc["title"].startswith(f"Problem {name[-1]}")
    assert set(doc["layers"][0]) >= {"name", "kernel", "stride", "dilation", "padding",
                                     "receptive_field", "jump", "start", "end"}


def test_table_shows_rows_and_the_written_out_recurrence():
    result = run(*P6)
    assert result.exit_code == 0
    assert "r₃ = r₂ + (k₃−1)·d₃·j₂ = 9 + (5−1)·2·2 = 25" in result.stdout
    assert "j₁ = j₀·s₁ = 1·2 = 2" in result.stdout
    assert "sees input units [0, 24]" in result.stdout


def test_aliases_pool_and_json_values():
    result = run("--layer", "k=3,p=1", "--layer", "pool,k=2", "--layer", "type=pool,k=3,s=2",
                 "--format", "json", "--input-size", "20", "--unit", "0")
    doc = json.loads(result.stdout)
    assert [r["kind"] for r in doc["layers"]] == ["conv", "pool", "pool"]
    assert [(r["receptive_field"], r["jump"], r["stride"]) for r in doc["layers"]] == \
        [(3, 1, 1), (4, 2, 2), (8, 4, 2)]
    assert (doc["start"], doc["end"], doc["input_size"]) == (-1, 6, 20)
    assert doc["reached"] == list(range(7))


def test_markdown_and_latex_and_2d():
    md = run(*P6, "--format", "markdown").stdout
    assert "| layer | kind |" in md and "| conv3 | conv | 5 | 1 | 2 |" in md
    tex = run(*P6, "--format", "latex").stdout
    assert r"\begin{tabular}" in tex and "= 9 + (5-1)\\cdot 2\\cdot 2 = 25" in tex
    doc = json.loads(run("--layer", "k=3x5", "--layer", "k=(3,3),s=2", "--format", "json").stdout)
    assert doc["receptive_field"] == [5, 7]


def test_presets():
    doc = json.loads(run("--preset", "vgg16", "--format", "json").stdout)
    assert (doc["receptive_field"], doc["layers"][-1]["jump"]) == (212, 32)


def test_drawing_formats_are_written_under_out(tmp_path):
    result = run(str(GRAPHS / "problem6.toml"), "--format", "svg,dot,gif,table",
                 "--out", str(tmp_path), "--no-progress")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != ".graphviz-ad.json")
    assert names == ["problem6-000.svg", "problem6-001.svg", "problem6-002.svg",
                     "problem6-003.svg", "problem6.dot", "problem6.gif"]
    assert "pos=" in (tmp_path / "problem6.dot").read_text()
    assert "r₃ =" in result.stdout and "wrote" in result.stderr


def test_paths_adds_a_frame(tmp_path):
    result = run(*P6, "--format", "svg", "--out", str(tmp_path), "--paths")
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.svg"))) == 5


def test_help_lists_examples_and_keys():
    out = run("--help").stdout
    assert "Examples:" in out and "kernel/k" in out and "graphs/problem6.toml" in out


@pytest.mark.parametrize("args, words", [
    (["--layer", "k=0"], ["kernel must be at least 1"]),
    (["--layer", "k=3,s=0"], ["stride must be at least 1"]),
    (["--layer", "k=3,d=0"], ["dilation must be at least 1"]),
    (["--layer", "k=3,p=-1"], ["padding must be at least 0"]),
    (["--layer", "k=3,q=1"], ["unknown key 'q'"]),
    (["--layer", "k=2.5"], ["kernel must be an integer"]),
    (["--layer", "s=2"], ["kernel (k=…) is required"]),
    (["-l", "k=5,s=2", "-l", "k=3", "-l", "k=5,d=2", "--input-size", "12"],
     ["input too short", "layer 3", "effective kernel 9 gets 2 units"]),
    ([*P6, "--unit", "99", "--input-size", "25"], ["unit 99 is out of range"]),
    (["--layer", "k=3", "--preset", "vgg16"], ["exactly one of"]),
    ([], ["exactly one of"]),
    (["--preset", "resnet"], ["unknown preset"]),
    ([*P6, "--format", "jpeg"], ["unknown format 'jpeg'"]),
])
def test_bad_input_is_one_line_and_exit_2(args, words):
    assert_error(run(*args), *words)


def test_refusals_write_nothing(tmp_path):
    out = tmp_path / "out"
    result = run("--preset", "vgg16", "--format", "svg,gif,table", "--out", str(out))
    assert_error(result, "units wide", "--input-size", "--format table")
    assert not out.exists() and result.stdout == ""


def test_toml_errors_point_at_line_and_column(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "x"\n[[layers]]\nkernel = 3\nstride = = 2\n')
    result = run(str(bad))
    assert_error(result, "4:10:", "bad.toml")
    assert "^" in result.stderr
    bad.write_text('title = "x"\n[[layers]]\nkernel = 3\nstrid = 2\n')
    assert_error(run(str(bad)), "4:1:", "unknown key 'strid'")
    bad.write_text('[[layers]]\nkernel = 3\ndilation = 0\n')
    assert_error(run(str(bad)), "3:1:", "dilation must be at least 1")
    assert_error(run(str(tmp_path / "missing.toml")), "cannot read")


def test_table_columns_align_by_display_width_and_are_explained():
    from click.testing import CliRunner

    from graphviz_ad.cli import main
    from graphviz_ad.receptive.text import display_width

    out = CliRunner().invoke(main, ["rf", "--layer", "k=5,s=2", "--layer", "k=3,d=2"]).stdout
    lines = out.splitlines()
    header, rule, first = lines[0], lines[1], lines[2]
    # every column starts where its dashes start, counted in terminal columns
    starts = [k for k in range(len(rule)) if rule[k] == "-" and (k == 0 or rule[k - 1] == " ")]
    for line in (header, first):
        columns = [display_width(line[:k]) for k in range(len(line) + 1)]
        cells = [k for k in range(1, len(line)) if line[k] != " " and line[k - 1] == " "]
        assert [columns[k] for k in [0, *cells]][:len(starts)] == starts[:len(cells) + 1]
    assert "P effective" in out and "unit: this layer's unit on the path" in out


def test_frame_ms_has_one_default():
    from click.testing import CliRunner

    from graphviz_ad.cli import main
    from graphviz_ad.draw.frames import STEP_MS

    for command in ("render", "rf"):
        text = " ".join(CliRunner().invoke(main, [command, "--help"]).stdout.split())
        assert f"default {STEP_MS}" in text, command
