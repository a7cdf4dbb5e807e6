"""Slides that read from the back row: every frame of every program graph at --slide 16:9
meets the legibility floor; compact labels, folded data, the follow camera, both modes,
backward arrowheads and collapsed fan-in sums."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core.formula import definition, node_label
from graphviz_ad.core.nodes import node_data
from graphviz_ad.core.ops import is_leaf
from graphviz_ad.core.program import program_of
from graphviz_ad.core.source import read_toml_table
from graphviz_ad.draw.derivatives import EDGE, DerivativeFrames
from graphviz_ad.draw.legibility import below_floor, edges_through_text, measure
from graphviz_ad.draw.node_labels import adjoint_name

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
PROGRAMS = sorted(p.name for p in GRAPHS.glob("*.toml") if "program" in read_toml_table(p))
CASES = [(name, mode) for name in PROGRAMS for mode in (None, "both")]
SVG = "{http://www.w3.org/2000/svg}"


def render_svgs(tmp_path: Path, name: str, *args: str) -> list[str]:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(GRAPHS / name), "--slide", "16:9",
                                       "--format", "svg", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return [p.read_text() for p in sorted(out.glob("*.svg"))]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str | None], list[str]]:
    tmp = tmp_path_factory.mktemp("slides")
    return {(name, mode): render_svgs(tmp / f"{name}-{mode}", name,
                                      *(["--mode", mode] if mode else []))
            for name, mode in CASES}


def test_program_graphs_are_found():
    assert {"problem2.toml", "problem8.toml", "problem9.toml", "problem10.toml"} <= set(PROGRAMS)


@pytest.mark.parametrize("name,mode", CASES)
def test_every_frame_meets_the_floor(rendered, name, mode):
    frames = rendered[(name, mode)]
    assert len(frames) >= 5
    for i, svg in enumerate(frames):
        metrics = measure(svg)
        assert below_floor(metrics) == [], (name, mode, i)
        assert metrics.min_px["node"] >= 28 and metrics.min_px.get("edge", 24) >= 24


@pytest.mark.parametrize("name,mode", CASES)
def test_no_frame_cuts_a_node_and_small_graphs_are_whole(rendered, name, mode):
    frames = rendered[(name, mode)]
    drawn: set[str] = set()  # every node some frame draws: the graph's nodes
    for i, svg in enumerate(frames):
        metrics = measure(svg)
        assert metrics.cut == [] and metrics.clipped == [], (name, mode, i)
        assert metrics.collisions == [], (name, mode, i)
        drawn |= set(node_geometry(svg))
    if len(drawn) <= 16:  # whole: no camera, every node in every frame, none hidden
        for svg in frames:
            assert len(inner_view_boxes(svg)) == 1 and set(node_geometry(svg)) == drawn
            assert measure(svg).hidden == []


@pytest.fixture(scope="module")
def every_mode(rendered, tmp_path_factory):
    """Every program graph's frames in forward, reverse and both modes (reusing the
    default-mode renders)."""
    tmp = tmp_path_factory.mktemp("modes")
    out = {}
    for name in PROGRAMS:
        for mode in ("forward", "reverse", "both"):
            out[(name, mode)] = rendered[(name, "both")] if mode == "both" else \
                render_svgs(tmp / f"{name}-{mode}", name, "--mode", mode)
    return out


@pytest.mark.parametrize("name", PROGRAMS)
def test_no_edge_runs_through_a_node_label(every_mode, name):
    for mode in ("forward", "reverse", "both"):
        for i, svg in enumerate(every_mode[(name, mode)]):
            assert edges_through_text(measure(svg)) == [], (name, mode, i)


def test_the_label_check_sees_an_edge_through_a_node_label():
    # the oracle: an edge drawn on top of the output node's label lines
    svg = next(iter(render_svgs_for("y = sin(x)*x")))
    root = ET.fromstring(svg)
    node = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "n_y")
    text = next(node.iter(f"{SVG}text"))
    x, y = float(text.get("x")), float(text.get("y"))
    path = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "edge").find(f"{SVG}path")
    path.set("d", f"M{x},{y - 60}C{x},{y - 20} {x},{y + 20} {x},{y + 60}")
    crossing = edges_through_text(measure(ET.tostring(root, encoding="unicode")))
    assert crossing and all(t.startswith("y = ") for _, t in crossing)


def render_svgs_for(program: str) -> list[str]:
    trace = ad.reverse_mode(ad.parse(program), {"x": 1.0})
    return [f.svg for f in DerivativeFrames([trace], compact=True).frames(aspect=16 / 9)]


def test_matrix_inputs_are_drawn_tight(rendered):
    # a matrix input's shape is no wider than its cells and texts need (an ellipse around
    # an HTML table is √2 as wide, its right part empty)
    last = ET.fromstring(rendered[("mlp.toml", None)][-1])
    metrics = measure(rendered[("mlp.toml", None)][-1])
    for node in ("n_W1", "n_b1", "n_W2", "n_b2"):
        group = next(g for g in last.iter(f"{SVG}g") if g.get("id") == node)
        assert group.find(f"{SVG}ellipse") is None
        shape = group.find(f"{SVG}path")
        xs = [float(v) for v in re.findall(r"(-?[0-9.]+),", shape.get("d"))]
        cells = [float(p.get("points").split(",")[0]) for p in group.iter(f"{SVG}polygon")
                 if p.get("stroke") == "transparent"]
        texts = [t.box for t in metrics.texts if t.group == node]
        assert cells and texts
        # in the graph's own units: the rightmost cell's left side and the shape's span
        assert max(xs) - max(cells) < 40 and max(cells) - min(xs) > 0.6 * (max(xs) - min(xs))


def node_geometry(svg: str) -> dict[str, list]:
    root = ET.fromstring(svg)
    return {g.get("id"): [[el.get(a) for a in ("points", "cx", "cy", "rx", "ry", "d")]
                          for el in g if el.tag != f"{SVG}text"]
            for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def inner_view_boxes(svg: str) -> list[str]:
    return re.findall(r'<svg x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" viewBox="([^"]+)"',
                      svg)


def scene_frame(svg: str) -> bool:
    """Whether a frame shows a drawing of its own (a program line of a followed graph)."""
    return '<svg id="scene"' in svg


def test_problem2_follows_the_step_on_a_fixed_layout(rendered):
    frames = [svg for svg in rendered[("problem2.toml", None)] if not scene_frame(svg)]
    # the whole graph is below the floor at 16:9, so the default view follows the step
    windows = {inner_view_boxes(svg)[0] for svg in frames}
    assert len(windows) > 3  # the camera pans
    overview = [inner_view_boxes(svg)[1] for svg in frames]
    assert len(set(overview)) == 1  # ... over one overview of the whole graph
    shapes: dict[str, list] = {}
    for svg in frames:  # nodes never move (a frame draws the nodes its window holds whole)
        for node, geometry in node_geometry(svg).items():
            assert shapes.setdefault(node, geometry) == geometry
    # data inputs x and y are folded into the nodes that read them
    assert "n_x" not in shapes and "n_y" not in shapes and "n_phi0" in shapes
    assert "data x, y read inside the nodes that use them" in rendered[("problem2.toml", None)][0]


def test_problem9_shows_whole_and_compact(rendered):
    frames = rendered[("problem9.toml", None)]
    assert all(len(inner_view_boxes(svg)) == 1 for svg in frames)  # no camera needed
    step = next(svg for svg in frames if "∂y/∂f3 = ∂y/∂f4" in svg)
    root = ET.fromstring(step)
    f3 = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "n_f3")
    # stacked: the definition, the value, the adjoint by its short name (said in the legend)
    assert [t.text for t in f3.iter(f"{SVG}text")] == ["f3 = f1 + f2", "= 4.367", "f̄3 = 78.47"]
    assert "v̄ = ∂y/∂v" in step


def test_both_modes_title_and_reverse_half(rendered):
    frames = rendered[("problem10.toml", "both")]
    titles = {re.search(r'font-weight="bold"[^>]*>([^<]+)<', svg).group(1) for svg in frames}
    assert titles == {"Homework 1, problem 10: dy/dx by forward, then reverse mode"}
    seed = next(i for i, svg in enumerate(frames) if "Reverse mode:" in svg)
    for svg in frames[seed:]:  # the reverse half: adjoints ∂y/∂f… only, no tangent ∂f…/∂x
        texts = [t.text or "" for g in ET.fromstring(svg).iter(f"{SVG}g")
                 if g.get("class") == "node" for t in g.iter(f"{SVG}text")]
        assert not [t for t in texts if re.match(r"∂f\d+/∂x", t)]
    assert any(re.match(r"∂f\d+/∂x", t.text or "") for svg in frames[:seed]
               for t in ET.fromstring(svg).iter(f"{SVG}text"))


def test_reverse_steps_draw_the_derivative_flowing_back():
    G = ad.parse("y = sin(x)*x")
    frames = DerivativeFrames([ad.reverse_mode(G, {"x": 1.0})]).frames()
    step = frames[2]  # the first step: ∂y/∂f1 through the edge f1 -> y
    root = ET.fromstring(step.svg)
    backs = {g.get("id"): el.get("fill") for g in root.iter(f"{SVG}g")
             for el in g if el.get("class") == "back"}
    assert len(backs) == len(list(G.edges)) - sum(G.nodes[u]["op"] == "const" for u, _ in G.edges)
    assert EDGE["active"] in backs.values() and "none" in backs.values()
    forward = DerivativeFrames([ad.forward_mode(G, {"x": 1.0})]).frames()
    assert all('class="back" fill="none"' in f.svg and f'class="back" fill="{EDGE["active"]}"'
               not in f.svg for f in forward)


def test_a_fan_in_past_three_terms_is_collapsed():
    program = "\n".join(f"v{i} = sin(w*{i + 1})" for i in range(30))
    program += "\ny = " + " + ".join(f"v{i}" for i in range(30))
    trace = ad.reverse_mode(ad.parse(program), {"w": 0.3})
    builder = DerivativeFrames([trace])
    last = trace.steps[-1]
    caption = builder.captions[-2]
    assert caption.startswith("∂y/∂w = Σ of 30 terms = ")
    assert caption.endswith(f"= {ad.core.number_format.fmt_number(last.result)}")
    assert caption.count(" + ") + caption.count(" − ") == 29  # every term, in the caption
    assert builder.states[-1]["w.adjoint1"] == "= Σ of 30 terms"


def test_view_whole_keeps_the_whole_graph(tmp_path):
    frames = render_svgs(tmp_path, "problem2.toml", "--view", "whole")
    assert all(len(inner_view_boxes(svg)) == 1 for svg in frames)


def test_a_followed_graph_is_built_up_a_program_line_at_a_time(rendered):
    # problem 2 (21 nodes) is followed by the camera: it opens with one frame per program
    # line, that line's nodes and the nodes it reads drawn whole on their own, and closes
    # with the same frames in their final state (so every input's derivative is shown)
    src, G, _ = ad.load(GRAPHS / "problem2.toml")
    lines = [line.strip() for line in program_of(G).source.splitlines() if line.strip()]
    for mode in (None, "both"):
        frames = rendered[("problem2.toml", mode)]
        scenes = [i for i, svg in enumerate(frames) if scene_frame(svg)]
        count = len(lines)
        assert scenes == [*range(count), *range(len(frames) - count, len(frames))]
        every = set().union(*(node_geometry(svg) for svg in frames if not scene_frame(svg)))
        assert set().union(*(node_geometry(frames[i]) for i in range(count))) == every
        data = node_data(G)
        names = [line.split("=")[0].strip() for line in lines]  # r, nll, post, l2
        for k, line in enumerate(lines):
            opening, closing = frames[k], frames[len(frames) - count + k]
            assert f"{k + 1} of {count}: {line}" in caption_text(opening)
            drawn = {n[2:] for n in node_geometry(opening)}
            # the line's result is drawn, no later line's; each node with its definition
            assert names[k] in drawn and not drawn & set(names[k + 1:])
            texts = node_texts(opening)
            for n in drawn - {n for n in G if is_leaf(data[n]["op"])}:
                assert texts[n][0] == f"{node_label(G, n)} = {definition(G, n)}"
            assert node_geometry(opening) == node_geometry(closing)  # a page a line
        last = {n: t for svg in frames[-count:] for n, t in node_texts(svg).items()}
        for name in ("phi0", "phi1", "sigma"):  # every input's derivative (lam's is 0:
            # it does not reach post, and its node stays without one, as in every frame)
            shown = next(t for t in last[name] if t.startswith(adjoint_name(name)))
            number = float(shown.split("= ")[1].replace("−", "-"))
            assert number == pytest.approx(central_difference(G, name), rel=1e-3, abs=1e-6)


def central_difference(G, name: str, h: float = 1e-6) -> float:
    """∂post/∂name of problem 2 at its inputs, by central differences (the oracle)."""
    inputs = ad.load(GRAPHS / "problem2.toml")[2]

    def post(step: float) -> float:
        return float(ad.evaluate(G, {**inputs, name: inputs[name] + step}).value("post"))

    return (post(h) - post(-h)) / (2 * h)


def caption_text(svg: str) -> str:
    """A frame's caption, its wrapped lines joined by spaces."""
    group = next(g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("class") == "caption")
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


