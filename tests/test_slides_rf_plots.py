"""Issue 10's legibility floor for receptive-field frames and plots, measured with the project's
own :mod:`graphviz_ad.draw.legibility` at 1920 px wide (a 16:9 slide).

Floors: unit labels of a receptive-field drawing (the numbers in the circles: a Graphviz node
group ``n_u…``) are held to 24 px, the issue's figure for them (item 6), where the general node
floor is 28 px; every other text (row labels, title, legend, caption, and all plot text) is held
to 28 px.  Nothing may be clipped and no two texts may collide.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.draw.legibility import FLOOR_PX, Metrics, measure
from graphviz_ad.receptive import drawing as draw
from graphviz_ad.receptive.fields import conv
from graphviz_ad.receptive.spec import load_stack_spec

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
UNIT_FLOOR = 24.0  # rf unit labels (issue 10, item 6)
STACKS = sorted(p for p in GRAPHS.glob("*.toml") if "[[layers]]" in p.read_text()
                or "preset" in p.read_text())


def rf_problems(m: Metrics) -> list[str]:
    """What keeps a receptive-field frame below the floor: unit labels < 24 px, any other
    text < 28 px, clipping, collisions."""
    out = []
    for t in m.texts:
        floor = UNIT_FLOOR if (t.group or "").startswith("n_u") else FLOOR_PX["other"]
        if t.px < floor:
            out.append(f"{t.text!r} {t.px:.1f} px < {floor:g}")
    return out + [f"clipped {c!r}" for c in m.clipped] + [f"collision {c}" for c in m.collisions]


@pytest.fixture(scope="module", params=[(p.stem, paths) for p in STACKS
                                        for paths in (False, True)], ids=str)
def stack_frames(request):
    """Frames as ``rf FILE --slide 16:9 [--paths]`` draws them (the legend and the last
    frame differ with --paths)."""
    name, paths = request.param
    spec = load_stack_spec(GRAPHS / f"{name}.toml")
    try:
        frames, _, field = draw.rf_frames(spec.layers, spec.unit, spec.input_size,
                                          paths=paths, title=spec.title, aspect=16 / 9)
    except GraphvizAdError as err:  # wavenet: 1024 units wide, text only by design
        assert "units wide" in str(err)
        pytest.skip(f"{name}: too wide to draw ({err})")
    return name, frames, field


def test_every_rf_frame_of_every_stack_meets_the_floor(stack_frames):
    name, frames, _ = stack_frames
    for i, frame in enumerate(frames):
        m = measure(frame.svg)
        assert m.canvas_px == (1920, 1080)
        assert rf_problems(m) == [], (name, i)


def test_the_stacks_drawn_are_the_homework_ones():
    assert {p.stem for p in STACKS} >= {"problem4", "problem5", "problem6", "dilation-holes"}


def fills(svg: str) -> dict[str, tuple[str, str]]:
    """unit id -> (fill, stroke) of its circle."""
    found = re.findall(r'<g id="n_(u\d+_m?\d+)" class="node">.*?<ellipse fill="([^"]+)" '
                       r'stroke="([^"]+)"', svg, re.DOTALL)
    return {k: (f.upper(), s.upper()) for k, f, s in found}


def lit_edges(svg: str) -> int:
    return len(re.findall(r'<g id="h_[^"]*" class="edge">.*?<path fill="none" stroke="#0072B2"',
                          svg, re.DOTALL))


PROBLEM5 = [conv(7, padding=3, name=f"H{i}") for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def problem5():
    return draw.rf_frames(PROBLEM5, paths=True, aspect=16 / 9)


def test_output_unit_is_marked_from_frame_zero_on(problem5):
    frames, _, field = problem5
    assert sum(f == draw.OUTPUT_UNIT for f, _ in fills(frames[0].svg).values()) == 1
    for frame in frames:
        assert fills(frame.svg)[f"u3_{field.unit}"][0] == draw.OUTPUT_UNIT


def test_a_crowded_frame_keeps_only_the_top_units_edges_over_a_shaded_span(problem5):
    frames, _, _ = problem5
    # frame 1: 7 lit edges, all drawn; frames 2 and 3 would light 56 and 147 (a hairball):
    # only the 7 of that frame's top unit stay, the span is a band
    assert [lit_edges(f.svg) for f in frames] == [0, 7, 7, 7, 7]
    for level, frame in enumerate(frames[1:4], start=1):
        bands = re.findall(r'<polygon fill="([^"]+)" stroke="none" points="([^"]+)"',
                           frame.svg.split('<g id="bands">')[1].split("</g>")[0])
        shown = [pts for fill, pts in bands if fill.upper() == draw.BAND]
        assert len(shown) == 1 and len(shown[0].split()) == 4 * (level + 1)


def test_the_grey_mesh_steps_back_in_band_frames(problem5):
    frames, _, _ = problem5
    idle = [set(re.findall(r'<g id="e_[^"]*" class="edge">.*?<path fill="none" stroke="([^"]+)"',
                           f.svg, re.DOTALL)) for f in frames]
    assert idle == [{draw.IDLE_EDGE}] * 2 + [{draw.FAINT_EDGE}] * 3


def test_a_legend_heading_moves_to_the_row_of_what_it_heads():
    from graphviz_ad.draw.compose import _legend_rows

    legend = [("#111111", "a" * 20), ("", "heading:"), ("#222222", "1"), ("#333333", "2")]
    rows = _legend_rows(legend, inner=260, fs=14)  # the heading fits, "1" does not
    assert [[text for _, text, _ in row] for row in rows] == [["a" * 20], ["heading:", "1", "2"]]


def test_path_counts_get_one_swatch_each_on_a_purple_ramp(problem5):
    frames, _, field = problem5
    scale = draw.count_scale([1, 3, 6, 10, 15, 21, 28, 33, 36, 37])
    assert [label for label, _, _ in scale] == ["1", "3", "6", "10", "15", "21", "28", "33",
                                                "36", "37"]
    colours = [fill for _, fill, _ in scale]
    assert len(set(colours)) == 10 and draw.OUTPUT_UNIT not in colours
    lightness = [sum(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in colours]
    assert lightness == sorted(lightness, reverse=True)  # light to dark, in count order
    last = fills(frames[-1].svg)
    assert last["u0_0"][0] == colours[0] and last[f"u0_{field.unit}"][0] == colours[-1]
    for label, fill, _ in scale:  # every swatch is in the legend, labelled with its count
        assert re.search(rf'fill="{fill}" stroke="#444444"/><text[^>]*>{label}</text>',
                         frames[0].svg)


def test_dilation_holes_are_marked_as_holes():
    spec = load_stack_spec(GRAPHS / "dilation-holes.toml")
    frames, _, field = draw.rf_frames(spec.layers, paths=True, aspect=16 / 9)
    last = fills(frames[-2].svg)
    holes = {k for k, (f, s) in last.items() if s == draw.HOLE and k.startswith("u0_")}
    assert holes == {f"u0_{i}" for i in field.holes} == {"u0_1", "u0_3", "u0_5", "u0_7"}
    ring = r'fill="#FFFFFF" stroke="#D55E00" stroke-width="3"/><text[^>]*>hole: in the span'
    assert re.search(ring, frames[0].svg)  # the legend swatch looks like the mark


# ----------------------------------------------------------------------------------- plots
def _plot_specs():
    from graphviz_ad.core.source import graph_file

    for path in sorted(GRAPHS.glob("*.toml")):
        if "[[plots]]" in path.read_text():
            for k, spec in enumerate(graph_file(path).plots, start=1):
                yield pytest.param(path, spec, id=f"{path.stem}-{k}-{spec['kind']}")


@pytest.mark.parametrize("path,spec", list(_plot_specs()))
def test_every_plot_meets_the_floor_at_16_9(tmp_path, path, spec):
    from graphviz_ad.plots.drawing import draw_table

    out = tmp_path / "plot.svg"  # text kept as text (svg.fonttype none), so it is measured
    draw_table(path, spec, out, "16:9")
    m = measure(out.read_text())
    assert m.canvas_px == (1920, 1080)
    assert m.min_px["other"] >= FLOOR_PX["other"]
    assert (m.clipped, m.collisions) == ([], [])


def test_the_cost_plot_meets_the_floor_too(tmp_path):
    import graphviz_ad as ad
    from graphviz_ad.core.calculus import cost
    from graphviz_ad.plots.charts import cost_plot

    out = tmp_path / "cost.svg"
    cost_plot(cost(ad.parse("y = sum(W*x)"), {"W": [1.0] * 40, "x": [2.0] * 40}), out,
              program="y = Σ W·x", slide="16:9")
    m = measure(out.read_text())
    assert m.min_px["other"] >= FLOOR_PX["other"] and (m.clipped, m.collisions) == ([], [])


def test_every_plot_kind_is_in_the_graph_files():
    from graphviz_ad.plots.drawing import KINDS

    assert {p.values[1]["kind"] for p in _plot_specs()} == set(KINDS)


def _figure(monkeypatch, kind: str, graph: str, index: int = 0):
    """The matplotlib figure a graph file's plot draws (captured before it is saved)."""
    from graphviz_ad.core.source import graph_file
    from graphviz_ad.plots import charts as plots
    from graphviz_ad.plots.drawing import draw_table

    figs = []
    monkeypatch.setattr(plots, "save", lambda fig, out: figs.append(fig) or [])
    spec = [s for s in graph_file(GRAPHS / graph).plots if s["kind"] == kind][index]
    draw_table(GRAPHS / graph, spec, "x.svg", "16:9")
    fig = figs[0]
    fig.canvas.draw()
    return fig


