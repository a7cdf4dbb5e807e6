"""Keyword parameters: sum/mean/logsumexp/softmax(A, axis=k) as linear-map entries,
checked against central differences and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from test_arrays import central  # central differences of sum(of) by each element

import graphviz_ad as ad
from graphviz_ad import GraphvizAdError, InputError, parse
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.calculus import hessian, jacobian
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.explain import steps as step_text
from graphviz_ad.explain.check import check_derivatives

RNG = np.random.default_rng(11)
A = RNG.normal(size=(3, 4))
W = RNG.normal(size=(3, 4))
T = np.eye(4)[[0, 2, 3]]


@pytest.mark.parametrize("source", [
    "y = sum(sum(A*W, axis=1)^2)",
    "y = sum(mean(exp(A), axis=-1) * sum(W, axis=1))",
    "y = sum(logsumexp(A*W, axis=1))",
    "y = sum(logsumexp(A, axis=0) * mean(W))",
    "y = sum(sum(softmax(A, axis=1) * T, axis=1) * sum(W, axis=-1))",
    "y = sum(softmax(A*W, axis=0)[1])",
])
def test_axis_gradients_match_central_differences(source):
    G = parse(source)
    inputs = {k: v for k, v in {"A": A, "W": W, "T": T}.items() if k in program_of(G).inputs}
    grad = ad.reverse_mode(G, inputs).gradient()
    for name in ("A", "W"):
        if name not in inputs:
            continue
        assert grad[name].shape == inputs[name].shape
        np.testing.assert_allclose(grad[name], central(G, inputs, "y", name), atol=1e-6)
        # forward mode (the JVP programs) along ones is the sum of the gradient
        tangent = ad.forward_mode(G, inputs, wrt=name).derivative("y")
        assert float(tangent) == pytest.approx(float(np.sum(grad[name])), abs=1e-9)
    assert check_derivatives(G, inputs).ok


def test_reductions_along_an_axis_have_their_closed_forms():
    G = parse("s = sum(A, axis=1); m = mean(A, axis=0); l = logsumexp(A, axis=-1)")
    v = values_at(G, {"A": A})
    np.testing.assert_allclose(v["s"], A.sum(axis=1))
    np.testing.assert_allclose(v["m"], A.mean(axis=0))
    np.testing.assert_allclose(v["l"], np.log(np.exp(A).sum(axis=1)))
    grad = ad.reverse_mode(parse("y = sum(mean(A, axis=1)*w)"), {"A": A, "w": [1.0, 2.0, 3.0]}
                           ).derivative("A")
    np.testing.assert_allclose(grad, np.repeat([[1.0], [2.0], [3.0]], 4, axis=1) / 4)


def test_softmax_rows_sum_to_one_and_cross_entropy_gradient_is_softmax_minus_targets():
    G = parse("S = softmax(Z, axis=1)")
    S = values_at(G, {"Z": A})["S"]
    np.testing.assert_allclose(S.sum(axis=1), 1.0)
    np.testing.assert_allclose(S, np.exp(A) / np.exp(A).sum(axis=1, keepdims=True))
    loss = parse("L = sum(logsumexp(Z, axis=1) - sum(T*Z, axis=1))")
    grad = ad.reverse_mode(loss, {"Z": A, "T": T}).derivative("Z")
    np.testing.assert_allclose(grad, S - T, atol=1e-14)
    plain = parse("s = softmax(z)")  # one node, its Jacobian applied by its own rules
    assert [plain.nodes[n]["op"] for n in program_of(plain).order] == ["input", "softmax"]


def test_hessian_of_logsumexp_along_rows_is_block_diagonal():
    Z = RNG.normal(size=(2, 3))
    H = hessian(parse("L = sum(logsumexp(Z, axis=1))"), {"Z": Z}, wrt="Z")
    S = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    want = np.zeros((2, 3, 2, 3))
    for i in range(2):
        want[i, :, i, :] = np.diag(S[i]) - np.outer(S[i], S[i])
    np.testing.assert_allclose(H, want, atol=1e-12)
    J = jacobian(parse("y = mean(Z, axis=0)"), {"Z": Z}, wrt="Z", mode="forward")
    np.testing.assert_allclose(J, jacobian(parse("y = mean(Z, axis=0)"), {"Z": Z}, wrt="Z",
                                           mode="reverse"))


def test_hessians_through_spread_and_size_with_an_axis():
    Z = RNG.normal(size=(2, 3))
    H = hessian(parse("L = sum(mean(Z, axis=1)^2)"), {"Z": Z}, wrt="Z")
    want = np.zeros((2, 3, 2, 3))
    for i in range(2):
        want[i, :, i, :] = 2 / 9
    np.testing.assert_allclose(H, want, atol=1e-14)
    # reverse over reverse against central differences of the gradient
    G = parse("L = sum(sum(softmax(Z, axis=0) * W, axis=1))")
    W2 = RNG.normal(size=(2, 3))
    H = hessian(G, {"Z": Z, "W": W2}, wrt="Z").reshape(6, 6)
    h, fd = 1e-5, np.zeros((6, 6))
    for k in range(6):
        step = np.zeros(6)
        step[k] = h
        plus = ad.reverse_mode(G, {"Z": Z + step.reshape(2, 3), "W": W2}).derivative("Z")
        minus = ad.reverse_mode(G, {"Z": Z - step.reshape(2, 3), "W": W2}).derivative("Z")
        fd[:, k] = np.ravel(plus - minus) / (2 * h)
    np.testing.assert_allclose(H, fd, atol=1e-7)


def test_axis_steps_display_their_parameter():
    t = ad.reverse_mode(parse("y = sum(sum(A, axis=1))"), {"A": A})
    assert step_text.formula(t.steps[0]) == "∂y/∂f1 = 𝟙"
    assert edge_text.local_formula(t.steps[1].contributions[0]) == "∂f1/∂A = 𝟙"
    assert step_text.formula(ad.evaluate(parse("y = sum(A, axis=1)"), {"A": A}).steps[0]) == (
        "y = sum(A, axis=1)")
    assert r"\mathrm{axis}=1" in ad.latex(ad.evaluate(parse("y = sum(A, axis=1)"), {"A": A}))


@pytest.mark.parametrize("source, message", [
    ("y = sum(A, axis=k)", "axis= must be a constant integer"),
    ("y = sum(A, axis=0.5)", "axis= must be a constant integer"),
    ("y = sum(A, side=0)", "sum() takes only axis=; got side="),
    ("y = exp(A, axis=0)", "exp() takes no keyword arguments"),
    ("y = sum(axis=0, A)", "an operand after a keyword argument"),
    ("y = sum(A, axis=0, axis=1)", "axis= given twice"),
])
def test_bad_keyword_arguments_are_one_line_errors(source, message):
    with pytest.raises(GraphvizAdError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(source)


def test_an_axis_out_of_range_names_the_node():
    with pytest.raises(InputError, match=r"y = sum\(A, axis=2\): axis 2 is out of range"):
        ad.evaluate(parse("y = sum(A, axis=2)"), {"A": A})
