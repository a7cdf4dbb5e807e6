"""One simplifier (core/simplify.py) for display trees and for built graphs: a simplified
expression computes the number of the original, a built graph keeps every shape, and each
rewrite gives the answer the two old simplifiers (rules.simplify, build._fold) gave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphviz_ad.core.build import GraphBuilder
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.rules import ONES, Leaf, OpTree, name_leaf, number_leaf, op_tree, simplify
from graphviz_ad.core.simplify import Apply, Number, Operand, rewrite

UNARY = ["neg", "exp", "sin", "tanh", "square", "sigmoid"]
BINARY = ["add", "sub", "mul", "div", "pow", "max"]
NAMES = ["x", "y", "z"]
NUMBERS = [0.0, 1.0, -1.0, 2.0, 0.5, -3.0]

leaves = st.one_of(st.sampled_from(NAMES).map(name_leaf), st.sampled_from(NUMBERS).map(number_leaf))
trees = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.builds(lambda op, a: op_tree(op, (a,)), st.sampled_from(UNARY), sub),
        st.builds(lambda op, a, b: op_tree(op, (a, b)), st.sampled_from(BINARY), sub, sub)),
    max_leaves=8)
points = st.fixed_dictionaries({n: st.floats(-2.0, 2.0, allow_nan=False) for n in NAMES})


def evaluate(tree: Leaf | OpTree, env: dict) -> object:
    """The number of a display tree, straight from the table's functions (no rewrites)."""
    if isinstance(tree, Leaf):
        return np.float64(tree.text) if tree.is_number else env[tree.text]
    with np.errstate(all="ignore"):
        return PRIMITIVES[tree.op].fn(*[evaluate(c, env) for c in tree.children],
                                      **dict(tree.params))


def build(tree: Leaf | OpTree, b: GraphBuilder, handles: dict[str, int]) -> int:
    """The tree added to a folding graph builder, node by node."""
    if isinstance(tree, Leaf):
        if tree.is_number:
            return b.const(tree.text, None, (1, 1))
        return handles[tree.text]
    args = tuple(build(c, b, handles) for c in tree.children)
    return b.node(tree.op, args, (1, 1))


def evaluate_built(b: GraphBuilder, h: int, env: dict[int, object]) -> object:
    if h in env:
        return env[h]
    if b.op[h] == "const":
        return np.float64(b.constants[h][0])
    with np.errstate(all="ignore"):
        return PRIMITIVES[b.op[h]].fn(*[evaluate_built(b, a, env) for a in b.operands[h]])


def _builder() -> tuple[GraphBuilder, dict[str, int]]:
    b = GraphBuilder(cse=True, fold=True)
    handles = {n: b.new("input", (), (1, 1)) for n in NAMES}
    return b, handles


@settings(max_examples=300, deadline=None)
@given(trees, points)
def test_a_simplified_tree_computes_the_original_number(tree, point):
    env = {n: np.float64(v) for n, v in point.items()}
    before = evaluate(tree, env)
    if not np.isfinite(before):
        return  # x·0 shows 0 although inf·0 is nan: the display assumes finite numbers
    after = evaluate(simplify(tree), env)
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(trees, st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3))
def test_a_folded_graph_computes_the_original_array(tree, x):
    """The builder takes only the rewrites that keep values *and shapes*: over vector
    inputs, its node has the original's shape (x·0 stays an array of zeros)."""
    env = {"x": np.array(x), "y": np.array(x[::-1]), "z": np.float64(x[0])}
    before = np.asarray(evaluate(tree, env))
    b, handles = _builder()
    root = build(tree, b, handles)
    after = np.asarray(evaluate_built(b, root, {handles[n]: v for n, v in env.items()}))
    if not np.all(np.isfinite(before)):
        return
    assert after.shape == before.shape or (isinstance(tree, Leaf) and tree.is_number)
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-12)


x, y = name_leaf("x"), name_leaf("y")
n = number_leaf


@pytest.mark.parametrize("tree, shown", [
    # the old rules.simplify's answers, one per rule
    (op_tree("mul", (n(1), x)), x), (op_tree("mul", (x, n(1))), x),
    (op_tree("mul", (ONES, x)), x), (op_tree("mul", (x, ONES)), x),
    (op_tree("mul", (n(0), x)), n(0)), (op_tree("mul", (x, n(0))), n(0)),
    (op_tree("mul", (n(-1), x)), op_tree("neg", (x,))),
    (op_tree("mul", (x, n(2))), op_tree("mul", (n(2), x))),
    (op_tree("matmul", (n(1), x)), x), (op_tree("matmul", (x, n(1))), x),
    (op_tree("matmul", (ONES, x)), op_tree("matmul", (ONES, x))),  # 𝟙 @ x sums: kept
    (op_tree("add", (x, n(0))), x), (op_tree("add", (n(0), x)), x),
    (op_tree("sub", (x, n(0))), x), (op_tree("sub", (n(0), x)), op_tree("neg", (x,))),
    (op_tree("sub", (n(0), op_tree("neg", (x,)))), x),
    (op_tree("div", (x, n(1))), x), (op_tree("pow", (x, n(1))), x),
    (op_tree("pow", (x, n(0))), n(1)),
    (op_tree("neg", (op_tree("neg", (x,)),)), x),
    (op_tree("spread", (n(1), x)), ONES),
    (op_tree("add", (n(3), n(4))), n(7)),
    (op_tree("div", (n(1), n(0))), op_tree("div", (n(1), n(0)))),  # 1/0 stays written
    (op_tree("spread", (n(2), x)), op_tree("spread", (n(2), x))),  # shaping: never folded
    (op_tree("sub", (x, y)), op_tree("sub", (x, y))),
    # new: x·(−1) reads as −x, as (−1)·x always did (it showed −1·x)
    (op_tree("mul", (x, n(-1))), op_tree("neg", (x,))),
])
def test_each_display_rewrite(tree, shown):
    assert simplify(tree) == shown


def test_the_builder_takes_the_value_rewrites_only():
    """The old build._fold's answers (×1, +0, −0, /1, ^1, constants folded, never a
    shaping op), and what a display only may do kept out of a graph."""
    assert rewrite("mul", (1.0, None)) == Operand(1)
    assert rewrite("add", (None, 0.0)) == Operand(0)
    assert rewrite("sub", (None, 0.0)) == Operand(0)
    assert rewrite("div", (None, 1.0)) == Operand(0)
    assert rewrite("pow", (None, 1.0)) == Operand(0)
    assert rewrite("mul", (2.0, 3.0)) == Number(6.0)
    assert rewrite("spread", (2.0, 3.0)) is None
    for display_only in [("mul", (0.0, None)), ("pow", (None, 0.0)), ("matmul", (1.0, None)),
                         ("spread", (1.0, None))]:
        assert rewrite(*display_only) is None
        assert rewrite(*display_only, display=True) is not None
    # as on display: −1·g is −g (was g·(−1) in a gradient graph), numbers first
    assert rewrite("mul", (None, -1.0)) == Apply("neg", (0,))
    assert rewrite("mul", (None, 2.0)) == Apply("mul", (1, 0))
    b, handles = _builder()
    g = handles["x"]
    assert b.op[b.node("mul", (g, b.const(-1.0, None, (1, 1))), (1, 1))] == "neg"
    assert b.node("mul", (g, b.const(1.0, None, (1, 1))), (1, 1)) == g
