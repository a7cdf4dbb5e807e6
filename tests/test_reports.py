"""Reports of long traces: the JSON writer against json.dumps, step texts built when asked
for against the printer they shortcut, and long chains against closed forms."""

from __future__ import annotations

import inspect
import json
import math
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad import evaluate, forward_mode, parse, reverse_mode
from graphviz_ad.core.formula import definition, definition_tree, show
from graphviz_ad.core.number_format import fmt_number
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.explain import steps as step_text
from graphviz_ad.explain.jsontext import Entries, json_chunks, json_text
from graphviz_ad.explain.trace_json import trace_json_chunks

# ------------------------------------------------------------------ the JSON writer

SCALARS = (st.none() | st.booleans() | st.integers() | st.text(max_size=8)
           | st.floats(allow_nan=True, allow_infinity=True))
KEYS = st.text(max_size=6) | st.integers(-5, 5) | st.booleans() | st.none() | st.floats()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.lists(inner, max_size=3).map(tuple)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=25)
INDENTS = [None, 0, 2, 4, "\t"]


@given(VALUES)
def test_json_text_is_what_json_dumps_writes(value):
    for indent in INDENTS:
        assert json_text(value, indent) == json.dumps(value, indent=indent, ensure_ascii=False)


def _lazy(value, depth=0):
    """The same value with its lists as iterators and its objects as Entries."""
    if isinstance(value, dict):
        pairs = [(k, _lazy(v, depth + 1)) for k, v in value.items()]
        return Entries(iter(pairs)) if depth % 2 == 0 else dict(pairs)
    if isinstance(value, list):
        items = [_lazy(v, depth + 1) for v in value]
        return iter(items) if depth % 2 == 1 else items
    return value


@given(VALUES)
def test_lazy_lists_and_objects_are_written_like_eager_ones(value):
    for indent in INDENTS:
        want = json.dumps(value, indent=indent, ensure_ascii=False)
        assert "".join(json_chunks(_lazy(value), indent)) == want


def test_json_text_refuses_what_json_dumps_refuses():
    for bad in (np.int64(3), object(), {(1, 2): 0}):
        with pytest.raises(TypeError):
            json.dumps([bad])
        with pytest.raises(TypeError):
            json_text([bad])


def test_float_subclasses_are_written_as_floats():
    assert json_text([np.float64(0.1), np.float64("nan")], None) == "[0.1, NaN]"


# ------------------------------------------------------------------ step texts

PROGRAMS = [
    ("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)", {"x": 0.5}),
    ("y = 2*x + x*3 - 1/x + x^2 + 2^x + e*x + pi - (-2)*x + x*(-0.5)", {"x": 0.7}),
    ("c = x + 1; c = c*c; c *= 2", {"x": 3.0}),
    ("phi0 = alpha*x1; lam = exp(phi0); y = lam*lam + theta", {"alpha": 0.5, "x1": 2.0,
                                                               "theta": -1.0}),
    ("y = log(x) + sqrt(x - 2) + 1/(x - 1)", {"x": 1.0}),
    ("y = sum(w*x + b)", {"x": np.array([0.5, -1.0, 2.0]), "w": 1.5, "b": -0.5}),
    ("z = W @ x; y = sum(tanh(z))", {"W": np.arange(6.0).reshape(2, 3) / 5,
                                     "x": np.array([0.5, -1.0, 2.0])}),
    ("y = sum(sum(a*b + c))", {"a": np.array([[1.0], [2.0]]), "b": np.array([[0.5, 1.5]]),
                               "c": 0.5}),
    ("y = sum(sum(A, axis=1)*v)", {"A": np.arange(6.0).reshape(2, 3), "v": np.array([1.0, -2.0])}),
]


def _passes(source, inputs):
    G = parse(source)
    yield evaluate(G, inputs)
    for w in program_of(G).inputs:
        yield forward_mode(G, inputs, wrt=w)
    for o in program_of(G).outputs:
        yield reverse_mode(G, inputs, of=o)


@pytest.mark.parametrize("source, inputs", PROGRAMS)
def test_texts_at_once_are_the_texts_one_by_one(source, inputs):
    for trace in _passes(source, inputs):
        for s in trace.steps:
            assert step_text.texts(s) == (step_text.symbol(s), step_text.formula(s),
                                          step_text.equation(s), step_text.latex(s))
            assert step_text.formula(s).startswith(step_text.symbol(s) + " = ")


@pytest.mark.parametrize("source, inputs", PROGRAMS)
def test_templated_layouts_are_the_printed_trees(source, inputs):
    """Local partials and definitions come from per-op templates; they must read exactly
    as the printer shows the full tree (numbers, signs, named constants, labels)."""
    for trace in _passes(source, inputs):
        G = trace.graph
        for n in program_of(G).order:
            if G.nodes[n]["op"] not in ("input", "const"):
                for style in ("text", "latex"):
                    assert definition(G, n, style) == show(definition_tree(G, n), style)
        for s in trace.steps:
            for c in s.contributions:
                for style in ("text", "latex"):
                    assert edge_text.local_shown(c, style) == show(edge_text.local_tree(c), style)


