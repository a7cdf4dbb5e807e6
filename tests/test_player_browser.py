"""The HTML player in headless Chromium: keys step, caption and counter follow, no network."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from graphviz_ad.draw import writers
from graphviz_ad.draw.compose import compose_frames
from graphviz_ad.draw.template import SlotDot, SvgTemplate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium missing (apt-get install chromium)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing"),
]


@contextmanager
def opened(page_file: Path, requests: list[str]) -> Iterator[Any]:
    """``page_file`` in headless Chromium (1280x720), every request recorded."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install playwright)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            yield page
        finally:
            browser.close()


def player_file(out: Path) -> Path:
    slots = SlotDot()
    fill = slots.color("b.fill", "white")
    label = slots.label("n_b", ["b", ("b.v", ["?", "2.50"])])
    dot = ('digraph { node [id="n_\\N", style=filled, fontname="DejaVu Sans"]; '
           f'a -> b; b [fillcolor="{fill}", label={label}] }}')
    tpl = SvgTemplate.layout(dot, slots)
    frames = compose_frames(tpl, [{}, {"b.fill": "#ffd54f"}, {"b.v": "2.50"}],
                            ["start", "b lights up", "∂y/∂b = 2.50"], 400)
    return writers.write_frames(frames, out, "player", ["html"], title="demo")["html"][0]


def test_keys_step_through_frames(tmp_path: Path) -> None:
    page_file = player_file(tmp_path)
    requests: list[str] = []
    with opened(page_file, requests) as page:
        assert page.text_content("#caption") == "start"
        assert page.text_content("#counter") == "step 1 / 3"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.text_content("#caption") == "∂y/∂b = 2.50"
        assert page.text_content("#counter") == "step 3 / 3"
        assert page.input_value("#slider") == "3"
        assert "2.50" in page.inner_html("#stage")
        box = page.locator("#stage > svg").bounding_box()
        assert box is not None and 0 < box["width"] <= 1280 and 0 < box["height"] <= 720
        page.screenshot(path=str(tmp_path / "player.png"))
        page.keyboard.press("ArrowLeft")
        assert page.text_content("#caption") == "b lights up"
        page.keyboard.press("Home")
        page.keyboard.press(" ")  # play: 400 ms per frame
        page.wait_for_function("document.getElementById('counter').textContent"
                               " === 'step 3 / 3'", timeout=5000)
    assert (tmp_path / "player.png").stat().st_size > 0
    assert all(url.startswith("file://") for url in requests), requests


def test_quiz_asks_first_then_reveals(tmp_path: Path) -> None:
    """Problem 9 in quiz mode: a wrong answer is diagnosed, a right one accepted, and each
    step's frame is shown only after its number was given."""
    import math

    from click.testing import CliRunner

    from graphviz_ad.cli import main

    graph = Path(__file__).resolve().parents[1] / "graphs" / "problem9.toml"
    result = CliRunner().invoke(main, ["render", str(graph), "--format", "html", "--quiz",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page_file = tmp_path / "problem9-reverse-quiz.html"
    f3 = math.exp(0.5) + math.exp(1.0)
    adjoint_f3 = math.exp(f3) + math.cos(f3)  # ∂y/∂f3 by hand: both paths
    requests: list[str] = []
    with opened(page_file, requests) as page:
        assert page.is_hidden("#quiz")
        page.keyboard.press("ArrowRight")  # the seed frame asks nothing
        assert page.is_hidden("#quiz")
        for _ in range(2):  # ∂y/∂f5 = 1 and ∂y/∂f4 = 1
            page.keyboard.press("ArrowRight")
            assert page.is_visible("#quiz")
            page.keyboard.press("ArrowRight")  # typing: keys do not step past it
            page.fill("#answer", "1")
            page.press("#answer", "Enter")
            assert page.text_content("#feedback").startswith("✓ right")
        page.keyboard.press("ArrowRight")  # ∂y/∂f3: asked before it is drawn
        assert page.text_content("#ask") == "∂y/∂f3 = ?"
        assert page.text_content("#caption") == ""
        counter = page.text_content("#counter")
        page.fill("#answer", f"{math.exp(f3):.4f}")  # one fan-out path only
        page.press("#answer", "Enter")
        feedback = page.text_content("#feedback")
        assert feedback.startswith("✗") and "missing a term" in feedback
        assert "(2 / 3 right)" in feedback
        assert page.text_content("#caption").startswith("∂y/∂f3 = ")  # revealed
        assert page.text_content("#counter") == counter
        page.keyboard.press("ArrowRight")  # ∂y/∂f2 = ∂y/∂f3
        page.fill("#answer", f"{adjoint_f3:.5g}")
        page.press("#answer", "Enter")
        assert page.text_content("#feedback").startswith("✓ right")
        assert "(3 / 4 right)" in page.text_content("#feedback")
        page.keyboard.press("ArrowLeft")  # answered steps are simply shown again
        assert page.is_hidden("#quiz")
        assert page.text_content("#caption").startswith("∂y/∂f3 = ")
    assert all(url.startswith("file://") for url in requests), requests


NUMERALS = ["1.65", "-3e2", "−0.5", ".5", "5.", "0e400", "1e" + "9" * 5000, "100e309",
            "1e308", "1.5e-400", "١٢", "１２", "1_000", "nan", "Infinity", "0x10", "", " 2 ",
            "+.5e-3", "1" * 61, "9" * 60, "1e-0005", "12.50", "e5", "."]


def test_quiz_parser_agrees_with_grade(tmp_path: Path) -> None:
    """The quiz page reads a number as ``grade`` does: same accepted texts, values, digits
    and half-units; 100e309 is refused, never graded right as Infinity."""
    from click.testing import CliRunner
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from graphviz_ad.cli import main
    from graphviz_ad.teach.answers import AnswerError, parse_answer

    graph = Path(__file__).resolve().parents[1] / "graphs" / "problem9.toml"
    result = CliRunner().invoke(main, ["render", str(graph), "--format", "html", "--quiz",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    requests: list[str] = []
    with opened(tmp_path / "problem9-reverse-quiz.html", requests) as page:
        def agree(text: str) -> None:
            js = page.evaluate("t => window.graphvizAdQuiz.parse(t)", text)
            try:
                py = parse_answer(text, "a")
            except AnswerError:
                py = None
            if py is None or py.value.ndim:
                assert js is None or text.strip().startswith("["), (text, js)
                return
            assert js is not None, text
            assert float(js["value"]) == float(py.value), text
            assert js["figures"] == int(py.figures), text
            half = float(py.half_unit)
            assert float(js["half"]) == pytest.approx(half, rel=1e-12), text

        for text in NUMERALS:
            agree(text)
        numeral = st.from_regex(r"[+\-−]?[0-9]{0,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,6})?",
                                fullmatch=True)
        given(st.one_of(numeral, st.text(max_size=12)))(
            settings(max_examples=150, deadline=None, database=None)(agree))()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")  # ∂y/∂f5 = 1 is asked
        page.fill("#answer", "100e309")
        page.press("#answer", "Enter")
        assert page.text_content("#feedback").startswith("type a number")
        page.fill("#answer", "1")
        page.press("#answer", "Enter")
        assert page.text_content("#feedback").startswith("✓ right")
