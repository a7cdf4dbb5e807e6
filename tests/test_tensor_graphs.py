"""Issue 9, S6: constants e and pi, cross_entropy(Z, T), the tensor example graphs, forward
mode and Jacobians/Hessians with matrix inputs, and the MLP's gradients against autograd."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad import parse
from graphviz_ad.core.calculus import hessian, jacobian
from graphviz_ad.core.data import draw
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import steps as step_text

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
RNG = np.random.default_rng(5)


def test_e_and_pi_are_constants_unless_bound():
    t = ad.evaluate(parse("y = e^x + pi"), {"x": 1.0})
    assert float(t.value("y")) == pytest.approx(math.e + math.pi)
    assert program_of(parse("y = e^x + pi")).inputs == ("x",)
    assert "e^{x} + \\pi" in step_text.latex(t.steps[-1]) or "\\pi" in step_text.latex(t.steps[-1])
    assert ad.evaluate(parse("e = 3; y = e*x"), {"x": 2.0}).value("y") == 6.0


def test_cross_entropy_gradient_is_softmax_minus_targets():
    Z = RNG.normal(size=(4, 3))
    T = np.eye(3)[[0, 2, 1, 1]]
    t = ad.reverse_mode(parse("L = sum(cross_entropy(Z, T))"), {"Z": Z, "T": T})
    softmax = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(t.gradient()["Z"], softmax - T, atol=1e-12)
    loss = -np.sum(T * np.log(softmax))
    assert float(t.value("L")) == pytest.approx(loss, rel=1e-12)


def test_data_draws_take_a_shape():
    X = draw("X", {"normal": [0, 1], "shape": [6, 2], "seed": 1})
    assert X.shape == (6, 2)
    np.testing.assert_array_equal(X.ravel(), draw("X", {"normal": [0, 1], "size": 12,
                                                        "seed": 1}))
    with pytest.raises(ad.GraphvizAdError, match="shape"):
        draw("X", {"normal": [0, 1], "shape": [6, 0]})


def _mlp_loss(W1, b1, W2, b2, X, T, np_):
    H = np_.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    m = np_.max(Z, axis=1, keepdims=True)
    lse = m[:, 0] + np_.log(np_.sum(np_.exp(Z - m), axis=1))
    return np_.mean(lse - np_.sum(T * Z, axis=1))


def test_mlp_gradients_match_autograd():
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    _, G, inputs = ad.load(GRAPHS / "mlp.toml")
    names = ["W1", "b1", "W2", "b2"]
    grad = ad.reverse_mode(G, inputs, of="L").gradient()
    args = [inputs[n] for n in names] + [inputs["X"], inputs["T"]]
    loss = float(ad.evaluate(G, inputs).value("L"))
    assert loss == pytest.approx(_mlp_loss(*args, np), rel=1e-12)
    for i, name in enumerate(names):
        want = autograd.grad(lambda *a: _mlp_loss(*a, anp), i)(*args)
        np.testing.assert_allclose(grad[name], want, rtol=1e-10, atol=1e-12)


def test_mlp_reverse_slide_stays_small():
    _, G, _ = ad.load(GRAPHS / "mlp.toml")
    assert sum(G.nodes[n]["op"] != "const" for n in G) <= 16  # a layer is one node (+ its @)


def test_linear_layer_steps_read_in_matrix_form():
    _, G, inputs = ad.load(GRAPHS / "linear-layer.toml")
    t = ad.reverse_mode(G, inputs, of="L")
    by = {s.node: s for s in t.steps}
    assert step_text.formula(by["W"]) == "∂L/∂W = ∂L/∂f1 · xᵀ"
    W, x, b, target = (inputs[k] for k in ("W", "x", "b", "t"))
    np.testing.assert_allclose(by["W"].result, 2 * np.outer(W @ x + b - target, x))


def test_problem7_and_8_in_matrix_form_agree_with_their_scalar_versions():
    _, G7, in7 = ad.load(GRAPHS / "problem7-matrix.toml")
    X = in7["X"]
    np.testing.assert_allclose(hessian(G7, in7, of="L", wrt="phi"), 2 * X.T @ X, rtol=1e-12)
    _, G8, in8 = ad.load(GRAPHS / "problem8-matrix.toml")
    p = 1 / (1 + np.exp(-in8["X"] @ in8["phi"]))
    want = in8["X"].T @ np.diag(p * (1 - p)) @ in8["X"]
    np.testing.assert_allclose(hessian(G8, in8, of="L", wrt="phi"), want, rtol=1e-10)
    _, S8, s8 = ad.load(GRAPHS / "problem8.toml")
    s8 = {**s8, "phi0": 0.0, "phi1": 1.0, "x": np.round(s8["x"], 3)}
    scalar = ad.reverse_mode(S8, s8, of="L").gradient()
    matrix = ad.reverse_mode(G8, in8, of="L").gradient()["phi"]
    np.testing.assert_allclose(matrix, [scalar["phi0"], scalar["phi1"]], rtol=1e-10)


def test_forward_mode_and_jacobian_with_matrix_inputs():
    W = RNG.normal(size=(2, 3))
    x = RNG.normal(size=3)
    G = parse("z = W @ x")
    t = ad.forward_mode(G, {"W": W, "x": x}, wrt="W")
    assert t.seed == "1" and step_text.symbol(t.steps[0]) == "∂z/∂W·1"
    np.testing.assert_allclose(t.derivative("z"), np.ones((2, 3)) @ x)
    J = jacobian(G, {"W": W, "x": x}, of="z", wrt="W")
    assert J.shape == (2, 2, 3)
    np.testing.assert_allclose(J, np.einsum("ik,j->ikj", np.eye(2), x))


def test_trace_seed_sets_the_direction_of_a_matrix_input():
    from click.testing import CliRunner

    from graphviz_ad.cli import main

    args = ["trace", "z = W @ x", "--at", "W=[[1,2,3],[4,5,6]]", "--at", "x=[1,2,3]",
            "--mode", "forward", "--wrt", "W"]
    result = CliRunner().invoke(main, [*args, "--direction", "[[0,1,0],[0,0,0]]"])
    assert result.exit_code == 0, result.output
    assert "∂z/∂W[0, 1] = ∂W/∂W[0, 1] · x = [[0, 1, 0], [0, 0, 0]] · [1, 2, 3] = [2, 0]" in (
        result.output)
    assert "∂z/∂W·1 = ∂W/∂W·1 · x" in CliRunner().invoke(main, args).output
    bad = CliRunner().invoke(main, [*args, "--direction", "[1,2]"])
    assert bad.exit_code == 2 and "seed for W has shape (2,), expected (2, 3)" in bad.stderr


def test_elementwise_products_of_matrices_are_hadamard():
    t = ad.evaluate(parse("y = A*B + 2*A"), {"A": np.ones((2, 2)), "B": np.eye(2)})
    assert [step_text.formula(s) for s in t.steps][:2] == ["f1 = A ⊙ B", "f2 = 2·A"]
    assert r"A \odot B" in step_text.latex(t.steps[0])
    vectors = ad.evaluate(parse("y = a*b"), {"a": [1.0, 2.0], "b": [3.0, 4.0]})
    assert step_text.formula(vectors.steps[0]) == "y = a·b"  # vectors keep the dot


def test_reverse_mode_wrt_skips_the_data():
    _, G, inputs = ad.load(GRAPHS / "mlp.toml")
    full = ad.reverse_mode(G, inputs, of="L")
    some = ad.reverse_mode(G, inputs, of="L", wrt=["W1", "b2"])
    assert {s.node for s in some.steps} < {s.node for s in full.steps}
    assert "X" not in {s.node for s in some.steps} and "W2" not in {s.node for s in some.steps}
    for name in ("W1", "b2"):
        np.testing.assert_allclose(some.derivative(name), full.derivative(name), rtol=1e-12)
    with pytest.raises(ad.InputError, match="names no input"):
        ad.reverse_mode(G, inputs, of="L", wrt="nope")


def test_a_linear_maps_local_is_computed_when_shown():
    t = ad.reverse_mode(parse("z = W @ x; L = sum(z)"), {"W": np.ones((2, 3)), "x": [1.0, 2, 3]})
    c = next(s for s in t.steps if s.node == "x").contributions[0]
    assert type(c.local_).__name__ == "Deferred"
    np.testing.assert_allclose(c.local, [2.0, 2.0, 2.0])  # Wᵀ·𝟙
