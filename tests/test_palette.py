"""One home for the drawings' colours: graphviz_ad/draw/palette.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from matplotlib.colors import CSS4_COLORS

from graphviz_ad.draw import palette

DRAW = Path(palette.__file__).parent
PACKAGE = DRAW.parent
#: the modules that take every colour from the palette: drawings, plots, worksheets
USERS = [f"draw/{m}.py" for m in ("arrows", "camera", "compose", "derivative_story",
                                  "derivative_text", "derivatives", "legibility", "player")] + [
    f"receptive/{m}.py" for m in ("drawing", "drawing_grid", "drawing_labels")] + [
    f"plots/{m}.py" for m in ("charts", "style", "drawing")] + ["teach/worksheet.py"]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
NAMED = re.compile(r'(?:fill|stroke|color|bgcolor|fontcolor)="(?:white|black|grey|gray)"')


def _colourful(text: str) -> bool:
    """A hex colour, a named colour attribute, or a bare colour name (matplotlib's
    ``color="white"``)."""
    return bool(HEX.search(text) or NAMED.search(text)) or text.lower() in CSS4_COLORS


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
    strings = _code_strings((PACKAGE / module).read_text(encoding="utf-8"))
    assert not [s for s in strings if _colourful(s)]


def test_the_checker_sees_a_hard_coded_colour() -> None:
    assert _code_strings('"""#123456 in a docstring"""\nx = f\'fill="#D55E00"\'\n') == [
        'fill="#D55E00"']
    assert _code_strings('def f():\n    """#abc"""\n    return "white"\n') == ["white"]
    assert [_colourful(s) for s in ("white", "#999", "color:#111}td", "linestyle", "-",
                                    "none", "x = 1")] == [True, True, True] + [False] * 4


def test_each_colour_is_defined_once() -> None:
    """No two roles spell the same colour twice: a shared colour is one name aliased."""
    source = (DRAW / "palette.py").read_text(encoding="utf-8")
    literals = [s.upper() for s in _code_strings(source) if HEX.fullmatch(s)]
    assert len(literals) == len(set(literals))
    assert palette.BACKGROUND == palette.WHITE and palette.CAMERA_WINDOW == palette.VERMILLION
    assert set(palette.FILL_OF) == set(palette.BORDER_OF) == {"pending", "value", "active",
                                                              "done"}


def test_plots_and_worksheets_show_the_palettes_colours() -> None:
    """What the roles reach: the plot cycle, the curve colours, the worksheet page."""
    import matplotlib.pyplot as plt

    from graphviz_ad.plots import charts as plots
    from graphviz_ad.plots.style import figure
    from graphviz_ad.teach.worksheet import PAGE_CSS

    fig, ax = figure()
    cycle = [c["color"] for c in plt.rcParams["axes.prop_cycle"]]
    plt.close(fig)
    assert cycle == list(palette.PLOT_CYCLE) == [palette.BLUE, palette.ORANGE, palette.GREEN,
                                                 "#CC79A7", palette.SKY, palette.VERMILLION,
                                                 "#F0E442", "#000000"]  # Okabe & Ito's order
    assert plots.CURVE_COLOURS == (palette.BLUE, palette.VERMILLION, palette.GREEN,
                                   palette.PINK, palette.SKY)
    assert {f"color:{palette.INK}", f"solid {palette.RULE}",
            f"color:{palette.BLANK_TEXT}"} <= set(re.findall(r"color:#\w+|solid #\w+", PAGE_CSS))
    assert palette.DESCENT_PATH == palette.ACTIVE and palette.COMPARED_PATH == palette.VALUE
    assert palette.PATH_START == palette.DONE and palette.SHEET_EDGE == palette.PENDING_BORDER
