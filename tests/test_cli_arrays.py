"""CLI for issue 5: jacobian, hessian, cost and plot — values, files, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from graphviz_ad.cli import main

LSQ = "L = sum((phi0 + phi1*x - y)^2)"
DATA = ["--at", "x=[1, 2, 3]", "--at", "y=[1, 0, 2]"]


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result


def assert_one_line_error(result, fragment):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("graphviz-ad:")]
    assert len(lines) == 1 and fragment in lines[0], result.stderr


def test_jacobian_softmax_values():
    r = run("jacobian", "s = softmax(z)", "--at", "z=[1,2,3]", "--wrt", "z", "--format", "json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    z = np.array([1.0, 2.0, 3.0])
    s = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(out["jacobian"], np.diag(s) - np.outer(s, s), atol=1e-14)
    assert out["rows"] == ["s[0]", "s[1]", "s[2]"] and out["columns"] == ["z[0]", "z[1]", "z[2]"]
    table = run("jacobian", "s = softmax(z)", "--at", "z=[1,2,3]", "--wrt", "z")
    assert "Jacobian ∂s/∂z (3×3, reverse mode" in table.stdout and "0.184836" in table.stdout


def test_hessian_table_and_json():
    r = run("hessian", LSQ, *DATA, "--at", "phi0=0", "--at", "phi1=1", "--wrt", "phi0",
            "--wrt", "phi1")
    assert r.exit_code == 0, r.output
    assert "phi0     6    12" in r.stdout and "phi1    12    28" in r.stdout
    assert "trace: 34   determinant: 24" in r.stdout
    assert "verdict: convex here" in r.stdout
    j = json.loads(run("hessian", LSQ, *DATA, "--at", "phi0=0", "--at", "phi1=1", "--wrt",
                       "phi0", "--wrt", "phi1", "--format", "json").stdout)
    assert j["hessian"] == [[6, 12], [12, 28]] and j["convex"] is True
    saddle = run("hessian", "L = phi0^2 - phi1^2", "--at", "phi0=0", "--at", "phi1=0")
    assert "not convex" in saddle.stdout and "eigenvalues: −2, 2" in saddle.stdout


def test_hessian_graph_file_problem7():
    r = run("hessian", "graphs/problem7.toml", "--wrt", "phi0", "--wrt", "phi1", "--format",
            "json")
    x = np.array([-2.0, -1.2, -0.5, 0.3, 0.9, 1.6, 2.4, 3.1])
    np.testing.assert_allclose(json.loads(r.stdout)["hessian"],
                               2 * np.array([[8, x.sum()], [x.sum(), (x * x).sum()]]))


def test_data_files(tmp_path):
    (tmp_path / "d.csv").write_text("x,y,unused\n1,1,9\n2,0,9\n3,2,9\n")
    r = run("hessian", LSQ, "--data", str(tmp_path / "d.csv"), "--at", "phi0=0", "--at",
            "phi1=1", "--wrt", "phi0", "--wrt", "phi1", "--format", "json")
    assert json.loads(r.stdout)["hessian"] == [[6, 12], [12, 28]]
    np.save(tmp_path / "x.npy", np.array([1.0, 2.0, 3.0]))
    np.save(tmp_path / "t.npy", np.array([1.0, 0.0, 2.0]))
    r = run("hessian", LSQ, "--data", str(tmp_path / "x.npy"), "--data",
            f"y={tmp_path / 't.npy'}", "--at", "phi0=0", "--at", "phi1=1", "--format", "json",
            "--wrt", "phi0", "--wrt", "phi1")
    assert json.loads(r.stdout)["hessian"] == [[6, 12], [12, 28]]


def test_cost_command(tmp_path):
    r = run("cost", "graphs/problem10.toml")
    assert r.exit_code == 0 and "forward mode: 1 sweep" in r.stdout
    r = run("cost", "y = sin(x1)*x2 + sin(x2)*x3", "--out", str(tmp_path / "cost.png"))
    assert "forward mode: 3 sweeps" in r.stdout and "reverse mode: 1 sweep " in r.stdout
    assert "cheaper: reverse" in r.stdout
    assert (tmp_path / "cost.png").stat().st_size > 1000


def test_cost_plots_the_program_it_was_given(monkeypatch):
    """The bars are SOURCE's own counts: 5 input elements and 2 outputs make forward mode
    5 sweeps and reverse mode 2 of the same per-sweep cost."""
    from graphviz_ad.plots import charts as plots

    figs = []
    monkeypatch.setattr(plots, "save", lambda fig, out: figs.append(fig) or [])
    r = run("cost", "a = sum(z*w); b = sum(z)", "--at", "z=[1,2,3,4]", "--at", "w=1",
            "--of", "a", "--of", "b", "--out", "cost.png")
    assert r.exit_code == 0, r.output
    per_sweep = int(r.stdout.split("one sweep: ")[1].split()[0])
    forward, reverse = (bar.get_width() for bar in figs[0].axes[0].patches)
    assert (forward, reverse) == (5 * per_sweep, 2 * per_sweep)
    assert "(2×5)" in figs[0]._suptitle.get_text()


@pytest.mark.parametrize("args, fragment", [
    (["jacobian", "s = softmax(z)", "--at", "z=[1,[2]]"], "list of numbers"),
    (["jacobian", "s = softmax(z)", "--at", "z=[1,2"], "is not a list of numbers"),
    (["jacobian", "y = x + w", "--at", "x=[1,2]", "--at", "w=[1,2,3]"], "do not broadcast"),
    (["hessian", "s = softmax(z)", "--at", "z=[1,2]"], "scalar output"),
    (["hessian", LSQ, *DATA, "--at", "phi0=0", "--at", "phi1=0", "--wrt", "q"], "names no input"),
    (["jacobian", "y = x[i]", "--at", "x=[1]"], "constant integer"),
    (["jacobian", "y = x[3]", "--at", "x=[1]"], "out of range"),
    (["hessian", LSQ, "--data", "nope.csv"], "cannot read"),
    (["hessian", LSQ, "--data", "nope.txt"], ".csv or .npy"),
    (["cost", "y = x", "--wrt", "q"], "names no input"),
    (["cost", "y = x", "--of", "q"], "names no node"),
    (["plot", "surface", LSQ, *DATA, "--over", "phi0=-1:1", "--out", "x.png"], "two --over"),
    (["plot", "surface", LSQ, *DATA, "--over", "phi0=1:-1", "--over", "phi1=0:1", "--out",
      "x.png"], "LOW < HIGH"),
    (["plot", "surface", LSQ, *DATA, "--over", "phi0=-1:1", "--over", "phi1=0:1", "--out",
      "x.txt"], "extension"),
    (["plot", "surface", "L = phi0 + phi1*x", *DATA[:2], "--over", "phi0=-1:1", "--over",
      "phi1=0:1", "--out", "x.png"], "one number per point"),
    (["plot", "surface", LSQ, *DATA, "--over", "phi0=-1:1", "--over", "phi1=0:1", "--path",
      "sgd:lr=1", "--out", "x.png"], "gd:lr"),
    (["plot", "curves", "y = sigmoid(a*x)", "--x", "x=-1:1", "--each", "a=1,b", "--out",
      "x.png"], "not a number"),
    (["plot", "curves", "y = sigmoid(a*x)", "--x", "x=-1:1", "--vary", "a=1,b", "--out",
      "x.png"], "not a number"),
    (["plot", "surface", LSQ, *DATA, "--over", "phi0=-1:1", "--over", "phi1=0:1", "--start",
      "x=1", "--out", "x.png"], "not one of the --over inputs"),
    (["plot", "surface", LSQ, *DATA, "--of", "L", "--of", "L", "--over", "phi0=-1:1",
      "--over", "phi1=0:1", "--out", "x.png"], "draws one output"),
    (["plot", "jacobian", "s = softmax(z)", "--at", "z=[1,2]", "--wrt", "z", "--wrt", "z",
      "--out", "x.png"], "draws one input"),
    (["plot", "curves", "y = sigmoid(a*x)", "--x", "q=-1:1", "--at", "a=1", "--out", "x.png"],
     "no such input"),
    (["plot", "weight-decay", LSQ, *DATA, "--over", "phi0=-1:1", "--over", "phi1=0:1",
      "--lr", "0", "--out", "x.png"], "'--lr': 0.0 is not in the range x>0"),
    (["plot", "jacobian", "s = softmax(z)", "--at", "z=[1,2]", "--wrt", "w", "--out", "x.png"],
     "no such input"),
])
def test_bad_input_one_line_exit_2(args, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run(*args), fragment)


def _png(path, size=None):
    assert path.stat().st_size > 5000
    with Image.open(path) as image:
        if size:
            assert image.size == size
        assert len(np.unique(np.asarray(image.convert("L")))) > 20  # not blank


def test_plot_commands_write_files(tmp_path):
    out = tmp_path / "curves.png"
    r = run("plot", "curves", "y = sigmoid(phi0 + phi1*x)", "--x", "x=-5:5", "--each",
            "phi1=0.5,1,2", "--at", "phi0=0", "--out", str(out), "--slide", "16:9")
    assert r.exit_code == 0, r.output
    assert "3 curves" in r.stdout and f"wrote {out}" in r.stderr
    _png(out, (1920, 1080))
    out = tmp_path / "surface.svg"
    r = run("plot", "surface", LSQ, *DATA, "--over", "phi0=-3:3:41", "--over", "phi1=-3:3:41",
            "--lr", "0.02", "--steps", "20", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "41×41 grid" in r.stdout
    assert out.read_text().startswith("<?xml") and "gradient descent" in out.read_text()
    out = tmp_path / "convex.pdf"
    r = run("plot", "convexity", LSQ, *DATA, "--over", "phi0=-3:3:21", "--over",
            "phi1=-3:3:21", "--out", str(out))
    lam = float(r.stdout.split(":")[-1])
    H = np.array([[6, 12], [12, 28]])
    assert lam == pytest.approx(np.linalg.eigvalsh(H).min(), rel=1e-5)
    assert out.read_bytes().startswith(b"%PDF")
    out = tmp_path / "decay.png"
    r = run("plot", "weight-decay", LSQ, *DATA, "--over", "phi0=-3:3:31", "--over",
            "phi1=-3:3:31", "--lam", "0.1", "--lr", "0.01", "--steps", "15", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert float(r.stdout.split(":")[-1]) < 1e-12
    _png(out)
    out = tmp_path / "softmax.png"
    r = run("plot", "jacobian", "graphs/problem1.toml", "--of", "s", "--wrt", "z", "--out",
            str(out))
    assert r.exit_code == 0 and "Jacobian 3×3" in r.stdout
    _png(out)


def test_gallery_writes_graph_file_plots(tmp_path):
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "p.toml").write_text(
        'title = "t"\nprogram = "L = sum((phi0 + phi1*x - y)^2)"\n'
        "[inputs]\nphi0 = 0.0\nphi1 = 0.0\n"
        "[data]\nx = {normal = [0, 1], size = 5, seed = 1}\ny = [1, 2, 3, 4, 5]\n"
        '[[plots]]\nkind = "surface"\nover = ["phi0=-2:2:21", "phi1=-2:2:21"]\n'
        '[[plots]]\nkind = "convexity"\nover = ["phi0=-2:2:11", "phi1=-2:2:11"]\n')
    r = run("gallery", str(graphs), "--out", str(tmp_path / "out"), "--format", "png")
    assert r.exit_code == 0, r.output
    _png(tmp_path / "out" / "p" / "p-plot1-surface.png")
    _png(tmp_path / "out" / "p" / "p-plot2-convexity.png")