def test_same_range_axes_have_equal_aspect_and_labelled_contours(monkeypatch):
    fig = _figure(monkeypatch, "surface", "problem7.toml")
    ax = fig.axes[0]
    box = ax.get_window_extent()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert box.width / box.height == pytest.approx((x1 - x0) / (y1 - y0), rel=0.01)  # 7 : 5
    labels = [t.get_text() for t in ax.texts]
    assert len(labels) >= 3 and all(float(t.replace("−", "-")) > 0 for t in labels)


def test_convexity_scale_is_centred_on_zero(monkeypatch):
    fig = _figure(monkeypatch, "convexity", "problem7.toml")
    mesh = fig.axes[0].collections[0]
    assert mesh.norm.vmin == pytest.approx(-mesh.norm.vmax)
    assert mesh.norm.vmax == pytest.approx(13.61, abs=0.01)  # λmin is constant: 2·eig
    assert 0.0 in list(fig.axes[1].get_yticks())
    # the constant positive map is drawn in the scale's darkest blue, not a flat mid grey
    r, g, b, _ = mesh.cmap(mesh.norm(13.61))
    assert b > 0.3 and r < 0.1


def test_jacobian_heatmap_fills_the_slide(monkeypatch):
    fig = _figure(monkeypatch, "jacobian", "problem1.toml")
    box = fig.axes[0].get_position()
    assert box.width > 0.8 and box.height > 0.8


