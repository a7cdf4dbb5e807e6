"""Reductions mean what numpy means (issue 17.4): sum, mean and logsumexp without axis
reduce every axis; axis=None and axis=(0, 1) are accepted.  softmax and logsumexp are
exact at any magnitude and cross_entropy checks its targets (issue 18.5).  Oracles:
numpy, autograd and central differences."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import graphviz_ad as ad
from graphviz_ad import InputError, parse
from graphviz_ad.cli import main
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.explain import steps as step_text

RNG = np.random.default_rng(17)
A = RNG.normal(size=(3, 4))
Y = RNG.normal(size=(3, 4))


def central(G, inputs, of, wrt, h=1e-6):
    """∂of/∂wrt element by element by central differences (of a scalar output)."""
    x = np.asarray(inputs[wrt], dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        out[i] = (float(values_at(G, {**inputs, wrt: plus})[of])
                  - float(values_at(G, {**inputs, wrt: minus})[of])) / (2 * h)
    return out


@pytest.mark.parametrize("op, numpy_op", [("sum", np.sum), ("mean", np.mean),
                                          ("logsumexp", lambda a, axis=None: np.log(
                                              np.sum(np.exp(a), axis=axis)))])
@pytest.mark.parametrize("axis", ["", ", axis=None", ", axis=(0, 1)", ", axis=(1, 0)",
                                  ", axis=(-1, 0)"])
def test_reductions_without_axis_reduce_every_axis(op, numpy_op, axis):
    G = parse(f"y = {op}(A{axis})")
    value = values_at(G, {"A": A})["y"]
    assert np.ndim(value) == 0
    assert float(value) == pytest.approx(float(numpy_op(A, axis=None)), rel=1e-12)


def test_axis_k_is_kept():
    v = values_at(parse("s = sum(A, axis=0); m = mean(A, axis=1); l = logsumexp(A, axis=-1)"
                        "; t = sum(A, axis=(0,)) + mean(A, axis=(-1, 0,))"), {"A": A})
    np.testing.assert_allclose(v["t"], A.sum(axis=(0,)) + A.mean(axis=(-1, 0)))
    np.testing.assert_allclose(v["s"], A.sum(axis=0))
    np.testing.assert_allclose(v["m"], A.mean(axis=1))
    np.testing.assert_allclose(v["l"], np.log(np.exp(A).sum(axis=-1)))


def _loss(anp, Yhat, Yt):
    return anp.mean((Yhat - Yt) ** 2) + anp.sum(anp.log(anp.sum(anp.exp(Yhat)))) * 0.1


@pytest.mark.parametrize("axis", ["", ", axis=None", ", axis=(0, 1)"])
def test_mse_gradient_is_numpys_in_both_modes(axis):
    """The loss every numpy user writes: its gradient is numpy's (autograd), not
    ncols × numpy's as when mean reduced axis 0 only."""
    G = parse(f"L = mean((Yhat - Y)^2{axis}) + sum(logsumexp(Yhat{axis}))*0.1")
    inputs = {"Yhat": A, "Y": Y}
    autograd = pytest.importorskip("autograd", reason="needs autograd (the test extra)")
    anp = pytest.importorskip("autograd.numpy", reason="needs autograd (the test extra)")
    want = autograd.grad(lambda Yhat, Yt: _loss(anp, Yhat, Yt))(A, Y)
    grad = ad.reverse_mode(G, inputs).derivative("Yhat")
    np.testing.assert_allclose(grad, want, rtol=1e-10)
    np.testing.assert_allclose(grad, central(G, inputs, "L", "Yhat"), atol=1e-7)
    for k in [(0, 0), (2, 3)]:  # forward mode along one-hot directions: single entries
        seed = np.zeros_like(A)
        seed[k] = 1.0
        tangent = ad.forward_mode(G, inputs, wrt="Yhat", seed=seed).derivative("L")
        assert float(tangent) == pytest.approx(want[k], rel=1e-10)


def test_axis_forms_display_and_a_bad_axis_is_one_line():
    t = ad.evaluate(parse("y = sum(A, axis=(0, 1)) + mean(A, axis=None)"), {"A": A})
    assert "sum(A, axis=(0, 1))" in step_text.formula(t.steps[0])
    with pytest.raises(InputError, match="axis 2 is out of range"):
        values_at(parse("y = sum(A, axis=(0, 2))"), {"A": A})
    with pytest.raises(InputError, match="given twice"):
        values_at(parse("y = sum(A, axis=(0, -2))"), {"A": A})
    with pytest.raises(ad.GraphvizAdError, match="only as a keyword's value"):
        parse("y = x + None")


