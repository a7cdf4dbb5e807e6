"""Every example in graphs/ loads, and its derivatives agree with finite differences."""

from __future__ import annotations

from pathlib import Path

import pytest

import graphviz_ad as ad
from graphviz_ad.core.source import read_toml_table
from graphviz_ad.explain.check import check_derivatives
from graphviz_ad.receptive.fields import receptive_fields
from graphviz_ad.receptive.spec import load_stack_spec

GRAPHS = sorted((Path(__file__).resolve().parents[1] / "graphs").glob("*.toml"))
PROGRAMS = [p for p in GRAPHS if "program" in read_toml_table(p)]
STACKS = [p for p in GRAPHS if p not in PROGRAMS]


def test_every_homework_problem_has_a_graph_file():
    names = {p.stem for p in GRAPHS}
    assert {f"problem{i}" for i in range(1, 11)} <= names


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_program_files_differentiate_correctly(path):
    src, G, inputs = ad.load(path)
    assert src.title, "every graph file says in its title what it shows"
    of = src.settings.get("of")
    trace = ad.reverse_mode(G, inputs, of=of)
    assert not trace.flagged  # no nan/inf at the file's own point
    report = check_derivatives(G, inputs, tolerance=1e-5)
    assert report.ok, report.worst


@pytest.mark.parametrize("path", STACKS, ids=lambda p: p.stem)
def test_conv_stack_files_compute(path):
    spec = load_stack_spec(path)
    assert spec.title
    fields = receptive_fields(spec.layers, spec.unit, spec.input_size)
    assert all(f.receptive_field >= 1 for f in fields)
