"""The rule compiler: derived JVP/VJP programs against today's numbers, central finite
differences and the adjoint identity ⟨vjp(g), da⟩ = ⟨g, jvp(da)⟩."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from graphviz_ad.core import ops, rules
from graphviz_ad.core.ops import PRIMITIVES, Primitive, fit
from graphviz_ad.core.program import program_of
from graphviz_ad.core.rules import (
    NUMBERS,
    RuleProgram,
    name_leaf,
    partial_graph,
    rule_program,
    rule_tree,
)
from graphviz_ad.core.sweep import local_partial as _local

#: elementwise ops that broadcast their operands (helpers with index operands excluded)
ELEMENTWISE = sorted(n for n, p in PRIMITIVES.items()
                     if not p.reduces and not p.helper and not p.linear)
#: reductions over the first axis still written by partials (two operands that broadcast)
REDUCTIONS = ["dot"]
#: ops written as linear maps with an axis parameter
LINEAR = sorted(n for n, p in PRIMITIVES.items() if p.linear and "axis" in p.params)


def _case(op: str, shapes, seed: int, params=()):
    rng = np.random.default_rng(seed)
    prim = PRIMITIVES[op]
    args = [rng.uniform(0.3, 1.5, size=s) for s in shapes[:prim.arity]]
    args = [a[()] if a.ndim == 0 else a for a in args]
    out = prim.fn(*args, **dict(params))
    return rng, args, out


def _env(args, out, params=(), **extra):
    return {**dict(zip("ab", args)), "out": out, **dict(params), **extra}


def _maps(op, args, out, g, tangents, params=()):
    """(vjp per position, Σ jvp) of the compiled programs."""
    vjps = [fit(rule_program(op, "vjp", p).run(NUMBERS, _env(args, out, params, g=g)), args[p])
            for p in range(len(args))]
    jvp = sum(rule_program(op, "jvp", p).run(NUMBERS, _env(args, out, params, da=tangents[0],
                                                            db=tangents[-1]))
              for p in range(len(args)))
    return vjps, jvp


def _check_linear(op, shapes, seed, params=()):
    """The adjoint identity and the JVP against central differences."""
    rng, args, out = _case(op, shapes, seed, params)
    g = rng.normal(size=np.shape(out))
    tangents = [rng.normal(size=np.shape(a)) for a in args]
    if op == "spread":  # its second operand gives only a shape
        tangents[1] = np.zeros_like(tangents[1])
    vjps, jvp = _maps(op, args, out, g, tangents, params)
    lhs = sum(np.sum(v * t) for v, t in zip(vjps, tangents))
    assert lhs == pytest.approx(float(np.sum(g * jvp)), rel=1e-10, abs=1e-10)
    h = 1e-6
    fn = PRIMITIVES[op].fn
    plus = fn(*[a + h * t for a, t in zip(args, tangents)], **dict(params))
    minus = fn(*[a - h * t for a, t in zip(args, tangents)], **dict(params))
    np.testing.assert_allclose(jvp, (plus - minus) / (2 * h), rtol=1e-5, atol=1e-6)
    return args, out, vjps, g


shape_pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


def _check_maps(op, shapes, seed, today_op=None):
    """``op``'s compiled maps equal today's numbers (``today_op``'s partials) and pass
    the adjoint identity and central differences."""
    today_op = today_op or op
    rng, args, out = _case(op, shapes, seed)
    g = rng.normal(size=np.shape(out))
    tangents = [rng.normal(size=np.shape(a)) for a in args]
    vjps, jvp = _maps(op, args, out, g, tangents)
    for p, vjp in enumerate(vjps):
        # today's reverse mode: carried·local, un-broadcast to the operand (exactly)
        today = fit(g * _local(today_op, (p,), args, out), args[p])
        assert np.shape(vjp) == np.shape(args[p])
        np.testing.assert_array_equal(vjp, today)
    today = sum(fit(_local(today_op, (p,), args, out) * tangents[p], out)
                for p in range(len(args)))
    np.testing.assert_allclose(jvp, today, rtol=1e-14, atol=1e-14)
    # the adjoint identity, and the JVP against central differences (independent oracles)
    lhs = sum(np.sum(v * t) for v, t in zip(vjps, tangents))
    assert lhs == pytest.approx(float(np.sum(g * jvp)), rel=1e-10, abs=1e-10)
    h = 1e-6
    plus = PRIMITIVES[op].fn(*[a + h * t for a, t in zip(args, tangents)])
    minus = PRIMITIVES[op].fn(*[a - h * t for a, t in zip(args, tangents)])
    np.testing.assert_allclose(jvp, (plus - minus) / (2 * h), rtol=1e-5, atol=1e-6)


@settings(max_examples=120, deadline=None)
@given(op=st.sampled_from(ELEMENTWISE), shapes=shape_pairs, seed=st.integers(0, 2**16))
def test_elementwise_derived_maps(op, shapes, seed):
    _check_maps(op, shapes.input_shapes, seed)


@settings(max_examples=60, deadline=None)
@given(op=st.sampled_from(REDUCTIONS), n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_reduction_derived_maps(op, n, seed):
    _check_maps(op, [(n,), (n,)], seed)  # dot takes two vectors (issue 9)


@settings(max_examples=100, deadline=None)
@given(op=st.sampled_from(LINEAR), ndim=st.integers(1, 3), data=st.data(),
       seed=st.integers(0, 2**16))
def test_linear_maps_with_axis(op, ndim, data, seed):
    """Every linear entry on random shapes 1–4 with every axis form: none (every axis, as
    numpy), 0, 1, −1 and a tuple; VJPs against numpy closed forms, JVPs against central
    differences, the two tied by the adjoint identity (in _check_linear)."""
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    axes = [None, 0, -1] + ([1, (0, 1), (-1, 0)] if ndim > 1 else [])
    axis = data.draw(st.sampled_from(axes))
    params = () if axis is None else (("axis", axis),)
    numpy_axis = tuple(range(ndim)) if axis is None else axis  # numpy's meaning of None
    reduced = np.sum(np.zeros(shape), axis=numpy_axis).shape
    shapes = [reduced, shape] if op == "spread" else [shape]
    args, out, vjps, g = _check_linear(op, shapes, seed, params)
    if op == "spread":
        np.testing.assert_allclose(vjps[0], g.sum(axis=numpy_axis), rtol=1e-12)
        return
    axes = tuple(k % ndim for k in (numpy_axis if isinstance(numpy_axis, tuple)
                                    else (numpy_axis,)))
    spread_g = (np.expand_dims(g, axes) * np.ones(shape)) if op != "softmax" else None
    count = np.size(args[0]) / max(np.size(out), 1)
    e = np.exp(args[0] - np.max(args[0], axis=numpy_axis, keepdims=True))
    s = e / e.sum(axis=numpy_axis, keepdims=True)
    if op == "softmax":
        closed = s * (g - np.sum(g * s, axis=numpy_axis, keepdims=True))
    else:
        at_max = args[0] == np.max(args[0], axis=numpy_axis, keepdims=True)  # no ties drawn
        closed = {"sum": spread_g, "mean": spread_g / count, "logsumexp": spread_g * s,
                  "amax": spread_g * at_max}[op]
    np.testing.assert_allclose(vjps[0], closed, rtol=1e-12, atol=1e-14)
    if op in ("sum", "mean", "logsumexp"):  # the value is numpy's (scipy's for logsumexp)
        want = {"sum": np.sum, "mean": np.mean}.get(op)
        expected = (want(args[0], axis=numpy_axis) if want else
                    np.log(np.sum(np.exp(args[0]), axis=numpy_axis)))
        np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize("shape, i", [((3,), 1), ((4, 2), -1), ((2, 3, 2), 0)])
def test_index_is_a_linear_map(shape, i):
    rng = np.random.default_rng(5)
    a, g, da = rng.normal(size=shape), rng.normal(size=shape[1:]), rng.normal(size=shape)
    env = {"a": a, "b": np.float64(i), "out": a[i]}
    vjp = rule_program("index", "vjp", 0).run(NUMBERS, {**env, "g": g})
    jvp = rule_program("index", "jvp", 0).run(NUMBERS, {**env, "da": da})
    want = np.zeros(shape)
    want[i] = g
    np.testing.assert_array_equal(vjp, want)
    np.testing.assert_array_equal(jvp, da[i])
    assert np.sum(vjp * da) == pytest.approx(np.sum(g * jvp))


@pytest.mark.parametrize("op", sorted(n for n, p in PRIMITIVES.items() if not p.linear))
def test_partial_programs_have_the_ops_of_the_parsed_partial(op):
    for p in range(PRIMITIVES[op].arity):
        P = partial_graph(op, p)
        want = [P.nodes[n]["op"] for n in program_of(P).order
                if P.nodes[n]["op"] not in ("input", "const", "id")]
        assert rule_program(op, "partial", p).ops == want


def test_derived_programs_are_the_partial_then_the_chain_rule():
    assert rule_program("exp", "vjp", 0).ops == ["exp", "mul"]  # unary: shapes agree
    assert rule_program("div", "vjp", 1).ops == ["neg", "pow", "div", "mul", "sum_like"]
    assert rule_program("mul", "jvp", 0).ops == ["mul", "sum_like"]
    leaves = {"a": name_leaf("x"), "b": name_leaf("w"), "g": name_leaf("G")}
    from graphviz_ad.core.formula import show

    assert show(rule_tree(rule_program("mul", "vjp", 0), leaves)) == "Σ→x(G·w)"
    assert show(rule_tree(rule_program("sin", "vjp", 0), leaves)) == "G·cos(x)"
    # helpers show their template, whatever the axis: the adjoint broadcast back
    assert show(rule_tree(rule_program("sum", "vjp", 0), {**leaves, "axis": 1})) == "G·𝟙"
    assert show(rule_tree(rule_program("sum", "jvp", 0), {"da": name_leaf("T"), "axis": 1})
                ) == "sum(T, axis=1)"
    ones = {**leaves, "g": rules.number_leaf(1.0)}
    assert show(rule_tree(rule_program("sum", "vjp", 0), ones)) == "𝟙"


def test_every_rule_compiles_and_uses_only_ops_with_rules():
    rules.check_table()
    for op, prim in PRIMITIVES.items():
        for kind in ("vjp", "jvp"):
            for p in range(prim.arity):
                assert isinstance(rule_program(op, kind, p), RuleProgram)


@pytest.fixture
def linear_dot(monkeypatch):
    """A test-only entry written as linear maps, to exercise the JVP split."""
    entry = Primitive("ldot", 2, ops._dot, None, "⟨{a}, {b}⟩", "{a} {b}",
                      jvp="dot(da, b) + dot(a, db)", vjp=("sum_like(g*b, a)", "sum_like(g*a, b)"))
    monkeypatch.setitem(PRIMITIVES, "ldot", entry)
    rule_program.cache_clear()
    yield "ldot"
    rule_program.cache_clear()


def test_linear_entries_split_their_jvp_per_tangent(linear_dot):
    assert rule_program(linear_dot, "jvp", 0).ops == ["dot"]
    assert rule_program(linear_dot, "jvp", 0).inputs == ("da", "b")
    assert rule_program(linear_dot, "jvp", 1).inputs == ("a", "db")
    with pytest.raises(ValueError, match="linear map"):
        rule_program(linear_dot, "partial", 0)
    rng = np.random.default_rng(3)
    for shapes in [((3,), (3,)), ((1,), (1,)), ((4,), (4,))]:  # dot takes vectors (issue 9)
        _check_maps(linear_dot, shapes, int(rng.integers(1000)), today_op="dot")


def test_a_jvp_term_with_both_tangents_is_refused(monkeypatch):
    entry = Primitive("bad", 2, np.multiply, None, "{a}{b}", "{a}{b}", jvp="da*db",
                      vjp=("g", "g"))
    monkeypatch.setitem(PRIMITIVES, "bad", entry)
    rule_program.cache_clear()
    try:
        with pytest.raises(ValueError, match="exactly one tangent"):
            rule_program("bad", "jvp", 0)
    finally:
        rule_program.cache_clear()


def test_display_trees_have_named_fields():
    """Leaves and operations are named tuples read by name; simplify keeps them named."""
    x, two = rules.name_leaf("x"), rules.number_leaf(2)
    assert (x.kind, x.text, x.is_number) == ("leaf", "x", False)
    assert (two.text, two.is_number) == (2.0, True)
    tree = rules.op_tree("sum", [x], (("axis", 1),))
    assert (tree.kind, tree.op, tree.children, tree.params) == ("op", "sum", (x,), (("axis", 1),))
    # 2·(x·1): folded to 2·x, numbers first, named fields
    simple = rules.simplify(rules.op_tree("mul", (rules.op_tree("mul", (x, rules.number_leaf(1))),
                                                  two)))
    assert simple == rules.op_tree("mul", (two, x))
    assert isinstance(simple, rules.OpTree) and simple.children == (two, x)
    assert rules.simplify(rules.op_tree("neg", (rules.op_tree("neg", (x,)),))) == x
    assert rules.simplify(rules.op_tree("add", (rules.number_leaf(3), rules.number_leaf(4)))) \
        == rules.number_leaf(7.0)


def test_partial_text_of_a_linear_map_is_an_error():
    linear = next(n for n, p in PRIMITIVES.items() if p.linear)
    with pytest.raises(ValueError, match="linear map"):
        rule_program(linear, "partial", 0)
    with pytest.raises(ValueError, match="linear map"):
        partial_graph(linear, 0)
