"""Problems 9 and 10 against hand-derived closed forms; steps, formulas, inputs, nan/inf."""

from __future__ import annotations

import math

import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad import GraphvizAdError, InputError, evaluate, forward_mode, parse, reverse_mode
from graphviz_ad.core.ops import MACROS, function_names, lookup_function
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.explain import steps as step_text
from graphviz_ad.explain.check import check_derivatives

PROBLEM9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"
XS = [-1.0, 0.0, 0.5, 1.3]


def closed_forms(x: float) -> dict[str, dict[str, float]]:
    """Problem 9 by hand: u = e^x + e^{2x}, y = e^u + sin u."""
    e1, e2 = math.exp(x), math.exp(2 * x)
    u = e1 + e2
    du = e1 + 2 * e2                          # du/dx
    dy_du = math.exp(u) + math.cos(u)
    value = {"x": x, "f1": e1, "f2": e2, "f3": u, "f4": math.exp(u), "f5": math.sin(u),
             "y": math.exp(u) + math.sin(u)}
    tangent = {"x": 1.0, "f1": e1, "f2": 2 * e2, "f3": du, "f4": math.exp(u) * du,
               "f5": math.cos(u) * du, "y": dy_du * du}
    adjoint = {"y": 1.0, "f5": 1.0, "f4": 1.0, "f3": dy_du, "f2": dy_du,
               "f1": dy_du * (1 + 2 * e1), "x": dy_du * du}
    local = {("x", "f1"): e1, ("f1", "f2"): 2 * e1, ("f1", "f3"): 1.0, ("f2", "f3"): 1.0,
             ("f3", "f4"): math.exp(u), ("f3", "f5"): math.cos(u), ("f4", "y"): 1.0,
             ("f5", "y"): 1.0}
    return {"value": value, "tangent": tangent, "adjoint": adjoint, "local": local}


@pytest.fixture(scope="module")
def G9():
    return parse(PROBLEM9)


# ------------------------------------------------------------------ problem 9: reverse


@pytest.mark.parametrize("x", XS)
def test_problem9_reverse_every_value_and_adjoint(G9, x):
    t = reverse_mode(G9, {"x": x})
    want = closed_forms(x)
    for n, v in want["value"].items():
        assert float(t.value(n)) == pytest.approx(v, rel=1e-12), n
    for n, a in want["adjoint"].items():
        assert float(t.derivative(n)) == pytest.approx(a, rel=1e-12), n
        assert float(t.graph.nodes[n]["adjoint"]) == pytest.approx(a, rel=1e-12)
    assert t.graph.nodes["2"]["value"] == 2.0
    for (u, v), local in want["local"].items():
        assert float(t.graph.edges[u, v]["local"]) == pytest.approx(local, rel=1e-12), (u, v)
    assert set(t.gradient()) == {"x"}
    assert float(t.gradient()["x"]) == pytest.approx(want["adjoint"]["x"], rel=1e-12)
    assert t.of == "y" and t.mode == "reverse" and t.flagged == []


def test_problem9_reverse_steps_order_and_labels(G9):
    t = reverse_mode(G9, {"x": 0.5})
    assert [s.node for s in t.steps] == ["f5", "f4", "f3", "f2", "f1", "x"]
    assert [step_text.symbol(s) for s in t.steps] == ["∂y/∂f5", "∂y/∂f4", "∂y/∂f3", "∂y/∂f2",
                                               "∂y/∂f1", "∂y/∂x"]
    assert [s.index for s in t.steps] == list(range(6))
    assert all(s.kind == "adjoint" for s in t.steps)
    # exactly the reverse of the forward order of non-constant nodes other than y
    forward = [n for n in program_of(G9).order if G9.nodes[n]["op"] != "const" and n != "y"]
    assert [s.node for s in t.steps] == forward[::-1]


