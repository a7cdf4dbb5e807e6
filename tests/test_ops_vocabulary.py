"""What callers ask the primitive table (core/ops.py) about an op, checked on every op: each
entry's fields are well formed, and each rule moved into the table from a caller gives the
answer the caller's own special case gave (the old literals are the oracles here)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from graphviz_ad import parse
from graphviz_ad.core import ops, shapes
from graphviz_ad.core.jsrules import RUNTIME_OPS
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.primitive import Identity, Singular
from graphviz_ad.core.program import program_of
from graphviz_ad.explain.check import singularities
from graphviz_ad.frontends.writer import program_text

EVERY_OP = sorted(PRIMITIVES) + ["input", "const"]

# the callers' literals before the move
OLD_SINGULAR = {  # explain/check.py
    "relu": (lambda a: a, "kink"), "abs": (lambda a: a, "kink"),
    "max": (lambda a, b: a - b, "kink"), "min": (lambda a, b: a - b, "kink"),
    "step": (lambda a: a, "jump"), "sign": (lambda a: a, "jump"),
    "div": (lambda a, b: b, "pole"), "log": (lambda a: a, "pole"),
    "sqrt": (lambda a: a, "branch point"),
}
OLD_CONV = {"conv1d": 1, "conv2d": 2}  # receptive/gradient.py
OLD_POOLS = {"maxpool1d": 1, "maxpool2d": 2, "avgpool1d": 1, "avgpool2d": 2}
OLD_GRID_UNSAFE = {"matmul", "transpose", "outer"}  # plots/charts.py
OLD_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "@": "matmul", "^": "pow"}
OLD_INFIX = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "div": ("/", 2),
             "matmul": ("@", 2), "pow": ("^", 4)}  # frontends/writer.py


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_entry_has_well_formed_fields(name):
    prim = PRIMITIVES[name]
    assert prim.name == name
    for rule in prim.identities:
        assert isinstance(rule, Identity) and 0 <= rule.position < prim.arity == 2
        assert rule.result in ("other", "ones") or isinstance(rule.result, float) or (
            PRIMITIVES[rule.result].arity == 1)
    if prim.singular is not None:
        assert isinstance(prim.singular, Singular)
        assert prim.singular.kind in ("kink", "jump", "pole", "branch point")
        assert prim.singular.at in (("a",) if prim.arity == 1 else ("a", "b", "a - b"))
    if prim.syntax is not None:
        assert set(re.findall(r"\{(\w)\}", prim.syntax)) == set("ab"[:prim.arity])
    assert prim.pool in (None, "max", "avg")
    assert (prim.spatial > 0) == bool(re.fullmatch(r"(conv|maxpool|avgpool)\dd(_\w+)?", name))
    assert not prim.convolution or prim.spatial
    assert not (prim.involution and prim.arity != 1)
    assert not (prim.numbers_first and prim.arity != 2)


@pytest.mark.parametrize("op", EVERY_OP)
def test_leaf_input_constant_alias_as_the_literals_said(op):
    assert ops.is_leaf(op) == (op in ("input", "const"))
    assert ops.is_input(op) == (op == "input")
    assert ops.is_constant(op) == (op == "const")
    assert ops.is_alias(op) == (op == "id")


@pytest.mark.parametrize("op", EVERY_OP)
def test_singular_points_as_explain_check_had_them(op):
    rng = np.random.default_rng(7)
    prim = PRIMITIVES.get(op)
    rule = prim.singular if prim is not None else None
    assert (rule is not None) == (op in OLD_SINGULAR)
    if rule is None:
        assert ops.singular_spot(op, [1.0, 2.0]) is None
        return
    spot, kind = OLD_SINGULAR[op]
    assert rule.kind == kind
    operands = [rng.normal(size=3) for _ in range(prim.arity)]
    np.testing.assert_array_equal(ops.singular_spot(op, operands), spot(*operands))


def test_singularity_reasons_name_the_vanishing_quantity():
    G = parse("u = max(x, w); v = z/w; y = relu(x*w) + u + v")
    reasons = singularities(G, {"x": 0.5, "w": 0.5, "z": 1.0})
    assert any(r.startswith("u = max(x, w) has a kink where x − w = 0") for r in reasons)
    assert not any("pole" in r for r in reasons)
    reasons = singularities(G, {"x": 0.5, "w": 1e-6, "z": 1.0})
    assert any(r.startswith("v = z/w has a pole where w = 0, and w is 1×10⁻⁶") for r in reasons)
    assert any("= relu(f1) has a kink where x·w = 0" in r for r in reasons)


@pytest.mark.parametrize("op", EVERY_OP)
def test_convolutions_and_poolings_as_the_receptive_tables_had_them(op):
    assert ops.convolution_dims(op) == OLD_CONV.get(op)
    expected = (op[:3], OLD_POOLS[op]) if op in OLD_POOLS else None
    assert ops.pooling(op) == expected
    if op.startswith("maxpool") and op in OLD_POOLS:  # receptive/gradient.py's max → avg swap
        assert ops.pooling_op("avg", OLD_POOLS[op]) == op.replace("max", "avg")
        assert ops.pooling_op("max", OLD_POOLS[op]) == op


@pytest.mark.parametrize("op", EVERY_OP)
def test_last_axes_ops_as_the_grid_plot_had_them(op):
    prim = PRIMITIVES.get(op)
    assert (prim is not None and prim.last_axes) == (op in OLD_GRID_UNSAFE)


def test_operators_as_the_parser_and_the_writer_had_them():
    assert ops.OPERATORS == OLD_BINARY
    for op, (symbol, prec) in OLD_INFIX.items():
        prim = PRIMITIVES[op]
        assert prim.syntax is not None and prim.syntax.replace(" ", "") == f"{{a}}{symbol}{{b}}"
        assert prim.prec == prec and (prim.assoc == "right") == (op == "pow")


@pytest.mark.parametrize("source", [
    "y = -(a + b)^2 - -c", "y = (a @ W).T[1] + (a - b)[0]", "y = a^b^c + (a^b)^c",
    "y = a/(b*c) - (a - b) - c", "y = a - (b - c) + (a + b)*c", "y = -a^2 + (-a)^2",
])
def test_the_writer_writes_operators_from_the_table(source):
    """Written back from the table's syntax, the program reads as the same graph."""
    G = parse(source)
    text = program_text(G)
    assert text == source
    H = parse(text)
    assert [(H.nodes[n]["op"], H.nodes[n]["operands"]) for n in program_of(H).order] == \
        [(G.nodes[n]["op"], G.nodes[n]["operands"]) for n in program_of(G).order]


def test_side_tables_name_only_ops_of_the_table():
    """Per-op tables kept beside ops.py (shape rules, work counts, the JavaScript runtime)
    name only entries of the table."""
    for table in (shapes.RULES, shapes.SCRATCH, shapes.WORK, RUNTIME_OPS):
        assert set(table) <= set(PRIMITIVES)


@pytest.mark.parametrize("op", ["sum", "mean", "amax"])
def test_joint_reductions_as_the_numpy_tracer_had_them(op):
    """numpy_trace records a reduction over several axes as one node when it is nonlinear
    (was: ``op == "amax"``) for every reduction it maps numpy's to."""
    assert PRIMITIVES[op].nonlinear == (op == "amax")
