"""Issue 21, deliverables 1–3: arrays of any rank; conv1d/conv2d, pooling, flatten and
reshape as primitives whose numbers match a loop-by-loop numpy reference, whose JVP/VJP
rules pass the adjoint identity and central differences, and whose steps are written in
the lecture's words."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core import convolution as cv
from graphviz_ad.core.ops import PRIMITIVES, fit
from graphviz_ad.core.rules import NUMBERS, rule_program
from graphviz_ad.explain import steps as step_text

# -- independent oracles: loops over every position, as the textbook writes them --------------


def loop_conv(x, w, stride, padding, dilation):
    """Σ_c Σ_j x_pad[c, o·s + j·d] w[co, c, j] over every output position, by loops."""
    nd = w.ndim - 2
    s, p, d = ((v,) * nd if isinstance(v, int) else v for v in (stride, padding, dilation))
    batched = x.ndim == nd + 2
    xb = x if batched else x[None]
    xp = np.pad(xb, [(0, 0), (0, 0)] + [(q, q) for q in p])
    out_sizes = [(n + 2 * q - dd * (k - 1) - 1) // ss + 1
                 for n, k, ss, q, dd in zip(xb.shape[2:], w.shape[2:], s, p, d)]
    out = np.zeros((xb.shape[0], w.shape[0], *out_sizes))
    for n, co in itertools.product(range(xb.shape[0]), range(w.shape[0])):
        for o in itertools.product(*map(range, out_sizes)):
            total = 0.0
            for c in range(w.shape[1]):
                for j in itertools.product(*map(range, w.shape[2:])):
                    at = tuple(oo * ss + jj * dd for oo, jj, ss, dd in zip(o, j, s, d))
                    total += xp[(n, c, *at)] * w[(co, c, *j)]
            out[(n, co, *o)] = total
    return out if batched else out[0]


def loop_pool(x, nd, kernel, stride, how, padding=0, fill=0.0):
    x = np.pad(x, [(0, 0)] * (x.ndim - nd) + [(padding, padding)] * nd, constant_values=fill)
    lead, size = x.shape[:-nd], x.shape[-nd:]
    out_sizes = [(n - kernel) // stride + 1 for n in size]
    out = np.zeros((*lead, *out_sizes))
    for i in itertools.product(*map(range, lead)):
        for o in itertools.product(*map(range, out_sizes)):
            window = x[(*i, *(slice(oo * stride, oo * stride + kernel) for oo in o))]
            out[(*i, *o)] = how(window)
    return out


def numeric_gradient(f, x, h=1e-6):
    """Central differences of a scalar function, element by element."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


