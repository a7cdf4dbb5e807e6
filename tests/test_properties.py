"""Random programs from the grammar, checked against sympy (built from OUR tree, never from
the graph) and central finite differences; parse never fails with anything but our error."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad import GraphvizAdError, parse
from graphviz_ad.core.program import program_of
from graphviz_ad.explain import steps as step_text

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
NAMES = ("x", "w", "b")
SYMBOLS = {n: sp.Symbol(n, real=True) for n in NAMES}

# A tree: ("num", text) | ("name", n) | ("neg", t) | (binop, a, b) | ("call", f, args)
BINOPS = ("+", "-", "*", "/", "^", "**")
UNARY_FUNCS = ("exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sigmoid", "sig",
               "relu", "softplus", "square")
BINARY_FUNCS = ("pow", "max", "min")
KINKED = {"abs", "relu", "max", "min"}

numbers = st.sampled_from(["0", "1", "2", "3", "0.5", "1.5", "2.", ".25", "1e-1", "2E0",
                           "1e+0", "10"]).map(lambda t: ("num", t))
names = st.sampled_from(NAMES).map(lambda n: ("name", n))
leaves = st.one_of(numbers, names, names)  # inputs twice as likely as numbers


def _extend(children):
    return st.one_of(
        children.map(lambda t: ("neg", t)),
        st.tuples(st.sampled_from(BINOPS), children, children),
        st.tuples(st.just("call"), st.sampled_from(UNARY_FUNCS), children.map(lambda t: (t,))),
        st.tuples(st.just("call"), st.sampled_from(BINARY_FUNCS), st.tuples(children, children)),
    )


trees = st.recursive(leaves, _extend, max_leaves=7)

# -- rendering (source text from a tree) ------------------------------------------------
# Levels follow the grammar: sum 1, product 2, unary 3, power 4, atom 5.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5


def render(tree, parens=lambda: False, space=lambda: ""):
    """Source text for ``tree`` with the fewest parentheses the grammar needs; ``parens()``
    may add more and ``space()`` supplies whitespace, both drawn by hypothesis."""

    def wrap(t, need):
        text, level = go(t)
        if level < need or parens():
            return f"({space()}{text}{space()})"
        return text

    def go(t):
        kind = t[0]
        if kind == "num":
            return t[1], ATOM
        if kind == "name":
            return t[1], ATOM
        if kind == "neg":
            return f"-{space()}{wrap(t[1], UNARY)}", UNARY
        if kind == "call":
            args = f",{space()}".join(wrap(a, SUM) for a in t[2])
            return f"{t[1]}({space()}{args}{space()})", ATOM
        op, a, b = t
        s = space()
        if op in "+-":
            return f"{wrap(a, SUM)}{s}{op}{s}{wrap(b, PRODUCT)}", SUM
        if op in "*/":
            return f"{wrap(a, PRODUCT)}{s}{op}{s}{wrap(b, UNARY)}", PRODUCT
        return f"{wrap(a, ATOM)}{s}{op}{s}{wrap(b, UNARY)}", POWER

    return go(tree)[0]


# -- the oracle ---------------------------------------------------------------------------


def to_sympy(tree):
    kind = tree[0]
    if kind == "num":
        value = float(tree[1])
        return sp.Integer(int(value)) if value.is_integer() else sp.Float(tree[1], 30)
    if kind == "name":
        return SYMBOLS[tree[1]]
    if kind == "neg":
        return -to_sympy(tree[1])
    if kind == "call":
        f, args = tree[1], [to_sympy(a) for a in tree[2]]
        a = args[0]
        return {
            "exp": lambda: sp.exp(a), "log": lambda: sp.log(a), "sin": lambda: sp.sin(a),
            "cos": lambda: sp.cos(a), "tan": lambda: sp.tan(a), "tanh": lambda: sp.tanh(a),
            "sqrt": lambda: sp.sqrt(a), "abs": lambda: sp.Abs(a),
            "sigmoid": lambda: 1 / (1 + sp.exp(-a)), "sig": lambda: 1 / (1 + sp.exp(-a)),
            "relu": lambda: sp.Max(a, 0), "softplus": lambda: sp.log(1 + sp.exp(a)),
            "square": lambda: a ** 2, "pow": lambda: a ** args[1],
            "max": lambda: sp.Max(a, args[1]), "min": lambda: sp.Min(a, args[1]),
        }[f]()
    op, a, b = tree[0], to_sympy(tree[1]), to_sympy(tree[2])
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "^": a ** b, "**": a ** b}[op]


def kink_arguments(tree):
    """The sympy expressions whose sign switches a kinked function's branch."""
    out = []
    if tree[0] == "call":
        args = [to_sympy(a) for a in tree[2]]
        if tree[1] in ("abs", "relu"):
            out.append(args[0])
        elif tree[1] in ("max", "min"):
            out.append(args[0] - args[1])
    for child in tree[1:]:
        if isinstance(child, tuple):
            for c in (child if child and isinstance(child[0], tuple) else (child,)):
                out.extend(kink_arguments(c))
    return out


