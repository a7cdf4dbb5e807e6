"""`graphviz-ad trace` and `graphviz-ad check`: formats, errors, exit codes, real processes."""

from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.explain import steps as step_text

ROOT = Path(__file__).resolve().parent.parent
PROBLEM9_FILE = str(ROOT / "graphs" / "problem9.toml")
PROBLEM10_FILE = str(ROOT / "graphs" / "problem10.toml")
PROBLEM9 = "exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"
parse_module = importlib.import_module("graphviz_ad.core.parse")


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def assert_clean_error(result, line=None, column=None, fragment=""):
    """Exit 2, nothing on stdout, one message on stderr (with caret when positioned)."""
    assert result.exit_code == 2, (result.output, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.rstrip("\n").splitlines()
    assert lines[0].startswith("graphviz-ad: error: ")
    assert sum(line.startswith("graphviz-ad: error:") for line in lines) == 1
    assert fragment in result.stderr
    if line is not None:
        assert lines[0].startswith(f"graphviz-ad: error: {line}:{column}: ")
        if len(lines) > 1:  # the source line and the caret under the spot
            assert lines[2] == "  " + " " * (column - 1) + "^"
    return lines


# ------------------------------------------------------------------ table


def test_trace_problem9_file_table():
    result = run("trace", PROBLEM9_FILE)
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert out.startswith("Reverse mode at x = 0.5\n")
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line[:2] in ("x ", "f1", "f2", "f3", "f4", "f5", "y ")}
    assert rows["f1"][:3] == ["f1", "exp(x)", "1.64872"]
    assert rows["f3"][:4] == ["f3", "f1", "+", "f2"]
    assert rows["x"] == ["x", "input", "0.5", "555.972"]
    assert rows["y"][-1] == "1"
    steps = [line.strip() for line in out.splitlines() if line.strip()[:2] in
             [f"{i}." for i in range(1, 7)]]
    assert [s.split()[1] for s in steps] == ["∂y/∂f5", "∂y/∂f4", "∂y/∂f3", "∂y/∂f2",
                                             "∂y/∂f1", "∂y/∂x"]
    assert "3. ∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = 1·78.81 + 1·(−0.3386) = 78.47" in out


def test_trace_problem10_file_is_forward():
    result = run("trace", PROBLEM10_FILE)
    assert result.exit_code == 0
    assert result.stdout.startswith("Forward mode at x = 0.5")
    assert "1. ∂f1/∂x = exp(x) = 1.649" in result.stdout
    assert "6. ∂y/∂x = ∂y/∂f4·∂f4/∂x + ∂y/∂f5·∂f5/∂x = 1·558.4 + 1·(−2.399) = 556" in (
        result.stdout)


def test_trace_expression_text_at_overrides_and_modes():
    result = run("trace", PROBLEM9_FILE, "--at", "x=0", "--mode", "evaluate")
    assert result.exit_code == 0
    assert result.stdout.startswith("Evaluation at x = 0")
    assert "Steps:" not in result.stdout
    assert f"{math.exp(2) + math.sin(2):.6g}" in result.stdout
    result = run("trace", "a = x*w; y = sin(a)", "--at", "x=1", "--at", "w=2", "--mode",
                 "forward", "--wrt", "w")
    assert result.exit_code == 0
    assert "∂·/∂w" in result.stdout
    assert f"{math.cos(2):.6g}".replace("-", "−") in result.stdout


