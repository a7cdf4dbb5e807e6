"""The parser: problem 9's DAG, CSE, programs, re-binding, limits and every kind of bad source."""

from __future__ import annotations

import importlib
import math
import subprocess
import sys

import pytest

import graphviz_ad as ad
from graphviz_ad import GraphvizAdError, parse
from graphviz_ad.core.program import program_of

# graphviz_ad.core.parse is the function; the module is reached through importlib
parse_module = importlib.import_module("graphviz_ad.core.parse")

PROBLEM9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"


def ops(G):
    """{node: (op, operands)} for every non-constant node."""
    return {n: (d["op"], d["operands"]) for n, d in G.nodes(data=True) if d["op"] != "const"}


def edges(G):
    return {(u, v): d["positions"] for u, v, d in G.edges(data=True)}


def value_of(source, **inputs):
    G = parse(source)
    t = ad.evaluate(G, inputs)
    return {G.nodes[n]["name"]: float(t.value(n)) for n in program_of(G).outputs}


# ------------------------------------------------------------------ problem 9 structure


def test_problem9_exact_nodes_ops_and_operands():
    G = parse(PROBLEM9)
    assert ops(G) == {
        "x": ("input", ()),
        "f1": ("exp", ("x",)),
        "f2": ("pow", ("f1", "2")),
        "f3": ("add", ("f1", "f2")),
        "f4": ("exp", ("f3",)),
        "f5": ("sin", ("f3",)),
        "y": ("add", ("f4", "f5")),
    }
    assert G.nodes["2"]["op"] == "const" and G.nodes["2"]["value"] == 2.0
    assert set(G.nodes) == {"x", "f1", "2", "f2", "f3", "f4", "f5", "y"}
    assert program_of(G).inputs == ("x",) and program_of(G).outputs == ("y",)
    assert program_of(G).order == ("x", "f1", "2", "f2", "f3", "f4", "f5", "y")


def test_problem9_edges_carry_argument_positions():
    G = parse(PROBLEM9)
    assert edges(G) == {
        ("x", "f1"): (0,), ("f1", "f2"): (0,), ("2", "f2"): (1,), ("f1", "f3"): (0,),
        ("f2", "f3"): (1,), ("f3", "f4"): (0,), ("f3", "f5"): (0,), ("f4", "y"): (0,),
        ("f5", "y"): (1,),
    }


def test_bare_expression_output_is_y_and_same_graph():
    G1, G2 = parse(PROBLEM9), parse(PROBLEM9.split("=", 1)[1])
    assert ops(G1) == ops(G2) and edges(G1) == edges(G2)


def test_order_is_topological_and_names_complete_order():
    G = parse("y = sin(x*w) + cos(x*w) / (w - 1)")
    order = program_of(G).order
    pos = {n: i for i, n in enumerate(order)}
    assert all(pos[u] < pos[v] for u, v in G.edges)
    assert ops(G) == {
        "x": ("input", ()), "w": ("input", ()),
        "f1": ("mul", ("x", "w")), "f2": ("sin", ("f1",)), "f3": ("cos", ("f1",)),
        "f4": ("sub", ("w", "1")), "f5": ("div", ("f3", "f4")), "y": ("add", ("f2", "f5")),
    }
    assert program_of(G).inputs == ("x", "w")


def test_cse_false_keeps_the_tree():
    G = parse(PROBLEM9, cse=False)
    op_counts = {}
    for _, d in G.nodes(data=True):
        op_counts[d["op"]] = op_counts.get(d["op"], 0) + 1
    # exp(x) four times, plus the outer exp; ^2 twice; the inner sum twice
    assert op_counts["exp"] == 5 and op_counts["pow"] == 2 and op_counts["sin"] == 1
    assert op_counts["add"] == 3 and op_counts["input"] == 1
    assert op_counts["const"] == 2
    assert all(G.out_degree(n) <= 1 for n in G if G.nodes[n]["op"] != "input")
    t1 = ad.reverse_mode(G, {"x": 0.5})
    t2 = ad.reverse_mode(parse(PROBLEM9), {"x": 0.5})
    assert t1.derivative("x") == pytest.approx(float(t2.derivative("x")), rel=1e-12)


def test_cse_keeps_negative_zero_apart_from_zero():
    for cse in (True, False):
        G = parse("y = 1/-0 + 0*x", cse=cse)
        assert float(ad.evaluate(G, {"x": 1.0}).value("y")) == -math.inf, cse


def test_cse_shares_same_operands_only():
    G = parse("y = x*w + w*x")  # not commutativity-aware: two products
    assert sum(d["op"] == "mul" for _, d in G.nodes(data=True)) == 2
    G = parse("y = x*w + x*w")
    assert sum(d["op"] == "mul" for _, d in G.nodes(data=True)) == 1
    assert edges(G)[("f1", "y")] == (0, 1)
    G = parse("y = x*x")
    assert edges(G) == {("x", "y"): (0, 1)}


# ------------------------------------------------------------------ the language


