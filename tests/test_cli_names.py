"""Names a user types slightly off (issue 11, item 4): unknown --at/--wrt/--of names are
errors listing the valid ones, in every mode; a multi-output program says which output it
differentiates; a graph file made for `--mode both` traces both passes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", ["trace", "render"])
@pytest.mark.parametrize("mode", ["forward", "reverse", "evaluate"])
def test_unknown_wrt_and_of_are_errors_in_every_mode(tmp_path, command, mode):
    extra = ["--format", "svg", "--out", str(tmp_path)] if command == "render" else []
    for option, fragment in (("--wrt", "wrt 'q' names no input (inputs: x)"),
                             ("--of", "of 'q' names no node (outputs: y)")):
        result = run(command, "exp(x)", "--at", "x=1", "--mode", mode, option, "q", *extra)
        assert result.exit_code == 2 and fragment in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_at_is_reported_with_the_missing_one():
    result = run("trace", "x^2", "--at", "y=3")
    assert result.exit_code == 2
    assert "unknown input y (inputs: x); missing a value for x" in result.stderr


def test_labels_are_accepted_as_of():
    result = run("trace", "c = x*x; c = c + 1; y = c*c", "--at", "x=1", "--of", "c⁽¹⁾")
    assert result.exit_code == 0, result.stderr
    assert "∂c⁽¹⁾/∂x = " in result.stdout


def test_multi_output_programs_say_which_output():
    result = run("trace", "a = x*2; b = x*3", "--at", "x=1")
    assert result.exit_code == 0
    assert "differentiating a (choose another with --of)" in result.stderr
    quiet = run("trace", "a = x*2; b = x*3", "--at", "x=1", "--of", "b")
    assert "note:" not in quiet.stderr and "∂b/∂·" in quiet.stdout


def test_mode_both_in_a_graph_file_traces_both(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('program = "y = sin(x)*x"\nmode = "both"\n[inputs]\nx = 1\n')
    table = run("trace", str(path))
    assert "Forward mode at x = 1" in table.stdout and "Reverse mode at x = 1" in table.stdout
    passes = json.loads(run("trace", str(path), "--format", "json").stdout)
    assert [p["mode"] for p in passes] == ["forward", "reverse"]


@pytest.mark.parametrize("source, at, fragment", [
    ("relu(x)", ["x=0"], "y = relu(x) has a kink where x = 0, and x is 0 here"),
    ("1/x", ["x=-1e-9"], "y = 1/x has a pole where x = 0, and x is −1×10⁻⁹ here"),
    ("max(x, w)", ["x=1", "w=1"], "y = max(x, w) has a kink where x − w = 0"),
])
def test_check_says_why_it_fails_at_a_kink_or_pole(source, at, fragment):
    args = [part for value in at for part in ("--at", value)]
    result = run("check", source, *args)
    assert result.exit_code == 1
    assert f"why: {fragment}" in result.stdout
    data = json.loads(run("check", source, *args, "--format", "json").stdout)
    assert any(fragment in reason for reason in data["explanations"])


def test_check_passing_gives_no_explanations():
    data = json.loads(run("check", "relu(x)", "--at", "x=1", "--format", "json").stdout)
    assert data["ok"] and data["explanations"] == []


@pytest.mark.parametrize("source, fragment", [
    ("2x + 1", "1:2: unexpected name 'x'; write 2*x for a product"),
    ("y = 3(x+1)", "1:6: unexpected '('; write 3*(…) for a product"),
    ("sinn(x)", "unknown function sinn() (did you mean sin()?); known functions:"),
])
def test_slightly_off_sources_get_a_hint(source, fragment):
    result = run("trace", source, "--at", "x=1")
    assert result.exit_code == 2 and fragment in result.stderr, result.stderr
