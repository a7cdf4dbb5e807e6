"""Forward mode through the one sweep: its numbers, graph nodes and counts, checked against
central finite differences, sympy, direct counts of the rule texts and reverse mode."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sweep import GRAPHS  # the graph files with a program
from test_sweep import PROGRAMS as SWEEP_PROGRAMS

from graphviz_ad import forward_mode, parse
from graphviz_ad.cli import main as cli
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.build import GraphBuilder
from graphviz_ad.core.calculus import cost, jacobian, sweep_for
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.modes import Kind, Mode
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.parse import parse_rule
from graphviz_ad.core.program import attach, program_of
from graphviz_ad.core.rules import partial_graph
from graphviz_ad.core.sweep import CountAlgebra, GraphAlgebra, sweep
from graphviz_ad.frontends.sources import load

PROGRAMS = [*SWEEP_PROGRAMS,  # the reverse sweep's programs, and one layer
    ("h = tanh(W @ x + b); L = sum(h*h)", {"W": np.array([[0.2, -0.4], [0.7, 0.1], [0.3, 0.5]]),
                                          "x": np.array([1.0, -2.0]),
                                          "b": np.array([0.1, 0.0, -0.3])}),
]


def _cases():
    for path in GRAPHS:
        _, G, inputs = load(str(path))
        yield pytest.param(G, inputs, id=path.stem)
    for source, inputs in PROGRAMS:
        yield pytest.param(parse(source), inputs, id=source)


def _one_hots(shape):
    for k in range(int(np.prod(shape))):
        seed = np.zeros(shape)
        seed.flat[k] = 1.0
        yield k, seed


def _central(G, inputs, wrt, direction, h):
    """(values at wrt + h·direction − values at wrt − h·direction) / 2h, every node."""
    def at(step):
        moved = np.asarray(inputs[wrt], dtype=float) + step * direction
        return values_at(G, {**inputs, wrt: moved[()] if moved.ndim == 0 else moved})

    plus, minus = at(h), at(-h)
    return {n: (np.asarray(plus[n]) - np.asarray(minus[n])) / (2 * h) for n in plus}


@pytest.mark.parametrize("G, inputs", list(_cases()))
def test_forward_tangents_against_central_differences(G, inputs):
    """Each element of each input, seeded one-hot: every node's tangent is the central
    difference of its value along that element (where the difference is stable)."""
    values = values_at(G, inputs)
    checked = 0
    for wrt in program_of(G).inputs:
        for k, seed in list(_one_hots(np.shape(values[wrt])))[:4]:
            trace = forward_mode(G, inputs, wrt=wrt, seed=seed)
            h = 1e-6 * max(1.0, float(np.abs(np.ravel(values[wrt])[k])))
            d1, d2 = _central(G, inputs, wrt, seed, h), _central(G, inputs, wrt, seed, h / 2)
            for n in program_of(G).order:
                if G.nodes[n]["op"] == "const":
                    continue
                stable = np.allclose(d1[n], d2[n], rtol=1e-5, atol=1e-6)
                if not stable:  # a kink (relu, max) between x ± h: no oracle there
                    continue
                np.testing.assert_allclose(trace.derivative(n), d1[n], rtol=1e-4, atol=1e-5,
                                           err_msg=f"∂{n}/∂{wrt}[{k}]")
                checked += 1
    assert checked >= len(program_of(G).order) // 2


SYMBOLIC = [
    "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)",
    "a = x*w; b = sin(a) + a*a; y = b/w - tanh(x)",
    "y = sigmoid(x*x*w) + log(1 + w^2) * sqrt(x*x + 1)",
]
X, W, T = sp.symbols("x w t", real=True)


def _sympy_output(source: str) -> sp.Expr:
    """The program's last line as a sympy expression, by substituting each line into the
    next (sympy's parser reads the same infix text; sigmoid spelt out)."""
    env: dict[str, sp.Basic] = {"x": X, "w": W, "sigmoid": sp.Lambda(T, 1 / (1 + sp.exp(-T)))}
    expr = None
    for line in source.split(";"):
        name, text = (part.strip() for part in line.split("="))
        expr = sp.sympify(text.replace("^", "**"), locals=env)
        env[name] = expr
    assert expr is not None
    return expr


@pytest.mark.parametrize("source", SYMBOLIC)
@pytest.mark.parametrize("point", [(0.3, 1.2), (-0.7, 0.5)])
def test_forward_numbers_and_written_tangents_match_sympy(source, point):
    """forward_mode's number and the tangent graph the graph algebra writes (evaluated)
    both equal sympy's derivative, for each input."""
    G = parse(source)
    inputs = {n: v for n, v in zip(("x", "w"), point) if n in program_of(G).inputs}
    y = program_of(G).outputs[0]
    expr = _sympy_output(source)
    subs = {X: point[0], W: point[1]}
    for wrt in program_of(G).inputs:
        expected = float(sp.diff(expr, {"x": X, "w": W}[wrt]).subs(subs).evalf(30))
        number = float(forward_mode(G, inputs, wrt=wrt).derivative(y))
        assert number == pytest.approx(expected, rel=1e-10, abs=1e-12)
        written = _written_tangents(G, inputs, wrt)
        assert written[y] == pytest.approx(expected, rel=1e-10, abs=1e-12)


def _written_tangents(G, inputs, wrt):
    """Every tangent the forward graph algebra writes, evaluated at ``inputs``."""
    b = GraphBuilder.from_graph(G)
    d = G.nodes[wrt]
    pos = (d["line"], d["column"])
    seed = b.node("sum_like", (b.const(1.0, None, pos), b.handles[wrt]), pos)  # ones
    written = sweep(G, {wrt: seed}, GraphAlgebra(G, b, Mode.FORWARD))
    H = b.to_graph("g", drop_unused=False)
    attach(H, replace(program_of(H), inputs=program_of(G).inputs))
    values = values_at(H, inputs)
    return {n: np.broadcast_to(values[b.ids[h]], np.shape(values[n])) for n, h in written.items()}


@pytest.mark.parametrize("G, inputs", list(_cases()))
def test_graph_algebra_forward_evaluates_to_forward_mode(G, inputs):
    """The tangent graph written by the forward sweep over graph nodes, evaluated, gives
    forward mode's numbers at every node, seeded with ones, for every input."""
    for wrt in program_of(G).inputs:
        numbers = forward_mode(G, inputs, wrt=wrt)
        written = _written_tangents(G, inputs, wrt)
        assert set(written) == {wrt} | {s.node for s in numbers.steps if s.contributions}
        for n, got in written.items():
            np.testing.assert_allclose(got, numbers.derivative(n), rtol=1e-12, atol=1e-12,
                                       err_msg=f"tangent of {n} by {wrt}")


@pytest.mark.parametrize("G, inputs", list(_cases()))
def test_forward_count_counts_the_rules_products_and_sums(G, inputs):
    """Forward: partial ops per edge position + 1 product per elementwise edge (a linear
    map's JVP ops instead) + (operands carrying a tangent − 1) additions per op node,
    counted here directly on the parsed rule texts."""
    nodes = G.nodes
    want = 0
    for n in program_of(G).order:
        prim = PRIMITIVES.get(nodes[n]["op"])
        if prim is None:  # an input or a constant
            continue
        sources = [s for s in G._pred[n] if nodes[s]["op"] != "const"]
        want += max(0, len(sources) - 1)
        for s in sources:
            want += not prim.linear
            for p in G._pred[n][s]["positions"]:
                if prim.linear:
                    want += _jvp_ops(parse_rule(prim.jvp), p)
                else:
                    P = partial_graph(prim.name, p)
                    want += sum(P.nodes[m]["op"] not in ("input", "const", "id") for m in P)
    counter = CountAlgebra(G, Mode.FORWARD)
    sweep(G, dict.fromkeys(program_of(G).inputs, 0), counter)
    assert counter.count == want


def _jvp_ops(P, position):
    """The ops of a JVP rule's summand in the tangent of operand ``position`` (the rule
    text is a sum of terms, one per tangent da, db, …), ``id`` and leaves not counted."""
    tangent = "d" + "ab"[position]
    summands, todo = [], [program_of(P).outputs[0]]
    while todo:
        n = todo.pop()
        if P.nodes[n]["op"] in ("add", "id"):
            todo.extend(P.nodes[n]["operands"])
        else:
            summands.append(n)
    term = [n for n in summands if tangent in nx.ancestors(P, n) | {n}]
    if not term:
        return 0
    (t,) = term
    return sum(P.nodes[m]["op"] not in ("input", "const", "id")
               for m in nx.ancestors(P, t) | {t})


def test_cost_keeps_the_reverse_count_the_forward_sweep_counts_its_own():
    """``cost`` reports one per-sweep count for both modes, as before: the reverse
    sweep's.  Where terms meet differs by direction: in y = a·b the two edges' terms meet
    at y going forward (1 addition) and nowhere going back (a and b have one consumer)."""
    G = parse("y = a*b")
    c = cost(G)
    # 1 value; per edge: the partial (b or a, 0 ops) and 1 product; no addition
    assert (c.values, c.per_sweep, c.forward, c.reverse) == (1, 3, 6, 3)
    counter = CountAlgebra(G, Mode.REVERSE)
    sweep(G, {}, counter)
    assert counter.count == 2  # two products
    counter = CountAlgebra(G, Mode.FORWARD)
    sweep(G, {"a": 0, "b": 0}, counter)
    assert counter.count == 3  # two products and the addition where they meet
    H = parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
    # 6 values; edges: exp 1+1, pow b·a^(b−1) 3+1, two 1·products into f3, exp 1+1,
    # cos 1+1, two into y; adds where f1 and f3 fan out: 6 + 14 + 2
    assert cost(H).per_sweep == 22


# -- one sweep-choice rule ------------------------------------------------------------------

@pytest.mark.parametrize("n_out, n_in, want", [(1, 3, Mode.REVERSE), (3, 1, Mode.FORWARD),
                                               (2, 2, Mode.REVERSE), (5, 4, Mode.FORWARD)])
def test_sweep_for_takes_fewer_sweeps(n_out, n_in, want):
    assert sweep_for(n_out, n_in) is want
    assert sweep_for(n_out, n_in, "forward") is Mode.FORWARD
    assert sweep_for(n_out, n_in, "reverse") is Mode.REVERSE
    with pytest.raises(GraphvizAdError, match="choose forward, reverse or auto"):
        sweep_for(n_out, n_in, "sideways")


@pytest.mark.parametrize("source, at, want", [
    ("a = x*y; b = x + y; c = x - y", ["x=1", "y=2"], "forward"),  # 3 outputs, 2 inputs
    ("a = x*y*z", ["x=1", "y=2", "z=3"], "reverse"),
    ("a = x*y; b = x + y", ["x=1", "y=2"], "reverse"),  # a tie
])
def test_cli_jacobian_names_the_sweep_the_library_chose(source, at, want):
    G = parse(source)
    args = ["jacobian", source, *(a for v in at for a in ("--at", v))]
    for o in program_of(G).outputs:
        args += ["--of", o]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    n_out, n_in = len(program_of(G).outputs), len(program_of(G).inputs)
    assert sweep_for(n_out, n_in) == want
    assert f"{want} mode: one sweep per" in result.output


# -- forward and reverse through the sweep agree on random programs -------------------------

UNARY = ("sin", "cos", "exp", "tanh", "sigmoid", "softplus", "square")


@st.composite
def array_programs(draw):
    """A straight-line program over a scalar ``w`` and vectors ``x``, ``v`` (length n):
    elementwise ops, broadcasting, reductions, indexing and softmax; and input values."""
    n = draw(st.integers(1, 3))
    vectors, scalars = ["x", "v"], ["w"]
    lines = []
    for i in range(draw(st.integers(1, 7))):
        name = f"t{i}"
        kind = draw(st.integers(0, 6))
        a = draw(st.sampled_from(vectors + scalars))
        b = draw(st.sampled_from(vectors + scalars))
        if kind == 0:
            text, vec = f"{a} * {b}", a in vectors or b in vectors
        elif kind == 1:
            text, vec = f"{a} - {b} + {a}", a in vectors or b in vectors
        elif kind == 2:
            text, vec = f"{draw(st.sampled_from(UNARY))}({a})", a in vectors
        elif kind == 3:
            a = draw(st.sampled_from(vectors))
            text, vec = f"{draw(st.sampled_from(['sum', 'mean']))}({a})", False
        elif kind == 4:
            a = draw(st.sampled_from(vectors))
            text, vec = f"{a}[{draw(st.integers(0, n - 1))}]", False
        elif kind == 5:
            a = draw(st.sampled_from(vectors))
            text, vec = f"softmax({a})", True
        else:
            text, vec = f"{a} / (1 + {b}*{b})", a in vectors or b in vectors
        lines.append(f"{name} = {text}")
        (vectors if vec else scalars).append(name)
    last = lines[-1].split(" = ")[0]
    out = f"y = {last} + sum(x*v)*w"
    values = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)
    inputs = {"w": draw(values), "x": np.array(draw(st.lists(values, min_size=n, max_size=n))),
              "v": np.array(draw(st.lists(values, min_size=n, max_size=n)))}
    return "; ".join([*lines, out]), inputs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(array_programs())
