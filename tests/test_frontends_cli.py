"""``FILE.py:NAME`` on the command line, and every front end's program written out as a graph
file (``trace --format toml``, :meth:`Traced.graph_file`) that loads back to the same values
and derivatives."""

from __future__ import annotations

import contextlib
import json
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.explain import steps as step_text
from graphviz_ad.frontends.sources import load

MODEL = '''
import numpy as np

X = np.array([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3]])
print("the model file ran")


def loss(W, b=0.1):
    z = np.tanh(X @ W + b)
    L = np.sum(z**2)
    return L


def unknown_call(x):
    y = np.arctan(x)
    return y


def crash(x):
    return undefined_name * x


if __name__ == "__main__":
    open("MAIN_RAN", "w").write("the __main__ block ran")
'''


def _run(*args, tmp_path):
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        (tmp_path_model := __import__("pathlib").Path("model.py")).write_text(MODEL)
        result = runner.invoke(main, list(args), catch_exceptions=False)
        main_ran = __import__("pathlib").Path("MAIN_RAN").exists()
        assert tmp_path_model.exists()
    return result, main_ran


def _reference_loss_gradient(W, b):
    X = np.array([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.3]])
    z = np.tanh(X @ W + b)
    return X.T @ (2 * z * (1 - z**2)), np.sum(2 * z * (1 - z**2))