def test_trace_no_cse_keeps_duplicates():
    result = run("trace", PROBLEM9, "--at", "x=0.5", "--no-cse", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert sum(n["op"] == "exp" for n in data["nodes"].values()) == 5
    assert data["nodes"]["x"]["adjoint"] == pytest.approx(555.9719679, rel=1e-9)


# ------------------------------------------------------------------ json, markdown, latex


@pytest.mark.parametrize("mode, attribute", [("reverse", "adjoint"), ("forward", "tangent"),
                                             ("evaluate", None)])
def test_json_schema_and_values_equal_library(mode, attribute):
    result = run("trace", PROBLEM9, "--at", "x=1.3", "--mode", mode, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"inputs", "outputs", "nodes", "steps"} <= set(data)
    assert data["inputs"] == {"x": 1.3} and data["outputs"] == ["y"]
    G = ad.parse(PROBLEM9)
    trace = {"reverse": ad.reverse_mode, "forward": ad.forward_mode,
             "evaluate": ad.evaluate}[mode](G, {"x": 1.3})
    assert tuple(data["nodes"]) == program_of(G).order
    for n, entry in data["nodes"].items():
        assert entry["op"] == G.nodes[n]["op"]
        assert entry["operands"] == list(G.nodes[n]["operands"])
        assert entry["value"] == float(trace.value(n))
        if attribute:
            assert entry[attribute] == float(trace.derivative(n))
        other = {"adjoint", "tangent"} - {attribute}
        assert not other & set(entry)
    assert [s["node"] for s in data["steps"]] == [s.node for s in trace.steps]
    for s, step in zip(data["steps"], trace.steps):
        assert {"node", "derivative", "formula", "latex", "value", "contributions"} <= set(s)
        assert s["derivative"] == step_text.symbol(step) and s["formula"] == step_text.formula(step)
        assert s["value"] == float(step.result)
        for c, contribution in zip(s["contributions"], step.contributions):
            assert c["edge"] == [contribution.source, contribution.target]
            assert c["local_formula"] == edge_text.local_formula(contribution)
            assert c["product"] == float(contribution.product)


def test_json_reverse_step_contributions_of_problem9():
    data = json.loads(run("trace", PROBLEM9_FILE, "--format", "json").stdout)
    f1 = next(s for s in data["steps"] if s["node"] == "f1")
    assert f1["derivative"] == "∂y/∂f1"
    assert [c["local_formula"] for c in f1["contributions"]] == ["∂f2/∂f1 = 2·f1",
                                                                "∂f3/∂f1 = 1"]
    assert f1["contributions"][0]["local"] == pytest.approx(2 * math.exp(0.5))
    assert data["of"] == "y" and data["warnings"] == []


def test_markdown_format():
    result = run("trace", PROBLEM9_FILE, "--format", "markdown")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "**Reverse mode at x = 0.5**"
    assert "| node | definition | value | ∂y/∂· |" in lines
    assert "| f2 | `f1²` | 2.71828 | 78.4685 |" in lines
    assert "3. `∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = 1·78.81 + 1·(−0.3386) = 78.47`" in (
        lines)


def test_latex_format_one_line_per_step():
    result = run("trace", PROBLEM10_FILE, "--format", "latex")
    assert result.exit_code == 0
    out = result.stdout.strip().splitlines()
    assert out[0] == "% Forward mode at x = 0.5"
    assert out[1] == r"\begin{align*}" and out[-1] == r"\end{align*}"
    body = out[2:-1]
    assert len(body) == 6 and all(" &= " in line for line in body)
    assert all(line.endswith(r" \\") for line in body[:-1]) and not body[-1].endswith("\\\\")
    assert body[0] == r"  \frac{\partial f_{1}}{\partial x} &= e^{x} = 1.649 \\"


# ------------------------------------------------------------------ stdin and files


def test_stdin_source_and_program_file(tmp_path):
    result = run("trace", "-", "--at", "x=3", input="y = x^2\n")
    assert result.exit_code == 0 and "∂y/∂x = 2·x = 6" in result.stdout
    prog = tmp_path / "prog.txt"
    prog.write_text("# squared\ny = x^2\n", encoding="utf-8")
    result = run("trace", str(prog), "--at", "x=3")
    assert result.exit_code == 0 and "∂y/∂x = 2·x = 6" in result.stdout


def test_non_utf8_stdin():
    result = run("trace", "-", "--at", "x=1", input=b"y = x\xff\n")
    assert_clean_error(result, fragment="stdin: not UTF-8 text (byte 5: 0xff)")


@pytest.mark.parametrize("content, fragment", [
    ("program = 3\n", "needs a string 'program'"),
    ("program = 'y = x'\nbogus = 1\n", "unknown key 'bogus'"),
    ("program = \n", "invalid TOML"),
    ("program = 'y = x'\n[inputs]\nx = 'abc'\n",
     "x must be a number or a list of numbers, got 'abc'"),
])
def test_bad_graph_files(tmp_path, content, fragment):
    path = tmp_path / "g.toml"
    path.write_text(content, encoding="utf-8")
    assert_clean_error(run("trace", str(path)), fragment=fragment)


def test_missing_file():
    assert_clean_error(run("trace", "no/such/graph.toml"), fragment="no such file")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("source, line, column, fragment", [
    ("y = (x +", 1, 9, "end of input"),
    ("y = foo(x)", 1, 5, "unknown function foo"),
    ("y = sin(x, 2)", 1, 5, "takes 1 argument"),
    ("__import__('os')", 1, 12, "Python"),
    ("y = x.real", 1, 6, "Python"),
    ("lambda x: x", 1, 8, "Python"),
    ("y = 'abc'", 1, 5, "Python"),
    ("y = x[0]", 1, 5, "indexing"),
    ("import os", 1, 8, "Python"),
    ("a = x\nb = a $ 2", 2, 7, "'$'"),
    ("", 1, 1, "empty source"),
    ("y = sin(x)", 1, 9, "missing value for input x"),
])
def test_bad_source_exit_2_with_caret(source, line, column, fragment):
    assert_clean_error(run("trace", source, "--at", "x=1") if "missing" not in fragment
                       else run("trace", source), line, column, fragment)


@pytest.mark.parametrize("args, fragment", [
    (["--at", "x=abc"], "'abc' is not a number"),
    (["--at", "x"], "expected NAME=VALUE"),
    (["--at", "1x=2"], "not a valid input name"),
    (["--at", "x=1", "--at", "x=2"], "given twice"),
    (["--at", "x=1", "--at", "z=2"], "unknown input z"),
    (["--at", "x=1", "--of", "q"], "of 'q' names no node"),
    (["--at", "x=1", "--mode", "forward", "--wrt", "q"], "wrt 'q' names no input"),
])
def test_bad_options_exit_2(args, fragment):
    assert_clean_error(run("trace", "y = sin(x)", *args), fragment=fragment)


def test_usage_errors_are_click_exit_2():
    result = run("trace", "y = x", "--mode", "sideways")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Invalid value for '--mode'" in result.stderr


def test_source_too_large(monkeypatch):
    monkeypatch.setattr(parse_module, "MAX_SOURCE_CHARS", 50)
    assert_clean_error(run("trace", "y = " + "x + " * 20 + "x", "--at", "x=1"),
                       fragment="source too large: 85 characters (limit 50)")


# ------------------------------------------------------------------ numeric trouble


@pytest.mark.parametrize("source, shown, warned", [
    ("y = log(x - 2)", "nan", "1:5: y = log(f1) gives value = nan"),
    ("y = 1/(x - 1)", "inf", "1:5: y = 1/f1 gives value = inf"),
    ("y = exp(1000*x)", "inf", "1:5: y = exp(f1) gives value = inf"),
])
def test_numeric_trouble_warns_and_exits_0(source, shown, warned):
    result = run("trace", source, "--at", "x=1")
    assert result.exit_code == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("y "))
    assert shown in row
    assert f"graphviz-ad: warning: {warned}" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    data = json.loads(run("trace", source, "--at", "x=1", "--format", "json").stdout)
    assert data["nodes"]["y"]["nonfinite"] is True and data["nodes"]["y"]["value"] == shown
    assert any(warned in w for w in data["warnings"])


