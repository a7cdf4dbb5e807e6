"""Names that meant two things (issue 20): each public name below is defined in one module
only, and the old, ambiguous spellings are gone."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "graphviz_ad"
GENERATED = {"_parser_standalone.py"}

# reading a TOML file (core) vs a conv stack's spec; an option's sampled range (cli) vs the
# range a worksheet draws an input from (teach); resolving any SOURCE vs the text ones
ONE_HOME = ["read_toml_table", "load_stack_spec", "RangeParam", "InputRange",
            "parse_input_range", "load", "read_source", "load_source"]
GONE = ["load_toml", "Range"]


def definitions() -> dict[str, list[str]]:
    """Each public module-level function or class name -> the modules defining it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in GENERATED:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
                found[node.name].append(path.relative_to(PACKAGE).as_posix())
    return found


def test_each_renamed_name_has_one_home():
    found = definitions()
    assert {name: found[name] for name in ONE_HOME if len(found[name]) != 1} == {}
    assert {name: found[name] for name in GONE if found[name]} == {}


def test_load_is_the_front_ends_dispatch(tmp_path):
    """``ad.load`` is the one loader, above core, and still traces a FILE.py:NAME."""
    import graphviz_ad as ad
    from graphviz_ad.frontends.sources import load

    assert ad.load is load
    assert definitions()["load"] == ["frontends/sources.py"]
    model = tmp_path / "model.py"
    model.write_text("def f(x):\n    return x*x + 3*x\n", encoding="utf-8")
    src, G, inputs = ad.load(f"{model}:f", values={"x": 2.0})
    assert inputs == {"x": 2.0} and src.name == "model-f"
    assert ad.reverse_mode(G, inputs).derivative("x") == pytest.approx(2 * 2.0 + 3)