@pytest.mark.parametrize("source, expected", [
    ("-x^2", -9.0),
    ("-x**2", -9.0),
    ("2^3^2", 512.0),
    ("2**3**2", 512.0),
    ("(2^3)^2", 64.0),
    ("x^-1", 1 / 3),
    ("2*-x", -6.0),
    ("--x", 3.0),
    ("+x", 3.0),
    ("10 - 4 - 3", 3.0),
    ("24 / 4 / 3", 2.0),
    ("1 + 2 * 3", 7.0),
    ("(1 + 2) * 3", 9.0),
    ("1e-3 * x", 0.003),
    ("1E+1 + .5 + 2.", 12.5),
    ("x # a comment", 3.0),
    ("sig(0) + sigmoid(0)", 1.0),
    ("pow(x, 2) + square(x)", 18.0),
    ("max(x, 1) + min(x, 1)", 4.0),
    ("relu(-x) + relu(x)", 3.0),
    ("abs(-x) + sqrt(x*x)", 6.0),
    ("softplus(0)", math.log(2)),
    ("tanh(0) + tan(0) + cos(0) + log(exp(x))", 4.0),
])
def test_expression_values(source, expected):
    (value,) = value_of(source, **({"x": 3.0} if "x" in source else {})).values()
    assert value == pytest.approx(expected, rel=1e-12)


def test_unary_minus_binds_looser_than_power_in_structure():
    G = parse("y = -x^2")
    assert ops(G) == {"x": ("input", ()), "f1": ("pow", ("x", "2")), "y": ("neg", ("f1",))}
    G = parse("y = a^b^c")
    assert ops(G)["f1"] == ("pow", ("b", "c")) and ops(G)["y"] == ("pow", ("a", "f1"))


def test_rebinding_gets_distinct_ids_and_display_name():
    G = parse("c = x * 2\nc = c + 1\nc = c * c\n")
    assert ops(G) == {"x": ("input", ()), "c#1": ("mul", ("x", "2")),
                      "c#2": ("add", ("c#1", "1")), "c": ("mul", ("c#2", "c#2"))}
    assert [G.nodes[n]["name"] for n in ("c#1", "c#2", "c")] == ["c", "c", "c"]
    assert program_of(G).outputs == ("c",)
    assert value_of("c = x * 2\nc = c + 1\nc = c * c\n", x=1.5) == {"c": 16.0}


def test_augmented_assignments():
    src = "a = x\na += 2\na -= 0.5\na *= x\na /= 4"
    G = parse(src)
    assert [G.nodes[n]["op"] for n in program_of(G).order if G.nodes[n]["op"] != "const"] == [
        "input", "id", "add", "sub", "mul", "div"]
    assert value_of(src, x=3.0) == {"a": pytest.approx((3 + 2 - 0.5) * 3 / 4)}
    G = parse("x += 1")  # augmenting an input: x is the new node, the input x#1
    assert program_of(G).outputs == ("x",) and program_of(G).inputs == ("x#1",)
    assert G.nodes["x#1"]["name"] == "x" and G.nodes["x"]["op"] == "add"


def test_several_outputs_aliases_comments_blank_lines_semicolons():
    src = """
    # a two-output program
    a = x * w   # product

    b = a          ; c = sin(a)
    d = b + c;;
    e = (a +
         w)
    """.replace("\n    ", "\n")
    G = parse(src)
    assert program_of(G).inputs == ("x", "w")
    assert program_of(G).outputs == ("d", "e")
    assert ops(G)["b"] == ("id", ("a",))
    assert ops(G)["d"] == ("add", ("b", "c"))
    assert ops(G)["e"] == ("add", ("a", "w"))
    vals = value_of(src, x=2.0, w=0.5)
    assert vals == {"d": pytest.approx(1 + math.sin(1)), "e": pytest.approx(1.5)}


def test_constant_output_and_alias_of_input():
    G = parse("y = 3")
    assert program_of(G).inputs == () and program_of(G).outputs == ("y",)
    assert ad.evaluate(G, {}).value("y") == 3.0
    G = parse("y = x")
    assert ops(G) == {"x": ("input", ()), "y": ("id", ("x",))}


def test_unnamed_intermediates_skip_user_names():
    G = parse("f1 = exp(x) + 1")
    assert "f1" in G and G.nodes["f1"]["op"] == "add"
    assert [n for n in G if G.nodes[n]["op"] == "exp"] == ["f2"]


def test_line_continuation_inside_parentheses_only():
    G = parse("y = sin(\n x\n ) * (1 +\n 2)")
    assert program_of(G).outputs == ("y",)
    with pytest.raises(GraphvizAdError) as err:
        parse("y = x +\n 2")
    assert err.value.line == 1


def test_newline_flavours():
    assert value_of("a = x\r\ny = a * 2\r\n", x=1.0) == {"y": 2.0}
    assert value_of("y = x\\\n + 1", x=1.0) == {"y": 2.0}


# ------------------------------------------------------------------ bad source

