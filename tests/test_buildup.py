"""A graph too big for one slide opens with the program built up a line at a time and
closes with the same pages in their final state; a line too big for a page of its own
falls back to the camera's tour of windows."""

from __future__ import annotations

import re
import shutil

import pytest

import graphviz_ad as ad
from graphviz_ad.core.nodes import node_data
from graphviz_ad.draw.buildup import line_parts, showing
from graphviz_ad.draw.derivative_story import DerivativeStory
from graphviz_ad.draw.derivatives import DerivativeFrames
from graphviz_ad.draw.legibility import below_floor, measure

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
PROBLEM2 = """r = phi0 + phi1*x - y
nll = sum(r^2)
post = nll + (phi0^2 + phi1^2)/(2*sigma^2) + log(6.283185307179586*sigma^2)
l2 = nll + lam*(phi0^2 + phi1^2)"""
AT = {"phi0": 0.5, "phi1": -0.5, "x": 1.5, "y": 0.25, "sigma": 1.0, "lam": 0.5}


def test_each_node_belongs_to_the_line_that_computes_it():
    G = ad.parse(PROBLEM2)
    story = DerivativeStory([ad.reverse_mode(G, AT, of="post")], compact=True)
    parts = line_parts(story)
    assert [p.line for p in parts] == [1, 2, 3, 4]
    assert [p.source for p in parts] == PROBLEM2.splitlines()
    defined = {n: p.line for p in parts for n in p.nodes}
    assert set(defined) == {n for n in story.nodes if G.nodes[n]["op"] != "input"}
    for n, line in defined.items():  # operands first: no node before the ones it reads
        assert all(defined.get(u, 0) <= line for u in G.predecessors(n))
    # 2*sigma^2 is on line 3 even though the constant 2 was first read on line 2
    twice = next(n for n in G if G.nodes[n]["op"] == "mul" and "2" in G.predecessors(n))
    assert defined[twice] == 3
    for p in parts:  # a line reads nodes of earlier lines and inputs, never later ones
        assert all(n not in p.nodes and defined.get(n, 0) < p.line for n in p.reads)


def test_a_line_without_a_position_gives_no_build_up():
    G = ad.parse("y = sin(x)*x")
    for n in G:
        node_data(G)[n].pop("line", None)
    assert line_parts(DerivativeStory([ad.reverse_mode(G, {"x": 1.0})], compact=True)) is None


def test_showing_keeps_the_nodes_asked_for_and_the_edges_between_them():
    body = ('<g id="n_a" class="node"><text>a</text></g>\n'
            '<g id="n_b" class="node"><text>b</text></g>\n'
            '<g id="n_c" class="node"><text>c</text></g>\n'
            '<g id="e_a~b" class="edge"><path d="M0,0"/></g>\n'
            '<g id="e_b~c" class="edge"><path d="M0,0"/></g>\n')
    kept = showing(body, {"a", "b"})
    assert re.findall(r'id="([^"]+)"', kept) == ["n_a", "n_b", "e_a~b"]


def test_problem2_pages_fill_in_a_line_at_a_time():
    G = ad.parse(PROBLEM2)
    builder = DerivativeFrames([ad.reverse_mode(G, AT, of="post")], compact=True,
                               title="problem 2")
    frames = builder.frames(aspect=16 / 9, view="auto")
    scenes = [f for f in frames if '<svg id="scene"' in f.svg]
    opening = [f for f in frames[:4]]
    assert all(f in scenes for f in opening) and '<svg id="scene"' not in frames[4].svg
    assert [f.caption.splitlines()[-1] for f in opening] == [
        f"{'The program, ' if k else ''}line {k + 1} of 4: {line}"
        for k, line in enumerate(PROBLEM2.splitlines())]
    for f in frames:
        assert below_floor(measure(f.svg)) == []
    nodes = [set(re.findall(r'<g id="n_([^"]+)" class="node">', f.svg)) for f in frames]
    parts = line_parts(builder)
    for k, part in enumerate(parts):  # each opening frame shows its line, defined
        assert set(part.nodes) | set(part.reads) <= nodes[k]
        for n in part.nodes:
            label = G.nodes[n].get("label") or G.nodes[n]["name"]
            assert f">{label} = " in frames[k].svg.replace("&#160;", " ")
    closing = scenes[len(opening):]
    assert closing and all(f in frames[-len(closing):] for f in closing)
    assert set().union(*nodes[-len(closing):]) == set(builder.nodes)  # the whole result


def test_a_line_too_big_for_a_page_falls_back_to_the_tour():
    terms = " + ".join(f"sin({k + 1}*x)*cos(w*{k + 2})" for k in range(9))
    G = ad.parse(f"y = {terms}")
    builder = DerivativeFrames([ad.reverse_mode(G, {"x": 0.5, "w": 1.5})], compact=True)
    assert len(builder.nodes) > 16
    frames = builder.frames(aspect=16 / 9, view="auto")
    assert not any('<svg id="scene"' in f.svg for f in frames)
    assert any(f.caption.startswith("The computational graph, part 2") for f in frames)
    for f in frames:
        assert measure(f.svg).cut == []
