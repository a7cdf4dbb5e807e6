"""One name, one node (issue 17.5): a re-bound name means its last binding everywhere, as
in Python; earlier bindings are c#1, c#2, … (shown c⁽¹⁾, c⁽²⁾).  The oracle is
micrograd's README example (values and gradients printed there), recomputed here in plain
Python with its own chain rule."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import graphviz_ad as ad
from graphviz_ad.cli import main

# micrograd's README chain, in graphviz-ad's language (a = -4, b = 2 given as inputs)
MICROGRAD = """
c = a + b
d = a * b + b^3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + relu(b + a)
d += 3 * d + relu(b - a)
e = c - d
f = e^2
g = f / 2.0
g += 10.0 / f
"""
AT = {"a": -4.0, "b": 2.0}


def _micrograd(a: float, b: float) -> float:
    """The same chain in plain Python (what micrograd's Values compute)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + max(b + a, 0.0)
    d += 3 * d + max(b - a, 0.0)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_the_micrograd_chain_gives_micrograds_numbers_under_every_name():
    G = ad.parse(MICROGRAD)
    assert ad.program_of(G).outputs == ("g",)
    ev = ad.evaluate(G, AT)
    assert float(ev.value("g")) == pytest.approx(24.7041, abs=1e-4)
    assert float(ev.value("g")) == pytest.approx(_micrograd(-4.0, 2.0), rel=1e-12)
    assert float(ev.value("g#1")) == float(ev.value("g⁽¹⁾")) == pytest.approx(24.5)
    forward = ad.forward_mode(G, AT, wrt="a")
    assert float(forward.derivative("g")) == pytest.approx(138.8338, abs=1e-4)
    reverse = ad.reverse_mode(G, AT, of="g")
    assert float(reverse.derivative("a")) == pytest.approx(138.8338, abs=1e-4)
    assert float(reverse.derivative("b")) == pytest.approx(645.5773, abs=1e-4)
    h = 1e-6  # the oracle's own central differences
    assert float(reverse.derivative("b")) == pytest.approx(
        (_micrograd(-4.0, 2.0 + h) - _micrograd(-4.0, 2.0 - h)) / (2 * h), rel=1e-6)
    assert reverse.node("g") == "g" and reverse.node("f/2") == "g#1"
    assert reverse.node("c") == "c" and reverse.node("c⁽²⁾") == "c#2"
    assert ad.reverse_mode(G, AT, of="g#1").derivative("a") == pytest.approx(
        ad.forward_mode(G, AT, wrt="a").derivative("g#1"))


def test_the_table_shows_the_spelling_that_reaches_each_version():
    table = ad.table(ad.evaluate(ad.parse(MICROGRAD), AT))
    labels = [row.split()[0] for row in table.splitlines()[4:] if row.strip()]
    assert labels[:8] == ["a", "b", "c⁽¹⁾", "f1", "f2", "d⁽¹⁾", "f3", "c⁽²⁾"]
    assert "g⁽¹⁾" in labels and labels.index("g") > labels.index("g⁽¹⁾")


def test_the_command_line_reads_names_the_same_way():
    runner = CliRunner()
    result = runner.invoke(main, ["trace", MICROGRAD, "--at", "a=-4", "--at", "b=2",
                                  "--of", "g", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    import json

    data = json.loads(result.stdout)
    assert data["of"] == "g" and data["nodes"]["g"]["value"] == pytest.approx(24.7041, abs=1e-4)
    assert data["nodes"]["a"]["adjoint"] == pytest.approx(138.8338, abs=1e-4)
    for spelling in ("g#1", "g⁽¹⁾"):
        result = runner.invoke(main, ["trace", MICROGRAD, "--at", "a=-4", "--at", "b=2",
                                      "--of", spelling, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["of"] == "g#1"
    # an input re-bound by += : --at and --wrt name the input, --of the last binding
    result = runner.invoke(main, ["trace", "x += 1; y = x*x", "--at", "x=2", "--wrt", "x",
                                  "--mode", "forward", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["nodes"]["y"]["tangent"] == pytest.approx(6.0)


def test_a_rebound_input_is_its_names_first_binding():
    G = ad.parse("x += 1; y = x*x")
    assert ad.program_of(G).inputs == ("x#1",) and G.nodes["x#1"]["label"] == "x⁽¹⁾"
    t = ad.reverse_mode(G, {"x": 2.0})  # the caller still names the value x
    assert float(t.value("x")) == 3.0 and float(t.value("x#1")) == 2.0
    assert float(t.derivative("x#1")) == pytest.approx(6.0)  # d(x+1)²/dx at 2
    assert ad.table(t).startswith("Reverse mode at x⁽¹⁾ = 2")
    assert float(ad.forward_mode(G, {"x": 2.0}, wrt="x").derivative("y")) == pytest.approx(6.0)