def test_forward_and_reverse_jacobians_agree(program):
    """The full Jacobian of every output by every input: one forward sweep per input
    element equals one reverse sweep per output element."""
    source, inputs = program
    G = parse(source)
    ofs = list(program_of(G).outputs)
    wrt = list(program_of(G).inputs)
    forward = jacobian(G, inputs, of=ofs, wrt=wrt, mode="forward")
    reverse = jacobian(G, inputs, of=ofs, wrt=wrt, mode="reverse")
    assert np.all(np.isfinite(forward))
    np.testing.assert_allclose(forward, reverse, rtol=1e-9, atol=1e-12, err_msg=source)


def test_forward_steps_are_tangent_steps_in_graph_order():
    """Forward mode's records: one tangent step per op node in graph order, each term an
    edge operand → node in operand order (x·x once, both positions)."""
    G = parse("a = x*x; y = sin(a)*w + a")
    t = forward_mode(G, {"x": 0.5, "w": 2.0}, wrt="x")
    ops = [n for n in program_of(G).order if G.nodes[n]["op"] not in ("input", "const")]
    assert [s.node for s in t.steps] == ops
    assert all(s.kind == Kind.TANGENT and s.wrt == "x" and s.of is None for s in t.steps)
    first = t.steps[0]
    assert [(c.source, c.target, c.positions) for c in first.contributions] == [
        ("x", "a", (0, 1))]
    assert float(first.result) == pytest.approx(2 * 0.5)
    for step in t.steps:  # sources in operand order, w (no tangent) left out
        operands = [o for o in dict.fromkeys(G.nodes[step.node]["operands"])
                    if o == "x" or G.nodes[o]["op"] not in ("input", "const")]
        assert [c.source for c in step.contributions] == operands