def test_problem9_reverse_formulas_and_contributions(G9):
    t = reverse_mode(G9, {"x": 0.5})
    want = closed_forms(0.5)
    by_node = {s.node: s for s in t.steps}
    assert step_text.formula(by_node["f5"]) == "∂y/∂f5 = 1"
    assert step_text.formula(by_node["f3"]) == "∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3"
    assert step_text.formula(by_node["f2"]) == "∂y/∂f2 = ∂y/∂f3·∂f3/∂f2"
    assert step_text.formula(by_node["f1"]) == "∂y/∂f1 = ∂y/∂f2·∂f2/∂f1 + ∂y/∂f3·∂f3/∂f1"
    assert step_text.formula(by_node["x"]) == "∂y/∂x = ∂y/∂f1·∂f1/∂x"
    f3 = by_node["f3"]
    assert [(c.source, c.target) for c in f3.contributions] == [("f3", "f4"), ("f3", "f5")]
    assert [edge_text.local_formula(c) for c in f3.contributions] == ["∂f4/∂f3 = exp(f3)",
                                                             "∂f5/∂f3 = cos(f3)"]
    for c in f3.contributions:
        assert float(c.local) == pytest.approx(want["local"][c.source, c.target], rel=1e-12)
        assert float(c.carried) == 1.0
        assert float(c.product) == pytest.approx(float(c.local) * float(c.carried))
    assert float(f3.result) == pytest.approx(want["adjoint"]["f3"], rel=1e-12)
    f1 = by_node["f1"]
    assert [edge_text.local_formula(c) for c in f1.contributions] == ["∂f2/∂f1 = 2·f1",
                                                             "∂f3/∂f1 = 1"]
    assert float(f1.contributions[0].carried) == pytest.approx(want["adjoint"]["f2"])
    assert float(f1.contributions[0].product) == pytest.approx(
        want["adjoint"]["f2"] * 2 * math.exp(0.5), rel=1e-12)
    assert edge_text.local_formula(by_node["x"].contributions[0]) == "∂f1/∂x = exp(x)"
    # the equation puts symbols, numbers and the rounded result together
    assert step_text.equation(f3) == ("∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = "
                           "1·78.81 + 1·(−0.3386) = 78.47")
    assert step_text.latex(f3).startswith(r"\frac{\partial y}{\partial f_{3}} = ")
    assert r"\frac{\partial f_{4}}{\partial f_{3}}" in step_text.latex(f3)


# ------------------------------------------------------------------ problem 10: forward


@pytest.mark.parametrize("x", XS)
def test_problem10_forward_every_value_and_tangent(G9, x):
    t = forward_mode(G9, {"x": x}, wrt="x")
    want = closed_forms(x)
    for n, v in want["value"].items():
        assert float(t.value(n)) == pytest.approx(v, rel=1e-12), n
    for n, d in want["tangent"].items():
        assert float(t.derivative(n)) == pytest.approx(d, rel=1e-12, abs=1e-14), n
    assert float(t.derivative("2")) == 0.0
    assert float(t.gradient()["y"]) == pytest.approx(want["tangent"]["y"], rel=1e-12)
    assert t.wrt == "x" and t.flagged == []


def test_problem10_steps_order_labels_formulas(G9):
    t = forward_mode(G9, {"x": 0.5})
    assert [step_text.symbol(s) for s in t.steps] == ["∂f1/∂x", "∂f2/∂x", "∂f3/∂x", "∂f4/∂x",
                                               "∂f5/∂x", "∂y/∂x"]
    assert all(s.kind == "tangent" for s in t.steps)
    f = {s.node: step_text.formula(s) for s in t.steps}
    assert f["f1"] == "∂f1/∂x = exp(x)"
    assert f["f2"] == "∂f2/∂x = ∂f2/∂f1·∂f1/∂x"
    assert f["f3"] == "∂f3/∂x = ∂f3/∂f1·∂f1/∂x + ∂f3/∂f2·∂f2/∂x"
    assert f["y"] == "∂y/∂x = ∂y/∂f4·∂f4/∂x + ∂y/∂f5·∂f5/∂x"
    step2 = t.steps[1]
    (c,) = step2.contributions
    assert edge_text.local_formula(c) == "∂f2/∂f1 = 2·f1"
    assert float(c.local) == pytest.approx(2 * math.exp(0.5))
    assert float(c.carried) == pytest.approx(math.exp(0.5))
    assert step_text.equation(step2) == "∂f2/∂x = ∂f2/∂f1·∂f1/∂x = 3.297·1.649 = 5.437"


