"""What callers ask the primitive table (core/ops.py) about an op, checked on every op: each
entry's fields are well formed, and each rule moved into the table from a caller gives the
answer the caller's own special case gave (the old literals are the oracles here)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import graphviz_ad
from graphviz_ad import parse
from graphviz_ad.core import ops, parse_walk, shapes
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


# -- no op name spelt outside the table ------------------------------------------------------

PACKAGE = Path(graphviz_ad.__file__).parent
LEAF_NAMES = {ops.INPUT, ops.CONSTANT, ops.ALIAS}  # "input", "const", "id"
VOCABULARY_HOMES = {"core/ops.py", "core/ops_conv.py", "core/primitive.py", "core/nodes.py"}
# (file, the expression as ast.unparse writes it): why the literal stays
ALLOWED_LITERALS: dict[tuple[str, str], str] = {}


def _literals(node: ast.AST) -> set[str]:
    """The leaf op names among ``node``'s string constants (itself or a tuple/set/list's)."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.Set, ast.List)) else [node]
    return {i.value for i in items if isinstance(i, ast.Constant) and i.value in LEAF_NAMES}


def spelt_op_names(source: str) -> list[tuple[int, str]]:
    """Where ``source`` spells an input/constant/alias op as a string: compared with
    something (``op == "const"``, ``op in ("input", "const")``), given as ``op=`` or as a
    dict's ``"op"``, or passed first to a builder's ``new``/``node``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            hit = any(_literals(side) for side in (node.left, *node.comparators))
        elif isinstance(node, ast.keyword):
            hit = node.arg == "op" and bool(_literals(node.value))
        elif isinstance(node, ast.Dict):
            hit = any(isinstance(k, ast.Constant) and k.value == "op" and _literals(v)
                      for k, v in zip(node.keys, node.values))
        elif isinstance(node, ast.Call):
            hit = (isinstance(node.func, ast.Attribute) and node.func.attr in ("new", "node")
                   and bool(node.args) and bool(_literals(node.args[0])))
        else:
            continue
        if hit:
            found.append((getattr(node, "lineno", 0), ast.unparse(node)))
    return found


@pytest.mark.parametrize("snippet", [
    'if data["op"] == "const": pass', 'ok = op != "input"',
    'ok = node(G, n)["op"] in ("input", "const")', 'd.update(op="input")',
    'b.new("id", (h,), pos)', 'x = {"op": "const", "value": 1.0}', 'ok = "input" == self.op[k]',
])
def test_the_scan_finds_an_op_name_spelt_out(snippet):
    assert len(spelt_op_names(snippet)) == 1


@pytest.mark.parametrize("snippet", [
    'if is_constant(data["op"]): pass', 'ok = op != INPUT', 'ok = el.get("id") or ""',
    'cell = "input" if given else text', 'row = ["x", "input"]', 'ok = kind == "inputs"',
])
def test_the_scan_passes_the_vocabulary_and_other_strings(snippet):
    assert spelt_op_names(snippet) == []


def test_no_module_spells_an_input_constant_or_alias_op_outside_the_table():
    """ops.py says what an op is (is_leaf, is_input, is_constant, is_alias, INPUT, …);
    nothing else spells those ops as strings, so renaming one is a change in one place."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in VOCABULARY_HOMES:
            continue
        for line, expr in spelt_op_names(path.read_text(encoding="utf-8")):
            if (rel, expr) not in ALLOWED_LITERALS:
                found.append(f"{rel}:{line}: {expr}")
    assert not found, "use ops.is_input/is_constant/is_leaf/is_alias or INPUT/CONSTANT/ALIAS:\n" \
        + "\n".join(found)


def test_the_parser_reads_its_binary_operators_off_the_table():
    """parse_walk's operator table (was a literal of its own): the same symbols, binding
    strengths of language.lark (sum 1 < product 2 < power 4) and only ^ right associative."""
    assert {s: (p, op, right) for s, (p, op, right) in parse_walk._BINARY.items()} == {
        "+": (1, "add", False), "-": (1, "sub", False), "*": (2, "mul", False),
        "/": (2, "div", False), "@": (2, "matmul", False), "^": (4, "pow", True),
        "**": (4, "pow", True)}
    assert parse_walk._UNARY == 3
