"""Random programs on a 16:9 slide: up to 16 drawn nodes they are drawn whole in every
frame; bigger ones are followed by a camera that never cuts a node and always shows the
node being computed and every node the step reads or writes."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad.core.program import program_of
from graphviz_ad.draw.derivatives import EDGE, FILL, DerivativeFrames, edge_key
from graphviz_ad.draw.legibility import below_floor, edges_through_text, measure

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
FEW = settings(max_examples=6, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
UNARY = ("sin", "exp", "tanh", "cos")
BINARY = ("+", "-", "*")
INPUTS = {"x": 0.5, "w": -1.5, "b": 0.25}


@st.composite
def scalar_programs(draw, lines: tuple[int, int]) -> str:
    """Straight-line programs: each line combines one or two earlier names."""
    names = list(INPUTS)
    out = []
    for k in range(draw(st.integers(*lines))):
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        if draw(st.booleans()):
            expr = f"{draw(st.sampled_from(UNARY))}({a})"
        else:
            expr = f"{a} {draw(st.sampled_from(BINARY))} {b}"
        out.append(f"v{k} = {expr}")
        names.append(f"v{k}")
    out.append(f"y = {' + '.join(names[-2:])}")
    return "\n".join(out)


@st.composite
def matrix_programs(draw) -> str:
    """A tanh layer ``W @ v`` then elementwise lines over vectors, summed to a scalar."""
    vectors = ["h0"]
    out = ["h0 = tanh(W @ v)"]
    for k in range(1, draw(st.integers(1, 4)) + 1):
        a, b = draw(st.sampled_from(vectors)), draw(st.sampled_from(vectors))
        expr = (f"{draw(st.sampled_from(('sin', 'tanh')))}({a})" if draw(st.booleans())
                else f"{a} {draw(st.sampled_from(BINARY))} {b}")
        out.append(f"h{k} = {expr}")
        vectors.append(f"h{k}")
    out.append(f"L = sum({vectors[-1]})")
    return "\n".join(out)


MATRIX_INPUTS = {"W": np.array([[0.5, -1.0], [0.25, 2.0], [-0.75, 0.1]]),
                 "v": np.array([1.0, -2.0])}


def _frames(program: str, inputs: dict) -> tuple[DerivativeFrames, list[str]]:
    G = ad.parse(program)
    used = {n: inputs[n] for n in program_of(G).inputs}
    builder = DerivativeFrames([ad.reverse_mode(G, used)], compact=True)
    return builder, [f.svg for f in builder.frames(aspect=16 / 9, view="auto")]


def _check_whole(builder: DerivativeFrames, svgs: list[str]) -> None:
    for svg in svgs:
        metrics = measure(svg)
        assert metrics.cut == [] and metrics.hidden == []
        assert edges_through_text(metrics) == []  # no line drawn across a node's label
        assert metrics.nodes == len(builder.nodes)  # every node, in every frame
        assert len(re.findall(r"<svg x=", svg)) == 1  # no camera, no overview


@FEW
@given(scalar_programs(lines=(3, 14)))
def test_small_scalar_programs_render_whole(program):
    builder, svgs = _frames(program, INPUTS)
    assume(4 <= len(builder.nodes) <= 16)
    _check_whole(builder, svgs)


@FEW
@given(matrix_programs())
def test_small_matrix_programs_render_whole_with_cells(program):
    builder, svgs = _frames(program, MATRIX_INPUTS)
    assume(4 <= len(builder.nodes) <= 16)
    _check_whole(builder, svgs)
    assert "W" in builder.grids and "v" not in builder.grids  # cells; a 2-vector's numbers


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scalar_programs(lines=(22, 34)))
def test_big_programs_never_cut_a_node_and_show_the_step(program):
    builder, svgs = _frames(program, INPUTS)
    assume(20 <= len(builder.nodes) <= 40)
    frames = builder.frames(aspect=16 / 9, view="auto")
    assert [f.svg for f in frames] == svgs
    for svg in svgs:  # the build-up's pages and the camera's windows alike
        metrics = measure(svg)
        assert metrics.cut == [] and metrics.clipped == []
        if '<svg id="scene"' in svg:  # a page of the build-up: whole, at the floor
            assert below_floor(metrics) == []
    states, j = [], 1  # the opening and closing are built up (or toured) around the steps
    for frame in frames:  # the story's step frames, in order, among the others
        if j < len(builder.states) - 1 and frame.caption == builder.captions[j]:
            states.append((builder.states[j], frame.svg))
            j += 1
    assert j == len(builder.states) - 1
    for state, svg in states:
        metrics = measure(svg)
        drawn = set(re.findall(r'<g id="n_([^"]+)" class="node">', svg))
        step = {n for n in builder.nodes if state[f"{n}.fill"] == FILL["active"]}
        step |= {n for u, v in builder.edges if state[edge_key(u, v) + ".color"] == EDGE["active"]
                 for n in (u, v)}
        assert step <= drawn
