"""The explorer page in headless Chromium: every graph file's numbers, recomputed in the
page at random inputs, equal Python's passes; steps show ``trace``'s symbols; editing a
matrix cell moves every parameter's derivative; the check button agrees; no network."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphviz_ad.core import jsrules
from graphviz_ad.core.passes import run_passes
from graphviz_ad.draw.explorer import explorer_html
from graphviz_ad.explain import steps as step_text
from graphviz_ad.frontends.sources import load
from graphviz_ad.workflow.render_file import graph_file_kind

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
PROGRAMS = sorted(p for p in GRAPHS.glob("*.toml") if graph_file_kind(p) == "program")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium missing (apt-get install chromium)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright not installed (pip install playwright)")
    with sync_api.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_page(browser: Any, path: Path, requests: list[str]) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert not errors, errors
    return page


def written(tmp_path: Path, graph: Path) -> tuple[Path, Any, Any, dict[str, Any]]:
    src, G, inputs = load(str(graph))
    path = tmp_path / f"{graph.stem}.html"
    path.write_text(explorer_html(G, inputs, data=src.data_inputs), encoding="utf-8")
    return path, src, G, inputs


def same(js: Any, py: Any, scale: float) -> bool:
    """Equal within 1e-12 relative, plus 1e-12 of the quantity's scale (rounding of sums
    of larger terms)."""
    js, py = np.asarray(js, dtype=float), np.asarray(py, dtype=float)
    return js.shape == py.shape and bool(np.allclose(js, py, rtol=1e-12, atol=1e-12 * scale,
                                                     equal_nan=True))


def scale_of(numbers: dict[str, Any]) -> float:
    finite = [np.max(np.abs(v[np.isfinite(v)])) for v in map(np.asarray, numbers.values())
              if np.any(np.isfinite(v))]
    return max([1.0, *finite])


def random_point(inputs: dict[str, Any], parameters: list[str], src: Any,
                 rng: np.random.Generator) -> dict[str, Any]:
    point = dict(inputs)
    ranges = dict(_ranges(src))
    for name in parameters:
        value = np.asarray(inputs[name], dtype=float)
        if value.ndim == 0:
            lo, hi = ranges.get(name, (float(value) - 1.0, float(value) + 1.0))
            point[name] = float(rng.uniform(lo, hi))
        else:
            point[name] = value + rng.normal(0.0, 0.5, value.shape)
    return point


def _ranges(src: Any) -> list[tuple[str, tuple[float, float]]]:
    from graphviz_ad.teach.variants import parse_input_range

    out = []
    for text in src.variants.get("vary", []):
        r = parse_input_range(text)
        out.append((r.name, (r.low, r.high)))
    return out


@pytest.mark.parametrize("graph", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_page_numbers_equal_python(tmp_path: Path, browser: Any, graph: Path) -> None:
    path, src, G, inputs = written(tmp_path, graph)
    requests: list[str] = []
    page = open_page(browser, path, requests)
    missing = jsrules.unsupported_ops({d["op"] for _, d in G.nodes(data=True)} - {"input", "const"})
    if missing:  # conv graphs: named on the page, Python's numbers shown, inputs locked
        assert not page.evaluate("window.explorer.live")
        shown = page.text_content("#fallback")
        assert page.is_visible("#fallback") and all(op in shown for op in missing)
        forward, reverse = run_passes(G, inputs, "both", data=src.data_inputs)
        adjoints = page.evaluate("window.explorer.adjoints()")
        py = {n: reverse.graph.nodes[n]["adjoint"] for n in adjoints}
        assert all(same(adjoints[n], py[n], scale_of(py)) for n in adjoints)
        page.close()
        return
    assert page.evaluate("window.explorer.live"), page.evaluate("window.explorer.unsupported")
    parameters = [n for n in inputs if n not in src.data_inputs]
    rng = np.random.default_rng(sum(map(ord, graph.stem)))
    for _ in range(3):
        point = random_point(inputs, parameters, src, rng)
        for name in parameters:
            value = point[name]
            page.evaluate("([n, v]) => window.explorer.setInput(n, v)",
                          [name, np.asarray(value).tolist()])
        assert page.evaluate("window.explorer.error()") is None
        forward, reverse = run_passes(G, point, "both", data=src.data_inputs)
        values = page.evaluate("window.explorer.values()")
        tangents = page.evaluate("window.explorer.tangents()")
        adjoints = page.evaluate("window.explorer.adjoints()")
        py_values = {n: forward.graph.nodes[n]["value"] for n in values}
        py_tangents = {n: forward.graph.nodes[n]["tangent"] for n in values}
        py_adjoints = {n: reverse.graph.nodes[n]["adjoint"] for n in values}
        for js, py in ((values, py_values), (tangents, py_tangents), (adjoints, py_adjoints)):
            scale = scale_of(py)
            wrong = [n for n in js if not same(js[n], py[n], scale)]
            assert not wrong, [(n, js[n], py[n]) for n in wrong]
    rows = page.evaluate("window.explorer.check()")  # the page's own central differences
    assert rows and [r["what"] for r in rows if not r["ok"]] == []
    for kind, trace, box in (("tangent", forward, "#forward-formula"),
                             ("adjoint", reverse, "#reverse-formula")):
        for step in trace.steps:  # each node's step: the symbols `trace` prints
            node = page.locator(f"[id='n_{step.node}']")
            if node.count():
                node.click()
            else:
                page.evaluate("n => window.explorer.select(n)", step.node)
            assert page.text_content(box) == step_text.formula(step), (kind, step.node)
    page.close()
    assert all(url.startswith("file://") for url in requests), requests


def test_clicking_a_node_shows_traces_step(tmp_path: Path, browser: Any) -> None:
    path, src, G, inputs = written(tmp_path, GRAPHS / "problem9.toml")
    forward, reverse = run_passes(G, inputs, "both", data=src.data_inputs)
    page = open_page(browser, path, [])
    for step in reverse.steps:
        page.click(f"#n_{step.node}")
        assert page.text_content("#panel-node") == forward.graph.nodes[step.node]["name"]
        assert page.text_content("#reverse-formula") == step_text.formula(step)
    f3 = next(s for s in reverse.steps if s.node == "f3")
    page.click("#n_f3")
    terms = page.locator("#reverse-step li").all_text_contents()
    assert [t.partition(" = ")[0] for t in terms] == ["∂y/∂f4·∂f4/∂f3", "∂y/∂f5·∂f5/∂f3"]
    page.hover("#reverse-step li >> nth=0")
    assert page.evaluate("Array.from(document.querySelectorAll('g.edge.hl')).map(g => g.id)"
                         ) == ["e_f3~f4"]
    page.hover("[id='e_f3~f4']")  # an edge: its local derivative
    assert page.text_content("#tip") == "∂f4/∂f3 = exp(f3) = 78.81"
    numbers = page.text_content("#reverse-numbers")
    # symbols, numbers, result as `trace`
    assert f"{step_text.formula(f3)} {numbers}" == step_text.equation(f3)
    page.close()


def test_slider_moves_every_number(tmp_path: Path, browser: Any) -> None:
    path, src, G, inputs = written(tmp_path, GRAPHS / "problem9.toml")
    page = open_page(browser, path, [])
    page.fill("#box-x", "0.3")
    page.dispatch_event("#box-x", "input")
    x = 0.3
    f1 = math.exp(x)
    f3 = f1 + f1 ** 2
    expected = (math.exp(f3) + math.cos(f3)) * (1 + 2 * f1) * f1  # dy/dx by hand
    adjoints = page.evaluate("window.explorer.adjoints()")
    assert adjoints["x"] == pytest.approx(expected, rel=1e-12)
    assert page.input_value("#slider-x") == "0.3"
    assert "= 1.35" in page.inner_html("#graph")  # f1 = e^0.3 = 1.350 in its node
    page.close()


def test_matrix_cell_moves_every_parameters_derivative(tmp_path: Path, browser: Any) -> None:
    path, src, G, inputs = written(tmp_path, GRAPHS / "mlp.toml")
    page = open_page(browser, path, [])
    before = page.evaluate("window.explorer.adjoints()")
    cell = page.locator("#grid-W1 input").nth(1)
    cell.fill("0.7")
    cell.dispatch_event("change")
    after = page.evaluate("window.explorer.adjoints()")
    point = {**inputs, "W1": np.asarray(inputs["W1"], dtype=float).copy()}
    point["W1"][0, 1] = 0.7
    reverse = run_passes(G, point, "reverse", data=src.data_inputs)[0]
    for name in ("W1", "b1", "W2", "b2"):
        assert not np.allclose(before[name], after[name])
        assert np.allclose(after[name], reverse.graph.nodes[name]["adjoint"], rtol=1e-12,
                           atol=1e-14)
    page.close()


def test_outside_the_domain_is_nan_and_marked(tmp_path: Path, browser: Any) -> None:
    from graphviz_ad.core.parse import parse

    G = parse("y = log(x) + x")
    path = tmp_path / "log.html"
    path.write_text(explorer_html(G, {"x": 2.0}), encoding="utf-8")
    page = open_page(browser, path, [])
    page.evaluate("window.explorer.setInput('x', -1)")
    assert math.isnan(page.evaluate("window.explorer.values()")["y"])
    assert page.locator("g.node.nan").count() >= 2
    page.click("#n_y")
    assert "outside the function's domain" in page.text_content("#value")
    page.close()


def test_check_button_agrees_with_central_differences(tmp_path: Path, browser: Any) -> None:
    """One row per derivative of each pass (every node's adjoint, every node's tangent),
    all agreeing; a wrong adjoint (planted in the page) is caught."""
    path, src, G, inputs = written(tmp_path, GRAPHS / "linear-layer.toml")
    forward, reverse = run_passes(G, inputs, "both", data=src.data_inputs)
    page = open_page(browser, path, [])
    page.click("#check")
    assert page.locator("#checks tr.ok").count() == len(reverse.steps) + len(forward.steps)
    assert page.locator("#checks tr.bad").count() == 0
    page.evaluate("window.explorer.setInput('b', [100, -3])")
    rows = page.evaluate("window.explorer.check()")
    assert rows and all(r["ok"] for r in rows)
    assert {r["what"] for r in rows if r["mode"] == "reverse"} == {
        step_text.node_symbol(reverse, s.node) for s in reverse.steps}
    page.close()


def test_check_catches_a_wrong_rule(tmp_path: Path, browser: Any) -> None:
    from graphviz_ad.core.parse import parse

    page_html = explorer_html(parse("y = sin(x)*x"), {"x": 1.0})
    wrong = page_html.replace('v["y"] = R.call("cos", [e["a"]]', 'v["y"] = R.call("sin", [e["a"]]')
    assert wrong != page_html  # sin's partial, compiled: now wrong
    path = tmp_path / "wrong.html"
    path.write_text(wrong, encoding="utf-8")
    page = open_page(browser, path, [])
    bad = [r["what"] for r in page.evaluate("window.explorer.check()") if not r["ok"]]
    assert bad and "∂y/∂x" in bad
    page.close()


def test_step_controls_walk_the_slides_frames(tmp_path: Path, browser: Any) -> None:
    from graphviz_ad.draw.derivative_story import FILL, DerivativeStory

    path, src, G, inputs = written(tmp_path, GRAPHS / "problem9.toml")
    reverse = run_passes(G, inputs, "reverse")[0]
    story = DerivativeStory([reverse])
    page = open_page(browser, path, [])
    page.select_option("#mode", "reverse")
    page.keyboard.press("ArrowRight")  # from the last frame: stays
    assert page.text_content("#counter") == f"step {len(story.states)} / {len(story.states)}"
    for _ in range(len(story.states)):
        page.keyboard.press("ArrowLeft")
    for state in story.states:
        active = [n for n in story.nodes if state[f"{n}.fill"] == FILL["active"]]
        fills = page.evaluate("""() => Array.from(document.querySelectorAll('g.node'))
            .map(g => [g.id.slice(2), g.querySelector('[data-slot-fill]')
            .getAttribute('fill')])""")
        shown = {n: fill for n, fill in fills}
        assert {n: shown[n] for n in story.nodes} == {n: state[f"{n}.fill"] for n in story.nodes}
        if active:
            assert page.text_content("#panel-node") == reverse.graph.nodes[active[0]]["name"]
        page.keyboard.press("ArrowRight")
    page.close()


def test_ops_without_javascript_fall_back_to_pythons_numbers(
        tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An op the runtime lacks (as a new primitive would be) is named on the page, whose
    numbers are then Python's and whose inputs are locked: never silently wrong."""
    from graphviz_ad.core import jsrules
    from graphviz_ad.core.autodiff import reverse_mode
    from graphviz_ad.core.parse import parse

    monkeypatch.setattr(jsrules, "RUNTIME_OPS", jsrules.RUNTIME_OPS - {"sin"})
    G = parse("y = sin(x)*x")
    path = tmp_path / "fallback.html"
    path.write_text(explorer_html(G, {"x": 1.0}), encoding="utf-8")
    page = open_page(browser, path, [])
    assert not page.evaluate("window.explorer.live")
    assert "sin" in page.text_content("#fallback") and page.is_visible("#fallback")
    assert page.is_disabled("#slider-x")
    adjoints = page.evaluate("window.explorer.adjoints()")
    assert adjoints["x"] == pytest.approx(float(reverse_mode(G, {"x": 1.0}).derivative("x")),
                                          rel=1e-15)
    page.close()