def node_texts(svg: str) -> dict[str, list[str]]:
    root = ET.fromstring(svg)
    return {g.get("id")[2:]: [t.text or "" for t in g.iter(f"{SVG}text")]
            for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def test_the_mlp_reaches_the_floor_with_each_layer_as_one_node(rendered):
    # 14 nodes unfolded are below the floor whole; each program line as one node is not
    frames = rendered[("mlp.toml", None)]
    nodes = set(node_geometry(frames[0]))
    assert nodes == {f"n_{n}" for n in ("W1", "b1", "Z1", "H", "W2", "b2", "Z2", "L")}
    texts = " ".join(t.text or "" for t in ET.fromstring(frames[0]).iter(f"{SVG}text"))
    assert "Z1 = X @ W1 + b1" in texts and "L = mean(cross_entropy(Z2, T))" in texts


def test_a_slide_canvas_is_the_narrowest_of_its_aspect():
    # a narrow graph under a long title and long captions: wrapping them at the graph's
    # width makes the bands tall, and a canvas widened to 16:9 from there re-wraps them
    # into fewer lines; the canvas must be the narrowest that holds everything, so a graph
    # as wide as 98 % of it cannot fit a canvas that narrow
    from graphviz_ad.draw.compose import canvas_size
    captions = [" ".join(f"term{i} = {i * 0.123:.3f}" for i in range(24))] * 3
    options = {"caption_font_size": 23.4, "title": "A title long enough to wrap " * 4,
               "legend": [("#E3EEF8", "value known"), ("#FBD9C2", "computing now")] * 3,
               "aspect": 16 / 9}
    width, height = canvas_size((600.0, 500.0), captions, **options)
    assert width / height == pytest.approx(16 / 9, rel=1e-3)
    margin = 0.6 * 23.4
    narrower, _ = canvas_size((0.98 * width - 2 * margin, 500.0), captions, **options)
    assert narrower > 0.98 * width + 1e-6
