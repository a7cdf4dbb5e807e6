"""One vocabulary on every command (issue 11, item 3): what several --wrt/--of mean,
--sweep for the Jacobian's sweeps, gradient descent spelled --lr/--steps/--start in every
plot, old spellings kept with one warning line, bad values one line with exit 2."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.cli.rf import rf

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
PRODUCT = ["y = sin(x)*w", "--at", "x=0.5", "--at", "w=3"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("graphviz-ad: error:")]
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert "Traceback" not in result.output


def test_trace_runs_one_forward_pass_per_wrt():
    result = run("trace", *PRODUCT, "--mode", "forward", "--wrt", "x", "--wrt", "w",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    passes = json.loads(result.stdout)
    assert [p["wrt"] for p in passes] == ["x", "w"]
    tangents = [p["nodes"]["y"]["tangent"] for p in passes]
    assert tangents == pytest.approx([math.cos(0.5) * 3, math.sin(0.5)])


def test_trace_runs_one_reverse_pass_per_of_and_both_runs_all():
    program = ["a = x*x; b = x*x*x", "--at", "x=2"]
    result = run("trace", *program, "--of", "a", "--of", "b", "--format", "json")
    passes = json.loads(result.stdout)
    assert [(p["mode"], p["of"]) for p in passes] == [("reverse", "a"), ("reverse", "b")]
    assert [p["nodes"]["x"]["adjoint"] for p in passes] == pytest.approx([4.0, 12.0])
    both = json.loads(run("trace", *program, "--mode", "both", "--of", "a", "--of", "b",
                          "--format", "json").stdout)
    assert [(p["mode"], p.get("of")) for p in both] == [("forward", None), ("reverse", "a"),
                                                        ("reverse", "b")]


def test_a_direction_needs_one_pass():
    one_error(run("trace", *PRODUCT, "--mode", "forward", "--wrt", "x", "--wrt", "w",
                  "--direction", "2"), "give one --wrt")


def test_trace_prints_each_format_asked_for():
    result = run("trace", *PRODUCT, "--format", "table,json")
    assert result.exit_code == 0, result.output
    table, _, rest = result.stdout.partition("\n{")
    assert "Steps:" in table and json.loads("{" + rest)["mode"] == "reverse"


@needs_dot
def test_render_writes_one_animation_per_wrt(tmp_path):
    result = run("render", *PRODUCT, "--mode", "forward", "--wrt", "x", "--wrt", "w",
                 "--format", "html", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    pages = {p.name: p.read_text() for p in tmp_path.glob("*.html")}
    assert sorted(n.rsplit("-", 2)[-2:] for n in pages) == [["forward", "w.html"],
                                                            ["forward", "x.html"]]
    assert "∂y/∂x" in pages[next(n for n in pages if n.endswith("-x.html"))]
    assert "∂y/∂w" in pages[next(n for n in pages if n.endswith("-w.html"))]
    both = run("render", *PRODUCT, "--mode", "both", "--format", "html", "--out",
               str(tmp_path / "both"))
    assert both.exit_code == 0, both.output
    assert [p.name.rsplit("-", 1)[-1] for p in (tmp_path / "both").glob("*.html")] == \
        ["both.html"]  # one forward and one reverse pass: still one animation


def test_check_limits_each_mode_to_the_names_given():
    result = run("check", "a = x*w; b = x + w", "--at", "x=1", "--at", "w=2", "--wrt", "x",
                 "--of", "b", "--format", "json")
    assert result.exit_code == 0, result.output
    forward = [c for c in json.loads(result.stdout)["comparisons"] if c["mode"] == "forward"]
    reverse = [c for c in json.loads(result.stdout)["comparisons"] if c["mode"] == "reverse"]
    assert forward and all(c["derivative"].endswith("/∂x") for c in forward)
    assert reverse and all(c["derivative"].startswith("∂b/") for c in reverse)


def test_check_says_which_array_elements_it_checked():
    values = ",".join(str(k) for k in range(1, 101))
    result = run("check", "y = sum(z*z)", "--at", f"z=[{values}]", "--wrt", "z")
    assert result.exit_code == 0, result.output
    assert "each row shows the worst checked element" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if "z: " in ln and "of 100" in ln)
    assert "64 of 100 elements checked" in line and "z[0]" in line and "z[99]" in line
    doc = json.loads(run("check", "y = sum(z*z)", "--at", f"z=[{values}]", "--format",
                         "json").stdout)
    checked = {c["array"]: c for c in doc["checked"]}
    assert checked["z"]["size"] == 100 and len(checked["z"]["elements"]) == 64
    assert checked["z"]["elements"][0] == [0] and checked["z"]["elements"][-1] == [99]
    small = run("check", "y = sum(z*z)", "--at", "z=[1,2,3]")
    assert "every element checked of z (3)" in small.stdout


def test_jacobian_sweeps_agree_and_the_old_spelling_warns():
    args = ["jacobian", "a = x*y; b = x + y*y", "--at", "x=1", "--at", "y=2", "--of", "a",
            "--of", "b", "--format", "json"]
    forward = json.loads(run(*args, "--sweep", "forward").stdout)
    reverse = json.loads(run(*args, "--sweep", "reverse").stdout)
    assert forward["jacobian"] == reverse["jacobian"] == [[2.0, 1.0], [1.0, 4.0]]
    assert forward["rows"] == ["a", "b"] and forward["columns"] == ["x", "y"]
    old = run(*args[:-2], "--mode", "forward")
    assert old.exit_code == 0 and "forward mode" in old.stdout
    assert "jacobian --mode is now --sweep" in old.stderr


def test_hessian_prints_one_hessian_per_of():
    docs = json.loads(run("hessian", "a = x*x*y; b = x*y*y", "--at", "x=1", "--at", "y=2",
                          "--of", "a", "--of", "b", "--format", "json").stdout)
    assert [d["of"] for d in docs] == ["a", "b"]
    assert docs[0]["hessian"] == [[4.0, 2.0], [2.0, 0.0]]  # ∂²(x²y): 2y, 2x; 2x, 0
    assert docs[1]["hessian"] == [[0.0, 4.0], [4.0, 2.0]]  # ∂²(xy²): 0, 2y; 2y, 2x
    assert docs[0]["eigenvalues"] == pytest.approx(sorted(np.linalg.eigvalsh([[4, 2], [2, 0]])))


LSQ = ["L = sum((phi0 + phi1*x - y)^2)", "--at", "x=[1,2,3]", "--at", "y=[1,0,2]"]
GRID = ["--over", "phi0=-2:2:21", "--over", "phi1=-2:2:21"]


@pytest.mark.parametrize("path_options", [["--lr", "0.02", "--steps", "5"],
                                          ["--start", "phi0=1"],
                                          ["--path", "gd:lr=0.02,steps=5"],
                                          ["--path", "gd"]])
def test_surface_draws_gradient_descent_from_the_shared_options(path_options, monkeypatch):
    from graphviz_ad.plots import charts as plots

    trails = []
    real = plots.gradient_descent
    monkeypatch.setattr(plots, "gradient_descent",
                        lambda *a, **k: trails.append(real(*a, **k)) or trails[-1])
    monkeypatch.setattr(plots, "save", lambda fig, out: [])
    result = run("plot", "surface", *LSQ, *GRID, *path_options, "--out", "s.png")
    assert result.exit_code == 0, result.output
    assert len(trails) == 1
    steps = 5 if "--steps" in path_options or "gd:lr=0.02,steps=5" in path_options else 40
    assert len(trails[0]) == steps + 1
    assert ("deprecated" in result.stderr) == ("--path" in path_options)


def test_surface_without_descent_options_draws_no_path(monkeypatch):
    from graphviz_ad.plots import charts as plots

    monkeypatch.setattr(plots, "gradient_descent", lambda *a, **k: pytest.fail("a path"))
    monkeypatch.setattr(plots, "save", lambda fig, out: [])
    assert run("plot", "surface", *LSQ, *GRID, "--out", "s.png").exit_code == 0


@pytest.mark.parametrize("args, fragment", [
    (["trace", "y = x", "--at", "x=1", "--format", "table,yaml"], "unknown format 'yaml'"),
    (["render", "y = x", "--at", "x=1", "--slide", "4:1"], "slide ratio"),
    (["plot", "surface", *LSQ, "--over", "phi0=-2:2:1", "--over", "phi1=0:1", "--out",
      "s.png"], "COUNT must be between 2"),
    (["plot", "surface", *LSQ, *GRID, "--start", "phi0", "--out", "s.png"], "NAME=VALUE"),
    (["plot", "curves", *LSQ, "--x", "phi0", "--out", "s.png"], "NAME=VALUE"),
    (["plot", "surface", *LSQ, *GRID, "--slide", "16x9x2", "--out", "s.png"], "slide ratio"),
])
def test_bad_values_are_one_line_exit_2(args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    one_error(run(*args), fragment)
    assert list(tmp_path.iterdir()) == []


def test_a_command_run_on_its_own_reports_bad_values_in_one_line_too():
    result = CliRunner().invoke(rf, ["--layer", "k=3", "--unit", "middle"])
    one_error(result, "--unit needs an integer")
