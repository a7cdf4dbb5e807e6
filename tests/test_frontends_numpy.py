"""numpy functions traced into the language's Program (graphviz_ad.frontends.numpy_trace).

For each graph file with a numpy spelling, the traced Program is the language's: the same
nodes, values, derivatives and step texts of every pass."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

try:
    from scipy.special import expit  # a numpy ufunc: sigmoid
except ImportError:  # scipy is a test extra: problem 8's spellings then skip
    expit = None

import graphviz_ad as ad
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.program import attach
from graphviz_ad.explain import steps as step_text
from graphviz_ad.frontends.sources import load


def problem9(x):
    y = np.exp(np.exp(x) + np.exp(x)**2) + np.sin(np.exp(x) + np.exp(x)**2)
    return y


def problem2(phi0, phi1, x, y, sigma, lam):
    r = phi0 + phi1*x - y
    nll = np.sum(r**2)
    post = nll + (phi0**2 + phi1**2)/(2*sigma**2) + np.log(6.283185307179586*sigma**2)
    l2 = nll + lam*(phi0**2 + phi1**2)
    return post, l2


def problem3(phi0, phi1, x, y):
    L = np.mean((phi0 + phi1*x - y)**2)
    return L


def problem7(phi0, phi1, x, y):
    L = np.sum((phi0 + phi1*x - y)**2)
    return L


def problem7_matrix(X, phi, y):
    L = np.sum((X @ phi - y)**2)
    return L


def problem8(phi0, phi1, x, y):
    z = phi0 + phi1*x
    p = expit(z)  # noqa: F841  (an output of the language's program, as there)
    L = np.sum(np.logaddexp(0, z) - y*z)
    return L


def problem8_matrix(X, phi, y):
    z = X @ phi
    p = expit(z)  # noqa: F841  (an output of the language's program, as there)
    L = np.sum(np.logaddexp(0, z) - y*z)
    return L


def problem1(z):
    s = np.exp(z - np.logaddexp.reduce(z))
    y = s[0]
    return y


def mlp(X, W1, b1, W2, b2, T):
    Z1 = X @ W1 + b1
    H = np.tanh(Z1)
    Z2 = H @ W2 + b2
    L = np.mean(np.logaddexp.reduce(Z2, axis=-1) - np.sum(T*Z2, axis=-1))
    return L


def linear_layer(W, x, b, t):
    z = W @ x + b
    L = np.sum((z - t)**2)
    return L


SPELLINGS = {"problem9": problem9, "problem10": problem9, "problem2": problem2,
             "problem3": problem3, "problem7": problem7, "problem7-matrix": problem7_matrix,
             "problem8": problem8, "problem8-matrix": problem8_matrix, "problem1": problem1,
             "mlp": mlp, "linear-layer": linear_layer}


# A macro expands in the language as a whole (its arguments read first; newer versions make
# cross_entropy's product and softmax nodes of their own): those files are compared with
# their program written out as the numpy spelling writes it, and by numbers with the file.
WRITTEN_OUT = {"mlp": ("cross_entropy(Z2, T)", "logsumexp(Z2, axis=-1) - sum(T*Z2, axis=-1)"),
               "problem1": ("softmax(z)", "exp(z - logsumexp(z))")}


def _same_numbers(traced, G, inputs):
    """Values of every output and derivatives of each by every input, as the language's."""
    for of in ad.program_of(G).outputs:
        ours, theirs = ad.reverse_mode(*traced, of=of), ad.reverse_mode(G, inputs, of=of)
        np.testing.assert_allclose(ours.value(of), theirs.value(of), rtol=1e-12)
        for n in ad.program_of(G).inputs:
            np.testing.assert_allclose(ours.derivative(n), theirs.derivative(n), rtol=1e-10,
                                       atol=1e-15)


def _nodes(G):
    return {n: (d["op"], d["operands"], d["label"], d.get("params", ()),
                d.get("value")) for n, d in G.nodes(data=True)}


def _texts(trace):
    """Every step's texts (derivative, formula, equation, LaTeX) in order."""
    return [step_text.texts(step) for step in trace.steps]


