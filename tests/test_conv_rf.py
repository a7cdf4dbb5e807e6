"""Issue 21, deliverable 5: the receptive field read off the gradient (the inputs with
∂unit/∂x ≠ 0, weights set to ones) equals the arithmetic one (Araujo et al.) on the
homework problems, MobileNet v1 (315), ResNet-50 (427, residual branches and a max-pool)
and random stacks; its values are the path counts of the unit-level walk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from graphviz_ad.cli import main
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.parse import parse
from graphviz_ad.core.program import program_of
from graphviz_ad.receptive.fields import conv, pool, receptive_fields
from graphviz_ad.receptive.gradient import Comparison, compare, compare_stack, stack_program
from graphviz_ad.receptive.networks import NETWORKS
from graphviz_ad.receptive.spec import load_stack_spec
from graphviz_ad.receptive.units import cone, plain_axis

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _numbers(c):
    a, g = c.arithmetic[0], c.gradient[0]
    return ((a.receptive_field, a.layers[-1].jump, a.start, a.end),
            (g.size, g.jump, g.start, g.end))


def _paths_agree(layers, c):
    """∂unit/∂x's values are the unit-level walk's path counts (units.cone)."""
    a, g = c.arithmetic[0], c.gradient[0]
    plain, unit = plain_axis(layers, 0, a.input_size, a.unit)
    lo, counts = cone(plain, len(layers), unit)[-1]
    walked = np.zeros(a.input_size)
    walked[lo:lo + len(counts)] = counts
    np.testing.assert_array_equal(g.counts, walked)


@pytest.mark.parametrize("name, expected", [
    ("problem4", (7, 1, 0, 6)), ("problem5", (19, 1, 0, 18)), ("problem6", (25, 2, 0, 24)),
    ("dilation-holes", None)])
def test_homework_stacks_agree_both_ways(name, expected):
    spec = load_stack_spec(GRAPHS / f"{name}.toml")
    c = compare_stack(spec.layers, spec.unit, spec.input_size)
    arithmetic, gradient = _numbers(c)
    assert c.agree() and arithmetic == gradient
    assert expected is None or arithmetic == expected
    assert c.gradient[0].reached == tuple(c.arithmetic[0].reached)  # holes included
    _paths_agree(spec.layers, c)


@pytest.mark.parametrize("name, size, jump", [("mobilenet_v1", 315, 32), ("resnet50", 427, 32)])
def test_networks_written_as_programs_agree_both_ways(name, size, jump):
    text, values = NETWORKS[name]()
    G = parse(text)
    c = compare(G, values, program_of(G).outputs[0])
    arithmetic, gradient = _numbers(c)
    assert c.agree()
    assert arithmetic[:2] == gradient[:2] == (size, jump)
    assert arithmetic[2:] == gradient[2:]


def test_resnet_paths_count_every_branch():
    """The shortcuts add paths the widest path alone does not have: the path counts of the
    whole program exceed those of its main path, with the same support."""
    text, values = NETWORKS["resnet50"]()
    G = parse(text)
    whole = compare(G, values, program_of(G).outputs[0])
    main_path = compare_stack(whole_layers := [*_layers_of(whole)])
    assert main_path.gradient[0].size == whole.gradient[0].size == 427
    assert whole.gradient[0].counts.max() > main_path.gradient[0].counts.max()
    assert len(whole_layers) == 2 + 16 * 1 + 0  # stem, pool, one 3-wide conv per block


def _layers_of(c):
    from graphviz_ad.receptive.fields import make_layer

    for row in c.arithmetic[0].layers:
        if row.kernel > 1 or row.stride > 1:  # the 1-wide convs change no field
            yield make_layer(row.kernel, row.stride, row.dilation,
                             (row.pad_left, row.pad_right), row.kind)


LAYER = st.one_of(
    st.builds(lambda k, s, d, p: conv(k, s, d, p), st.integers(1, 5), st.integers(1, 3),
              st.integers(1, 3), st.integers(0, 2)),
    st.builds(lambda k, s, p: pool(k, s, min(p, k // 2)), st.integers(1, 3),
              st.integers(1, 3), st.integers(0, 1)))


@settings(max_examples=40, deadline=None)
@given(layers=st.lists(LAYER, min_size=1, max_size=6), extra=st.integers(0, 9))
def test_random_stacks_agree_both_ways(layers, extra):
    try:
        plain, unit = plain_axis(layers, 0)
        (field,) = receptive_fields(layers, None, plain.sizes[0] + extra)
    except GraphvizAdError:
        return  # no output for the default input: nothing to compare
    if not field.reached:
        return  # the unit reads only padding: there is no field either way
    c = compare_stack(layers, None, [plain.sizes[0] + extra])
    assert c.agree(), _numbers(c)
    _paths_agree(layers, c)


def test_a_program_file_reports_both_ways_on_the_cli():
    result = run("rf", GRAPHS / "conv1d.toml", "--map", "y", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["receptive_field"] == 4 and doc["gradient"]["agree"] is True
    (axis,) = doc["gradient"]["axes"]
    assert (axis["receptive_field"], axis["jump"], axis["start"], axis["end"]) == (4, 2, 0, 3)
    assert axis["paths"] == [2.0, 4.0, 4.0, 2.0]  # 2 channels in the middle: 2 × (1, 2, 2, 1)
    table = run("rf", GRAPHS / "cnn.toml")
    assert table.exit_code == 0, table.output
    assert "The arithmetic and the gradient agree." in table.stdout


def test_a_stack_reports_the_gradient_on_request():
    result = run("rf", "--layer", "k=3,d=2", "--layer", "k=3,d=2", "--gradient")
    assert result.exit_code == 0, result.output
    assert "0     gradient    9     1     [0, 8]" in result.stdout
    assert "agree" in result.stdout
    assert "gradient" not in run("rf", "--layer", "k=3").stdout  # off unless asked


@pytest.mark.parametrize("args, words", [
    (["rf", GRAPHS / "cnn.toml", "--map", "L"], ["flatten", "not flatten"]),
    (["rf", "--layer", "k=2,p=1:0", "--gradient"], ["not the same on both sides"]),
    (["rf", GRAPHS / "problem9.toml"], ["no conv1d/conv2d"]),
])
def test_what_has_no_receptive_field_is_one_clear_error(args, words):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    for word in words:
        assert word in first, (word, first)


def test_stack_program_text():
    text, values = stack_program([conv(5, 2, padding=2), pool(2), conv(3, dilation=2)])
    assert text == ("h1 = relu(conv1d(x, w1, stride=2, padding=2))\nh2 = maxpool1d(h1, "
                    "kernel=2)\nh3 = relu(conv1d(h2, w3, dilation=2))")
    assert {k: v.shape for k, v in values.items()} == {"w1": (1, 1, 5), "w3": (1, 1, 3)}


@pytest.mark.parametrize("name, size", [("mobilenet_v1", 315), ("resnet50", 427)])
def test_network_presets_give_the_published_fields_both_ways(name, size):
    """The presets (main paths) agree with the programs with every shortcut."""
    from graphviz_ad.receptive.spec import preset

    c = compare_stack(preset(name).layers)
    assert c.agree() and c.arithmetic[0].receptive_field == c.gradient[0].size == size
    result = run("rf", "--preset", name, "--gradient", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["receptive_field"] == size and doc["gradient"]["agree"] is True


def test_a_field_too_wide_for_the_gradient_is_one_line():
    result = run("rf", "--layer", "k=2,d=1000000000000", "--gradient")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "needs an input of 1×1000000000001" in result.stderr.splitlines()[0]
    assert run("rf", "--layer", "k=2,d=1000000000000").exit_code == 0  # arithmetic: fine


def test_the_unit_drawing_is_made_from_a_program(tmp_path):
    result = run("rf", GRAPHS / "conv1d.toml", "--map", "y", "--format", "svg,table",
                 "--out", tmp_path)
    assert result.exit_code == 0, result.output
    frames = sorted(tmp_path.glob("conv1d-*.svg"))
    assert len(frames) == 3  # the input, then f1 and y growing on it
    assert "y: conv" in frames[-1].read_text(encoding="utf-8")


PAIR = st.tuples(st.integers(1, 3), st.integers(1, 3))
LAYER_2D = st.one_of(
    st.builds(lambda k, s, d: conv(k, s, d, (k[0] // 2, k[1] // 2)), PAIR, PAIR, PAIR),
    st.builds(lambda k: pool(k), PAIR))


@settings(max_examples=15, deadline=None)
@given(layers=st.lists(LAYER_2D, min_size=1, max_size=3))
def test_random_2d_stacks_agree_both_ways_on_each_axis(layers):
    try:
        fields = receptive_fields(layers)
    except GraphvizAdError:
        return
    if not all(f.reached for f in fields):
        return
    c = compare_stack(layers)
    assert c.agree(), [(_numbers(Comparison((a,), (g,)))) for a, g in
                       zip(c.arithmetic, c.gradient)]
    assert [g.size for g in c.gradient] == [a.receptive_field for a in c.arithmetic]


def test_markdown_has_both_ways_too():
    result = run("rf", GRAPHS / "conv1d.toml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "| 0 | gradient | 4 | 2 | [0, 3] |" in result.stdout
    assert "The arithmetic and the gradient agree." in result.stdout
