"""Unit-level drawings: exact grid, fixed layout across frames, highlights equal brute force."""

from __future__ import annotations

import re

import pytest

from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.receptive import drawing as draw
from graphviz_ad.receptive.fields import conv, pool, receptive_field

PROBLEM6 = [conv(5, 2, padding=2, name="H1"), conv(3, padding=1, name="H2"),
            conv(5, dilation=2, padding=4, name="H3")]
NODE = re.compile(r'<g id="n_(u\d+_m?\d+)" class="node">.*?<ellipse([^>]*)/>', re.DOTALL)


def nodes(svg: str) -> dict[str, dict[str, str]]:
    """id -> ellipse attributes (cx, cy, fill, stroke, stroke-dasharray) of every unit."""
    return {m.group(1): dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(2)))
            for m in NODE.finditer(svg)}


def brute_reached(layers, sizes, top: int, unit: int) -> dict[int, set[int]]:
    """Real units of every row below (top, unit) reachable through real units: pair testing."""
    reached = {top: {unit}}
    for row in range(top, 0, -1):
        lay = layers[row - 1]
        k, s, d = lay.kernel[0], lay.stride[0], lay.dilation[0]
        left = lay.padding[0][0]
        reached[row - 1] = {i for i in range(sizes[row - 1]) for o in reached[row]
                            if 0 <= i - (o * s - left) < d * k and (i - (o * s - left)) % d == 0}
    return reached


@pytest.fixture(scope="module")
def problem6():
    return draw.rf_frames(PROBLEM6, paths=True, title="Problem 6")


def test_one_frame_per_layer_plus_bare_and_paths(problem6):
    frames, dot, field = problem6
    assert len(frames) == 1 + 3 + 1
    assert [row.receptive_field for row in field.layers] == [5, 9, 25]
    sizes = {re.search(r'<svg[^>]*width="([^"]+)" height="([^"]+)"', f.svg).groups()
             for f in frames}
    assert len(sizes) == 1
    assert "r₃ = r₂ + (k₃−1)·d₃·j₂ = 9 + (5−1)·2·2 = 25" in frames[3].caption


def test_layout_is_identical_in_every_frame(problem6):
    frames, _, _ = problem6
    first = {k: (v["cx"], v["cy"]) for k, v in nodes(frames[0].svg).items()}
    assert len(first) == 29 + 13 + 2 + 13 + 8 + 13  # rows with their padding units
    for frame in frames[1:]:
        assert {k: (v["cx"], v["cy"]) for k, v in nodes(frame.svg).items()} == first


def test_units_sit_on_an_exact_grid_with_strides_lined_up(problem6):
    pos = {k: (float(v["cx"]), float(v["cy"])) for k, v in nodes(problem6[0][0].svg).items()}
    dx = pos["u0_1"][0] - pos["u0_0"][0]
    assert dx == pytest.approx(draw.DX, abs=0.02)
    # H1 unit i is centred over input unit 2i (stride 2, kernel 5, padding 2); H3 over H2.
    for i in range(13):
        assert pos[f"u1_{i}"][0] == pytest.approx(pos[f"u0_{2 * i}"][0], abs=0.02)
        assert pos[f"u3_{i}"][0] == pytest.approx(pos[f"u2_{i}"][0], abs=0.02)
    assert len({round(y, 1) for _, y in pos.values()}) == 4


def test_highlight_in_each_frame_is_the_brute_force_cone(problem6):
    frames, _, field = problem6
    for row in field.layers:
        svg_nodes = nodes(frames[row.index].svg)
        expected = brute_reached(PROBLEM6, field.sizes, row.index, row.unit)
        for m, units in expected.items():
            for i in range(field.sizes[m]):
                fill = svg_nodes[f"u{m}_{i}"]["fill"].upper()
                lit = fill in (draw.SEEN_INPUT, draw.DEPENDENT_UNIT, draw.OUTPUT_UNIT)
                assert lit == (i in units), (row.index, m, i)
        assert svg_nodes[f"u{row.index}_{row.unit}"]["fill"].upper() == draw.OUTPUT_UNIT


def test_padding_is_dashed_and_never_lit_here(problem6):
    frames, _, _ = problem6
    pads = {k: v for k, v in nodes(frames[3].svg).items() if "_m" in k or k in
            ("u0_25", "u0_26", "u1_13")}
    assert pads and all("stroke-dasharray" in v for v in pads.values())
    assert all(v["fill"].upper() == draw.PAD_FILL for v in pads.values())


def test_paths_frame_labels_input_units_with_path_counts(problem6):
    frames, _, _ = problem6
    texts = re.findall(r'<g id="n_u0_(\d+)" class="node">.*?<text[^>]*>([^<]*)</text>',
                       frames[-1].svg, re.DOTALL)
    counts = {int(i): int(t) for i, t in texts}
    assert counts[0] == counts[24] == 1 and max(counts.values()) == 5
    assert sum(counts.values()) == 5 * 3 * 5  # k1·k2·k3 paths, none lost to padding


def test_stacked_dilation_holes_stay_unlit():
    frames, _, field = draw.rf_frames([conv(3, dilation=2, padding=2)] * 2)
    lit = {k for k, v in nodes(frames[-1].svg).items()
           if k.startswith("u0_") and v["fill"].upper() == draw.SEEN_INPUT}
    assert lit == {f"u0_{i}" for i in field.reached} and field.holes == (1, 3, 5, 7)


def test_border_unit_lights_the_padding_it_taps():
    frames, _, _ = draw.rf_frames([conv(3, padding=1)] * 2, unit=0, input_size=6)
    svg_nodes = nodes(frames[-1].svg)
    assert svg_nodes["u0_m1"]["stroke"].upper() == draw.SEEN_INPUT
    assert svg_nodes["u1_m1"]["stroke"].upper() == draw.SEEN_INPUT


@pytest.mark.parametrize("second_padding", [0, 5])
def test_unit_that_sees_only_zero_padding_draws_with_nothing_real_lit(second_padding):
    """Output unit 0 over a 1-unit input with wide padding reaches no real input unit (and, with
    padding on both layers, not even a real layer-1 unit): every frame draws, nothing real lit."""
    layers = [conv(3, padding=5), conv(3, padding=second_padding)]
    frames, _, field = draw.rf_frames(layers, unit=0, input_size=1)
    assert len(frames) == 1 + 2
    assert (field.layers[0].unit is None) == (second_padding == 5)
    assert brute_reached(layers, field.sizes, 2, 0)[0] == set()
    for frame in frames:
        assert nodes(frame.svg)["u0_0"]["fill"].upper() not in (
            draw.SEEN_INPUT, draw.DEPENDENT_UNIT, draw.OUTPUT_UNIT)
    assert nodes(frames[-1].svg)["u2_0"]["fill"].upper() == draw.OUTPUT_UNIT


def test_too_wide_or_too_deep_drawings_are_refused():
    with pytest.raises(GraphvizAdError, match="units wide"):
        draw.build([conv(3)] * 2, input_size=500)
    with pytest.raises(GraphvizAdError, match="too many to draw"):
        draw.build([conv(1)] * 20)


def test_pool_layers_draw_and_agree_with_the_arithmetic():
    layers = [conv(3, padding=1), pool(2), conv(3, padding=1)]
    frames, _, field = draw.rf_frames(layers)
    assert field == receptive_field(layers)
    assert len(frames) == 4 and "r₃ = r₂ + (k₃−1)·d₃·j₂ = 4 + (3−1)·1·2 = 8" in frames[3].caption