def test_softmax_and_logsumexp_are_exact_at_any_magnitude():
    v = values_at(parse("s = softmax(z); l = logsumexp(z)"), {"z": [1e16, 1e16]})
    np.testing.assert_allclose(v["s"], [0.5, 0.5], rtol=1e-15)
    for big in (1e308, -1e308, 1e300):
        value = float(values_at(parse("l = logsumexp(z)"), {"z": [big, big]})["l"])
        assert np.isfinite(value) and value == pytest.approx(big + np.log(2), rel=1e-15)
    z = np.array([1e16, 1e16 + 4.0, -1e16])
    s = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    G = parse("l = logsumexp(z)")
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(ad.jacobian(G, {"z": z}, of="l", wrt="z", mode=mode), s,
                                   atol=1e-15)
        J = ad.jacobian(parse("s = softmax(z)"), {"z": z}, of="s", wrt="z", mode=mode)
        np.testing.assert_allclose(J, np.diag(s) - np.outer(s, s), atol=1e-15)
    H = ad.hessian(G, {"z": z}, of="l", wrt="z")  # the rules differentiate again
    np.testing.assert_allclose(H, np.diag(s) - np.outer(s, s), atol=1e-15)


@pytest.mark.parametrize("source", ["L = logsumexp(Z, axis=(0, 1))", "L = logsumexp(Z)",
                                    "L = sum(softmax(Z, axis=(1, 0))^2)",
                                    "L = mean(Z^3, axis=None)", "L = sum(mean(Z^2, axis=(0,)))"])
def test_hessians_over_every_axis_form_match_differences_of_the_gradient(source):
    G, Z = parse(source), A[:2, :3]
    H = ad.hessian(G, {"Z": Z}, of="L", wrt="Z")
    h, numeric = 1e-5, np.zeros((2, 3, 2, 3))
    for i in np.ndindex(2, 3):
        e = np.zeros((2, 3))
        e[i] = h
        numeric[..., i[0], i[1]] = (ad.reverse_mode(G, {"Z": Z + e}).derivative("Z")
                                    - ad.reverse_mode(G, {"Z": Z - e}).derivative("Z")) / (2 * h)
    np.testing.assert_allclose(H, numeric, atol=1e-8)


def test_softmax_matches_autograd_and_central_differences_along_axes():
    autograd = pytest.importorskip("autograd", reason="needs autograd (the test extra)")
    anp = pytest.importorskip("autograd.numpy", reason="needs autograd (the test extra)")
    T = np.eye(4)[[0, 2, 3]]
    for axis, numpy_axis in (("", None), (", axis=1", 1), (", axis=(0, 1)", (0, 1))):
        G = parse(f"L = sum(softmax(Z{axis}) * T)")

        def f(Z, axis=numpy_axis):
            e = anp.exp(Z - anp.max(Z))
            return anp.sum(e / anp.sum(e, axis=axis, keepdims=True) * T)

        inputs = {"Z": A, "T": T}
        grad = ad.reverse_mode(G, inputs).derivative("Z")
        np.testing.assert_allclose(grad, autograd.grad(f)(A), atol=1e-12)
        np.testing.assert_allclose(grad, central(G, inputs, "L", "Z"), atol=1e-7)


def test_cross_entropy_checks_its_targets():
    Z = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0], [2.0, 1.0, 0.0]])
    G = parse("L = mean(cross_entropy(Z, T))")
    onehot = np.eye(3)[[0, 2, 1]]
    loss = float(values_at(G, {"Z": Z, "T": onehot})["L"])
    want = np.mean(np.log(np.exp(Z).sum(axis=1)) - (onehot * Z).sum(axis=1))
    assert loss == pytest.approx(want, rel=1e-12) and loss > 0
    soft = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    assert float(values_at(G, {"Z": Z, "T": soft})["L"]) > 0  # distributions are accepted
    with pytest.raises(InputError, match="sums to 3 .*class indices are not accepted"):
        values_at(G, {"Z": Z, "T": [0.0, 2.0, 1.0]})  # the loss of −3.84 of issue 18
    with pytest.raises(InputError, match="negative"):
        values_at(G, {"Z": Z, "T": [[1.5, -0.5, 0.0]] * 3})


def test_cross_entropy_with_class_indices_is_one_line_on_the_command_line():
    result = CliRunner().invoke(main, ["trace", "L = mean(cross_entropy(Z, T))", "--at",
                                       "Z=[[1, 2, 0.5], [0.1, 0.2, 3], [2, 1, 0]]",
                                       "--at", "T=[0, 2, 1]"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert "class indices are not accepted" in lines[0] and "Traceback" not in result.stderr
