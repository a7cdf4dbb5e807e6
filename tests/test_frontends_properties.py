"""Random numpy programs built from the supported calls trace to Programs whose gradients
equal autograd's (an independent implementation of reverse mode over numpy)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphviz_ad as ad

autograd = pytest.importorskip("autograd", reason="needs autograd (the test extra)")
anp = pytest.importorskip("autograd.numpy", reason="needs autograd (the test extra)")

# each op: (arity, function of (xp, operands)); domains kept safe for every input value
UNARY = [
    lambda xp, a: xp.tanh(a),
    lambda xp, a: xp.sin(a),
    lambda xp, a: xp.cos(a),
    lambda xp, a: xp.exp(xp.tanh(a)),
    lambda xp, a: xp.log(1 + a**2),
    lambda xp, a: xp.sqrt(1 + xp.square(a)),
    lambda xp, a: a**3,
    lambda xp, a: -a,
    lambda xp, a: 2.5 * a - 1,
]
BINARY = [
    lambda xp, a, b: a + b,
    lambda xp, a, b: a - b,
    lambda xp, a, b: a * b,
    lambda xp, a, b: a / (2 + xp.cos(b)),
]
FINAL = [
    lambda xp, a, W: xp.sum(a),
    lambda xp, a, W: xp.mean(a**2),
    lambda xp, a, W: xp.sum(xp.tanh(W @ a)),
    lambda xp, a, W: xp.dot(a, a),
]

steps = st.lists(st.tuples(st.booleans(), st.integers(0, 50), st.integers(0, 50),
                           st.integers(0, 50)), min_size=1, max_size=6)
numbers = st.floats(-2, 2, allow_nan=False, width=64)


def program(plan, final):
    def run(xp, x, w, s, W):
        pool = [x, w, s * x]
        for binary, k, i, j in plan:
            if binary:
                pool.append(BINARY[k % len(BINARY)](xp, pool[i % len(pool)], pool[j % len(pool)]))
            else:
                pool.append(UNARY[k % len(UNARY)](xp, pool[i % len(pool)]))
        return FINAL[final % len(FINAL)](xp, pool[-1], W)
    return run


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps, st.integers(0, 3), st.lists(numbers, min_size=3, max_size=3),
       st.lists(numbers, min_size=3, max_size=3), numbers,
       st.lists(numbers, min_size=9, max_size=9))
def test_random_numpy_programs_have_autograds_gradients(plan, final, x, w, s, W):
    run = program(plan, final)
    values = {"x": np.array(x), "w": np.array(w), "s": s, "W": np.array(W).reshape(3, 3)}

    def f(x, w, s, W):
        out = run(np, x, w, s, W)
        return out

    traced = ad.trace_function(f, **values)
    trace = ad.reverse_mode(*traced)
    expected_value = run(anp, *values.values())
    np.testing.assert_allclose(float(trace.value(traced.of[0])), expected_value, rtol=1e-9,
                               atol=1e-12)
    for k, name in enumerate(values):
        if name not in traced.inputs:  # a parameter the program never used
            continue
        expected = autograd.grad(lambda *a: run(anp, *a), k)(*values.values())
        np.testing.assert_allclose(trace.derivative(name), expected, rtol=1e-8, atol=1e-10)