def test_forward_and_reverse_agree_and_match_problem_files(G9):
    for x in XS:
        r = reverse_mode(G9, {"x": x}).derivative("x")
        f = forward_mode(G9, {"x": x}).derivative("y")
        assert float(r) == pytest.approx(float(f), rel=1e-13)


def test_evaluate_steps_are_values():
    G = parse(PROBLEM9)
    t = evaluate(G, {"x": 0.0})
    assert [s.node for s in t.steps] == ["f1", "f2", "f3", "f4", "f5", "y"]
    assert [s.kind for s in t.steps] == ["value"] * 6
    assert float(t.value("y")) == pytest.approx(math.exp(2) + math.sin(2))
    assert step_text.formula(t.steps[1]) == "f2 = f1²"
    with pytest.raises(GraphvizAdError):  # one exception type for user errors
        t.derivative("y")


def test_trace_does_not_modify_the_parsed_graph(G9):
    reverse_mode(G9, {"x": 0.5})
    assert "value" not in G9.nodes["f1"] and "adjoint" not in G9.nodes["f1"]


def test_edge_attributes_of_parsed_and_traced_graphs():
    """Parsed edges share read-only attributes; a trace's edges carry their local
    derivative; copies are ordinary graphs again."""
    G = parse("y = x*x + sin(x)")
    t1, t2 = reverse_mode(G, {"x": 0.5}), reverse_mode(G, {"x": 2.0})
    assert dict(G.edges["x", "f1"]) == {"positions": (0, 1)}
    with pytest.raises(TypeError):
        G.edges["x", "f1"]["positions"] = (0,)  # type: ignore[index]
    assert "local" not in G.edges["x", "f1"]
    assert float(t1.graph.edges["x", "f1"]["local"]) == 2 * 0.5
    assert float(t2.graph.edges["x", "f1"]["local"]) == 2 * 2.0
    assert float(t1.graph.edges["x", "f2"]["local"]) == pytest.approx(math.cos(0.5))
    assert dict(t1.graph.edges["x", "f2"]) == {"positions": (0,),
                                               "local": t1.graph.edges["x", "f2"]["local"]}
    assert t1.graph.pred["f2"]["x"] == t1.graph.edges["x", "f2"] == t1.graph["x"]["f2"]
    assert t1.graph.nodes["x"]["adjoint"] == t1.derivative("x")  # nodes share G's attributes
    assert t1.graph.nodes["x"]["op"] == "input" and "adjoint" not in G.nodes["x"]
    H = t1.graph.copy()
    H.edges["x", "f1"]["note"] = 1  # an ordinary dict after copy()
    assert "note" not in t1.graph.edges["x", "f1"] and H.number_of_edges() == 4


# ------------------------------------------------------------------ more programs


def test_two_inputs_and_two_outputs():
    G = parse("a = x*w\nb = sin(a) + w\nc = a^2")
    x, w = 0.7, -1.2
    a = x * w
    rb = reverse_mode(G, {"x": x, "w": w}, of="b")
    assert float(rb.derivative("x")) == pytest.approx(math.cos(a) * w)
    assert float(rb.derivative("w")) == pytest.approx(math.cos(a) * x + 1)
    assert float(rb.derivative("c")) == 0.0  # c is downstream of nothing b needs
    rc = reverse_mode(G, {"x": x, "w": w}, of="c")
    assert float(rc.derivative("x")) == pytest.approx(2 * a * w)
    assert [s.node for s in rc.steps] == ["b", "f1", "a", "w", "x"]
    fw = forward_mode(G, {"x": x, "w": w}, wrt="w")
    assert float(fw.derivative("b")) == pytest.approx(math.cos(a) * x + 1)
    assert float(fw.derivative("c")) == pytest.approx(2 * a * x)
    assert float(fw.derivative("x")) == 0.0
    assert {k: float(v) for k, v in fw.gradient().items()} == pytest.approx(
        {"b": math.cos(a) * x + 1, "c": 2 * a * x})


