"""The max reduction ``amax(a, axis=…)`` (issue 23: np.max, ``x.max()`` and JAX's
reduce_max had no rule): values against numpy, gradients against central differences away
from ties, the tie rule (tied maxima share the gradient equally), its display, its
JavaScript in Node, and the numpy front end; the JAX checks are in jax_amax_checks.py
(run in a child process, as tests/test_frontends_jax.py runs its own)."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_frontends_jax import run_jax_checks  # JAX checks in a child process

import graphviz_ad as ad
from graphviz_ad.core import jsrules
from graphviz_ad.core.errors import GraphvizAdError, InputError
from graphviz_ad.core.ops import PRIMITIVES, function_names
from graphviz_ad.core.shapes import result_shape

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


def _grad(program: str, x: np.ndarray) -> tuple[float, np.ndarray]:
    trace = ad.reverse_mode(ad.parse(program), {"x": x})
    return float(trace.value("y")), np.asarray(trace.derivative("x"))


def _central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        out[i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


# -- values and gradients ------------------------------------------------------------------

def test_value_and_gradient_of_a_matrix_max_by_rows():
    x = np.array([[0.3, -1.2, 2.5], [1.7, 0.4, -0.6]])
    value, grad = _grad("y = sum(amax(x, axis=1)^2)", x)
    assert value == pytest.approx(2.5**2 + 1.7**2)
    np.testing.assert_allclose(grad, [[0, 0, 5.0], [3.4, 0, 0]])  # 2·max at the argmax
    np.testing.assert_allclose(grad, _central(lambda v: np.sum(np.max(v, axis=1)**2), x),
                               atol=1e-6)


def test_every_axis_by_default_as_sum_does():
    x = np.array([[0.3, -1.2], [2.5, 0.4]])
    value, grad = _grad("y = amax(x)", x)
    assert value == 2.5
    np.testing.assert_array_equal(grad, [[0, 0], [1, 0]])
    assert float(ad.evaluate(ad.parse("y = amax(x, axis=(0, 1))"), {"x": x}).value("y")) == 2.5


def test_ties_share_the_gradient_equally():
    """Tied maxima split the gradient (1/k each), as autograd's, JAX's and torch.amax's
    do; the one-sided differences there are 1 (up) and 0 (down) for each, so the split is
    a subgradient choice, documented in reductions.argmax_share."""
    x = np.array([[2.0, 2.0, 1.0, 2.0], [0.0, 5.0, 5.0, -1.0]])
    _, grad = _grad("y = sum(amax(x, axis=1))", x)
    np.testing.assert_allclose(grad, [[1 / 3, 1 / 3, 0, 1 / 3], [0, 0.5, 0.5, 0]])
    _, whole = _grad("y = amax(x)", x)
    np.testing.assert_allclose(whole, [[0, 0, 0, 0], [0, 0.5, 0.5, 0]])
    tangent = ad.forward_mode(ad.parse("y = amax(x, axis=1)"), {"x": x})
    np.testing.assert_allclose(tangent.derivative("y"), [1.0, 1.0])  # the mean of the ties


def test_a_nan_maximum_gives_nan_and_no_gradient():
    x = np.array([1.0, np.nan, 3.0])
    value, grad = _grad("y = amax(x)", x)
    assert np.isnan(value)
    np.testing.assert_array_equal(grad, [0, 0, 0])


def test_a_bad_axis_is_one_clear_error():
    with pytest.raises(InputError, match="axis 2 is out of range"):
        ad.evaluate(ad.parse("y = amax(x, axis=2)"), {"x": np.ones((2, 3))})


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       data=st.data(), seed=st.integers(0, 2**16))
def test_random_shapes_and_axes_against_numpy_and_differences(shape, data, seed):
    ndim = len(shape)
    axis = data.draw(st.sampled_from([None, 0, -1] + ([1, (0, 1), (-1, 0)] if ndim > 1 else [])))
    x = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) * 0.37 - 1.0
    written = "" if axis is None else f", axis={axis}"
    value, grad = _grad(f"y = sum(sin(amax(x{written})))", x)  # distinct entries: no ties
    def f(v):
        return float(np.sum(np.sin(np.max(v, axis=axis))))

    assert value == pytest.approx(f(x), rel=1e-12)
    np.testing.assert_allclose(grad, _central(f, x), atol=1e-6)
    assert np.count_nonzero(grad) == np.size(np.max(x, axis=axis))  # one argmax per result
    assert result_shape("amax", [shape], {} if axis is None else {"axis": axis}) == np.shape(
        np.max(x, axis=axis))


def test_hessian_of_a_max_is_that_of_the_function_at_the_argmax():
    x = np.array([0.5, 2.0, -1.0])
    H = ad.hessian(ad.parse("y = amax(x)^3"), {"x": x}, wrt="x")
    np.testing.assert_allclose(np.reshape(H, (3, 3)), np.diag([0, 12.0, 0]))


# -- display ---------------------------------------------------------------------------------

def test_display_text_and_latex():
    prim = PRIMITIVES["amax"]
    assert prim.text.format(a="x") == "max(x)" and prim.latex.format(a="x") == r"\max(x)"
    trace = ad.reverse_mode(ad.parse("y = amax(x, axis=1)"), {"x": np.eye(2)})
    assert r"\arg\max" in ad.latex(trace)
    assert "amax" in function_names() and "argmax_share" not in function_names()


def test_two_argument_max_is_still_elementwise():
    trace = ad.reverse_mode(ad.parse("y = sum(max(x, 1))"), {"x": np.array([0.5, 2.0])})
    np.testing.assert_array_equal(trace.derivative("x"), [0, 1])


# -- the explorer's JavaScript --------------------------------------------------------------

@pytest.mark.skipif(NODE is None, reason="Node.js missing")
def test_the_page_runtime_computes_amax_and_its_share_with_ties_and_axes(tmp_path):
    assert jsrules.unsupported_ops(["amax"]) == []
    runtime = resources.files("graphviz_ad.draw").joinpath("explorer.js").read_text("utf-8")
    runtime = runtime.partition("/* -- the page")[0]
    x = np.array([[2.0, 2.0, 1.0], [0.0, 5.0, -1.0]])
    cases = [(op, {} if axis is None else {"axis": axis}) for op in ("amax", "argmax_share")
             for axis in (None, 0, 1, -1, (0, 1))]
    cases += [("reshape", {"shape": (3, 2)}), ("reshape", {"shape": (-1, 1)}),
              ("reshape", {})]  # how JAX's keepdims broadcasts are written
    script = runtime + f"""
