"""Display labels: re-bound names, honest array derivatives, per-element checks, JSON
non-finite numbers and large-array previews."""

from __future__ import annotations

import json

import numpy as np
import pytest

import graphviz_ad as ad
import graphviz_ad.core.sweep as sweep_module
from graphviz_ad import evaluate, forward_mode, parse, reverse_mode
from graphviz_ad.core.formula import fmt_name, node_label, seeded_symbol
from graphviz_ad.core.number_format import fmt_number
from graphviz_ad.explain import steps as step_text
from graphviz_ad.explain.check import MAX_PROBES, check_derivatives

REBOUND = "c = x + 1; c = c*c; c *= 2"
PROBLEM9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"


# ------------------------------------------------------------------ re-binding


def test_rebound_names_keep_their_name_and_get_versioned_labels():
    G = parse(REBOUND)  # one name, one node: c is the last binding, c#1, c#2 the earlier
    assert [G.nodes[n]["name"] for n in ("c#1", "c#2", "c")] == ["c", "c", "c"]
    assert [G.nodes[n]["label"] for n in ("x", "c#1", "c#2", "c")] == ["x", "c⁽¹⁾", "c⁽²⁾",
                                                                        "c"]
    G = parse("x = x + 1")  # an input re-bound: the input is x's first binding
    assert (G.nodes["x#1"]["label"], G.nodes["x"]["label"]) == ("x⁽¹⁾", "x")
    assert node_label(G, "x#1") == "x⁽¹⁾"


def test_unambiguous_programs_have_labels_equal_to_names():
    for source in (PROBLEM9, "z = phi0 + phi1*x\np = sigmoid(z)", "b = a; y = b*2"):
        G = parse(source)
        assert all(d["label"] == d["name"] for _, d in G.nodes(data=True))


def test_rebound_names_are_told_apart_in_every_display():
    G = parse(REBOUND)
    t = reverse_mode(G, {"x": 3.0})
    assert [step_text.equation(s) for s in t.steps] == [
        "∂c/∂c⁽²⁾ = 2",
        "∂c/∂c⁽¹⁾ = ∂c/∂c⁽²⁾·∂c⁽²⁾/∂c⁽¹⁾ = 2·8 = 16",
        "∂c/∂x = ∂c/∂c⁽¹⁾·∂c⁽¹⁾/∂x = 16·1 = 16",
    ]
    rows = ad.table(t).splitlines()
    assert rows[2].split() == ["node", "definition", "value", "∂c/∂·"]
    assert [r.split()[0] for r in rows[4:8]] == ["x", "c⁽¹⁾", "c⁽²⁾", "c"]
    assert "c     c⁽²⁾·2" in ad.table(t)
    data = json.loads(ad.to_json(t))
    assert data["nodes"]["c"]["definition"] == "c⁽²⁾·2"
    assert (data["nodes"]["c#1"]["name"], data["nodes"]["c#1"]["label"]) == ("c", "c⁽¹⁾")
    assert data["steps"][1]["contributions"][0]["local_formula"] == "∂c⁽²⁾/∂c⁽¹⁾ = c⁽¹⁾ + c⁽¹⁾"
    assert r"\frac{\partial c}{\partial c^{(2)}}" in ad.latex(t)
    f = forward_mode(G, {"x": 3.0})
    assert step_text.formula(f.steps[-1]) == "∂c/∂x = ∂c/∂c⁽²⁾·∂c⁽²⁾/∂x"
    assert step_text.equation(evaluate(G, {"x": 3.0}).steps[-1]) == "c = c⁽²⁾·2 = 16·2 = 32"
    x = reverse_mode(parse("x = x + 1"), {"x": 3.0})
    assert step_text.equation(x.steps[0]) == "∂x/∂x⁽¹⁾ = 1"
    assert step_text.node_symbol(x, "x#1") == "∂x/∂x⁽¹⁾"


def test_rebound_label_in_warnings_and_of():
    t = evaluate(parse("c = x; c = log(c)"), {"x": -1.0})
    assert ad.nonfinite_warnings(t) == ["1:12: c = log(c⁽¹⁾) gives value = nan"]
    G = parse(REBOUND)
    assert reverse_mode(G, {"x": 3.0}, of="c⁽²⁾").of == "c#2"  # the label as displayed
    assert reverse_mode(G, {"x": 3.0}, of="c#2").of == "c#2"  # its ASCII spelling (the id)


