"""Issue 5: array values, Jacobians, Hessians (problems 1, 2, 3, 7, 8) against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad import GraphvizAdError, InputError, parse
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.calculus import cost, gradient_graph, hessian, jacobian
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import steps as step_text
from graphviz_ad.plots.charts import gradient_descent, weight_decay_paths

LSQ = "L = sum((phi0 + phi1*x - y)^2)"
LOGISTIC = "z = phi0 + phi1*x\np = sigmoid(z)\nL = -sum(y*log(p) + (1 - y)*log(1 - p))"


def central(G, inputs, of, name, h=1e-6):
    """Central differences of sum(of) with respect to every element of input ``name``."""
    base = np.asarray(inputs[name], dtype=float)
    grad = np.zeros(base.shape)
    for k in range(base.size):
        step = np.zeros(base.shape)
        step.flat[k] = h
        plus = values_at(G, {**inputs, name: base + step})[of]
        minus = values_at(G, {**inputs, name: base - step})[of]
        grad.flat[k] = np.sum(plus - minus) / (2 * h)
    return grad[()] if grad.ndim == 0 else grad


@pytest.mark.parametrize("seed", range(5))
def test_least_squares_hessian_closed_form(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 30))
    x, y = rng.normal(size=n), rng.normal(size=n)
    inputs = {"phi0": rng.normal(), "phi1": rng.normal(), "x": x, "y": y}
    H = hessian(parse(LSQ), inputs, of="L", wrt=["phi0", "phi1"])
    want = 2 * np.array([[n, x.sum()], [x.sum(), (x ** 2).sum()]])
    np.testing.assert_allclose(H, want, rtol=1e-12, atol=1e-12)
    assert np.trace(H) > 0 and np.linalg.det(H) >= -1e-9


def test_softmax_jacobian_is_diag_minus_outer():
    rng = np.random.default_rng(1)
    for size in (1, 2, 5):
        z = rng.normal(size=size) * 3
        s = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        G = parse("s = softmax(z)")
        for mode in ("forward", "reverse"):
            J = jacobian(G, {"z": z}, of="s", wrt="z", mode=mode)
            np.testing.assert_allclose(J, np.diag(s) - np.outer(s, s), atol=1e-14)


def test_softmax_is_one_node_and_index_is_a_row():
    G = parse("s = softmax(z)\ny = s[0]")
    assert [G.nodes[n]["op"] for n in program_of(G).order] == [
        "input", "softmax", "const", "index"]
    z = np.array([1.0, 2.0, 3.0])
    s = np.exp(z) / np.exp(z).sum()
    grad = ad.reverse_mode(G, {"z": z}).derivative("z")
    np.testing.assert_allclose(grad, s[0] * (np.eye(3)[0] - s), atol=1e-15)


@pytest.mark.parametrize("seed", range(6))
def test_logistic_hessian_positive_semidefinite(seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1, 1, 10), rng.normal(1, 1, 10)])
    y = np.r_[np.zeros(10), np.ones(10)]
    phi = rng.uniform(-4, 4, size=2)
    inputs = {"phi0": phi[0], "phi1": phi[1], "x": x, "y": y}
    H = hessian(parse(LOGISTIC), inputs, of="L", wrt=["phi0", "phi1"])
    p = 1 / (1 + np.exp(-(phi[0] + phi[1] * x)))
    w = p * (1 - p)
    want = np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])
    np.testing.assert_allclose(H, want, rtol=1e-10, atol=1e-12)
    assert np.linalg.eigvalsh(H).min() >= -1e-12
    grad = ad.reverse_mode(parse(LOGISTIC), inputs, of="L").gradient()
    np.testing.assert_allclose([grad["phi0"], grad["phi1"]],
                               [(p - y).sum(), ((p - y) * x).sum()], rtol=1e-10)


def test_weight_decay_step_equals_l2_gradient_step():
    rng = np.random.default_rng(3)
    inputs = {"x": rng.normal(size=15), "y": rng.normal(size=15)}
    G = parse("L = mean((phi0 + phi1*x - y)^2)")
    decayed, regular, _, _ = weight_decay_paths(G, inputs, "L", {"phi0": -3.0, "phi1": 2.0},
                                                lam=0.1, lr=0.07, steps=25)
    np.testing.assert_allclose(decayed, regular, rtol=0, atol=1e-12)
    one = gradient_descent(G, inputs, "L", {"phi0": -3.0, "phi1": 2.0}, 0.07, 1, decay=0.1)
    np.testing.assert_allclose(one[1], decayed[1], atol=1e-15)


def test_gaussian_prior_gradient_equals_l2_gradient():
    rng = np.random.default_rng(4)
    G = parse("r = phi0 + phi1*x - y\nnll = sum(r^2)\n"
              "post = nll + (phi0^2 + phi1^2)/(2*sigma^2) + log(6.283185307179586*sigma^2)\n"
              "l2 = nll + lam*(phi0^2 + phi1^2)")
    for sigma in (0.3, 1.0, 2.5):
        inputs = {"phi0": rng.normal(), "phi1": rng.normal(), "x": rng.normal(size=9),
                  "y": rng.normal(size=9), "sigma": sigma, "lam": 1 / (2 * sigma ** 2)}
        post = ad.reverse_mode(G, inputs, of="post").gradient()
        l2 = ad.reverse_mode(G, inputs, of="l2").gradient()
        for name in ("phi0", "phi1"):
            assert float(post[name]) == pytest.approx(float(l2[name]), rel=1e-12)


def test_problem_graph_files_load_and_differentiate():
    from graphviz_ad.cli.common import load_program

    _, G, inputs = load_program("graphs/problem8.toml", ())
    assert inputs["x"].shape == (20,) and inputs["y"].sum() == 10
    H = hessian(G, inputs, of="L", wrt=["phi0", "phi1"])
    assert np.linalg.eigvalsh(H).min() > 0
    _, G7, inputs7 = load_program("graphs/problem7.toml", ())
    x = inputs7["x"]
    np.testing.assert_allclose(hessian(G7, inputs7, of="L", wrt=["phi0", "phi1"]),
                               2 * np.array([[len(x), x.sum()], [x.sum(), (x * x).sum()]]))


# -------------------------------------------------------------- broadcasting adjoints


@pytest.mark.parametrize("source", [
    "y = sum(w*x + b)", "y = mean(exp(w) * x) + dot(x, x)", "y = logsumexp(w*x - b)",
    "y = sum(softmax(x) * w)", "y = sum(x / (1 + w^2)) * b", "y = sum(max(x, w))",
    "y = softmax(x*w)[1]", "y = sum(sigmoid(x - b) * tanh(w))",
])
def test_broadcast_adjoints_match_finite_differences(source):
    rng = np.random.default_rng(7)
    G = parse(source)
    inputs = {"x": rng.normal(size=4), "w": rng.normal(), "b": rng.normal()}
    inputs = {k: v for k, v in inputs.items() if k in program_of(G).inputs}
    grad = ad.reverse_mode(G, inputs).gradient()
    for name in inputs:
        assert np.shape(grad[name]) == np.shape(inputs[name])
        np.testing.assert_allclose(grad[name], central(G, inputs, "y", name), atol=1e-6)
        tangent = ad.forward_mode(G, inputs, wrt=name).derivative("y")
        assert float(tangent) == pytest.approx(float(np.sum(grad[name])), abs=1e-9)


def test_matrix_broadcasting_unbroadcasts_each_axis():
    G = parse("y = sum(sum(a*b + c))")
    rng = np.random.default_rng(8)
    inputs = {"a": rng.normal(size=(3, 1)), "b": rng.normal(size=(1, 4)), "c": rng.normal()}
    grad = ad.reverse_mode(G, inputs).gradient()
    for name in inputs:
        assert np.shape(grad[name]) == np.shape(inputs[name])
        np.testing.assert_allclose(grad[name], central(G, inputs, "y", name), atol=1e-6)


_arrays = st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=6)


@settings(max_examples=40, deadline=None)
@given(xs=_arrays, w=st.floats(-2, 2), b=st.floats(-2, 2),
       body=st.sampled_from(["w*x + b", "exp(w*x) - b", "x*x*w", "sin(x + b)/(2 + w^2)",
                             "softplus(x*w) + b*x", "sigmoid(w - x)*b"]),
       reduce=st.sampled_from(["sum", "mean", "logsumexp"]))
def test_property_broadcast_adjoints_vs_central_differences(xs, w, b, body, reduce):
    G = parse(f"y = {reduce}({body})")
    inputs = {"x": np.array(xs), "w": w, "b": b}
    inputs = {k: v for k, v in inputs.items() if k in program_of(G).inputs}
    grad = ad.reverse_mode(G, inputs).gradient()
    for name in inputs:
        fd = central(G, inputs, "y", name, h=1e-5)
        assert np.shape(grad[name]) == np.shape(inputs[name])
        np.testing.assert_allclose(grad[name], fd, rtol=1e-5, atol=1e-5)


def test_hessian_of_gradient_graph_matches_jacobian_of_gradient():
    rng = np.random.default_rng(9)
    G = parse("L = logsumexp(w*x) + sum(tanh(x*v))^2")
    inputs = {"w": 0.3, "v": -0.7, "x": rng.normal(size=5)}
    Gg = gradient_graph(G, "L", ["w", "v"])
    assert program_of(Gg).outputs == ("∂L/∂w", "∂L/∂v")
    grad = ad.reverse_mode(G, inputs).gradient()
    values = ad.evaluate(Gg, inputs)
    assert float(values.value("∂L/∂w")) == pytest.approx(float(grad["w"]), rel=1e-12)
    H = hessian(G, inputs, of="L", wrt=["w", "v"])
    for j, name in enumerate(["w", "v"]):
        col = [central(Gg, inputs, g, name) for g in program_of(Gg).outputs]
        np.testing.assert_allclose(H[:, j], col, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_vector_hessian_of_logsumexp():
    z = np.array([0.5, -1.0, 2.0])
    s = np.exp(z) / np.exp(z).sum()
    H = hessian(parse("L = logsumexp(z)"), {"z": z}, wrt="z")
    np.testing.assert_allclose(H, np.diag(s) - np.outer(s, s), atol=1e-14)


def test_jacobian_shapes_and_errors():
    G = parse("s = softmax(z)")
    assert jacobian(G, {"z": [1.0, 2.0]}, wrt="z").shape == (2, 2)
    G2 = parse("L = phi0^2 * phi1")
    assert jacobian(G2, {"phi0": 1.0, "phi1": 2.0}, wrt=["phi0", "phi1"]).tolist() == [4, 1]
    assert hessian(G2, {"phi0": 1.0, "phi1": 2.0}, wrt="phi0").shape == ()
    with pytest.raises(InputError, match="scalar output"):
        hessian(G, {"z": [1.0, 2.0]})
    with pytest.raises(InputError, match="names no input"):
        jacobian(G2, {"phi0": 1.0, "phi1": 2.0}, wrt="nope")


def test_shape_and_index_errors_name_the_node():
    with pytest.raises(InputError, match=r"1:5: y = x \+ w: operand shapes 2 and 3"):
        ad.evaluate(parse("y = x + w"), {"x": [1.0, 2.0], "w": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="out of range"):
        ad.evaluate(parse("y = x[5]"), {"x": [1.0, 2.0]})
    with pytest.raises(InputError, match="cannot index a scalar"):
        ad.evaluate(parse("y = x[0]"), {"x": 1.0})
    with pytest.raises(GraphvizAdError, match="constant integer"):
        parse("y = x[i]")


def test_array_display_shows_numbers_or_shape():
    t = ad.reverse_mode(parse("y = sum(x*w)"), {"x": [1.0, 2.0], "w": 3.0})
    assert "[1, 2]" in ad.table(t)
    assert "Σ(" in step_text.equation(t.steps[-1]) or "Σ(" in ad.table(t)
    big = ad.evaluate(parse("y = sum(x)"), {"x": np.arange(10.0)})
    assert "[0, 1, …, 9] (10)" in ad.table(big)  # a preview: first two, last, length
    assert r"= \left[2, 2, \ldots, 2\right]_{(10)}" in ad.latex(ad.forward_mode(
        parse("y = 2*x"), {"x": np.arange(10.0)}))


def test_cost_counts_sweeps():
    c = cost(parse("y = sin(x1)*x2 + sin(x2)*x3 + sin(x3)*x1"))
    assert (c.forward_sweeps, c.reverse_sweeps) == (3, 1)
    assert c.forward == 3 * c.reverse
    c2 = cost(parse("s = softmax(z)"), {"z": [1.0, 2.0, 3.0, 4.0]})
    assert (c2.forward_sweeps, c2.reverse_sweeps) == (4, 4)


def test_data_draws_and_files(tmp_path):
    from graphviz_ad.core.data import data_table, load_data

    table = data_table({"x": {"normal": [[-1, 1], [1, 1]], "size": 10, "seed": 0},
                        "y": [0, 1]}, "test")
    assert table["x"].shape == (20,) and table["y"].tolist() == [0, 1]
    again = data_table({"x": {"normal": [[-1, 1], [1, 1]], "size": 10, "seed": 0}}, "test")
    np.testing.assert_array_equal(table["x"], again["x"])
    (tmp_path / "d.csv").write_text("x,y\n1,2\n3,4\n")
    assert {k: v.tolist() for k, v in load_data(str(tmp_path / "d.csv")).items()} == {
        "x": [1, 3], "y": [2, 4]}
    np.save(tmp_path / "w.npy", np.arange(3.0))
    assert load_data(str(tmp_path / "w.npy"))["w"].tolist() == [0, 1, 2]
    assert "v" in load_data(f"v={tmp_path / 'w.npy'}")
    for bad, message in [({"x": {"normal": [0, 1], "size": 0}}, "positive"),
                         ({"x": {"gamma": [1, 1]}}, "unknown key"),
                         ({"x": ["a"]}, "list of numbers")]:
        with pytest.raises(GraphvizAdError, match=message):
            data_table(bad, "test")


def test_check_derivatives_on_arrays():
    from graphviz_ad.explain.check import check_derivatives

    rng = np.random.default_rng(11)
    G = parse(LOGISTIC)
    inputs = {"phi0": 0.2, "phi1": -0.4, "x": rng.normal(size=6),
              "y": rng.integers(0, 2, 6).astype(float)}
    report = check_derivatives(G, inputs)
    assert report.ok and report.worst.error < 1e-6
    assert {c.mode for c in report.comparisons} == {"forward", "reverse"}


def test_package_exports():
    assert ad.jacobian is jacobian and ad.hessian is hessian and ad.gradient_graph is gradient_graph