def test_rebinding_and_repeated_operands():
    G = parse("c = x\nc = c * c\nc += x\nc *= 2")
    x = 1.5
    t = reverse_mode(G, {"x": x})
    assert float(t.value(t.of)) == pytest.approx(2 * (x * x + x))
    assert float(t.derivative("x")) == pytest.approx(2 * (2 * x + 1))
    step = next(s for s in t.steps if s.node == "c#1")
    # c·c: one edge filling both slots, local derivative c + c
    (c,) = [c for c in step.contributions if c.target == "c#2"]
    assert c.positions == (0, 1)
    # c#2 = c#1·c#1: versions told apart
    assert edge_text.local_formula(c) == "∂c⁽²⁾/∂c⁽¹⁾ = c⁽¹⁾ + c⁽¹⁾"
    assert float(c.local) == pytest.approx(2 * x)
    f = forward_mode(G, {"x": x})
    assert float(f.derivative(t.of)) == pytest.approx(2 * (2 * x + 1))


def test_of_by_node_id_and_intermediate():
    G = parse("c = x^3; c = c * x")
    t = reverse_mode(G, {"x": 2.0})
    assert t.of == "c" and float(t.derivative("x")) == pytest.approx(32.0)
    t = reverse_mode(G, {"x": 2.0}, of="c#1")  # the first binding, x^3
    assert float(t.derivative("x")) == pytest.approx(12.0)
    t = reverse_mode(G, {"x": 2.0}, of="c")  # a re-bound name: its final binding
    assert t.of == "c" and float(t.derivative("x")) == pytest.approx(32.0)
    t = reverse_mode(parse("c = x^3; d = c * x"), {"x": 2.0}, of="c")  # an intermediate
    assert t.of == "c" and float(t.derivative("x")) == pytest.approx(12.0)
    assert [s.node for s in t.steps] == ["d", "x"]
    assert float(t.derivative("d")) == 0.0


@pytest.mark.parametrize("source, x, local", [
    ("y = x/w", 2.0, "∂y/∂w = −x/w²"),
    ("y = x - w", 2.0, "∂y/∂w = −1"),
    ("y = w^x", 2.0, "∂y/∂w = x·w^(x − 1)"),
])
def test_local_formulas_of_binary_ops(source, x, local):
    t = reverse_mode(parse(source), {"x": x, "w": 3.0})
    (step,) = [s for s in t.steps if s.node == "w"]
    assert edge_text.local_formula(step.contributions[0]) == local


@pytest.mark.parametrize("source, x, expected", [
    ("y = sigmoid(x)", 0.3, (1 / (1 + math.exp(-0.3))) * (1 - 1 / (1 + math.exp(-0.3)))),
    ("y = softplus(x)", 0.3, 1 / (1 + math.exp(-0.3))),
    ("y = relu(x)", -0.3, 0.0),
    ("y = relu(x)", 0.3, 1.0),
    ("y = relu(x)", 0.0, 0.0),
    ("y = abs(x)", -0.3, -1.0),
    ("y = sqrt(x)", 4.0, 0.25),
    ("y = tan(x)", 0.3, 1 / math.cos(0.3) ** 2),
    ("y = tanh(x)", 0.3, 1 - math.tanh(0.3) ** 2),
    ("y = log(x)", 0.3, 1 / 0.3),
    ("y = square(x)", 0.3, 0.6),
    ("y = max(x, 0.5)", 0.3, 0.0),
    ("y = min(x, 0.5)", 0.3, 1.0),
    ("y = pow(x, 3)", -2.0, 12.0),
    ("y = x^x", 2.0, 4 * (math.log(2) + 1)),
    ("y = cos(x)", 0.3, -math.sin(0.3)),
])
def test_each_primitive_derivative(source, x, expected):
    G = parse(source)
    assert float(reverse_mode(G, {"x": x}).derivative("x")) == pytest.approx(expected, rel=1e-12)
    assert float(forward_mode(G, {"x": x}).derivative("y")) == pytest.approx(expected, rel=1e-12)