def real_number(expr, env) -> float | None:
    """The real value of a sympy expression at ``env``, or None when it is not a finite real."""
    try:
        value = complex(sp.N(expr.subs(env), 30))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        return None
    if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
        return None
    return value.real


def sympy_value(tree, env) -> float | None:
    """The oracle's real value, or None where sympy cannot build or evaluate the expression
    (``relu(log(0))``: sympy refuses to compare its complex infinity with 0)."""
    try:
        expr = to_sympy(tree)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return real_number(expr, env)


def names_in(tree):
    if tree[0] == "name":
        return {tree[1]}
    out = set()
    for child in tree[1:]:
        if isinstance(child, tuple):
            for c in (child if child and isinstance(child[0], tuple) else (child,)):
                out |= names_in(c)
    return out


def close(a, b, rel=1e-7, abs_=1e-9) -> bool:
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


inputs_values = st.fixed_dictionaries(
    {n: st.floats(-2.0, 2.0, allow_nan=False).map(lambda v: round(v, 3)) for n in NAMES})


@st.composite
def programs(draw):
    """(tree, source text, same text fully parenthesised, input values)."""
    tree = draw(trees)
    flags = draw(st.lists(st.booleans(), min_size=64, max_size=64))
    spaces = draw(st.lists(st.sampled_from(["", " ", "  ", "\t"]), min_size=64, max_size=64))
    it_f, it_s = iter(flags), iter(spaces)
    text = render(tree, lambda: next(it_f, False), lambda: next(it_s, ""))
    full = render(tree, lambda: True)
    return tree, text, full, draw(inputs_values)


def _graph_or_skip(text):
    G = parse(text)
    assume(program_of(G).inputs)  # a constant expression has nothing to differentiate
    return G


# ------------------------------------------------------------------ properties


@SETTINGS
@given(programs())
def test_value_matches_sympy_and_parenthesisation_does_not_matter(program):
    tree, text, full, env = program
    G = parse(text)
    inputs = {n: env[n] for n in program_of(G).inputs}
    assert set(program_of(G).inputs) == names_in(tree)
    value = float(ad.evaluate(G, inputs).value("y"))
    expected = sympy_value(tree, {SYMBOLS[n]: v for n, v in env.items()})
    if expected is not None and math.isfinite(value):
        assert close(value, expected, rel=1e-9, abs_=1e-12), (text, value, expected)
    # the same tree written with every parenthesis gives the very same graph
    H = parse(full)
    assert program_of(H).order == program_of(G).order
    assert all(H.nodes[n]["op"] == G.nodes[n]["op"]
               and H.nodes[n]["operands"] == G.nodes[n]["operands"] for n in G)
    # and without CSE the value is the same
    U = parse(text, cse=False)
    same = float(ad.evaluate(U, inputs).value("y"))
    assert (math.isnan(same) and math.isnan(value)) or same == value


@SETTINGS
@given(programs())
@example((("call", "sin", (("+", ("name", "b"), ("call", "pow", (("num", "10"), ("num", "10")))),)),
          "sin(b+pow(10,10))", "sin(((b)+(pow((10),(10)))))", {"x": 0.0, "w": 0.0, "b": 1.938}))