# ------------------------------------------------------------------ check


def test_check_problem9_passes():
    result = run("check", PROBLEM9_FILE)
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + 12 + 1
    assert lines[-1].startswith("worst error: ") and lines[-1].endswith("— OK")
    assert any(line.split()[:2] == ["reverse", "∂y/∂x"] for line in lines)


def test_check_fails_with_tiny_tolerance_or_at_a_kink():
    result = run("check", PROBLEM9_FILE, "--tolerance", "1e-300")
    assert result.exit_code == 1 and "FAILED (tolerance 1e-300)" in result.stdout
    result = run("check", "y = relu(x)", "--at", "x=0", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["worst_error"] == pytest.approx(0.5)


def test_check_bad_source_exit_2():
    assert_clean_error(run("check", "y = (x", "--at", "x=1"), 1, 7, "end of input")
    assert_clean_error(run("check", "y = 2"), fragment="nothing to check")


# ------------------------------------------------------------------ help and version


def test_version_and_help():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"graphviz-ad, version {ad.__version__}"
    result = run("--help")
    assert result.exit_code == 0 and "trace" in result.stdout and "check" in result.stdout
    for command in ("trace", "check"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert f"Usage: main {command} [OPTIONS] SOURCE" in result.stdout
        assert "--at NAME=VALUE" in result.stdout
    assert "Comma list of: table, json, markdown, latex, toml." in " ".join(
        run("trace", "--help").stdout.split())
    assert "--tolerance" in run("check", "--help").stdout


# ------------------------------------------------------------------ real processes


def _env():
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def test_subprocess_python_m():
    ok = subprocess.run([sys.executable, "-m", "graphviz_ad", "trace", PROBLEM9_FILE,
                         "--format", "json"], capture_output=True, text=True, env=_env(),
                        timeout=120, encoding="utf-8")
    assert ok.returncode == 0 and ok.stderr == ""
    assert json.loads(ok.stdout)["nodes"]["x"]["adjoint"] == pytest.approx(555.97196790)
    bad = subprocess.run([sys.executable, "-m", "graphviz_ad", "trace", "y = foo(x)",
                          "--at", "x=1"], capture_output=True, text=True, env=_env(),
                         timeout=120, encoding="utf-8")
    assert bad.returncode == 2 and bad.stdout == ""
    first, *rest = bad.stderr.splitlines()
    assert first.startswith("graphviz-ad: error: 1:5: unknown function foo(); known "
                            "functions: abs, amax, avgpool1d, avgpool2d, conv1d, conv2d, cos, ")
    assert rest == ["  y = foo(x)", "      ^"]
    warn = subprocess.run([sys.executable, "-m", "graphviz_ad", "trace", "-", "--at", "x=0"],
                          input="y = log(x)\n", capture_output=True, text=True, env=_env(),
                          timeout=120, encoding="utf-8")
    assert warn.returncode == 0 and "−inf" in warn.stdout
    assert "graphviz-ad: warning: 1:5: y = log(x) gives value = −inf" in warn.stderr
    raw = subprocess.run([sys.executable, "-m", "graphviz_ad", "trace", "-", "--at", "x=0"],
                         input=b"y = \xff", capture_output=True, env=_env(), timeout=120)
    assert raw.returncode == 2 and b"not UTF-8" in raw.stderr and b"Traceback" not in raw.stderr


@pytest.mark.skipif(shutil.which("graphviz-ad") is None, reason="console script not on PATH")
def test_console_script():
    exe = shutil.which("graphviz-ad")
    result = subprocess.run([exe, "check", PROBLEM9_FILE], capture_output=True, text=True,
                            env=_env(), timeout=120, encoding="utf-8")
    assert result.returncode == 0 and result.stdout.rstrip().endswith("— OK")
    result = subprocess.run([exe, "check", PROBLEM9_FILE, "--tolerance", "1e-300"],
                            capture_output=True, text=True, env=_env(), timeout=120,
                            encoding="utf-8")
    assert result.returncode == 1
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and ad.__version__ in result.stdout


def test_trace_tells_rebound_versions_apart_and_check_names_elements():
    result = run("trace", "c = x + 1; c = c*c; c *= 2", "--at", "x=3")
    assert result.exit_code == 0, result.stderr
    assert "  2. ∂c/∂c⁽¹⁾ = ∂c/∂c⁽²⁾·∂c⁽²⁾/∂c⁽¹⁾ = 2·8 = 16" in result.stdout
    result = run("trace", "y = x", "--at", "x=[1,2,3]")
    assert "∂(Σy)/∂x = " in result.stdout
    result = run("check", "y = sum(z*w)", "--at", "z=[1,2]", "--at", "w=[3,5]")
    assert result.exit_code == 0, result.stderr
    assert "∂y/∂z[" in result.stdout and "∂y/∂z " not in result.stdout


def test_json_is_streamed_text_identical_to_the_library():
    """`--format json` writes the trace a piece at a time; the text is ad.to_json(trace)'s."""
    source = "a = x*w; y = sin(a) + a^2"
    result = CliRunner().invoke(main, ["trace", source, "--at", "x=0.5", "--at", "w=-2",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    expected = ad.to_json(ad.reverse_mode(ad.parse(source), {"x": 0.5, "w": -2.0}))
    assert result.output == expected + "\n"
    # d/dx of sin(xw) + (xw)^2 = w cos(xw) + 2xw^2
    x = json.loads(result.output)["nodes"]["x"]
    assert math.isclose(x["adjoint"], -2 * math.cos(-1.0) + 2 * 0.5 * 4)


def test_several_passes_stream_one_json_list_identical_to_json_dumps():
    """`--mode both --format json`: one list, the text json.dumps gives for the passes' dicts."""
    source = "y = sin(x*w)"
    result = CliRunner().invoke(main, ["trace", source, "--at", "x=1", "--at", "w=2",
                                       "--mode", "both", "--format", "json"])
    assert result.exit_code == 0, result.output
    G, at = ad.parse(source), {"x": 1.0, "w": 2.0}
    passes = [ad.forward_mode(G, at, wrt="x"), ad.reverse_mode(G, at)]
    assert result.output == json.dumps([ad.to_dict(p) for p in passes], indent=2,
                                       ensure_ascii=False) + "\n"