# ---------------------------------------------------------------------------------- gallery
def test_gallery_writes_slides_by_default_and_one_line_per_graph_off_a_terminal(tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from graphviz_ad.cli import main

    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for name in ("problem9.toml", "problem4.toml"):
        (graphs / name).write_text((GRAPHS / name).read_text())
    result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(tmp_path / "r"),
                                       "--format", "png"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:2] == ["gallery: problem4.toml: 4 files", "gallery: problem9.toml: 9 files"]
    sizes = {Image.open(p).size for p in (tmp_path / "r").rglob("*.png")}
    assert sizes == {(1920, 1080)}
    result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(tmp_path / "n"),
                                       "--format", "png", "--natural-size"])
    assert result.exit_code == 0, result.output
    natural = {Image.open(p).size for p in (tmp_path / "n" / "problem9").glob("*.png")}
    assert len(natural) == 1 and natural != {(1920, 1080)}


def test_curves_colour_the_first_varied_input_and_dash_the_second(monkeypatch):
    fig = _figure(monkeypatch, "curves", "problem8.toml")
    lines = {ln.get_label(): (ln.get_color(), ln.get_linestyle()) for ln in fig.axes[0].lines}
    assert len(lines) == 6  # φ1 ∈ {0.5, 1, 3} × φ0 ∈ {0, 2}
    for phi1 in ("0.5", "1", "3"):
        a, b = lines[f"φ₁ = {phi1}, φ₀ = 0"], lines[f"φ₁ = {phi1}, φ₀ = 2"]
        assert a[0] == b[0] and a[1] != b[1]
    assert len({c for c, _ in lines.values()}) == 3
    assert "#E69F00" not in {c.upper() for c, _ in lines.values()}  # orange ≈ vermillion