@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_numpy_spelling_traces_to_the_languages_program(name):
    if name.startswith("problem8") and expit is None:
        pytest.skip("scipy is not installed")
    src, G, inputs = load(f"graphs/{name}.toml")
    if name in WRITTEN_OUT:  # the language's macro (cross_entropy, softmax) written out
        _same_numbers(ad.trace_function(SPELLINGS[name], **inputs), G, inputs)
        G = ad.parse(src.program.replace(*WRITTEN_OUT[name]))
    traced = ad.trace_function(SPELLINGS[name], **inputs)
    T, values = traced
    assert _nodes(T) == _nodes(G)
    assert set(ad.program_of(T).outputs) == set(ad.program_of(G).outputs)
    assert ad.program_of(T).outputs[0] == (src.settings.get("of") or ad.program_of(G).outputs[0])
    assert set(values) == set(inputs)
    assert _texts(ad.evaluate(T, values)) == _texts(ad.evaluate(G, inputs))
    of = ad.program_of(T).outputs[0]
    ours, theirs = ad.reverse_mode(T, values, of=of), ad.reverse_mode(G, inputs, of=of)
    assert _texts(ours) == _texts(theirs)
    for n in ad.program_of(G).inputs:
        np.testing.assert_allclose(ours.derivative(n), theirs.derivative(n), rtol=1e-12)
    wrt = ad.program_of(G).inputs[0]
    assert (_texts(ad.forward_mode(T, values, wrt=wrt))
            == _texts(ad.forward_mode(G, inputs, wrt=wrt)))


def test_problem9_derivative_against_the_closed_form():
    """dy/dx of problem 9 by the chain rule written out by hand (an independent oracle)."""
    x = 0.5
    T, values = ad.trace_function(problem9, x=x)
    u = np.exp(x) + np.exp(2 * x)
    expected = (np.exp(u) + np.cos(u)) * (np.exp(x) + 2 * np.exp(2 * x))
    assert ad.reverse_mode(T, values).derivative("x") == pytest.approx(expected, rel=1e-12)


def test_names_come_from_the_code_and_a_loop_unrolls():
    def net(x, W):
        h = x
        for _ in range(3):
            h = np.tanh(W @ h)
        loss = np.sum(h**2)
        return loss

    W = np.array([[0.5, -0.2], [0.1, 0.3]])
    traced = ad.trace_function(net, x=np.array([1.0, 2.0]), W=W)
    unrolled = ad.parse("h = tanh(W @ x)\nh = tanh(W @ h)\nh = tanh(W @ h)\nloss = sum(h^2)")
    assert _nodes(traced.graph) == _nodes(unrolled)  # h's versions as the language numbers them
    assert ad.program_of(traced.graph).outputs == ("loss",)
    h = np.array([1.0, 2.0])
    for _ in range(3):
        h = np.tanh(W @ h)
    assert float(ad.evaluate(*traced).value("loss")) == pytest.approx(np.sum(h**2), rel=1e-12)


def test_globals_become_named_data_inputs():
    traced = ad.trace_function(_loss_on_global_data, w=0.5)
    assert set(traced.inputs) == {"w", "DATA"}
    assert traced.data == {"DATA"}
    g = ad.reverse_mode(*traced).derivative("w")
    assert float(g) == pytest.approx(np.sum(2 * (0.5 * DATA - 1) * DATA), rel=1e-12)


DATA = np.array([1.0, 2.0, 3.0])


def _loss_on_global_data(w):
    return np.sum((w * DATA - 1) ** 2)


def test_a_call_with_no_rule_names_the_call_and_the_line():
    def f(x):
        y = np.arctan(x)
        return y

    with pytest.raises(GraphvizAdError) as err:
        ad.trace_function(f, x=0.5)
    message = str(err.value)
    assert "np.arctan has no rule" in message and "\n" not in message
    line = f.__code__.co_firstlineno + 1
    assert f"test_frontends_numpy.py:{line}:" in message


def test_array_functions_without_a_rule_and_slices_are_one_line():
    def f(x):
        return np.median(x)  # (np.max has a rule since amax: tests/test_amax.py)

    def g(x):
        return x[1:]

    for fn in (f, g):
        with pytest.raises(GraphvizAdError) as err:
            ad.trace_function(fn, x=np.array([1.0, 2.0]))
        assert "\n" not in str(err.value) and "test_frontends_numpy.py:" in str(err.value)


