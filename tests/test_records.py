"""Traces are plain records: the core computes, explain/ writes, draw/ draws (issue 20, item 1).

A `Trace`, `Step` or `Contribution` holds numbers and structure only; every text is a
function of the records (`ad.explain_step`, `ad.table`, …), and the core runs a pass and
answers an autograder's expression query without loading the text or drawing layers.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad.core.trace import Contribution, Step, Trace
from graphviz_ad.explain import edges, steps

PROBLEM9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"

CORE_ONLY = f"""
import sys
from graphviz_ad.core.autodiff import forward_mode, reverse_mode
from graphviz_ad.core.parse import parse
G = parse({PROBLEM9!r})
rev = reverse_mode(G, {{"x": 0.5}})
print(float(rev.derivative("exp(x) + exp(x)^2")), float(forward_mode(G, {{"x": 0.5}}).value("y")))
print(rev.steps[0].same_as(reverse_mode(parse("u = exp(x)\\nv = u + u^2\\ny = exp(v) + sin(v)"),
                                        {{"x": 0.5}}).steps[0]))
print(sorted(m for m in sys.modules if m.startswith("graphviz_ad.") and
             not m.startswith("graphviz_ad.core")))
"""


def test_a_pass_and_its_queries_load_nothing_above_the_core():
    """Running passes, an expression query and a structural step comparison import no
    module outside core/ (before, a query loaded explain/ through the Trace)."""
    done = subprocess.run([sys.executable, "-c", CORE_ONLY], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    numbers, same, loaded = done.stdout.splitlines()
    derivative, value = numbers.split()
    v = np.exp(0.5) + np.exp(1.0)
    assert float(derivative) == pytest.approx(np.exp(v) + np.cos(v), rel=1e-12)
    assert float(value) == pytest.approx(np.exp(v) + np.sin(v), rel=1e-12)
    assert same == "True"
    assert loaded == "[]"


@pytest.mark.parametrize("record, fields", [
    (Contribution, ["source", "target", "positions", "local_", "carried", "product", "graph",
                    "trivial"]),
    (Step, ["index", "kind", "node", "result", "contributions", "graph", "wrt", "of", "seed",
            "scales"]),
    (Trace, ["graph", "steps", "mode", "inputs", "wrt", "of", "seed", "skipped", "scales"]),
])
def test_records_hold_data_and_no_text(record, fields):
    assert [f.name for f in dataclasses.fields(record)] == fields
    for text in ("formula", "equation", "latex", "texts", "symbol", "local_formula",
                 "local_shown", "map_shown", "table", "markdown", "to_json", "to_dict",
                 "warnings", "player", "_repr_svg_"):
        assert not hasattr(record, text), f"{record.__name__}.{text}"


def test_a_step_is_explained_from_its_record():
    """`ad.explain_step` gives the symbol, chain rule, equation and LaTeX that the JSON
    report writes, by hand for problem 9's ∂y/∂f3 at x = 0."""
    trace = ad.reverse_mode(ad.parse(PROBLEM9), {"x": 0.0})
    step = trace.steps[2]
    text = ad.explain_step(step)
    e = np.exp(2.0)
    assert text.derivative == "∂y/∂f3" == steps.symbol(step)
    assert text.formula == "∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3" == steps.formula(step)
    assert text.equation == (f"{text.formula} = 1·{e:.4g} + 1·(−{-np.cos(2.0):.4g}) = "
                             f"{e + np.cos(2.0):.4g}") == steps.equation(step)
    assert text.latex == steps.latex(step) == steps.equation(step, "latex")
    assert text.latex.startswith(r"\frac{\partial y}{\partial f_{3}} = ")
    entry = json.loads(ad.to_json(trace))["steps"][2]
    assert tuple(text) == tuple(entry[k] for k in ("derivative", "formula", "equation", "latex"))
    assert [ad.local_formula(c) for c in step.contributions] == [
        "∂f4/∂f3 = exp(f3)", "∂f5/∂f3 = cos(f3)"]
    assert [c["local_formula"] for c in entry["contributions"]] == [
        edges.local_formula(c, kind=step.kind) for c in step.contributions]


def test_trace_texts_are_functions_of_the_trace():
    """The package's text functions are the report's, and a trace's derivative symbol is
    the one its steps use."""
    trace = ad.forward_mode(ad.parse("y = log(x) * x"), {"x": 0.0}, wrt="x")
    assert ad.table(trace, width=60).splitlines()[0].startswith("Forward mode")
    assert ad.markdown(trace).startswith("**Forward mode")
    assert r"\begin{align*}" in ad.latex(trace)
    assert json.loads(ad.to_json(trace, indent=None)) == ad.to_dict(trace)
    assert ad.nonfinite_warnings(trace) == ad.to_dict(trace)["warnings"] != []
    assert steps.node_symbol(trace, "y") == steps.symbol(trace.steps[-1]) == "∂y/∂x"


def test_every_public_name_resolves():
    """Each entry of the lazy export table names something that exists (a renamed
    function behind a public name, ``module:attribute``, included)."""
    for name in ad.__all__:
        assert getattr(ad, name) is not None, name
    assert ad.table.__module__ == "graphviz_ad.explain.report"
    assert ad.explain_step is steps.texts