PROGRAMS_BY_OP = [  # every kind of op, broadcasting and repeated operands, in whole programs
    ("s = softmax(Z, axis=0)\nm = mean(Z * s, axis=1)\nL = sum(m^2) + logsumexp(Z)",
     {"Z": (3, 4)}),
    ("y = dot(a, b) + sum(outer(a, b) * W) + a[1]*max(a[0], b[2]) + min(relu(a[2]), abs(b[0]))",
     {"a": (3,), "b": (3,), "W": (3, 3)}),
    ("z = A.T @ v + c\nL = sum(sqrt(z*z + 1)) / 2 + sum(sigmoid(A) * 2) + "
     "mean(cross_entropy(A, T))", {"A": (3, 2), "v": (3,), "c": (), "T": "onehot"}),
    ("h = x*x + x^3 - exp(-x)/x\ny = softplus(h) * tan(x) + log(h^2) + square(x) - "
     "sign(x)*step(x)", {"x": ()}),
]


@pytest.mark.parametrize("text, shapes", PROGRAMS_BY_OP, ids=range(len(PROGRAMS_BY_OP)))
def test_every_kind_of_op_runs_in_the_page(tmp_path: Path, browser: Any, text: str,
                                           shapes: dict[str, Any]) -> None:
    from graphviz_ad.core.parse import parse

    G = parse(text)
    rng = np.random.default_rng(len(text))

    def point() -> dict[str, Any]:
        return {n: (np.eye(2)[[0, 1, 1]] if s == "onehot" else
                    rng.uniform(0.2, 1.5, s) if s else float(rng.uniform(0.2, 1.5)))
                for n, s in shapes.items()}

    data = {n for n, s in shapes.items() if s == "onehot"}
    path = tmp_path / "ops.html"
    path.write_text(explorer_html(G, point(), data=data), encoding="utf-8")
    page = open_page(browser, path, [])
    assert page.evaluate("window.explorer.live")
    for _ in range(3):
        at = point()
        for name in shapes:
            if name not in data:
                page.evaluate("([n, v]) => window.explorer.setInput(n, v)",
                              [name, np.asarray(at[name]).tolist()])
        at.update({n: np.eye(2)[[0, 1, 1]] for n in data})
        forward, reverse = run_passes(G, at, "both", data=data)
        for attribute, trace, read in (("value", forward, "values"),
                                       ("tangent", forward, "tangents"),
                                       ("adjoint", reverse, "adjoints")):
            js = page.evaluate(f"window.explorer.{read}()")
            py = {n: trace.graph.nodes[n][attribute] for n in js}
            scale = scale_of(py)
            wrong = [n for n in js if not same(js[n], py[n], scale)]
            assert not wrong, (attribute, [(n, js[n], py[n]) for n in wrong])
    page.close()


def test_forward_mode_by_another_input(tmp_path: Path, browser: Any) -> None:
    """The wrt switch: tangents, symbols and steps of forward mode by b, as Python's."""
    from graphviz_ad.core.autodiff import forward_mode

    path, src, G, inputs = written(tmp_path, GRAPHS / "linear-layer.toml")
    page = open_page(browser, path, [])
    assert page.evaluate("Array.from(document.querySelectorAll('#wrt option'))"
                         ".map(o => o.value)") == ["W", "b"]
    page.select_option("#wrt", "b")
    page.select_option("#mode", "forward")
    by_b = forward_mode(G, inputs, wrt="b")
    tangents = page.evaluate("window.explorer.tangents()")
    for n, value in tangents.items():
        assert np.allclose(value, by_b.graph.nodes[n]["tangent"], rtol=1e-12, atol=1e-14), n
    for step in by_b.steps:
        page.evaluate("n => window.explorer.select(n)", step.node)
        assert page.text_content("#forward-formula") == step_text.formula(step)
    assert "∂L/∂b·1 = " in page.inner_html("#graph")  # the output's tangent label by b
    page.close()
