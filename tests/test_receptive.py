"""Receptive-field arithmetic against homework answers, published values and brute force."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.receptive.fields import conv, pool, receptive_field, receptive_fields
from graphviz_ad.receptive.spec import preset
from graphviz_ad.receptive.text import jump_line, recurrence, recurrences
from graphviz_ad.receptive.units import cone, plain_axis

# ---------------------------------------------------------------- independent oracles


def brute_sizes(layers: list[tuple[int, int, int, int, int]], n0: int) -> list[int]:
    """Count output positions whose last tap still lies inside input + right padding."""
    sizes = [n0]
    for k, s, d, left, right in layers:
        n = sizes[-1]
        count = 0
        while count * s - left + d * (k - 1) <= n - 1 + right:
            count += 1
        sizes.append(count)
    return sizes


def brute_edges(layers, sizes):
    """All (row, unit) -> (row-1, unit) edges, found by testing every pair of units."""
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for li, (k, s, d, left, _right) in enumerate(layers):
        for o in range(sizes[li + 1]):
            for i in range(sizes[li]):
                offset = i - (o * s - left)
                if offset >= 0 and offset % d == 0 and offset // d < k:
                    edges.setdefault((li + 1, o), []).append((li, i))
    return edges


def brute_paths(layers, sizes, top: int, unit: int) -> dict[int, int]:
    """Number of paths from (top, unit) to each input unit, by depth-first enumeration."""
    edges = brute_edges(layers, sizes)
    counts: dict[int, int] = {}

    def walk(node):
        if node[0] == 0:
            counts[node[1]] = counts.get(node[1], 0) + 1
            return
        for child in edges.get(node, []):
            walk(child)

    walk((top, unit))
    return counts


def unbounded_walk(layers, unit: int) -> set[int]:
    """Input positions reached on an infinite grid (no borders, no padding constants)."""
    frontier = {unit}
    for k, s, d, left, _right in reversed(layers):
        frontier = {u * s - left + t * d for u in frontier for t in range(k)}
    return frontier


def as_tuples(field_layers) -> list[tuple[int, int, int, int, int]]:
    return [(f.kernel, f.stride, f.dilation, f.pad_left, f.pad_right) for f in field_layers]


# ---------------------------------------------------------------- homework and presets


def test_problem4_three_k3_layers_give_7():
    rf = receptive_field([conv(3, padding=1)] * 3)
    assert [row.receptive_field for row in rf.layers] == [3, 5, 7]
    assert (rf.start, rf.end, rf.input_size, rf.holes) == (0, 6, 7, ())


def test_problem5_three_k7_layers_give_19():
    rf = receptive_field([conv(7, padding="same")] * 3)
    assert [row.receptive_field for row in rf.layers] == [7, 13, 19]


def test_problem6_gives_5_9_25():
    rf = receptive_field([conv(5, 2, padding=2), conv(3, padding=1),
                          conv(5, dilation=2, padding=4)])
    assert [row.receptive_field for row in rf.layers] == [5, 9, 25]
    assert [row.jump for row in rf.layers] == [2, 2, 2]
    assert [row.effective_kernel for row in rf.layers] == [5, 3, 9]
    assert rf.reached == tuple(range(25))


def test_problem6_does_not_depend_on_padding():
    for pads in [(0, 0, 0), (2, 1, 4), ((1, 3), 0, "same")]:
        layers = [conv(5, 2, padding=pads[0]), conv(3, padding=pads[1]),
                  conv(5, dilation=2, padding=pads[2])]
        assert receptive_field(layers, input_size=80).receptive_field == 25


def test_alexnet_pool5_is_195_with_jump_32():
    rows = {row.name: row for row in receptive_field(preset("alexnet").layers).layers}
    assert (rows["pool5"].receptive_field, rows["pool5"].jump) == (195, 32)
    assert rows["conv5"].receptive_field == 163


def test_vgg16_pool5_is_212_jump_32_padding_90():
    # Distill 2019, table of receptive fields: vgg_16 212 / 32 / 90.
    last = receptive_field(preset("vgg16").layers).layers[-1]
    assert (last.name, last.receptive_field, last.jump, last.effective_padding) == \
        ("pool5", 212, 32, 90)


def test_wavenet_block_sees_1024_samples_causally():
    rf = receptive_field(preset("wavenet").layers)
    assert rf.receptive_field == 1024 and rf.end == rf.unit  # causal: ends at its own time


def test_stacked_dilations_leave_holes():
    rf = receptive_field([conv(3, dilation=2)] * 2)
    assert (rf.receptive_field, rf.reached, rf.holes) == (9, (0, 2, 4, 6, 8), (1, 3, 5, 7))


def test_pool_stride_defaults_to_kernel():
    assert pool(3).stride == (3,) and conv(3).stride == (1,)


def test_same_padding_stride1_matches_pytorch_and_stride2_matches_tf():
    # PyTorch: total d(k-1), extra on the right; TF SAME: output length ceil(n / s).
    rf = receptive_field([conv(4, padding="same")], input_size=10)
    assert (rf.layers[0].pad_left, rf.layers[0].pad_right, rf.sizes) == (1, 2, (10, 10))
    for n in range(1, 30):
        rf = receptive_field([conv(5, 2, padding="same"), conv(4, 3, padding="same")],
                             input_size=n, unit=0)
        assert rf.sizes == (n, math.ceil(n / 2), math.ceil(math.ceil(n / 2) / 3))


def test_2d_stack_gives_per_axis_results():
    layers = [conv((3, 5), stride=(1, 2)), conv(3, dilation=(1, 2))]
    rows, cols = receptive_fields(layers)
    assert rows.receptive_field == 5 and cols.receptive_field == 5 + 4 * 2
    alone = receptive_field([conv(5, stride=2), conv(3, dilation=2)])
    assert cols.layers == alone.layers


def test_1000_layer_stack_with_strides_stays_exact():
    rf = receptive_field([conv(3, 2)] * 1000)
    assert rf.receptive_field == 2 ** 1001 - 1 and rf.reached is None


@pytest.mark.parametrize("layers, size, message", [
    ([conv(5), conv(5, dilation=3)], 10, "layer 2"),
    ([conv(3, name="H1"), conv(3)], 2, "layer 1 (H1)"),
])
def test_input_too_short_names_the_layer(layers, size, message):
    with pytest.raises(GraphvizAdError, match=r"input too short: " + re.escape(message)):
        receptive_field(layers, input_size=size)


def test_unit_out_of_range_is_an_error():
    with pytest.raises(GraphvizAdError, match="out of range"):
        receptive_field([conv(3)], input_size=5, unit=3)


@pytest.mark.parametrize("kwargs", [
    {"kernel": 0}, {"kernel": 3, "stride": 0}, {"kernel": 3, "dilation": 0},
    {"kernel": 3, "padding": -1}, {"kernel": 2.5}, {"kernel": 3, "padding": "half"},
    {"kernel": True}, {"kernel": "3"}, {"kernel": (3, 5), "stride": (1, 2, 2)}])
def test_bad_layer_values_are_rejected(kwargs):
    with pytest.raises(GraphvizAdError):
        conv(**kwargs)


# ---------------------------------------------------------------- property tests

pads = st.one_of(st.integers(0, 3).map(lambda p: (p, p)),
                 st.tuples(st.integers(0, 3), st.integers(0, 3)), st.just("same"))
layer_st = st.builds(lambda k, s, d, p, kind: conv(k, s, d, padding=p) if kind == "conv"
                     else pool(k, s, padding=p),
                     st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), pads,
                     st.sampled_from(["conv", "conv", "pool"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(layer_st, min_size=1, max_size=4), st.data())
def test_formulas_match_a_walk_of_the_actual_connectivity(layers, data):
    rf0 = receptive_field(layers)  # default size: the unit's field lies inside the input
    tuples = as_tuples(rf0.layers)
    walked = unbounded_walk(tuples, rf0.unit)
    assert (min(walked), max(walked)) == (rf0.start, rf0.end)
    assert 0 <= rf0.start and rf0.end < rf0.input_size
    paths = brute_paths(tuples, list(rf0.sizes), len(layers), rf0.unit)
    assert set(paths) == walked == set(rf0.reached)
    assert set(rf0.holes) == set(range(rf0.start, rf0.end + 1)) - walked

    r = rf0.receptive_field
    n0 = data.draw(st.integers(max(1, r - 3), r + 12), label="input size")
    try:
        rf = receptive_field(layers, input_size=n0, unit=0)
    except GraphvizAdError as err:  # a short input: some layer has no output at all
        assert "input too short" in str(err)
        return
    tuples = as_tuples(rf.layers)
    assert list(rf.sizes) == brute_sizes(tuples, n0)
    unit = data.draw(st.integers(0, rf.sizes[-1] - 1), label="unit")
    rf = receptive_field(layers, input_size=n0, unit=unit)
    walked = unbounded_walk(tuples, unit)
    assert (min(walked), max(walked)) == (rf.start, rf.end)
    paths = brute_paths(tuples, list(rf.sizes), len(layers), unit)
    assert set(rf.reached) == set(paths)  # real inputs only: padding is a constant
    plain, _ = plain_axis(layers, 0, n0, unit)
    lo, counts = cone(plain, len(layers), unit)[-1]
    assert {lo + i: int(c) for i, c in enumerate(counts) if c} == paths


@settings(max_examples=200, deadline=None)
@given(st.lists(layer_st, min_size=1, max_size=4))
def test_each_row_unit_is_a_tap_of_the_one_above_and_sees_its_interval(layers):
    rf = receptive_field(layers)
    tuples = as_tuples(rf.layers)
    edges = brute_edges(tuples, list(rf.sizes))
    for below, above in zip(rf.layers, rf.layers[1:]):
        if above.unit is not None and below.unit is not None:
            assert (below.index, below.unit) in edges[(above.index, above.unit)]
    for row in rf.layers:
        if row.unit is not None:
            walked = unbounded_walk(tuples[:row.index], row.unit)
            assert (min(walked), max(walked)) == (row.start, row.end)
            assert row.end - row.start + 1 == row.receptive_field


def test_recurrence_lines_in_text_and_latex() -> None:
    """conv 3 | conv 3 stride 2 | conv 5 dilation 2: r = 1+2 = 3, 3+2 = 5, 5+4·2·2 = 21;
    j = 1, 1·2 = 2, 2·1 = 2 (by hand)."""
    rows = receptive_field([conv(3), conv(3, 2), conv(5, dilation=2)]).layers
    assert [(r.receptive_field, r.jump) for r in rows] == [(3, 1), (5, 2), (21, 2)]
    assert recurrence(rows[2], 5, 2) == "r₃ = r₂ + (k₃−1)·d₃·j₂ = 5 + (5−1)·2·2 = 21"
    assert recurrence(rows[2], 5, 2, "latex") == (
        r"r_{3} = r_{2} + (k_{3} - 1) \cdot d_{3} \cdot j_{2} = 5 + (5 - 1) \cdot 2 \cdot 2 = 21")
    assert jump_line(rows[1], 1) == "j₂ = j₁·s₂ = 1·2 = 2"
    assert jump_line(rows[1], 1, "latex") == r"j_{2} = j_{1} \cdot s_{2} = 1 \cdot 2 = 2"
    assert recurrences(receptive_field([conv(3), conv(3, 2)]))[1] == (
        "r₂ = r₁ + (k₂−1)·d₂·j₁ = 3 + (3−1)·1·1 = 5", "j₂ = j₁·s₂ = 1·2 = 2")