var x = R.make([2, 3], Float64Array.from({json.dumps(x.ravel().tolist())}));
var cases = {json.dumps(cases)};
console.log(JSON.stringify(cases.map(function (c) {{
  var y = R.call(c[0], [x], c[1]);
  return R.isArr(y) ? [y.shape, Array.from(y.data)] : [[], [y]];
}})));
"""
    (tmp_path / "amax.js").write_text(script, encoding="utf-8")
    done = subprocess.run([str(NODE), str(tmp_path / "amax.js")], capture_output=True,
                          text=True, timeout=60, check=True)
    for (op, params), (shape, got) in zip(cases, json.loads(done.stdout)):
        want = PRIMITIVES[op].fn(x, **params)
        assert tuple(shape) == np.shape(want), (op, params)
        np.testing.assert_allclose(got, np.ravel(want), rtol=1e-15, err_msg=f"{op} {params}")


# -- the numpy front end ---------------------------------------------------------------------

def test_numpy_max_amax_and_method_trace_to_amax():
    def f(X):
        m = np.max(X, axis=1)
        z = np.amax(X, axis=0)
        top = X.max()
        return np.sum(m**2) + np.sum(z) + top + np.maximum.reduce(X, axis=1).sum()

    X = np.array([[0.3, -1.2, 2.5], [1.7, 0.4, -0.6]])
    traced = ad.trace_function(f, X=X)
    assert "m = amax(X, axis=1)" in traced.program and "amax(X)" in traced.program
    trace = ad.reverse_mode(*traced)
    assert float(trace.value(traced.of[0])) == pytest.approx(f(X))
    np.testing.assert_allclose(trace.derivative("X"), _central(f, X), atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple),
       data=st.data(), seed=st.integers(0, 2**16))
def test_numpy_max_on_random_shapes_and_axes(shape, data, seed):
    ndim = len(shape)
    axis = data.draw(st.sampled_from([None, 0, -1] + ([1, (0, 1)] if ndim > 1 else [])))
    x = np.random.default_rng(seed).permutation(np.prod(shape)).reshape(shape) * 0.29 - 0.5

    def f(v):
        return np.sum(np.exp(v.max(axis=axis)) * np.max(v, axis=axis))

    trace = ad.reverse_mode(*ad.trace_function(f, v=x))
    assert float(trace.value("f")) == pytest.approx(float(f(x)), rel=1e-12)
    np.testing.assert_allclose(trace.derivative("v"), _central(f, x), rtol=1e-6, atol=1e-6)


def test_numpy_max_over_a_tuple_of_axes_shares_ties_jointly():
    def f(X):
        return np.max(X, axis=(0, 1))

    X = np.array([[3.0, 3.0], [3.0, 0.0]])
    traced = ad.trace_function(f, X=X)
    assert "amax(X, axis=(0, 1))" in traced.program
    np.testing.assert_allclose(ad.reverse_mode(*traced).derivative("X"),
                               [[1 / 3, 1 / 3], [1 / 3, 0]])


def test_numpy_max_with_keepdims_is_one_line():
    def f(X):
        return np.sum(np.max(X, axis=1, keepdims=True))

    with pytest.raises(GraphvizAdError) as err:
        ad.trace_function(f, X=np.ones((2, 2)))
    assert "keepdims" in str(err.value) and "\n" not in str(err.value)


def test_a_traced_max_round_trips_through_a_graph_file(tmp_path):
    from graphviz_ad.frontends.sources import load

    def f(X):
        return np.sum(np.max(X, axis=(0, 1)) + np.max(X, axis=-1))

    traced = ad.trace_function(f, X=np.array([[0.3, -1.2, 2.5], [1.7, 0.4, -0.6]]))
    (tmp_path / "f.toml").write_text(traced.graph_file())
    _, G, inputs = load(tmp_path / "f.toml")
    ours, theirs = ad.reverse_mode(*traced), ad.reverse_mode(G, inputs, of=traced.of[0])
    np.testing.assert_allclose(theirs.derivative("X"), ours.derivative("X"), rtol=1e-12)


# -- the JAX front end (in a child process) -------------------------------------------------

JAX_CHECKS = ["check_logsumexp_gradient_equals_jax_grad",
              "check_softmax_gradient_equals_jax_grad",
              "check_reduce_max_gradient_equals_jax_grad_with_ties",
              "check_a_stop_gradient_that_matters_is_refused"]


@pytest.fixture(scope="module")
def jax_results():
    return run_jax_checks("jax_amax_checks.py")


@pytest.mark.parametrize("check", JAX_CHECKS)
def test_jax(jax_results, check):
    assert jax_results.get(check) == "ok", jax_results.get(check, f"{check} did not run")
