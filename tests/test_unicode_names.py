"""Textbook spelling (issue 17.6): Unicode identifiers as Python allows them (β0, Ω1, σ, λ;
str.isidentifier, NFKC-normalised) and a variable named like a function when it is not
called (CS231n's ``dot = w0*x0 + w1*x1 + w2``).  Oracles: Python's own identifier rules,
lark's parser generated from the grammar, closed forms."""

from __future__ import annotations

import keyword
import math
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parser_oracle import same

import graphviz_ad as ad
from graphviz_ad import GraphvizAdError, parse
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.ops import CONSTANTS, function_names

LETTERS = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Mn", "Mc", "Nd",
                                    "Pc", "No", "So"])
TAKEN = set(function_names()) | set(CONSTANTS) | {"None", "y"}


def _usable(name: str) -> bool:
    plain = unicodedata.normalize("NFKC", name)
    return (name.isidentifier() and not keyword.iskeyword(plain)
            and not plain.startswith("__") and plain not in TAKEN)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(LETTERS, min_size=1, max_size=5))
def test_any_python_identifier_is_a_name_and_nothing_else_is(text):
    """A string is a name exactly when Python says it is an identifier; its node is
    named by its NFKC form, as Python compares identifiers; lark's parser agrees."""
    source = f"{text} = x*2\ny = {text} + 1"
    same(source)
    if _usable(text):
        G = parse(source)
        plain = unicodedata.normalize("NFKC", text)
        assert plain in G and G.nodes[plain]["op"] == "mul"
        assert float(values_at(G, {"x": 1.5})["y"]) == 4.0
    elif not text.isidentifier():
        with pytest.raises(GraphvizAdError):
            parse(source)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["β0", "Ω1", "σ", "λ", "ﬁ", "fi", "x²", "ｘ", "dot",
                                 "dot(", "sum", " = ", "+", "*", "(", ")", ",", "\n", "1",
                                 "x"]), max_size=10).map("".join))
def test_unicode_soup_matches_the_lalr_oracle(source):
    same(source)


def test_princes_greek_names_parse_differentiate_and_show_in_latex():
    G = parse("y = β0 + β1*x\nL = (y - t)^2 + λ*β1^2")
    at = {"β0": 0.5, "β1": 2.0, "x": 1.5, "t": 1.0, "λ": 0.1}
    grad = ad.reverse_mode(G, at, of="L").gradient()
    r = 0.5 + 2.0 * 1.5 - 1.0
    assert float(grad["β0"]) == pytest.approx(2 * r)
    assert float(grad["β1"]) == pytest.approx(2 * r * 1.5 + 2 * 0.1 * 2.0)
    latex = ad.latex(ad.evaluate(G, at))
    body = "\n".join(line for line in latex.splitlines() if not line.startswith("%"))
    assert r"\beta_{0}" in body and r"\lambda" in body and "β" not in body


def test_nfkc_makes_compatibility_spellings_one_name():
    G = parse("ﬁ = x*2\ny = fi + ｘ")  # the ligature is fi, the fullwidth letter is x
    assert "fi" in G and "ﬁ" not in G and ad.program_of(G).inputs == ("x",)
    G = parse("y = e\u0301 + नाम")  # a combining accent (NFC: é), a Devanagari vowel sign
    assert ad.program_of(G).inputs == ("é", "नाम")


@pytest.mark.parametrize("source, column, says", [
    ("y = x² + 1", 6, "invalid character '²' (U+00B2) in the name x²; write ^ for a power"),
    ("y = a·b", 6, "'·' (U+00B7) in the name a·b; write * for a product"),
    ("y = x−1", 6, "'−' (U+2212) in the name x−1; write - for minus"),
])
def test_a_character_python_refuses_is_one_error_at_its_column(source, column, says):
    with pytest.raises(GraphvizAdError) as err:
        parse(source)
    assert (err.value.line, err.value.column) == (1, column)
    assert says in err.value.message


def test_a_variable_may_be_named_like_a_function():
    """CS231n's neuron: the variable dot, then dot(u, v) still the function."""
    G = parse("dot = w0*x0 + w1*x1 + w2\nf = 1/(1 + exp(-dot))\nz = dot(u, v)*dot")
    at = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0, "u": [1.0, 2.0],
          "v": [3.0, 4.0]}
    assert G.nodes["dot"]["op"] == "add" and G.nodes["f7"]["op"] == "dot"
    t = ad.reverse_mode(G, at, of="f")
    s = 1 / (1 + math.exp(-1.0))
    assert float(t.value("f")) == pytest.approx(s)
    want = {"w0": -1.0, "x0": 2.0, "w1": -2.0, "x1": -3.0, "w2": 1.0}  # CS231n: dot·(1 − s)
    for name, x in want.items():
        assert float(t.derivative(name)) == pytest.approx(x * s * (1 - s))
    assert float(values_at(G, at)["z"]) == pytest.approx(11.0)
    with pytest.raises(GraphvizAdError, match=r"call it as dot\(...\), or assign dot = "):
        parse("y = dot*2")  # read before any binding: still says how to use the name


def test_the_command_line_takes_unicode_names():
    from click.testing import CliRunner

    from graphviz_ad.cli import main

    result = CliRunner().invoke(main, ["trace", "y = β0 + λ*x", "--at", "β0=1", "--at", "λ=2",
                                       "--at", "x=3", "--of", "y", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    import json

    nodes = json.loads(result.stdout)["nodes"]
    assert nodes["y"]["value"] == 7.0 and nodes["λ"]["adjoint"] == 3.0
    result = CliRunner().invoke(main, ["trace", "y = x", "--at", "x²=1"])
    assert result.exit_code == 2 and "is not a valid input name" in result.stderr