def test_fmt_name_latex_of_versioned_labels():
    assert fmt_name("c⁽²⁾", "latex") == "c^{(2)}"
    assert fmt_name("phi0⁽¹²⁾", "latex") == r"\phi_{0}^{(12)}"
    assert fmt_name("loss⁽³⁾", "latex") == r"\mathrm{loss}^{(3)}"


# ------------------------------------------------------------------ array seeds


def test_forward_with_an_array_wrt_is_labelled_as_a_directional_derivative():
    G = parse("y = sum(z*z) + z[1]")
    t = forward_mode(G, {"z": [1.0, 2.0]}, wrt="z")
    assert t.seed == "1"
    last = t.steps[-1]
    assert step_text.symbol(last) == "∂y/∂z·1" and float(last.result) == 7.0  # 1ᵀ∇ = 2 + 5
    assert step_text.formula(last) == "∂y/∂z·1 = ∂y/∂f2·∂f2/∂z·1 + ∂y/∂f3·∂f3/∂z·1"
    assert step_text.latex(last).startswith(r"\frac{\partial y}{\partial z} \cdot \mathbf{1} = ")
    assert step_text.formula(t.steps[0]) == "∂f1/∂z·1 = ∂f1/∂z·∂z/∂z·1"  # the seed is not hidden
    assert ad.table(t).splitlines()[2].split()[-1] == "∂·/∂z·1"
    data = ad.to_dict(t)
    assert data["seed"] == "1" and data["derivative"] == "∂·/∂z·1"
    assert data["steps"][-1]["derivative"] == "∂y/∂z·1"
    one_hot = forward_mode(G, {"z": [1.0, 2.0]}, wrt="z", seed=[0.0, 1.0])
    assert step_text.equation(one_hot.steps[-1]).startswith("∂y/∂z[1] = ")
    assert float(one_hot.steps[-1].result) == 5.0
    other = forward_mode(G, {"z": [1.0, 2.0]}, wrt="z", seed=[0.5, 2.0])
    assert step_text.symbol(other.steps[-1]) == "∂y/∂z·v"
    assert step_text.latex(other.steps[-1]).startswith(r"\frac{\partial y}{\partial z} \cdot v = ")


def test_reverse_with_an_array_output_is_labelled_as_the_gradient_of_the_sum():
    t = reverse_mode(parse("y = x"), {"x": [1.0, 2.0, 3.0]})
    assert step_text.equation(t.steps[0]) == "∂(Σy)/∂x = ∂(Σy)/∂y·∂y/∂x = [1, 1, 1]·1 = [1, 1, 1]"
    assert step_text.node_symbol(t, "y") == "∂(Σy)/∂y"
    assert ad.table(t).splitlines()[2].split()[-1] == "∂(Σy)/∂·"
    assert step_text.latex(t.steps[0]).startswith(
        r"\frac{\partial \left(\sum y\right)}{\partial x} = ")
    row = reverse_mode(parse("y = x*x"), {"x": [1.0, 2.0]}, seed=[0.0, 1.0])
    assert step_text.symbol(row.steps[0]) == "∂y[1]/∂x"
    assert row.derivative("x").tolist() == [0.0, 4.0]
    weighted = reverse_mode(parse("y = x*x"), {"x": [1.0, 2.0]}, seed=[2.0, 1.0])
    assert step_text.symbol(weighted.steps[0]) == "∂(v·y)/∂x"
    assert ad.to_dict(weighted)["seed"] == "v"


def test_scalar_cases_are_unchanged():
    t = reverse_mode(parse(PROBLEM9), {"x": 0.0})
    assert t.seed is None and "seed" not in ad.to_dict(t)
    assert step_text.formula(t.steps[2]) == "∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3"
    f = forward_mode(parse("y = sum(x*w)"), {"x": 2.0, "w": [1.0, 2.0]}, wrt="x")
    assert f.seed is None and step_text.symbol(f.steps[-1]) == "∂y/∂x"
    last = reverse_mode(parse("y = sum(x*w)"), {"x": [1.0, 2.0], "w": 3.0}).steps[-1]
    assert step_text.symbol(last) == "∂y/∂x"
    assert seeded_symbol("tangent", "f1", "x", None) == "∂f1/∂x"


# ------------------------------------------------------------------ check


def test_check_rows_name_the_element():
    report = check_derivatives(parse("y = sum(z*w)"), {"z": [1.0, 2.0], "w": [3.0, 5.0]})
    assert report.ok
    names = [c.derivative for c in report.comparisons]
    assert "∂y/∂z[0]" in names or "∂y/∂z[1]" in names
    assert all("[" in name for name in names)  # every row names an element
    # scalar problems keep their plain rows
    plain = check_derivatives(parse(PROBLEM9), {"x": 0.5})
    assert [c.derivative for c in plain.comparisons][:2] == ["∂f1/∂x", "∂f2/∂x"]


