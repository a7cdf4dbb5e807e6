"""Matrix products (issue 9, S5): @, .T/transpose, outer and dot (1-D only) against
central differences and closed forms, their steps in matrix form, and shape errors."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_arrays import central  # central differences of sum(of) by each element

import graphviz_ad as ad
from graphviz_ad import InputError, parse
from graphviz_ad.cli import main
from graphviz_ad.core.calculus import gradient_graph, hessian
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.explain import steps as step_text
from graphviz_ad.explain.check import check_derivatives

RNG = np.random.default_rng(9)
W = np.array([[1.0, -1.0, 2.0], [0.5, 2.0, 3.0]])
X = RNG.normal(size=(5, 3))


def test_least_squares_gradient_is_2_residual_x_transposed():
    x, y = np.array([1.0, 2.0, -1.0]), np.array([0.5, -2.0])
    G = parse("L = sum((W @ x - y)^2)")
    grad = ad.reverse_mode(G, {"W": W, "x": x, "y": y}).gradient()
    np.testing.assert_allclose(grad["W"], 2 * np.outer(W @ x - y, x), rtol=1e-12)
    np.testing.assert_allclose(grad["x"], 2 * W.T @ (W @ x - y), rtol=1e-12)


def _shapes(draw):
    """Operand shapes of a matmul: each 1-D, 2-D or batched 3-D (batch 1 broadcasts)."""
    n, k, m, batch = (draw(st.integers(1, 4)) for _ in range(4))
    rank_a, rank_b = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    a = {1: (k,), 2: (n, k), 3: (draw(st.sampled_from([1, batch])), n, k)}[rank_a]
    b = {1: (k,), 2: (k, m), 3: (draw(st.sampled_from([1, batch])), k, m)}[rank_b]
    return a, b


@settings(max_examples=60, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_every_rank_combination_against_central_differences(data, seed):
    a_shape, b_shape = _shapes(data.draw)
    rng = np.random.default_rng(seed)
    inputs = {"A": rng.normal(size=a_shape), "B": rng.normal(size=b_shape)}
    G = parse("y = sum(sin(A @ B))")
    grad = ad.reverse_mode(G, inputs).gradient()
    for name in ("A", "B"):
        assert grad[name].shape == inputs[name].shape
        np.testing.assert_allclose(grad[name], central(G, inputs, "y", name), atol=1e-6)
        tangent = ad.forward_mode(G, inputs, wrt=name).derivative("y")
        assert float(np.sum(tangent)) == pytest.approx(float(np.sum(grad[name])), abs=1e-9)
    Gg = gradient_graph(G, "y")  # the gradient written as a graph evaluates the same
    values = ad.evaluate(Gg, inputs)
    for name, out in zip(("A", "B"), program_of(Gg).outputs):
        np.testing.assert_allclose(values.value(out), grad[name], atol=1e-12)


@pytest.mark.parametrize("source", [
    "y = sum(sin(transpose(A) @ B.T))", "y = sum(outer(u, v) * A.T)",
    "y = dot(u, exp(A.T @ v)) + sum(A.T.T)",
])
def test_transpose_outer_and_dot_against_central_differences(source):
    inputs = {"A": RNG.normal(size=(2, 3)), "B": RNG.normal(size=(4, 2)),
              "u": RNG.normal(size=3), "v": RNG.normal(size=2)}
    G = parse(source)
    inputs = {k: v for k, v in inputs.items() if k in program_of(G).inputs}
    grad = ad.reverse_mode(G, inputs).gradient()
    for name in inputs:
        np.testing.assert_allclose(grad[name], central(G, inputs, "y", name), atol=1e-6)
    assert check_derivatives(G, inputs).ok


def test_least_squares_hessian_is_2_xtx():
    y = RNG.normal(size=5)
    H = hessian(parse("L = sum((X @ phi - y)^2)"),
                {"X": X, "phi": np.zeros(3), "y": y}, wrt="phi")
    np.testing.assert_allclose(H, 2 * X.T @ X, rtol=1e-12)


def test_logistic_hessian_is_xt_diag_p_1_minus_p_x():
    phi, t = np.array([0.3, -0.5, 1.0]), (RNG.uniform(size=5) > 0.5).astype(float)
    H = hessian(parse("z = X @ phi; L = sum(softplus(z) - t*z)"),
                {"X": X, "phi": phi, "t": t}, of="L", wrt="phi")
    p = 1 / (1 + np.exp(-X @ phi))
    np.testing.assert_allclose(H, X.T @ np.diag(p * (1 - p)) @ X, rtol=1e-10)


def test_matrix_hessian_has_the_matrix_shape_twice():
    x = np.array([1.0, 2.0, -1.0])
    H = hessian(parse("L = sum((W @ x)^2)"), {"W": W, "x": x}, wrt="W")
    assert H.shape == (2, 3, 2, 3)
    want = np.einsum("ik,j,l->ijkl", 2 * np.eye(2), x, x)
    np.testing.assert_allclose(H, want, rtol=1e-12)


def test_steps_are_written_in_matrix_form():
    G = parse("z1 = W1 @ x + b1; h = tanh(z1); z2 = W2 @ h; L = sum(z2^2)")
    inputs = {"W1": W, "x": np.array([1.0, 2.0, -1.0]), "b1": np.array([0.1, -0.2]),
              "W2": np.array([[1.0, 2.0]])}
    t = ad.reverse_mode(G, inputs)
    by = {s.node: s for s in t.steps}
    assert step_text.formula(by["W1"]) == "∂L/∂W1 = ∂L/∂f1 · xᵀ"
    assert step_text.formula(by["h"]) == "∂L/∂h = W2ᵀ · ∂L/∂z2"
    assert r"x^\top" in step_text.latex(by["W1"]) and r"W_{2}^\top" in step_text.latex(by["h"])
    assert step_text.equation(by["W1"]).startswith("∂L/∂W1 = ∂L/∂f1 · xᵀ = [")
    assert "· [1, 2, −1]ᵀ = [[" in step_text.equation(by["W1"])
    local = edge_text.local_formula(next(c for c in by["W1"].contributions))
    assert local == "∂f1/∂W1: G ↦ G · xᵀ"
    np.testing.assert_allclose(by["W1"].result, np.outer(by["f1"].result, inputs["x"]))


def test_batched_layer_bias_is_a_sum_over_rows():
    G = parse("z = X @ W.T + b; L = sum(sum(z^2))")
    inputs = {"X": X, "W": W, "b": np.array([0.1, -0.2])}
    t = ad.reverse_mode(G, inputs)
    by = {s.node: s for s in t.steps}
    assert step_text.formula(by["b"]) == "∂L/∂b = Σ_rows ∂L/∂z"
    np.testing.assert_allclose(by["b"].result, np.sum(by["z"].result, axis=0))
    np.testing.assert_allclose(t.gradient()["W"], central(G, inputs, "L", "W"), atol=1e-6)


@pytest.mark.parametrize("source, inputs, message", [
    ("z1 = W1 @ x", {"W1": W, "x": np.ones(2)},
     "1:9: W1 @ x: inner sizes differ (W1 is 2×3, x has 2)"),
    ("y = dot(W, x)", {"W": np.ones((2, 2)), "x": np.ones(2)},
     "1:5: dot(W, x): takes two vectors; W is 2×2: use W @ x"),
    ("y = x @ 2", {"x": np.ones(2)}, "1:7: x @ 2: 2 is a scalar: use * to scale"),
    ("y = outer(u, W)", {"u": np.ones(2), "W": W}, "takes two vectors; W is 2×3"),
])
def test_shape_errors_are_one_line_with_both_shapes(source, inputs, message):
    with pytest.raises(InputError) as info:
        ad.evaluate(parse(source), inputs)
    assert info.value.format().splitlines()[0].endswith(message)
    at = [f"{k}={v.tolist()}" for k, v in inputs.items()]
    result = CliRunner().invoke(main, ["trace", source, *sum((["--at", a] for a in at), [])])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith("graphviz-ad: error: ")
    assert result.stderr.splitlines()[0].endswith(message)


def test_only_dot_t_is_an_attribute():
    with pytest.raises(ad.GraphvizAdError, match=r"only attribute is \.T"):
        parse("y = x.real")
    G = parse("y = A.T @ x")
    assert sorted(G.nodes[n]["op"] for n in program_of(G).order) == [
        "input", "input", "matmul", "transpose"]
    assert ad.evaluate(G, {"A": W, "x": [1.0, 2.0]}).value("y").tolist() == [2.0, 3.0, 8.0]
