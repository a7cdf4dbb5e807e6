"""The JAX checks of test_amax.py (reduce_max, stop_gradient, jax.nn.logsumexp and softmax
against jax.grad), run in a child process as jax_checks.py is: JAX starts threads when
imported, and the test process forks later.  Prints one JSON line ``{name: "ok" or the
failure}``."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax_checks import run_checks  # one runner for both check scripts

import graphviz_ad as ad
from graphviz_ad.core import jsrules
from graphviz_ad.core.errors import GraphvizAdError

jax.config.update("jax_enable_x64", True)  # float64 on both sides: tight comparisons
X = np.array([[0.3, -1.2, 2.5, 0.9], [1.7, 0.4, -0.6, 1.1], [-0.2, 0.8, 0.1, -2.0]])


def _agrees(f, *args):
    traced = ad.from_jax(f, *args)
    trace = ad.reverse_mode(*traced)
    assert float(trace.value(traced.of[0])) == pytest.approx(float(f(*args)), rel=1e-12)
    grads = jax.grad(f, argnums=tuple(range(len(args))))(*args)
    for name, grad in zip(traced.inputs, grads):
        np.testing.assert_allclose(trace.derivative(name), np.asarray(grad), rtol=1e-10,
                                   atol=1e-12)
    return traced


def check_logsumexp_gradient_equals_jax_grad():
    traced = _agrees(jax.nn.logsumexp, X)
    assert "amax(" in traced.program
    _agrees(lambda x: jnp.sum(jax.nn.logsumexp(x, axis=-1) ** 2), X)
    _agrees(lambda x: jnp.sum(jax.nn.logsumexp(x, axis=0)), X)
    _agrees(lambda x: jax.nn.logsumexp(x), X[0])


def check_softmax_gradient_equals_jax_grad():
    w = np.linspace(-1, 1, 12).reshape(3, 4)
    traced = _agrees(lambda x: jnp.sum(w * jax.nn.softmax(x, axis=-1)), X)
    ops = {d["op"] for _, d in traced.graph.nodes(data=True)} - {"input", "const"}
    assert "reshape" in ops and jsrules.unsupported_ops(ops) == []  # the explorer runs it
    _agrees(lambda x: jnp.sum(jax.nn.softmax(x, axis=0) ** 2), X)
    _agrees(lambda x: jnp.sum(jnp.log(jax.nn.softmax(x)) * w[0]), X[1])


def check_reduce_max_gradient_equals_jax_grad_with_ties():
    _agrees(lambda x: jnp.sum(jnp.max(x, axis=1) ** 2), X)
    tied = np.array([[2.0, 2.0, 1.0], [3.0, 0.0, 3.0]])
    _agrees(lambda x: jnp.sum(jnp.sin(jnp.max(x, axis=1))), tied)
    _agrees(lambda x: jnp.max(x) * 2.0, tied)  # three tied maxima over both axes


def check_a_stop_gradient_that_matters_is_refused():
    def f(x):
        return jnp.sum(x * jax.lax.stop_gradient(x))

    with pytest.raises(GraphvizAdError) as err:
        ad.from_jax(f, X)
    assert "stop_gradient" in str(err.value) and "\n" not in str(err.value)


if __name__ == "__main__":
    run_checks(globals())