def test_templates_hold_for_every_constant_sign_and_operand_order():
    for source in ("y = x*(-2)", "y = (-2)*x", "y = x^(-1)", "y = x - (-1)", "y = 3/x",
                   "y = x/3", "y = x^3 + 3^x", "y = x*x", "y = e^x + x^e"):
        trace = reverse_mode(parse(source), {"x": 1.5})
        for s in trace.steps:
            for c in s.contributions:
                for style in ("text", "latex"):
                    assert edge_text.local_shown(c, style) == show(edge_text.local_tree(c), style)


def test_known_texts():
    """dy/dx of sin(x)·x at 0.5 is x·cos(x) + sin(x) = 0.5·0.8776 + 0.4794 = 0.9182."""
    trace = reverse_mode(parse("y = sin(x)*x"), {"x": 0.5})
    s = trace.steps[-1]
    assert step_text.texts(s) == (
        "∂y/∂x", "∂y/∂x = ∂y/∂f1·∂f1/∂x + f1",
        "∂y/∂x = ∂y/∂f1·∂f1/∂x + f1 = 0.5·0.8776 + 0.4794 = 0.9182",
        r"\frac{\partial y}{\partial x} = \frac{\partial y}{\partial f_{1}} \cdot "
        r"\frac{\partial f_{1}}{\partial x} + f_{1} = 0.5 \cdot 0.8776 + 0.4794 = 0.9182")
    assert [edge_text.local_formula(c) for c in s.contributions] == [
        "∂f1/∂x = cos(x)", "∂y/∂x = f1"]
    assert s.result == pytest.approx(0.5 * math.cos(0.5) + math.sin(0.5))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e8, max_value=1e8))
def test_fmt_number_shows_four_significant_digits(v):
    text = f"{v:.4g}"
    if v == 0 or "e" in text:
        return
    want = str(int(v)) if v.is_integer() else text
    assert fmt_number(v) == want.replace("-", "−")
    assert fmt_number(np.float64(v), "latex") == want


# ------------------------------------------------------------------ the JSON report


@pytest.mark.parametrize("source, inputs", PROGRAMS)
def test_json_report_is_json_dumps_of_the_dict(source, inputs):
    for trace in _passes(source, inputs):
        for indent in (2, None, 0, 4):  # nodes and steps are written in their fixed shape
            text = ad.to_json(trace, indent)
            assert text == json.dumps(ad.to_dict(trace), indent=indent, ensure_ascii=False)
            assert "".join(trace_json_chunks(trace, indent)) == text


def chain(terms: int) -> str:
    """``v1 = sin(x)``, then ``v = u*u + x`` and ``v = sin(u)`` in turn."""
    lines = ["v1 = sin(x)"] + [f"v{i} = v{i - 1}*v{i - 1} + x" if i % 2 == 0
                               else f"v{i} = sin(v{i - 1})" for i in range(2, terms + 1)]
    return "\n".join(lines) + f"\ny = v{terms}"


def chain_derivative(x: float) -> float:
    """dy/dx of a long enough :func:`chain` of even length: u ↦ sin(u)² + x has a fixed
    point u* and dy/dx → 1 / (1 − sin 2u*) (geometric convergence, rate sin 2u* < 1)."""
    u = x
    for _ in range(100):  # Newton on sin(u)² + x − u = 0
        u -= (math.sin(u) ** 2 + x - u) / (math.sin(2 * u) - 1)
    return 1 / (1 - math.sin(2 * u))


def test_a_long_chain_to_json_has_the_closed_form_derivative_without_deep_recursion():
    terms = 2000  # 3,001 steps: deeper than the recursion limit if a report recursed
    trace = reverse_mode(parse(chain(terms)), {"x": 0.3})
    depth = len(inspect.stack())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 60)  # the report may nest a few calls, never per step
    try:
        text = ad.to_json(trace)
        table, latex = ad.table(trace), ad.latex(trace)
    finally:
        sys.setrecursionlimit(limit)
    document = json.loads(text)
    want = chain_derivative(0.3)
    assert len(document["steps"]) == terms * 3 // 2 + 1
    last = document["steps"][-1]
    assert last["node"] == "x" and last["value"] == pytest.approx(want, rel=1e-12)
    assert document["nodes"]["x"]["adjoint"] == pytest.approx(want, rel=1e-12)
    assert last["equation"].endswith(f"= {fmt_number(want)}")
    assert table.count("\n") > terms and latex.count(r"\\") == len(trace.steps) - 1


def test_a_long_sum_into_one_node_lists_every_term():
    """``y = x + x*x + x*x + …``: one node (x*x) feeds n − 1 additions, so its step has
    n − 1 terms; dy/dx = 1 + 2x(n − 1)."""
    n = 1500
    trace = reverse_mode(parse("y = x" + " + x*x" * (n - 1)), {"x": 0.25})
    document = json.loads(ad.to_json(trace, indent=None))
    square = next(s for s in document["steps"] if s["node"] == "f1")
    assert len(square["contributions"]) == n - 1
    assert square["formula"].count(" + ") == n - 2
    assert square["value"] == pytest.approx(n - 1)
    assert document["nodes"]["x"]["adjoint"] == pytest.approx(1 + 2 * 0.25 * (n - 1))
