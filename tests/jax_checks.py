"""The JAX checks of test_frontends_jax.py, run in a child process: JAX starts threads when
imported, and the test process forks later (raster workers), which JAX warns may deadlock.

``python tests/jax_checks.py`` runs every ``check_*`` and prints one JSON line:
``{name: "ok" or the failure}``."""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.explain import steps as step_text


def mlp(X, W1, b1, W2, b2, T):
    Z1 = X @ W1 + b1
    H = jnp.tanh(Z1)
    Z2 = H @ W2 + b2
    return jnp.mean(jnp.log(jnp.sum(jnp.exp(Z2), axis=-1)) - jnp.sum(T * Z2, axis=-1))


def _mlp_args():
    rng = np.random.default_rng(0)
    shapes = [(6, 2), (2, 4), (4,), (4, 3), (3,)]
    return [rng.normal(size=s) for s in shapes] + [np.eye(3)[[0, 1, 2, 0, 1, 2]]]


def check_the_mlp_gradients_equal_jax_grad():
    args = _mlp_args()
    traced = ad.from_jax(mlp, *args)
    assert list(traced.inputs) == ["X", "W1", "b1", "W2", "b2", "T"]
    trace = ad.reverse_mode(*traced)
    assert float(trace.value("mlp")) == pytest.approx(float(mlp(*args)), rel=1e-5)
    grads = jax.grad(mlp, argnums=(0, 1, 2, 3, 4))(*args)
    for name, grad in zip(["X", "W1", "b1", "W2", "b2"], grads):  # JAX: float32
        np.testing.assert_allclose(trace.derivative(name), np.asarray(grad), rtol=1e-4,
                                   atol=1e-6)


def check_relu_sigmoid_and_where_against_jax_grad():
    def f(x):
        return jnp.sum(jax.nn.relu(x)**2 + jax.nn.sigmoid(x) + jnp.where(x > 0, x, 0.1 * x))

    x = np.array([1.0, -2.0, 3.0])
    traced = ad.from_jax(f, x)
    assert "max(x, 0)^2" in traced.program and "sigmoid(x)" in traced.program
    np.testing.assert_allclose(ad.reverse_mode(*traced).derivative("x"),
                               np.asarray(jax.grad(f)(x)), rtol=1e-5)


def check_a_dict_of_parameters_is_named_by_its_keys():
    def loss(params, x):
        return jnp.sum(jnp.tanh(params["W"] @ x + params["b"]) ** 2)

    params = {"W": np.array([[1.0, -1.0], [0.5, 2.0]]), "b": np.array([0.1, -0.2])}
    x = np.array([0.3, 0.7])
    traced = ad.from_jax(loss, params, x)
    assert set(traced.inputs) == {"W", "b", "x"}
    grads = jax.grad(loss)(params, x)
    trace = ad.reverse_mode(*traced)
    for key in ("W", "b"):
        np.testing.assert_allclose(trace.derivative(key), np.asarray(grads[key]), rtol=1e-5)


def check_a_primitive_with_no_rule_is_one_line():
    with pytest.raises(GraphvizAdError) as err:
        ad.from_jax(lambda x: jnp.sum(jnp.arctan(x)), np.ones(3))
    assert "atan" in str(err.value) and "no rule" in str(err.value)
    assert "\n" not in str(err.value)


def check_a_broadcast_the_language_cannot_write_is_refused_not_wrong():
    def f(A):  # keepdims: a reshape to (2, 1), which numpy then broadcasts
        return jnp.sum((A - jnp.sum(A, axis=1, keepdims=True)) ** 2)

    A = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    traced = ad.from_jax(f, A)
    assert "reshape(" in traced.program
    np.testing.assert_allclose(ad.reverse_mode(*traced).derivative("A"),
                               np.asarray(jax.grad(f)(A)), rtol=1e-5)
    # a broadcast numpy would leave undone before a reduction: refused (it once gave 6,
    # the sum of one row, where JAX has 36)
    with pytest.raises(GraphvizAdError, match="where JAX has"):
        ad.from_jax(lambda b: jnp.sum(jnp.broadcast_to(b, (6, 4))), np.arange(4.0))


def check_round_trip_through_a_graph_file():
    from graphviz_ad.frontends.sources import load

    traced = ad.from_jax(mlp, *_mlp_args())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mlp.toml"
        path.write_text(traced.graph_file())
        src, G, inputs = load(path)
    of = traced.of[0]
    ours, theirs = ad.reverse_mode(*traced, of=of), ad.reverse_mode(G, inputs, of=of)
    np.testing.assert_allclose(theirs.value(of), ours.value(of), rtol=1e-12)
    for name in traced.inputs:
        np.testing.assert_allclose(theirs.derivative(name), ours.derivative(name), rtol=1e-12)
    assert [step_text.texts(s) for s in theirs.steps] == [step_text.texts(s) for s in ours.steps]


def run_checks(namespace: dict) -> None:
    """Run every ``check_*`` function of ``namespace`` and print one JSON line
    ``{name: "ok" or the error}`` for the parent test (see test_frontends_jax.run_jax_checks)."""
    results = {}
    for name, check in sorted(namespace.items()):
        if name.startswith("check_") and callable(check):
            try:
                check()
                results[name] = "ok"
            except BaseException as err:  # noqa: BLE001  (reported to the parent test)
                results[name] = "".join(traceback.format_exception_only(err)).strip() or repr(err)
    print(json.dumps(results))
    sys.exit(0)


if __name__ == "__main__":
    run_checks(globals())
