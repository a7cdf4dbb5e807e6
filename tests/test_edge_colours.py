"""Edge colours followed through whole animations: after the step that uses an edge, the
edge is drawn in the "used" colour in every later frame of that pass, and "active" again
only in a step that uses it again (forward and reverse, a chain and a fan-in graph).

The oracle is the trace itself: which edges each shown step's contributions run along."""

from __future__ import annotations

import html
import shutil
import xml.etree.ElementTree as ET

import pytest

import graphviz_ad as ad
from graphviz_ad.core.modes import Mode
from graphviz_ad.core.trace import Trace
from graphviz_ad.draw.derivatives import EDGE, DerivativeFrames
from graphviz_ad.draw.palette import NO_COLOUR

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
SVG = "{http://www.w3.org/2000/svg}"
PROBLEM9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"
FAN_IN = "a = x*w\nb = sin(x) + a\nc = a*b + exp(w)\ny = c + a*x"  # x, w and a fan out
CASES = [(PROBLEM9, {"x": 0.5}), (FAN_IN, {"x": 0.7, "w": -1.3})]


def edge_strokes(svg: str, back: bool = False) -> dict[str, str]:
    """Each drawn edge (``u~v``) → its line's stroke colour (``back``: the fill of its
    backward arrowhead, the one a reverse step lights)."""
    out = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        gid = html.unescape(g.get("id") or "")
        path = g.find(f"{SVG}path")
        head = next((p for p in g.iter(f"{SVG}polygon") if p.get("class") == "back"), None)
        if g.get("class") == "edge" and gid.startswith("e_") and path is not None:
            out[gid[2:]] = (head.get("fill") if head is not None else None) if back \
                else path.get("stroke")
    return out


def shown_steps(trace: Trace) -> list[set[str]]:
    """The edges (``u~v``) each frame-worthy step of a pass runs along, in frame order: a
    derivative step along its contributions (an adjoint step without any has no frame)."""
    out = []
    for step in trace.steps:
        if step.kind == "adjoint" and not step.contributions:
            continue
        out.append({f"{c.source}~{c.target}" for c in step.contributions})
    return out


def follow_pass(frames: list[dict[str, str]], steps: list[set[str]],
                idle: str = EDGE["idle"]) -> None:
    """Check one pass's frames (its seed frame, then one per step)."""
    drawn = set(frames[0])
    used: set[str] = set()
    seed, *step_frames = frames
    assert all(colour == idle for colour in seed.values()), seed
    assert len(step_frames) == len(steps)
    for frame, edges in zip(step_frames, steps):
        edges &= drawn  # contributions from constants run along no drawn edge
        for edge, colour in frame.items():
            if edge in edges:
                assert colour == EDGE["active"], (edge, frame)
            elif edge in used:
                assert colour == EDGE["used"], (edge, frame)  # used before: blue from now on
            else:
                assert colour == idle, (edge, frame)
        used |= edges


@pytest.mark.parametrize("program,at", CASES)
@pytest.mark.parametrize("compact", [False, True])
def test_used_edges_stay_used_for_the_rest_of_the_pass(program, at, compact):
    G = ad.parse(program)
    forward = ad.forward_mode(G, at, wrt="x")
    reverse = ad.reverse_mode(G, at)
    for traces in ([forward], [reverse], [forward, reverse]):
        builder = DerivativeFrames(traces, compact=compact)
        frames = [edge_strokes(f.svg) for f in builder.frames(aspect=16 / 9 if compact else None)]
        assert frames and all(frames)
        start = 1  # frame 0 opens the animation
        for trace in traces:
            steps = shown_steps(trace)
            follow_pass(frames[start:start + 1 + len(steps)], steps)
            start += 1 + len(steps)
        # the closing frame: every edge the last pass used is blue, no edge is orange
        last = shown_steps(traces[-1])
        final = frames[-1]
        assert start == len(frames) - 1
        assert EDGE["active"] not in final.values()
        assert {e for e, c in final.items() if c == EDGE["used"]} == set().union(*last) & set(final)
        if traces[-1].mode == Mode.REVERSE:
            assert set().union(*last) & set(final)  # the check above saw used edges


@pytest.mark.parametrize("program,at", CASES)
def test_backward_arrowheads_follow_each_reverse_pass(program, at):
    # two reverse passes (two outputs) on one layout: the second starts with no arrowhead
    # lit, whatever the first left behind
    G = ad.parse(program + "\nz = sin(y) * x")
    traces = [ad.reverse_mode(G, at, of="y"), ad.reverse_mode(G, at, of="z")]
    svgs = [f.svg for f in DerivativeFrames(traces, compact=True).frames(aspect=16 / 9)]
    heads = [edge_strokes(svg, back=True) for svg in svgs]
    start = 1
    for trace in traces:
        steps = shown_steps(trace)
        follow_pass(heads[start:start + 1 + len(steps)], steps, idle=NO_COLOUR)
        start += 1 + len(steps)
