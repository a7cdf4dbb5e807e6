"""Spec parsing: --layer strings, TOML graph files, presets and text reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.receptive.fields import conv, pool, receptive_fields
from graphviz_ad.receptive.spec import PRESETS, load_stack_spec, parse_layer, parse_toml, preset
from graphviz_ad.receptive.text import TEXT_FORMATS, to_json

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"


@pytest.mark.parametrize("text, expected", [
    ("k=5,s=2", conv(5, 2)),
    ("kernel=5,stride=2,dilation=1,padding=0", conv(5, 2)),
    ("k=3,d=2,p=same,n=H3", conv(3, dilation=2, padding="same", name="H3")),
    ("k=3,p=1:2", conv(3, padding=(1, 2))),
    ("k=3,p=(1,2)", conv(3, padding=(1, 2))),
    ("k=3,p=valid", conv(3)),
    ("pool,k=2", pool(2)),
    ("type=pool,k=3,s=2", pool(3, 2)),
    ("t=pool,k=3", pool(3, 3)),
    ("k=3x5,s=(1,2)", conv((3, 5), (1, 2))),
    ("k=(3,5),p=(1:2,0)", conv((3, 5), padding=((1, 2), 0))),
    (" K = 3 , P = 1 ", conv(3, padding=1)),
])
def test_layer_strings(text, expected):
    assert parse_layer(text) == expected


@pytest.mark.parametrize("text, message", [
    ("k=3,k=5", "given twice"), ("k=3,foo", "expected key=value"), ("k=3,t=dense", "kind"),
    ("k=3x5,s=(1,2,3)", "disagree"), ("k=3,p=(1,2,3)", "one entry per axis"),
])
def test_bad_layer_strings(text, message):
    with pytest.raises(GraphvizAdError, match=message):
        parse_layer(text, 4)


def test_graph_files_parse_with_titles_and_hints():
    for n, answer in [(4, 7), (5, 19), (6, 25)]:
        spec = load_stack_spec(GRAPHS / f"problem{n}.toml")
        assert spec.title.startswith(f"Problem {n}") and spec.name == f"problem{n}"
        assert spec.render["slide"] == "16:9"
        assert receptive_fields(spec.layers)[0].receptive_field == answer


def test_toml_preset_unit_input_size_and_2d_lists():
    spec = parse_toml('title = "t"\npreset = "alexnet"\nunit = 2\ninput_size = 227\n')
    assert spec.unit == [2] and spec.input_size == [227] and len(spec.layers) == 8
    spec = parse_toml('[[layers]]\nkernel = [3, 5]\npadding = [[1, 1], 2]\n'
                      '[[layers]]\nkind = "pool"\nkernel = 2\n')
    assert spec.layers[0] == conv((3, 5), padding=((1, 1), 2)) and spec.layers[1] == pool(2)


@pytest.mark.parametrize("source, message", [
    ('title = "t"\n', "no layers"),
    ('foo = 1\n[[layers]]\nkernel = 3\n', "unknown key 'foo'"),
    ('[render]\ncolour = "red"\n[[layers]]\nkernel = 3\n', "[render] accepts only"),
    ('preset = "vgg16"\n[[layers]]\nkernel = 3\n', "either preset or"),
    ('unit = "a"\n[[layers]]\nkernel = 3\n', "unit must be an integer"),
    ('[[layers]]\nkernel = 3.5\n', "kernel must be an integer"),
    ('[[layers]]\nkernel = 3\npadding = -2\n', "padding must be at least 0"),
])
def test_bad_toml(source, message):
    with pytest.raises(GraphvizAdError, match=message.replace("[", r"\[")):
        parse_toml(source, "x.toml")


def test_presets_all_compute_and_report():
    for name in PRESETS:
        fields = receptive_fields(preset(name).layers)
        for fmt in TEXT_FORMATS.values():
            assert fmt(fields, name).strip()


def test_json_lists_reached_and_holes():
    doc = json.loads(to_json(receptive_fields([conv(3, dilation=2)] * 2), "holes"))
    assert doc["reached"] == [0, 2, 4, 6, 8] and doc["holes"] == [1, 3, 5, 7]
    assert doc["layers"][1]["padding"] == [0, 0] and doc["layers"][1]["effective_kernel"] == 5
