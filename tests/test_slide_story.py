"""Slide frames that tell the story: the first frame shows every node with its definition,
the last every input's derivative; matrix nodes show their entries as coloured cells on
one diverging scale per node; the camera's stubs name the nodes left out."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad.core.formula import definition, node_label
from graphviz_ad.core.program import program_of
from graphviz_ad.draw.camera import Camera, Stubs, contains, node_boxes, plan_windows
from graphviz_ad.draw.derivatives import DerivativeFrames, legible
from graphviz_ad.draw.matrix_cells import MAX_CHANNELS, cell_number, channel_indices, grid_indices
from graphviz_ad.draw.node_labels import adjoint_name
from graphviz_ad.draw.palette import NO_COLOUR, NUMBERED_STRENGTH, diverging

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
SVG = "{http://www.w3.org/2000/svg}"


def node_texts(svg: str) -> dict[str, list[str]]:
    root = ET.fromstring(svg)
    return {g.get("id")[2:]: [t.text or "" for t in g.iter(f"{SVG}text")]
            for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def cell_fills(svg: str, node: str) -> list[str]:
    root = ET.fromstring(svg)
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == f"n_{node}")
    return [p.get("fill") for p in group.iter(f"{SVG}polygon") if p.get("stroke") == "transparent"]


def test_first_frame_defines_every_node_and_last_shows_every_input_derivative():
    G = ad.parse("f = exp(x) * w\ny = sin(f) + f*x")
    trace = ad.reverse_mode(G, {"x": 0.5, "w": 2.0})
    frames = DerivativeFrames([trace], compact=True).frames(aspect=16 / 9, view="auto")
    first, last = node_texts(frames[0].svg), node_texts(frames[-1].svg)
    for n in program_of(G).order:
        if G.nodes[n]["op"] not in ("input", "const"):
            assert first[n][0] == f"{node_label(G, n)} = {definition(G, n)}"
    # the oracle: dy/dx and dy/dw by central differences
    def y(x, w):
        f = np.exp(x) * w
        return np.sin(f) + f * x
    h = 1e-6
    dx = (y(0.5 + h, 2.0) - y(0.5 - h, 2.0)) / (2 * h)
    dw = (y(0.5, 2.0 + h) - y(0.5, 2.0 - h)) / (2 * h)
    for name, oracle in (("x", dx), ("w", dw)):
        line = next(t for t in last[name] if t.startswith(adjoint_name(name)))
        assert float(line.split("= ")[1].replace("−", "-")) == pytest.approx(oracle, rel=1e-3)


def test_matrix_cells_follow_a_diverging_scale_fixed_per_node():
    W = np.array([[0.5, -1.0], [0.25, 2.0], [-0.75, 0.0], [1.5, -0.5], [0.0, 1.0]])
    G = ad.parse("h = tanh(W @ v)\nL = sum(h * h)")
    trace = ad.reverse_mode(G, {"W": W, "v": np.array([1.0, -2.0])})
    builder = DerivativeFrames([trace], compact=True)
    frames = builder.frames(aspect=16 / 9, view="auto")
    assert "W" in builder.grids and grid_indices(W.shape) == ([0, 1, 2, 3, 4], [0, 1])
    assert "W" not in builder.numbered  # 5 rows: too many to write out
    # the oracle: W's value cells, row by row, on the scale max|W| = 2; its gradient
    # dL/dW = (2h ⊙ (1 − h²)) vᵀ on the scale of its own largest entry
    h = np.tanh(W @ np.array([1.0, -2.0]))
    grad = np.outer(2 * h * (1 - h ** 2), [1.0, -2.0])
    values = [diverging(x / 2.0) for x in W.flat]
    grads = [diverging(x / np.abs(grad).max()) for x in grad.flat]
    # cells not known yet are laid out (the node keeps its size) but not drawn: no empty
    # grey boxes beside a value whose derivative is still to come
    assert cell_fills(frames[0].svg, "W") == [NO_COLOUR] * 20
    assert cell_fills(frames[1].svg, "W") == values + [NO_COLOUR] * 10
    assert cell_fills(frames[-1].svg, "W") == values + grads
    known = [cell_fills(f.svg, "W")[:10] for f in frames[1:]]
    assert all(fills == values for fills in known)  # one scale frame to frame


def test_a_rank3_value_is_a_stack_of_grids_on_one_scale_per_node():
    X = np.arange(-6.0, 6.0).reshape(3, 2, 2) / 4  # 3 channels of 2×2
    G = ad.parse("L = sum(X * X)")
    trace = ad.reverse_mode(G, {"X": X})
    builder = DerivativeFrames([trace], compact=True)
    frames = builder.frames(aspect=16 / 9, view="whole")
    assert "X" in builder.grids and len(builder.cell_keys("X", "v")) == X.size
    # the oracle: numpy's channel-major order on the scale max|X|; dL/dX = 2X on its own
    values = [diverging(x / np.abs(X).max()) for x in X.flat]
    grads = [diverging(x / np.abs(2 * X).max()) for x in (2 * X).flat]
    assert cell_fills(frames[0].svg, "X") == [NO_COLOUR] * 24
    assert cell_fills(frames[-1].svg, "X") == values + grads
    assert "ℝ³ˣ²ˣ²" in node_texts(frames[-1].svg)["X"]
    # cells are laid out in every frame: the node's box is the same frame to frame
    boxes = [node_boxes(f.svg)["n_X"] for f in frames]
    assert all(b == pytest.approx(boxes[0]) for b in boxes)


def test_a_rank4_value_shows_its_first_index_pairs_then_an_ellipsis():
    K = np.linspace(-1, 1, 2 * 3 * 2 * 2).reshape(2, 3, 2, 2)
    assert channel_indices(K.shape) == [(0, 0), (0, 1), (0, 2), (1, 0)][:MAX_CHANNELS]
    G = ad.parse("L = sum(K * K)")
    trace = ad.reverse_mode(G, {"K": K})
    frames = DerivativeFrames([trace], compact=True).frames(aspect=16 / 9, view="whole")
    shown = K.reshape(-1, 2, 2)[:MAX_CHANNELS]
    values = [diverging(x / np.abs(K).max()) for x in shown.flat]
    assert cell_fills(frames[-1].svg, "K")[:len(values)] == values
    texts = node_texts(frames[-1].svg)["K"]
    assert "ℝ²ˣ³ˣ²ˣ²" in texts and texts.count("…") == 2  # value and derivative stacks


def test_a_small_matrix_keeps_its_numbers_on_lighter_cells():
    W, x = np.array([[1.0, -1.0, 2.0], [0.5, 2.0, -0.5]]), np.array([1.0, 2.0, -1.0])
    b, t = np.array([0.1, -0.2]), np.array([0.5, 1.0])
    G = ad.parse("z = W @ x + b\nL = sum((z - t)^2)")
    trace = ad.reverse_mode(G, {"W": W, "x": x, "b": b, "t": t})
    builder = DerivativeFrames([trace], compact=True)
    frames = builder.frames(aspect=16 / 9, view="whole")
    assert "W" in builder.numbered and legible(frames)
    grad = np.outer(2 * (W @ x + b - t), x)  # the closed form
    texts = node_texts(frames[-1].svg)["W"]
    for number in [cell_number(v) for v in np.concatenate([W.flat, grad.flat])]:
        assert number in texts
    assert cell_number(grad[1, 1]) == "15.2"
    values = [diverging(v / 2.0, NUMBERED_STRENGTH) for v in W.flat]
    grads = [diverging(g / np.abs(grad).max(), NUMBERED_STRENGTH) for g in grad.flat]
    assert cell_fills(frames[-1].svg, "W") == values + grads
    boxes = [node_boxes(f.svg)["n_W"] for f in frames]  # numbers to come keep their room
    assert all(box == pytest.approx(boxes[0]) for box in boxes)


def test_numbers_that_would_push_a_graph_below_the_floor_fall_back_to_plain_cells():
    rng = np.random.default_rng(0)
    G = ad.parse("L = sum(tanh(tanh(A @ B) @ C) @ D)")
    trace = ad.reverse_mode(G, {n: rng.normal(size=(4, 4)) for n in "ABCD"})
    builder = DerivativeFrames([trace], compact=True)
    frames = builder.frames(aspect=16 / 9, view="whole")
    assert len(builder.numbered) == 9 and legible(frames)
    assert cell_number(trace.value("A")[0, 0]) not in node_texts(frames[-1].svg)["A"]
    A = trace.value("A")
    assert cell_fills(frames[-1].svg, "A")[:16] == [diverging(a / np.abs(A).max())
                                                    for a in A.flat]
    builder._numbers = True  # the oracle: the same search with the numbers misses the floor
    _, reaches_floor = builder._search(16 / 9, wrap=True)
    assert not reaches_floor


def test_a_bias_is_a_row_and_a_per_example_vector_a_column():
    G = ad.parse("Z = X @ W + b\nL = sum(logsumexp(Z, axis=-1))")
    trace = ad.reverse_mode(G, {"X": np.ones((5, 2)), "W": np.ones((2, 3)),
                                "b": np.array([0.1, 0.2, 0.3])})
    builder = DerivativeFrames([trace], compact=True)
    assert builder.cells("b") == ([0], [0, 1, 2])  # added across the rows of X @ W
    column = next(n for n in builder.grids if np.shape(trace.value(n)) == (5,))
    assert builder.cells(column) == ([0, 1, 2, 3, 4], [0])


def test_windows_hold_the_focus_in_whole_node_steps():
    boxes = [(0, 0, 40, 10), (50, 0, 90, 10), (100, 0, 140, 10), (150, 0, 190, 10)]
    (window,) = plan_windows([(100, 0, 140, 10)], (190, 30), (100, 30), boxes)
    assert contains(window, boxes[2])
    assert sum(contains(window, b) for b in boxes) == 2  # two whole nodes, none cut


def test_a_node_left_out_is_named_where_its_edge_leaves_the_window():
    body = ('<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(0 0)">'
            '<g id="n_a" class="node"><polygon points="10,10 50,10 50,30 10,30 10,10"/>'
            '<text x="30" y="25" font-size="14">a</text></g>'
            '<g id="n_b" class="node"><polygon points="150,10 190,10 190,30 150,30 150,10"/>'
            '<text x="170" y="25" font-size="14">b</text></g>'
            '<g id="e_a~b" class="edge"><path d="M50,20C80,20 120,20 150,20"/></g></g>')
    boxes = {"n_a": (10, 10, 50, 30), "n_b": (150, 10, 190, 30)}
    camera = Camera((100, 40), [], (1.0, 0.0, 0.0), (0, 0), (100, 40), boxes,
                    Stubs({"e_a~b": ("n_a", "n_b")}, {"n_b": "b-node"}, 14))
    shown = camera.view(body, (0, 0, 100, 40))
    assert 'id="n_b"' not in shown and 'id="n_a"' in shown  # drawn whole or not at all
    stub = re.search(r'<g id="stub_e_a~b" class="edge"><circle cx="([0-9.]+)"', shown)
    assert stub and 95 <= float(stub.group(1)) <= 100  # at the window's right edge
    assert ">b-node</text>" in shown
