"""The autograder's view: nodes found by id, label or the expression they compute, whatever
the program named them; values and derivatives against closed forms; one error type."""

from __future__ import annotations

import math

import pytest

import graphviz_ad as ad
from graphviz_ad.core.lookup import find_node

P9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"


@pytest.mark.parametrize("program", [
    P9,
    "u = exp(x)\nv = u + u^2\ny = exp(v) + sin(v)",          # the same maths, other names
])
def test_problem9_derivatives_by_expression(program):
    x = 0.5
    trace = ad.reverse_mode(ad.parse(program), {"x": x})
    u = math.exp(x)
    v = u + u * u
    # closed forms: dy/dv = exp(v) + cos(v); dy/du = dy/dv·(1 + 2u); dy/dx = dy/du·u
    assert trace.value("exp(x) + exp(x)^2") == pytest.approx(v)
    assert trace.derivative("exp(x) + exp(x)^2") == pytest.approx(math.exp(v) + math.cos(v))
    assert trace.derivative("exp(x)") == pytest.approx((math.exp(v) + math.cos(v)) * (1 + 2 * u))
    assert trace.derivative("x") == pytest.approx((math.exp(v) + math.cos(v)) * (1 + 2 * u) * u)


def test_bound_names_and_labels_in_queries():
    trace = ad.reverse_mode(ad.parse("c = x*x; c = c + 1; y = c*c"), {"x": 2.0})
    assert trace.node("c⁽¹⁾") == trace.node("c#1") == trace.node("x*x") == "c#1"
    assert trace.node("c") == trace.node("x*x + 1") == trace.node("c#1 + 1") == "c"
    assert trace.node("c*c") == "y"  # a name in an expression: its last binding
    assert trace.derivative("c") == pytest.approx(2 * 5.0)
    G = ad.parse("a = exp(x); y = a*x")
    assert find_node(G, "a*x") == find_node(G, "exp(x)*x") == "y"


@pytest.mark.parametrize("query, fragment", [
    ("exp(w)", "no node computes exp(w); w is not an input (inputs: x)"),
    ("cos(x)", "no node computes cos(x)"),
    ("exp(", "is neither a node of the graph nor an expression"),
])
def test_unknown_queries_are_one_error_type(query, fragment):
    trace = ad.reverse_mode(ad.parse("y = exp(x)"), {"x": 1.0})
    with pytest.raises(ad.GraphvizAdError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        trace.derivative(query)


def test_evaluate_trace_has_no_derivative_as_a_user_error():
    with pytest.raises(ad.GraphvizAdError, match="no derivatives"):
        ad.evaluate(ad.parse("y = exp(x)"), {"x": 1.0}).derivative("x")


def test_steps_compare_by_structure_and_numbers_not_names():
    reference = ad.reverse_mode(ad.parse(P9), {"x": 0.5})
    student = ad.reverse_mode(ad.parse("u = exp(x)\nv = u + u^2\ny = exp(v) + sin(v)"),
                              {"x": 0.5})
    assert [a.same_as(b) for a, b in zip(reference.steps, student.steps)] == [True] * 6
    # a different point changes the numbers of the steps that depend on x (not ∂y/∂f4 = 1)
    elsewhere = ad.reverse_mode(ad.parse(P9), {"x": 0.6})
    assert [a.same_as(b) for a, b in zip(reference.steps, elsewhere.steps)] == \
        [True, True, False, False, False, False]
    # another step of the same pass is another quantity
    assert not reference.steps[2].same_as(student.steps[3])
    # forward and reverse steps of one node are different quantities
    forward = ad.forward_mode(ad.parse(P9), {"x": 0.5}, wrt="x")
    assert not any(f.same_as(r) for f in forward.steps for r in reference.steps)
