"""The HTML player in headless Chromium: keys step, caption and counter follow, no network."""

from __future__ import annotations

import shutil
from pathlib import Path

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
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install playwright)")
    page_file = player_file(tmp_path)
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
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
        finally:
            browser.close()
    assert (tmp_path / "player.png").stat().st_size > 0
    assert all(url.startswith("file://") for url in requests), requests