def test_check_catches_a_permuted_gradient(monkeypatch):
    """A rule whose elements are swapped passes an all-ones check (the sums agree) but
    not an element-by-element one."""
    real = sweep_module.local_function

    def permuted(op, position):
        rule = real(op, position)
        if op != "mul":
            return rule
        return lambda operands, out: np.flip(rule(operands, out))

    monkeypatch.setattr(sweep_module, "local_function", permuted)
    G = parse("y = sum(z*w)")
    inputs = {"z": [1.0, 2.0], "w": [3.0, 5.0]}
    assert float(np.sum(reverse_mode(G, inputs).derivative("z"))) == 8.0  # sum still right
    report = check_derivatives(G, inputs)
    assert not report.ok
    bad = [c for c in report.comparisons if c.error > 1e-3]
    assert {c.mode for c in bad} == {"forward", "reverse"}
    assert any(c.derivative in ("∂y/∂z[0]", "∂y/∂z[1]") for c in bad)


def test_check_bounds_the_probes_and_says_so():
    rng = np.random.default_rng(3)
    n = 3 * MAX_PROBES
    report = check_derivatives(parse("y = sum(sin(x)*w)"),
                               {"x": rng.normal(size=n), "w": rng.normal(size=n)})
    assert report.ok
    assert any(f"(probed {MAX_PROBES} of {n} elements of x)" in c.derivative
               for c in report.comparisons)
    again = check_derivatives(parse("y = sum(sin(x)*w)"),
                              {"x": rng.normal(size=n), "w": rng.normal(size=n)})
    assert [c.derivative.split("[")[0] for c in again.comparisons] == [
        c.derivative.split("[")[0] for c in report.comparisons]


def test_check_array_output_uses_one_hot_seeds():
    report = check_derivatives(parse("y = x*x"), {"x": [1.0, -2.0, 3.0]})
    assert report.ok
    assert all(c.derivative.startswith("∂y[") for c in report.comparisons)


# ------------------------------------------------------------------ JSON and previews


def test_json_tells_nan_inf_and_minus_inf_apart():
    t = evaluate(parse("a = log(x - 3); b = 1/(x - 2); c = -1/(x - 2); y = a + b + c"),
                 {"x": 2.0})
    data = json.loads(ad.to_json(t))
    assert data["nodes"]["a"]["value"] == "nan"
    assert data["nodes"]["b"]["value"] == "inf"
    assert data["nodes"]["c"]["value"] == "-inf"
    arrays = json.loads(ad.to_json(evaluate(parse("y = log(x)"), {"x": [0.0, -1.0, 1.0]})))
    assert arrays["nodes"]["y"]["value"] == ["-inf", "nan", 0.0]


def test_large_arrays_show_a_preview():
    values = np.linspace(-1.0, 2.0, 20)
    assert fmt_number(values) == "[−1, −0.8421, …, 2] (20)"
    assert fmt_number(values, "latex") == r"\left[-1, -0.8421, \ldots, 2\right]_{(20)}"
    assert fmt_number(np.arange(25.0).reshape(5, 5)) == "[0, 1, …, 24] (5×5)"  # up to 4×4 whole
    assert fmt_number([1.0, 2.0, 3.0]) == "[1, 2, 3]"  # small arrays as before
    t = forward_mode(parse("y = x*x"), {"x": np.arange(20.0)})
    assert "[0, 1, …, 19] (20)" in ad.table(t) and "vector]" not in ad.table(t)


@pytest.mark.parametrize("seed, kind", [(None, "1"), ([0.0, 0.0, 1.0], "[2]"),
                                        ([1.0, 1.0, 1.0], "1"), ([0.0, 2.0, 0.0], "v")])
def test_seed_kinds(seed, kind):
    assert forward_mode(parse("y = x*2"), {"x": [1.0, 2.0, 3.0]}, seed=seed).seed == kind


def test_check_with_outputs_of_different_shapes():
    """p (an array) and L (a scalar) are both outputs: the step size must read both."""
    G = parse("z = w*x; p = sigmoid(z); L = sum(softplus(z) - y*z)")
    report = check_derivatives(G, {"w": 0.7, "x": np.array([-1.0, 0.5, 2.0]),
                                   "y": np.array([0.0, 1.0, 1.0])})
    assert report.ok and report.worst.error < 1e-7