@st.composite
def conv_cases(draw, nd):
    """Operands that fit: channels, optional batch, stride/padding/dilation per axis."""
    batch = draw(st.sampled_from([(), (2,)]))
    cin, cout = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    size = tuple(max(draw(st.integers(1, 7 if nd == 1 else 5)),
                     d * (k - 1) + 1 - 2 * p) for k, p, d in zip(kernel, padding, dilation))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(*batch, cin, *size))
    w = rng.normal(size=(cout, cin, *kernel))
    params = {"stride": stride, "padding": padding, "dilation": dilation}
    if nd == 1:  # an int is accepted as well as a 1-tuple
        params = {k: v[0] for k, v in params.items()}
    return x, w, params, rng


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_conv_matches_the_loop_reference(nd, data):
    x, w, params, _ = data.draw(conv_cases(nd))
    got = PRIMITIVES[f"conv{nd}d"].fn(x, w, **params)
    np.testing.assert_allclose(got, loop_conv(x, w, **params), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_conv_gradients_by_central_differences(nd, data):
    """∂⟨c, conv(x, w)⟩/∂x and /∂w by the table's VJPs against central differences of the
    loop reference (two independent implementations)."""
    x, w, params, rng = data.draw(conv_cases(nd))
    name = f"conv{nd}d"
    out = PRIMITIVES[name].fn(x, w, **params)
    c = rng.normal(size=out.shape)
    env = {"a": x, "b": w, "out": out, "g": c, **params}
    dx = fit(rule_program(name, "vjp", 0).run(NUMBERS, env), x)
    dw = fit(rule_program(name, "vjp", 1).run(NUMBERS, env), w)
    assert dx.shape == x.shape and dw.shape == w.shape
    np.testing.assert_allclose(dx, numeric_gradient(
        lambda v: np.sum(c * loop_conv(v, w, **params)), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dw, numeric_gradient(
        lambda v: np.sum(c * loop_conv(x, v, **params)), w), rtol=1e-5, atol=1e-6)


def _adjoint_identity(op, args, params, rng, tangent_positions=None):
    """⟨vjp(g), dx⟩ = ⟨g, jvp(dx)⟩ for every operand the op is linear in, and the JVP
    against central differences of the op itself."""
    prim = PRIMITIVES[op]
    out = prim.fn(*args, **params)
    g = rng.normal(size=np.shape(out))
    positions = range(len(args)) if tangent_positions is None else tangent_positions
    tangents = [rng.normal(size=np.shape(a)) if p in positions else np.zeros(np.shape(a))
                for p, a in enumerate(args)]
    env = {**dict(zip("ab", args)), "out": out, **params}
    jvp = sum(rule_program(op, "jvp", p).run(NUMBERS, {**env, "da": tangents[0],
                                                        "db": tangents[-1]})
              for p in positions)
    vjps = [fit(rule_program(op, "vjp", p).run(NUMBERS, {**env, "g": g}), args[p])
            for p in positions]
    lhs = sum(float(np.sum(v * tangents[p])) for v, p in zip(vjps, positions))
    assert lhs == pytest.approx(float(np.sum(g * jvp)), rel=1e-9, abs=1e-9), op
    h = 1e-6
    plus = prim.fn(*[a + h * t for a, t in zip(args, tangents)], **params)
    minus = prim.fn(*[a - h * t for a, t in zip(args, tangents)], **params)
    np.testing.assert_allclose(jvp, (plus - minus) / (2 * h), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_adjoint_identity_of_every_convolution_entry(nd, data):
    """conv, its two adjoints (themselves bilinear: their own rules are used by Hessians)
    and fit_to."""
    x, w, params, rng = data.draw(conv_cases(nd))
    name = f"conv{nd}d"
    y = PRIMITIVES[name].fn(x, w, **params)
    g = rng.normal(size=y.shape)
    _adjoint_identity(name, [x, w], params, rng)
    _adjoint_identity(f"{name}_dx", [g, w], params, rng)
    _adjoint_identity(f"{name}_dw", [x, g], params, rng)
    dx = PRIMITIVES[f"{name}_dx"].fn(g, w, **params)
    _adjoint_identity("fit_to", [dx, x], {}, rng, (0,))
    _adjoint_identity("fit_to", [x, dx], {}, rng, (0,))


@st.composite
def pool_cases(draw, nd):
    lead = draw(st.sampled_from([(1,), (2,), (2, 3)]))
    kernel, stride = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.integers(0, kernel // 2))
    size = tuple(draw(st.integers(max(kernel - 2 * padding, 1), 7)) for _ in range(nd))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return (rng.normal(size=(*lead, *size)),
            {"kernel": kernel, "stride": stride, "padding": padding}, rng)


@pytest.mark.parametrize("nd", [1, 2])
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_pooling_numbers_and_gradients(nd, data):
    x, params, rng = data.draw(pool_cases(nd))
    for how, fn, fill in (("max", np.max, -np.inf), ("avg", np.mean, 0.0)):
        name = f"{how}pool{nd}d"
        out = PRIMITIVES[name].fn(x, **params)

        def reference(v, fn=fn, fill=fill):
            return loop_pool(v, nd, params["kernel"], params["stride"], fn,
                             params["padding"], fill)
        np.testing.assert_allclose(out, reference(x), rtol=1e-12)
        c = rng.normal(size=out.shape)
        grad = rule_program(name, "vjp", 0).run(NUMBERS, {"a": x, "out": out, "g": c,
                                                          **params})
        np.testing.assert_allclose(grad, numeric_gradient(  # distinct draws: no ties
            lambda v, c=c, reference=reference: np.sum(c * reference(v)), x),
            rtol=1e-5, atol=1e-6)
    _adjoint_identity(f"avgpool{nd}d", [x], params, rng)
    pooled = PRIMITIVES[f"maxpool{nd}d"].fn(x, **params)
    g = rng.normal(size=pooled.shape)
    _adjoint_identity(f"avgpool{nd}d_t", [g, x], params, rng, (0,))
    _adjoint_identity(f"maxpool{nd}d_pick", [x, x], params, rng, (0,))
    _adjoint_identity(f"maxpool{nd}d_route", [g, x], params, rng, (0,))


def test_max_pool_routes_the_gradient_to_the_argmax():
    x = np.array([[1.0, 5.0, 2.0, 2.0, 0.0, 3.0]])
    out = PRIMITIVES["maxpool1d"].fn(x, kernel=2)
    assert out.tolist() == [[5.0, 2.0, 3.0]]
    routed = PRIMITIVES["maxpool1d_route"].fn(np.array([[10.0, 20.0, 30.0]]), x, kernel=2)
    assert routed.tolist() == [[0.0, 10.0, 20.0, 0.0, 0.0, 30.0]]  # a tie: the first


@settings(max_examples=20, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple),
       start=st.integers(0, 3), seed=st.integers(0, 99))
def test_flatten_and_reshape_are_numpys_and_adjoint(shape, start, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    start = min(start, len(shape) - 1)
    flat = PRIMITIVES["flatten"].fn(x, start=start)
    assert flat.shape == (*shape[:start], int(np.prod(shape[start:])))
    np.testing.assert_array_equal(flat.reshape(-1), x.reshape(-1))
    _adjoint_identity("flatten", [x], {"start": start}, rng)
    _adjoint_identity("reshape", [x], {"shape": (-1, shape[0])}, rng)
    _adjoint_identity("reshape_like", [x.reshape(-1), x], {}, rng, (0,))


# -- programs: shape errors, the steps in the lecture's words, ranks 3 and 4 ------------------

def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("program, words", [
    ("y = sum(conv1d(x, w))", ["channels differ", "x is 2×6 with 2 channels",
                               "w is 1×3×3 expecting 3"]),
    ("y = sum(conv2d(x, v))", ["takes an input of shape [C, H, W]", "x is 2×6"]),
    ("y = sum(conv1d(x, k))", ["kernel is wider than the padded input", "x is 2×6",
                               "k is 1×2×9"]),
    ("y = sum(maxpool1d(x, kernel=7))", ["window (7) is larger than x (2×6)"]),
    ("y = sum(reshape(x, shape=(5, -1)))", ["cannot reshape x (2×6, 12 elements) to 5×-1"]),
])
def test_shape_errors_are_one_line_with_both_shapes(program, words):
    shapes = {"x": (2, 6), "w": (1, 3, 3), "v": (1, 2, 3, 3), "k": (1, 2, 9)}
    at = [a for name, shape in shapes.items() if f"{name})" in program or f"({name}" in program
          for a in ("--at", f"{name}={json.dumps(np.ones(shape).tolist())}")]
    result = run("trace", program, *at)
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert "Traceback" not in result.output
    for word in words:
        assert word in first, (word, first)


def test_steps_are_written_in_the_lectures_words():
    G = ad.parse("y = conv1d(x, w, stride=2); L = sum(maxpool1d(y))")
    x = np.arange(7.0).reshape(1, 7)
    w = np.array([[[1.0, -1.0, 2.0]]])
    trace = ad.reverse_mode(G, {"x": x, "w": w})
    text = "\n".join(step_text.equation(s) for s in trace.steps)
    assert "∂L/∂w = x ⋆ ∂L/∂y =" in text
    assert "∂L/∂x = ∂L/∂y ⊛ flip(w) =" in text
    assert "→ argmax y" in text
    # the numbers: y = [4, 8, 12] → pooled 8 (position 1); ∂L/∂y = [0, 1, 0]
    np.testing.assert_array_equal(trace.derivative("y"), [[0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(trace.derivative("w"), [[[2.0, 3.0, 4.0]]])
    np.testing.assert_array_equal(trace.derivative("x"), [[0, 0, 1, -1, 2, 0, 0]])


def test_rank_3_and_4_values_in_graph_files_at_and_json(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('program = "y = sum(conv2d(x, w))"\n[inputs]\n'
                    "x = [[[1, 2], [3, 4]]]\nw = [[[[1]]], [[[2]]]]\n", encoding="utf-8")
    result = run("trace", path, "--format", "json")
    assert result.exit_code == 0, result.output
    nodes = json.loads(result.stdout)["nodes"]
    assert nodes["w"]["adjoint"] == [[[[10.0]]], [[[10.0]]]]
    assert nodes["x"]["adjoint"] == [[[3.0, 3.0], [3.0, 3.0]]]
    result = run("trace", "y = sum(x)", "--at", "x=[[[1, 2]], [[3, 4]]]")
    assert result.exit_code == 0 and "10" in result.output
    drawn = tmp_path / "d.toml"
    drawn.write_text('program = "y = sum(x)"\n[data]\n'
                     "x = {normal = [0, 1], shape = [2, 3, 4, 5], seed = 0}\n",
                     encoding="utf-8")
    result = run("trace", drawn)
    assert result.exit_code == 0 and "2×3×4×5" in result.output


def test_npy_of_rank_3(tmp_path):
    path = tmp_path / "img.npy"
    np.save(path, np.ones((3, 2, 2)))
    result = run("trace", "y = sum(img)", "--data", path)
    assert result.exit_code == 0, result.output
    assert " 12 " in result.output or "= 12" in result.output


def test_conv_of_the_whole_program_checks_by_finite_differences():
    G = ad.parse("h = relu(conv2d(x, w1, padding=1)); p = maxpool2d(h); "
                 "z = W @ flatten(conv2d(p, w2)); L = sum(z*z)")
    rng = np.random.default_rng(4)
    values = {"x": rng.normal(size=(1, 6, 6)), "w1": rng.normal(size=(2, 1, 3, 3)),
              "w2": rng.normal(size=(2, 2, 2, 2)), "W": rng.normal(size=(3, 8))}
    trace = ad.reverse_mode(G, values)
    for name in values:
        def loss(v, name=name):
            return float(ad.evaluate(G, {**values, name: v}).value("L"))
        np.testing.assert_allclose(trace.derivative(name), numeric_gradient(
            loss, values[name]), rtol=1e-5, atol=1e-5)


def test_transposed_convolution_is_the_shortest_consistent_input():
    assert cv.conv_dx(np.ones((1, 2)), np.ones((1, 1, 3)), 1, stride=3).tolist() == [
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]]  # the stride's gap is filled by nothing here
    assert cv.conv_dx(np.ones((1, 2)), np.ones((1, 1, 2)), 1, stride=3).tolist() == [
        [1.0, 1.0, 0.0, 1.0, 1.0]]  # stride inserted as zeros


def test_convolution_work_is_checked_before_any_arithmetic():
    """A conv2d whose result fits the element limit but whose multiply-adds (C_in·k² per
    element) do not is refused from the shapes alone (the views hold no memory)."""
    from graphviz_ad.core.errors import InputError
    from graphviz_ad.core.shapes import check_sizes, result_shape

    G = ad.parse("y = sum(conv2d(x, w, padding=1))")
    big = {"x": np.broadcast_to(0.0, (64, 512, 512)), "w": np.broadcast_to(0.0, (64, 64, 3, 3))}
    assert result_shape("conv2d", [(64, 512, 512), (64, 64, 3, 3)], {"padding": 1}) == (
        64, 512, 512)
    with pytest.raises(InputError, match="convolutions to 9,663,676,416 multiply-adds"):
        check_sizes(G, big)
    check_sizes(G, {"x": np.zeros((3, 16, 16)), "w": np.zeros((4, 3, 3, 3))})  # fine


def test_hessian_through_a_convolution_is_the_closed_form():
    """L = Σ (x ⋆ w)² has Hessian 2 Σ_o p_o p_oᵀ in w (p_o: the patch output o reads);
    the second derivative goes through the adjoints' own rules."""
    x = np.array([[1.0, 2.0, 3.0, -1.0]])
    w = np.array([[[1.0, -1.0]]])
    H = ad.hessian(ad.parse("L = sum(square(conv1d(x, w)))"), {"x": x, "w": w}, wrt="w")
    patches = np.array([x[0, i:i + 2] for i in range(3)])
    np.testing.assert_allclose(np.asarray(H).reshape(2, 2), 2 * patches.T @ patches, atol=1e-12)


def test_conv1d_gradient_matches_autograds_scipy_convolution():
    """autograd differentiates its own scipy.signal.convolve (a true convolution: the
    kernel flipped), an implementation independent of this package's."""
    ag_np = pytest.importorskip("autograd.numpy")
    autograd = pytest.importorskip("autograd")
    signal = pytest.importorskip("autograd.scipy.signal")
    rng = np.random.default_rng(3)
    x, w, c = rng.normal(size=9), rng.normal(size=3), rng.normal(size=7)

    def loss(x, w):
        return ag_np.sum(c * signal.convolve(x, w[::-1], mode="valid"))

    G = ad.parse("L = sum(c * conv1d(x, w))")
    trace = ad.reverse_mode(G, {"x": x[None], "w": w[None, None], "c": c[None]})
    np.testing.assert_allclose(trace.value("L"), loss(x, w), rtol=1e-12)
    np.testing.assert_allclose(trace.derivative("x")[0], autograd.grad(loss, 0)(x, w),
                               rtol=1e-10)
    np.testing.assert_allclose(trace.derivative("w")[0, 0], autograd.grad(loss, 1)(x, w),
                               rtol=1e-10)


def test_a_huge_padding_is_refused_before_it_is_allocated():
    """The result is small (stride 10⁹) but the padded input would hold 2·10⁹ numbers."""
    result = run("trace", "y = sum(conv1d(x, w, padding=1000000000, stride=1000000000))",
                 "--at", "x=[[1, 2, 3]]", "--at", "w=[[[1, 1]]]")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "would pad its input to 2,000,000,003 elements, over the limit" in (
        result.stderr.splitlines()[0])


CALLS = st.sampled_from([
    "conv1d(x, w{p})", "conv2d(x, w{p})", "maxpool1d(x{q})", "maxpool2d(x{q})",
    "avgpool1d(x{q})", "avgpool2d(x{q})", "flatten(x, start={i})", "reshape(x, shape=({i}, -1))"])
PARAMS = st.sampled_from(["", ", stride=0", ", stride=2", ", padding=3", ", dilation=4",
                          ", stride=(1, 2)", ", padding=1000000000000", ", dilation=-1"])
POOLS = st.sampled_from(["", ", kernel=3", ", kernel=0", ", kernel=2, padding=1",
                         ", kernel=2, padding=2", ", stride=(1, 1, 1)", ", kernel=99"])


@settings(max_examples=60, deadline=None)
@given(call=CALLS, p=PARAMS, q=POOLS, i=st.integers(-3, 5),
       x=st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple),
       w=st.lists(st.integers(1, 3), min_size=0, max_size=4).map(tuple))
def test_any_operands_and_settings_give_a_value_or_one_clear_error(call, p, q, i, x, w):
    """Shapes and settings that do not fit are one error line, never a traceback."""
    from graphviz_ad.core.errors import GraphvizAdError

    program = "y = sum(" + call.format(p=p, q=q, i=i) + ")"
    values = {"x": np.ones(x)[()], "w": np.ones(w)[()]}
    G = ad.parse(program)
    values = {k: v for k, v in values.items() if k in ad.program_of(G).inputs}
    try:
        trace = ad.reverse_mode(G, values)
    except GraphvizAdError as err:
        assert "\n" not in str(err).split("\n  ")[0]
        return
    assert np.shape(trace.derivative("x")) == x


def test_a_helper_ops_shape_error_names_its_operands():
    """A ShapeError from an op without a ``source`` spelling (the rule helpers that
    gradient graphs call, such as fit_to) names the operands, never a raw ``{a}``."""
    from click.testing import CliRunner

    from graphviz_ad.cli import main

    result = CliRunner().invoke(main, ["trace", "y = fit_to(v, w)", "--at", "v=[1,2]",
                                       "--at", "w=[[1,2]]"])
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert "v is 2, w is 1×2: ranks differ" in first and "{" not in first