def test_trace_a_function_of_a_python_file(tmp_path):
    result, main_ran = _run("trace", "model.py:loss", "--at", "W=[0.5,-0.25]",
                            "--format", "json", tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    assert not main_ran  # imported, not run as a script
    assert "the model file ran" in result.stderr  # its prints go to stderr
    document = json.loads(result.stdout)
    assert document["of"] == "L" and document["outputs"] == ["L"]
    gW, gb = _reference_loss_gradient(np.array([0.5, -0.25]), 0.1)
    nodes = document["nodes"]
    assert np.allclose(nodes["W"]["adjoint"], gW, rtol=1e-9)
    assert np.isclose(nodes["b"]["adjoint"], gb, rtol=1e-9)


def test_the_toml_written_loads_back_to_the_same_derivatives(tmp_path):
    result, _ = _run("trace", "model.py:loss", "--at", "W=[0.5,-0.25]", "--format", "toml",
                     tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    path = tmp_path / "loss.toml"
    path.write_text(result.stdout)
    src, G, inputs = load(path)
    assert src.settings["of"] == "L" and "X" in src.data
    trace = ad.reverse_mode(G, inputs)
    gW, gb = _reference_loss_gradient(np.array([0.5, -0.25]), 0.1)
    np.testing.assert_allclose(trace.derivative("W"), gW, rtol=1e-12)
    assert float(trace.derivative("b")) == pytest.approx(gb, rel=1e-12)


@pytest.mark.parametrize("args, expected", [
    (["trace", "model.py:unknown_call", "--at", "x=1"], "model.py:15:9: np.arctan has no rule"),
    (["trace", "model.py:crash", "--at", "x=1"], "model.py:20: NameError: name 'undefined_name'"),
    (["trace", "model.py"], "model.py is Python: name the function"),
    (["trace", "model.py:nope"], "model.py: no function 'nope' (found: crash, loss, unknown_call)"),
    (["trace", "model.py:loss"], "loss() needs a value for W: give --at W=…"),
    (["check", "model.py:loss", "--at", "W=[1,2]", "--at", "q=1"], "loss() has no parameter q"),
    (["trace", "absent.py:f"], "absent.py: no such file"),
])
def test_errors_are_one_line_with_exit_code_2(tmp_path, args, expected):
    result, _ = _run(*args, tmp_path=tmp_path)
    assert result.exit_code == 2
    message = result.stderr.strip().splitlines()[-1]
    assert expected in message, message
    assert "Traceback" not in result.stderr


def test_a_syntax_error_names_file_line_and_column(tmp_path):
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        open("bad.py", "w").write("def f(x):\n    return x +\n")
        result = runner.invoke(main, ["trace", "bad.py:f", "--at", "x=1"])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("graphviz-ad: error: bad.py:2:")
    assert "SyntaxError" in result.stderr


def test_help_says_a_python_file_is_run_and_graph_files_never(tmp_path):
    text = " ".join(CliRunner().invoke(main, ["trace", "--help"]).stdout.split())
    assert "FILE.py:NAME" in text and "RUN as Python" in text
    assert "Graph files, program files and expressions are never executed" in text


def test_a_graph_file_naming_python_never_runs_it(tmp_path):
    """A program that mentions a .py file is text to parse, not a file to run."""
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        open("evil.py", "w").write("open('RAN', 'w').write('x')\ndef f(x):\n    return x\n")
        open("g.toml", "w").write('program = "y = evil.py:f"\n')
        result = runner.invoke(main, ["trace", "g.toml"])
        assert result.exit_code == 2
        assert not __import__("os").path.exists("RAN")


# -- the round trip, per front end ------------------------------------------------------------

def _round_trip(traced, tmp_path):
    path = tmp_path / "traced.toml"
    path.write_text(traced.graph_file())
    src, G, inputs = load(path)
    assert set(inputs) == set(traced.inputs)
    of = traced.of[0]
    ours, theirs = ad.reverse_mode(*traced, of=of), ad.reverse_mode(G, inputs, of=of)
    np.testing.assert_allclose(theirs.value(of), ours.value(of), rtol=1e-12)
    for name in traced.inputs:
        np.testing.assert_allclose(theirs.derivative(name), ours.derivative(name), rtol=1e-12,
                                   atol=1e-300)
    assert [step_text.texts(s) for s in theirs.steps] == [step_text.texts(s) for s in ours.steps]


def test_round_trip_numpy(tmp_path):
    def net(x, W, b):
        h = x
        for _ in range(2):
            h = np.tanh(W @ h + b)
        e = np.exp(-h)  # e is bound: it shadows the constant e, as the language allows
        loss = np.mean(e * h) + np.sum(np.maximum(h, 0))
        return loss

    traced = ad.trace_function(net, x=np.array([1.0, -0.5]), W=np.array([[0.3, -1.0],
                               [0.8, 0.2]]), b=np.array([0.1, 0.0]))
    _round_trip(traced, tmp_path)


def test_round_trip_micrograd(tmp_path):
    micrograd = pytest.importorskip("micrograd.engine")
    a = micrograd.Value(-4.0)
    b = micrograd.Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    _round_trip(ad.from_micrograd(g), tmp_path)




def test_a_micrograd_value_in_a_file_is_read(tmp_path):
    pytest.importorskip("micrograd")
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        open("chain.py", "w").write(textwrap.dedent("""
            from micrograd.engine import Value
            a = Value(2.0)
            b = Value(-3.0)
            L = a * b + a
        """))
        result = runner.invoke(main, ["trace", "chain.py:L", "--format", "toml"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "chain.toml"
    path.write_text(result.stdout)
    trace = ad.reverse_mode(*load(path)[1:])
    assert float(trace.derivative("a")) == pytest.approx(-2.0)  # b + 1
    assert float(trace.derivative("b")) == pytest.approx(2.0)


def test_the_graph_file_escapes_its_title(tmp_path):
    traced = ad.trace_function(lambda x: np.sin(x), x=0.5)
    traced.title = 'a "quoted"\x7f title\n[inputs]\nx = 99'
    path = tmp_path / "t.toml"
    path.write_text(traced.graph_file())
    src, G, inputs = load(path)
    assert src.title == traced.title and inputs == {"x": 0.5}


def test_render_draws_a_traced_function(tmp_path):
    result, _ = _run("render", "model.py:loss", "--at", "W=[0.5,-0.25]", "--format", "svg",
                     "--out", str(tmp_path / "out"), tmp_path=tmp_path)
    assert result.exit_code == 0, result.output
    frames = sorted((tmp_path / "out").glob("*.svg"))
    assert len(frames) == 1 + 8  # the whole graph, then one frame per reverse step
    assert "tanh" in frames[0].read_text()


def test_a_worksheet_of_a_traced_function_varies_its_defaults(tmp_path):
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        open("p9.py", "w").write(textwrap.dedent("""
            import numpy as np

            def f(x=0.5):
                y = np.exp(np.exp(x) + np.exp(x)**2) + np.sin(np.exp(x) + np.exp(x)**2)
                return y
        """))
        result = runner.invoke(main, ["worksheet", "p9.py:f", "--vary", "x=0.1:0.9",
                                      "--variants", "2", "--format", "md", "--out", "ws"])
        assert result.exit_code == 0, result.output
        key = open("ws/v01-key.md", encoding="utf-8").read()
    assert "∂y/∂f5" in key and "∂y/∂x" in key