def test_sigmoid_and_softplus_do_not_overflow():
    t = reverse_mode(parse("y = sigmoid(x) + softplus(x)"), {"x": -1000.0})
    assert float(t.value("y")) == 0.0 and t.flagged == []
    t = reverse_mode(parse("y = softplus(x)"), {"x": 1000.0})
    assert float(t.value("y")) == 1000.0 and float(t.derivative("x")) == 1.0


# ------------------------------------------------------------------ numeric trouble


@pytest.mark.parametrize("source, x, node_value", [
    ("y = log(x)", -1.0, "nan"),
    ("y = 1/x", 0.0, "inf"),
    ("y = exp(x)", 1000.0, "inf"),
    ("y = sqrt(x)", -4.0, "nan"),
])
def test_nonfinite_values_are_flagged_not_raised(source, x, node_value, recwarn):
    G = parse(source)
    for trace in (evaluate(G, {"x": x}), forward_mode(G, {"x": x}), reverse_mode(G, {"x": x})):
        y = float(trace.value("y"))
        assert (math.isnan(y) if node_value == "nan" else y == math.inf)
        assert trace.graph.nodes["y"]["nonfinite"] is True
        assert "y" in trace.flagged
        (warning,) = [w for w in ad.nonfinite_warnings(trace) if ": y = " in w]
        assert warning.startswith("1:5: y = ") and node_value in warning
        assert ad.to_dict(trace)["nodes"]["y"]["value"] == node_value  # "nan"/"inf", not null
    assert not [w for w in recwarn if "RuntimeWarning" in str(w.category)]


def test_finite_value_with_infinite_derivative_is_flagged():
    t = reverse_mode(parse("y = sqrt(x)"), {"x": 0.0})
    assert float(t.value("y")) == 0.0 and float(t.derivative("x")) == math.inf
    assert t.flagged == ["x"]
    assert ad.nonfinite_warnings(t) == ["1:10: x (input) gives adjoint = inf"]


# ------------------------------------------------------------------ inputs


@pytest.mark.parametrize("inputs, message", [
    ({}, "missing value for input x"),
    ({"x": 1.0, "z": 2.0}, "unknown input z"),
    ({"x": "abc"}, "must be a number"),
    ({"x": True}, "must be a number"),
    ({"x": None}, "must be a number"),
    ([("x", 1.0)], "must be a mapping"),
])
def test_bad_inputs(inputs, message):
    G = parse("y = sin(x)")
    for run in (evaluate, forward_mode, reverse_mode):
        with pytest.raises(InputError, match=message):
            run(G, inputs)


def test_missing_or_non_numeric_input_points_at_its_first_use():
    G = parse("a = 2\ny = a * sin(x)")
    with pytest.raises(InputError) as info:
        reverse_mode(G, {})
    assert (info.value.line, info.value.column) == (2, 13)
    assert str(info.value).splitlines() == ["2:13: missing value for input x (inputs: x)",
                                            "  y = a * sin(x)", "              ^"]
    with pytest.raises(InputError) as info:
        evaluate(G, {"x": "abc"})
    assert (info.value.line, info.value.column) == (2, 13)
    assert "input x must be a number, got 'abc'" in str(info.value)


def test_bad_wrt_and_of():
    G = parse("y = sin(x)")
    with pytest.raises(InputError, match="wrt 'q' names no input"):
        forward_mode(G, {"x": 1.0}, wrt="q")
    with pytest.raises(InputError, match="wrt 'y' names no input"):
        forward_mode(G, {"x": 1.0}, wrt="y")
    with pytest.raises(InputError, match="of 'q' names no node"):
        reverse_mode(G, {"x": 1.0}, of="q")
    with pytest.raises(InputError, match="no inputs"):
        forward_mode(parse("y = 2"), {})
    assert issubclass(InputError, ad.GraphvizAdError)


