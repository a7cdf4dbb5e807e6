"""A graph's metadata is one frozen Program; modes are one StrEnum."""

from __future__ import annotations

import dataclasses
import json

import networkx as nx
import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad.core.errors import GraphvizAdError
from graphviz_ad.core.modes import Mode
from graphviz_ad.core.passes import pass_modes
from graphviz_ad.core.program import Program, program_of


def test_parse_attaches_one_program_and_nothing_else():
    G = ad.parse("y = x*w + x\nz = y^2")
    assert list(G.graph) == ["program"]
    P = program_of(G)
    assert P == Program(inputs=("x", "w"), order=("x", "w", "f1", "y", "2", "z"),
                        outputs=("z",), source="y = x*w + x\nz = y^2")
    assert set(P.order) == set(G.nodes)


def test_a_copy_shares_a_program_nobody_can_change():
    G = ad.parse("y = sin(x)")
    H = G.copy()
    assert program_of(H) == program_of(G)
    with pytest.raises(dataclasses.FrozenInstanceError):
        program_of(H).inputs = ("q",)  # type: ignore[misc]


def test_gradient_graph_records_what_it_differentiates():
    Gg = ad.gradient_graph(ad.parse("L = x*w"), of="L", wrt=["x", "w"])
    P = program_of(Gg)
    assert (P.gradient_of, P.gradient_wrt, P.outputs) == ("L", ("x", "w"), ("∂L/∂x", "∂L/∂w"))
    assert P.inputs == ("x", "w")


@pytest.mark.parametrize("graph", [nx.DiGraph(), "y = x", None])
def test_a_graph_not_built_here_is_one_clear_error(graph):
    with pytest.raises(GraphvizAdError, match="expected a graph from graphviz_ad.parse"):
        program_of(graph)
    with pytest.raises(GraphvizAdError, match="parse the source first"):
        ad.evaluate(graph, {})


def test_modes_are_their_text():
    assert [str(m) for m in Mode] == ["evaluate", "forward", "reverse", "both"]
    trace = ad.forward_mode(ad.parse("y = x^2"), {"x": 3.0})
    assert trace.mode == "forward" and trace.mode is Mode.FORWARD
    assert json.loads(ad.to_json(trace))["mode"] == "forward"
    assert pass_modes("both") == [Mode.FORWARD, Mode.REVERSE]
    with pytest.raises(GraphvizAdError, match="choose one of evaluate, forward, reverse, both"):
        pass_modes("sideways")


def test_a_plotted_node_value_is_formatted_like_every_other_value():
    """The grid minimum's legend shows the loss the way traces and reports do (fmt_number)."""
    import matplotlib.pyplot as plt

    from graphviz_ad.core.number_format import fmt_number
    from graphviz_ad.plots.charts import _mark_minimum

    fig, ax = plt.subplots()
    Z = np.array([[3.0, -0.000123456], [2.0, 5.0]])
    _mark_minimum(ax, (("a", np.array([0.0, 1.0])), ("b", np.array([0.0, 1.0]))), Z, "L")
    assert ax.lines[0].get_label() == f"grid minimum L = {fmt_number(-0.000123456)} at (1, 0)"
    assert "−" in fmt_number(-0.000123456)  # a real minus sign, not '-1.235e-04'
    plt.close(fig)