def test_the_decorator_keeps_the_function_and_traces_it():
    @ad.traceable
    def f(x):
        return np.sin(x) * x

    assert f(0.5) == pytest.approx(np.sin(0.5) * 0.5)
    T, values = f.trace(x=0.5)
    assert ad.reverse_mode(T, values).derivative("x") == pytest.approx(
        np.cos(0.5) * 0.5 + np.sin(0.5), rel=1e-12)


def test_control_flow_on_values_takes_the_branch_taken():
    def f(x):
        if x > 0:
            y = x**2
        else:
            y = -x
        return y

    assert ad.trace_function(f, x=2.0).program == "y = x^2"
    assert ad.trace_function(f, x=-2.0).program == "y = -x"


def test_an_int_parameter_stays_a_count():
    def net(x, W, layers=2):
        h = x
        for _ in range(layers):
            h = np.tanh(W @ h)
        return np.sum(h)

    traced = ad.trace_function(net, x=np.array([1.0, -1.0]), W=np.eye(2) * 0.5, layers=3)
    assert set(traced.inputs) == {"x", "W"}
    assert traced.program.count("tanh") == 3


@pytest.mark.parametrize("name", ["problem9", "problem2", "problem7-matrix", "linear-layer",
                                  "problem8", "mlp"])
def test_the_slides_of_a_traced_function_are_the_languages(name):
    """Every frame (its SVG and caption) of the reverse pass, the opening one showing the
    program too, against the graph file's program (its comments dropped: they are shown on
    the opening slide and size its caption band; macros written out, as above)."""
    if name.startswith("problem8") and expit is None:
        pytest.skip("scipy is not installed")
    src, G, inputs = load(f"graphs/{name}.toml")
    traced = ad.trace_function(SPELLINGS[name], **inputs)
    of = traced.of[0]
    program = re.sub(r"[ \t]*#[^\n]*", "", src.program)
    if name in WRITTEN_OUT:
        program = program.replace(*WRITTEN_OUT[name])
    reference = ad.parse(program)
    meta = ad.program_of(reference)  # the value the function returns is its first output
    attach(reference, replace(meta, outputs=(of, *[n for n in meta.outputs if n != of])))
    ours, _ = ad.derivative_frames(ad.reverse_mode(*traced, of=of))
    theirs, _ = ad.derivative_frames(ad.reverse_mode(reference, inputs, of=of))
    assert len(ours) == len(theirs)
    assert [(f.svg, f.caption) for f in ours] == [(f.svg, f.caption) for f in theirs]


def test_a_method_is_named_from_its_own_code():
    class Layer:
        def __init__(self, W):
            self.W = W

        def loss(self, x):
            z = np.tanh(self.W @ x)
            return np.sum(z)

    traced = ad.trace_function(Layer(np.eye(2)).loss, x=np.array([0.5, -0.5]))
    assert traced.program == "z = tanh(W @ x)\nloss = sum(z)"
    assert traced.data == {"W"}


def test_augmented_assignment_rebinds_as_in_the_language():
    def f(x, w):
        z = x * w
        z += 1
        z **= 2
        return np.sum(z)

    traced = ad.trace_function(f, x=np.array([1.0, 2.0]), w=0.5)
    G = ad.parse("z = x*w\nz += 1\nz = z^2\nf = sum(z)")
    assert traced.program == "z = x*w\nz = z + 1\nz = z^2\nf = sum(z)"
    values = {"x": np.array([1.0, 2.0]), "w": 0.5}
    assert ad.table(ad.reverse_mode(*traced)) == ad.table(ad.reverse_mode(G, values))


def test_where_and_clip_have_autograds_gradients():
    autograd = pytest.importorskip("autograd", reason="needs autograd (the test extra)")
    anp = pytest.importorskip("autograd.numpy", reason="needs autograd (the test extra)")

    def f(xp, z, w):
        leaky = xp.where(z > 0, z, 0.1 * z)
        return xp.sum(xp.clip(leaky * w, -0.5, 2.0) ** 2)

    z, w = np.array([1.5, -2.0, 0.3, -0.1]), np.array([1.0, 2.0, -3.0, 0.5])
    traced = ad.trace_function(lambda z, w: f(np, z, w), z=z, w=w)
    assert "mask" in traced.data
    trace = ad.reverse_mode(*traced)
    for k, name in enumerate(["z", "w"]):
        np.testing.assert_allclose(trace.derivative(name),
                                   autograd.grad(lambda *a: f(anp, *a), k)(z, w), rtol=1e-12)
