"""One home for the drawings' colours: graphviz_ad/draw/palette.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from graphviz_ad.draw import palette

DRAW = Path(palette.__file__).parent
#: the drawing modules that take every colour from the palette
USERS = ["arrows", "camera", "compose", "derivative_story", "derivative_text", "derivatives",
         "legibility", "receptive", "receptive_grid", "receptive_labels"]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
NAMED = re.compile(r'(?:fill|stroke|color|bgcolor|fontcolor)="(?:white|black|grey|gray)"')


def _code_strings(source: str) -> list[str]:
    """Every string constant of a module except docstrings (their examples may show colours)."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


@pytest.mark.parametrize("module", USERS)
def test_drawing_modules_write_no_colour_of_their_own(module: str) -> None:
    strings = _code_strings((DRAW / f"{module}.py").read_text(encoding="utf-8"))
    assert not [s for s in strings if HEX.search(s) or NAMED.search(s)]


def test_the_checker_sees_a_hard_coded_colour() -> None:
    assert _code_strings('"""#123456 in a docstring"""\nx = f\'fill="#D55E00"\'\n') == [
        'fill="#D55E00"']
    assert _code_strings('def f():\n    """#abc"""\n    return "white"\n') == ["white"]


def test_each_colour_is_defined_once() -> None:
    """No two roles spell the same colour twice: a shared colour is one name aliased."""
    source = (DRAW / "palette.py").read_text(encoding="utf-8")
    literals = [s.upper() for s in _code_strings(source) if HEX.fullmatch(s)]
    assert len(literals) == len(set(literals))
    assert palette.BACKGROUND == palette.WHITE and palette.CAMERA_WINDOW == palette.VERMILLION
    assert set(palette.FILL_OF) == set(palette.BORDER_OF) == {"pending", "value", "active",
                                                              "done"}
