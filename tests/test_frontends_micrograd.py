"""micrograd Value graphs read into the language's Program (graphviz_ad.from_micrograd)."""

from __future__ import annotations

import math
import random

import pytest

import graphviz_ad as ad
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.explain import steps as step_text


class Value:
    """The "Zero to Hero" lecture's Value: labels, tanh and exp (written out here, as in the
    lecture, so the test needs no package)."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev, self._op, self.label = set(_children), _op, label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data**(k - 1) * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __radd__(self, other):
        return self + other

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for c in v._prev:
                    build(c)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def test_the_lectures_L_example_with_its_labels():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    G, inputs = ad.from_micrograd(L)
    assert inputs == {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
    assert ad.program_of(G).source == "e = a*b\nd = e + c\nL = d*f"
    trace = ad.reverse_mode(G, inputs)
    assert float(trace.value("L")) == -8.0
    L.backward()
    for v in (a, b, c, d, e, f):
        assert float(trace.derivative(v.label)) == pytest.approx(v.grad, rel=1e-12)
    assert [step_text.symbol(s) for s in trace.steps] == ["∂L/∂f", "∂L/∂d", "∂L/∂c", "∂L/∂e",
                                                   "∂L/∂b", "∂L/∂a"]
    assert step_text.equation(trace.steps[-1]) == "∂L/∂a = ∂L/∂e·∂e/∂a = (−2)·(−3) = 6"


def test_the_lectures_neuron_with_tanh():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    trace = ad.reverse_mode(*ad.from_micrograd(o))
    assert float(trace.value("o")) == pytest.approx(math.sqrt(0.5), rel=1e-9)
    expected = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}  # the lecture's numbers
    for name, grad in expected.items():
        assert float(trace.derivative(name)) == pytest.approx(grad, abs=1e-6)


def test_micrograd_readme_chain():
    micrograd = pytest.importorskip("micrograd.engine")
    a = micrograd.Value(-4.0)
    b = micrograd.Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    G, inputs = ad.from_micrograd(g)
    assert inputs == {"a": -4.0, "b": 2.0}
    trace = ad.reverse_mode(G, inputs)
    assert float(trace.value("g")) == pytest.approx(24.7041, abs=1e-4)
    assert float(trace.derivative("a")) == pytest.approx(138.8338, abs=1e-4)
    assert float(trace.derivative("b")) == pytest.approx(645.5773, abs=1e-4)
    g.backward()
    assert float(trace.derivative("a")) == pytest.approx(a.grad, rel=1e-12)


def test_micrograd_mlp_gradients_equal_micrograds_own():
    pytest.importorskip("micrograd")
    from micrograd.nn import MLP

    random.seed(1)
    model = MLP(3, [4, 4, 1])
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    loss = sum(((model(x) - y)**2 for x, y in zip(xs, ys)), 0.0)
    params = model.parameters()
    traced = ad.from_micrograd(loss, params)
    assert len(traced.inputs) == len(params)
    trace = ad.reverse_mode(*traced)
    assert float(trace.value(traced.of[0])) == pytest.approx(loss.data, rel=1e-12)
    model.zero_grad()
    loss.backward()
    for k, p in enumerate(params, 1):
        assert float(trace.derivative(f"p{k}")) == pytest.approx(p.grad, rel=1e-9, abs=1e-12)


def test_an_op_with_no_rule_is_one_line():
    a = Value(1.0, label="a")
    odd = Value(0.5, (a,), "sinh")
    with pytest.raises(GraphvizAdError) as err:
        ad.from_micrograd(odd)
    assert "'sinh'" in str(err.value) and "\n" not in str(err.value)


def test_a_value_whose_number_disagrees_with_its_op_is_refused():
    a = Value(1.0, label="a")
    wrong = Value(5.0, (a,), "exp")
    with pytest.raises(GraphvizAdError, match="holds 5"):
        ad.from_micrograd(wrong)


def test_a_long_chain_is_read_and_written_without_recursion():
    """micrograd's Neuron sums with a chain of '+': 3,000 of them, deeper than Python's
    recursion limit, read, written as text and parsed back."""
    x = Value(0.5, label="x")
    total = Value(0.0)
    for k in range(3000):
        total = total + x * (k % 7)
    traced = ad.from_micrograd(total)
    trace = ad.reverse_mode(*traced)
    assert float(trace.value(traced.of[0])) == pytest.approx(total.data, rel=1e-12)
    assert float(trace.derivative("x")) == pytest.approx(sum(k % 7 for k in range(3000)))


def test_inputs_named_by_a_mapping():
    x, w = Value(3.0), Value(-2.0)
    y = (x * w).tanh()
    traced = ad.from_micrograd(y, {"x_in": x, "weight": w})
    assert set(traced.inputs) == {"x_in", "weight"}
    y.backward()
    trace = ad.reverse_mode(*traced)
    assert float(trace.derivative("weight")) == pytest.approx(w.grad, rel=1e-12)
    assert float(trace.derivative("x_in")) == pytest.approx(x.grad, rel=1e-12)