BAD = [
    # source, line, column, fragment of the message
    ("y = (x +", 1, 9, "end of input"),
    ("y = x +* 2", 1, 8, "unexpected '*'"),
    ("y = foo(x)", 1, 5, "unknown function foo"),
    ("y = x\n\n  z = foo(y)", 3, 7, "unknown function foo"),
    ("y = sin(x, 2)", 1, 5, "takes 1 argument, got 2"),
    ("y = pow(x)", 1, 5, "takes 2 arguments, got 1"),
    ("y = max()", 1, 5, "takes 2 arguments, got 0"),
    ("y = sin", 1, 5, "is a function"),
    ("y = sin*x", 1, 5, "or assign sin = … first"),
    ("y = 1e999", 1, 5, "too large"),
    ("__import__('os')", 1, 12, "Python"),
    ("y = __import__", 1, 5, "Python"),
    ("y = x; z = __class__", 1, 12, "Python"),
    ("y = x.real", 1, 6, "Python"),
    ("y = lambda x: x", 1, 12, "Python"),
    ("y = 'abc'", 1, 5, "Python"),
    ('y = "abc"', 1, 5, "Python"),
    ("y = x[i]", 1, 7, "constant integer"),
    ("y = x[0.5]", 1, 7, "must be an integer"),
    ("import os", 1, 8, "Python"),
    ("def f(x): return x", 1, 5, "Python"),
    ("y = x if x else 2", 1, 7, "Python"),
    ("y = x & 2", 1, 7, "'&'"),  # x @ 2 parses (a matrix product); see test_matmul.py
    ("y = x\nz = exp(", 2, 9, "end of input"),
    ("a = x\n  b = a $ 2", 2, 9, "'$'"),
    ("y = x\n)", 2, 1, "')'"),
    ("y = 2 x", 1, 7, "name 'x'"),
    ("y == x", 1, 4, "'='"),
]


@pytest.mark.parametrize("source, line, column, fragment", BAD)
def test_bad_source_raises_with_position_and_caret(source, line, column, fragment):
    with pytest.raises(GraphvizAdError) as info:
        parse(source)
    err = info.value
    assert (err.line, err.column) == (line, column)
    assert fragment in err.message
    text = str(err).splitlines()
    assert text[0].startswith(f"{line}:{column}: ")
    src_line = source.splitlines()[line - 1]
    assert text[1] == "  " + src_line
    assert text[2] == "  " + " " * (column - 1) + "^"


@pytest.mark.parametrize("source", ["", "   ", "# just a comment\n\n", ";;\n;"])
def test_empty_source(source):
    with pytest.raises(GraphvizAdError, match="empty source") as info:
        parse(source)
    assert (info.value.line, info.value.column) == (1, 1)
    assert str(info.value).startswith("1:1: empty source")


def test_non_text_source():
    with pytest.raises(GraphvizAdError, match="must be text"):
        parse(b"y = x")  # type: ignore[arg-type]


def test_source_size_limit(monkeypatch):
    monkeypatch.setattr(parse_module, "MAX_SOURCE_CHARS", 100)
    parse("y = " + "x+" * 40 + "x")  # 85 characters: fine
    with pytest.raises(GraphvizAdError, match=r"source too large: 105 characters \(limit 100\)"):
        parse("y = " + "x+" * 50 + "x")


def test_node_limit(monkeypatch):
    monkeypatch.setattr(parse_module, "MAX_NODES", 10)
    with pytest.raises(GraphvizAdError, match="more than 10 nodes"):
        parse("+".join(f"sin({k}*x)" for k in range(1, 20)))


# ------------------------------------------------------------------ scale


def test_50000_deep_nesting_parses_without_recursion_error():
    depth = 50_000
    G = parse("(" * depth + "x" + ")" * depth)
    assert ops(G) == {"x": ("input", ()), "y": ("id", ("x",))}
    G = parse("y = " + "sin(" * 2000 + "x" + ")" * 2000)
    assert G.number_of_nodes() == 2001
    t = ad.reverse_mode(G, {"x": 0.3})
    expected, v = 1.0, 0.3
    for _ in range(2000):
        expected *= math.cos(v)
        v = math.sin(v)
    assert float(t.derivative("x")) == pytest.approx(expected, rel=1e-9)


def test_50000_term_chain_parses_and_differentiates():
    n = 50_000
    G = parse("+".join(["x"] * n))
    assert G.number_of_nodes() == n  # x, f1..f49998, y
    assert ops(G)["f1"] == ("add", ("x", "x")) and ops(G)["y"][0] == "add"
    t = ad.reverse_mode(G, {"x": 0.25})
    assert float(t.value("y")) == n * 0.25
    assert float(t.derivative("x")) == n
    assert len(t.steps) == n - 1


def test_unclosed_deep_nesting_is_a_clear_error():
    with pytest.raises(GraphvizAdError, match="end of input"):
        parse("(" * 50_000 + "x")


def test_parse_imports_no_lark():
    code = ("import sys, importlib\nimportlib.import_module('graphviz_ad.core.parse')\n"
            "print(sorted(m for m in ('lark', 'regex') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
