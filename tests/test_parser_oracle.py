"""parse.py's hand-written parser against the oracle, lark's LALR parser generated from
language.lark (tests/lark_oracle.py): the same graph (ids, attributes, edges, order) for
every program, and for bad source the same message at the same line and column."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lark_oracle import oracle_parse
from parser_oracle import _parser_standalone, build_standalone

import graphviz_ad
from graphviz_ad import GraphvizAdError
from graphviz_ad.core.parse import parse
from graphviz_ad.core.program import program_of

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Tokens of the language (and a few that are not), glued with and without blanks.
VOCABULARY = ["x", "w", "b", "y", "a", "W", "sin", "max", "sum", "softmax", "e", "pi", "T",
              "axis", "lambda", "__x__", "0", "1", "2.5", ".5", "1e3", "2.", "1e999",
              "+", "-", "*", "/", "^", "**", "@", ".", "(", ")", "[", "]", ",", "=",
              "+=", "-=", "*=", "/=", ";", "\n", "\r\n", "\\\n", "#c\n", "$", "'", "&",
              " ", "\t", "=="]
# Fragments of valid programs, so that many draws parse.
FRAGMENTS = ["y = ", "a = ", "a += ", "sin(x)", "max(x, w)", "sum(W, axis=0)", "x^2^w",
             "-x^2", "2^-x", "W @ x", "W.T", "x[0]", "(x + w)", "softmax(W, axis=1)",
             "\n", "; ", " * ", " - ", "/", "+", "exp(a)", "sum(W, axis=(0, 1))",
             "mean(x, axis=None)", "axis=(", "None", ", 1)", "(0, ", ",)"]


def outcome(parser, source: str):
    """What parsing gives: the graph as comparable data, or the error's place and text."""
    try:
        G = parser(source)
    except GraphvizAdError as err:
        return ("error", err.line, err.column, err.message)
    return ("graph", sorted(G.nodes(data=True)), sorted(G.edges(data=True)), G.graph)


def same(source: str) -> None:
    """Equal outcomes.  One allowance: LALR(1) may or may not reduce an atom before it
    sees that the next token does not fit, so with a misused name before a syntax error
    one parser may report the name and the other the token, always the earlier one
    first; every syntax error itself is found at the same token by both."""
    ours, oracle = outcome(parse, source), outcome(oracle_parse, source)
    if ours != oracle and ours[0] == oracle[0] == "error":
        syntax = [o for o in (ours, oracle) if o[3].startswith("unexpected")]
        if len(syntax) == 1:
            other = oracle if syntax[0] is ours else ours
            assert other[1:3] <= syntax[0][1:3], (source, ours, oracle)
            return
    assert ours == oracle, (source, ours, oracle)


@SETTINGS
@given(st.lists(st.sampled_from(VOCABULARY), max_size=14).map("".join))
def test_token_soup_matches_the_lalr_oracle(source):
    same(source)


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS + VOCABULARY[:12]), max_size=12).map("".join))
def test_program_fragments_match_the_lalr_oracle(source):
    same(source)


@pytest.mark.parametrize("source", [
    "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)",
    "a = x; a += 2*a; a *= a\ny = max(a, w) @ W.T[0]",
    "y = sum(x, axis=0) + softmax(W, axis=1)[1] - -2 + +x",
    "f = (x +\n w)\n\n;; g = f ^ 2 ** x # comment\ny = f / g \\\n + e * pi",
    "y = -x^-w^2 * -3",
    "y = x.5", "y = a+=b", "y == x", "y = (sin", "y = x\n)", "y = 2(x)", "y = 1e999 $",
    "y = max(x, axis=1, w)", "f()", "y = max(,)", "y = x[", "y = x..T", "(a = 1)",
    "y = sum(A, axis=(0, 1))", "y = sum(A, axis=(0,\n 1)) + 1", "y = sum(A, axis=(0, 1) + 1)",
    "y = sum(A, axis=(0, 1)[0])", "y = (0, 1)", "y = sum((0, 1))", "y = None",
    "y = x + None", "y = sum(A, axis=None)", "y = sum(A, axis=(x, 1))", "y = sum(A, axis=(1))",
    "y = sum(A, axis=(0,))", "y = sum(A, axis=(0, 1,))", "y = sum(A, axis=(0,,))",
    "y = sum(A, axis=(,))", "y = (0,)", "y = sum(A, axis=(0,)) * 2",
])
def test_examples_match_the_lalr_oracle(source):
    same(source)


@pytest.mark.parametrize("source", [
    "y = " + "(" * 3000 + "x" + ")" * 3000,
    "y = " + "sin(" * 500 + "x" + ")" * 500,
    "y = " + "-" * 2000 + "x^" * 2000 + "w",
    "+".join(["x", "w", "2"] * 2000),
    "(" * 3000 + "x",
])
def test_deep_and_long_sources_match_the_lalr_oracle(source):
    same(source)


def test_graphs_are_identical_for_a_long_program():
    source = "\n".join(f"v{k} = sin(v{k - 1}) * w^{k % 3} + {k}" for k in range(1, 300))
    ours, oracle = parse("v0 = x\n" + source), oracle_parse("v0 = x\n" + source)
    assert nx.utils.graphs_equal(ours, oracle)
    assert program_of(ours).order == program_of(oracle).order


# -- the oracle is lark's parser for today's grammar, and only the tests have it --------------
HAS_STANDALONE = importlib.util.find_spec("lark") is not None and (
    importlib.util.find_spec("lark.tools.standalone") is not None)
needs_standalone = pytest.mark.skipif(not HAS_STANDALONE,
                                      reason="lark's stand-alone generator is not installed")


def test_oracle_records_the_grammar_it_was_built_from():
    """Editing language.lark without running tests/parser_oracle/build_standalone.py fails
    here (no lark needed)."""
    assert _parser_standalone.GRAMMAR_SHA256 == build_standalone.grammar_hash(), (
        "language.lark changed: run  python3 tests/parser_oracle/build_standalone.py")


@needs_standalone
def test_committed_oracle_is_what_the_script_generates():
    import lark  # deferred: present only with lark installed (needs_standalone)

    committed = Path(_parser_standalone.__file__).read_text(encoding="utf-8")
    if _parser_standalone.__version__ != lark.__version__:
        pytest.skip(f"the oracle was generated by lark {_parser_standalone.__version__}, "
                    f"lark {lark.__version__} is installed")
    assert build_standalone.same_parser(committed, build_standalone.generate()), (
        "stale: run  python3 tests/parser_oracle/build_standalone.py")


@needs_standalone
def test_the_freshness_check_sees_a_changed_grammar(tmp_path):
    """The comparison is not vacuous: one more operator in the grammar is another parser."""
    lines = build_standalone.GRAMMAR.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(k for k, line in enumerate(lines) if line.rstrip().endswith("-> sub"))
    changed = tmp_path / "language.lark"
    changed.write_text("".join(lines[:at + 1] + ['    | sum "%" product -> sub\n']
                               + lines[at + 1:]), encoding="utf-8")
    today = build_standalone.generate()
    assert build_standalone.same_parser(today, build_standalone.generate())
    assert not build_standalone.same_parser(today, build_standalone.generate(changed))


def test_the_package_does_not_ship_the_oracle():
    package = Path(graphviz_ad.__file__).parent
    assert not [p for p in package.rglob("*.py") if "standalone" in p.name]
    assert importlib.util.find_spec("graphviz_ad.core._parser_standalone") is None