def test_both_modes_match_sympy_and_finite_differences(program):
    tree, text, _, env = program
    G = _graph_or_skip(text)
    inputs = {n: env[n] for n in program_of(G).inputs}
    subs = {SYMBOLS[n]: v for n, v in env.items()}
    for k in kink_arguments(tree):
        kv = real_number(k, subs)
        assume(kv is not None and abs(kv) > 1e-6)
    assume(sympy_value(tree, subs) is not None)
    expr = to_sympy(tree)
    reverse = ad.reverse_mode(G, inputs)
    for wrt in program_of(G).inputs:
        expected = real_number(sp.diff(expr, SYMBOLS[wrt]), subs)
        if expected is None:
            continue
        forward = ad.forward_mode(G, inputs, wrt=wrt)
        fwd, rev = float(forward.derivative("y")), float(reverse.derivative(wrt))
        if not (math.isfinite(fwd) and math.isfinite(rev)):
            continue
        assert close(fwd, expected), (text, wrt, fwd, expected)
        assert close(rev, expected), (text, wrt, rev, expected)
        # central differences, trusted only where they are stable under halving h
        h = 1e-6 * max(1.0, abs(inputs[wrt]))
        # ... and only where no intermediate is so large that its rounding swamps the step
        # (sin(b + 10^10): an ulp of 10^10 is 1.9e-6, and h, h/2 round to 2 and 1 ulps alike)
        trace = ad.evaluate(G, inputs)
        sizes = [abs(float(trace.value(n))) for n in program_of(G).order]
        if math.ulp(max((v for v in sizes if math.isfinite(v)), default=0.0)) > 1e-3 * h:
            continue

        def fd(step, wrt=wrt):
            plus = ad.evaluate(G, {**inputs, wrt: inputs[wrt] + step}).value("y")
            minus = ad.evaluate(G, {**inputs, wrt: inputs[wrt] - step}).value("y")
            return float((plus - minus) / (2 * step))

        d1, d2 = fd(h), fd(h / 2)
        if math.isfinite(d1) and close(d1, d2, rel=1e-5, abs_=1e-6):
            assert close(rev, d1, rel=1e-4, abs_=1e-5), (text, wrt, rev, d1)


@SETTINGS
@given(programs())
def test_forward_and_reverse_agree_on_every_node(program):
    tree, text, _, env = program
    G = _graph_or_skip(text)
    inputs = {n: env[n] for n in program_of(G).inputs}
    with np.errstate(all="ignore"):
        reverse = ad.reverse_mode(G, inputs)
        order = program_of(G).order
        assert [s.node for s in reverse.steps] == [
            n for n in reversed(order) if n != "y" and G.nodes[n]["op"] != "const"]
        for wrt in program_of(G).inputs:
            forward = ad.forward_mode(G, inputs, wrt=wrt)
            assert [s.node for s in forward.steps] == [
                n for n in order if G.nodes[n]["op"] not in ("input", "const")]
            a, b = float(forward.derivative("y")), float(reverse.derivative(wrt))
            if math.isfinite(a) and math.isfinite(b):
                assert close(a, b, rel=1e-9, abs_=1e-12)
            # every step's formula can be built
            for s in forward.steps[:3] + reverse.steps[:3]:
                assert step_text.formula(s).startswith("∂") and step_text.latex(s)


TOKENS = ["x", "w", "1", "2.5", "1e-3", "+", "-", "*", "/", "^", "**", "(", ")", ",", "=",
          "+=", "*=", "\n", ";", " ", "#c\n", "sin", "pow", "max", "foo", "y", "[", "]", "'",
          ".", "@", "__import__", "lambda", ":", "\\\n", "1e999", "\r\n", "é", "\x00"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_parse_raises_only_our_error(tokens):
    source = "".join(tokens)
    try:
        G = parse(source)
    except GraphvizAdError as err:
        assert err.message
        if err.line is not None:
            assert 1 <= err.line <= max(1, source.count("\n") + 1)
            assert str(err).splitlines()[0].startswith(f"{err.line}:")
        return
    assert program_of(G).outputs
    assert set(program_of(G).order) == set(G.nodes)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_parse_arbitrary_text_raises_only_our_error(source):
    try:
        parse(source)
    except GraphvizAdError:
        pass