def test_choose_wrt_and_choose_of():
    """The public pickers every command uses: defaults, names, labels and ids."""
    from graphviz_ad.core.autodiff import choose_of, choose_wrt

    G = parse("c = x*w\nc = c + x\nd = sin(c)\ne = 2*c")
    assert program_of(G).inputs == ("x", "w") and program_of(G).outputs == ("d", "e")
    assert choose_wrt(G, None) == "x" and choose_wrt(G, "w") == "w"
    with pytest.raises(InputError, match="wrt 'c' names no input"):
        choose_wrt(G, "c")
    assert choose_of(G, None) == "d" and choose_of(G, "e") == "e"
    assert choose_of(G, "c⁽¹⁾") == "c#1"  # the label the displays write
    assert choose_of(G, "c#1") == "c#1" and choose_of(G, "c") == "c"  # id; final binding
    assert choose_of(parse("c = x*w\nc = c + x"), "c") == "c"  # as in Python
    with pytest.raises(InputError, match="of '2' names no node"):
        choose_of(G, "2")  # a constant
    with pytest.raises(InputError, match="of 'q' names no node"):
        choose_of(G, "q")


def test_numeric_inputs_accept_ints_numpy_and_strings_of_numbers():
    G = parse("y = x*x")
    assert float(reverse_mode(G, {"x": 3}).derivative("x")) == 6.0
    assert float(reverse_mode(G, {"x": np.float32(3)}).derivative("x")) == 6.0
    assert float(reverse_mode(G, {"x": "3"}).derivative("x")) == 6.0


# ------------------------------------------------------------------ check


def test_check_problem9_all_derivatives_agree(G9):
    report = check_derivatives(G9, {"x": 0.5})
    assert report.ok
    assert len(report.comparisons) == 12  # 6 tangents + 6 adjoints
    assert report.worst.error < 1e-7
    assert {c.mode for c in report.comparisons} == {"forward", "reverse"}


def test_check_flags_a_kink_and_a_tiny_tolerance():
    report = check_derivatives(parse("y = relu(x)"), {"x": 0.0})
    assert not report.ok and report.worst.error == pytest.approx(0.5)
    report = check_derivatives(parse(PROBLEM9), {"x": 0.5}, tolerance=1e-300)
    assert not report.ok


@pytest.mark.parametrize("name", function_names())
def test_every_function_displays_in_text_and_latex(name):
    arity = (len(program_of(parse(MACROS[name])).inputs) if name in MACROS
             else lookup_function(name).arity)  # cross_entropy(Z, T) takes two
    G = parse(f"y = {name}(x)" if arity == 1 else f"y = {name}(x, w)")
    example = None if name in MACROS else lookup_function(name).example  # dot: vectors
    shapes = example or ((),) * arity
    values = (0.7, 1.0 if name == "cross_entropy" else 1.1)  # a target distribution sums to 1
    inputs = {k: np.full(shape, v)[()] for k, v, shape in zip(("x", "w"), values, shapes)}
    for t in (evaluate(G, inputs), forward_mode(G, inputs), reverse_mode(G, inputs)):
        for s in t.steps:
            assert step_text.formula(s) and step_text.equation(s) and step_text.latex(s)
            assert "{" not in step_text.formula(s) and "}" not in step_text.formula(s)
            assert step_text.latex(s).count("{") == step_text.latex(s).count("}")
            for c in s.contributions:
                assert edge_text.local_formula(c).startswith("∂")
                assert edge_text.local_formula(c, "latex").startswith(r"\frac")
        assert r"\begin{align*}" in ad.latex(t) and ad.table(t) and ad.markdown(t)
    assert r"\operatorname{relu}(x)" in ad.latex(evaluate(parse("y = relu(x)"), {"x": 1.0}))


def test_graph_dicts_are_networkx_own_dicts():
    from graphviz_ad.core.build import graph_dicts

    G = parse("y = x*sin(x)")
    nodes, succ, pred = graph_dicts(G)
    assert nodes == dict(G.nodes(data=True)) and nodes["y"] is G.nodes["y"]
    assert succ == {n: dict(G.succ[n]) for n in G}
    assert all(pred[v][u] is succ[u][v] for u, v in G.edges)
